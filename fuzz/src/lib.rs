//! The bodies of the fuzz targets of `fuzz_targets/` beyond `verdict_verify::fuzzing`: each takes
//! arbitrary bytes and must return — never panic, never abort — whatever they are.
//!
//! Structured targets read their input as parts separated by [`SEP`] (`\n#%#\n`), so a seed is a
//! readable file (`fuzz/seeds.sh` writes them from the repository's test data) and libFuzzer's
//! dictionary (`fuzz/dict/*.dict`) can add and move parts. Where the code under test first checks
//! a digest (OCI blobs, git object ids), the target computes the digest of the fuzzed content, so
//! the fuzzer reaches the code behind the check instead of stopping at it.

use std::sync::OnceLock;

use verdict_verify::TrustMaterial;

/// The part separator of structured inputs.
pub const SEP: &[u8] = b"\n#%#\n";

/// Splits `data` at every [`SEP`].
pub fn parts(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(SEP.len()).position(|w| w == SEP) {
        out.push(&rest[..i]);
        rest = &rest[i + SEP.len()..];
    }
    out.push(rest);
    out
}

/// The embedded public-good trusted root, prepared once.
pub fn trust() -> &'static TrustMaterial {
    static TRUST: OnceLock<TrustMaterial> = OnceLock::new();
    TRUST.get_or_init(TrustMaterial::public_good)
}

fn text(bytes: &[u8]) -> &str {
    core::str::from_utf8(bytes).unwrap_or("")
}

/// The fixed keys git signatures are checked with (testdata of `verdict-git`).
const GIT_KEYS: &[&[u8]] = &[
    include_bytes!("../../crates/git/testdata/keys/ssh-ed25519.pub"),
    include_bytes!("../../crates/git/testdata/keys/ssh-ecdsa.pub"),
    include_bytes!("../../crates/git/testdata/keys/ssh-rsa.pub"),
    include_bytes!("../../crates/git/testdata/keys/pgp-keyring-all.asc"),
];

/// A raw git commit or tag: parsed, mapped to Buildx's `input.git.commit` / `.tag` fields, and
/// its signature verified with each fixed key (with and without a clock).
pub fn git_object(data: &[u8]) {
    if let Ok(obj) = verdict_git::GitObject::parse(data) {
        let _ = obj.commit();
        let _ = obj.tag();
        let _ = obj.headers("parent").count();
        let _ = (obj.message(), obj.signed_data(), obj.is_signed());
        if let Some(c) = obj.commit() {
            for when in [c.author.when, c.committer.when].into_iter().flatten() {
                let _ = when.to_rfc3339();
            }
        }
        if let Some(when) = obj.tag().and_then(|t| t.tagger.when) {
            let _ = when.to_rfc3339();
        }
        let _ = verdict_git::EmbeddedSignature::parse(obj.signature());
        for key in GIT_KEYS {
            let _ = verdict_git::verify_object(&obj, key, None);
        }
        let _ = verdict_git::verify_object(&obj, GIT_KEYS[0], Some(1_700_000_000));
    }
    let _ = verdict_git::buildx::commit_input(data);
    let _ = verdict_git::buildx::tag_input(data);
    for format in [
        verdict_git::ObjectFormat::Sha1,
        verdict_git::ObjectFormat::Sha256,
    ] {
        let _ = verdict_git::object_id(verdict_git::ObjectKind::Commit, data, format);
    }
}

/// OpenPGP: `keyring ‖ SEP ‖ signature ‖ SEP ‖ content`. Every part is also parsed as each
/// kind of thing, and the signature verified over the content (raw, prehashed as Buildx does,
/// and as canonical text).
pub fn openpgp(data: &[u8]) {
    let p = parts(data);
    let keyring_bytes = p[0];
    let sig_bytes = p.get(1).copied().unwrap_or(keyring_bytes);
    let content = p.get(2).copied().unwrap_or_default();
    for part in &p {
        let _ = verdict_openpgp::armor::decode_all(part);
        if let Ok(block) = verdict_openpgp::armor::decode_first(part) {
            let _ = block.check_crc();
        }
    }
    let keyring = verdict_openpgp::Keyring::parse(keyring_bytes);
    if let Ok(k) = &keyring {
        for cert in k.certificates() {
            let _ = (cert.primary().fingerprint(), cert.primary().key_id());
            let _ = (cert.primary().rsa_bits(), cert.is_revoked());
            let _ = (cert.user_ids().len(), cert.primary_lifetime());
            for sub in cert.subkeys() {
                let _ = (sub.key().fingerprint(), sub.lifetime());
            }
        }
    }
    let Ok(sig) = verdict_openpgp::Signature::parse(sig_bytes) else {
        return;
    };
    let _ = (
        sig.issuer_key_id(),
        sig.issuer_fingerprint(),
        sig.hash_prefix(),
    );
    let _ = (sig.creation_time(), sig.hashed_trailer());
    let _ = verdict_openpgp::canonical_text(content);
    if let Ok(k) = &keyring {
        let _ = verdict_openpgp::verify(k, &sig, content);
        let _ = verdict_openpgp::verify(k, &sig, &verdict_openpgp::canonical_text(content));
        if let Some(len) = sig.hash_algorithm().digest_len() {
            let digest: Vec<u8> = content.iter().copied().cycle().take(len).collect();
            let _ = verdict_openpgp::verify_prehashed(k, &sig, &digest);
        }
    }
}

