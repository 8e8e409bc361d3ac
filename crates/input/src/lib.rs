//! # verdict-input
//!
//! The policy input document Docker Buildx builds for one source (model §4, BX
//! `policy/validate.go` `sourceToInput`, `policy/types.go`), built from a source identifier, the
//! build settings and host-supplied **evidence** (docs/evidence.md) instead of the network.
//!
//! This crate owns: parsing sources as `docker buildx policy eval` does (image references,
//! platforms, git and HTTP URLs, provenance materials), resolving an image's attestation chain
//! from an OCI layout whose every blob is re-hashed, mapping image config, SLSA provenance
//! (v1 and v0.2, with materials as nested inputs) and git objects to Buildx's fields, verifying
//! the attestation manifest's Sigstore signature (with `verdict-verify`) and classifying it
//! (`kind`, model §6.3), and encoding all of it with Go's `omitempty` rules: a field Buildx would
//! leave empty is absent, never `false`, `""`, `[]` or `null`.
//!
//! It does no I/O and reads no clock: the evidence and the trusted root are arguments.

#![forbid(unsafe_code)]

mod error;
pub mod git_url;
pub mod http_url;
pub mod platform;
pub mod purl;
pub mod reference;
pub mod source;

pub use error::{Error, ErrorCode};
pub use platform::Platform;
pub use source::Source;

/// JSON values of the input document.
pub type Json = serde_json::Value;

mod build;
pub mod facts;
pub mod git;
pub mod image;
pub mod oci;
pub mod provenance;
pub mod signature;

pub use build::{
    Built, DEFAULT_PLATFORM, Env, Evidence, GitObjects, MAX_MATERIAL_DEPTH, Request, build,
};
pub use facts::Facts;
