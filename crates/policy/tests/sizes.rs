//! Policies as big as real ones get parse, as in OPA (issue 12 §10): regorus's default limits
//! (1,024 columns, 20,000 lines, 1 MiB) are raised; the sizes here are those the issue names.

use verdict_policy::{Module, Options, Outcome, PolicyEngine};

fn digest(i: usize) -> String {
    format!("sha256:{i:064x}")
}

fn engine(source: String) -> PolicyEngine {
    let module = Module {
        path: "Dockerfile.rego".into(),
        source,
    };
    let options = Options {
        query: None,
        now_ns: 0,
    };
    PolicyEngine::new(&[vec![module]], &options).expect("the policy compiles")
}

fn decide(engine: &PolicyEngine, checksum: &str) -> Outcome {
    let input = serde_json::json!({"image": {"checksum": checksum}});
    engine.evaluate(&input).outcome.expect("evaluates")
}

const HEAD: &str = "package docker\n\ndefault allow := false\n\nallow if input.image.checksum in pinned\n\ndecision := {\"allow\": allow}\n\n";

#[test]
fn twenty_digests_on_one_line() {
    let list: Vec<String> = (0..20).map(|i| format!("{:?}", digest(i))).collect();
    let line = format!("pinned := {{{}}}\n", list.join(", "));
    assert!(line.len() > 1_500, "{}", line.len());
    let engine = engine(format!("{HEAD}{line}"));
    assert_eq!(decide(&engine, &digest(19)), Outcome::Allow);
    assert_eq!(decide(&engine, &digest(20)), Outcome::Deny(vec![]));
}

#[test]
fn fifteen_thousand_pinned_digests_over_one_mebibyte() {
    let mut source = format!("{HEAD}pinned := {{\n");
    for i in 0..15_000 {
        source.push_str(&format!("\t{:?},\n", digest(i)));
    }
    source.push_str("}\n");
    assert!(source.len() > 1 << 20, "{}", source.len());
    assert!(source.lines().count() > 15_000);
    let engine = engine(source);
    assert_eq!(decide(&engine, &digest(14_999)), Outcome::Allow);
    assert_eq!(decide(&engine, &digest(15_000)), Outcome::Deny(vec![]));
}

#[test]
fn thirty_thousand_lines() {
    let mut source = format!("{HEAD}pinned := {{\"{}\"}}\n", digest(1));
    for i in 0..30_000 {
        source.push_str(&format!("r{i} := {i}\n"));
    }
    let engine = engine(source);
    assert_eq!(decide(&engine, &digest(1)), Outcome::Allow);
}
