//! A Rekor v1 log in miniature: canonical entry bodies (`dsse` and `hashedrekord` 0.0.1), a
//! small RFC 6962 Merkle tree holding the entry, an inclusion proof, a signed checkpoint
//! (C2SP signed note) and the signed entry timestamp (SET).

use serde::Serialize;
use serde_json::json;

use crate::keys::Key;
use crate::util::{b64, canonical_json, hex, sha256};

/// How many leaves the minted tree has (the entry is one of them).
pub const TREE_SIZE: u64 = 7;

/// The RFC 6962 leaf hash.
pub fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut v = Vec::with_capacity(data.len() + 1);
    v.push(0);
    v.extend_from_slice(data);
    sha256(&v)
}

fn node_hash(l: &[u8; 32], r: &[u8; 32]) -> [u8; 32] {
    let mut v = [0u8; 65];
    v[0] = 1;
    v[1..33].copy_from_slice(l);
    v[33..].copy_from_slice(r);
    sha256(&v)
}

/// Largest power of two smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 6962 §2.1 Merkle tree hash of leaf hashes.
pub fn root(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => sha256(b""),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// RFC 6962 §2.1.1 audit path of leaf `m`, leaf to root.
pub fn inclusion_path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut p = inclusion_path(m, &leaves[..k]);
        p.push(root(&leaves[k..]));
        p
    } else {
        let mut p = inclusion_path(m - k, &leaves[k..]);
        p.push(root(&leaves[..k]));
        p
    }
}

/// A `dsse` 0.0.1 body for an envelope with one signature by `cert_pem`.
pub fn dsse_body(
    envelope_json: &[u8],
    payload: &[u8],
    signature: &[u8],
    cert_pem: &str,
) -> Vec<u8> {
    let v = json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": hex(&sha256(envelope_json))},
            "payloadHash": {"algorithm": "sha256", "value": hex(&sha256(payload))},
            "signatures": [{"signature": b64(signature), "verifier": b64(cert_pem.as_bytes())}],
        }
    });
    canonical_json(&v).into_bytes()
}

/// A `hashedrekord` 0.0.1 body: the SHA-256 of the artifact, the signature and `cert_pem`.
pub fn hashedrekord_body(artifact_sha256: &[u8], signature: &[u8], cert_pem: &str) -> Vec<u8> {
    let v = json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": hex(artifact_sha256)}},
            "signature": {"content": b64(signature), "publicKey": {"content": b64(cert_pem.as_bytes())}},
        }
    });
    canonical_json(&v).into_bytes()
}

/// The log: its key, name (checkpoint origin host) and tree ID.
#[derive(Debug, Clone)]
pub struct Log {
    /// The signing key; the log ID is SHA-256 of its SPKI.
    pub key: Key,
    /// Host name, e.g. `rekor.mint.verdict.test` (checkpoint origin and signer name).
    pub host: String,
    /// Tree ID in the checkpoint origin line (`<host> - <tree id>`).
    pub tree_id: u64,
}

/// What to include in a minted entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryOptions {
    /// The inclusion proof (with its checkpoint).
    pub inclusion_proof: bool,
    /// The checkpoint of the inclusion proof.
    pub checkpoint: bool,
    /// The signed entry timestamp.
    pub inclusion_promise: bool,
}

/// A bundle's `tlogEntries[]` element (protobuf-specs JSON names, int64 as strings).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TlogEntry {
    /// Global index.
    pub log_index: String,
    /// `{keyId}`.
    pub log_id: KeyId,
    /// `{kind, version}`.
    pub kind_version: KindVersion,
    /// Unix seconds.
    pub integrated_time: String,
    /// The SET.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inclusion_promise: Option<InclusionPromise>,
    /// The inclusion proof.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inclusion_proof: Option<InclusionProof>,
    /// The canonical body, base64.
    pub canonicalized_body: String,
}

/// `{keyId}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyId {
    /// Base64 log ID.
    pub key_id: String,
}

/// `{kind, version}`.
#[derive(Debug, Clone, Serialize)]
pub struct KindVersion {
    /// `dsse`, `hashedrekord`.
    pub kind: String,
    /// `0.0.1`.
    pub version: String,
}

/// `{signedEntryTimestamp}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionPromise {
    /// Base64 DER ECDSA signature.
    pub signed_entry_timestamp: String,
}

