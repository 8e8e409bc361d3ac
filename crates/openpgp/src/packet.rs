//! Packet framing (RFC 4880 §4.2, RFC 9580 §4.2): old- and new-format headers with definite
//! lengths; partial and indeterminate lengths are refused. Plus a bounds-checked field reader.

use crate::error::{Error, ErrorCode, Result, malformed};

/// Packet tags this crate acts on (RFC 9580 §5).
pub(crate) mod tag {
    pub(crate) const SIGNATURE: u8 = 2;
    pub(crate) const SECRET_KEY: u8 = 5;
    pub(crate) const PUBLIC_KEY: u8 = 6;
    pub(crate) const SECRET_SUBKEY: u8 = 7;
    pub(crate) const MARKER: u8 = 10;
    pub(crate) const TRUST: u8 = 12;
    pub(crate) const USER_ID: u8 = 13;
    pub(crate) const PUBLIC_SUBKEY: u8 = 14;
    pub(crate) const USER_ATTRIBUTE: u8 = 17;
    pub(crate) const PADDING: u8 = 21;
}

/// At most this many packets in one input (structural sanity, not a size cap).
const MAX_PACKETS: usize = 100_000;

/// One packet: its tag and body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packet<'a> {
    pub(crate) tag: u8,
    pub(crate) body: &'a [u8],
}

/// Splits `data` into packets.
pub(crate) fn packets(data: &[u8]) -> Result<Vec<Packet<'_>>> {
    let mut out = Vec::new();
    let mut r = Reader::new(data);
    while !r.is_empty() {
        if out.len() >= MAX_PACKETS {
            return Err(malformed("too many packets"));
        }
        let head = r.u8()?;
        if head & 0x80 == 0 {
            return Err(malformed(format!(
                "packet header byte {head:#04x} lacks bit 7"
            )));
        }
        let (tag, len) = if head & 0x40 != 0 {
            let tag = head & 0x3f;
            let o1 = r.u8()?;
            let len = match o1 {
                0..=191 => usize::from(o1),
                192..=223 => ((usize::from(o1) - 192) << 8) + usize::from(r.u8()?) + 192,
                255 => r.u32()? as usize,
                _ => {
                    return Err(Error::new(
                        ErrorCode::UnsupportedPacket,
                        "partial body lengths are not supported",
                    ));
                }
            };
            (tag, len)
        } else {
            let tag = (head >> 2) & 0x0f;
            let len = match head & 0x03 {
                0 => usize::from(r.u8()?),
                1 => usize::from(r.u16()?),
                2 => r.u32()? as usize,
                _ => {
                    return Err(Error::new(
                        ErrorCode::UnsupportedPacket,
                        "indeterminate packet lengths are not supported",
                    ));
                }
            };
            (tag, len)
        };
        let body = r.take(len)?;
        out.push(Packet { tag, body });
    }
    Ok(out)
}

/// A bounds-checked big-endian reader over a packet body.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len()
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.data.len() {
            return Err(malformed("packet truncated"));
        }
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A multiprecision integer (RFC 4880 §3.2): a bit count and the big-endian magnitude.
    /// Leading zero octets are stripped.
    pub(crate) fn mpi(&mut self) -> Result<&'a [u8]> {
        let bits = usize::from(self.u16()?);
        let v = self.take(bits.div_ceil(8))?;
        let zeros = v.iter().take_while(|&&b| b == 0).count();
        Ok(&v[zeros..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_lengths_are_refused() {
        let e = packets(&[0xC2, 0xE1, 0, 0]).unwrap_err();
        assert_eq!(e.code(), ErrorCode::UnsupportedPacket);
    }

    #[test]
    fn old_and_new_format_lengths() {
        let p = packets(&[0x88, 0x01, 0xAA, 0xC2, 0xC0, 0x00]).unwrap_err();
        assert_eq!(p.code(), ErrorCode::MalformedPacket);
        let p = packets(&[0x88, 0x01, 0xAA, 0xC2, 0x01, 0xBB]).unwrap();
        assert_eq!((p[0].tag, p[0].body), (2, &[0xAA][..]));
        assert_eq!((p[1].tag, p[1].body), (2, &[0xBB][..]));
    }
}
