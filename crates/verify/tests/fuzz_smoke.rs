//! Smoke run of the fuzz targets (`fuzz/`) on the stable toolchain: each entry point of
//! `verdict_verify::fuzzing` gets its seed corpus (real bundles, roots, certificates, checkpoints
//! and RFC 3161 tokens from the vectors), then deterministic mutants of every seed (bit flips,
//! truncations, byte insertions, splices). Passing means nothing panicked.

mod support;

use base64::Engine as _;
use serde_json::Value;
use verdict_verify::{TrustMaterial, fuzzing};

/// xorshift64*: deterministic, seedable, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut d = seed.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(5) {
            0 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] ^= 1 << rng.below(8);
            }
            1 => d.truncate(rng.below(d.len() + 1)),
            2 => {
                let i = rng.below(d.len() + 1);
                d.insert(i, rng.next() as u8);
            }
            3 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] = [0x00, 0xff, 0x80, 0x30, b'"', b'{', b'\n'][rng.below(7)];
            }
            _ if d.len() > 2 => {
                // Splice: duplicate a slice.
                let a = rng.below(d.len());
                let b = (a + rng.below(64)).min(d.len());
                let piece = d[a..b].to_vec();
                let at = rng.below(d.len());
                d.splice(at..at, piece);
            }
            _ => {}
        }
    }
    d
}

struct Seeds {
    bundles: Vec<Vec<u8>>,
    roots: Vec<Vec<u8>>,
    certs: Vec<Vec<u8>>,
    checkpoints: Vec<Vec<u8>>,
    tokens: Vec<Vec<u8>>,
}

fn seeds() -> Seeds {
    let b64 = |s: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(s.replace('\n', ""))
            .unwrap()
    };
    let mut s = Seeds {
        bundles: vec![],
        roots: vec![],
        certs: vec![],
        checkpoints: vec![],
        tokens: vec![],
    };
    for dir in support::conformance_dirs() {
        let bundle = std::fs::read(dir.join("bundle.sigstore.json")).unwrap();
        if let Ok(v) = serde_json::from_slice::<Value>(&bundle) {
            let vm = &v["verificationMaterial"];
            for c in [
                &vm["certificate"]["rawBytes"],
                &vm["x509CertificateChain"]["certificates"][0]["rawBytes"],
            ] {
                if let Some(c) = c.as_str() {
                    s.certs.push(b64(c));
                }
            }
            for e in vm["tlogEntries"].as_array().into_iter().flatten() {
                if let Some(cp) = e["inclusionProof"]["checkpoint"]["envelope"].as_str() {
                    s.checkpoints.push(cp.as_bytes().to_vec());
                }
            }
            for t in vm["timestampVerificationData"]["rfc3161Timestamps"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if let Some(t) = t["signedTimestamp"].as_str() {
                    s.tokens.push(b64(t));
                }
            }
        }
        s.bundles.push(bundle);
        if let Ok(root) = std::fs::read(dir.join("trusted_root.json")) {
            s.roots.push(root);
        }
    }
    s.roots
        .push(verdict_verify::PUBLIC_GOOD_TRUSTED_ROOT.to_vec());
    s.roots.push(verdict_verify::GITHUB_TRUSTED_ROOT.to_vec());
    s.roots.dedup();
    s
}

fn smoke(name: &str, seeds: &[Vec<u8>], per_seed: usize, f: impl Fn(&[u8])) {
    assert!(!seeds.is_empty(), "{name}: no seeds");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ name.len() as u64);
    f(&[]);
    for seed in seeds {
        f(seed);
        for _ in 0..per_seed {
            f(&mutate(seed, &mut rng));
        }
    }
}

#[test]
fn fuzz_targets_survive_their_seeds_and_mutants() {
    let s = seeds();
    let trust = TrustMaterial::public_good();
    smoke("bundle_json", &s.bundles, 8, |d| {
        fuzzing::bundle_json(&trust, d)
    });
    smoke("trusted_root", &s.roots, 20, fuzzing::trusted_root);
    smoke("der_chain", &s.certs, 20, |d| fuzzing::der_chain(&trust, d));
    smoke("checkpoint", &s.checkpoints, 20, |d| {
        fuzzing::checkpoint(&trust, d)
    });
    smoke("rfc3161", &s.tokens, 40, |d| fuzzing::rfc3161(&trust, d));
}
