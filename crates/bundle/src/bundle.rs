//! The Sigstore bundle (`sigstore_bundle.proto`), parsed strictly.

use serde_json::Value;

use crate::dsse::Envelope;
use crate::error::{Error, ErrorCode};
use crate::json::{self, Obj};

/// At most this many transparency-log entries per bundle (checklist item 8).
pub const MAX_TLOG_ENTRIES: usize = 32;
/// At most this many RFC 3161 timestamps per bundle (sigstore-python's `MAX_ALLOWED_TIMESTAMP`).
pub const MAX_TIMESTAMPS: usize = 32;
/// At most this many certificates in an `x509CertificateChain`.
const MAX_CHAIN: usize = 10;
/// At most this many hashes in an inclusion proof (a 2^64 tree needs 64).
const MAX_PROOF_HASHES: usize = 64;

/// The bundle format version, from its media type.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BundleVersion {
    /// `application/vnd.dev.sigstore.bundle+json;version=0.1`
    V0_1,
    /// `application/vnd.dev.sigstore.bundle+json;version=0.2`
    V0_2,
    /// `application/vnd.dev.sigstore.bundle+json;version=0.3` or `…bundle.v0.3+json`
    V0_3,
}

impl BundleVersion {
    /// Parses a bundle media type: exactly the four accepted spellings (bundle.proto
    /// `Bundle.media_type`; checklist item 4).
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        match media_type {
            "application/vnd.dev.sigstore.bundle+json;version=0.1" => Some(BundleVersion::V0_1),
            "application/vnd.dev.sigstore.bundle+json;version=0.2" => Some(BundleVersion::V0_2),
            "application/vnd.dev.sigstore.bundle+json;version=0.3"
            | "application/vnd.dev.sigstore.bundle.v0.3+json" => Some(BundleVersion::V0_3),
            _ => None,
        }
    }

    /// The name Buildx gives the bundle type (`bundle-v0.3`).
    pub fn name(self) -> &'static str {
        match self {
            BundleVersion::V0_1 => "bundle-v0.1",
            BundleVersion::V0_2 => "bundle-v0.2",
            BundleVersion::V0_3 => "bundle-v0.3",
        }
    }
}

/// A digest algorithm named in a bundle (`HashAlgorithm` of `sigstore_common.proto`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// `SHA2_256`
    Sha256,
    /// `SHA2_384`
    Sha384,
    /// `SHA2_512`
    Sha512,
}

impl HashAlgorithm {
    /// Parses the proto enum name (`SHA2_256`, …).
    pub fn from_proto(s: &str) -> Option<Self> {
        match s {
            "SHA2_256" => Some(HashAlgorithm::Sha256),
            "SHA2_384" => Some(HashAlgorithm::Sha384),
            "SHA2_512" => Some(HashAlgorithm::Sha512),
            _ => None,
        }
    }

    /// The in-toto / OCI name (`sha256`, …).
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha384 => "sha384",
            HashAlgorithm::Sha512 => "sha512",
        }
    }

    /// The digest length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }
}

/// What the signature is verified with (`VerificationMaterial.content`, exactly one of).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Material {
    /// `publicKey`: a key the verifier must already hold; `hint` is an opaque identifier.
    PublicKey {
        /// `publicKey.hint`, if any.
        hint: Option<String>,
    },
    /// `x509CertificateChain` (v0.1, v0.2): DER certificates, leaf first. Never empty.
    X509Chain(Vec<Vec<u8>>),
    /// `certificate` (v0.3): the DER leaf alone.
    Certificate(Vec<u8>),
}

impl Material {
    /// The DER leaf certificate, for certificate material.
    pub fn leaf(&self) -> Option<&[u8]> {
        match self {
            Material::X509Chain(chain) => chain.first().map(Vec::as_slice),
            Material::Certificate(der) => Some(der),
            Material::PublicKey { .. } => None,
        }
    }

    /// The certificates after the leaf (untrusted chain-building hints).
    pub fn intermediates(&self) -> &[Vec<u8>] {
        match self {
            Material::X509Chain(chain) => &chain[1..],
            _ => &[],
        }
    }
}

/// A `messageSignature`: a signature over an artifact digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSignature {
    /// The unauthenticated `messageDigest` hint, if present.
    pub digest: Option<(HashAlgorithm, Vec<u8>)>,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

