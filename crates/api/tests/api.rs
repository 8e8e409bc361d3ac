//! The API as a function: each route's answer, and each bad request's status and stable code
//! (table-driven). `host/tests/serve.rs` sends the same requests through `verdict serve`.

use serde_json::{Value, json};
use verdict_api::{Deployment, Request, Response, handle};

const NOW_NS: i64 = 1_795_564_800_000_000_000; // 2026-11-25T00:00:00Z

fn post(path: &str, body: &Value) -> Response {
    post_to(&Deployment::public_good(), path, body)
}

fn post_to(deployment: &Deployment, path: &str, body: &Value) -> Response {
    let body = body.to_string();
    handle(
        &Request {
            method: "POST",
            path,
            content_type: Some("application/json; charset=utf-8"),
            body: body.as_bytes(),
        },
        NOW_NS,
        deployment,
    )
}

fn json(r: &Response) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

fn policy(source: &str) -> Value {
    json!([[{"path": "p.rego", "source": source}]])
}

const ALLOW_OK: &str = "package docker\ndecision := {\"allow\": input.ok}";

#[test]
fn eval_answers_the_engines_verdict() {
    let r = post(
        "/v1/eval",
        &json!({"policies": policy(ALLOW_OK), "input": {"ok": true}}),
    );
    assert_eq!(r.status, 200);
    let engine = verdict_core::Engine::new(
        vec![vec![verdict_core::Module {
            path: "p.rego".into(),
            source: ALLOW_OK.into(),
        }]],
        &verdict_core::EngineOptions::default(),
    );
    let want = engine.evaluate(r#"{"ok":true}"#, &verdict_core::Options::at(NOW_NS));
    assert_eq!(
        r.body,
        format!(
            "{{\"hash\":\"{}\",\"verdict\":{}}}\n",
            want.hash, want.canonical_json
        )
    );
    assert_eq!(r.decision.as_deref(), Some("allow"));
    assert_eq!(r.hash.as_deref(), Some(want.hash.as_str()));
    // A request without a time is evaluated at the clock's; `now` and `nowNs` pin it.
    let pinned = post(
        "/v1/eval",
        &json!({"policies": policy(ALLOW_OK), "input": {"ok": true}, "now": "2026-11-25T00:00:00Z"}),
    );
    assert_eq!(pinned.body, r.body);
    let as_ns = post(
        "/v1/eval",
        &json!({"policies": policy(ALLOW_OK), "input": {"ok": true}, "nowNs": NOW_NS.to_string()}),
    );
    assert_eq!(as_ns.body, r.body);
    // A one-set shorthand: a list of modules.
    let flat = post(
        "/v1/eval",
        &json!({"policies": [{"path": "p.rego", "source": ALLOW_OK}], "input": {"ok": true}}),
    );
    assert_eq!(flat.body, r.body);
    let deny = post(
        "/v1/eval",
        &json!({"policies": policy(ALLOW_OK), "input": {"ok": false}}),
    );
    assert_eq!((deny.status, deny.decision.as_deref()), (200, Some("deny")));
}

#[test]
fn an_error_verdict_is_422_with_its_record() {
    let cases = [
        (
            "does not compile",
            json!({"policies": policy("package docker\ndecision := "), "input": {}}),
            "malformed-policy",
        ),
        (
            "budget",
            json!({"policies": policy("package docker\nn := numbers.range(1, 100000)\ndecision := {\"allow\": count([1 | some a in n; some b in n]) > 0}"), "input": {}, "limits": {"maxSteps": 1000}}),
            "resource-exhausted",
        ),
        (
            "input bytes",
            json!({"policies": policy(ALLOW_OK), "input": {"ok": true, "pad": "xxxxxxxxxx"}, "limits": {"maxInputBytes": 10}}),
            "resource-exhausted",
        ),
        (
            "bad bundle digest",
            json!({"policies": policy(ALLOW_OK), "input": {}, "bundles": [{"bundle": {}, "digest": "md5:00"}]}),
            "invalid-request",
        ),
    ];
    for (name, body, code) in cases {
        let r = post("/v1/eval", &body);
        assert_eq!(r.status, 422, "{name}: {}", r.body);
        assert_eq!(json(&r)["verdict"]["error"]["code"], code, "{name}");
        assert_eq!(r.decision.as_deref(), Some("error"));
        assert!(r.hash.as_deref().unwrap().starts_with("sha256:"));
    }
}

/// `(name, method, path, content type, body, status, code)`.
type Bad<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a [u8],
    u16,
    &'a str,
);

