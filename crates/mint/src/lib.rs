//! # verdict-mint
//!
//! Test support for verdict: minted Sigstore and image evidence, byte-for-byte reproducible.
//! Real signed images carry only the signer identities that exist; tests need any identity
//! and any tampering. Like sigstore-go's `VirtualSigstore`, this crate runs a private
//! Sigstore — but every key is derived from a seed and every ECDSA signature is deterministic
//! (RFC 6979), so the same calls give the same bytes.
//!
//! - [`VirtualSigstore`]: a Fulcio root and intermediate (`O=sigstore.dev,
//!   CN=sigstore-intermediate`), a second trusted CA with another DN, a CA outside the root,
//!   a CT log (embedded precertificate SCTs), a Rekor log (`dsse` / `hashedrekord` 0.0.1
//!   bodies, SET, inclusion proof, signed checkpoint) and an RFC 3161 TSA, and
//!   [`VirtualSigstore::trusted_root_json`].
//! - [`Identity`]: SAN and every Fulcio extension `.1.8`–`.1.22`, with presets for Buildx's
//!   signer kinds.
//! - [`VirtualSigstore::sign_dsse`] / [`VirtualSigstore::sign_message`]: bundles v0.3, with
//!   [`SignOptions`] to leave out or spoil any part.
//! - [`statement`]: cosign v3's image-signing statement and BuildKit's SLSA v1 provenance.
//! - [`oci::image_evidence`]: an OCI image layout as BuildKit (`oci-artifact=true`) and
//!   cosign v3 (`--registry-referrers-mode oci-1-1`) leave it.
//! - [`scenario`]: the fixed scenarios committed under `tests/minted/`.
//! - [`batch`]: `n` signed artifacts and their bundles, for `verdict verify --batch`.

#![forbid(unsafe_code)]

pub mod batch;
mod bundle;
mod ct;
mod identity;
mod keys;
pub mod oci;
pub mod rekor;
pub mod scenario;
mod sigstore;
pub mod statement;
mod tsa;
pub mod util;
mod x509;

pub use bundle::{
    BUNDLE_MEDIA_TYPE, DEFAULT_SIGNED_AT, IN_TOTO_PAYLOAD_TYPE, MintedBundle, SignOptions, pae,
};
pub use identity::{DOCKER_GITHUB_BUILDER_WORKFLOW, GITHUB_ACTIONS_ISSUER, Identity};
pub use keys::Key;
pub use rekor::EntryOptions;
pub use sigstore::{
    CTLOG_URL, Ca, FULCIO_ISSUER_DN, FULCIO_URL, Issuer, OTHER_CA_URL, OTHER_ISSUER_DN, REKOR_URL,
    RawBytes, TSA_URL, VALID_FROM, VALID_UNTIL, VirtualSigstore,
};
pub use tsa::Tsa;
pub use x509::{San, name};