/// What was signed (`Bundle.content`, exactly one of).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// `messageSignature`
    Message(MessageSignature),
    /// `dsseEnvelope`
    Dsse(Envelope),
}

/// A signed note as carried in `inclusionProof.checkpoint.envelope` (not yet parsed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The note text, body and signature lines.
    pub envelope: String,
}

/// An RFC 6962 inclusion proof (`InclusionProof`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// The leaf index in this (shard of the) log.
    pub log_index: u64,
    /// The Merkle root the proof leads to.
    pub root_hash: Vec<u8>,
    /// The tree size the proof is for.
    pub tree_size: u64,
    /// The audit path, leaf to root.
    pub hashes: Vec<Vec<u8>>,
    /// The signed checkpoint committing to `root_hash` and `tree_size`, if present.
    pub checkpoint: Option<Checkpoint>,
}

/// A transparency-log entry (`TransparencyLogEntry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogEntry {
    /// The global log index.
    pub log_index: u64,
    /// The log ID (for Rekor v1 the SHA-256 of the log key's DER SPKI).
    pub log_id: Vec<u8>,
    /// `kindVersion.kind`, e.g. `hashedrekord`.
    pub kind: String,
    /// `kindVersion.version`, e.g. `0.0.1`.
    pub version: String,
    /// Unix seconds the log claims to have integrated the entry (0 for Rekor v2); only a verified
    /// SET makes it a verified time.
    pub integrated_time: u64,
    /// `inclusionPromise.signedEntryTimestamp`, if present.
    pub inclusion_promise: Option<Vec<u8>>,
    /// `inclusionProof`, if present.
    pub inclusion_proof: Option<InclusionProof>,
    /// The entry body as logged (JSON bytes).
    pub canonicalized_body: Vec<u8>,
}

/// A parsed Sigstore bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// The format version, from `mediaType`.
    pub version: BundleVersion,
    /// The media type as written.
    pub media_type: String,
    /// The verification material (key hint or certificates).
    pub material: Material,
    /// Transparency-log entries.
    pub tlog_entries: Vec<TlogEntry>,
    /// DER `TimeStampResp` values from `timestampVerificationData.rfc3161Timestamps`.
    pub rfc3161_timestamps: Vec<Vec<u8>>,
    /// The signed content.
    pub content: Content,
}

impl Bundle {
    /// Parses a bundle from JSON bytes (checklist items 3–8).
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let value = json::parse(bytes, ErrorCode::MalformedBundle, "bundle")?;
        Self::from_value(&value)
    }

    /// Parses a bundle from a JSON value.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        let code = ErrorCode::MalformedBundle;
        let root = Obj::new(value, "", code)?;
        let media_type = root.req_str("mediaType")?;
        let version = BundleVersion::from_media_type(media_type).ok_or_else(|| {
            Error::new(
                ErrorCode::UnsupportedMediaType,
                format!("unsupported bundle media type {media_type:?}"),
            )
        })?;

        let vm = root.req_obj("verificationMaterial", "verificationMaterial")?;
        let material = parse_material(&vm)?;
        check_material_version(version, &material)?;

        let entries = vm.arr("tlogEntries")?;
        if entries.len() > MAX_TLOG_ENTRIES {
            return Err(Error::new(
                ErrorCode::TooLarge,
                format!(
                    "{} tlog entries, more than the {MAX_TLOG_ENTRIES} allowed",
                    entries.len()
                ),
            ));
        }
        let tlog_entries = entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                parse_tlog_entry(e).map_err(|err| err.context(format!("tlogEntries[{i}]")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        check_distinct_entries(&tlog_entries)?;

        let mut rfc3161_timestamps = Vec::new();
        if let Some(tvd) = vm.obj(
            "timestampVerificationData",
            "verificationMaterial.timestampVerificationData",
        )? {
            let list = tvd.arr("rfc3161Timestamps")?;
            if list.len() > MAX_TIMESTAMPS {
                return Err(Error::new(
                    ErrorCode::TooLarge,
                    format!(
                        "{} RFC 3161 timestamps, more than the {MAX_TIMESTAMPS} allowed",
                        list.len()
                    ),
                ));
            }
            for (i, t) in list.iter().enumerate() {
                let t = Obj::new(t, "rfc3161Timestamps[]", code)?;
                rfc3161_timestamps.push(
                    t.req_bytes("signedTimestamp")
                        .map_err(|e| e.context(format!("rfc3161Timestamps[{i}]")))?,
                );
            }
        }

        for (i, t) in rfc3161_timestamps.iter().enumerate() {
            if let Some(j) = rfc3161_timestamps[..i].iter().position(|u| u == t) {
                return Err(Error::new(
                    code,
                    format!("rfc3161Timestamps[{i}] duplicates rfc3161Timestamps[{j}]"),
                ));
            }
        }

        let content = match (
            root.obj("messageSignature", "messageSignature")?,
            root.get("dsseEnvelope"),
        ) {
            (Some(ms), None) => Content::Message(parse_message_signature(&ms)?),
            (None, Some(env)) => {
                Content::Dsse(Envelope::from_value(env).map_err(|e| e.context("dsseEnvelope"))?)
            }
            (Some(_), Some(_)) => {
                return Err(Error::new(
                    code,
                    "bundle has both messageSignature and dsseEnvelope",
                ));
            }
            (None, None) => {
                return Err(Error::new(
                    ErrorCode::MissingField,
                    "bundle has neither messageSignature nor dsseEnvelope",
                ));
            }
        };

        Ok(Bundle {
            version,
            media_type: media_type.to_string(),
            material,
            tlog_entries,
            rfc3161_timestamps,
            content,
        })
    }
}

