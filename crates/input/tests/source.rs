//! Table-driven source-parsing tests: every `tests/source/*.json` file is an array of
//! `{"case": …, "expect": …}` objects; each case is run by the function its file is named after
//! and its output (a JSON value; `{"error": <code>, "message": …}` for failures) must equal
//! `expect`. `BLESS=1` rewrites every `expect` with the current output (review the diff).
//!
//! Data ported from Go tests names its origin in the case's `from` field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::{Value, json};
use verdict_input::git_url::{DetectError, GitUrl, detect_git_context, is_git_transport};
use verdict_input::http_url::Url;
use verdict_input::purl::material_source;
use verdict_input::reference::Reference;
use verdict_input::{Error, Platform, source};

fn err(e: &Error) -> Value {
    json!({"error": e.code.as_str(), "message": e.message})
}

fn s<'a>(case: &'a Value, key: &str) -> &'a str {
    case.get(key).and_then(Value::as_str).unwrap_or("")
}

fn opt(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::String(s.into()))
}

fn reference(case: &Value) -> Value {
    let normalized = s(case, "mode") != "parse";
    let parsed = if normalized {
        Reference::parse_normalized(s(case, "input"))
    } else {
        Reference::parse(s(case, "input"))
    };
    match parsed {
        Err(e) => err(&e),
        Ok(r) => {
            if normalized {
                let again = Reference::parse_normalized(&r.to_string());
                assert_eq!(again.as_ref(), Ok(&r), "String() must parse back to itself");
            }
            json!({
                "domain": r.domain, "path": r.path, "tag": opt(r.tag.as_deref()),
                "digest": opt(r.digest.as_deref()), "name": r.name(),
                "familiar": r.familiar_name(), "string": r.to_string(),
                "tagNameOnly": r.tag_name_only().to_string(),
            })
        }
    }
}

fn platform_json(p: &Platform) -> Value {
    json!([p.os, p.architecture, p.variant, p.format()])
}

fn platform(case: &Value) -> Value {
    let input = s(case, "input");
    let norm = Platform::parse(input);
    let raw = Platform::parse_unnormalized(input);
    match (norm, raw) {
        (Ok(n), Ok(r)) => json!({"parse": platform_json(&n), "unnormalized": platform_json(&r)}),
        (Err(e), _) | (_, Err(e)) => err(&e),
    }
}

fn platform_match(case: &Value) -> Value {
    let want = Platform::parse(s(case, "want")).expect("want parses");
    let have = Platform::from_oci(&case["have"]).expect("have is a platform object");
    json!({"have": platform_json(&have), "rank": want.match_rank(&have), "matches": want.matches(&have)})
}

fn git_url(case: &Value) -> Value {
    let input = s(case, "input");
    let (git, detect_err) = detect_git_context(input);
    let detect = json!({
        "git": git,
        "error": match detect_err {
            None => Value::Null,
            Some(DetectError::InvalidArgument) => json!("invalid argument"),
            Some(DetectError::Other(m)) => json!(m),
        },
    });
    let parsed = match GitUrl::parse(input) {
        Err(e) => err(&e),
        Ok(u) => json!({
            "scheme": u.scheme, "host": u.host, "path": u.path, "user": opt(u.user.as_deref()),
            "query": u.query, "ref": opt(u.opts.as_ref().map(|o| o.0.as_str())),
            "subdir": opt(u.opts.as_ref().map(|o| o.1.as_str())), "remote": u.remote,
        }),
    };
    json!({"transport": is_git_transport(input), "parse": parsed, "detect": detect})
}

fn http_url(case: &Value) -> Value {
    match Url::parse(s(case, "input")) {
        Err(e) => json!({"error": e.to_string()}),
        Ok(u) => json!({
            "scheme": u.scheme, "opaque": u.opaque, "host": u.host, "path": u.path,
            "rawPath": u.raw_path, "rawQuery": u.raw_query, "fragment": u.fragment,
            "user": u.user.as_ref().map(|ui| ui.to_go_string()),
            "query": u.query(), "string": u.to_go_string(),
        }),
    }
}

fn platform_of(case: &Value) -> Platform {
    match case.get("platform").and_then(Value::as_str) {
        Some(p) => Platform::parse(p).expect("case platform parses"),
        None => Platform::parse("linux/amd64").unwrap(),
    }
}

fn sources(case: &Value) -> Value {
    match source::parse(s(case, "source")) {
        Err(e) => err(&e),
        Ok(src) => {
            let (key, input) = src.input(&platform_of(case));
            json!({ key: input })
        }
    }
}

fn materials(case: &Value) -> Value {
    let digest: BTreeMap<String, String> =
        serde_json::from_value(case.get("digest").cloned().unwrap_or(json!({}))).unwrap();
    match material_source(s(case, "uri"), &digest) {
        Err(e) => err(&e),
        Ok((src, p)) => {
            let used = p.clone().unwrap_or_else(|| platform_of(case));
            let (key, input) = src.input(&used);
            json!({"platform": p.map(|p| p.format()), key: input})
        }
    }
}

fn runner(file: &str) -> fn(&Value) -> Value {
    match file {
        "reference" => reference,
        "platform" => platform,
        "platform_match" => platform_match,
        "git_url" => git_url,
        "http_url" => http_url,
        "sources" => sources,
        "materials" => materials,
        other => panic!("no runner for tests/source/{other}.json"),
    }
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/source")
}

fn main() {
    let args = Arguments::from_args();
    let bless = std::env::var_os("BLESS").is_some();
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut trials = Vec::new();
    for path in files {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let run = runner(&stem);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut cases: Vec<Value> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if bless {
            for c in &mut cases {
                let got = run(&c["case"]);
                c["expect"] = got;
            }
            let mut out = serde_json::to_string_pretty(&cases).unwrap();
            out.push('\n');
            if out != text {
                std::fs::write(&path, out).unwrap();
                eprintln!("blessed {}", path.display());
            }
        }
        for (i, c) in cases.into_iter().enumerate() {
            let label = ["input", "source", "uri", "want"]
                .iter()
                .find_map(|k| c["case"].get(*k).and_then(Value::as_str))
                .unwrap_or("")
                .to_string();
            let name = format!("{stem}::{i:03} {label}");
            trials.push(Trial::test(name, move || {
                let got = run(&c["case"]);
                if got == c["expect"] {
                    Ok(())
                } else {
                    Err(Failed::from(format!(
                        "case {}\n  expected {}\n  got      {}",
                        c["case"], c["expect"], got
                    )))
                }
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
