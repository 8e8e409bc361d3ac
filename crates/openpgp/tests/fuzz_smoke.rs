//! Mutation smoke test: every vector, mutated a few hundred ways (bit flips, truncations,
//! insertions), goes through every parser and verifier without a panic.

use std::path::Path;

use verdict_openpgp::{Keyring, Signature, verify, verify_prehashed};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut XorShift, data: &[u8]) -> Vec<u8> {
    let mut d = data.to_vec();
    for _ in 0..=rng.below(3) {
        match rng.below(4) {
            0 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] ^= 1 << rng.below(8);
            }
            1 => d.truncate(rng.below(d.len() + 1)),
            2 => {
                let i = rng.below(d.len() + 1);
                d.insert(i, rng.next() as u8);
            }
            _ if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] = rng.next() as u8;
            }
            _ => {}
        }
    }
    d
}

#[test]
fn smoke() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let content = std::fs::read(dir.join("content.txt")).unwrap();
    let good_keys = Keyring::parse(&std::fs::read(dir.join("keyring-all.asc")).unwrap()).unwrap();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "asc" || e == "sig" || e == "gpg")
        })
        .collect();
    files.sort();
    for f in files {
        let data = std::fs::read(&f).unwrap();
        // Mutations of the binary form exercise the packet parsers past the armor.
        let binary = verdict_openpgp::armor::decode_all(&data)
            .map(|mut b| b.remove(0).data)
            .unwrap_or_else(|_| data.clone());
        for i in 0..300 {
            let m = mutate(&mut rng, if i % 2 == 0 { &binary } else { &data });
            if let Ok(sig) = Signature::parse(&m) {
                let _ = verify(&good_keys, &sig, &content);
                let _ = verify_prehashed(&good_keys, &sig, &[0; 32]);
                let _ = sig.hashed_trailer();
            }
            if let Ok(keys) = Keyring::parse(&m) {
                for name in [
                    "sig-rsa-sha256.asc",
                    "sig-subkey-sha256.asc",
                    "sig-p521-sha512.asc",
                ] {
                    let sig = Signature::parse(&std::fs::read(dir.join(name)).unwrap()).unwrap();
                    let _ = verify(&keys, &sig, &content);
                }
            }
        }
    }
}