/// The media type fixes where a certificate goes (`sigstore_bundle.proto`: v0.3 bundles MUST
/// carry the signing certificate alone in `certificate`; before v0.3 there is no `certificate`
/// field, only `x509CertificateChain`). sigstore-python rejects both mismatches ("expected
/// certificate in bundle" / "expected certificate chain in bundle"); a key-signed bundle
/// (`publicKey`) is fine in every version.
fn check_material_version(version: BundleVersion, material: &Material) -> Result<(), Error> {
    let why = match (version, material) {
        (BundleVersion::V0_3, Material::X509Chain(_)) => {
            "a v0.3 bundle carries its signing certificate in verificationMaterial.certificate, not x509CertificateChain"
        }
        (BundleVersion::V0_1 | BundleVersion::V0_2, Material::Certificate(_)) => {
            "a v0.1 or v0.2 bundle carries its certificates in verificationMaterial.x509CertificateChain; `certificate` exists only from v0.3"
        }
        _ => return Ok(()),
    };
    Err(Error::new(ErrorCode::MalformedBundle, why))
}

/// Two entries naming the same log entry — the same log ID with the same log index, or the same
/// log ID with the same logged body — make the bundle invalid: one piece of evidence must not be
/// presented as two (sigstore-python accepts exactly one entry; sigstore-go counts per log).
fn check_distinct_entries(entries: &[TlogEntry]) -> Result<(), Error> {
    for (i, e) in entries.iter().enumerate() {
        let earlier = entries[..i].iter().position(|f| {
            f.log_id == e.log_id
                && (f.log_index == e.log_index || f.canonicalized_body == e.canonicalized_body)
        });
        if let Some(j) = earlier {
            return Err(Error::new(
                ErrorCode::MalformedBundle,
                format!(
                    "tlogEntries[{i}] duplicates tlogEntries[{j}] (same log, same index or body)"
                ),
            ));
        }
    }
    Ok(())
}

