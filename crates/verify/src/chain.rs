//! Certificate path validation to a Fulcio CA of the trusted root (checklist item 16;
//! client-spec §4.3: "the verifier MUST verify the certificate chain … using the verified
//! timestamp(s) as the current time").
//!
//! The path is built from the trusted root only: the CA's `certChain` (issuing certificate
//! first, root last, by the spec — but linked by name and signature, so any order works, and a
//! leaf issued by a higher intermediate of the chain, like GitHub's release attester, too).
//! Certificates shipped in the bundle are never trusted (conformance `bundle-with-root-cert_fail`).
//! Every certificate must be valid at each verified time (the hybrid model), and the CA's
//! `validFor` must contain that time (closed interval).
//!
//! Prepare once, verify many: the links *inside* an authority's chain (which certificate issued
//! which, with its signature checked) are established once when the trusted root is prepared
//! (`link`); a verification checks one signature — the leaf's — and then only validity windows
//! and path lengths at each verified time.

use verdict_bundle::Timestamp;

use crate::crypto::PublicKey;
use crate::error::{Error, ErrorCode, Result};
use crate::facts::VerifiedTime;
use crate::trust::{Authority, TrustMaterial};
use crate::x509::Cert;

/// How a certificate of an authority's chain is issued.
#[derive(Debug, Clone)]
pub(crate) enum Link {
    /// A self-issued root: the trust anchor.
    Root,
    /// Issued by the certificate at this index of the same chain (signature verified).
    IssuedBy(usize),
    /// No certificate of the chain issues it validly.
    Broken(String),
}

/// Static checks of an issuing certificate: a CA that may sign certificates, whose key verifies
/// the child's signature.
fn issues(child: &Cert, issuer: &Cert, key: &PublicKey) -> core::result::Result<(), String> {
    if child.issuer_der() != issuer.subject_der() {
        return Err("issuer name mismatch".into());
    }
    match issuer.basic_constraints().map_err(|e| e.to_string())? {
        Some(bc) if bc.ca => {}
        _ => return Err("an issuing certificate is not a CA".into()),
    }
    if let Some(ku) = issuer.key_usage().map_err(|e| e.to_string())?
        && !ku.key_cert_sign()
    {
        return Err("an issuing CA may not sign certificates (KeyUsage)".into());
    }
    match child.signed_by(key) {
        Ok(true) => Ok(()),
        Ok(false) => Err("a certificate signature does not verify".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Links every certificate of a chain to its issuer in the same chain (done once per trusted
/// root).
pub(crate) fn link(chain: &[Cert], keys: &[Option<PublicKey>]) -> Vec<Link> {
    chain
        .iter()
        .enumerate()
        .map(|(i, cert)| {
            if cert.self_issued() {
                return Link::Root;
            }
            let mut reason = String::from("no certificate of the authority issued it");
            for (j, issuer) in chain.iter().enumerate() {
                if j == i || cert.issuer_der() != issuer.subject_der() {
                    continue;
                }
                let Some(key) = &keys[j] else { continue };
                match issues(cert, issuer, key) {
                    Ok(()) => return Link::IssuedBy(j),
                    Err(r) => reason = r,
                }
            }
            Link::Broken(reason)
        })
        .collect()
}

/// The index of the certificate of `authority` that issued `cert` (one signature check).
pub(crate) fn find_issuer(
    cert: &Cert,
    authority: &Authority,
) -> core::result::Result<usize, String> {
    let mut reason = String::from("no certificate of the authority issued it");
    for (i, issuer) in authority.chain.iter().enumerate() {
        if cert.issuer_der() != issuer.subject_der() {
            continue;
        }
        let Some(key) = &authority.keys[i] else {
            continue;
        };
        match issues(cert, issuer, key) {
            Ok(()) => return Ok(i),
            Err(r) => reason = r,
        }
    }
    Err(reason)
}

/// Checks the prepared path from `authority.chain[from]` up to the root at `t`: every certificate
/// valid at `t`, every CA within its path length. `depth` is the number of intermediates below
/// `from` (0 when `from` issued an end-entity certificate directly).
pub(crate) fn check_path_at(
    authority: &Authority,
    from: usize,
    mut depth: usize,
    t: Timestamp,
) -> core::result::Result<(), String> {
    let mut at = from;
    for _ in 0..=authority.chain.len() {
        let cert = &authority.chain[at];
        if !cert.valid_at(t) {
            return Err(format!(
                "CA certificate {} is not valid at {t} (valid {} to {})",
                crate::x509::go_name_string(&cert.cert.tbs_certificate.subject),
                cert.not_before(),
                cert.not_after()
            ));
        }
        if let Ok(Some(bc)) = cert.basic_constraints()
            && bc
                .path_len_constraint
                .is_some_and(|limit| depth > usize::from(limit))
        {
            return Err("a CA path length constraint is exceeded".into());
        }
        match &authority.links()[at] {
            Link::Root => return Ok(()),
            Link::IssuedBy(parent) => {
                at = *parent;
                depth += 1;
            }
            Link::Broken(reason) => return Err(reason.clone()),
        }
    }
    Err("the chain does not end in a self-issued root".into())
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
    // The leaf's signature, once per candidate authority (it does not depend on the time).
    let issuers: Vec<(&Authority, core::result::Result<usize, String>)> = trust
        .cas()
        .iter()
        .map(|ca| (ca, find_issuer(leaf, ca)))
        .collect();
    let mut issuer = None;
    for vt in times {
        let mut reasons = Vec::new();
        let found = issuers.iter().find_map(|(ca, found)| {
            let result = match found {
                _ if !ca.valid_at(vt.time) => Err(format!("not valid at {}", vt.time)),
                Ok(i) => check_path_at(ca, *i, 0, vt.time).map(|()| *i),
                Err(r) => Err(r.clone()),
            };
            match result {
                Ok(i) => Some(ca.chain[i].clone()),
                Err(r) => {
                    reasons.push(format!("{}: {r}", ca.uri));
                    None
                }
            }
        });
        match found {
            Some(cert) => issuer = Some(cert),
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
