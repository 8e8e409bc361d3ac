//! Docker image references, normalized as `github.com/distribution/reference` v0.6.0 does
//! (`ParseNormalizedNamed`, `FamiliarName`, `TagNameOnly`, `WithDigest`, `String`), with digests
//! checked as `github.com/opencontainers/go-digest` checks them (`sha256`, `sha384`, `sha512`).
//!
//! The grammar (distribution/reference `regexp.go`), matched here without a regex engine:
//!
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [ domain "/" ] path-component *( "/" path-component )
//! domain     := ( label *( "." label ) | "[" [a-fA-F0-9:]+ "]" ) [ ":" [0-9]+ ]
//! label      := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
//! path-component := [a-z0-9]+ *( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )
//! tag        := [\w][\w.-]{0,127}
//! digest     := [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ":" [0-9a-fA-F]{32,}
//! ```

use crate::Error;

const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
const OFFICIAL_REPO_PREFIX: &str = "library/";
const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// A normalized image reference: domain, path, optional tag and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Registry domain (`docker.io` for Docker Hub). Empty in the one case Go leaves it empty:
    /// a first component that looks like a domain (it has a `.` or `:`) but is not one, while
    /// the whole still is a valid path (`foo_bar.com/x` → path `foo_bar.com/x`).
    pub domain: String,
    /// Repository path (`library/alpine`).
    pub path: String,
    /// The tag, if any.
    pub tag: Option<String>,
    /// The digest (`sha256:…`), if any.
    pub digest: Option<String>,
}

fn invalid(message: impl core::fmt::Display) -> Error {
    Error::malformed_source(message.to_string())
}

impl Reference {
    /// `ParseNormalizedNamed`: parses and normalizes (`alpine` → `docker.io/library/alpine`).
    ///
    /// Errors (all [`crate::ErrorCode::MalformedSource`]) carry Go's messages: `invalid
    /// reference format`, `invalid reference format: repository name (…) must be lowercase`,
    /// `repository name must be lowercase`, `repository name must have at least one
    /// component`, `repository name must not be more than 255 characters`, `invalid repository
    /// name (…), cannot specify 64-byte hexadecimal strings`, and go-digest's `invalid checksum
    /// digest format` / `invalid checksum digest length` / `unsupported digest algorithm`.
    pub fn parse_normalized(s: &str) -> Result<Reference, Error> {
        if s.len() == 64 && s.bytes().all(is_lower_hex) {
            return Err(invalid(format!(
                "invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"
            )));
        }
        let (domain, remainder) = split_docker_domain(s);
        let remote = remainder.split(':').next().unwrap_or("");
        if remote.to_lowercase() != remote {
            return Err(invalid(format!(
                "invalid reference format: repository name ({remote}) must be lowercase"
            )));
        }
        Reference::parse(&format!("{domain}/{remainder}"))
    }

    /// `reference.Parse`: the grammar above, without normalization.
    pub fn parse(s: &str) -> Result<Reference, Error> {
        let Some((name, tag, digest)) = match_reference(s) else {
            if s.is_empty() {
                return Err(invalid("repository name must have at least one component"));
            }
            if match_reference(&s.to_lowercase()).is_some() {
                return Err(invalid("repository name must be lowercase"));
            }
            return Err(invalid("invalid reference format"));
        };
        let (domain, path) = split_name(name).unwrap_or(("", name));
        if path.len() > NAME_TOTAL_LENGTH_MAX {
            return Err(invalid(format!(
                "repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
            )));
        }
        if let Some(d) = digest {
            parse_digest(d)?;
        }
        Ok(Reference {
            domain: domain.to_string(),
            path: path.to_string(),
            tag: tag.map(str::to_string),
            digest: digest.map(str::to_string),
        })
    }

    /// `TagNameOnly`: adds `:latest` when there is neither tag nor digest.
    pub fn tag_name_only(mut self) -> Reference {
        if self.tag.is_none() && self.digest.is_none() {
            self.tag = Some("latest".into());
        }
        self
    }

    /// `WithDigest`: the same name and tag with `digest` (which must match the digest
    /// grammar: `invalid digest format` otherwise).
    pub fn with_digest(mut self, digest: &str) -> Result<Reference, Error> {
        if !is_digest_pat(digest) {
            return Err(invalid("invalid digest format"));
        }
        self.digest = Some(digest.to_string());
        Ok(self)
    }

    /// `Name()`: domain + `/` + path (the path alone when the domain is empty).
    pub fn name(&self) -> String {
        if self.domain.is_empty() {
            self.path.clone()
        } else {
            format!("{}/{}", self.domain, self.path)
        }
    }

    /// `FamiliarName()`: Docker Hub loses `docker.io/` and `library/` (the latter only for a
    /// one-component remainder); other registries keep the domain.
    pub fn familiar_name(&self) -> String {
        if self.domain != DEFAULT_DOMAIN {
            return self.name();
        }
        match self.path.strip_prefix(OFFICIAL_REPO_PREFIX) {
            Some(rest) if !rest.contains('/') => rest.to_string(),
            _ => self.path.clone(),
        }
    }
}

