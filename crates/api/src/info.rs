//! `GET /v1/info`: what answers — the API version, the engine, what the service was deployed
//! with (policies by digest, the trusted root a request that names none verifies against).

use crate::{API_VERSION, Deployment, Response};

pub(crate) fn info(deployment: &Deployment) -> Response {
    Response::json(
        200,
        &serde_json::json!({
            "api": API_VERSION,
            "engine": verdict_core::ENGINE,
            "routes": ["POST /v1/eval", "POST /v1/check", "POST /v1/verify", "GET /v1/info", "GET /healthz"],
            "deployment": deployment.describe(),
        }),
    )
}
