//! RFC 6962 / RFC 9162 Merkle tree proofs (checklist items 30–32).
//!
//! RFC 9162 §2.1.3.2 "Verifying an Inclusion Proof" and §2.1.4.2 "Verifying Consistency between
//! Two Tree Heads", with RFC 6962 hashing: leaf = SHA-256(0x00 ‖ data), node = SHA-256(0x01 ‖
//! left ‖ right).

use sha2::{Digest, Sha256};

/// A 32-byte SHA-256 hash.
pub type Hash = [u8; 32];

/// Why a proof failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProofError {
    /// The index is not below the tree size (or sizes are out of order).
    IndexOutOfRange,
    /// The proof has the wrong number of hashes, or a hash is not 32 bytes.
    WrongLength,
    /// The proof leads to a different root.
    RootMismatch,
}

impl core::fmt::Display for ProofError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ProofError::IndexOutOfRange => "index not within the tree",
            ProofError::WrongLength => "wrong number or size of proof hashes",
            ProofError::RootMismatch => "the proof does not lead to the root hash",
        })
    }
}

/// The RFC 6962 leaf hash of `data`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The RFC 6962 interior node hash.
pub fn node_hash(left: &[u8], right: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

fn to_hashes(proof: &[Vec<u8>]) -> Result<Vec<Hash>, ProofError> {
    proof
        .iter()
        .map(|p| <Hash>::try_from(p.as_slice()).map_err(|_| ProofError::WrongLength))
        .collect()
}

/// The root an inclusion proof leads to (RFC 9162 §2.1.3.2).
pub fn root_from_inclusion_proof(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Vec<u8>],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange);
    }
    let proof = to_hashes(proof)?;
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in &proof {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    Ok(r)
}

/// Verifies that `leaf` is at `index` in the tree of `size` leaves with root `root`.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Vec<u8>],
    root: &[u8],
) -> Result<(), ProofError> {
    let got = root_from_inclusion_proof(index, size, leaf, proof)?;
    if got.as_slice() == root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// Verifies a consistency proof between a tree of `size1` leaves (root `root1`) and one of
/// `size2` leaves (root `root2`) (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Vec<u8>],
    root1: &[u8],
    root2: &[u8],
) -> Result<(), ProofError> {
    if size2 < size1 {
        return Err(ProofError::IndexOutOfRange);
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if root1 == root2 {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    if size1 == 0 {
        // Nothing is proven about an empty tree (transparency-dev/merkle rejects it).
        return Err(ProofError::IndexOutOfRange);
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    let mut path = to_hashes(proof)?;
    // Step 1: if size1 is an exact power of 2, prepend root1.
    if size1.is_power_of_two() {
        path.insert(
            0,
            <Hash>::try_from(root1).map_err(|_| ProofError::WrongLength)?,
        );
    }
    let (mut fn_, mut sn) = (size1 - 1, size2 - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let mut fr = path[0];
    let mut sr = path[0];
    for c in &path[1..] {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr.as_slice() != root1 || sr.as_slice() != root2 {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree_root(leaves: &[Hash]) -> Hash {
        if leaves.len() == 1 {
            return leaves[0];
        }
        let k = (leaves.len() as u64).next_power_of_two() as usize / 2;
        let k = if k == leaves.len() { k / 2 } else { k };
        node_hash(&tree_root(&leaves[..k]), &tree_root(&leaves[k..]))
    }

    fn path(m: usize, leaves: &[Hash]) -> Vec<Vec<u8>> {
        if leaves.len() == 1 {
            return vec![];
        }
        let k = (leaves.len() as u64).next_power_of_two() as usize / 2;
        let k = if k == leaves.len() { k / 2 } else { k };
        if m < k {
            let mut p = path(m, &leaves[..k]);
            p.push(tree_root(&leaves[k..]).to_vec());
            p
        } else {
            let mut p = path(m - k, &leaves[k..]);
            p.push(tree_root(&leaves[..k]).to_vec());
            p
        }
    }

    #[test]
    fn every_leaf_of_small_trees_verifies_and_mutants_do_not() {
        for n in 1..=20usize {
            let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&[i as u8])).collect();
            let root = tree_root(&leaves);
            for (m, leaf) in leaves.iter().enumerate() {
                let p = path(m, &leaves);
                assert_eq!(
                    verify_inclusion(m as u64, n as u64, leaf, &p, &root),
                    Ok(()),
                    "n={n} m={m}"
                );
                // (The same proof can verify at a larger size when the right subtree is
                // incomplete: the tree size is bound by the signed checkpoint, not the proof.)
                assert!(
                    verify_inclusion(m as u64, n as u64, leaf, &p, &leaf_hash(b"other")).is_err()
                );
                assert!(
                    verify_inclusion(m as u64 ^ 1, n as u64, leaf, &p, &root).is_err() || n == 1
                );
                for i in 0..p.len() {
                    let mut bad = p.clone();
                    bad[i][0] ^= 1;
                    assert!(verify_inclusion(m as u64, n as u64, leaf, &bad, &root).is_err());
                }
            }
        }
    }
}
