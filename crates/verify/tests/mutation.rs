//! Mutation test: every valid vector (the passing conformance cases, the passing MANIFEST rows,
//! the docker/github-builder signatures) is mutated systematically — each signature, certificate,
//! key ID, proof hash, root hash, tree size, checkpoint line and signature, SET, every value of
//! the logged body, each index and time, the DSSE payload and type, the message digest, the
//! signed part of each RFC 3161 timestamp, and the artifact itself — and **no mutant may verify**.
//!
//! A mutant is rejected when verification fails with any error; the test reports every accepted
//! mutant. Fields that are unauthenticated metadata by design (DSSE `keyid`, `publicKey.hint`,
//! `mediaType` between equivalent spellings) are not mutated; see `UNAUTHENTICATED`.

mod support;

use base64::Engine as _;
use serde_json::Value;
use support::{Case, Input};
use verdict_verify::TrustMaterial;

/// Fields deliberately left alone: they carry no security meaning and no check covers them.
const UNAUTHENTICATED: &[(&str, &str)] = &[
    (
        "keyid",
        "DSSE signature key IDs are unauthenticated hints (DSSE envelope.md)",
    ),
    (
        "hint",
        "publicKey.hint is an opaque lookup hint (bundle.proto)",
    ),
    (
        "mediaType",
        "the bundle media type is unsigned; only the four accepted spellings parse",
    ),
];
// Also not mutated, by design:
// - certificates after the leaf in `x509CertificateChain`: untrusted chain-building hints that
//   the verifier ignores (the path is built from the trusted root only; checklist item 6);
// - checkpoint signature lines of other signers (witness cosignatures): "verifiers MUST ignore
//   signatures from unknown keys" (C2SP signed-note).
// A mutant that verifies while reporting the mutated item as ignored (a redundant RFC 3161
// timestamp or tlog entry that no longer verifies, under threshold semantics) is rejected
// evidence, not an accepted mutant.

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    if !b.is_empty() {
        let i = at.min(b.len() - 1);
        b[i] ^= 0x01;
    }
    b
}

/// Positions to flip in a byte string of length `n`: ends, middle, and every eighth.
fn positions(n: usize, dense: bool) -> Vec<usize> {
    if n == 0 {
        return vec![];
    }
    let mut p = vec![0, n / 2, n - 1];
    if dense {
        p.extend((1..8).map(|k| n * k / 8));
    }
    p.sort_unstable();
    p.dedup();
    p
}

/// The byte range of the TSTInfo inside an RFC 3161 token (after the id-ct-TSTInfo OID).
fn tst_info_range(der: &[u8]) -> Option<(usize, usize)> {
    let oid = [
        0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
    ];
    let at = der.windows(oid.len()).position(|w| w == oid)? + oid.len();
    // [0] EXPLICIT { OCTET STRING { TSTInfo } }: skip two headers (short or long form).
    let skip = |i: usize| -> Option<usize> {
        let len = *der.get(i + 1)?;
        Some(if len & 0x80 == 0 {
            i + 2
        } else {
            i + 2 + usize::from(len & 0x7f)
        })
    };
    let start = skip(skip(at)?)?;
    Some((start, der.len().min(start + 64)))
}

/// The label under which the verifier reports an ignored timestamp or tlog entry
/// (`rfc3161Timestamps[i]`, `tlogEntries[i]`) for a mutation path.
fn evidence_label(what: &str) -> Option<String> {
    for list in ["rfc3161Timestamps", "tlogEntries"] {
        if let Some(rest) = what.split(&format!("/{list}/")).nth(1) {
            return Some(format!("{list}[{}]", rest.split('/').next()?));
        }
    }
    None
}

struct Mutant {
    what: String,
    bundle: Vec<u8>,
}

