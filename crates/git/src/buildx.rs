//! Buildx's `input.git.commit` and `input.git.tag` (Buildx `policy/types.go` `Commit`, `Tag`,
//! `Actor`, `PGPSignature`, `SSHSignature`; filled in `policy/validate.go` and
//! `policy/git.go` `parseGitSignature`), as the JSON values Go's `encoding/json` produces:
//! `omitempty` / `omitzero` fields are absent — never `""`, `0`, `[]` or `null`.

use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result};
use crate::object::{Actor, GitObject, ObjectKind};
use crate::ssh::SshSignature;

/// `input.git.commit` for raw commit content.
pub fn commit_input(raw: &[u8]) -> Result<Value> {
    let obj = GitObject::parse(raw)?;
    let c = obj
        .commit()
        .ok_or_else(|| Error::new(ErrorCode::MalformedObject, "not a commit object"))?;
    let mut m = Map::new();
    put_str(&mut m, "tree", &c.tree);
    if !c.parents.is_empty() {
        m.insert(
            "parents".into(),
            c.parents.iter().cloned().map(Value::from).collect(),
        );
    }
    put_actor(&mut m, "author", &c.author)?;
    put_actor(&mut m, "committer", &c.committer)?;
    put_str(&mut m, "message", &c.message);
    put_signature(&mut m, &obj);
    Ok(Value::Object(m))
}

/// `input.git.tag` for raw annotated tag content.
pub fn tag_input(raw: &[u8]) -> Result<Value> {
    let obj = GitObject::parse(raw)?;
    if obj.kind() != ObjectKind::Tag {
        return Err(Error::new(ErrorCode::MalformedObject, "not a tag object"));
    }
    let t = obj.tag().expect("a tag");
    let mut m = Map::new();
    put_str(&mut m, "object", &t.object);
    put_str(&mut m, "type", &t.kind);
    put_str(&mut m, "tag", &t.tag);
    put_actor(&mut m, "tagger", &t.tagger)?;
    put_str(&mut m, "message", &t.message);
    put_signature(&mut m, &obj);
    Ok(Value::Object(m))
}

fn put_str(m: &mut Map<String, Value>, key: &str, v: &str) {
    if !v.is_empty() {
        m.insert(key.into(), Value::from(v));
    }
}

/// `Actor` is `omitzero`: absent when name, email and when are all empty.
fn put_actor(m: &mut Map<String, Value>, key: &str, a: &Actor) -> Result<()> {
    let mut o = Map::new();
    put_str(&mut o, "name", &a.name);
    put_str(&mut o, "email", &a.email);
    if let Some(w) = a.when {
        o.insert("when".into(), Value::from(w.to_rfc3339()?));
    }
    if !o.is_empty() {
        m.insert(key.into(), Value::Object(o));
    }
    Ok(())
}

/// `parseGitSignature`: a signature that does not parse leaves both fields absent.
/// `pgpSignature` = `{version, keyID}` with `keyID` = `%016x` of the issuer key ID (lowercase,
/// absent without an issuer); `sshSignature` = `{version, pubKey}` with `pubKey` the signing
/// key's `SHA256:` fingerprint.
fn put_signature(m: &mut Map<String, Value>, obj: &GitObject) {
    let sig = obj.signature();
    if sig.starts_with(b"-----BEGIN PGP SIGNATURE-----") {
        if let Ok(s) = verdict_openpgp::Signature::parse(sig) {
            let mut o = Map::new();
            o.insert("version".into(), Value::from(s.version()));
            if let Some(id) = s.issuer_key_id() {
                o.insert(
                    "keyID".into(),
                    Value::from(format!("{:016x}", u64::from_be_bytes(id))),
                );
            }
            m.insert("pgpSignature".into(), Value::Object(o));
        }
    } else if sig.starts_with(b"-----BEGIN SSH SIGNATURE-----")
        && let Ok(s) = SshSignature::parse_armored(sig)
    {
        let mut o = Map::new();
        o.insert("version".into(), Value::from(s.version()));
        o.insert(
            "pubKey".into(),
            Value::from(s.public_key().fingerprint_sha256()),
        );
        m.insert("sshSignature".into(), Value::Object(o));
    }
}
