//! Table-driven detached-signature vectors: `testdata/cases.toml`, one trial per case, each run
//! through [`verify`] and (for cases that get as far as hashing) [`verify_prehashed`].

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;
use sha2::Digest as _;
use verdict_openpgp::{
    HashAlgorithm, Keyring, Signature, canonical_text, verify, verify_prehashed,
};

#[derive(Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize, Clone)]
struct Case {
    name: String,
    keyring: String,
    signature: String,
    content: String,
    expect: String,
    #[serde(default)]
    by_subkey: bool,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("failed to read {name}: {e}"))
}

fn outcome(case: &Case, prehashed: bool) -> Result<bool, String> {
    let keyring = Keyring::parse(&read(&case.keyring)).map_err(|e| e.code().as_str().to_owned())?;
    let sig = Signature::parse(&read(&case.signature)).map_err(|e| e.code().as_str().to_owned())?;
    let content = read(&case.content);
    let r = if prehashed {
        let mut data = if sig.signature_type() == 1 {
            canonical_text(&content)
        } else {
            content
        };
        data.extend_from_slice(&sig.hashed_trailer());
        let digest = match sig.hash_algorithm() {
            HashAlgorithm::Sha256 => sha2::Sha256::digest(&data).to_vec(),
            HashAlgorithm::Sha384 => sha2::Sha384::digest(&data).to_vec(),
            HashAlgorithm::Sha512 => sha2::Sha512::digest(&data).to_vec(),
            _ => sha1::Sha1::digest(&data).to_vec(),
        };
        verify_prehashed(&keyring, &sig, &digest)
    } else {
        verify(&keyring, &sig, &read(&case.content))
    };
    let by = r.map_err(|e| e.code().as_str().to_owned())?;
    if Some(by.key_id) != sig.issuer_key_id() {
        return Err("verified by a key other than the issuer".into());
    }
    Ok(by.by_subkey)
}

fn run(case: &Case) -> Result<(), Failed> {
    for prehashed in [false, true] {
        let got = outcome(case, prehashed);
        let ok = match &got {
            Ok(by_subkey) => case.expect == "ok" && *by_subkey == case.by_subkey,
            Err(code) => *code == case.expect,
        };
        if !ok {
            return Err(format!(
                "{} (prehashed: {prehashed}): expected {}, got {got:?}",
                case.name, case.expect
            )
            .into());
        }
    }
    Ok(())
}

fn fingerprints() -> Result<(), Failed> {
    let keyring = Keyring::parse(&read("keyring-all.asc")).map_err(|e| e.to_string())?;
    let ours: Vec<String> = keyring
        .certificates()
        .iter()
        .flat_map(|c| {
            std::iter::once(c.primary().fingerprint())
                .chain(c.subkeys().iter().map(|s| s.key().fingerprint()))
        })
        .map(|fp| fp.iter().map(|b| format!("{b:02x}")).collect())
        .collect();
    let gpg: Vec<String> = String::from_utf8(read("fingerprints.txt"))
        .map_err(|e| e.to_string())?
        .lines()
        .map(str::to_owned)
        .collect();
    if ours != gpg {
        return Err(format!("fingerprints differ from gpg's:\n{ours:#?}\n{gpg:#?}").into());
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let cases: Cases =
        toml::from_str(&String::from_utf8(read("cases.toml")).unwrap()).expect("cases.toml parses");
    let mut trials: Vec<Trial> = cases
        .case
        .into_iter()
        .map(|c| Trial::test(c.name.clone(), move || run(&c)))
        .collect();
    trials.push(Trial::test("fingerprints-match-gpg", fingerprints));
    libtest_mimic::run(&args, trials).exit();
}
