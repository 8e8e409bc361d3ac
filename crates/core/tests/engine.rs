//! Compile once, evaluate many: one [`Engine`] gives, at any evaluation time and with any
//! options, exactly the verdict a fresh engine compiled for that call gives — for evaluations
//! and for checks, in any order of times, from several threads at once.

use verdict_core::{
    CheckRequest, Decision, Engine, EngineOptions, ErrorCode, Limits, Module, Options, Verdict,
};

/// Allows until 2026-01-01 and says what time it thinks it is.
const POLICY: &str = r#"package docker

default allow := false

cutoff := time.parse_rfc3339_ns("2026-01-01T00:00:00Z")

allow if time.now_ns() < cutoff

deny_msg contains sprintf("now is %s, past the cutoff", [time.format(time.now_ns())]) if not allow

decision := {"allow": allow, "deny_msg": deny_msg}
"#;

const TIMES: [i64; 3] = [
    1_735_689_600_000_000_000, // 2025-01-01
    1_767_225_600_000_000_000, // 2026-01-01 (the cutoff: not before it)
    1_798_761_600_000_000_000, // 2027-01-01
];

fn sets() -> Vec<Vec<Module>> {
    vec![vec![Module {
        path: "Dockerfile.rego".into(),
        source: POLICY.into(),
    }]]
}

fn fresh(now_ns: i64, evaluate: impl Fn(&Engine, &Options) -> Verdict) -> Verdict {
    evaluate(
        &Engine::new(sets(), &EngineOptions::default()),
        &Options::at(now_ns),
    )
}

#[test]
fn one_engine_evaluates_at_three_times_as_three_fresh_engines() {
    let engine = Engine::new(sets(), &EngineOptions::default());
    let decisions: Vec<Decision> = TIMES
        .iter()
        .map(|t| engine.evaluate("{}", &Options::at(*t)).decision)
        .collect();
    assert_eq!(
        decisions,
        vec![Decision::Allow, Decision::Deny, Decision::Deny]
    );
    // Forwards, backwards and repeated: each call's verdict is its own time's.
    for order in [[0, 1, 2], [2, 1, 0], [1, 1, 0]] {
        for i in order {
            let shared = engine.evaluate("{}", &Options::at(TIMES[i]));
            let alone = fresh(TIMES[i], |e, o| e.evaluate("{}", o));
            assert_eq!(shared.canonical_json, alone.canonical_json, "time #{i}");
            assert_eq!(shared.hash, alone.hash);
        }
    }
    let deny = engine.evaluate("{}", &Options::at(TIMES[2]));
    assert_eq!(
        deny.messages,
        vec!["now is 2027-01-01T00:00:00Z, past the cutoff"]
    );
}

#[test]
fn one_engine_checks_at_three_times_as_three_fresh_engines() {
    let engine = Engine::new(sets(), &EngineOptions::default());
    let trust = verdict_core::verify::TrustMaterial::public_good();
    let request = CheckRequest {
        source: Some("docker-image://alpine:3.20".into()),
        ..CheckRequest::default()
    };
    for i in [2, 0, 1, 0] {
        let shared = engine.check(&request, &trust, &Options::at(TIMES[i]));
        let alone = fresh(TIMES[i], |e, o| e.check(&request, &trust, o).verdict);
        assert_eq!(shared.verdict.canonical_json, alone.canonical_json);
        assert_eq!(
            shared.verdict.decision,
            if i == 0 {
                Decision::Allow
            } else {
                Decision::Deny
            }
        );
    }
}

#[test]
fn coverage_is_per_call_and_leaves_the_record_alone() {
    let engine = Engine::new(sets(), &EngineOptions::default());
    let plain = engine.evaluate("{}", &Options::at(TIMES[0]));
    let covered = engine.evaluate(
        "{}",
        &Options {
            coverage: true,
            ..Options::at(TIMES[0])
        },
    );
    let plain_again = engine.evaluate("{}", &Options::at(TIMES[0]));
    assert!(plain.coverage.is_empty() && plain_again.coverage.is_empty());
    assert!(!covered.coverage.is_empty());
    assert_eq!(plain.canonical_json, covered.canonical_json);
}

#[test]
fn threads_sharing_one_engine_each_see_their_own_time() {
    let engine = Engine::new(sets(), &EngineOptions::default());
    let want: Vec<String> = TIMES
        .iter()
        .map(|t| fresh(*t, |e, o| e.evaluate("{}", o)).canonical_json)
        .collect();
    std::thread::scope(|scope| {
        for (i, t) in TIMES.iter().enumerate() {
            let (engine, want) = (&engine, &want);
            scope.spawn(move || {
                for _ in 0..20 {
                    let v = engine.evaluate("{}", &Options::at(*t));
                    assert_eq!(v.canonical_json, want[i]);
                }
            });
        }
    });
}