impl core::fmt::Display for Reference {
    /// `String()`: `name[:tag][@digest]`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.name())?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// `splitDockerDomain`.
fn split_docker_domain(name: &str) -> (&str, String) {
    let Some((maybe_domain, maybe_remote)) = name.split_once('/') else {
        return (DEFAULT_DOMAIN, format!("{OFFICIAL_REPO_PREFIX}{name}"));
    };
    let (domain, remote) = if maybe_domain == "localhost" {
        (maybe_domain, maybe_remote)
    } else if maybe_domain == LEGACY_DEFAULT_DOMAIN {
        (DEFAULT_DOMAIN, maybe_remote)
    } else if maybe_domain.contains(['.', ':']) || maybe_domain.to_lowercase() != maybe_domain {
        (maybe_domain, maybe_remote)
    } else {
        (DEFAULT_DOMAIN, name)
    };
    if domain == DEFAULT_DOMAIN && !remote.contains('/') {
        return (domain, format!("{OFFICIAL_REPO_PREFIX}{remote}"));
    }
    (domain, remote.to_string())
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `^reference$`: (name, tag, digest), with Go's leftmost-first choices.
fn match_reference(s: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    let (before, digest) = match s.split_once('@') {
        Some((b, d)) => (b, Some(d)),
        None => (s, None),
    };
    if digest.is_some_and(|d| !is_digest_pat(d)) {
        return None;
    }
    // A name never holds a `:` except in a domain's port, which a `/` follows; a tag never
    // holds a `/`. So the tag is what follows the last `:` when no `/` follows it.
    let (name, tag) = match before.rfind(':') {
        Some(i) if !before[i + 1..].contains('/') => (&before[..i], Some(&before[i + 1..])),
        _ => (before, None),
    };
    if tag.is_some_and(|t| !is_tag(t)) {
        return None;
    }
    split_name(name)?;
    Some((name, tag, digest))
}

/// `^(?:(domainAndPort)/)?(remoteName)$`: (domain, path); the domain is taken when it can be.
fn split_name(name: &str) -> Option<(&str, &str)> {
    if let Some((first, rest)) = name.split_once('/')
        && is_domain_and_port(first)
        && is_remote_name(rest)
    {
        return Some((first, rest));
    }
    is_remote_name(name).then_some(("", name))
}

fn is_tag(t: &str) -> bool {
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && is_word(b[0])
        && b[1..].iter().all(|&c| is_word(c) || c == b'.' || c == b'-')
}

/// `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}`.
fn is_digest_pat(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else {
        return false;
    };
    if hex.len() < 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    alg.split(['-', '_', '+', '.']).all(|part| {
        let b = part.as_bytes();
        !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(u8::is_ascii_alphanumeric)
    })
}

fn is_domain_and_port(d: &str) -> bool {
    let (host, port) = if d.starts_with('[') {
        let Some(close) = d.find(']') else {
            return false;
        };
        let inner = &d[1..close];
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return false;
        }
        (None, &d[close + 1..])
    } else {
        match d.find(':') {
            Some(i) => (Some(&d[..i]), &d[i..]),
            None => (Some(d), ""),
        }
    };
    if let Some(host) = host {
        let ok = host.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
        });
        if !ok {
            return false;
        }
    }
    port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn is_remote_name(r: &str) -> bool {
    r.split('/').all(is_path_component)
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`.
fn is_path_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let b = c.as_bytes();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = matches!(sep, "." | "_" | "__") || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// go-digest's `Parse`: `sha256`/`sha384`/`sha512` with the right number of lowercase hex
/// digits; any other algorithm is unsupported (or malformed).
pub(crate) fn parse_digest(d: &str) -> Result<(), Error> {
    const FORMAT: &str = "invalid checksum digest format";
    let Some(i) = d.find(':').filter(|&i| i > 0 && i + 1 < d.len()) else {
        return Err(invalid(FORMAT));
    };
    let (alg, enc) = (&d[..i], &d[i + 1..]);
    let size = match alg {
        "sha256" => 32,
        "sha384" => 48,
        "sha512" => 64,
        _ => {
            return Err(invalid(if go_digest_regexp(d) {
                "unsupported digest algorithm"
            } else {
                FORMAT
            }));
        }
    };
    if enc.len() != size * 2 {
        return Err(invalid("invalid checksum digest length"));
    }
    if !enc.bytes().all(is_lower_hex) {
        return Err(invalid(FORMAT));
    }
    Ok(())
}

/// go-digest's `^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`.
fn go_digest_regexp(d: &str) -> bool {
    let Some((alg, enc)) = d.split_once(':') else {
        return false;
    };
    let alg_ok = alg.split(['.', '+', '_', '-']).all(|p| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    alg_ok
        && !enc.is_empty()
        && enc
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'))
}
