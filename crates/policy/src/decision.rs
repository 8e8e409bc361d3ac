//! Turning the value of `data.docker.decision` into a [`Decision`], exactly as
//! Buildx does (`policy/validate.go`, `parsePolicyDecision`):
//!
//! * the query has no result → error "policy returned zero result";
//! * the result is not an object → error;
//! * `allow` must be a boolean when present: `true` allows, `false` **or
//!   missing** denies;
//! * `deny_msg`, when it is an array (a set arrives as an array), gives its
//!   string elements as messages; other elements and other types are ignored;
//!   messages never deny on their own;
//! * `caps` is an object of booleans whose only known key is `exec.proxy`;
//!   any other key (or a non-boolean value) is an error.

use regorus::Value;

use crate::Error;

/// The only capability Buildx knows.
pub const CAP_EXEC_PROXY: &str = "exec.proxy";

/// A parsed decision of one policy set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `allow == true`.
    pub allow: bool,
    /// String elements of `deny_msg`, in order.
    pub messages: Vec<String>,
    /// `caps["exec.proxy"]`, when present.
    pub exec_proxy: Option<bool>,
}

/// Parses the value of the decision query. `Value::Undefined` means the query
/// had no result.
pub fn parse_decision(query: &str, value: &Value) -> Result<Decision, Error> {
    let object = match value {
        Value::Undefined => return Err(Error::UndefinedDecision(query.to_owned())),
        Value::Object(object) => object,
        other => {
            return Err(Error::InvalidDecision(format!(
                "`{query}` is {}, not an object",
                type_name(other)
            )));
        }
    };
    let field = |name: &str| object.get(&Value::from(name));

    let allow = match field("allow") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(Error::InvalidDecision(format!(
                "`allow` is {}, not a boolean",
                type_name(other)
            )));
        }
    };

    let messages = match field("deny_msg") {
        Some(Value::Array(items)) => strings(items.iter()),
        Some(Value::Set(items)) => strings(items.iter()),
        _ => Vec::new(),
    };

    let exec_proxy = match field("caps") {
        None => None,
        Some(Value::Object(caps)) => {
            let mut exec_proxy = None;
            for (key, value) in caps.iter() {
                let Value::String(key) = key else {
                    return Err(Error::InvalidDecision(format!(
                        "`caps` has a non-string key {key}"
                    )));
                };
                if key.as_ref() != CAP_EXEC_PROXY {
                    return Err(Error::InvalidDecision(format!(
                        "unknown capability `{key}`"
                    )));
                }
                let Value::Bool(b) = value else {
                    return Err(Error::InvalidDecision(format!(
                        "capability `{key}` is {}, not a boolean",
                        type_name(value)
                    )));
                };
                exec_proxy = Some(*b);
            }
            exec_proxy
        }
        Some(other) => {
            return Err(Error::InvalidDecision(format!(
                "`caps` is {}, not an object",
                type_name(other)
            )));
        }
    };

    Ok(Decision {
        allow,
        messages,
        exec_proxy,
    })
}

fn strings<'a>(items: impl Iterator<Item = &'a Value>) -> Vec<String> {
    items
        .filter_map(|item| match item {
            Value::String(s) => Some(s.as_ref().to_owned()),
            _ => None,
        })
        .collect()
}

/// The Rego type name of a value, as `type_name` returns it.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Set(_) => "set",
        Value::Object(_) => "object",
        Value::Undefined => "undefined",
    }
}