fn parse_material(vm: &Obj<'_>) -> Result<Material, Error> {
    let code = ErrorCode::MalformedBundle;
    let present = ["publicKey", "x509CertificateChain", "certificate"]
        .into_iter()
        .filter(|k| vm.has(k))
        .count();
    if present > 1 {
        return Err(Error::new(
            code,
            "verificationMaterial has more than one of publicKey, x509CertificateChain, certificate",
        ));
    }
    if let Some(pk) = vm.obj("publicKey", "verificationMaterial.publicKey")? {
        return Ok(Material::PublicKey {
            hint: pk.str("hint")?.map(str::to_string),
        });
    }
    if let Some(chain) = vm.obj(
        "x509CertificateChain",
        "verificationMaterial.x509CertificateChain",
    )? {
        let certs = chain.arr("certificates")?;
        if certs.is_empty() {
            return Err(Error::new(
                ErrorCode::MissingField,
                "verificationMaterial.x509CertificateChain is empty",
            ));
        }
        if certs.len() > MAX_CHAIN {
            return Err(Error::new(
                ErrorCode::TooLarge,
                format!("certificate chain of {} certificates", certs.len()),
            ));
        }
        let mut out = Vec::with_capacity(certs.len());
        for c in certs {
            out.push(
                Obj::new(c, "x509CertificateChain.certificates[]", code)?.req_bytes("rawBytes")?,
            );
        }
        return Ok(Material::X509Chain(out));
    }
    if let Some(cert) = vm.obj("certificate", "verificationMaterial.certificate")? {
        return Ok(Material::Certificate(cert.req_bytes("rawBytes")?));
    }
    Err(Error::new(
        ErrorCode::MissingField,
        "verificationMaterial has no publicKey, x509CertificateChain or certificate",
    ))
}

fn parse_message_signature(ms: &Obj<'_>) -> Result<MessageSignature, Error> {
    let digest = match ms.obj("messageDigest", "messageSignature.messageDigest")? {
        None => None,
        Some(md) => {
            let alg = md.req_str("algorithm")?;
            let alg = HashAlgorithm::from_proto(alg).ok_or_else(|| {
                Error::new(
                    ErrorCode::MalformedBundle,
                    format!("unsupported messageDigest algorithm {alg:?}"),
                )
            })?;
            let digest = md.req_bytes("digest")?;
            if digest.len() != alg.digest_len() {
                return Err(Error::new(
                    ErrorCode::MalformedBundle,
                    format!(
                        "messageDigest is {} bytes, not the {} of {}",
                        digest.len(),
                        alg.digest_len(),
                        alg.name()
                    ),
                ));
            }
            Some((alg, digest))
        }
    };
    Ok(MessageSignature {
        digest,
        signature: ms.req_bytes("signature")?,
    })
}

fn parse_tlog_entry(value: &Value) -> Result<TlogEntry, Error> {
    let code = ErrorCode::MalformedBundle;
    let e = Obj::new(value, "tlogEntry", code)?;
    let log_index = e.uint_or_zero("logIndex")?;
    let log_id = e.req_obj("logId", "logId")?.req_bytes("keyId")?;
    let kv = e.req_obj("kindVersion", "kindVersion")?;
    let kind = kv.req_str("kind")?.to_string();
    let version = kv.req_str("version")?.to_string();
    let integrated_time = e.uint_or_zero("integratedTime")?;
    let inclusion_promise = match e.obj("inclusionPromise", "inclusionPromise")? {
        None => None,
        Some(p) => Some(p.req_bytes("signedEntryTimestamp")?),
    };
    let inclusion_proof = match e.obj("inclusionProof", "inclusionProof")? {
        None => None,
        Some(p) => {
            let hashes = p.arr("hashes")?;
            if hashes.len() > MAX_PROOF_HASHES {
                return Err(Error::new(
                    ErrorCode::TooLarge,
                    format!("inclusion proof of {} hashes", hashes.len()),
                ));
            }
            let hashes = hashes
                .iter()
                .map(|h| match h {
                    Value::String(s) => json::decode_base64(s).ok_or_else(|| {
                        Error::new(
                            ErrorCode::InvalidBase64,
                            "inclusionProof.hashes[] is not valid base64",
                        )
                    }),
                    _ => Err(Error::new(code, "inclusionProof.hashes[] must be strings")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let checkpoint = match p.obj("checkpoint", "inclusionProof.checkpoint")? {
                None => None,
                Some(c) => c
                    .str("envelope")?
                    .filter(|s| !s.is_empty())
                    .map(|s| Checkpoint {
                        envelope: s.to_string(),
                    }),
            };
            Some(InclusionProof {
                log_index: p.uint_or_zero("logIndex")?,
                root_hash: p.req_bytes("rootHash")?,
                tree_size: p.uint_or_zero("treeSize")?,
                hashes,
                checkpoint,
            })
        }
    };
    Ok(TlogEntry {
        log_index,
        log_id,
        kind,
        version,
        integrated_time,
        inclusion_promise,
        inclusion_proof,
        canonicalized_body: e.req_bytes("canonicalizedBody")?,
    })
}
