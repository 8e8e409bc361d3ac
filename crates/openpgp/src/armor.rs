//! ASCII armor (RFC 4880 §6.2, RFC 9580 §6.2): `-----BEGIN PGP …-----`, optional headers (skipped),
//! base64 body, optional `=XXXX` CRC-24 line (checked when present), `-----END PGP …-----`.

use base64::Engine as _;

use crate::error::{Error, ErrorCode, Result};

/// One decoded armored block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The label after `BEGIN `, e.g. `PGP SIGNATURE` or `PGP PUBLIC KEY BLOCK`.
    pub label: String,
    /// The decoded binary data.
    pub data: Vec<u8>,
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

/// Decodes every armored block of `input`, in order. Text outside the blocks is ignored; an input
/// without any block is an error.
pub fn decode_all(input: &[u8]) -> Result<Vec<Block>> {
    let text = core::str::from_utf8(input).map_err(|_| armor_err("armor is not UTF-8"))?;
    let mut lines = text.lines().map(|l| l.trim_end_matches([' ', '\t', '\r']));
    let mut blocks = Vec::new();
    while let Some(line) = lines.next() {
        let line = line.trim_start();
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        blocks.push(decode_body(label, &mut lines)?);
    }
    if blocks.is_empty() {
        return Err(armor_err("no armored block"));
    }
    Ok(blocks)
}

fn decode_body<'a>(label: &str, lines: &mut impl Iterator<Item = &'a str>) -> Result<Block> {
    let mut body = String::new();
    let mut crc = None;
    let mut in_headers = true;
    for line in lines {
        if let Some(end) = line.strip_prefix("-----END ") {
            if end.strip_suffix("-----") != Some(label) {
                return Err(armor_err(format!(
                    "armor END line does not match BEGIN {label}"
                )));
            }
            let data = base64::engine::general_purpose::STANDARD
                .decode(body.as_bytes())
                .map_err(|e| armor_err(format!("armor body is not base64: {e}")))?;
            if let Some(crc) = crc
                && crc24(&data) != crc
            {
                return Err(Error::new(
                    ErrorCode::ArmorChecksum,
                    "armor CRC-24 mismatch",
                ));
            }
            return Ok(Block {
                label: label.to_owned(),
                data,
            });
        }
        if in_headers {
            if line.is_empty() {
                in_headers = false;
                continue;
            }
            // Headers are `Key: Value`; a line that is not one starts the body (lenient about a
            // missing blank separator line).
            if line.contains(": ") {
                continue;
            }
            in_headers = false;
        }
        if crc.is_some() {
            return Err(armor_err("armor data after the CRC line"));
        }
        if let Some(c) = line.strip_prefix('=') {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(c.trim())
                .map_err(|_| armor_err("armor CRC line is not base64"))?;
            let [a, b, c] = bytes[..] else {
                return Err(armor_err("armor CRC line is not 3 bytes"));
            };
            crc = Some(u32::from_be_bytes([0, a, b, c]));
            continue;
        }
        body.extend(line.chars().filter(|c| !c.is_ascii_whitespace()));
    }
    Err(armor_err(format!("armor block {label} has no END line")))
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
}
