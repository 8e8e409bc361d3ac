//! Hostile builtin calls: each ends in a decision (the call undefined, as
//! OPA's non-strict evaluation makes a builtin error) or an error with a
//! stable code, and none panics (in the component a panic is a trap: no
//! verdict of its own). The same table runs through the CLI in
//! `host/tests/bounds.rs`, with the sandbox's limits.

use verdict_policy::{ErrorCode, Module, Options, Outcome, PolicyEngine};

/// What a case must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// The expression holds: allow.
    Allow,
    /// The expression is false or undefined: deny (the policy's default).
    Deny,
    /// An error with this code.
    Code(ErrorCode),
}

use Want::{Allow, Code, Deny};

const RE: Want = Code(ErrorCode::ResourceExhausted);

/// `(name, Rego expression, want)`: the policy allows when the expression
/// holds and denies otherwise.
const CASES: &[(&str, &str, Want)] = &[
    // numbers.range: OPA's semantics, a million elements at most.
    ("range-small", "numbers.range(1, 3) == [1, 2, 3]", Allow),
    (
        "range-descending",
        "numbers.range(3, 1) == [3, 2, 1]",
        Allow,
    ),
    ("range-one", "numbers.range(-2, -2) == [-2]", Allow),
    (
        "range-at-limit",
        "count(numbers.range(1, 1000000)) == 1000000",
        Allow,
    ),
    (
        "range-over-limit",
        "count(numbers.range(0, 1000000)) > 0",
        RE,
    ),
    ("range-1e12", "count(numbers.range(0, 1e12)) > 0", RE),
    (
        "range-i64-span",
        "count(numbers.range(-9223372036854775808, 9223372036854775807)) > 0",
        RE,
    ),
    (
        "range-wraps-u32",
        "count(numbers.range(0, 4294967296)) > 0",
        RE,
    ),
    ("range-float", "numbers.range(0, 1.5)", Deny),
    // A literal of the wrong type is OPA's compile-time type error.
    (
        "range-string",
        "numbers.range(0, \"9\")",
        Code(ErrorCode::MalformedPolicy),
    ),
    ("range-string-dynamic", "numbers.range(0, input.nine)", Deny),
    (
        "range-beyond-i64",
        "count(numbers.range(0, 1e30)) > 0",
        Code(ErrorCode::EvaluationFailed),
    ),
    // numbers.range_step: step must be a positive integer (else undefined).
    (
        "range-step",
        "numbers.range_step(0, 10, 5) == [0, 5, 10]",
        Allow,
    ),
    (
        "range-step-descending",
        "numbers.range_step(10, 0, 4) == [10, 6, 2]",
        Allow,
    ),
    ("range-step-zero", "numbers.range_step(1, 10, 0)", Deny),
    ("range-step-negative", "numbers.range_step(1, 10, -1)", Deny),
    ("range-step-float", "numbers.range_step(1, 10, 0.5)", Deny),
    (
        "range-step-over-limit",
        "count(numbers.range_step(0, 1e12, 2)) > 0",
        RE,
    ),
    (
        "range-step-huge-step",
        "numbers.range_step(0, 1e12, 1e12) == [0, 1e12]",
        Allow,
    ),
    // sprintf: widths and precisions regorus reads into a u32, pads with
    // `repeat` and formats with Rust's 16-bit precision.
    (
        "sprintf-plain",
        "sprintf(\"%s-%d\", [\"a\", 1]) == \"a-1\"",
        Allow,
    ),
    (
        "sprintf-width",
        "sprintf(\"%5d\", [42]) == \"   42\"",
        Allow,
    ),
    (
        "sprintf-zero-pad",
        "sprintf(\"%05d\", [42]) == \"00042\"",
        Allow,
    ),
    (
        "sprintf-precision",
        "sprintf(\"%.2f\", [3.14159]) == \"3.14\"",
        Allow,
    ),
    (
        "sprintf-width-at-limit",
        "count(sprintf(\"%65535d\", [1])) == 65535",
        Allow,
    ),
    ("sprintf-width-huge", "sprintf(\"%999999999d\", [1])", RE),
    (
        "sprintf-width-wraps-u32",
        "sprintf(\"%4294967297d\", [1])",
        RE,
    ),
    (
        "sprintf-width-many-digits",
        "sprintf(\"%99999999999999999999999999d\", [1])",
        RE,
    ),
    (
        "sprintf-precision-huge",
        "sprintf(\"%.999999999f\", [1])",
        RE,
    ),
    (
        "sprintf-precision-over-u16",
        "sprintf(\"%.70000f\", [1.5])",
        RE,
    ),
    (
        "sprintf-zero-pad-huge",
        "sprintf(\"%0999999999d\", [1])",
        RE,
    ),
    (
        "sprintf-quoted-width-huge",
        "sprintf(\"%999999999q\", [\"a\"])",
        RE,
    ),
    // A non-ASCII digit is no width in Go: it is the verb (OPA's output).
    (
        "sprintf-unicode-digit-width",
        "sprintf(\"%\u{0663}d\", [1]) == \"%!\u{0663}(int64=1)d\"",
        Allow,
    ),
    (
        "sprintf-unicode-digit-after-ascii",
        "sprintf(\"%1\u{00b2}d\", [1]) == \"%!\u{00b2}(int64=1)d\"",
        Allow,
    ),
    (
        "sprintf-unicode-digit-precision",
        "sprintf(\"%.\u{0663}f\", [1]) == \"%!\u{0663}(int64=1)f\"",
        Allow,
    ),
    (
        "sprintf-percent-literal",
        "sprintf(\"100%% %d\", [1]) == \"100% 1\"",
        Allow,
    ),
    ("sprintf-dynamic-format", "sprintf(input.format, [1])", RE),
    (
        "sprintf-missing-arg",
        "sprintf(\"%d %d\", [1]) == \"1 %!d(MISSING)\"",
        Allow,
    ),
    (
        "sprintf-not-array",
        "sprintf(\"%d\", 1)",
        Code(ErrorCode::MalformedPolicy),
    ),
    (
        "sprintf-not-array-dynamic",
        "sprintf(\"%d\", input.one)",
        Deny,
    ),
    // Other builtins with sizes or depths a policy or input controls.
    (
        "array-slice-huge",
        "array.slice([1, 2, 3], 0, 1000000000000) == [1, 2, 3]",
        Allow,
    ),
    (
        "array-slice-negative",
        "array.slice([1, 2, 3], -1000000000000, 2) == [1, 2]",
        Allow,
    ),
    // A bound written with an exponent is no integer to OPA's `IntOperand`: undefined.
    (
        "substring-exponent",
        "substring(\"abc\", 1, 1e12) == \"bc\"",
        Deny,
    ),
    (
        "substring-huge",
        "substring(\"abc\", 1, 1000000000000) == \"bc\"",
        Allow,
    ),
    ("indexof-n", "indexof_n(\"aaa\", \"a\") == [0, 1, 2]", Allow),
    // regorus's object.subset panicked on an empty array (a trap in WebAssembly).
    ("object-subset-empty", "object.subset([], [])", Allow),
    // Counts over Go's 1,000 are Go's parse error: the call is undefined and
    // `regex.is_valid` false, as in OPA. A pattern over verdict's compiled-size
    // limit is a limit: resource-exhausted (OPA compiles it).
    (
        "regex-huge-repetition",
        "regex.match(\"a{1000000}{1000000}\", \"a\")",
        Deny,
    ),
    (
        "regex-is-valid-huge",
        "not regex.is_valid(\"(a{1000000}){1000000}\")",
        Allow,
    ),
    ("regex-over-size", "regex.match(`\\pL{1000}`, \"a\")", RE),
    (
        "regex-is-valid-over-size",
        "regex.is_valid(`\\pL{1000}`)",
        RE,
    ),
    // OPA exhausts memory or panics (`makeslice: len out of range`): a limit here.
    ("bits-lsh-huge", "bits.lsh(1, 1e12)", RE),
    ("bits-lsh-large", "bits.lsh(64, 9007199254740993)", RE),
    ("bits-lsh-negative", "bits.lsh(1, -1)", Deny),
    (
        "units-parse-bytes-huge",
        "units.parse_bytes(\"1e400KB\")",
        Allow,
    ),
    (
        "units-parse-huge",
        "units.parse(\"99999999999999999999999999999999E\") > 0",
        Allow,
    ),
    // regorus does not read a number literal beyond f64 (OPA does).
    (
        "format-int-huge",
        "format_int(1e400, 2)",
        Code(ErrorCode::MalformedPolicy),
    ),
    // regorus panicked on both (found by the generated differential); Go's answers.
    (
        "strings-count-empty",
        "[strings.count(\"héllo\", \"\"), strings.count(\"aaa\", \"aa\")] == [6, 1]",
        Allow,
    ),
    (
        "time-format-non-ascii-layout",
        "time.format([0, \"UTC\", \"é2006\"]) == \"é1970\"",
        Allow,
    ),
    // OPA: a builtin error, so undefined, like `1 % 0` (verdict's own `rem`).
    ("rem-zero", "rem(1, 0)", Deny),
    (
        "product-huge",
        "1e300 * 1e300 * 1e300 * 1e300 * 1e300 * 1e300 * 1e300 * 1e300 * 1e300 * 1e300 * 1e300 * 1e300 * 1e300 * 1e300 > 0",
        RE,
    ),
    ("div-zero", "1 / 0", Deny),
    ("modulo-zero", "1 % 0", Deny),
    (
        "to-number-huge-exponent",
        "to_number(\"1e999999999\")",
        Deny,
    ),
    (
        "json-unmarshal-deep",
        "json.unmarshal(concat(\"\", [\"[\" | numbers.range(1, 100000)[_]]))",
        Deny,
    ),
    // Nesting past the value-depth bound is an error at once (go-yaml would go on and refuse
    // the unclosed text; libyaml's reading of it costs time quadratic in the depth).
    (
        "yaml-unmarshal-deep",
        "yaml.unmarshal(concat(\"\", [\"[\" | numbers.range(1, 100000)[_]]))",
        Code(ErrorCode::ResourceExhausted),
    ),
    (
        "yaml-unmarshal-deep-closed",
        "yaml.unmarshal(concat(\"\", array.concat([\"[\" | numbers.range(1, 600)[_]], [\"]\" | numbers.range(1, 600)[_]])))",
        Code(ErrorCode::ResourceExhausted),
    ),
    // A billion laughs: go-yaml's aliasing ratio refuses it after a few thousand nodes.
    (
        "yaml-unmarshal-aliases",
        "yaml.unmarshal(concat(\"\\n\", array.concat([\"b0: &b0 [1]\"], [sprintf(\"b%d: &b%d [*b%d, *b%d, *b%d, *b%d, *b%d, *b%d, *b%d, *b%d, *b%d, *b%d]\", [i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1]) | some i in numbers.range(1, 9)])))",
        Deny,
    ),
    ("deep-input-value", "count(input.deep) == 1", Allow),
    (
        "strings-replace-n-big",
        "count(strings.replace_n({\"a\": \"bbbbbbbbbb\"}, concat(\"\", [\"a\" | numbers.range(1, 1000)[_]]))) == 10000",
        Allow,
    ),
];

