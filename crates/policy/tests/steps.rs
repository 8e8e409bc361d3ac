//! The per-call step budget ([`Steps`]): counted, not timed, so a policy stops at the same step
//! on every run, thread and host; spent over every set of a call; and an evaluation stopped by
//! it is an error with code `resource-exhausted` wherever the work happens — never an undefined
//! expression a `not` could turn into an allow.

use std::sync::Arc;

use verdict_policy::{Error, ErrorCode, Module, NoResolver, Options, Outcome, PolicyEngine, Steps};

fn set(body: &str) -> Vec<Module> {
    vec![Module {
        path: "Dockerfile.rego".into(),
        source: format!(
            "package docker\n\ndefault allow := false\n\n{body}\n\ndecision := {{\"allow\": allow}}\n"
        ),
    }]
}

fn engine(sets: &[&str]) -> PolicyEngine {
    let sets: Vec<_> = sets.iter().map(|b| set(b)).collect();
    PolicyEngine::new(
        &sets,
        &Options {
            query: None,
            now_ns: 0,
        },
    )
    .unwrap()
}

fn run(
    engine: &PolicyEngine,
    input: &serde_json::Value,
    max: Option<u64>,
) -> Result<Outcome, Error> {
    engine
        .evaluate_at(input, Arc::new(NoResolver), 0, false, &Steps::new(max))
        .outcome
}

fn exhausted(outcome: &Result<Outcome, Error>) -> bool {
    matches!(outcome, Err(e) if e.code() == ErrorCode::ResourceExhausted)
}

/// The least budget with which `engine` finishes on `input` (binary search; the budget is
/// monotone: a run that finishes with `n` steps finishes with more).
fn threshold(engine: &PolicyEngine, input: &serde_json::Value) -> u64 {
    let (mut lo, mut hi) = (0u64, 1u64 << 40);
    assert!(!exhausted(&run(engine, input, Some(hi))));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if exhausted(&run(engine, input, Some(mid))) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

const LOOP: &str =
    "allow if count([x | some a in input.items; some b in input.items; x := a * b]) > 10";

fn items(n: u64) -> serde_json::Value {
    serde_json::json!({ "items": (0..n).collect::<Vec<_>>() })
}

#[test]
fn unbounded_and_ample_budgets_change_nothing() {
    let engine = engine(&[LOOP]);
    let input = items(20);
    let free = run(&engine, &input, None);
    assert_eq!(free, Ok(Outcome::Allow));
    assert_eq!(run(&engine, &input, Some(u64::MAX)), free);
    assert_eq!(run(&engine, &input, Some(1_000_000)), free);
}

#[test]
fn a_budget_stops_at_the_same_step_every_time() {
    let engine = engine(&[LOOP]);
    let input = items(20);
    let at = threshold(&engine, &input);
    assert!(at > 400, "a 20×20 loop takes more than 400 steps: {at}");
    assert_eq!(run(&engine, &input, Some(at)), Ok(Outcome::Allow));
    let stopped = run(&engine, &input, Some(at - 1));
    assert!(exhausted(&stopped), "{stopped:?}");
    let Err(e) = stopped else { unreachable!() };
    assert!(e.to_string().contains("max-steps"), "{e}");
    // Again, after other evaluations, and on other threads: the same step.
    assert_eq!(threshold(&engine, &input), at);
    let others: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| s.spawn(|| threshold(&engine, &input)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(others, vec![at; 3]);
    // More work, more steps.
    assert!(threshold(&engine, &items(40)) > at * 3);
}

#[test]
fn one_budget_spans_every_set_of_a_call() {
    let one = engine(&[LOOP]);
    let two = engine(&[LOOP, LOOP]);
    let input = items(20);
    let single = threshold(&one, &input);
    let both = threshold(&two, &input);
    assert!(
        both > single + single / 2,
        "two sets: {both}, one: {single}"
    );
    assert!(exhausted(&run(&two, &input, Some(single))));
}

/// Where the work happens must not matter: inside a negation, a function, a comprehension in
/// a builtin's argument, a `with`, an `every`, a partial set; each is an error, not undefined.
#[test]
fn exhaustion_is_an_error_wherever_the_work_is() {
    let bodies = [
        (
            "negation",
            "expensive if count([1 | some a in input.items; some b in input.items]) > 0\nallow if not expensive",
        ),
        (
            "negation-deny",
            "deny contains \"x\" if not expensive\nexpensive if count([1 | some a in input.items; some b in input.items]) > 0\nallow if count(deny) == 0",
        ),
        (
            "function",
            "f(n) := count([1 | some a in input.items; some b in input.items; a + b > n])\nallow if not f(0) > 5",
        ),
        (
            "builtin-arg",
            "allow if not is_string(concat(\",\", [sprintf(\"%d\", [a]) | some a in input.items; some b in input.items]))",
        ),
        (
            "with",
            "expensive if count([1 | some a in input.items; some b in input.items]) > 0\nallow if not expensive with input.extra as 1",
        ),
        (
            "every",
            "allow if every a in input.items { every b in input.items { a + b >= 0 } }",
        ),
        (
            "every-negated",
            "bad if every a in input.items { every b in input.items { a + b >= 0 } }\nallow if not bad",
        ),
        (
            "partial-set",
            "pairs contains [a, b] if { some a in input.items; some b in input.items }\nallow if not pairs[[1, 1]]",
        ),
        (
            "object-comprehension",
            "allow if not count({sprintf(\"%d-%d\", [a, b]): 1 | some a in input.items; some b in input.items}) > 0",
        ),
    ];
    let input = items(60);
    for (name, body) in bodies {
        let engine = engine(&[body]);
        let free = run(&engine, &input, None);
        assert!(!exhausted(&free), "{name}: {free:?}");
        let stopped = run(&engine, &input, Some(500));
        assert!(
            exhausted(&stopped),
            "{name}: a 500-step budget gave {stopped:?}"
        );
    }
}
