//! Raw commit and tag objects (what `git cat-file commit|tag <oid>` prints), parsed the way
//! BuildKit's `util/gitutil/gitobject/parse.go` (vendored by Buildx) parses them, so that the
//! fields, the signature and the signed payload are exactly the ones Buildx sees.

use sha1::Digest as _;

use crate::error::{Error, ErrorCode, Result};

/// The kind of a git object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A commit.
    Commit,
    /// An annotated tag.
    Tag,
}

impl ObjectKind {
    /// The type name git hashes (`commit`, `tag`).
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Commit => "commit",
            ObjectKind::Tag => "tag",
        }
    }
}

/// The hash function of a repository's object format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectFormat {
    /// SHA-1: 40 hex digits.
    Sha1,
    /// SHA-256: 64 hex digits.
    Sha256,
}

/// The object ID: lowercase hex of `hash("<type> <len>\0" ‖ content)`.
pub fn object_id(kind: ObjectKind, content: &[u8], format: ObjectFormat) -> String {
    let header = format!("{} {}\0", kind.as_str(), content.len());
    let digest = match format {
        ObjectFormat::Sha1 => {
            let mut h = sha1::Sha1::new();
            h.update(header.as_bytes());
            h.update(content);
            h.finalize().to_vec()
        }
        ObjectFormat::Sha256 => {
            let mut h = sha2::Sha256::new();
            h.update(header.as_bytes());
            h.update(content);
            h.finalize().to_vec()
        }
    };
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes bytes as Go's `encoding/json` renders a Go string: each byte of an invalid UTF-8
/// sequence becomes one U+FFFD.
pub(crate) fn go_string(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        out.extend(core::iter::repeat_n('\u{FFFD}', chunk.invalid().len()));
    }
    out
}

/// A parsed commit or tag object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitObject {
    kind: ObjectKind,
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    message: Vec<u8>,
    signature: Vec<u8>,
    signed_data: Vec<u8>,
    /// Why the signature Buildx reads is not (or not certainly) the one `git verify-tag` /
    /// `git verify-commit` checks; such an object is never verified.
    ambiguity: Option<&'static str>,
}

const PGP_BEGIN: &[u8] = b"-----BEGIN PGP SIGNATURE-----";
const SSH_BEGIN: &[u8] = b"-----BEGIN SSH SIGNATURE-----";

/// The lines git takes as the start of a signature (`gpg_format.sigs` in git's gpg-interface.c:
/// OpenPGP, X.509 and SSH), matched as prefixes of a line.
const GIT_SIGNATURE_STARTS: [&[u8]; 4] = [
    b"-----BEGIN PGP SIGNATURE-----",
    b"-----BEGIN PGP MESSAGE-----",
    b"-----BEGIN SIGNED MESSAGE-----",
    b"-----BEGIN SSH SIGNATURE-----",
];

/// Where git's `parse_signed_buffer` puts a tag's signature: at the start of the *last* line of
/// the whole object that starts with one of [`GIT_SIGNATURE_STARTS`] (to the end of the object).
fn git_tag_signature_start(raw: &[u8]) -> Option<usize> {
    let mut found = None;
    let mut at = 0;
    while at < raw.len() {
        let rest = &raw[at..];
        if GIT_SIGNATURE_STARTS.iter().any(|m| rest.starts_with(m)) {
            found = Some(at);
        }
        match rest.iter().position(|&b| b == b'\n') {
            Some(nl) => at += nl + 1,
            None => break,
        }
    }
    found
}

/// Why a commit's signature headers are not certainly the ones git checks, or `None`. Git
/// (`parse_buffer_signed_by_header` in commit.c) takes as the signature every header named
/// `gpgsig` in a SHA-1 repository (`gpgsig-sha256` in a SHA-256 one), concatenated, and drops
/// every other header line starting with `gpgsig` from the payload; Buildx joins `gpgsig` and
/// `gpgsig-sha256` and keeps other headers in the payload. The repository's format is the length
/// of the `tree` id. Anything but at most one header of the format's name is refused.
fn commit_signature_ambiguity(headers: &[(Vec<u8>, Vec<u8>)], raw: &[u8]) -> Option<&'static str> {
    let tree_len = headers
        .iter()
        .find(|(k, _)| k.as_slice() == b"tree")
        .map_or(0, |(_, v)| v.len());
    let wanted: &[u8] = if tree_len == 64 {
        b"gpgsig-sha256"
    } else {
        b"gpgsig"
    };
    let mut count = 0;
    for line in raw.split(|&b| b == b'\n') {
        if line.is_empty() {
            break;
        }
        if !line.starts_with(b"gpgsig") {
            continue;
        }
        if line.len() > wanted.len() && line.starts_with(wanted) && line[wanted.len()] == b' ' {
            count += 1;
        } else {
            return Some(
                "a gpgsig-like header git does not read as this object format's signature",
            );
        }
    }
    (count > 1).then_some("more than one signature header")
}

