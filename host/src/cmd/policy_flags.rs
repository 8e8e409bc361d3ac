//! The `--policy` (`-p`) grammar, as Buildx parses it (BX `util/buildflags/policy.go`), and how
//! repeated values combine into policy sets (BX `build/build.go` `withPolicyConfig`).
//!
//! Pure: the values become a [`PolicyPlan`] naming files; the caller reads them (relative to the
//! build context for a source, to the working directory for an input document).

use std::fmt;

/// What the `--policy` values ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PolicyPlan {
    /// `disabled=true`: no policy is evaluated.
    Disabled {
        /// The value that disabled policies, as given.
        spec: String,
    },
    /// Policy sets to evaluate: all must allow; the first deny wins.
    Sets {
        /// Whether a `reset=true` dropped every set before the flags' own (the
        /// auto-discovered `<Dockerfile>.rego`).
        reset: bool,
        /// The sets, in order, each the file names of its modules as given; sets dropped by a
        /// later `reset=true` are not listed. May be empty.
        sets: Vec<Vec<String>>,
    },
}

/// A `--policy` value that does not parse, or values that do not combine; the message names the
/// flag and the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicyFlagError(String);

impl fmt::Display for PolicyFlagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PolicyFlagError {}

/// One `--policy` value: CSV fields (double quotes protect commas, `""` inside quotes is a
/// quote), `key=value` with the key trimmed and lowercased; `filename` (non-empty, repeatable),
/// `reset`, `disabled`, `strict` (Go `strconv.ParseBool` spellings), `log-level` (a logrus
/// level). verdict also takes a field without `=` as a file name, so `a.rego,b.rego` works.
#[derive(Debug, Default, PartialEq, Eq)]
struct PolicySpec {
    /// The `filename` fields (and bare fields), in order.
    files: Vec<String>,
    /// `reset=true`: drop the sets before this one.
    reset: bool,
    /// `disabled=true`: evaluate no policy.
    disabled: bool,
    /// A field accepted and otherwise ignored (`strict`, `log-level`) was given.
    other: bool,
}

/// The policy plan the `--policy` values ask for. Each value naming files is its own set;
/// `reset=true` drops the sets before it; `disabled=true` turns policies off and may not be
/// combined with anything else (another field or another value).
pub(crate) fn plan(specs: &[String]) -> Result<PolicyPlan, PolicyFlagError> {
    let parsed = specs
        .iter()
        .map(|s| parse_spec(s))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(position) = parsed.iter().position(|p| p.disabled) {
        let disabled = &parsed[position];
        if parsed.len() > 1 || disabled.reset || disabled.other || !disabled.files.is_empty() {
            return Err(PolicyFlagError(
                "disabled policy cannot be combined with other policy flags".to_owned(),
            ));
        }
        return Ok(PolicyPlan::Disabled {
            spec: specs[position].clone(),
        });
    }
    let mut reset = false;
    let mut sets = Vec::new();
    for spec in parsed {
        if spec.reset {
            reset = true;
            sets.clear();
        }
        if !spec.files.is_empty() {
            sets.push(spec.files);
        }
    }
    Ok(PolicyPlan::Sets { reset, sets })
}

/// Splits a value into its CSV fields, dropping empty ones.
fn csv_fields(value: &str) -> Result<Vec<String>, PolicyFlagError> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    if quoted {
        return Err(PolicyFlagError(format!(
            "--policy {value:?}: unterminated quote"
        )));
    }
    fields.push(field);
    Ok(fields.into_iter().filter(|f| !f.is_empty()).collect())
}

/// Parses one `--policy` value.
fn parse_spec(value: &str) -> Result<PolicySpec, PolicyFlagError> {
    let mut spec = PolicySpec::default();
    for field in csv_fields(value)? {
        let Some((key, v)) = field.split_once('=') else {
            spec.files.push(field);
            continue;
        };
        match key.trim().to_lowercase().as_str() {
            "filename" if !v.is_empty() => spec.files.push(v.to_owned()),
            "reset" => spec.reset = parse_bool(v, &field)?,
            "disabled" => spec.disabled = parse_bool(v, &field)?,
            "strict" => {
                parse_bool(v, &field)?;
                spec.other = true;
            }
            "log-level"
                if matches!(
                    v.to_lowercase().as_str(),
                    "panic" | "fatal" | "error" | "warn" | "warning" | "info" | "debug" | "trace"
                ) =>
            {
                spec.other = true;
            }
            _ => {
                return Err(PolicyFlagError(format!(
                    "--policy {value:?}: invalid value {field}"
                )));
            }
        }
    }
    Ok(spec)
}

/// Go's `strconv.ParseBool`; `field` names the field in the error.
fn parse_bool(value: &str, field: &str) -> Result<bool, PolicyFlagError> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(PolicyFlagError(format!(
            "--policy {field:?}: invalid boolean"
        ))),
    }
}

