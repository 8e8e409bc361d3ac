//! Transparency-log body consistency (checklist item 28; client-spec §4.4: "the verifier MUST
//! check that the log entry's body matches the bundle's signature, artifact digest and
//! verification material" — CVE-2022-36056).
//!
//! Supported kinds: `hashedrekord` 0.0.1 and 0.0.2 (Rekor v2, also for DSSE bundles:
//! "DSSE-as-hashedrekord"), `dsse` 0.0.1 and 0.0.2, `intoto` 0.0.2.

use base64::Engine as _;
use serde_json::Value;
use verdict_bundle::{HashAlgorithm, TlogEntry};

use crate::crypto::{PublicKey, pem_decode, sha256};
use crate::error::{Error, ErrorCode, Result};
use crate::signature::Signed;
use crate::trust::hex;

fn mismatch(msg: impl Into<String>) -> Error {
    Error::new(ErrorCode::TlogBodyMismatch, msg)
}

fn b64(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(*k))?.as_str()
}

/// What signed the entry: the leaf certificate's DER, or the managed key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Signer<'a> {
    pub(crate) leaf_der: Option<&'a [u8]>,
    pub(crate) key: &'a PublicKey,
}

impl Signer<'_> {
    /// Whether PEM (`CERTIFICATE` or `PUBLIC KEY`) text names this signer. With a certificate
    /// bundle, only the same certificate matches (rekor-v2-spec §6.1.4); with a managed key, the
    /// same key, bare or inside a certificate.
    fn matches_pem(&self, pem: &[u8]) -> bool {
        let Ok(text) = core::str::from_utf8(pem) else {
            return false;
        };
        match self.leaf_der {
            Some(leaf) => pem_decode(text, "CERTIFICATE").is_some_and(|der| der == leaf),
            None => {
                pem_decode(text, "PUBLIC KEY").is_some_and(|der| der == self.key.spki_der())
                    || pem_decode(text, "CERTIFICATE").is_some_and(|der| self.same_key_cert(&der))
            }
        }
    }

    /// Whether a DER certificate carries this signer's managed key (early sigstore-js key
    /// bundles were logged with a certificate for the same key).
    fn same_key_cert(&self, der: &[u8]) -> bool {
        crate::x509::Cert::parse(der)
            .and_then(|c| c.spki_der())
            .is_ok_and(|spki| spki == self.key.spki_der())
    }

    /// The same for a Rekor v2 `verifier` object (`x509Certificate.rawBytes` or
    /// `publicKey.rawBytes`).
    fn matches_v2(&self, verifier: &Value) -> bool {
        match self.leaf_der {
            Some(leaf) => str_at(verifier, &["x509Certificate", "rawBytes"])
                .and_then(b64)
                .is_some_and(|d| d == leaf),
            None => str_at(verifier, &["publicKey", "rawBytes"])
                .and_then(b64)
                .is_some_and(|d| d == self.key.spki_der()),
        }
    }
}

/// Checks that `entry`'s body records exactly this bundle's signature, digest and signer.
pub(crate) fn check(entry: &TlogEntry, signed: &Signed, signer: Signer<'_>) -> Result<()> {
    let body: Value = serde_json::from_slice(&entry.canonicalized_body)
        .map_err(|e| mismatch(format!("the entry body is not JSON: {e}")))?;
    let kind = str_at(&body, &["kind"]).unwrap_or_default();
    let version = str_at(&body, &["apiVersion"]).unwrap_or_default();
    if kind != entry.kind || version != entry.version {
        return Err(mismatch(format!(
            "the body is {kind} {version}, but the entry says {} {}",
            entry.kind, entry.version
        )));
    }
    let spec = body
        .get("spec")
        .ok_or_else(|| mismatch("the body has no spec"))?;
    match (kind, version, &signed.envelope) {
        ("hashedrekord", "0.0.1", None) => hashedrekord_v001(spec, signed, signer),
        ("hashedrekord", "0.0.2", _) => hashedrekord_v002(spec, signed, signer),
        ("dsse", "0.0.1", Some(env)) => dsse_v001(spec, env, signer),
        ("dsse", "0.0.2", Some(env)) => dsse_v002(spec, env, signer),
        ("intoto", "0.0.2", Some(env)) => intoto_v002(spec, env, signer),
        ("hashedrekord" | "dsse" | "intoto", _, _) if matches!(version, "0.0.1" | "0.0.2") => {
            Err(mismatch(format!(
                "a {kind} {version} entry cannot record a {} bundle",
                if signed.envelope.is_some() {
                    "DSSE"
                } else {
                    "message-signature"
                }
            )))
        }
        _ => Err(Error::new(
            ErrorCode::TlogBodyMismatch,
            format!("unsupported tlog entry kind {kind} {version}"),
        )),
    }
}

