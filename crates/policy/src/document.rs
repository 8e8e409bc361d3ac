//! JSON documents into regorus values without serde's `Deserialize` for `regorus::Value`:
//! regorus's map visitor takes an object whose first key is `$serde_json::private::Number`
//! for a number (`{"$serde_json::private::Number": "80"}` became 80) and fails the whole
//! document when more keys follow — an input document holding such an object was evaluated
//! as no input at all, and a deny rule reading it never fired. Here every object is an object.

use std::collections::BTreeMap;

use regorus::Value;

/// A JSON document as the engine evaluates it (numbers as regorus holds them: an integer that
/// fits 64 bits as an integer, anything else as serde read it).
pub(crate) fn from_json(document: &serde_json::Value) -> Value {
    match document {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::from(*b),
        serde_json::Value::Number(n) => number(n),
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(items) => {
            Value::from(items.iter().map(from_json).collect::<Vec<_>>())
        }
        serde_json::Value::Object(fields) => Value::from(
            fields
                .iter()
                .map(|(k, v)| (Value::from(k.as_str()), from_json(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

fn number(n: &serde_json::Number) -> Value {
    if let Some(u) = n.as_u64() {
        Value::from(u)
    } else if let Some(i) = n.as_i64() {
        Value::from(i)
    } else {
        Value::from(n.as_f64().unwrap_or(f64::NAN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_number_key_is_an_ordinary_key() {
        let doc =
            serde_json::json!({"a": {"$serde_json::private::Number": "80", "b": 1}, "bad": true});
        let v = from_json(&doc);
        assert_eq!(v["bad"], Value::from(true));
        assert_eq!(v["a"]["$serde_json::private::Number"], Value::from("80"));
        let doc = serde_json::json!({"n": 1, "u": 18446744073709551615u64, "i": -5, "f": 1.5, "l": [null, "x"]});
        assert_eq!(from_json(&doc), Value::from(doc.clone()));
    }
}
