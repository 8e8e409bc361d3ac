//! verdict's HTTP JSON API, version 1, as a pure function (docs/service.md).
//!
//! [`handle`] takes what a wasi:http handler reads off a request — method, path, content type
//! and body — and the time a request that names none is evaluated at, and gives the status and
//! the JSON body to answer with. The service component (`crates/service`) is this function
//! behind `wasi:http/incoming-handler`; the same function answers natively in tests, so every
//! host that runs the component answers exactly this.
//!
//! | route | body | answer |
//! |---|---|---|
//! | `POST /v1/eval` | policies, input, options | `{"hash", "verdict"}` — `verdict eval --format json` |
//! | `POST /v1/check` | policies, a source and its evidence listing | `{"hash", "verdict"}` (+ `missingFiles`, `missingEvidence`) |
//! | `POST /v1/verify` | a bundle, the artifact's digest, the identity | `verdict verify --format json` |
//! | `GET /v1/info` | — | the engine, the trusted root, the API version |
//! | `GET /healthz` | — | `{"status": "ok"}` |
//!
//! A verdict that is an error (a policy that does not compile, a budget exhausted) and a bundle
//! that does not verify answer 422 with their record; a request verdict cannot read answers 400,
//! 404, 405, 413 or 415 with `{"error": {"code", "message"}}` ([`ApiError`]).

mod check;
mod deployment;
mod eval;
mod info;
mod verify;
mod wire;

pub use deployment::Deployment;
pub use wire::Limits;

/// The largest request body the API reads, in bytes (a host may cap lower).
pub const MAX_BODY_BYTES: usize = 64 << 20;

/// The API version in the paths (`/v1/…`).
pub const API_VERSION: &str = "v1";

/// What a handler read off one request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The path, with any query string.
    pub path: &'a str,
    /// The `content-type` header, if any.
    pub content_type: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
}

/// The answer: a status, a JSON body, and what an access log records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body, one line, `\n`-terminated.
    pub body: String,
    /// The verdict's decision (`allow`, `deny`, `convert`, `error`), or `verified` /
    /// `not-verified` for `/v1/verify`; `None` for other answers. Sent as the
    /// `verdict-decision` header.
    pub decision: Option<String>,
    /// The verdict's hash, sent as the `verdict-hash` header.
    pub hash: Option<String>,
    /// The stable code of an error answer, sent as the `verdict-error` header (for access
    /// logs).
    pub error: Option<&'static str>,
    /// The methods a route takes, sent as the `allow` header of a 405.
    pub allow: Option<&'static str>,
}

impl Response {
    fn json(status: u16, body: &serde_json::Value) -> Response {
        Response {
            status,
            body: format!("{body}\n"),
            decision: None,
            hash: None,
            error: None,
            allow: None,
        }
    }
}

/// A request the API cannot read: its status, a stable code and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiError {
    /// 400 `malformed-request`: the body is not the JSON the route reads.
    Malformed(String),
    /// 404 `not-found`: no such route.
    NotFound(String),
    /// 405 `method-not-allowed`: the route exists with another method.
    MethodNotAllowed {
        /// The method the route takes.
        allowed: &'static str,
    },
    /// 413 `payload-too-large`: the body is over [`MAX_BODY_BYTES`] (or the host's cap).
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// 415 `unsupported-media-type`: a body that is not `application/json`.
    MediaType(String),
    /// 403 `deployment-locked`: the request brings policies or a trusted root to a service
    /// locked to its deployment.
    Locked(String),
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Malformed(_) => 400,
            ApiError::NotFound(_) => 404,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::TooLarge { .. } => 413,
            ApiError::MediaType(_) => 415,
            ApiError::Locked(_) => 403,
        }
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) => "malformed-request",
            ApiError::NotFound(_) => "not-found",
            ApiError::MethodNotAllowed { .. } => "method-not-allowed",
            ApiError::TooLarge { .. } => "payload-too-large",
            ApiError::MediaType(_) => "unsupported-media-type",
            ApiError::Locked(_) => "deployment-locked",
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::Malformed(m)
            | ApiError::NotFound(m)
            | ApiError::MediaType(m)
            | ApiError::Locked(m) => m.clone(),
            ApiError::MethodNotAllowed { allowed } => format!("this route takes {allowed}"),
            ApiError::TooLarge { limit } => format!("the body is over {limit} bytes"),
        }
    }

    /// The answer.
    pub fn response(&self) -> Response {
        let mut response = Response::json(
            self.status(),
            &serde_json::json!({"error": {"code": self.code(), "message": self.message()}}),
        );
        response.error = Some(self.code());
        if let ApiError::MethodNotAllowed { allowed } = self {
            response.allow = Some(allowed);
        }
        response
    }
}

