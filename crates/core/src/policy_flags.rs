//! The `--policy` (`-p`) grammar, as Buildx parses it (BX `util/buildflags/policy.go`), and how
//! repeated values combine into policy sets (BX `build/build.go` `withPolicyConfig`).
//!
//! Pure: the values become a [`PolicyPlan`] naming files; the caller reads them (relative to the
//! build context for a source, to the working directory for an input document). Every host gets
//! the grammar from here (the WIT's `host-protocol.parse-policy-flags`), so `--policy` means the
//! same in all of them.

use std::fmt;

/// What the `--policy` values ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyPlan {
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
        /// The sets, in order, each the file names of its modules, cleaned ([`clean_name`]:
        /// `./a.rego` is `a.rego`); sets dropped by a later `reset=true` are not listed. May be
        /// empty.
        sets: Vec<Vec<String>>,
    },
}

/// A `--policy` value that does not parse, or values that do not combine; the message names the
/// flag and the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFlagError(pub String);

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
pub fn plan(specs: &[String]) -> Result<PolicyPlan, PolicyFlagError> {
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
            sets.push(spec.files.iter().map(|f| clean_name(f)).collect());
        }
    }
    Ok(PolicyPlan::Sets { reset, sets })
}

/// A policy file name, cleaned as Go's `path.Clean` cleans it (BX `build/policy_loader.go`
/// cleans a name before it reads it): `.` parts and repeated or trailing slashes go, `a/../b`
/// is `b`. A `cwd://` name keeps its prefix and cleans the rest. So `a.rego`, `./a.rego` and
/// `sub/../a.rego` name the same module, and the verdict's hash does not depend on the spelling.
/// A `..` that would leave the start stays (`../a.rego`); the host refuses it.
pub fn clean_name(name: &str) -> String {
    match name.strip_prefix("cwd://") {
        Some(rest) => format!("cwd://{}", go_path_clean(rest)),
        None => go_path_clean(name),
    }
}

