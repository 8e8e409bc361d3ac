#![doc = include_str!("../README.md")]
//!
//! ## Example
//!
//! ```
//! # fn main() -> Result<(), verdict_git::Error> {
//! let commit = include_bytes!("../testdata/objects/commit-ssh-ed25519.commit");
//! let key = include_bytes!("../testdata/keys/ssh-ed25519.pub");
//! verdict_git::verify_signature(commit, key)?;
//! let input = verdict_git::buildx::commit_input(commit)?;
//! assert!(input["sshSignature"]["pubKey"].as_str().unwrap().starts_with("SHA256:"));
//! # Ok(()) }
//! ```
//!
//! Specifications implemented: git's object format (`Documentation/gitformat-signature.txt`:
//! `gpgsig`/`gpgsig-sha256` headers, trailing tag signatures), OpenSSH `PROTOCOL.sshsig` §2–§3,
//! RFC 4253 §6.6 / RFC 5656 §3.1 / RFC 8709 §4 / RFC 8332 §3 (SSH keys and signatures); OpenPGP
//! is `verdict-openpgp`'s (RFC 4880 / RFC 9580).
#![forbid(unsafe_code)]

pub mod buildx;
mod error;
mod object;
pub mod ssh;
mod verify;

pub use error::{Error, ErrorCode, Result};
pub use object::{Actor, Commit, GitObject, ObjectFormat, ObjectKind, Tag, When, object_id};
pub use verify::{
    EmbeddedSignature, Verified, verify_object, verify_signature, verify_signature_at,
};
