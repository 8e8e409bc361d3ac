//! What a service was deployed with: policy sets compiled once, a trusted root prepared once.
//!
//! A deployment is fixed before the first request — in the component, by pre-initialisation
//! (`verdict deploy`: the component reads the deployment document, compiles and prepares, and
//! is snapshotted with the result in its memory), so every request's fresh instance starts with
//! them ready. A request that carries its own `policies` / `trustedRoot` uses those instead.

use serde::Deserialize;
use serde_json::{Value, json};
use verdict_core::verify::TrustMaterial;
use verdict_core::{Engine, Module};

use crate::ApiError;
use crate::wire::{self, WirePolicies};

/// The deployed policies (if any) and trusted root.
#[derive(Debug)]
pub struct Deployment {
    engine: Option<Engine>,
    /// `[[{"path", "digest"}]]`, for `/v1/info`.
    policies: Value,
    query: Option<String>,
    /// Requests may not bring their own policies or trusted root: the deployment is a gate,
    /// not a default.
    locked: bool,
    /// Prepared on first use when not deployed (a request that verifies nothing never pays for
    /// it); prepared at deploy time otherwise.
    trust: std::sync::OnceLock<TrustMaterial>,
}

/// The deployment document: `{"policies"?, "query"?, "defaultPolicy"?, "trustedRoot"?,
/// "locked"?}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WireDeployment {
    policies: Option<WirePolicies>,
    query: Option<String>,
    #[serde(default)]
    default_policy: bool,
    trusted_root: Option<Value>,
    /// Refuse requests that bring their own policies or trusted root (403).
    #[serde(default)]
    locked: bool,
}

impl Deployment {
    /// No policies; Sigstore's public-good trusted root.
    pub fn public_good() -> Deployment {
        Deployment {
            engine: None,
            policies: json!([]),
            query: None,
            locked: false,
            trust: std::sync::OnceLock::new(),
        }
    }

    /// The deployment a document describes. Policies that do not compile, a trusted root that
    /// does not parse: an error, so a deployment fails before it serves.
    pub fn from_json(document: &[u8]) -> Result<Deployment, String> {
        let d: WireDeployment = if document.iter().all(u8::is_ascii_whitespace) {
            WireDeployment::default()
        } else {
            serde_json::from_slice(document).map_err(|e| format!("the deployment: {e}"))?
        };
        let trust = match &d.trusted_root {
            None => TrustMaterial::public_good(),
            Some(root) => TrustMaterial::from_json(&wire::document(root))
                .map_err(|e| format!("the deployment's trusted root: {}", e.message()))?,
        };
        // Deployed once and snapshotted: every request's instance starts from here, so the
        // signature tables its keys would only get at a third use are built now.
        trust.precompute();
        let sets: Vec<Vec<Module>> = d.policies.map(WirePolicies::sets).unwrap_or_default();
        let policies = json!(
            sets.iter()
                .map(|set| set
                    .iter()
                    .map(|m| json!({"path": m.path, "digest": verdict_core::sha256(m.source.as_bytes())}))
                    .collect::<Vec<_>>())
                .collect::<Vec<_>>()
        );
        let engine = if sets.is_empty() && !d.default_policy {
            None
        } else {
            let engine = Engine::new(sets, &wire::engine(d.query.as_deref(), d.default_policy));
            if let Some(e) = engine.compile_error() {
                return Err(format!("the deployed policies do not compile: {e}"));
            }
            Some(engine)
        };
        Ok(Deployment {
            engine,
            policies,
            query: d.query,
            locked: d.locked,
            trust: std::sync::OnceLock::from(trust),
        })
    }

    /// The deployed engine, for a request that carries no policies.
    pub(crate) fn engine(&self) -> Result<&Engine, ApiError> {
        self.engine.as_ref().ok_or_else(|| {
            ApiError::Malformed(
                "the request has no `policies` and this service was deployed with none".into(),
            )
        })
    }

    /// Whether policies are deployed.
    pub(crate) fn has_policies(&self) -> bool {
        self.engine.is_some()
    }

    /// A locked deployment refuses a request that brings its own policies or trusted root.
    pub(crate) fn allows(&self, policies: bool, trusted_root: bool) -> Result<(), ApiError> {
        if self.locked && (policies || trusted_root) {
            return Err(ApiError::Locked(
                "this service is locked to its deployed policies and trusted root: a request may not bring its own".into(),
            ));
        }
        Ok(())
    }

    /// The deployed query, which a request without policies may not change.
    pub(crate) fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// The trusted root of a request that names none.
    pub(crate) fn trust(&self) -> &TrustMaterial {
        self.trust.get_or_init(TrustMaterial::public_good)
    }

    /// `/v1/info`'s view.
    pub(crate) fn describe(&self) -> Value {
        json!({
            "policies": self.policies,
            "query": self.query.as_deref().unwrap_or(verdict_core::DEFAULT_QUERY),
            "locked": self.locked,
            "trustedRoot": {"digest": self.trust().digest(), "summary": self.trust().summary()},
        })
    }
}