/// SSH: `signature ‖ SEP ‖ key file ‖ SEP ‖ message`: the armored signature (or its blob),
/// the authorized-keys file, and the signature verified with each key over the message.
pub fn ssh(data: &[u8]) {
    use verdict_git::ssh::{SshSignature, parse_authorized_keys};
    let p = parts(data);
    let message = p.get(2).copied().unwrap_or_default();
    let mut keys = parse_authorized_keys(p.get(1).copied().unwrap_or_default());
    keys.extend(parse_authorized_keys(GIT_KEYS[0]));
    for key in &keys {
        let _ = (key.key_type(), key.fingerprint_sha256());
        let _ = verdict_git::ssh::SshPublicKey::from_blob(key.blob());
    }
    let _ = verdict_git::ssh::SshPublicKey::from_blob(p[0]);
    for sig in [
        SshSignature::parse_armored(p[0]),
        SshSignature::parse_blob(p[0]),
    ]
    .into_iter()
    .flatten()
    {
        let _ = (sig.version(), sig.namespace(), sig.hash_algorithm());
        let _ = sig.public_key().fingerprint_sha256();
        let _ = sig.verify(message, sig.public_key());
        for key in &keys {
            let _ = sig.verify(message, key);
        }
    }
}

/// A source identifier (and a platform) through every parser of `verdict-input`:
/// `source ‖ SEP ‖ platform`.
pub fn source(data: &[u8]) {
    use verdict_input::{Platform, git_url, http_url, purl, reference::Reference};
    let p = parts(data);
    let s = text(p[0]);
    let platform_text = text(p.get(1).copied().unwrap_or(b"linux/amd64"));
    let platform = Platform::parse(platform_text).ok();
    let _ = Platform::parse_unnormalized(platform_text).map(|pl| pl.normalize().format());
    let _ = Platform::parse(s);
    if let Ok(parsed) = verdict_input::source::parse(s) {
        let default = Platform::parse("linux/amd64").expect("the default platform parses");
        let _ = parsed.input(platform.as_ref().unwrap_or(&default));
    }
    if let Ok(r) = Reference::parse_normalized(s) {
        let _ = (r.name(), r.familiar_name(), r.to_string());
        let r = r.tag_name_only();
        let _ = r
            .with_digest("sha256:0000000000000000000000000000000000000000000000000000000000000000");
    }
    let _ = Reference::parse(s);
    let _ = git_url::detect_git_context(s);
    let _ = git_url::parse_git_ref(s);
    let _ = git_url::GitUrl::parse(s);
    let _ = git_url::GitSource::from_build_context(s);
    let _ = git_url::GitSource::from_identifier(s, None);
    let _ = git_url::GitSource::from_identifier(s, Some(s));
    let _ = http_url::HttpSource::parse(s);
    if let Ok(u) = http_url::Url::parse(s) {
        let _ = (
            u.query(),
            u.escaped_path(),
            u.escaped_fragment(),
            u.to_go_string(),
        );
    }
    let _ = http_url::path_unescape(s);
    let _ = http_url::parse_query(s);
    let _ = http_url::path_clean(s);
    let _ = purl::PackageUrl::parse(s);
    let _ = purl::purl_to_ref(s);
    let mut digest = std::collections::BTreeMap::new();
    digest.insert(
        "sha256".to_owned(),
        text(p.get(2).copied().unwrap_or_default()).to_owned(),
    );
    let _ = purl::material_source(s, &digest);
}

/// The trusted root of the minted evidence (`tests/minted/*/trusted_root.json`, one root for all
/// scenarios), so that seeds made from it verify and the fuzzer starts from the verified path.
pub fn minted_trust() -> &'static TrustMaterial {
    static TRUST: OnceLock<TrustMaterial> = OnceLock::new();
    TRUST.get_or_init(|| {
        TrustMaterial::from_json(include_bytes!(
            "../../tests/minted/docker-github-builder/trusted_root.json"
        ))
        .expect("the minted trusted root parses")
    })
}

