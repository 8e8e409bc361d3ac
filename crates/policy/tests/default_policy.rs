//! The built-in default policy against its truth table,
//! `tests/cases/default-policy/cases.json`: the cases of Buildx's
//! `policy/default_test.go` (one row each, or a line of `skip.tsv` saying why
//! not) and verdict's own edge cases. Every row must give exactly its
//! decision and deny messages; the table itself is checked too (Go-style
//! input encoding, the Go assertion of each ported row, the Go case count).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use verdict_policy::{Options, Outcome, PolicyEngine, default_policy};

/// The number of test cases in Buildx `policy/default_test.go` at
/// 461836ba0fcb3e847dab6045a726889faa150bdb: 65 rows of the three image
/// tables and `TestDefaultPolicyAllowsNonImageSources`.
const GO_CASES: usize = 66;

/// 2026-01-01T00:00:00Z; the default policy does not read the clock.
const NOW_NS: i64 = 1_767_225_600_000_000_000;

fn table_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/cases/default-policy")
}

fn table() -> &'static Value {
    static TABLE: OnceLock<Value> = OnceLock::new();
    TABLE.get_or_init(|| {
        let path = table_dir().join("cases.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
    })
}

fn cases() -> &'static [Value] {
    table()["cases"].as_array().expect("`cases` is an array")
}

/// Go test names listed in `skip.tsv`, with their reasons.
fn skips() -> Vec<(String, String)> {
    let path = table_dir().join("skip.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, why) = l.split_once('\t').unwrap_or((l, ""));
            (name.trim().to_owned(), why.trim().to_owned())
        })
        .collect()
}

fn engine() -> &'static PolicyEngine {
    static ENGINE: OnceLock<PolicyEngine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let options = Options {
            query: None,
            now_ns: NOW_NS,
        };
        PolicyEngine::new(&[vec![default_policy()]], &options)
            .unwrap_or_else(|e| panic!("the default policy does not compile: {e}"))
    })
}

fn name(case: &Value) -> &str {
    case["name"].as_str().expect("every row has a `name`")
}

/// The row's expected outcome.
fn want(case: &Value) -> Result<Outcome, String> {
    let messages: Vec<String> = case["want"]["messages"]
        .as_array()
        .ok_or("`want.messages` is not an array")?
        .iter()
        .map(|m| {
            m.as_str()
                .map(str::to_owned)
                .ok_or("a message is not a string")
        })
        .collect::<Result<_, _>>()?;
    match case["want"]["decision"].as_str() {
        Some("allow") if messages.is_empty() => Ok(Outcome::Allow),
        Some("allow") => Err("an allow row with messages".into()),
        Some("deny") => Ok(Outcome::Deny(messages)),
        other => Err(format!("bad `want.decision` {other:?}")),
    }
}

fn run(case: &Value) -> Result<(), String> {
    let want = want(case)?;
    let evaluation = engine().evaluate(&case["input"]);
    match evaluation.outcome {
        Ok(seen) if seen == want => Ok(()),
        Ok(seen) => Err(format!("want {want:?}, got {seen:?}")),
        Err(e) => Err(format!("want {want:?}, got error {e}")),
    }
}

/// Go `omitempty`: no `false`, `""`, `[]`, `{}` or `null` anywhere in an
/// input, except the two `signer` fields Buildx always writes.
fn check_encoding(path: &str, value: &Value) -> Result<(), String> {
    let always = path.ends_with(".signer.certificateIssuer")
        || path.ends_with(".signer.subjectAlternativeName");
    match value {
        Value::Null => Err(format!("{path} is null")),
        Value::Bool(false) => Err(format!("{path} is false")),
        Value::String(s) if s.is_empty() && !always => Err(format!("{path} is \"\"")),
        Value::Array(a) if a.is_empty() => Err(format!("{path} is []")),
        Value::Object(o) if o.is_empty() && path != "input" => Err(format!("{path} is {{}}")),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_encoding(&format!("{path}[{i}]"), v)),
        Value::Object(o) => o
            .iter()
            .try_for_each(|(k, v)| check_encoding(&format!("{path}.{k}"), v)),
        _ => Ok(()),
    }
}

/// The table's own invariants.
fn check_table() -> Result<(), String> {
    let mut names = BTreeSet::new();
    let mut go_names = BTreeSet::new();
    for case in cases() {
        let name = name(case);
        if !names.insert(name) {
            return Err(format!("duplicate row {name}"));
        }
        check_encoding("input", &case["input"]).map_err(|e| format!("{name}: {e}"))?;
        let want = want(case).map_err(|e| format!("{name}: {e}"))?;
        match case.get("go_test").and_then(Value::as_str) {
            Some(go) => {
                if go != name || !go.starts_with("TestDefaultPolicy") {
                    return Err(format!("{name}: go_test {go:?} is not the row's name"));
                }
                go_names.insert(go.to_owned());
                // The Go test's own assertion: allow with no messages, or
                // deny with one message containing `denyMsg`.
                match (case.get("go_deny_contains").and_then(Value::as_str), &want) {
                    (None, Outcome::Allow) => {}
                    (Some(part), Outcome::Deny(messages))
                        if messages.len() == 1 && messages[0].contains(part) => {}
                    (part, _) => {
                        return Err(format!(
                            "{name}: {want:?} does not satisfy the Go assertion (denyMsg {part:?})"
                        ));
                    }
                }
            }
            None if name.starts_with("verdict/") => {}
            None => return Err(format!("{name}: neither a Go row nor a verdict/ row")),
        }
    }
    for (skip, why) in skips() {
        if why.is_empty() {
            return Err(format!("skip.tsv: {skip} has no reason"));
        }
        if !skip.starts_with("TestDefaultPolicy") || !go_names.insert(skip.clone()) {
            return Err(format!(
                "skip.tsv: {skip} is not a Go case, or is also a row"
            ));
        }
    }
    if go_names.len() != GO_CASES {
        return Err(format!(
            "{} Go cases in cases.json + skip.tsv, {GO_CASES} in default_test.go",
            go_names.len()
        ));
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = vec![Trial::test("default_policy::table", || {
        check_table().map_err(Failed::from)
    })];
    for case in cases() {
        let label = format!("default_policy::{}", name(case));
        trials.push(Trial::test(label, move || run(case).map_err(Failed::from)));
    }
    libtest_mimic::run(&args, trials).exit();
}