/// Go's `path.Clean`: the shortest path with the same lexical meaning (`""` is `.`).
fn go_path_clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|last| *last != "..") => {
                parts.pop();
            }
            ".." if rooted => {}
            part => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan of `specs`, or its error message.
    fn plan_of(specs: &[&str]) -> Result<PolicyPlan, String> {
        let specs: Vec<String> = specs.iter().map(|s| (*s).to_owned()).collect();
        plan(&specs).map_err(|e| e.to_string())
    }

    /// Sets of file names from string slices.
    fn sets(sets: &[&[&str]]) -> Vec<Vec<String>> {
        sets.iter()
            .map(|set| set.iter().map(|f| (*f).to_owned()).collect())
            .collect()
    }

    #[test]
    fn parse_bool_takes_go_spellings_only() {
        let cases: &[(&str, Option<bool>)] = &[
            ("1", Some(true)),
            ("t", Some(true)),
            ("T", Some(true)),
            ("TRUE", Some(true)),
            ("true", Some(true)),
            ("True", Some(true)),
            ("0", Some(false)),
            ("f", Some(false)),
            ("F", Some(false)),
            ("FALSE", Some(false)),
            ("false", Some(false)),
            ("False", Some(false)),
            ("", None),
            ("tRUE", None),
            ("yes", None),
            ("no", None),
            ("on", None),
            (" true", None),
            ("true ", None),
            ("2", None),
            ("01", None),
        ];
        for (value, want) in cases {
            let got = parse_bool(value, &format!("reset={value}"));
            match want {
                Some(b) => assert_eq!(got, Ok(*b), "{value:?}"),
                None => assert_eq!(
                    got.map_err(|e| e.to_string()),
                    Err(format!("--policy \"reset={value}\": invalid boolean")),
                    "{value:?}"
                ),
            }
        }
    }

    #[test]
    fn csv_fields_split_quote_and_escape() {
        let cases: &[(&str, Result<&[&str], &str>)] = &[
            ("a.rego", Ok(&["a.rego"])),
            ("a.rego,b.rego", Ok(&["a.rego", "b.rego"])),
            ("", Ok(&[])),
            (",,a.rego,,", Ok(&["a.rego"])),
            (r#""a,b.rego""#, Ok(&["a,b.rego"])),
            (
                r#"filename="a,b.rego",c.rego"#,
                Ok(&["filename=a,b.rego", "c.rego"]),
            ),
            (r#""filename=a,b.rego""#, Ok(&["filename=a,b.rego"])),
            (r#""say ""hi"".rego""#, Ok(&[r#"say "hi".rego"#])),
            (r#""""#, Ok(&[])),
            (r#""""""#, Ok(&["\""])),
            (r#"a""b"#, Ok(&["ab"])),
            (
                r#""a.rego"#,
                Err(r#"--policy "\"a.rego": unterminated quote"#),
            ),
            (
                r#"a.rego,"b"#,
                Err(r#"--policy "a.rego,\"b": unterminated quote"#),
            ),
            (r#""a""""#, Ok(&["a\""])),
            (r#""a"""#, Err(r#"--policy "\"a\"\"": unterminated quote"#)),
        ];
        for (value, want) in cases {
            let got = csv_fields(value).map_err(|e| e.to_string());
            let want = want
                .map(|fields| fields.iter().map(|f| (*f).to_owned()).collect::<Vec<_>>())
                .map_err(str::to_owned);
            assert_eq!(got, want, "{value:?}");
        }
    }

    #[test]
    fn spec_keys_are_trimmed_and_case_folded() {
        let files = |files: &[&str]| PolicySpec {
            files: files.iter().map(|f| (*f).to_owned()).collect(),
            ..PolicySpec::default()
        };
        let cases: &[(&str, Result<PolicySpec, &str>)] = &[
            ("filename=a.rego", Ok(files(&["a.rego"]))),
            ("FILENAME=a.rego", Ok(files(&["a.rego"]))),
            ("FileName=a.rego", Ok(files(&["a.rego"]))),
            (" filename =a.rego", Ok(files(&["a.rego"]))),
            // The value is kept as given.
            ("filename= a.rego", Ok(files(&[" a.rego"]))),
            ("a.rego,filename=b.rego", Ok(files(&["a.rego", "b.rego"]))),
            (
                " Reset = true",
                Err(r#"--policy " Reset = true": invalid boolean"#),
            ),
            (
                "RESET=True",
                Ok(PolicySpec {
                    reset: true,
                    ..PolicySpec::default()
                }),
            ),
            (
                "Disabled=1",
                Ok(PolicySpec {
                    disabled: true,
                    ..PolicySpec::default()
                }),
            ),
            (
                "strict=false,LOG-LEVEL=Debug",
                Ok(PolicySpec {
                    other: true,
                    ..PolicySpec::default()
                }),
            ),
            (
                "filename=",
                Err(r#"--policy "filename=": invalid value filename="#),
            ),
            (
                "a.rego,colour=blue",
                Err(r#"--policy "a.rego,colour=blue": invalid value colour=blue"#),
            ),
            (
                "log-level=loud",
                Err(r#"--policy "log-level=loud": invalid value log-level=loud"#),
            ),
            (
                "strict=maybe",
                Err(r#"--policy "strict=maybe": invalid boolean"#),
            ),
            (
                "disabled=yes",
                Err(r#"--policy "disabled=yes": invalid boolean"#),
            ),
        ];
        for (value, want) in cases {
            let got = parse_spec(value).map_err(|e| e.to_string());
            assert_eq!(
                got.as_ref().map_err(String::as_str),
                want.as_ref().map_err(|e| *e),
                "{value:?}"
            );
        }
    }

    #[test]
    fn disabled_combined_with_anything_is_refused() {
        const REFUSED: &str = "disabled policy cannot be combined with other policy flags";
        let cases: &[&[&str]] = &[
            &["disabled=true,a.rego"],
            &["disabled=true,filename=a.rego"],
            &["disabled=true,reset=true"],
            &["disabled=true,strict=false"],
            &["disabled=true,log-level=info"],
            &["disabled=true", "a.rego"],
            &["a.rego", "disabled=true"],
            &["disabled=true", "disabled=true"],
            &["disabled=true", ""],
        ];
        for specs in cases {
            assert_eq!(plan_of(specs), Err(REFUSED.to_owned()), "{specs:?}");
        }
        // `reset=false` is no reset: it combines (as `strict=false` does not).
        let alone: &[&str] = &[
            "disabled=true",
            "DISABLED=1",
            "disabled=T,disabled=true",
            "disabled=true,reset=false",
        ];
        for spec in alone {
            assert_eq!(
                plan_of(&[spec]),
                Ok(PolicyPlan::Disabled {
                    spec: (*spec).to_owned()
                }),
                "{spec:?}"
            );
        }
        // `disabled=false` disables nothing: it is an empty value.
        assert_eq!(
            plan_of(&["disabled=false", "a.rego"]),
            Ok(PolicyPlan::Sets {
                reset: false,
                sets: sets(&[&["a.rego"]])
            })
        );
    }

    #[test]
    fn sets_and_reset() {
        /// The `--policy` values, whether a reset dropped earlier sets, the sets.
        type Case<'a> = (&'a [&'a str], bool, &'a [&'a [&'a str]]);
        let cases: &[Case<'_>] = &[
            (&[], false, &[]),
            (&["a.rego"], false, &[&["a.rego"]]),
            (&["a.rego,b.rego"], false, &[&["a.rego", "b.rego"]]),
            (
                &["filename=a.rego,filename=b.rego"],
                false,
                &[&["a.rego", "b.rego"]],
            ),
            (&["a.rego", "b.rego"], false, &[&["a.rego"], &["b.rego"]]),
            // A value naming no file adds no set.
            (&["a.rego", "", "strict=true"], false, &[&["a.rego"]]),
            // `reset=true` drops the sets before its value, not its own files.
            (&["a.rego", "reset=true,b.rego"], true, &[&["b.rego"]]),
            (&["a.rego", "b.rego,reset=true"], true, &[&["b.rego"]]),
            (&["a.rego", "reset=true"], true, &[]),
            (&["reset=true", "a.rego"], true, &[&["a.rego"]]),
            (
                &["a.rego", "reset=true,b.rego", "c.rego"],
                true,
                &[&["b.rego"], &["c.rego"]],
            ),
            (
                &["a.rego", "reset=false", "b.rego"],
                false,
                &[&["a.rego"], &["b.rego"]],
            ),
            (&["a.rego", "reset=1,b.rego", "reset=t"], true, &[]),
        ];
        for (specs, reset, want) in cases {
            assert_eq!(
                plan_of(specs),
                Ok(PolicyPlan::Sets {
                    reset: *reset,
                    sets: sets(want)
                }),
                "{specs:?}"
            );
        }
    }

    #[test]
    fn names_are_cleaned_as_go_path_clean() {
        // Go's own `path.Clean` table (src/path/path_test.go), and `cwd://` names.
        let cases = [
            ("", "."),
            ("abc", "abc"),
            ("abc/def", "abc/def"),
            ("a/b/c", "a/b/c"),
            (".", "."),
            ("..", ".."),
            ("../..", "../.."),
            ("../../abc", "../../abc"),
            ("/abc", "/abc"),
            ("/", "/"),
            ("abc/", "abc"),
            ("abc/def/", "abc/def"),
            ("/abc/", "/abc"),
            ("abc//def//ghi", "abc/def/ghi"),
            ("//abc", "/abc"),
            ("///abc", "/abc"),
            ("abc/./def", "abc/def"),
            ("/./abc/def", "/abc/def"),
            ("abc/.", "abc"),
            ("abc/def/ghi/../jkl", "abc/def/jkl"),
            ("abc/def/../ghi/../jkl", "abc/jkl"),
            ("abc/def/..", "abc"),
            ("abc/def/../..", "."),
            ("/abc/def/../..", "/"),
            ("abc/def/../../..", ".."),
            ("/abc/def/../../..", "/"),
            ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
            ("abc/./../def", "def"),
            ("abc//./../def", "def"),
            ("abc/../../././../def", "../../def"),
            ("./good.rego", "good.rego"),
            ("cwd://./good.rego", "cwd://good.rego"),
            ("cwd://a//b/../c.rego", "cwd://a/c.rego"),
        ];
        for (name, want) in cases {
            assert_eq!(clean_name(name), want, "{name:?}");
        }
        // The plan carries cleaned names: the spelling does not change the module's name.
        assert_eq!(
            plan_of(&["./a.rego,filename=sub/../b.rego", "cwd://./c.rego"]),
            Ok(PolicyPlan::Sets {
                reset: false,
                sets: sets(&[&["a.rego", "b.rego"], &["cwd://c.rego"]]),
            })
        );
    }

    #[test]
    fn the_first_bad_value_is_reported() {
        assert_eq!(
            plan_of(&["a.rego", "b=c", "\"d"]),
            Err(r#"--policy "b=c": invalid value b=c"#.to_owned())
        );
    }
}
