//! Sigstore bundles v0.3: a leaf certificate for any identity, a DSSE envelope (or a message
//! signature), the Rekor entry and an RFC 3161 timestamp — each of which can be left out or
//! spoiled.

use serde::Serialize;

use crate::identity::Identity;
use crate::keys::Key;
use crate::rekor::{EntryOptions, TlogEntry};
use crate::sigstore::{Issuer, RawBytes, VirtualSigstore};
use crate::util::{b64, json_compact, sha256};

/// The bundle media type written.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// The DSSE payload type of in-toto statements.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// 2026-11-01T12:00:00Z: the default signing time.
pub const DEFAULT_SIGNED_AT: i64 = 1_793_534_400;

/// How a bundle is minted, and how it is spoiled. [`SignOptions::default`] is a complete,
/// valid bundle: Fulcio leaf with SCT, Rekor entry with proof, checkpoint and SET, TSA
/// timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOptions {
    /// When the signature is made (unix seconds): the leaf is valid from 60 s before to
    /// 600 s after, the TSA's genTime is +2 s, the Rekor integrated time +3 s.
    pub signed_at: i64,
    /// Which CA issues the leaf.
    pub issuer: Issuer,
    /// The label the ephemeral signing key is derived from (each bundle should have its own).
    pub key_label: String,
    /// Embed an SCT in the leaf.
    pub sct: bool,
    /// The Rekor entry (`None`: no tlog entry).
    pub tlog: Option<EntryOptions>,
    /// An RFC 3161 timestamp.
    pub rfc3161_timestamp: bool,
    /// Make the leaf's validity end an hour before the signature (→ `certificate-expired`).
    pub expired_certificate: bool,
    /// Flip one byte of the signature after everything was logged and timestamped
    /// (→ `signature`).
    pub flip_signature_byte: bool,
}

impl Default for SignOptions {
    fn default() -> Self {
        SignOptions {
            signed_at: DEFAULT_SIGNED_AT,
            issuer: Issuer::Fulcio,
            key_label: "signer".to_string(),
            sct: true,
            tlog: Some(EntryOptions {
                inclusion_proof: true,
                checkpoint: true,
                inclusion_promise: true,
            }),
            rfc3161_timestamp: true,
            expired_certificate: false,
            flip_signature_byte: false,
        }
    }
}

impl SignOptions {
    /// No timestamp of any kind: no RFC 3161 timestamp and no SET, so no verified time
    /// (→ `timestamp-threshold`); the entry keeps its inclusion proof.
    pub fn without_any_timestamp(mut self) -> Self {
        self.rfc3161_timestamp = false;
        if let Some(t) = self.tlog.as_mut() {
            t.inclusion_promise = false;
        }
        self
    }
}

