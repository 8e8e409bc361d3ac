//! Evaluates one policy set against many inputs, one JSON document per line.
//!
//! `eval_lines [--now NS] FILE.rego…` compiles the files (plus the helper
//! module) as one set and, for each line of standard input, prints one line:
//! `{"decision":"allow"|"deny"|"convert"|"error","messages":[…],"error":"…"}`.
//! `builtin/default.rego` names the built-in default policy. Used by
//! `tests/opa/differential.py --buildx-default-policy` to run thousands of
//! inputs without a process each.

use std::io::{BufRead, Write};

use serde_json::{Value, json};
use verdict_policy::{DEFAULT_POLICY_PATH, Module, Options, Outcome, PolicyEngine, default_policy};

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let mut now_ns = 1_767_225_600_000_000_000; // 2026-01-01T00:00:00Z
    let mut modules = Vec::new();
    while let Some(arg) = args.next() {
        if arg == "--now" {
            now_ns = args
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| fail("--now wants nanoseconds"));
        } else if arg == DEFAULT_POLICY_PATH {
            modules.push(default_policy());
        } else {
            let source =
                std::fs::read_to_string(&arg).unwrap_or_else(|e| fail(&format!("{arg}: {e}")));
            modules.push(Module { path: arg, source });
        }
    }
    if modules.is_empty() {
        fail("usage: eval_lines [--now NS] FILE.rego…");
    }
    let options = Options {
        query: None,
        now_ns,
    };
    let engine = PolicyEngine::new(&[modules], &options).unwrap_or_else(|e| fail(&e.to_string()));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap_or_else(|e| fail(&e.to_string()));
        if line.trim().is_empty() {
            continue;
        }
        let result = match serde_json::from_str::<Value>(&line) {
            Err(e) => json!({"decision": "error", "messages": [], "error": e.to_string()}),
            Ok(input) => match engine.evaluate(&input).outcome {
                Ok(Outcome::Allow) => json!({"decision": "allow", "messages": []}),
                Ok(Outcome::Deny(messages)) => json!({"decision": "deny", "messages": messages}),
                Ok(Outcome::Convert(digest)) => {
                    json!({"decision": "convert", "messages": [], "error": digest})
                }
                Err(e) => json!({"decision": "error", "messages": [], "error": e.to_string()}),
            },
        };
        writeln!(out, "{result}").unwrap_or_else(|e| fail(&e.to_string()));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("eval_lines: {message}");
    std::process::exit(2)
}
