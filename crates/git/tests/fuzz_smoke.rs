//! Mutation smoke test: every object and key file, mutated a few hundred ways, goes through the
//! object parser, the Buildx mapping and the verifier without a panic.

use std::path::Path;

use verdict_git::{buildx, ssh, verify_signature};

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
                d.insert(i, b"\n <>-+0 "[rng.below(8)]);
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

fn files(dir: &Path) -> Vec<Vec<u8>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.extension().is_some_and(|e| e == "json" || e == "oid"))
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn smoke() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let objects = files(&root.join("objects"));
    let keys = files(&root.join("keys"));
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    for (i, object) in objects.iter().enumerate() {
        for j in 0..200 {
            let m = mutate(&mut rng, object);
            let _ = buildx::commit_input(&m);
            let _ = buildx::tag_input(&m);
            let _ = verify_signature(&m, &keys[(i + j) % keys.len()]);
        }
    }
    for (i, key) in keys.iter().enumerate() {
        for _ in 0..200 {
            let m = mutate(&mut rng, key);
            let _ = ssh::parse_authorized_key(&m);
            let _ = verify_signature(&objects[i % objects.len()], &m);
        }
    }
}
