//! One compiled engine evaluates at any time (issue 13's "compile once, evaluate many", as OPA's
//! `PrepareForEval` then `Eval(EvalTime)`): the same engine at three times gives the three
//! verdicts three engines compiled at those times give, whatever the order.

use std::sync::Arc;

use verdict_policy::{Module, NoResolver, Options, Outcome, PolicyEngine, Steps};

const POLICY: &str = r#"package docker

default allow := false

# Allowed until 2026-06-01.
allow if time.now_ns() < time.parse_rfc3339_ns("2026-06-01T00:00:00Z")

deny_msg contains sprintf("at %d, draw %d, day %v", [time.now_ns(), rand.intn("k", 1000), time.weekday(time.now_ns())]) if not allow

decision := {"allow": allow, "deny_msg": deny_msg}
"#;

fn engine(now_ns: i64) -> PolicyEngine {
    let sets = vec![vec![Module {
        path: "Dockerfile.rego".into(),
        source: POLICY.into(),
    }]];
    PolicyEngine::new(
        &sets,
        &Options {
            query: None,
            now_ns,
        },
    )
    .unwrap()
}

#[test]
fn one_engine_evaluates_at_any_time() {
    let input = serde_json::json!({});
    let times = [
        1_767_225_600_000_000_000i64, // 2026-01-01: allowed
        1_780_000_000_000_000_000,    // 2026-05-28: allowed
        1_790_000_000_000_000_000,    // 2026-09-21: denied
        1_800_000_000_000_000_000,    // 2027-01-15: denied, another message
    ];
    let shared = engine(0);
    let mut outcomes = Vec::new();
    // Forwards, backwards, and again: no evaluation leaves anything for the next.
    for &now in times.iter().chain(times.iter().rev()).chain(times.iter()) {
        let fresh = engine(now).evaluate(&input);
        let at = shared.evaluate_at(
            &input,
            Arc::new(NoResolver),
            now,
            false,
            &Steps::unbounded(),
        );
        assert_eq!(at, fresh, "at {now}");
        outcomes.push(at.outcome.clone().unwrap());
    }
    assert_eq!(outcomes[0], Outcome::Allow);
    assert_eq!(outcomes[1], Outcome::Allow);
    let (Outcome::Deny(third), Outcome::Deny(fourth)) = (&outcomes[2], &outcomes[3]) else {
        panic!("{outcomes:?}");
    };
    assert_ne!(third, fourth, "the messages name the evaluation time");
    assert!(
        third[0].starts_with("at 1790000000000000000, draw "),
        "{third:?}"
    );
    // `evaluate` keeps the time the engine was compiled with.
    assert_eq!(
        engine(times[2]).evaluate(&input),
        engine(times[2]).evaluate_at(
            &input,
            Arc::new(NoResolver),
            times[2],
            false,
            &Steps::unbounded(),
        )
    );
}