impl GitObject {
    /// Parses raw object content. As BuildKit does, an object starting with `object ` is a tag
    /// and anything else a commit; commits must have `tree`, `author` and `committer` headers,
    /// tags `object`, `type`, `tag` and `tagger`.
    ///
    /// The signature is the value of the `gpgsig` / `gpgsig-sha256` header with its continuation
    /// lines (commits; both headers' lines are joined if both are present), or everything from
    /// the first message line that is exactly `-----BEGIN PGP SIGNATURE-----` or
    /// `-----BEGIN SSH SIGNATURE-----` (tags). The signed data is the object without them.
    /// Where git would check a different block (see [`GitObject::signature_ambiguity`]), the
    /// object still parses (the Buildx mapping is Buildx's) but never verifies.
    pub fn parse(raw: &[u8]) -> Result<GitObject> {
        let is_tag = raw.starts_with(b"object ");
        let kind = if is_tag {
            ObjectKind::Tag
        } else {
            ObjectKind::Commit
        };
        let mut headers = Vec::new();
        let mut headers_done = false;
        let mut message_done = false;
        let mut in_sig = false;
        let mut sig_lines: Vec<&[u8]> = Vec::new();
        let mut message_lines: Vec<&[u8]> = Vec::new();
        let mut signed_lines: Vec<&[u8]> = Vec::new();
        let mut offset = 0;
        let mut buildx_start = None;
        let mut tag_has_gpgsig_header = false;
        for line in raw.split(|&b| b == b'\n') {
            let line_start = offset;
            offset += line.len() + 1;
            if !headers_done {
                if line.is_empty() {
                    headers_done = true;
                    signed_lines.push(line);
                    continue;
                }
                if !is_tag
                    && let Some(v) = line
                        .strip_prefix(b"gpgsig ")
                        .or_else(|| line.strip_prefix(b"gpgsig-sha256 "))
                {
                    in_sig = true;
                    sig_lines.push(v);
                    continue;
                }
                if in_sig {
                    if let Some(v) = line.strip_prefix(b" ") {
                        sig_lines.push(v);
                        continue;
                    }
                    in_sig = false;
                }
                signed_lines.push(line);
                if is_tag && line.starts_with(b"gpgsig") {
                    tag_has_gpgsig_header = true;
                }
                if let Some(sp) = line.iter().position(|&b| b == b' ') {
                    headers.push((line[..sp].to_vec(), line[sp + 1..].to_vec()));
                }
                continue;
            }
            if is_tag && !message_done && (line == PGP_BEGIN || line == SSH_BEGIN) {
                message_done = true;
                buildx_start = Some(line_start);
            }
            if message_done {
                sig_lines.push(line);
            } else {
                message_lines.push(line);
                signed_lines.push(line);
            }
        }
        let mut message = message_lines.join(&b'\n');
        if message.last() == Some(&b'\n') {
            message.pop();
        }
        let mut signed_data = signed_lines.join(&b'\n');
        if is_tag {
            signed_data.push(b'\n');
        }
        let ambiguity = if is_tag {
            if git_tag_signature_start(raw) != buildx_start {
                Some(
                    "git checks a different signature block than the first one (the last line starting with a signature marker)",
                )
            } else if tag_has_gpgsig_header && buildx_start.is_some() {
                Some("a gpgsig header in a tag (git drops it from the signed payload)")
            } else {
                None
            }
        } else {
            commit_signature_ambiguity(&headers, raw)
        };
        let obj = GitObject {
            kind,
            headers,
            message,
            signature: sig_lines.join(&b'\n'),
            signed_data,
            ambiguity,
        };
        let required: &[&str] = match kind {
            ObjectKind::Commit => &["tree", "author", "committer"],
            ObjectKind::Tag => &["object", "type", "tag", "tagger"],
        };
        for h in required {
            if obj.header(h).is_none() {
                return Err(Error::new(
                    ErrorCode::MalformedObject,
                    format!("invalid {} object: missing {h} header", kind.as_str()),
                ));
            }
        }
        Ok(obj)
    }

    /// Commit or tag.
    pub fn kind(&self) -> ObjectKind {
        self.kind
    }