/// Answers one request; `now_ns` is the evaluation time of a request that names none (the
/// host's wall clock, nanoseconds since the Unix epoch); `deployment` answers a request that
/// carries no policies or trusted root.
pub fn handle(request: &Request<'_>, now_ns: i64, deployment: &Deployment) -> Response {
    route(request, now_ns, deployment).unwrap_or_else(|e| e.response())
}

/// A POST route: the body, the clock's time, the deployment.
type Post = fn(&[u8], i64, &Deployment) -> Result<Response, ApiError>;

fn route(
    request: &Request<'_>,
    now_ns: i64,
    deployment: &Deployment,
) -> Result<Response, ApiError> {
    let path = request.path.split('?').next().unwrap_or_default();
    let post = |f: Post| {
        if request.method != "POST" {
            return Err(ApiError::MethodNotAllowed { allowed: "POST" });
        }
        json_body(request)?;
        f(request.body, now_ns, deployment)
    };
    let get = |f: &dyn Fn() -> Response| {
        if request.method != "GET" && request.method != "HEAD" {
            return Err(ApiError::MethodNotAllowed {
                allowed: "GET, HEAD",
            });
        }
        Ok(f())
    };
    match path {
        "/v1/eval" => post(eval::eval),
        "/v1/check" => post(check::check),
        "/v1/verify" => post(verify::verify),
        "/v1/info" => get(&|| info::info(deployment)),
        "/healthz" => get(&|| Response::json(200, &serde_json::json!({"status": "ok"}))),
        other => Err(ApiError::NotFound(format!(
            "no route {other:?} (routes: POST /v1/eval, POST /v1/check, POST /v1/verify, GET /v1/info, GET /healthz)"
        ))),
    }
}

/// A POST body must be JSON (`application/json`, any parameters) and within the cap.
fn json_body(request: &Request<'_>) -> Result<(), ApiError> {
    let media = request
        .content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    if media.as_deref() != Some("application/json") {
        return Err(ApiError::MediaType(format!(
            "the body must be application/json, not {}",
            request.content_type.unwrap_or("(none)")
        )));
    }
    if request.body.len() > MAX_BODY_BYTES {
        return Err(ApiError::TooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    Ok(())
}

/// `verdict eval --format json`'s output for `verdict`: `{"hash", "verdict"}`, with `coverage`
/// when the verdict carries it; 200 for a decision, 422 for an error verdict.
fn verdict_response(verdict: &verdict_core::Verdict) -> Response {
    let mut body = format!(
        "{{\"hash\":\"{}\",\"verdict\":{}",
        verdict.hash, verdict.canonical_json
    );
    if !verdict.coverage.is_empty() {
        let files: Vec<serde_json::Value> = verdict
            .coverage
            .iter()
            .map(|f| serde_json::json!({"path": f.path, "covered": f.covered, "notCovered": f.not_covered}))
            .collect();
        body.push_str(&format!(
            ",\"coverage\":{}",
            serde_json::Value::Array(files)
        ));
    }
    if !verdict.missing_files.is_empty() {
        body.push_str(&format!(
            ",\"missingFiles\":{}",
            serde_json::json!(verdict.missing_files)
        ));
    }
    if !verdict.missing_evidence.is_empty() {
        let wanted: Vec<serde_json::Value> = verdict
            .missing_evidence
            .iter()
            .map(|w| serde_json::json!({"path": w.path, "subject": w.subject}))
            .collect();
        body.push_str(&format!(
            ",\"missingEvidence\":{}",
            serde_json::Value::Array(wanted)
        ));
    }
    body.push_str("}\n");
    let decision = verdict.decision.as_str();
    Response {
        status: if decision == "error" { 422 } else { 200 },
        body,
        decision: Some(decision.to_owned()),
        hash: Some(verdict.hash.clone()),
        error: None,
        allow: None,
    }
}
