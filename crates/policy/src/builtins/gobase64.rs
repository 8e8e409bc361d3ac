//! `base64.*` and `base64url.*` as OPA runs them on Go's `encoding/base64`. Encoding writes
//! the string's UTF-8 bytes, padded with `=` except for `base64url.encode_no_pad`. Decoding:
//! padding required (`base64url.decode` first pads a string that has
//! none, as RFC 7515 appendix C says), `\r` and `\n` skipped, and bits after the last
//! byte ignored (`"zz=="` decodes; regorus refuses it). The bytes are a Go string, which may
//! not be UTF-8; here they become a Rust string with U+FFFD for invalid sequences, which is
//! how OPA's JSON output shows them (KNOWN-DIFFERENCES row 32).

use regorus::Value;

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Go's `base64.StdEncoding.DecodeString` (go-yaml's `!!binary`).
pub(crate) fn std_bytes(text: &str) -> Option<Vec<u8>> {
    decode(STD, text)
}

/// Go's `Encoding.DecodeString` for a padded encoding, not strict.
fn decode(alphabet: &[u8; 64], text: &str) -> Option<Vec<u8>> {
    let chars: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b'\r' | b'\n'))
        .collect();
    if !chars.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(chars.len() / 4 * 3);
    let quanta = chars.len() / 4;
    for (index, quantum) in chars.chunks(4).enumerate() {
        let pad = quantum.iter().rev().take_while(|&&c| c == b'=').count();
        // `=` only ends the last quantum, after at least two symbols.
        if pad > 2 || (pad > 0 && index + 1 != quanta) {
            return None;
        }
        let mut word = 0u32;
        for &c in &quantum[..4 - pad] {
            let digit = alphabet.iter().position(|&a| a == c)?;
            word = (word << 6) | digit as u32;
        }
        word <<= 6 * pad as u32;
        let bytes = word.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - pad]);
    }
    Some(out)
}

/// Go's `Encoding.EncodeToString`, padded or not (`RawURLEncoding`).
fn encode(alphabet: &[u8; 64], bytes: &[u8], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut word = [0u8; 3];
        word[..chunk.len()].copy_from_slice(chunk);
        let word = u32::from_be_bytes([0, word[0], word[1], word[2]]);
        let symbols = chunk.len() + 1;
        for i in 0..4 {
            if i < symbols {
                out.push(char::from(alphabet[(word >> (18 - 6 * i)) as usize & 63]));
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

/// `base64.encode(s)`.
pub(crate) fn std_encode(value: &Value) -> Option<Value> {
    Some(Value::from(encode(
        STD,
        value.as_string().ok()?.as_bytes(),
        true,
    )))
}

/// `base64url.encode(s)`.
pub(crate) fn url_encode(value: &Value) -> Option<Value> {
    Some(Value::from(encode(
        URL,
        value.as_string().ok()?.as_bytes(),
        true,
    )))
}

/// `base64url.encode_no_pad(s)`.
pub(crate) fn url_encode_no_pad(value: &Value) -> Option<Value> {
    Some(Value::from(encode(
        URL,
        value.as_string().ok()?.as_bytes(),
        false,
    )))
}

/// A Go string of `bytes` as verdict holds it: each byte that is not part of a valid UTF-8
/// sequence becomes one U+FFFD, as Go reads such a string rune by rune (`count`, `json.marshal`
/// and OPA's JSON output see one replacement a byte; Rust's `from_utf8_lossy` would write one a
/// sequence, `e2 82` as one) — KNOWN-DIFFERENCES row 32.
pub(crate) fn string(bytes: Vec<u8>) -> Value {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let bytes = e.into_bytes();
            let mut text = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                text.push_str(chunk.valid());
                text.extend(std::iter::repeat_n('\u{fffd}', chunk.invalid().len()));
            }
            text
        }
    };
    Value::from(text)
}

/// `base64.decode(s)`.
pub(crate) fn std_decode(value: &Value) -> Option<Value> {
    decode(STD, value.as_string().ok()?).map(string)
}

