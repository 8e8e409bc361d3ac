//! ASCII armor (RFC 4880 §6, RFC 9580 §6.2): `-----BEGIN PGP …-----`, `Key: Value` headers up to
//! a blank line (skipped), the base64 body, an optional `=XXXX` CRC-24 line, `-----END …-----`.
//!
//! Decoding follows go-crypto's `armor.Decode` (what Buildx runs): text before a block is
//! skipped; a "header" line without `:` means this was not a block, and the search for a `BEGIN`
//! line resumes; body lines may not exceed 96 characters; the body ends at the CRC line or the
//! first `-----END ` line (its label is not compared). The CRC-24 is computed and reported in [`Block::crc`], but a mismatch does not
//! reject the block: RFC 9580 §6.1 makes the footer optional and has decoders not reject an
//! object whose footer does not match, and go-crypto does not check it (a corrupted body fails
//! the packet parser or the signature anyway). [`Block::check_crc`] is the strict check.

use base64::Engine as _;

use crate::error::{Error, ErrorCode, Result};

/// The state of a block's CRC-24 footer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crc {
    /// No `=XXXX` line.
    Absent,
    /// The footer matches the decoded data.
    Match,
    /// The footer does not match the decoded data.
    Mismatch,
}

/// One decoded armored block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The label after `BEGIN `, e.g. `PGP SIGNATURE` or `PGP PUBLIC KEY BLOCK`.
    pub label: String,
    /// The decoded binary data.
    pub data: Vec<u8>,
    /// The CRC-24 footer's state.
    pub crc: Crc,
}

impl Block {
    /// Fails with `armor-checksum` when the CRC-24 footer is present and does not match.
    pub fn check_crc(&self) -> Result<()> {
        if self.crc == Crc::Mismatch {
            return Err(Error::new(
                ErrorCode::ArmorChecksum,
                "armor CRC-24 mismatch",
            ));
        }
        Ok(())
    }
}

/// Whether `input` looks armored (its first non-blank line starts with `-----BEGIN `).
pub fn is_armored(input: &[u8]) -> bool {
    let start = input
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(input.len());
    input[start..].starts_with(b"-----BEGIN ")
}

/// The CRC-24 of RFC 4880 §6.1.
pub fn crc24(data: &[u8]) -> u32 {
    const INIT: u32 = 0x00B7_04CE;
    const POLY: u32 = 0x0186_4CFB;
    let mut crc = INIT;
    for &b in data {
        crc ^= u32::from(b) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= POLY;
            }
        }
    }
    crc & 0x00FF_FFFF
}

fn armor_err(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::MalformedArmor, message)
}

fn lines(input: &[u8]) -> Result<impl Iterator<Item = &str>> {
    let text = core::str::from_utf8(input).map_err(|_| armor_err("armor is not UTF-8"))?;
    Ok(text.lines().map(str::trim))
}

fn begin_label(line: &str) -> Option<&str> {
    line.strip_prefix("-----BEGIN ")
        .and_then(|l| l.strip_suffix("-----"))
        .filter(|l| !l.is_empty())
}

/// The next block of `lines`, if any.
fn next_block<'a>(lines: &mut impl Iterator<Item = &'a str>) -> Result<Option<Block>> {
    'search: while let Some(line) = lines.next() {
        let Some(label) = begin_label(line) else {
            continue;
        };
        // Headers, up to a blank line; a line that is not `Key: Value` means no block here.
        loop {
            match lines.next() {
                None => return Err(armor_err(format!("armor block {label} has no body"))),
                Some("") => break,
                Some(l) if l.contains(':') => {}
                Some(_) => continue 'search,
            }
        }
        let mut body = String::new();
        let mut crc = None;
        let mut ended = false;
        for line in lines.by_ref() {
            if line.starts_with("-----END ") {
                ended = true;
                break;
            }
            if line.len() == 5 && line.starts_with('=') {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(&line[1..])
                    .map_err(|_| armor_err("armor CRC line is not base64"))?;
                let [a, b, c] = bytes[..] else {
                    return Err(armor_err("armor CRC line is not 3 bytes"));
                };
                crc = Some(u32::from_be_bytes([0, a, b, c]));
                break;
            }
            if line.len() > 96 {
                return Err(armor_err("armor line longer than 96 characters"));
            }
            body.push_str(line);
        }
        if !ended && crc.is_none() {
            return Err(armor_err(format!("armor block {label} has no END line")));
        }
        let data = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|e| armor_err(format!("armor body is not base64: {e}")))?;
        let crc = match crc {
            None => Crc::Absent,
            Some(c) if c == crc24(&data) => Crc::Match,
            Some(_) => Crc::Mismatch,
        };
        return Ok(Some(Block {
            label: label.to_owned(),
            data,
            crc,
        }));
    }
    Ok(None)
}

/// Decodes the first armored block of `input` (anything after it is ignored).
pub fn decode_first(input: &[u8]) -> Result<Block> {
    next_block(&mut lines(input)?)?.ok_or_else(|| armor_err("no armored block"))
}

/// Decodes every armored block of `input`, in order; an input without any block is an error.
pub fn decode_all(input: &[u8]) -> Result<Vec<Block>> {
    let mut lines = lines(input)?;
    let mut blocks = Vec::new();
    while let Some(block) = next_block(&mut lines)? {
        blocks.push(block);
    }
    if blocks.is_empty() {
        return Err(armor_err("no armored block"));
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc24_of_empty_is_init() {
        assert_eq!(crc24(b""), 0x00B7_04CE);
    }

    #[test]
    fn missing_end_is_malformed() {
        let e = decode_all(b"-----BEGIN PGP SIGNATURE-----\n\nAAAA\n").unwrap_err();
        assert_eq!(e.code(), ErrorCode::MalformedArmor);
    }

    #[test]
    fn headers_and_crc() {
        let b =
            decode_first(b"junk\n-----BEGIN X-----\nVersion: 1\n\nAAEC\n=ybVn\n-----END X-----\n")
                .unwrap();
        assert_eq!((b.label.as_str(), &b.data[..]), ("X", &[0, 1, 2][..]));
        assert_eq!(b.crc, Crc::Match);
        let b = decode_first(b"-----BEGIN X-----\n\nAAEC\n=AAAA\n-----END X-----\n").unwrap();
        assert_eq!(b.crc, Crc::Mismatch);
        assert_eq!(b.check_crc().unwrap_err().code(), ErrorCode::ArmorChecksum);
        // No blank line after BEGIN: not a block (go-crypto skips it).
        let e = decode_first(b"-----BEGIN X-----\nAAEC\n-----END X-----\n").unwrap_err();
        assert_eq!(e.code(), ErrorCode::MalformedArmor);
    }
}