fn mutate(v: &Value, path: &str, out: &mut Vec<(String, Value)>, root: &Value) {
    let set = |out: &mut Vec<(String, Value)>, what: String, new: Value| {
        let mut m = root.clone();
        *m.pointer_mut(path).unwrap() = new;
        out.push((what, m));
    };
    let key = path.rsplit('/').next().unwrap_or("");
    let parent_key = path.rsplit('/').nth(1).unwrap_or("");
    if UNAUTHENTICATED.iter().any(|(k, _)| *k == key) {
        return;
    }
    if parent_key == "certificates" && key != "0" && path.contains("x509CertificateChain") {
        return;
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                mutate(child, &format!("{path}/{k}"), out, root);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                mutate(child, &format!("{path}/{i}"), out, root);
            }
        }
        Value::String(s) if key == "envelope" => {
            // Checkpoint: size line, root line, each signature line's bytes.
            let lines: Vec<&str> = s.split('\n').collect();
            if lines.len() > 2 {
                let mut l = lines.clone();
                let bigger = l[1]
                    .parse::<u64>()
                    .map(|n| (n + 1).to_string())
                    .unwrap_or_default();
                l[1] = &bigger;
                set(
                    out,
                    format!("{path} tree size +1"),
                    Value::String(l.join("\n")),
                );
                let root_line = B64
                    .decode(lines[2])
                    .map(|r| B64.encode(flip(&r, 0)))
                    .unwrap_or_default();
                let mut l = lines.clone();
                l[2] = &root_line;
                set(
                    out,
                    format!("{path} root hash"),
                    Value::String(l.join("\n")),
                );
            }
            // The log's own line: its key hint is the first four bytes of the entry's log ID.
            let entry = path.split("/inclusionProof").next().unwrap();
            let hint = root
                .pointer(&format!("{entry}/logId/keyId"))
                .and_then(Value::as_str)
                .and_then(|k| B64.decode(k).ok())
                .map(|k| k[..4].to_vec())
                .unwrap_or_default();
            for (i, line) in lines.iter().enumerate() {
                let Some((head, sig)) = line
                    .strip_prefix("\u{2014} ")
                    .and_then(|r| r.rsplit_once(' '))
                else {
                    continue;
                };
                let raw = B64.decode(sig).unwrap();
                if raw.len() > 4 && raw[..4] == hint[..] {
                    let new_line =
                        format!("\u{2014} {head} {}", B64.encode(flip(&raw, raw.len() - 1)));
                    let mut l = lines.clone();
                    l[i] = &new_line;
                    set(
                        out,
                        format!("{path} signature line {i}"),
                        Value::String(l.join("\n")),
                    );
                }
            }
        }
        Value::String(s) if key == "canonicalizedBody" => {
            let raw = B64.decode(s).unwrap();
            for at in positions(raw.len(), false) {
                set(
                    out,
                    format!("{path} byte {at}"),
                    Value::String(B64.encode(flip(&raw, at))),
                );
            }
            // Every leaf value of the logged body.
            let body: Value = serde_json::from_slice(&raw).unwrap();
            let mut inner = Vec::new();
            mutate(&body, "", &mut inner, &body);
            for (what, new_body) in inner {
                set(
                    out,
                    format!("{path} body{what}"),
                    Value::String(B64.encode(serde_json::to_vec(&new_body).unwrap())),
                );
            }
        }
        Value::String(s) if key == "signedTimestamp" => {
            let der = B64.decode(s.replace('\n', "")).unwrap();
            let mut at = vec![der.len() - 1];
            if let Some((a, b)) = tst_info_range(&der) {
                at.extend((a..b).step_by(3));
            }
            for i in at {
                set(
                    out,
                    format!("{path} byte {i}"),
                    Value::String(B64.encode(flip(&der, i))),
                );
            }
        }
        Value::String(s)
            if key == "payloadType" || key == "kind" || key == "version" || key == "apiVersion" =>
        {
            set(
                out,
                format!("{path} changed"),
                Value::String(format!("{s}x")),
            );
        }
        Value::String(s) if key == "logIndex" || key == "integratedTime" || key == "treeSize" => {
            let n: u64 = s.parse().unwrap_or(0);
            set(
                out,
                format!("{path} +1"),
                Value::String((n + 1).to_string()),
            );
            if n > 0 {
                set(
                    out,
                    format!("{path} -1"),
                    Value::String((n - 1).to_string()),
                );
            }
        }
        Value::Number(n) => {
            let n = n.as_u64().unwrap_or(0);
            set(out, format!("{path} +1"), Value::from(n + 1));
            if n > 0 {
                set(out, format!("{path} -1"), Value::from(n - 1));
            }
        }
        Value::String(s) => {
            // Base64 bytes (signatures, certificates, keys, hashes, SETs, payloads, digests), or
            // any other string value: changed.
            let dense = key == "rawBytes" || parent_key == "certificates";
            match B64.decode(s) {
                Ok(raw) if !raw.is_empty() && s.len() >= 8 => {
                    for at in positions(raw.len(), dense) {
                        set(
                            out,
                            format!("{path} byte {at}"),
                            Value::String(B64.encode(flip(&raw, at))),
                        );
                    }
                }
                _ => {
                    let mut t = s.clone();
                    t.push('x');
                    set(out, format!("{path} changed"), Value::String(t));
                }
            }
        }
        Value::Bool(b) => set(out, format!("{path} negated"), Value::Bool(!b)),
        Value::Null => {}
    }
}