    /// The first value of a header (the text after `name `).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(k, _)| k.as_slice() == name.as_bytes())
            .map(|(_, v)| v.as_slice())
    }

    /// Every value of a header, in order.
    pub fn headers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.as_slice() == name.as_bytes())
            .map(|(_, v)| v.as_slice())
    }

    /// The message: the lines after the first empty line (and before a tag's signature), with
    /// one trailing newline removed.
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// The embedded signature (empty when unsigned), lines joined by `\n`.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Why the signature Buildx reads is not certainly the block `git verify-tag` /
    /// `git verify-commit` checks (two signature blocks or headers, a marker line with a suffix
    /// after the first block, a `gpgsig`-like header git drops from the payload, …), or `None`.
    /// [`crate::verify_object`] refuses such objects with `malformed-signature`.
    pub fn signature_ambiguity(&self) -> Option<&'static str> {
        self.ambiguity
    }

    /// Whether the object carries a signature.
    pub fn is_signed(&self) -> bool {
        !self.signature.is_empty()
    }

    /// The signed payload: the object without its signature, as git and Buildx verify it.
    pub fn signed_data(&self) -> &[u8] {
        &self.signed_data
    }

    /// The commit fields (`None` for a tag).
    pub fn commit(&self) -> Option<Commit> {
        if self.kind != ObjectKind::Commit {
            return None;
        }
        let s = |v: Option<&[u8]>| v.map(go_string).unwrap_or_default();
        Some(Commit {
            tree: s(self.header("tree")),
            parents: self.headers("parent").map(go_string).collect(),
            author: Actor::parse(&s(self.header("author"))),
            committer: Actor::parse(&s(self.header("committer"))),
            message: go_string(&self.message),
        })
    }

    /// The tag fields (`None` for a commit).
    pub fn tag(&self) -> Option<Tag> {
        if self.kind != ObjectKind::Tag {
            return None;
        }
        let s = |v: Option<&[u8]>| v.map(go_string).unwrap_or_default();
        Some(Tag {
            object: s(self.header("object")),
            kind: s(self.header("type")),
            tag: s(self.header("tag")),
            tagger: Actor::parse(&s(self.header("tagger"))),
            message: go_string(&self.message),
        })
    }
}

/// A commit's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// The `tree` header.
    pub tree: String,
    /// The `parent` headers, in order.
    pub parents: Vec<String>,
    /// The `author` header.
    pub author: Actor,
    /// The `committer` header.
    pub committer: Actor,
    /// The message.
    pub message: String,
}

/// An annotated tag's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// The `object` header: the tagged object's ID.
    pub object: String,
    /// The `type` header: the tagged object's type.
    pub kind: String,
    /// The `tag` header: the tag name.
    pub tag: String,
    /// The `tagger` header.
    pub tagger: Actor,
    /// The message (without the signature).
    pub message: String,
}

/// A person and time: `Name <email> <unix-seconds> <±hhmm>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actor {
    /// The name (empty if absent).
    pub name: String,
    /// The email, without angle brackets (empty if absent).
    pub email: String,
    /// The time, when it parses.
    pub when: Option<When>,
}

/// A time with the zone offset it was recorded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When {
    /// Seconds since the Unix epoch.
    pub unix: i64,
    /// The zone offset east of UTC, in seconds.
    pub offset: i64,
}

/// Go's `strconv.Atoi` on a short string, with errors read as 0 (BuildKit ignores them).
fn go_atoi_or_zero(b: &[u8]) -> i64 {
    let (neg, digits) = match b {
        [b'+', rest @ ..] => (false, rest),
        [b'-', rest @ ..] => (true, rest),
        _ => (false, b),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return 0;
    }
    let v = digits
        .iter()
        .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
    if neg { -v } else { v }
}

impl Actor {
    /// Parses an identity header value as BuildKit's `parseActor` does: name and email around
    /// the *last* `<` and `>`; a time only when both the seconds and a 5-character `±hhmm` zone
    /// parse; anything malformed degrades to fewer fields, never to an error.
    pub fn parse(s: &str) -> Actor {
        let s = s.trim();
        let (Some(start), Some(end)) = (s.rfind('<'), s.rfind('>')) else {
            return Actor {
                name: s.to_owned(),
                ..Actor::default()
            };
        };
        if end < start {
            return Actor {
                name: s.to_owned(),
                ..Actor::default()
            };
        }
        let mut a = Actor {
            name: s[..start].trim().to_owned(),
            email: s[start + 1..end].trim().to_owned(),
            when: None,
        };
        let parts: Vec<&str> = s[end + 1..].split_whitespace().collect();
        if parts.len() < 2 {
            return a;
        }
        let Ok(unix) = parts[0].parse::<i64>() else {
            return a;
        };
        let tz = parts[1].as_bytes();
        if tz.len() != 5 || (tz[0] != b'+' && tz[0] != b'-') {
            return a;
        }
        let sign = if tz[0] == b'-' { -1 } else { 1 };
        let offset = sign * (go_atoi_or_zero(&tz[1..3]) * 3600 + go_atoi_or_zero(&tz[3..5]) * 60);
        a.when = Some(When { unix, offset });
        a
    }
}