#[test]
fn a_policy_that_does_not_compile_is_an_error_verdict_on_every_call() {
    let engine = Engine::new(
        vec![vec![Module {
            path: "p.rego".into(),
            source: "package docker\nallow if {".into(),
        }]],
        &EngineOptions::default(),
    );
    let error = engine.compile_error().expect("a compile error");
    assert_eq!(error.code().as_str(), "malformed-policy");
    for t in TIMES {
        let v = engine.evaluate("{}", &Options::at(t));
        assert_eq!(v.decision, Decision::Error);
        assert_eq!(v.error.unwrap().code.as_str(), "malformed-policy");
        assert!(v.canonical_json.contains(&t.to_string()));
    }
}

fn limited(max_steps: Option<u64>, max_input_bytes: Option<u64>) -> Options {
    Options {
        limits: Limits {
            max_steps,
            max_input_bytes,
        },
        ..Options::at(TIMES[0])
    }
}

fn code(verdict: &Verdict) -> Option<ErrorCode> {
    verdict.error.as_ref().map(|e| e.code)
}

/// Limits are per call: a call stopped by one leaves the engine as it was for the next, and
/// a call stopped by a limit is an error verdict that names it.
#[test]
fn limits_are_per_call_and_stop_a_call_with_resource_exhausted() {
    let engine = Engine::new(sets(), &EngineOptions::default());
    let free = engine.evaluate("{}", &Options::at(TIMES[0]));
    assert_eq!(free.decision, Decision::Allow);
    let stopped = engine.evaluate("{}", &limited(Some(3), None));
    assert_eq!(code(&stopped), Some(ErrorCode::ResourceExhausted));
    assert!(
        stopped
            .error
            .as_ref()
            .unwrap()
            .message
            .contains("max-steps")
    );
    // The limit is not in the record: an ample budget gives the unlimited verdict exactly.
    let ample = engine.evaluate("{}", &limited(Some(1_000_000), None));
    assert_eq!(ample.canonical_json, free.canonical_json);
    assert_eq!(
        engine.evaluate("{}", &Options::at(TIMES[0])).hash,
        free.hash
    );

    let input = r#"{"pad": "0123456789"}"#;
    let size = input.len() as u64;
    assert_eq!(
        engine.evaluate(input, &limited(None, Some(size))).decision,
        Decision::Allow
    );
    let over = engine.evaluate(input, &limited(None, Some(size - 1)));
    assert_eq!(code(&over), Some(ErrorCode::ResourceExhausted));
    assert!(
        over.error.as_ref().unwrap().message.contains("bytes"),
        "{over:?}"
    );
}

#[test]
fn a_check_spends_one_budget_and_counts_the_bytes_it_is_given() {
    let engine = Engine::new(sets(), &EngineOptions::default());
    let trust = verdict_core::verify::TrustMaterial::public_good();
    let request = CheckRequest {
        source: Some("docker-image://alpine:3.20".into()),
        files: [("keys/a.pub".to_owned(), vec![b'k'; 100])].into(),
        ..CheckRequest::default()
    };
    let free = engine
        .check(&request, &trust, &Options::at(TIMES[0]))
        .verdict;
    assert_eq!(free.decision, Decision::Allow);
    let stopped = engine
        .check(&request, &trust, &limited(Some(3), None))
        .verdict;
    assert_eq!(code(&stopped), Some(ErrorCode::ResourceExhausted));
    let ample = engine
        .check(&request, &trust, &limited(Some(1_000_000), None))
        .verdict;
    assert_eq!(ample.canonical_json, free.canonical_json);
    assert_eq!(
        engine
            .check(&request, &trust, &limited(None, Some(100)))
            .verdict
            .decision,
        Decision::Allow
    );
    let over = engine
        .check(&request, &trust, &limited(None, Some(99)))
        .verdict;
    assert_eq!(code(&over), Some(ErrorCode::ResourceExhausted));
}

#[test]
fn inputs_given_again_or_in_turn_evaluate_as_in_a_fresh_engine() {
    // The engine keeps its last input parsed, digested and converted: the same bytes again, other
    // bytes (even the same document spelt otherwise), a malformed one, and back.
    let engine = Engine::new(sets(), &EngineOptions::default());
    let inputs = [
        r#"{"a": 1}"#,
        r#"{"a": 1}"#,
        r#"{ "a" : 1 }"#,
        r#"{"a": 2}"#,
        "{not json",
        "{not json",
        r#"{"a": 1}"#,
        "[]",
    ];
    for (i, input) in inputs.iter().enumerate() {
        let t = TIMES[i % 3];
        let shared = engine.evaluate(input, &Options::at(t));
        let alone = fresh(t, |e, o| e.evaluate(input, o));
        assert_eq!(shared.canonical_json, alone.canonical_json, "input #{i}");
        assert_eq!(shared.hash, alone.hash, "input #{i}");
    }
    // Spelt otherwise, the same document has the same (canonical) input digest.
    let a = engine.evaluate(r#"{"a": 1}"#, &Options::at(TIMES[0]));
    let b = engine.evaluate(r#"{ "a" : 1 }"#, &Options::at(TIMES[0]));
    assert_eq!(a.hash, b.hash);
}
