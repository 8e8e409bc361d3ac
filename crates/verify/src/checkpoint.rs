//! Checkpoints: C2SP `tlog-checkpoint` bodies in C2SP `signed-note` envelopes (checklist items
//! 33–35).
//!
//! A note is `origin\nsize\nbase64(root)\n[extension lines\n]` + `\n` + signature lines
//! `— <name> <base64(4-byte key hint ‖ signature)>\n`. The signed message is the body up to and
//! including the newline before the blank line. "Verifiers MUST ignore signatures from unknown
//! keys" (signed-note): the log's line is found by name and key hint, wherever it is.

use base64::Engine as _;

use crate::crypto::PublicKey;
use crate::error::{Error, ErrorCode, Result};
use crate::trust::Log;

/// One signature line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureLine {
    /// The signer's name.
    pub name: String,
    /// The first four bytes of the key ID.
    pub key_hint: [u8; 4],
    /// The signature.
    pub signature: Vec<u8>,
}

/// A parsed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line.
    pub origin: String,
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root_hash: Vec<u8>,
    /// The signed text (body lines, each ending in `\n`).
    pub body: String,
    /// The signature lines.
    pub signatures: Vec<SignatureLine>,
}

fn bad(msg: impl Into<String>) -> Error {
    Error::new(ErrorCode::Checkpoint, msg)
}

impl Checkpoint {
    /// Parses a signed-note checkpoint.
    pub fn parse(text: &str) -> Result<Self> {
        let (body, sigs) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("checkpoint has no signature block"))?;
        let body = format!("{body}\n");
        let mut lines = body.lines();
        let origin = lines
            .next()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| bad("checkpoint has no origin"))?;
        let size = lines
            .next()
            .ok_or_else(|| bad("checkpoint has no tree size"))?;
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(bad(format!(
                "checkpoint tree size {size:?} is not a decimal number"
            )));
        }
        let size: u64 = size
            .parse()
            .map_err(|_| bad("checkpoint tree size out of range"))?;
        let root = lines
            .next()
            .ok_or_else(|| bad("checkpoint has no root hash"))?;
        let root_hash = base64::engine::general_purpose::STANDARD
            .decode(root)
            .map_err(|_| bad("checkpoint root hash is not base64"))?;
        if root_hash.len() != 32 {
            return Err(bad("checkpoint root hash is not 32 bytes"));
        }
        let mut signatures = Vec::new();
        for line in sigs.lines() {
            if line.is_empty() {
                continue;
            }
            let rest = line
                .strip_prefix("\u{2014} ")
                .ok_or_else(|| bad(format!("malformed signature line {line:?}")))?;
            let (name, b64) = rest
                .rsplit_once(' ')
                .ok_or_else(|| bad(format!("malformed signature line {line:?}")))?;
            let raw = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|_| bad(format!("signature of {name:?} is not base64")))?;
            if raw.len() < 5 || name.is_empty() {
                return Err(bad(format!("signature line of {name:?} is too short")));
            }
            let mut key_hint = [0u8; 4];
            key_hint.copy_from_slice(&raw[..4]);
            signatures.push(SignatureLine {
                name: name.to_string(),
                key_hint,
                signature: raw[4..].to_vec(),
            });
        }
        if signatures.is_empty() {
            return Err(bad("checkpoint has no signature"));
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root_hash,
            body,
            signatures,
        })
    }

    /// Whether the log's own signature line verifies (matched by name and key hint).
    fn signed_by(&self, name: Option<&str>, hint: [u8; 4], key: &PublicKey) -> bool {
        self.signatures
            .iter()
            .filter(|s| name.is_none_or(|n| s.name == n) && s.key_hint == hint)
            .any(|s| {
                key.verify_message(
                    Some(verdict_bundle::HashAlgorithm::Sha256),
                    self.body.as_bytes(),
                    &s.signature,
                )
            })
    }
}

/// Verifies a checkpoint's log signature and that it commits to `root_hash` at `tree_size`.
pub(crate) fn verify(
    text: &str,
    log: &Log,
    root_hash: &[u8],
    tree_size: u64,
) -> Result<Checkpoint> {
    let cp = Checkpoint::parse(text)?;
    // Rekor v2 (C2SP signed notes): the signer name and the origin are the log's host name.
    // Rekor v1 signs as its configured server name (`rekor.sigstore.dev` for public good, a pod
    // name in private deployments): only the key hint and the signature bind it to the log.
    let rekor_v2 = log.key.is_ed25519();
    let name = rekor_v2.then_some(log.host.as_str());
    if !cp.signed_by(name, log.key_hint, &log.key) {
        return Err(Error::new(
            ErrorCode::CheckpointSignature,
            format!(
                "no signature line of {} (key hint {:02x?}) verifies",
                log.host, log.key_hint
            ),
        ));
    }
    if rekor_v2 && cp.origin != log.host {
        return Err(bad(format!(
            "checkpoint origin {:?} is not the log {}",
            cp.origin, log.host
        )));
    }
    if cp.root_hash != root_hash || cp.size != tree_size {
        return Err(bad(format!(
            "checkpoint commits to tree size {} with another root than the inclusion proof (size {tree_size})",
            cp.size
        )));
    }
    Ok(cp)
}