fn hashedrekord_v001(spec: &Value, signed: &Signed, signer: Signer<'_>) -> Result<()> {
    let (alg, digest) = &signed.signed_digest;
    let body_alg = str_at(spec, &["data", "hash", "algorithm"]).unwrap_or_default();
    let body_digest = str_at(spec, &["data", "hash", "value"]).unwrap_or_default();
    if body_alg != alg.name() || !body_digest.eq_ignore_ascii_case(&hex(digest)) {
        return Err(mismatch(format!(
            "the entry records artifact {body_alg}:{body_digest}, not {}:{}",
            alg.name(),
            hex(digest)
        )));
    }
    let sig = str_at(spec, &["signature", "content"]).and_then(b64);
    if sig.as_deref() != Some(signed.signature.as_slice()) {
        return Err(mismatch("the entry records another signature"));
    }
    let key = str_at(spec, &["signature", "publicKey", "content"]).and_then(b64);
    if !key.is_some_and(|pem| signer.matches_pem(&pem)) {
        return Err(mismatch("the entry records another certificate or key"));
    }
    Ok(())
}

fn hashedrekord_v002(spec: &Value, signed: &Signed, signer: Signer<'_>) -> Result<()> {
    let spec = spec
        .get("hashedRekordV002")
        .ok_or_else(|| mismatch("no hashedRekordV002 spec"))?;
    let (alg, digest) = &signed.signed_digest;
    let body_alg = str_at(spec, &["data", "algorithm"]).and_then(HashAlgorithm::from_proto);
    let body_digest = str_at(spec, &["data", "digest"]).and_then(b64);
    if body_alg != Some(*alg) || body_digest.as_deref() != Some(digest.as_slice()) {
        return Err(mismatch("the entry records another artifact digest"));
    }
    let sig = str_at(spec, &["signature", "content"]).and_then(b64);
    if sig.as_deref() != Some(signed.signature.as_slice()) {
        return Err(mismatch("the entry records another signature"));
    }
    let verifier = spec
        .pointer("/signature/verifier")
        .ok_or_else(|| mismatch("the entry has no verifier"))?;
    if !signer.matches_v2(verifier) {
        return Err(mismatch("the entry records another certificate or key"));
    }
    Ok(())
}

fn payload_hash_ok(hash: Option<&Value>, payload: &[u8], proto: bool) -> bool {
    let Some(h) = hash else { return false };
    let want = sha256(payload);
    if proto {
        str_at(h, &["algorithm"]) == Some("SHA2_256")
            && str_at(h, &["digest"]).and_then(b64).as_deref() == Some(&want[..])
    } else {
        str_at(h, &["algorithm"]) == Some("sha256")
            && str_at(h, &["value"]).is_some_and(|v| v.eq_ignore_ascii_case(&hex(&want)))
    }
}

/// Whether `sigs` (a logged signature list) records the envelope's signature and signer;
/// `recorded` reads one element's (signature bytes, signer matches).
fn records_signature(
    sigs: Option<&Value>,
    env: &verdict_bundle::Envelope,
    recorded: impl Fn(&Value) -> (Option<Vec<u8>>, bool),
) -> Result<()> {
    let sig = &env.signatures[0].sig;
    let found = sigs
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|s| {
            let (bytes, signer_ok) = recorded(s);
            bytes.as_deref() == Some(sig.as_slice()) && signer_ok
        });
    if found {
        Ok(())
    } else {
        Err(mismatch(
            "the entry does not record this envelope's signature and signer",
        ))
    }
}

fn dsse_v001(spec: &Value, env: &verdict_bundle::Envelope, signer: Signer<'_>) -> Result<()> {
    if !payload_hash_ok(spec.get("payloadHash"), &env.payload, false) {
        return Err(mismatch("the entry records another DSSE payload"));
    }
    records_signature(spec.get("signatures"), env, |s| {
        let signer_ok = str_at(s, &["verifier"])
            .and_then(b64)
            .is_some_and(|pem| signer.matches_pem(&pem));
        (str_at(s, &["signature"]).and_then(b64), signer_ok)
    })
}

fn dsse_v002(spec: &Value, env: &verdict_bundle::Envelope, signer: Signer<'_>) -> Result<()> {
    let spec = spec
        .get("dsseV002")
        .ok_or_else(|| mismatch("no dsseV002 spec"))?;
    if !payload_hash_ok(spec.get("payloadHash"), &env.payload, true) {
        return Err(mismatch("the entry records another DSSE payload"));
    }
    records_signature(spec.get("signatures"), env, |s| {
        let signer_ok = s.get("verifier").is_some_and(|v| signer.matches_v2(v));
        (str_at(s, &["content"]).and_then(b64), signer_ok)
    })
}

fn intoto_v002(spec: &Value, env: &verdict_bundle::Envelope, signer: Signer<'_>) -> Result<()> {
    let content = spec
        .get("content")
        .ok_or_else(|| mismatch("no intoto content"))?;
    if !payload_hash_ok(content.get("payloadHash"), &env.payload, false) {
        return Err(mismatch("the entry records another DSSE payload"));
    }
    if str_at(content, &["envelope", "payloadType"]) != Some(env.payload_type.as_str()) {
        return Err(mismatch("the entry records another payload type"));
    }
    // In intoto 0.0.2 bodies `sig` is base64 of the base64 signature, `publicKey` base64 of PEM.
    records_signature(content.pointer("/envelope/signatures"), env, |s| {
        let bytes = str_at(s, &["sig"])
            .and_then(b64)
            .and_then(|inner| String::from_utf8(inner).ok())
            .and_then(|inner| b64(&inner));
        let signer_ok = str_at(s, &["publicKey"])
            .and_then(b64)
            .is_some_and(|pem| signer.matches_pem(&pem));
        (bytes, signer_ok)
    })
}
