//! # verdict-bundle
//!
//! The Sigstore data model, parsed strictly: bundles (`…bundle+json;version=0.1|0.2|0.3` and
//! `…bundle.v0.3+json`), trusted roots (`…trustedroot+json;version=0.1|0.2`, bare or inside a
//! `ClientTrustConfig`), DSSE envelopes and in-toto statements (v0.1 and v1).
//!
//! This crate owns *shape*: what a well-formed document is. It decodes base64, int64 strings and
//! RFC 3339 times, checks the one-of rules of `sigstore_bundle.proto`, and rejects anything else
//! with an [`Error`] carrying a stable [`ErrorCode`]. Unknown fields are ignored, as proto3 JSON
//! requires (client-spec §5). It trusts nothing and verifies nothing — that is `verdict-verify`.
//! It does no I/O and reads no clock.
//!
//! ```
//! let err = verdict_bundle::Bundle::parse(b"{\"mediaType\": \"application/vnd.dev.sigstore.bundle+json;version=99.9\"}")
//!     .unwrap_err();
//! assert_eq!(err.code().as_str(), "unsupported-media-type");
//! ```

#![forbid(unsafe_code)]

mod bundle;
mod dsse;
mod error;
mod intoto;
mod json;
mod time;
mod trust_root;

pub use bundle::{
    Bundle, BundleVersion, Checkpoint, Content, HashAlgorithm, InclusionProof, MAX_TIMESTAMPS,
    MAX_TLOG_ENTRIES, Material, MessageSignature, TlogEntry,
};
pub use dsse::{Envelope, Signature as DsseSignature, pae};
pub use error::{Error, ErrorCode};
pub use intoto::{IN_TOTO_PAYLOAD_TYPE, Statement, Subject};
pub use time::Timestamp;
pub use trust_root::{
    CertificateAuthority, KeyDetails, PublicKeyMaterial, TimeRange, TimestampAuthority,
    TransparencyLog, TrustedRoot,
};

/// The largest bundle or trusted root accepted, in bytes (32 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 32 << 20;
