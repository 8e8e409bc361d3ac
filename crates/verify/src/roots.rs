//! Trusted roots embedded in the verifier (data files; provenance in `roots/PROVENANCE.md`).

/// The Sigstore public-good production trusted root, including the 2022–2023 keys (Rekor v1
/// `wNI9at…`, both Fulcio CA generations, ctfe 2022) and Rekor v2 `log2025-1`.
pub const PUBLIC_GOOD_TRUSTED_ROOT: &[u8] = include_bytes!("../roots/public-good.json");

/// GitHub's Sigstore instance (private-repository attestations): Fulcio and TSA generations, no
/// transparency or CT logs.
pub const GITHUB_TRUSTED_ROOT: &[u8] = include_bytes!("../roots/github.json");