/// A minted bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintedBundle {
    /// The bundle JSON (compact, as cosign writes it).
    pub json: Vec<u8>,
    /// The leaf certificate (DER).
    pub certificate: Vec<u8>,
    /// The signature as it is in the bundle (flipped if asked).
    pub signature: Vec<u8>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BundleJson {
    media_type: &'static str,
    verification_material: VerificationMaterial,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_signature: Option<MessageSignature>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dsse_envelope: Option<EnvelopeJson>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VerificationMaterial {
    certificate: RawBytes,
    tlog_entries: Vec<TlogEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp_verification_data: Option<TimestampVerificationData>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TimestampVerificationData {
    rfc3161_timestamps: Vec<SignedTimestamp>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignedTimestamp {
    signed_timestamp: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeJson {
    payload: String,
    payload_type: String,
    signatures: Vec<SigJson>,
}

#[derive(Serialize)]
struct SigJson {
    sig: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageSignature {
    message_digest: MessageDigest,
    signature: String,
}

#[derive(Serialize)]
struct MessageDigest {
    algorithm: &'static str,
    digest: String,
}

/// DSSE pre-authentication encoding.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    v.extend_from_slice(payload);
    v
}

enum Content<'a> {
    Dsse(&'a [u8]),
    Message(&'a [u8]),
}

impl VirtualSigstore {
    /// A bundle whose DSSE envelope (`application/vnd.in-toto+json`) wraps `statement`, signed
    /// for `identity`, with a `dsse` 0.0.1 Rekor entry.
    pub fn sign_dsse(
        &self,
        statement: &[u8],
        identity: &Identity,
        opts: &SignOptions,
    ) -> MintedBundle {
        self.sign(Content::Dsse(statement), identity, opts)
    }

    /// A message-signature bundle over `artifact` (`cosign sign-blob`), with a `hashedrekord`
    /// 0.0.1 Rekor entry.
    pub fn sign_message(
        &self,
        artifact: &[u8],
        identity: &Identity,
        opts: &SignOptions,
    ) -> MintedBundle {
        self.sign(Content::Message(artifact), identity, opts)
    }

    fn sign(&self, content: Content<'_>, identity: &Identity, opts: &SignOptions) -> MintedBundle {
        let key = Key::from_label(&format!("{}/{}", self.seed(), opts.key_label));
        let t = opts.signed_at;
        let (not_before, not_after) = if opts.expired_certificate {
            (t - 3600 - 660, t - 3600)
        } else {
            (t - 60, t + 600)
        };
        let cert = self.issue_leaf(identity, &key, opts.issuer, not_before, not_after, opts.sct);
        let cert_pem = VirtualSigstore::cert_pem(&cert);

        let (signature, body, kind, message_signature, envelope) = match content {
            Content::Dsse(payload) => {
                let sig = key.sign(&pae(IN_TOTO_PAYLOAD_TYPE, payload));
                let env = EnvelopeJson {
                    payload: b64(payload),
                    payload_type: IN_TOTO_PAYLOAD_TYPE.to_string(),
                    signatures: vec![SigJson { sig: b64(&sig) }],
                };
                let body = crate::rekor::dsse_body(&json_compact(&env), payload, &sig, &cert_pem);
                (sig, body, "dsse", None, Some(env))
            }
            Content::Message(artifact) => {
                let sig = key.sign(artifact);
                let digest = sha256(artifact);
                let body = crate::rekor::hashedrekord_body(&digest, &sig, &cert_pem);
                let ms = MessageSignature {
                    message_digest: MessageDigest {
                        algorithm: "SHA2_256",
                        digest: b64(&digest),
                    },
                    signature: b64(&sig),
                };
                (sig, body, "hashedrekord", Some(ms), None)
            }
        };
        let tlog_entries = match opts.tlog {
            Some(o) => vec![self.rekor.log(kind, &body, t + 3, o)],
            None => Vec::new(),
        };
        let timestamp_verification_data =
            opts.rfc3161_timestamp.then(|| TimestampVerificationData {
                rfc3161_timestamps: vec![SignedTimestamp {
                    signed_timestamp: b64(&self.tsa.timestamp(&signature, t + 2)),
                }],
            });

        let mut signature = signature;
        let (mut message_signature, mut envelope) = (message_signature, envelope);
        if opts.flip_signature_byte {
            let last = signature.len() - 1;
            signature[last] ^= 0x01;
            if let Some(env) = envelope.as_mut() {
                env.signatures[0].sig = b64(&signature);
            }
            if let Some(ms) = message_signature.as_mut() {
                ms.signature = b64(&signature);
            }
        }
        let bundle = BundleJson {
            media_type: BUNDLE_MEDIA_TYPE,
            verification_material: VerificationMaterial {
                certificate: RawBytes {
                    raw_bytes: b64(&cert),
                },
                tlog_entries,
                timestamp_verification_data,
            },
            message_signature: message_signature.take(),
            dsse_envelope: envelope.take(),
        };
        MintedBundle {
            json: json_compact(&bundle),
            certificate: cert,
            signature,
        }
    }
}
