//! RFC 8785 JSON Canonicalization Scheme (JCS).
//!
//! "The canonical form is obtained by: serializing primitive data types
//! as ECMAScript does, sorting the properties of objects by their names
//! (as arrays of UTF-16 code units), and writing no whitespace."
//! (RFC 8785 §3.2). Numbers are IEEE-754 doubles printed with ECMAScript's
//! `Number.prototype.toString` (§3.2.2.3); strings escape only `"`, `\` and
//! control characters (§3.2.2.2).

use core::fmt::Write as _;

use serde_json::Value;

/// Serializes `value` in canonical form.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| utf16_cmp(a.0, b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// The order of two strings as arrays of UTF-16 code units (RFC 8785 §3.2.3), from their UTF-8
/// bytes without transcoding. UTF-8's byte order is code point order, which is UTF-16's except
/// between a character of U+E000–U+FFFF (one unit, 0xE000 and up; lead byte 0xEE or 0xEF) and
/// one above U+FFFF (a surrogate pair, 0xD800 and up; lead byte 0xF0–0xF4): there the BMP
/// character sorts last. Where two strings first differ, a byte that differs is a lead byte
/// unless the lead bytes before it are equal — and then both characters are on the same side.
fn utf16_cmp(a: &str, b: &str) -> core::cmp::Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    match x.iter().zip(y).find(|(p, q)| p != q) {
        Some((&p, &q)) => {
            let high_bmp = |c: u8| (0xEE..=0xEF).contains(&c);
            let astral = |c: u8| c >= 0xF0;
            if high_bmp(p) && astral(q) {
                core::cmp::Ordering::Greater
            } else if astral(p) && high_bmp(q) {
                core::cmp::Ordering::Less
            } else {
                p.cmp(&q)
            }
        }
        None => x.len().cmp(&y.len()),
    }
}

fn write_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    // Runs of characters that need no escape are copied whole: every byte of a multi-byte
    // UTF-8 sequence is 0x80 or above, so a run never ends inside a character.
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            b'\t' => "\\t",
            b'\n' => "\\n",
            0x0c => "\\f",
            b'\r' => "\\r",
            0x00..0x20 => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        run = i + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

fn write_number(out: &mut String, n: &serde_json::Number) {
    // Every JSON number is an IEEE-754 double in JCS; integers that a double
    // holds exactly print as integers.
    let f = n.as_f64().unwrap_or(f64::NAN);
    out.push_str(&es_number(f));
}

/// ECMAScript `Number.prototype.toString` for finite doubles (ECMA-262
/// §6.1.6.1.20). Non-finite values cannot occur in JSON; they print `null`.
pub fn es_number(f: f64) -> String {
    if !f.is_finite() {
        return "null".to_owned();
    }
    if f == 0.0 {
        return "0".to_owned();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    // Rust's `{:e}` prints the shortest round-tripping digits: "d.ddde±x".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let k = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let n = exp + 1; // value = 0.digits × 10^n
    let body = if k <= n && n <= 21 {
        let zeros = usize::try_from(n - k).unwrap_or(0);
        format!("{digits}{}", "0".repeat(zeros))
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(usize::try_from(n).unwrap_or(0));
        format!("{int}.{frac}")
    } else if -6 < n && n <= 0 {
        let zeros = usize::try_from(-n).unwrap_or(0);
        format!("0.{}{digits}", "0".repeat(zeros))
    } else {
        let e = n - 1;
        let esign = if e < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{esign}{}", e.abs())
        } else {
            format!("{first}.{rest}e{esign}{}", e.abs())
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_ecmascript() {
        // Values from RFC 8785 Appendix B.
        let cases: [(f64, &str); 12] = [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.000001, "0.000001"),
            (0.0000001, "1e-7"),
            (9007199254740992.0, "9007199254740992"),
        ];
        for (f, want) in cases {
            assert_eq!(es_number(f), want, "{f:e}");
        }
    }

    #[test]
    fn objects_sort_by_utf16_and_strings_escape_minimally() {
        // RFC 8785 §3.2.3 sorting example: "\u20ac" (€) sorts before "\ud83d\ude00" (😀)
        // as UTF-16, though not as UTF-8 code points it would too; "\r" first.
        let v: Value = serde_json::from_str(
            r#"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#,
        )
        .unwrap();
        let got = to_string(&v);
        let keys: Vec<&str> = vec![
            "\r",
            "1",
            "\u{80}",
            "\u{f6}",
            "\u{20ac}",
            "\u{1f600}",
            "\u{fb33}",
        ];
        let mut at = 0;
        for key in keys {
            let needle = to_string(&Value::String(key.into()));
            let pos = got[at..].find(&needle).map(|p| p + at).unwrap();
            at = pos;
        }
        assert_eq!(
            to_string(&serde_json::json!({"b": [1, "\u{1}"], "a": null})),
            "{\"a\":null,\"b\":[1,\"\\u0001\"]}"
        );
    }

    #[test]
    fn strings_escape_exactly_quote_backslash_and_controls() {
        let cases: [(&str, &str); 8] = [
            ("", r#""""#),
            ("plain", r#""plain""#),
            ("a\"b\\c", r#""a\"b\\c""#),
            ("\u{8}\t\n\u{c}\r", r#""\b\t\n\f\r""#),
            ("\u{0}x\u{1f}", r#""\u0000x\u001f""#),
            ("\u{7f}/<>&", "\"\u{7f}/<>&\""),
            ("é\n€😀\u{1}", "\"é\\n€😀\\u0001\""),
            ("\"\"", r#""\"\"""#),
        ];
        for (given, want) in cases {
            assert_eq!(to_string(&Value::String(given.into())), want, "{given:?}");
        }
    }

    /// `utf16_cmp` orders as comparing the UTF-16 code units does, on strings mixing the
    /// ranges where UTF-8 and UTF-16 orders part.
    #[test]
    fn keys_order_as_utf16() {
        let chars = [
            "",
            "a",
            "b",
            "\u{7f}",
            "\u{80}",
            "\u{7ff}",
            "\u{800}",
            "\u{d7ff}",
            "\u{e000}",
            "\u{fb33}",
            "\u{ffff}",
            "\u{10000}",
            "\u{1f600}",
            "\u{10ffff}",
        ];
        let mut words = Vec::new();
        for a in chars {
            for b in chars {
                for c in ["", "a", "\u{fffd}", "\u{1f600}"] {
                    words.push(format!("{a}{b}{c}"));
                }
            }
        }
        for a in &words {
            for b in &words {
                assert_eq!(
                    utf16_cmp(a, b),
                    a.encode_utf16().cmp(b.encode_utf16()),
                    "{a:?} {b:?}"
                );
            }
        }
    }
}