#[test]
fn bad_requests_have_a_status_and_a_stable_code() {
    let big = vec![b' '; verdict_api::MAX_BODY_BYTES + 1];
    let cases: [Bad<'_>; 12] = [
        ("malformed JSON", "POST", "/v1/eval", Some("application/json"), b"{\"policies\":", 400, "malformed-request"),
        ("not an object", "POST", "/v1/eval", Some("application/json"), b"[1]", 400, "malformed-request"),
        ("misspelt field", "POST", "/v1/eval", Some("application/json"), br#"{"policies": [], "input": {}, "now_ns": 1}"#, 400, "malformed-request"),
        ("two times", "POST", "/v1/eval", Some("application/json"), br#"{"policies": [], "input": {}, "now": "2026-01-01T00:00:00Z", "nowNs": 1}"#, 400, "malformed-request"),
        ("bad time", "POST", "/v1/eval", Some("application/json"), br#"{"policies": [], "input": {}, "now": "yesterday"}"#, 400, "malformed-request"),
        ("bad base64", "POST", "/v1/check", Some("application/json"), br#"{"source": "docker-image://a", "evidence": [{"path": "index.json", "content": "%%"}]}"#, 400, "malformed-request"),
        ("no artifact", "POST", "/v1/verify", Some("application/json"), br#"{"bundle": {}}"#, 400, "malformed-request"),
        ("text body", "POST", "/v1/eval", Some("text/plain"), b"{}", 415, "unsupported-media-type"),
        ("no content type", "POST", "/v1/eval", None, b"{}", 415, "unsupported-media-type"),
        ("unknown route", "GET", "/v2/eval", None, b"", 404, "not-found"),
        ("wrong method", "GET", "/v1/verify", None, b"", 405, "method-not-allowed"),
        ("too large", "POST", "/v1/eval", Some("application/json"), &big, 413, "payload-too-large"),
    ];
    for (name, method, path, content_type, body, status, code) in cases {
        let r = handle(
            &Request {
                method,
                path,
                content_type,
                body,
            },
            NOW_NS,
            &Deployment::public_good(),
        );
        assert_eq!(r.status, status, "{name}: {}", r.body);
        assert_eq!(json(&r)["error"]["code"], code, "{name}: {}", r.body);
        assert!(!json(&r)["error"]["message"].as_str().unwrap().is_empty());
        assert_eq!(r.decision, None);
    }
}

#[test]
fn verify_answers_facts_or_the_failed_check() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bundle = std::fs::read_to_string(
        root.join("tests/vectors/docker-github-builder/attestation-manifest-1.sigstore.json"),
    )
    .unwrap();
    let digest = "sha256:8fe63f8b055569015407e5bd0c78071e87cf921019249b8b7a913091f680a664";
    let ok = post(
        "/v1/verify",
        &json!({"bundle": bundle, "digest": digest, "issuer": "https://token.actions.githubusercontent.com"}),
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(json(&ok)["verified"], true);
    assert_eq!(ok.decision.as_deref(), Some("verified"));
    let cases = [
        (
            "wrong digest",
            json!({"bundle": bundle, "digest": format!("sha256:{}", "0".repeat(64))}),
            "artifact-mismatch",
        ),
        (
            "wrong issuer",
            json!({"bundle": bundle, "digest": digest, "issuer": "https://accounts.google.com"}),
            "identity-mismatch",
        ),
        (
            "identity regexp is a full match",
            json!({"bundle": bundle, "digest": digest, "identityRegexp": "github"}),
            "identity-mismatch",
        ),
        (
            "not a bundle",
            json!({"bundle": {"mediaType": "x"}, "digest": digest}),
            "unsupported-media-type",
        ),
    ];
    for (name, body, code) in cases {
        let r = post("/v1/verify", &body);
        assert_eq!(r.status, 422, "{name}: {}", r.body);
        assert_eq!(json(&r)["verified"], false, "{name}");
        assert_eq!(json(&r)["error"]["code"], code, "{name}: {}", r.body);
    }
}

#[test]
fn info_and_health() {
    let get = |path| {
        handle(
            &Request {
                method: "GET",
                path,
                content_type: None,
                body: b"",
            },
            NOW_NS,
            &Deployment::public_good(),
        )
    };
    let health = get("/healthz");
    assert_eq!(
        (health.status, json(&health)["status"].as_str()),
        (200, Some("ok"))
    );
    let info = json(&get("/v1/info?x=1"));
    assert_eq!(info["api"], "v1");
    assert_eq!(info["engine"], verdict_core::ENGINE);
    let trust = &info["deployment"]["trustedRoot"]["digest"];
    assert!(trust.as_str().unwrap().starts_with("sha256:"));
    assert_eq!(info["deployment"]["policies"], json!([]));
}

/// A deployment answers requests without policies (and without a trusted root) exactly as the
/// same policies (root) given in the request; its digests are in `/v1/info`.
#[test]
fn a_deployment_answers_requests_without_policies() {
    let document = json!({"policies": [[{"path": "p.rego", "source": ALLOW_OK}]]}).to_string();
    let deployment = Deployment::from_json(document.as_bytes()).unwrap();
    for ok in [true, false] {
        let given = post(
            "/v1/eval",
            &json!({"policies": policy(ALLOW_OK), "input": {"ok": ok}}),
        );
        let deployed = post_to(&deployment, "/v1/eval", &json!({"input": {"ok": ok}}));
        assert_eq!(deployed.body, given.body);
    }
    let info = handle(
        &Request {
            method: "GET",
            path: "/v1/info",
            content_type: None,
            body: b"",
        },
        NOW_NS,
        &deployment,
    );
    let digest = verdict_core::sha256(ALLOW_OK.as_bytes());
    assert_eq!(
        json(&info)["deployment"]["policies"],
        json!([[{"path": "p.rego", "digest": digest}]])
    );
    // Without a deployment, or asking the deployed policies for another query: 400.
    let none = post("/v1/eval", &json!({"input": {}}));
    assert_eq!(
        (none.status, json(&none)["error"]["code"].as_str()),
        (400, Some("malformed-request"))
    );
    let query = post_to(
        &deployment,
        "/v1/eval",
        &json!({"input": {}, "query": "data.x"}),
    );
    assert_eq!(query.status, 400, "{}", query.body);
    // A deployment that cannot serve fails before it serves.
    for bad in [
        json!({"policies": [[{"path": "p.rego", "source": "package docker\ndecision := "}]]}),
        json!({"trustedRoot": {"x": 1}}),
        json!({"policy": []}),
    ] {
        assert!(
            Deployment::from_json(bad.to_string().as_bytes()).is_err(),
            "{bad}"
        );
    }
    assert!(Deployment::from_json(b"").is_ok());
}

/// A check names its source (as the CLI's SOURCE: without one, the caps pass alone would
/// allow); without `env` the Dockerfile is `Dockerfile`, as the CLI's `-f` default.
#[test]
fn a_check_names_its_source_and_defaults_as_the_cli() {
    let policies = policy("package docker\ndecision := {\"allow\": input.image.ref != \"\"}");
    for body in [
        json!({"policies": policies, "now": "2026-01-01T00:00:00Z"}),
        json!({"policies": policies, "source": null}),
    ] {
        let r = post("/v1/check", &body);
        assert_eq!(
            (r.status, r.error),
            (400, Some("malformed-request")),
            "{}",
            r.body
        );
    }
    let with_env = post(
        "/v1/check",
        &json!({"policies": policies, "source": "docker-image://alpine:3.20", "env": {"filename": "Dockerfile"}, "now": "2026-01-01T00:00:00Z"}),
    );
    let without = post(
        "/v1/check",
        &json!({"policies": policies, "source": "docker-image://alpine:3.20", "now": "2026-01-01T00:00:00Z"}),
    );
    assert_eq!(without.body, with_env.body);
}

/// A deployment is a default; a locked one is a gate: a request may not bring policies, a
/// trusted root, or Buildx's default policy in place of the deployed ones.
#[test]
fn a_locked_deployment_refuses_what_a_request_brings() {
    let deploy = |locked: bool| {
        let document =
            json!({"policies": [[{"path": "p.rego", "source": ALLOW_OK}]], "locked": locked});
        Deployment::from_json(document.to_string().as_bytes()).unwrap()
    };
    let (open, locked) = (deploy(false), deploy(true));
    let own = json!({"policies": policy("package docker\ndecision := {\"allow\": true}"), "input": {"ok": false}});
    assert_eq!(
        json(&post_to(&open, "/v1/eval", &own))["verdict"]["decision"],
        "allow"
    );
    let refused = [
        ("/v1/eval", own),
        (
            "/v1/eval",
            json!({"input": {"ok": true}, "trustedRoot": "{}"}),
        ),
        (
            "/v1/check",
            json!({"source": "docker-image://a", "defaultPolicy": true}),
        ),
        (
            "/v1/verify",
            json!({"bundle": {}, "digest": "sha256:00", "trustedRoot": {}}),
        ),
    ];
    for (route, body) in refused {
        let r = post_to(&locked, route, &body);
        assert_eq!(
            (r.status, r.error),
            (403, Some("deployment-locked")),
            "{route} {body}: {}",
            r.body
        );
    }
    let allowed = post_to(&locked, "/v1/eval", &json!({"input": {"ok": true}}));
    assert_eq!(json(&allowed)["verdict"]["decision"], "allow");
    // Open or locked: `defaultPolicy` without policies never replaces the deployed ones.
    let r = post_to(
        &open,
        "/v1/check",
        &json!({"source": "docker-image://a", "defaultPolicy": true}),
    );
    assert_eq!(r.status, 400, "{}", r.body);
}

#[test]
fn a_405_says_which_methods_the_route_takes() {
    let r = handle(
        &Request {
            method: "DELETE",
            path: "/v1/eval",
            content_type: None,
            body: b"",
        },
        NOW_NS,
        &Deployment::public_good(),
    );
    assert_eq!((r.status, r.allow), (405, Some("POST")));
    let r = handle(
        &Request {
            method: "POST",
            path: "/healthz",
            content_type: Some("application/json"),
            body: b"{}",
        },
        NOW_NS,
        &Deployment::public_good(),
    );
    assert_eq!((r.status, r.allow), (405, Some("GET, HEAD")));
}
