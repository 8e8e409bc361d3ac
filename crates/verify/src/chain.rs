//! Certificate path validation to a Fulcio CA of the trusted root (checklist item 16;
//! client-spec §4.3: "the verifier MUST verify the certificate chain … using the verified
//! timestamp(s) as the current time").
//!
//! The path is built from the trusted root only: the CA's `certChain` (issuing certificate
//! first, root last). Certificates shipped in the bundle are never trusted (conformance
//! `bundle-with-root-cert_fail`). Every certificate must be valid at each verified time (the
//! hybrid model), and the CA's `validFor` must contain that time (closed interval).

use verdict_bundle::Timestamp;

use crate::error::{Error, ErrorCode, Result};
use crate::facts::VerifiedTime;
use crate::trust::TrustMaterial;
use crate::x509::Cert;

/// Checks that `cert` is issued by `path[0]`, each `path[i]` by `path[i+1]`, every element is a
/// CA valid at `t`, and the last is self-issued. Returns a reason on failure.
pub(crate) fn verify_path(
    cert: &Cert,
    path: &[Cert],
    t: Timestamp,
) -> core::result::Result<(), String> {
    let mut child = cert;
    for (depth, issuer) in path.iter().enumerate() {
        if child.issuer_der() != issuer.subject_der() {
            return Err(format!(
                "certificate {depth} is not issued by the next one in the chain"
            ));
        }
        if !issuer.valid_at(t) {
            return Err(format!(
                "CA certificate {} is not valid at {t} (valid {} to {})",
                issuer.issuer_go_string(),
                issuer.not_before(),
                issuer.not_after()
            ));
        }
        let ca = issuer.basic_constraints().map_err(|e| e.to_string())?;
        match ca {
            Some(bc) if bc.ca => {
                if let Some(limit) = bc.path_len_constraint {
                    // Number of non-self-issued intermediates below this CA.
                    if depth > usize::from(limit) {
                        return Err("a CA path length constraint is exceeded".into());
                    }
                }
            }
            _ => return Err("a certificate in the chain is not a CA".into()),
        }
        if let Some(ku) = issuer.key_usage().map_err(|e| e.to_string())? {
            if !ku.key_cert_sign() {
                return Err("a CA certificate may not sign certificates (KeyUsage)".into());
            }
        }
        let key = issuer.public_key().map_err(|e| e.to_string())?;
        match child.signed_by(&key) {
            Ok(true) => {}
            Ok(false) => return Err("a certificate signature does not verify".into()),
            Err(e) => return Err(e.to_string()),
        }
        child = issuer;
    }
    if child.issuer_der() != child.subject_der() {
        return Err("the chain does not end in a self-issued root".into());
    }
    Ok(())
}

/// Validates `leaf` up to a Fulcio CA at every verified time. Returns the leaf's immediate
/// issuer (whose key hash SCTs sign over).
pub(crate) fn verify(trust: &TrustMaterial, leaf: &Cert, times: &[VerifiedTime]) -> Result<Cert> {
    if times.is_empty() {
        return Err(Error::new(
            ErrorCode::CertificateChain,
            "no verified time to validate the certificate at",
        ));
    }
    let mut issuer = None;
    for vt in times {
        let mut reasons = Vec::new();
        let found = trust.cas().iter().find(|ca| {
            if !ca.valid_at(vt.time) {
                reasons.push(format!("{}: not valid at {}", ca.uri, vt.time));
                return false;
            }
            match verify_path(leaf, &ca.chain, vt.time) {
                Ok(()) => true,
                Err(r) => {
                    reasons.push(format!("{}: {r}", ca.uri));
                    false
                }
            }
        });
        match found {
            Some(ca) => issuer = Some(ca.chain[0].clone()),
            None => {
                let why = if trust.cas().is_empty() {
                    "the trusted root has no CA".to_string()
                } else {
                    reasons.join("; ")
                };
                return Err(Error::new(
                    ErrorCode::CertificateChain,
                    format!(
                        "no path to a trusted Fulcio CA at {} ({}): {why}",
                        vt.time,
                        vt.source.as_str()
                    ),
                ));
            }
        }
    }
    Ok(issuer.expect("times is not empty"))
}