/// The evidence store and the whole input build (`verdict_input::build`) with the minted root: `source ‖ SEP ‖ platform ‖ SEP ‖ index.json ‖ SEP ‖ git refs ‖ SEP ‖ evidence…`.
/// Each evidence part is a git object when it starts with `tree ` / `object ` (named by its
/// SHA-1 id, and by its SHA-256 id when it starts with a `#` line), `att:DIGEST` (an asserted
/// attestation manifest), `bundle:` + a Sigstore bundle, `http:` + HTTP content, `sum:` + an
/// asserted HTTP checksum, else an OCI blob named by its SHA-256 digest.
pub fn input_build(data: &[u8]) {
    use verdict_git::{ObjectFormat, ObjectKind, object_id};
    let p = parts(data);
    if p.len() < 4 {
        return;
    }
    let source = text(p[0]);
    let platform = (!p[1].is_empty()).then(|| text(p[1]));
    let mut evidence = verdict_input::Evidence {
        oci_index: (!p[2].is_empty()).then(|| p[2].to_vec()),
        ..Default::default()
    };
    evidence.git.refs = (!p[3].is_empty()).then(|| text(p[3]).to_owned());
    for part in &p[4..] {
        if let Some(rest) = part.strip_prefix(b"att:") {
            evidence.attestation_manifest = Some(text(rest).to_owned());
        } else if let Some(rest) = part.strip_prefix(b"bundle:") {
            evidence.signature_bundles.push(rest.to_vec());
        } else if let Some(rest) = part.strip_prefix(b"http:") {
            evidence.http_content = Some(rest.to_vec());
        } else if let Some(rest) = part.strip_prefix(b"sum:") {
            evidence.http_checksum = Some(text(rest).to_owned());
        } else if let Some(rest) = part.strip_prefix(b"#sha256\n") {
            let kind = if rest.starts_with(b"object ") {
                ObjectKind::Tag
            } else {
                ObjectKind::Commit
            };
            let id = object_id(kind, rest, ObjectFormat::Sha256);
            evidence.git.objects.push((id, rest.to_vec()));
        } else if part.starts_with(b"tree ") || part.starts_with(b"object ") {
            let kind = if part.starts_with(b"object ") {
                ObjectKind::Tag
            } else {
                ObjectKind::Commit
            };
            let id = object_id(kind, part, ObjectFormat::Sha1);
            evidence.git.objects.push((id, part.to_vec()));
        } else {
            let name = verdict_input::oci::sha256_digest(part);
            evidence.blobs.push((name, part.to_vec()));
        }
    }
    let mut env = verdict_input::Env {
        filename: "Dockerfile".into(),
        ..Default::default()
    };
    env.args.insert("A".into(), "1".into());
    let request = verdict_input::Request {
        source: Some(source),
        platform,
        env: &env,
        evidence: &evidence,
        trust: minted_trust(),
    };
    if let Ok(built) = verdict_input::build(&request) {
        // The document must serialise (the policy engine gets it as JSON).
        serde_json::to_string(&built.input).expect("the built input serialises");
    }
}

/// The pinned evaluation time of [`rego`].
const NOW_NS: i64 = 1_700_000_000_000_000_000;

/// Whether a policy text asks for work no limit here would stop natively: a number literal of
/// more than 4 digits or with an exponent (`numbers.range(0, 1e12)`, `sprintf("%1000000000d")`).
/// The component runs with fuel and a memory cap that turn those into `resource-exhausted`;
/// natively there is neither, so they are kept out rather than reported as hangs and OOMs.
fn unbounded(policy: &str) -> bool {
    let b = policy.as_bytes();
    let mut run = 0;
    for (i, &c) in b.iter().enumerate() {
        if c.is_ascii_digit() {
            run += 1;
            if run > 4 {
                return true;
            }
            if matches!(b.get(i + 1), Some(b'e' | b'E')) {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// Rego evaluation through `verdict_core`: `policy ‖ SEP ‖ input JSON ‖ SEP ‖ more modules…`.
/// The verdict must be deterministic (same hash twice) and its record must be the JSON its hash
/// is over.
pub fn rego(data: &[u8]) {
    use verdict_core::{Engine, EngineOptions, Module, Options};
    let p = parts(data);
    let Ok(policy) = core::str::from_utf8(p[0]) else {
        return;
    };
    if unbounded(policy) {
        return;
    }
    let input = text(p.get(1).copied().unwrap_or(b"{}"));
    let mut modules = vec![Module {
        path: "policy.rego".into(),
        source: policy.to_owned(),
    }];
    for (i, extra) in p.iter().enumerate().skip(2) {
        let Ok(src) = core::str::from_utf8(extra) else {
            return;
        };
        if unbounded(src) {
            return;
        }
        modules.push(Module {
            path: format!("m{i}.rego"),
            source: src.to_owned(),
        });
    }
    let options = Options::at(NOW_NS);
    let engine = Engine::new(vec![modules], &EngineOptions::default());
    let once = engine.evaluate(input, &options);
    let record: serde_json::Value =
        serde_json::from_str(&once.canonical_json).expect("the verdict record is JSON");
    // The OPA rewrites (templates, negation, operators) always produce a module regorus
    // parses: an `internal` error would be a rewrite that broke a policy.
    assert_ne!(
        record["error"]["code"], "internal",
        "internal error: {}",
        record["error"]["message"]
    );
    assert_eq!(
        once.hash,
        verdict_core::sha256(once.canonical_json.as_bytes()),
        "the verdict hash is the record's"
    );
    // The same engine at another time, then at this one again: the time is per call.
    let _ = engine.evaluate(input, &Options::at(NOW_NS + 1));
    let again = engine.evaluate(input, &options);
    assert_eq!(once.hash, again.hash, "evaluation is deterministic");
}