fn policy(expr: &str) -> String {
    format!(
        "package docker\n\ndefault allow := false\n\nallow if {{\n\t{expr}\n}}\n\ndecision := {{\"allow\": allow}}\n"
    )
}

fn outcome(expr: &str, input: &serde_json::Value) -> Want {
    let sets = vec![vec![Module {
        path: "Dockerfile.rego".to_owned(),
        source: policy(expr),
    }]];
    let options = Options {
        query: None,
        now_ns: 0,
    };
    let engine = match PolicyEngine::new(&sets, &options) {
        Ok(engine) => engine,
        Err(e) => return Code(e.code()),
    };
    match engine.evaluate(input).outcome {
        Ok(Outcome::Allow) => Allow,
        Ok(Outcome::Deny(_)) => Deny,
        Ok(Outcome::Convert(_)) => panic!("no case converts"),
        Err(e) => Code(e.code()),
    }
}

/// An input nested 100 levels deep (the JSON parser's limit is 128).
fn input() -> serde_json::Value {
    let mut deep = serde_json::json!(1);
    for _ in 0..100 {
        deep = serde_json::json!([deep]);
    }
    serde_json::json!({"format": "%999999999d", "deep": deep, "nine": "9", "one": 1})
}

#[test]
fn hostile_builtin_calls_end_in_a_decision_or_a_stable_error() {
    let input = input();
    let mut failures = Vec::new();
    for (name, expr, want) in CASES {
        let got = std::panic::catch_unwind(|| outcome(expr, &input));
        match got {
            Ok(got) if got == *want => {}
            Ok(got) => failures.push(format!("{name}: got {got:?}, want {want:?}")),
            Err(_) => failures.push(format!("{name}: panicked")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Nesting in the policy source: brackets nested deeper than
/// [`verdict_policy::MAX_NESTING`] are a `malformed-policy` error found by a
/// scan before regorus parses (its parser's backtracking doubles its work per
/// level); at the limit, a policy compiles and evaluates quickly.
#[test]
fn deep_policy_nesting_is_a_malformed_policy_found_quickly() {
    let max = verdict_policy::MAX_NESTING;
    // The rule body's `{` is one level, `count(` another.
    let inner = max - 2;
    for (open, close) in [
        ("[", "]"),
        ("{", "}"),
        ("(", ")"),
        ("[1 | true; x := ", "]"),
    ] {
        for depth in [inner + 1, 40, 10_000, 1_000_000] {
            let started = std::time::Instant::now();
            let expr = format!("count({}1{}) > 0", open.repeat(depth), close.repeat(depth));
            let got = std::panic::catch_unwind(|| outcome(&expr, &serde_json::json!({})));
            assert_eq!(
                got.ok(),
                Some(Code(ErrorCode::MalformedPolicy)),
                "{open}…{close} × {depth}"
            );
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "{open}…{close} × {depth}: {:?}",
                started.elapsed()
            );
        }
    }
    // Brackets in strings and comments do not count.
    let quoted = format!(
        "count(\"{}\") > 0 # {}\n\tcount(`{}`) > 0",
        "[".repeat(100),
        "{".repeat(100),
        "(".repeat(100)
    );
    assert_eq!(outcome(&quoted, &serde_json::json!({})), Allow);
    // At the limit, deep literals and comprehensions compile and evaluate.
    for (open, close) in [
        ("[", "]"),
        ("{", "}"),
        ("(", ")"),
        ("[1 | true; x := ", "]"),
    ] {
        let started = std::time::Instant::now();
        // `count((1))` is `count(1)`, a type error.
        let call = if open == "(" { "to_number" } else { "count" };
        let expr = format!(
            "{call}({}1{}) >= 0",
            open.repeat(inner),
            close.repeat(inner)
        );
        let got = outcome(&expr, &serde_json::json!({}));
        assert!(
            matches!(got, Allow | Deny),
            "{open}…{close} × {inner}: {got:?}"
        );
        eprintln!("{open}…{close} × {inner}: {:?}", started.elapsed());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{open}…{close} × {inner}: {:?}",
            started.elapsed()
        );
    }
}

/// The limits are stated and what the module documents.
#[test]
fn limits_are_the_documented_ones() {
    assert_eq!(
        verdict_policy::builtins::bounded::MAX_RANGE_ELEMENTS,
        1_000_000
    );
    assert_eq!(verdict_policy::builtins::bounded::MAX_SPRINTF_WIDTH, 65_535);
}

/// Depth without brackets: a chain of operators (`1 + 1 + … + 1`, `a == b == …`, `s | s | …`)
/// parses into a tree as deep as the chain is long, which every later walk would recurse
/// through (a stack overflow: an abort natively, a trap in the component). Deeper than
/// [`verdict_policy::MAX_EXPRESSION_DEPTH`] is `malformed-policy`, naming the line; at the limit
/// the policy compiles and evaluates.
#[test]
fn operator_chains_deeper_than_the_bound_are_malformed_policies() {
    let max = verdict_policy::MAX_EXPRESSION_DEPTH;
    let chain = |op: &str, term: &str, n: usize| vec![term; n].join(op);
    for (op, term) in [(" + ", "1"), (" | ", "{1}"), (" * ", "input.n")] {
        for n in [max + 2, 500, 2_000] {
            let expr = format!("x := {}\n\tx == x", chain(op, term, n));
            let got = std::thread::scope(|s| {
                s.spawn(|| outcome(&expr, &serde_json::json!({"n": 1})))
                    .join()
                    .ok()
            });
            assert_eq!(
                got,
                Some(Code(ErrorCode::MalformedPolicy)),
                "`{}` × {n}",
                op.trim()
            );
        }
        // At the limit (the `:=` and the rule are levels of their own).
        let expr = format!("x := {}\n\tx == x", chain(op, term, max - 4));
        assert_eq!(
            outcome(&expr, &serde_json::json!({"n": 1})),
            Allow,
            "`{}` at the limit",
            op.trim()
        );
    }
    // The message names the file and the line.
    let sets = vec![vec![Module {
        path: "deep.rego".to_owned(),
        source: format!(
            "package docker\n\nallow if {{\n\tx := {}\n}}\n",
            chain(" + ", "1", max + 10)
        ),
    }]];
    let options = Options {
        query: None,
        now_ns: 0,
    };
    let err = PolicyEngine::new(&sets, &options)
        .err()
        .map(|e| e.to_string());
    assert!(
        err.as_deref().is_some_and(|e| e.contains(&format!(
            "deep.rego:4: expressions nest deeper than {max} levels"
        ))),
        "{err:?}"
    );
}
