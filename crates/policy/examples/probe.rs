//! Evaluates Rego snippets the way `/tmp`-style probes do for OPA: standard input holds blocks
//! separated by lines `====`; each block is a module body (`package docker` is prepended; a
//! first line `#input {json}` sets the input), and `data.docker.x` is printed as JSON,
//! `<undefined>` or `ERR code: message`. A development aid for comparing with OPA.

use std::io::Read;

use verdict_policy::{Module, Options, PolicyEngine};

fn main() {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .expect("read standard input");
    for block in text.split("\n====\n") {
        let mut body = block.trim_matches('\n');
        let mut input = serde_json::json!({});
        if let Some(rest) = body.strip_prefix("#input ") {
            let (first, after) = rest.split_once('\n').unwrap_or((rest, ""));
            input = serde_json::from_str(first).expect("#input JSON");
            body = after;
        }
        let module = Module {
            path: "p.rego".into(),
            source: format!("package docker\n{body}\n"),
        };
        let options = Options {
            query: Some("data.docker.x".into()),
            now_ns: 1_767_225_600_000_000_000,
        };
        let line = match PolicyEngine::new(&[vec![module]], &options) {
            Err(e) => format!("ERR {}: {e}", e.code().as_str()),
            Ok(engine) => match engine.evaluate_raw(&input) {
                Ok(Some(value)) => value.to_string(),
                Ok(None) => "<undefined>".into(),
                Err(e) => format!("ERR {}: {e}", e.code().as_str()),
            },
        };
        println!("{line}");
    }
}