impl When {
    /// Renders the time as Go's `time.Time.MarshalJSON` does for a whole-second time in a fixed
    /// zone: RFC 3339 in the recorded offset, `Z` for offset zero (so `+0000` and `-0000` both
    /// give `Z`). Fails where Go fails: a year outside 0–9999, or an offset of 24 hours or more.
    pub fn to_rfc3339(self) -> Result<String> {
        let out_of_range = |what: &str| Error::new(ErrorCode::TimeOutOfRange, what.to_owned());
        let local = i128::from(self.unix) + i128::from(self.offset);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        if !(0..=9999).contains(&year) {
            return Err(out_of_range("year outside of range [0,9999]"));
        }
        let zone = if self.offset == 0 {
            "Z".to_owned()
        } else {
            let abs = self.offset.unsigned_abs() / 60;
            let (h, m) = (abs / 60, abs % 60);
            if h >= 24 {
                return Err(out_of_range("timezone hour outside of range [0,23]"));
            }
            let sign = if self.offset < 0 { '-' } else { '+' };
            format!("{sign}{h:02}:{m:02}")
        };
        Ok(format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{zone}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        ))
    }
}

/// Days since 1970-01-01 → proleptic Gregorian (year, month, day) (H. Hinnant's algorithm).
fn civil_from_days(z: i128) -> (i128, i128, i128) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_and_time() {
        let a = Actor::parse("A <b> <a@example.com> 1764072000 +0530");
        assert_eq!(a.name, "A <b>");
        assert_eq!(a.email, "a@example.com");
        assert_eq!(
            a.when.unwrap().to_rfc3339().unwrap(),
            "2025-11-25T17:30:00+05:30"
        );
        let a = Actor::parse("A <a@example.com> 0 -0000");
        assert_eq!(
            a.when.unwrap().to_rfc3339().unwrap(),
            "1970-01-01T00:00:00Z"
        );
        let a = Actor::parse("A <a@example.com> 1 -0130");
        assert_eq!(
            a.when.unwrap().to_rfc3339().unwrap(),
            "1969-12-31T22:30:01-01:30"
        );
        let a = Actor::parse("A <a@example.com> 1 +2400");
        assert_eq!(
            a.when.unwrap().to_rfc3339().unwrap_err().code(),
            ErrorCode::TimeOutOfRange
        );
        let a = Actor::parse("A <a@example.com> x +0000");
        assert_eq!(a.when, None);
        let a = Actor::parse("no email");
        assert_eq!((a.name.as_str(), a.email.as_str()), ("no email", ""));
        let a = Actor::parse("A <a@example.com> 1 +0x00");
        assert_eq!(a.when.unwrap().offset, 0);
    }

    #[test]
    fn a_signature_header_of_the_other_object_format_is_refused() {
        // git reads only `gpgsig-sha256` in a SHA-256 repository (tree id of 64 hex digits) and
        // only `gpgsig` in a SHA-1 one; Buildx reads both.
        let sha256 = include_bytes!("../testdata/objects/commit-sha256-pgp-ed25519.commit");
        assert_eq!(
            GitObject::parse(sha256).unwrap().signature_ambiguity(),
            None
        );
        let text = String::from_utf8(sha256.to_vec()).unwrap();
        let renamed = text.replacen("\ngpgsig-sha256 ", "\ngpgsig ", 1);
        assert!(
            GitObject::parse(renamed.as_bytes())
                .unwrap()
                .signature_ambiguity()
                .is_some()
        );
        let key = include_bytes!("../testdata/keys/pgp-ed25519.asc");
        crate::verify_signature(sha256, key).unwrap();
        let e = crate::verify_signature(renamed.as_bytes(), key).unwrap_err();
        assert_eq!(e.code(), ErrorCode::MalformedSignature);
    }

    #[test]
    fn go_strings_replace_each_invalid_byte() {
        assert_eq!(go_string(b"a\xE2\x82b"), "a\u{FFFD}\u{FFFD}b");
    }
}