/// `base64.is_valid(s)`.
pub(crate) fn is_valid(value: &Value) -> Option<Value> {
    Some(Value::from(decode(STD, value.as_string().ok()?).is_some()))
}

/// `base64url.decode(s)`: unpadded input is padded first (a length of 1 modulo 4 is an error).
pub(crate) fn url_decode(value: &Value) -> Option<Value> {
    let text = value.as_string().ok()?;
    let mut padded = text.to_string();
    if !text.ends_with('=') {
        match text.len() % 4 {
            0 => {}
            2 => padded.push_str("=="),
            3 => padded.push('='),
            _ => return None,
        }
    }
    decode(URL, &padded).map(string)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OPA v1's answers.
    #[test]
    fn as_opa() {
        type Decode = fn(&Value) -> Option<Value>;
        let cases: &[(Decode, &str, &str)] = &[
            (std_decode, "zw==", "\"\u{fffd}\""),
            (std_decode, "zz==", "\"\u{fffd}\""),
            (std_decode, "YQ==\n", "\"a\""),
            (std_decode, "YWJj", "\"abc\""),
            (std_decode, "YQ", "undefined"),
            (std_decode, "_-8=", "undefined"),
            (std_decode, "/w==", "\"\u{fffd}\""),
            (std_decode, "YQ==YQ==", "undefined"),
            (std_decode, "Y===", "undefined"),
            (url_decode, "zz", "\"\u{fffd}\""),
            (url_decode, "YQ", "\"a\""),
            (url_decode, "Y", "undefined"),
            (url_decode, "_-8", "\"\u{fffd}\u{fffd}\""),
            (std_decode, "4oI=", "\"\u{fffd}\u{fffd}\""),
            (std_decode, "YeKCYg==", "\"a\u{fffd}\u{fffd}b\""),
            (url_decode, "YW\nJj", "undefined"),
            (url_decode, "YWJj", "\"abc\""),
            (is_valid, "zz==", "true"),
            (is_valid, "zz", "false"),
            (std_encode, "", "\"\""),
            (std_encode, "a", "\"YQ==\""),
            (std_encode, "ab", "\"YWI=\""),
            (std_encode, "abc", "\"YWJj\""),
            (std_encode, "\u{ff}\u{fe}?>", "\"w7/Dvj8+\""),
            (url_encode, "\u{ff}\u{fe}?>", "\"w7_Dvj8-\""),
            (url_encode, "ab", "\"YWI=\""),
            (url_encode_no_pad, "ab", "\"YWI\""),
            (url_encode_no_pad, "a", "\"YQ\""),
            (url_encode_no_pad, "", "\"\""),
        ];
        for (f, input, want) in cases {
            let got = f(&Value::from(*input)).map_or("undefined".to_owned(), |v| {
                serde_json::to_string(&v).unwrap()
            });
            assert_eq!(got, *want, "{input:?}");
        }
    }

    /// Every encoder's output decodes back to its input, for every length modulo 3 and every
    /// byte value.
    #[test]
    fn encodings_decode_back() {
        let text: String = (0u8..=255).map(char::from).collect();
        for end in 0..text.len() {
            let given = &text[..text.char_indices().nth(end).map_or(text.len(), |(i, _)| i)];
            let value = Value::from(given);
            for (encode, decode) in [
                (
                    std_encode as fn(&Value) -> Option<Value>,
                    std_decode as fn(&Value) -> Option<Value>,
                ),
                (url_encode, url_decode),
                (url_encode_no_pad, url_decode),
            ] {
                let encoded = encode(&value).unwrap();
                assert_eq!(decode(&encoded), Some(value.clone()), "{given:?}");
            }
        }
    }

    /// Non-strings are undefined (OPA: a type error, undefined in non-strict evaluation).
    #[test]
    fn non_strings_are_undefined() {
        for f in [
            std_encode,
            url_encode,
            url_encode_no_pad,
            std_decode,
            url_decode,
        ] {
            assert_eq!(f(&Value::from(1u64)), None);
        }
    }
}
