//! One compiled engine evaluates input after input on the regorus engine its last evaluation
//! used (no clone per evaluation). Every evaluation must answer as a freshly compiled engine
//! does, whatever came before it: an error inside a `with`, a conflict, a loop left early, a
//! step budget running out, prints, the examples' policies.

use std::sync::Arc;

use verdict_policy::{Module, NoResolver, Options, PolicyEngine, Steps};

/// Module bodies after `package docker` (each gives `decision`).
const POLICIES: &[&str] = &[
    // A conflict inside a `with` (an evaluation error while the replaced input is in place),
    // then rules read again without it.
    r#"
r := 1 if input.x
r := 2 if input.y
default allow := false
allow if { r == 1 with input.x as true }
allow if { r == 1 }
deny_msg contains "no r" if not r
decision := {"allow": allow, "deny_msg": deny_msg}
"#,
    // Loops left early, `every`, a comprehension, prints inside loops.
    r#"
default allow := false
allow if {
    some x in input.xs
    print("saw", x)
    x == "a"
}
big if { input.xs[_] > 10 }
all_small if { every x in input.xs { x < 5 } }
deny_msg contains sprintf("big %v", [x]) if { some x in input.xs; x > 10 }
deny_msg contains "all small" if all_small
decision := {"allow": allow, "deny_msg": deny_msg, "big": big}
"#,
    // A function replaced by `with`, a builtin replaced by `with`, a rule read under both.
    r#"
f(v) := upper(v)
g(v) := lower(v)
t := f(input.s)
default allow := false
allow if { t == "abc" with f as g }
allow if { count(input.xs) == 7 with count as 7 }
allow if { t == "ABC" }
decision := {"allow": allow}
"#,
    // An error while a function is replaced (`with f as g`): the next evaluation calls `f`.
    r#"
f(v) := upper(v)
g(v) := lower(v)
r := 1 if input.x
r := 2 if input.y
t := f(input.s)
default allow := false
allow if { [t, r] == ["abc", 1] with f as g }
allow if { t == "ABC" }
decision := {"allow": allow, "t": t}
"#,
    // A type error at run time (non-strict: undefined), division by zero, a failing builtin.
    r#"
default allow := false
allow if { x := input.n / input.d; x > 1 }
allow if { to_number(input.s) > 3 }
deny_msg contains "bad" if { startswith(input.n, "a") }
decision := {"allow": allow, "deny_msg": deny_msg}
"#,
];

const INPUTS: &[&str] = &[
    r#"{"xs": ["a", "b"], "x": true, "s": "abc", "n": 4, "d": 2}"#,
    r#"{"xs": [], "y": true, "s": "x"}"#,
    r#"{"x": true, "y": true, "xs": [1, 20], "n": "a", "d": 0}"#,
    r#"{"xs": [1, 2, 3], "s": "12"}"#,
    r#"{}"#,
    r#"{"xs": "not an array", "n": 10, "d": 0, "s": "ABC"}"#,
    r#"{"y": true, "xs": ["b", "a"], "s": "7"}"#,
];

fn module(body: &str) -> Vec<Module> {
    vec![Module {
        path: "Dockerfile.rego".into(),
        source: format!("package docker\n{body}"),
    }]
}

fn compile(set: &[Module]) -> PolicyEngine {
    PolicyEngine::new(
        &[set.to_vec()],
        &Options {
            query: None,
            now_ns: 0,
        },
    )
    .expect("compiles")
}

/// The outcome and prints of evaluating `input`, as a comparable string.
fn answer(engine: &PolicyEngine, input: &serde_json::Value, steps: Option<u64>) -> String {
    let evaluation = engine.evaluate_at(input, Arc::new(NoResolver), 0, false, &Steps::new(steps));
    format!("{:?} {:?}", evaluation.outcome, evaluation.prints)
}

fn example_sets() -> Vec<(String, Vec<Module>, Vec<serde_json::Value>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out = Vec::new();
    for name in [
        "github-builder",
        "pin-image",
        "git-signed-tag",
        "xx-release",
    ] {
        let dir = root.join(name);
        let Ok(source) = std::fs::read_to_string(dir.join("Dockerfile.rego")) else {
            continue;
        };
        let mut inputs = Vec::new();
        if let Ok(entries) = std::fs::read_dir(dir.join("inputs")) {
            let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
            paths.sort();
            for path in paths {
                if let Ok(value) = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()) {
                    inputs.push(value);
                }
            }
        }
        out.push((
            name.to_owned(),
            vec![Module {
                path: "Dockerfile.rego".into(),
                source,
            }],
            inputs,
        ));
    }
    out
}

#[test]
fn a_kept_engine_answers_as_a_fresh_one() {
    let generic: Vec<serde_json::Value> = INPUTS
        .iter()
        .map(|i| serde_json::from_str(i).unwrap())
        .collect();
    let mut sets: Vec<(String, Vec<Module>, Vec<serde_json::Value>)> = POLICIES
        .iter()
        .enumerate()
        .map(|(i, body)| (format!("policy {i}"), module(body), generic.clone()))
        .collect();
    for (name, set, mut inputs) in example_sets() {
        inputs.extend(generic.iter().cloned());
        sets.push((name, set, inputs));
    }
    assert!(
        sets.len() >= POLICIES.len() + 2,
        "the examples were not found"
    );
    let (mut compared, mut errors) = (0, 0);
    for (name, set, inputs) in &sets {
        let kept = compile(set);
        // Forward, backward, and with budgets that run out part of the time in between.
        let order: Vec<usize> = (0..inputs.len()).chain((0..inputs.len()).rev()).collect();
        for (round, &i) in order.iter().enumerate() {
            let budget = (round % 3 == 2).then_some(200 + 50 * round as u64);
            let fresh = answer(&compile(set), &inputs[i], budget);
            let got = answer(&kept, &inputs[i], budget);
            assert_eq!(
                got, fresh,
                "{name}, input {i} (evaluation {round} of the kept engine, budget {budget:?})"
            );
            compared += 1;
            errors += usize::from(got.starts_with("Err"));
        }
    }
    assert!(compared > 50, "{compared}");
    // (The evaluations after an error are what the kept engine risks.)
    assert!(errors > 10, "{errors} evaluations ended in an error");
}
