//! Evaluates many whole cases (policy sets, input, time, query), one JSON document per line.
//!
//! Each line of standard input is one case:
//! `{"id": …, "sets": [[[path, source], …], …], "input": …, "now_ns": N, "query": "data.…"}`
//! (`now_ns` and `query` optional). For each, one line is printed:
//! `{"id": …, "stage": "compile"|"eval"|null, "decision": "allow"|"deny"|"convert"|"error",
//! "messages": […], "code": "<error code>"|null, "error": "…"|null}`, where `stage` says
//! whether an error came from compiling the sets (`PolicyEngine::new`) or from evaluating them.
//! A case that fails to compile, or a line that is not a case, is reported and the next line
//! is read. Used by `tests/opa/generated.py` to run thousands of generated cases in one
//! process.

use std::io::{BufRead, Write};

use serde_json::{Value, json};
use verdict_policy::{Module, Options, Outcome, PolicyEngine};

/// The message of the last panic, for the case's report.
static LAST_PANIC: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

const DEFAULT_NOW_NS: i64 = 1_767_225_600_000_000_000; // 2026-01-01T00:00:00Z

fn main() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("eval_cases: panic: {info}");
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = info.to_string();
        }
    }));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = match line {
            Ok(line) => line,
            Err(e) => fail(&e.to_string()),
        };
        if line.trim().is_empty() {
            continue;
        }
        let result = match serde_json::from_str::<Value>(&line) {
            Err(e) => bad_line(Value::Null, &e.to_string()),
            // A panic is a verdict bug: reported as this case's outcome, not the end of the run.
            Ok(case) => std::panic::catch_unwind(|| evaluate(&case)).unwrap_or_else(|_| {
                let id = case.get("id").cloned().unwrap_or(Value::Null);
                let message = LAST_PANIC.lock().map(|m| m.clone()).unwrap_or_default();
                error(id, "eval", "panic", &format!("verdict panicked: {message}"))
            }),
        };
        if let Err(e) = writeln!(out, "{result}").and_then(|()| out.flush()) {
            fail(&e.to_string());
        }
    }
}

fn evaluate(case: &Value) -> Value {
    let id = case.get("id").cloned().unwrap_or(Value::Null);
    let Some(sets) = parse_sets(case.get("sets")) else {
        return bad_line(id, "`sets` is not [[[path, source], …], …]");
    };
    let now_ns = match case.get("now_ns") {
        None | Some(Value::Null) => DEFAULT_NOW_NS,
        Some(n) => match n.as_i64() {
            Some(n) => n,
            None => return bad_line(id, "`now_ns` is not an integer"),
        },
    };
    let query = match case.get("query") {
        None | Some(Value::Null) => None,
        Some(Value::String(q)) => Some(q.clone()),
        Some(_) => return bad_line(id, "`query` is not a string"),
    };
    let input = case.get("input").cloned().unwrap_or(Value::Null);
    let options = Options { query, now_ns };
    let engine = match PolicyEngine::new(&sets, &options) {
        Ok(engine) => engine,
        Err(e) => return error(id, "compile", e.code().as_str(), &e.to_string()),
    };
    match engine.evaluate(&input).outcome {
        Ok(Outcome::Allow) => outcome(id, "allow", &[]),
        Ok(Outcome::Deny(messages)) => outcome(id, "deny", &messages),
        Ok(Outcome::Convert(digest)) => {
            json!({"id": id, "stage": null, "decision": "convert", "messages": [], "code": null, "error": digest})
        }
        Err(e) => error(id, "eval", e.code().as_str(), &e.to_string()),
    }
}

fn parse_sets(value: Option<&Value>) -> Option<Vec<Vec<Module>>> {
    value?
        .as_array()?
        .iter()
        .map(|set| {
            set.as_array()?
                .iter()
                .map(|module| match module.as_array()?.as_slice() {
                    [Value::String(path), Value::String(source)] => Some(Module {
                        path: path.clone(),
                        source: source.clone(),
                    }),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

fn outcome(id: Value, decision: &str, messages: &[String]) -> Value {
    json!({"id": id, "stage": null, "decision": decision, "messages": messages, "code": null, "error": null})
}

fn error(id: Value, stage: &str, code: &str, message: &str) -> Value {
    json!({"id": id, "stage": stage, "decision": "error", "messages": [], "code": code, "error": message})
}

fn bad_line(id: Value, message: &str) -> Value {
    json!({"id": id, "stage": null, "decision": "error", "messages": [], "code": "invalid-request", "error": message})
}

fn fail(message: &str) -> ! {
    eprintln!("eval_cases: {message}");
    std::process::exit(2)
}
