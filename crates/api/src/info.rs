//! `GET /v1/info`: what answers — the API version, the engine, the trusted root a request that
//! names none verifies against.

use verdict_core::verify::TrustMaterial;

use crate::{API_VERSION, Response};

pub(crate) fn info() -> Response {
    let trust = TrustMaterial::public_good();
    Response::json(
        200,
        &serde_json::json!({
            "api": API_VERSION,
            "engine": verdict_core::ENGINE,
            "routes": ["POST /v1/eval", "POST /v1/check", "POST /v1/verify", "GET /v1/info", "GET /healthz"],
            "trustedRoot": {"digest": trust.digest(), "summary": trust.summary()},
            "deployedPolicies": [],
        }),
    )
}
