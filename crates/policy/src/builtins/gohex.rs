//! `hex.encode` and `hex.decode` as OPA runs them on Go's `encoding/hex`: the string's UTF-8
//! bytes in lowercase hexadecimal; decoding takes either case, and an odd length or any other
//! character is an error (undefined in Buildx's non-strict evaluation). The decoded bytes are a
//! Go string, held as [`super::gobase64::string`] holds them.

use regorus::Value;

/// `hex.encode(s)`: Go's `hex.EncodeToString`, which writes what `fmt`'s `%x` of the string does.
pub(crate) fn encode(value: &Value) -> Option<Value> {
    Some(Value::from(super::gofmt::hex_string(
        value.as_string().ok()?,
    )))
}

/// `hex.decode(s)`: Go's `hex.DecodeString`.
pub(crate) fn decode(value: &Value) -> Option<Value> {
    let text = value.as_string().ok()?.as_bytes();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let bytes = text
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect::<Option<Vec<u8>>>()?;
    Some(super::gobase64::string(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OPA v1's answers.
    #[test]
    fn as_opa() {
        type Builtin = fn(&Value) -> Option<Value>;
        let cases: &[(Builtin, &str, &str)] = &[
            (encode, "", "\"\""),
            (encode, "hi", "\"6869\""),
            (encode, "\u{e9}\n", "\"c3a90a\""),
            (decode, "6869", "\"hi\""),
            (decode, "6A6b", "\"jk\""),
            (decode, "", "\"\""),
            (decode, "686", "undefined"),
            (decode, "6g", "undefined"),
            (decode, "+1", "undefined"),
            (decode, "ff", "\"\u{fffd}\""),
            (decode, "e282", "\"\u{fffd}\u{fffd}\""),
            (decode, "61e282f0", "\"a\u{fffd}\u{fffd}\u{fffd}\""),
            (decode, "f09f98", "\"\u{fffd}\u{fffd}\u{fffd}\""),
            (decode, "eda080", "\"\u{fffd}\u{fffd}\u{fffd}\""),
            (decode, "c3a9", "\"\u{e9}\""),
        ];
        for (f, input, want) in cases {
            let got = f(&Value::from(*input)).map_or("undefined".to_owned(), |v| {
                serde_json::to_string(&v).unwrap()
            });
            assert_eq!(got, *want, "{input:?}");
        }
        assert_eq!(encode(&Value::from(1u64)), None);
        assert_eq!(decode(&Value::Null), None);
    }
}
