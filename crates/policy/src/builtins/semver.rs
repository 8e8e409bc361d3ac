//! `semver.is_valid` and `semver.compare` as OPA evaluates them (OPA
//! `internal/semver`, a descendant of coreos/go-semver), which is laxer than
//! the SemVer specification that regorus's `semver` crate follows:
//!
//! * one leading `v` is dropped; the text after the first `+` is build metadata
//!   and the text after the first `-` (before it) the pre-release; each, when
//!   not empty, is dot-separated runs of `[0-9A-Za-z-]`; an empty one (`1.2.3-`)
//!   is accepted and the same as none;
//! * major, minor and patch are Go `strconv.ParseInt` (base 10, 64 bits):
//!   leading zeros are accepted (`01.2.3`); beyond 64 bits is invalid;
//! * compare: major, minor, patch, then a version without pre-release is
//!   greater; identifiers compare numerically when both are all digits
//!   (numeric below alphanumeric), else bytewise; more identifiers is greater;
//!   build metadata is ignored.
//!
//! Where OPA does not terminate — two pre-releases that differ in text but
//! whose identifiers all compare equal (`1.2.3-01` against `1.2.3-1`, or
//! numbers beyond 64 bits, which OPA reads as 0) — `semver.compare` is an
//! evaluation error here (KNOWN-DIFFERENCES).

use regorus::Value;

use super::bounded::BuiltinError;

#[derive(Debug, PartialEq)]
struct Version<'a> {
    major: i64,
    minor: i64,
    patch: i64,
    pre: &'a str,
}

fn identifiers_ok(s: &str) -> bool {
    s.split('.')
        .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// Go's `strconv.ParseInt(s, 10, 64)`.
fn parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse(text: &str) -> Option<Version<'_>> {
    let text = text.strip_prefix('v').unwrap_or(text);
    let (text, metadata) = text.split_once('+').unwrap_or((text, ""));
    if !metadata.is_empty() && !identifiers_ok(metadata) {
        return None;
    }
    let (text, pre) = text.split_once('-').unwrap_or((text, ""));
    if !pre.is_empty() && !identifiers_ok(pre) {
        return None;
    }
    let mut parts = text.split('.');
    let (Some(major), Some(minor), Some(patch), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    Some(Version {
        major: parse_int(major)?,
        minor: parse_int(minor)?,
        patch: parse_int(patch)?,
        pre,
    })
}

/// `semver.is_valid(v)`: false for anything but a valid version string.
pub(crate) fn is_valid(value: &Value) -> Option<Value> {
    let valid = value.as_string().is_ok_and(|s| parse(s).is_some());
    Some(Value::Bool(valid))
}

/// `semver.compare(a, b)`: -1, 0 or 1; undefined unless both are versions.
pub(crate) fn compare(a: &Value, b: &Value) -> Result<Value, BuiltinError> {
    let (Ok(a), Ok(b)) = (a.as_string(), b.as_string()) else {
        return Ok(Value::Undefined);
    };
    let (Some(a), Some(b)) = (parse(a), parse(b)) else {
        return Ok(Value::Undefined);
    };
    let order = (a.major, a.minor, a.patch).cmp(&(b.major, b.minor, b.patch));
    let order = match order {
        std::cmp::Ordering::Equal => compare_pre(a.pre, b.pre)?,
        other => other,
    };
    Ok(Value::from(order as i64))
}

fn compare_pre(a: &str, b: &str) -> Result<std::cmp::Ordering, BuiltinError> {
    use std::cmp::Ordering::{Equal, Greater, Less};
    if a == b {
        return Ok(Equal);
    }
    if a.is_empty() {
        return Ok(Greater);
    }
    if b.is_empty() {
        return Ok(Less);
    }
    let (mut xs, mut ys) = (a.split('.'), b.split('.'));
    loop {
        match (xs.next(), ys.next()) {
            (Some(x), Some(y)) => {
                let numeric = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
                let order = match (numeric(x), numeric(y)) {
                    (true, false) => Less,
                    (false, true) => Greater,
                    // Go's strconv.Atoi: 0 for a number beyond 64 bits.
                    (true, true) => x
                        .parse::<i64>()
                        .unwrap_or(0)
                        .cmp(&y.parse::<i64>().unwrap_or(0)),
                    (false, false) => x.as_bytes().cmp(y.as_bytes()),
                };
                if order != Equal {
                    return Ok(order);
                }
            }
            (Some(_), None) => return Ok(Greater),
            (None, Some(_)) => return Ok(Less),
            (None, None) => {
                return Err(BuiltinError(format!(
                    "semver.compare: the pre-releases {a:?} and {b:?} differ but compare equal \
                     (OPA does not terminate)"
                )));
            }
        }
    }
}
