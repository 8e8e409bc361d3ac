//! `uuid.parse(s)` as OPA evaluates it (OPA `topdown/uuid.go` over
//! google/uuid): the 36-character form, `{…}`, `urn:uuid:…` and 32 hex digits,
//! any case. The result has `version` and `variant` (`RFC4122`, `Microsoft`,
//! `Future`, `Reserved`); versions 1 and 2 add `time` (Unix nanoseconds, Go's
//! wrapping arithmetic), `clocksequence`, `nodeid` (`xx-xx-…`) and
//! `macvariables` (`global`/`local`, `unicast`/`multicast`); version 2 adds `id`
//! and `domain` (`Person`, `Group`, `Org`, `Domain<n>`). Anything else is
//! undefined.

use std::collections::BTreeMap;

use regorus::Value;

/// 100-nanosecond intervals from 1582-10-15 to the Unix epoch.
const GREGORIAN_TO_UNIX: i64 = 122_192_928_000_000_000;

fn bytes_of(text: &str) -> Option<[u8; 16]> {
    let hex: String = match text.len() {
        36 => dashed(text)?,
        38 => dashed(text.strip_prefix('{')?.strip_suffix('}')?)?,
        45 => {
            let (urn, rest) = text.split_at_checked(9)?;
            if !urn.eq_ignore_ascii_case("urn:uuid:") {
                return None;
            }
            dashed(rest)?
        }
        32 if text.bytes().all(|c| c.is_ascii_hexdigit()) => text.to_owned(),
        _ => return None,
    };
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn dashed(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if [8, 13, 18, 23].iter().any(|&i| b.get(i) != Some(&b'-')) {
        return None;
    }
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    (hex.len() == 32 && hex.bytes().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}

/// `uuid.parse(s)`.
pub(crate) fn parse(value: &Value) -> Option<Value> {
    let u = bytes_of(value.as_string().ok()?)?;
    let version = u[6] >> 4;
    let variant = match u[8] {
        b if b & 0xc0 == 0x80 => "RFC4122",
        b if b & 0xe0 == 0xc0 => "Microsoft",
        b if b & 0xe0 == 0xe0 => "Future",
        _ => "Reserved",
    };
    let mut out: BTreeMap<Value, Value> = BTreeMap::new();
    let mut put = |k: &str, v: Value| {
        out.insert(Value::from(k), v);
    };
    put("version", Value::from(u64::from(version)));
    put("variant", Value::from(variant));
    if version == 1 || version == 2 {
        let be16 = |i: usize| i64::from(u16::from_be_bytes([u[i], u[i + 1]]));
        let low = i64::from(u32::from_be_bytes([u[0], u[1], u[2], u[3]]));
        let t = low | be16(4) << 32 | (be16(6) & 0xfff) << 48;
        let since = t - GREGORIAN_TO_UNIX;
        let nanos = (since / 10_000_000)
            .wrapping_mul(1_000_000_000)
            .wrapping_add((since % 10_000_000) * 100);
        put("time", Value::from(nanos));
        put("clocksequence", Value::from(be16(8) & 0x3fff));
        let node: Vec<String> = u[10..].iter().map(|b| format!("{b:02x}")).collect();
        put("nodeid", Value::from(node.join("-")));
        let scope = if u[10] & 0x02 == 0 { "global" } else { "local" };
        let cast = if u[10] & 0x01 == 0 {
            "unicast"
        } else {
            "multicast"
        };
        put("macvariables", Value::from(format!("{scope}:{cast}")));
        if version == 2 {
            put("id", Value::from(low));
            let domain = match u[9] {
                0 => "Person".to_owned(),
                1 => "Group".to_owned(),
                2 => "Org".to_owned(),
                d => format!("Domain{d}"),
            };
            put("domain", Value::from(domain));
        }
    }
    Some(Value::from(out))
}
