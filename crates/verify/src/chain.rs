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

/// Builds and checks a path from `cert` through `pool` (an authority's certificates, in any
/// order) to a self-issued root of the pool, valid at `t`: each issuer's subject is the child's
/// issuer, it is a CA allowed to sign certificates, within its path length, valid at `t`, and its
/// key verifies the child's signature. Returns the index in `pool` of `cert`'s immediate issuer,
/// or a reason.
pub(crate) fn verify_path(
    cert: &Cert,
    pool: &[Cert],
    t: Timestamp,
) -> core::result::Result<usize, String> {
    let mut child = cert;
    let mut used: Vec<usize> = Vec::new();
    let mut last_reason = String::from("no certificate of the authority issued it");
    loop {
        if used.len() > pool.len() {
            return Err("the chain does not end in a self-issued root".into());
        }
        let depth = used.len();
        let mut next = None;
        for (i, issuer) in pool.iter().enumerate() {
            if used.contains(&i) || child.issuer_der() != issuer.subject_der() {
                continue;
            }
            match check_issuer(child, issuer, depth, t) {
                Ok(()) => {
                    next = Some(i);
                    break;
                }
                Err(r) => last_reason = r,
            }
        }
        let Some(i) = next else {
            return Err(format!("certificate {depth} of the path: {last_reason}"));
        };
        used.push(i);
        let issuer = &pool[i];
        if issuer.issuer_der() == issuer.subject_der() {
            return Ok(used[0]);
        }
        child = issuer;
    }
}

fn check_issuer(
    child: &Cert,
    issuer: &Cert,
    depth: usize,
    t: Timestamp,
) -> core::result::Result<(), String> {
    if !issuer.valid_at(t) {
        return Err(format!(
            "CA certificate {} is not valid at {t} (valid {} to {})",
            crate::x509::go_name_string(&issuer.cert.tbs_certificate.subject),
            issuer.not_before(),
            issuer.not_after()
        ));
    }
    match issuer.basic_constraints().map_err(|e| e.to_string())? {
        Some(bc) if bc.ca => {
            // pathLenConstraint: the number of intermediates that may follow this CA.
            if bc
                .path_len_constraint
                .is_some_and(|limit| depth > usize::from(limit))
            {
                return Err("a CA path length constraint is exceeded".into());
            }
        }
        _ => return Err("an issuing certificate is not a CA".into()),
    }
    if let Some(ku) = issuer.key_usage().map_err(|e| e.to_string())?
        && !ku.key_cert_sign()
    {
        return Err("an issuing CA may not sign certificates (KeyUsage)".into());
    }
    let key = issuer.public_key().map_err(|e| e.to_string())?;
    match child.signed_by(&key) {
        Ok(true) => Ok(()),
        Ok(false) => Err("a certificate signature does not verify".into()),
        Err(e) => Err(e.to_string()),
    }
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
        let mut issuer_index = 0;
        let found = trust.cas().iter().find(|ca| {
            if !ca.valid_at(vt.time) {
                reasons.push(format!("{}: not valid at {}", ca.uri, vt.time));
                return false;
            }
            match verify_path(leaf, &ca.chain, vt.time) {
                Ok(i) => {
                    issuer_index = i;
                    true
                }
                Err(r) => {
                    reasons.push(format!("{}: {r}", ca.uri));
                    false
                }
            }
        });
        match found {
            Some(ca) => issuer = Some(ca.chain[issuer_index].clone()),
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