fn mutants(bundle: &[u8]) -> Vec<Mutant> {
    let v: Value = serde_json::from_slice(bundle).unwrap();
    let mut out = Vec::new();
    mutate(&v, "", &mut out, &v);
    out.into_iter()
        .map(|(what, m)| Mutant {
            what,
            bundle: serde_json::to_vec(&m).unwrap(),
        })
        .collect()
}

fn valid_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let public_good = TrustMaterial::public_good();
    for dir in support::conformance_dirs() {
        if dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .ends_with("_fail")
        {
            continue;
        }
        cases.push(support::conformance_case(&dir, &public_good, false).unwrap());
    }
    let manifest = support::manifest();
    for row in support::manifest_table() {
        if row[2] == "pass" {
            let case = manifest
                .iter()
                .find(|c| c["id"] == row[0].as_str())
                .unwrap();
            let mut c = support::manifest_case(case, &row[1]).unwrap();
            c.name = format!("{} [{}]", row[0], row[1]);
            cases.push(c);
        }
    }
    for n in 1..=3 {
        let bundle = std::fs::read(support::vectors().join(format!(
            "docker-github-builder/attestation-manifest-{n}.sigstore.json"
        )))
        .unwrap();
        let digest = serde_json::from_slice::<Value>(&bundle).ok().and_then(|b| {
            let payload = B64.decode(b["dsseEnvelope"]["payload"].as_str()?).ok()?;
            let st: Value = serde_json::from_slice(&payload).ok()?;
            Some(support::hex_decode(
                st["subject"][0]["digest"]["sha256"].as_str()?,
            ))
        });
        cases.push(Case {
            name: format!("docker-github-builder-{n}"),
            bundle,
            trust: public_good.clone(),
            input: Input::Digest(verdict_verify::HashAlgorithm::Sha256, digest.unwrap()),
            policy: verdict_verify::Policy::new(verdict_verify::Identity::AnyCertificate),
        });
    }
    cases
}

#[test]
fn no_mutant_of_a_valid_vector_verifies() {
    let cases = valid_cases();
    assert!(cases.len() >= 50, "{} valid vectors", cases.len());
    let (mut total, mut accepted) = (0usize, Vec::new());
    for case in &cases {
        case.run(&case.bundle)
            .unwrap_or_else(|e| panic!("{}: the unmutated vector must verify: {e}", case.name));
        for m in mutants(&case.bundle) {
            total += 1;
            let ignored = |f: &verdict_verify::VerifiedBundle| {
                evidence_label(&m.what).is_some_and(|l| f.ignored.iter().any(|i| i.starts_with(&l)))
            };
            if case.run(&m.bundle).is_ok_and(|f| !ignored(&f)) {
                accepted.push(format!("{}: {}", case.name, m.what));
            }
        }
        // The artifact itself.
        let mut other = case.input.clone();
        match &mut other {
            Input::Bytes(b) => b.push(b'\n'),
            Input::Digest(_, d) => d[0] ^= 1,
        }
        total += 1;
        if verdict_verify::verify(&case.trust, &case.bundle, other.artifact(), &case.policy).is_ok()
        {
            accepted.push(format!("{}: another artifact", case.name));
        }
    }
    eprintln!(
        "{} vectors, {total} mutants, {} accepted",
        cases.len(),
        accepted.len()
    );
    assert!(
        accepted.is_empty(),
        "{} of {total} mutants verified:\n{}",
        accepted.len(),
        accepted.join("\n")
    );
}
