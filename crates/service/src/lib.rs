//! The verdict HTTP service: `wasi:http/incoming-handler` (world `verdict:policy/service`,
//! `wit/world.wit`) over [`verdict_api::handle`].
//!
//! This crate only moves bytes: it reads the request's method, path, content type and body (up
//! to [`verdict_api::MAX_BODY_BYTES`]), reads the wall clock for a request that names no
//! evaluation time, and writes the answer. Everything that decides is `verdict-api` over
//! `verdict-core`, as in every other host. Built for `wasm32-unknown-unknown` (its standard
//! library imports nothing), the component imports only what the `wasi:http/proxy` world offers.

// wit-bindgen's generated glue needs `unsafe` (exports, canonical ABI).
#![allow(unsafe_code, reason = "generated canonical-ABI glue")]

#[allow(missing_docs, clippy::all)]
mod bindings {
    wit_bindgen::generate!({
        world: "service-init",
        path: "../../wit",
        generate_all,
    });
}

use std::cell::OnceCell;

use bindings::exports::wasi::http::incoming_handler::Guest;
use bindings::wasi::http::types::{
    ErrorCode, Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use bindings::wasi::io::streams::StreamError;

struct Service;

std::thread_local! {
    /// What the service was deployed with: set by `wizer-initialize` before the snapshot, else
    /// the public-good root on first use.
    static DEPLOYMENT: OnceCell<verdict_api::Deployment> = const { OnceCell::new() };
}

impl Guest for Service {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let response = answer(&request);
        respond(out, &response);
    }
}

impl bindings::Guest for Service {
    /// Reads the deployment document from standard input, compiles and prepares it. A document
    /// that cannot serve is written to standard error and traps: the deployment fails.
    fn wizer_initialize() {
        let document = read_all(&bindings::wasi::cli::stdin::get_stdin());
        match verdict_api::Deployment::from_json(&document) {
            Ok(deployment) => DEPLOYMENT.with(|d| {
                let _ = d.set(deployment);
            }),
            Err(message) => {
                let stderr = bindings::wasi::cli::stderr::get_stderr();
                for chunk in message.as_bytes().chunks(4096) {
                    let _ = stderr.blocking_write_and_flush(chunk);
                }
                panic!("the deployment failed");
            }
        }
    }
}

/// Everything `stream` gives until it closes.
fn read_all(stream: &bindings::wasi::io::streams::InputStream) -> Vec<u8> {
    let mut bytes = Vec::new();
    while let Ok(chunk) = stream.blocking_read(64 << 10) {
        bytes.extend_from_slice(&chunk);
    }
    bytes
}

/// Reads the request and answers it.
fn answer(request: &IncomingRequest) -> verdict_api::Response {
    let method = match request.method() {
        Method::Get => "GET".to_owned(),
        Method::Head => "HEAD".to_owned(),
        Method::Post => "POST".to_owned(),
        Method::Put => "PUT".to_owned(),
        Method::Delete => "DELETE".to_owned(),
        Method::Connect => "CONNECT".to_owned(),
        Method::Options => "OPTIONS".to_owned(),
        Method::Trace => "TRACE".to_owned(),
        Method::Patch => "PATCH".to_owned(),
        Method::Other(m) => m,
    };
    let path = request.path_with_query().unwrap_or_else(|| "/".to_owned());
    let content_type = request
        .headers()
        .get("content-type")
        .into_iter()
        .next()
        .and_then(|v| String::from_utf8(v).ok());
    let body = match read_body(request) {
        Ok(body) => body,
        Err(error) => return error.response(),
    };
    let now = bindings::wasi::clocks::wall_clock::now();
    let now_ns = i64::try_from(now.seconds)
        .ok()
        .and_then(|s| s.checked_mul(1_000_000_000))
        .and_then(|s| s.checked_add(i64::from(now.nanoseconds)))
        .unwrap_or(i64::MAX);
    DEPLOYMENT.with(|d| {
        verdict_api::handle(
            &verdict_api::Request {
                method: &method,
                path: &path,
                content_type: content_type.as_deref(),
                body: &body,
            },
            now_ns,
            d.get_or_init(verdict_api::Deployment::public_good),
        )
    })
}

/// The request body, up to the API's cap (413 past it; 400 when the stream fails).
fn read_body(request: &IncomingRequest) -> Result<Vec<u8>, verdict_api::ApiError> {
    let failed = || verdict_api::ApiError::Malformed("the request body could not be read".into());
    let Ok(body) = request.consume() else {
        return Ok(Vec::new());
    };
    let stream = body.stream().map_err(|()| failed())?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 << 10) {
            Ok(chunk) => {
                if bytes.len() + chunk.len() > verdict_api::MAX_BODY_BYTES {
                    return Err(verdict_api::ApiError::TooLarge {
                        limit: verdict_api::MAX_BODY_BYTES,
                    });
                }
                bytes.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => break,
            // The host's cap on the bytes sent (a chunked body has no length to check first).
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(match bindings::wasi::http::types::http_error_code(&e) {
                    Some(ErrorCode::HttpRequestBodySize(limit)) => {
                        verdict_api::ApiError::TooLarge {
                            limit: limit.map_or(verdict_api::MAX_BODY_BYTES, |n| {
                                usize::try_from(n).unwrap_or(usize::MAX)
                            }),
                        }
                    }
                    _ => failed(),
                });
            }
        }
    }
    drop(stream);
    drop(body);
    Ok(bytes)
}

/// Writes `response`: its status, `content-type: application/json`, the decision and hash
/// headers an access log reads, and the body.
fn respond(out: ResponseOutparam, response: &verdict_api::Response) {
    let mut headers: Vec<(String, Vec<u8>)> = vec![
        ("content-type".into(), b"application/json".to_vec()),
        (
            "content-length".into(),
            response.body.len().to_string().into_bytes(),
        ),
    ];
    if let Some(decision) = &response.decision {
        headers.push(("verdict-decision".into(), decision.clone().into_bytes()));
    }
    if let Some(hash) = &response.hash {
        headers.push(("verdict-hash".into(), hash.clone().into_bytes()));
    }
    if let Some(code) = response.error {
        headers.push(("verdict-error".into(), code.as_bytes().to_vec()));
    }
    if let Some(allow) = response.allow {
        headers.push(("allow".into(), allow.as_bytes().to_vec()));
    }
    let Ok(fields) = Fields::from_list(&headers) else {
        return;
    };
    let outgoing = OutgoingResponse::new(fields);
    // Our statuses are all valid; a refusal leaves the default (200) and the body says why.
    let _ = outgoing.set_status_code(response.status);
    let Ok(body) = outgoing.body() else {
        return;
    };
    ResponseOutparam::set(out, Ok(outgoing));
    if let Ok(stream) = body.write() {
        for chunk in response.body.as_bytes().chunks(4096) {
            if stream.blocking_write_and_flush(chunk).is_err() {
                break;
            }
        }
        drop(stream);
    }
    let _ = OutgoingBody::finish(body, None);
}

bindings::export!(Service with_types_in bindings);