/// An inclusion proof with its checkpoint.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProof {
    /// Index of the leaf in the tree.
    pub log_index: String,
    /// Base64 root hash.
    pub root_hash: String,
    /// Tree size.
    pub tree_size: String,
    /// Base64 audit path.
    pub hashes: Vec<String>,
    /// `{envelope}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<Checkpoint>,
}

/// `{envelope}`: a signed note.
#[derive(Debug, Clone, Serialize)]
pub struct Checkpoint {
    /// The note text.
    pub envelope: String,
}

impl Log {
    /// The log ID (SHA-256 of the key's SPKI).
    pub fn log_id(&self) -> [u8; 32] {
        self.key.log_id()
    }

    /// A signed checkpoint note for a tree.
    pub fn checkpoint(&self, size: u64, root: &[u8; 32]) -> String {
        let body = format!("{} - {}\n{size}\n{}\n", self.host, self.tree_id, b64(root));
        let mut sig = self.log_id()[..4].to_vec();
        sig.extend_from_slice(&self.key.sign(body.as_bytes()));
        format!("{body}\n\u{2014} {} {}\n", self.host, b64(&sig))
    }

    /// Logs `body` at `integrated_time` in a fresh small tree (filler leaves derived from the
    /// body) and returns the bundle's entry.
    pub fn log(
        &self,
        kind: &str,
        body: &[u8],
        integrated_time: i64,
        opts: EntryOptions,
    ) -> TlogEntry {
        let body_hash = sha256(body);
        let index = u64::from(body_hash[0]) % TREE_SIZE;
        let leaves: Vec<[u8; 32]> = (0..TREE_SIZE)
            .map(|i| {
                if i == index {
                    leaf_hash(body)
                } else {
                    leaf_hash(format!("verdict-mint filler {} {i}", hex(&body_hash)).as_bytes())
                }
            })
            .collect();
        let idx = usize::try_from(index).expect("small");
        let root_hash = root(&leaves);
        let path = inclusion_path(idx, &leaves);
        let log_id = self.log_id();
        let set_payload = canonical_json(&json!({
            "body": b64(body),
            "integratedTime": integrated_time,
            "logID": hex(&log_id),
            "logIndex": index,
        }));
        TlogEntry {
            log_index: index.to_string(),
            log_id: KeyId {
                key_id: b64(&log_id),
            },
            kind_version: KindVersion {
                kind: kind.to_string(),
                version: "0.0.1".to_string(),
            },
            integrated_time: integrated_time.to_string(),
            inclusion_promise: opts.inclusion_promise.then(|| InclusionPromise {
                signed_entry_timestamp: b64(&self.key.sign(set_payload.as_bytes())),
            }),
            inclusion_proof: opts.inclusion_proof.then(|| InclusionProof {
                log_index: index.to_string(),
                root_hash: b64(&root_hash),
                tree_size: TREE_SIZE.to_string(),
                hashes: path.iter().map(|h| b64(h)).collect(),
                checkpoint: opts.checkpoint.then(|| Checkpoint {
                    envelope: self.checkpoint(TREE_SIZE, &root_hash),
                }),
            }),
            canonicalized_body: b64(body),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Recomputes the root from a path (RFC 9162 §2.1.3.2).
    fn root_from_path(mut index: u64, size: u64, leaf: [u8; 32], path: &[[u8; 32]]) -> [u8; 32] {
        let mut last = size - 1;
        let mut h = leaf;
        for p in path {
            if index % 2 == 1 || index == last {
                h = node_hash(p, &h);
                while index.is_multiple_of(2) && index != 0 {
                    index >>= 1;
                    last >>= 1;
                }
            } else {
                h = node_hash(&h, p);
            }
            index >>= 1;
            last >>= 1;
        }
        h
    }

    #[test]
    fn every_path_leads_to_the_root() {
        for n in 1..=9usize {
            let leaves: Vec<[u8; 32]> = (0..n).map(|i| leaf_hash(&[i as u8])).collect();
            let r = root(&leaves);
            for m in 0..n {
                let p = inclusion_path(m, &leaves);
                assert_eq!(
                    root_from_path(m as u64, n as u64, leaves[m], &p),
                    r,
                    "n={n} m={m}"
                );
            }
        }
    }
}
