//! Trusted roots embedded in the verifier (data files; provenance in `roots/PROVENANCE.md`).

/// The Sigstore public-good production trusted root, including the 2022–2023 keys (Rekor v1
/// `wNI9at…`, both Fulcio CA generations, ctfe 2022) and Rekor v2 `log2025-1`.
pub const PUBLIC_GOOD_TRUSTED_ROOT: &[u8] = include_bytes!("../roots/public-good.json");

/// GitHub's Sigstore instance (private-repository attestations): Fulcio and TSA generations, no
/// transparency or CT logs.
pub const GITHUB_TRUSTED_ROOT: &[u8] = include_bytes!("../roots/github.json");

/// The Sigstore public-good TUF root (`root.json`, version 15): where `verdict trust-root update`
/// starts a chain of root rotations to the repository's current root (an expired starting root
/// is allowed; the root the chain ends at must not be).
pub const PUBLIC_GOOD_TUF_ROOT: &[u8] = include_bytes!("../roots/public-good-tuf-root.json");
