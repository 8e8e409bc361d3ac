//! Parsing a source identifier the way `docker buildx policy eval` and BuildKit do: BX
//! `commands/policy/eval.go` `parseSource` followed by the `policy/validate.go` `sourceToInput`
//! switch, and the source-only fields of the input (`policy/types.go`, Go `omitempty`).

use serde_json::{Map, Value};

use crate::git_url::{DetectError, GitSource, detect_git_context, is_commit_sha, is_git_transport};
use crate::http_url::HttpSource;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::{Error, Json};

/// A parsed source.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// `docker-image://REF`.
    Image(Reference),
    /// A git source.
    Git(GitSource),
    /// `http(s)://…` that is not a git URL.
    Http(HttpSource),
    /// `local://NAME`.
    Local(String),
}

/// Parses a source identifier (`docker-image://…`, `git://…`, `https://…`, `local://…`).
///
/// * `docker-image://REF`: `ParseNormalizedNamed` + `TagNameOnly` (`alpine` →
///   `docker.io/library/alpine:latest`).
/// * `git://X`: must be a git context (`DetectGitContext` of the whole source, else `invalid
///   git context …`); `X` gets `https://` unless it is a transport itself.
/// * `http(s)://…`: a git source with `full_url` when `DetectGitContext` says git (path ending
///   in `.git`, even with a bad query), else an HTTP source (`url.Parse`).
/// * `ssh://…` and scp-like `user@host:path[#ref[:subdir]]` (which `policy eval` would take for
///   local paths): as a build gets them, [`GitSource::from_build_context`].
/// * `local://NAME`.
/// * any other `scheme://` (`oci-layout://…`, `HTTPS://…`): [`crate::ErrorCode::UnsupportedSource`]
///   `unsupported source scheme: <scheme>: …` listing [`SUPPORTED_SOURCES`]; no `://`:
///   [`crate::ErrorCode::MalformedSource`] `invalid source identifier: <source>: …`, suggesting
///   `docker-image://<source>` when the text is an image reference. Both messages keep Go's
///   prefix and add what to write instead.
pub fn parse(source: &str) -> Result<Source, Error> {
    if let Some(r) = source.strip_prefix("docker-image://") {
        let reference = Reference::parse_normalized(r).map_err(|e| {
            Error::malformed_source(format!("failed to parse image source reference: {e}"))
        })?;
        return Ok(Source::Image(reference.tag_name_only()));
    }
    if let Some(rest) = source.strip_prefix("git://") {
        match detect_git_context(source) {
            (false, _) => {
                return Err(Error::malformed_source(format!(
                    "invalid git context {source}"
                )));
            }
            (true, Some(DetectError::Other(e))) => return Err(Error::malformed_source(e)),
            (true, _) => {}
        }
        return GitSource::from_identifier(rest, None).map(Source::Git);
    }
    if source.starts_with("http://") || source.starts_with("https://") {
        match detect_git_context(source) {
            (true, _) => {
                return GitSource::from_identifier(source, Some(source)).map(Source::Git);
            }
            (false, Some(DetectError::Other(e))) => return Err(Error::malformed_source(e)),
            (false, _) => {}
        }
        return HttpSource::parse(source).map(Source::Http);
    }
    if source.starts_with("ssh://") || (!source.contains("://") && is_git_transport(source)) {
        return GitSource::from_build_context(source).map(Source::Git);
    }
    let Some((scheme, rest)) = source.split_once("://") else {
        return Err(Error::malformed_source(format!(
            "invalid source identifier: {source}: {}",
            no_scheme_hint(source)
        )));
    };
    match scheme {
        "local" => Ok(Source::Local(rest.to_string())),
        _ => Err(Error::unsupported_source(format!(
            "unsupported source scheme: {scheme}: {}",
            unsupported_scheme_hint(scheme, rest)
        ))),
    }
}

/// The sources [`parse`] takes, for messages.
pub const SUPPORTED_SOURCES: &str = "`docker-image://REF`, a git URL (`https://host/org/repo.git#ref`, \
     `git://host/org/repo.git#ref`, `git@host:org/repo.git#ref`), `http(s)://URL` or `local://NAME`";

/// The schemes [`parse`] takes.
const SCHEMES: [&str; 5] = ["docker-image", "git", "http", "https", "local"];

/// What a source without `://` lacks, and what to write instead: `docker-image://REF` when the
/// text is an image reference (`alpine`), the missing `//` (`docker-image:alpine`), the local
/// context for a path.
fn no_scheme_hint(source: &str) -> String {
    let hint = match source.split_once(':') {
        Some((scheme, rest)) if SCHEMES.contains(&scheme) => format!(
            "no `//` after the scheme; did you mean `{scheme}://{}`?",
            rest.trim_start_matches('/')
        ),
        _ if source.starts_with(['.', '/', '~']) => {
            "no scheme; a local directory is checked as `local://context`.".to_owned()
        }
        _ if !source.is_empty() && Reference::parse_normalized(source).is_ok() => {
            format!("no scheme; did you mean `docker-image://{source}`?")
        }
        _ => "no scheme.".to_owned(),
    };
    format!("{hint} A source is {SUPPORTED_SOURCES}")
}

/// What to write instead of an unsupported `scheme://rest`: the scheme in lowercase when that
/// is one [`parse`] takes; the sources there are.
fn unsupported_scheme_hint(scheme: &str, rest: &str) -> String {
    let lower = scheme.to_ascii_lowercase();
    if lower != scheme && SCHEMES.contains(&lower.as_str()) {
        return format!(
            "schemes are lowercase; did you mean `{lower}://{rest}`? A source is {SUPPORTED_SOURCES}"
        );
    }
    format!("a source is {SUPPORTED_SOURCES}")
}

fn put_str(m: &mut Map<String, Value>, key: &str, v: &str) {
    if !v.is_empty() {
        m.insert(key.into(), Value::String(v.into()));
    }
}

fn put_true(m: &mut Map<String, Value>, key: &str, v: bool) {
    if v {
        m.insert(key.into(), Value::Bool(true));
    }
}

impl Source {
    /// The source-only fields of the input (`input.image` / `.git` / `.http` / `.local`) and the
    /// key they go under, before any evidence, with Go's `omitempty` (empty strings and `false`
    /// absent). `platform` is used as given (Buildx normalizes the build platform before, but
    /// not a material's); only image inputs carry it.
    pub fn input(&self, platform: &Platform) -> (&'static str, Json) {
        let mut m = Map::new();
        let key = match self {
            Source::Image(r) => {
                put_str(&mut m, "ref", &r.to_string());
                put_str(&mut m, "host", &r.domain);
                put_str(&mut m, "repo", &r.familiar_name());
                put_str(&mut m, "fullRepo", &r.name());
                put_str(&mut m, "tag", r.tag.as_deref().unwrap_or(""));
                put_str(&mut m, "platform", &platform.format());
                put_str(&mut m, "os", &platform.os);
                put_str(&mut m, "arch", &platform.architecture);
                put_str(&mut m, "variant", &platform.variant);
                put_true(&mut m, "isCanonical", r.digest.is_some());
                put_str(&mut m, "checksum", r.digest.as_deref().unwrap_or(""));
                "image"
            }
            Source::Git(g) => {
                put_str(&mut m, "schema", &g.schema);
                put_str(&mut m, "host", &g.host);
                put_str(&mut m, "remote", &g.remote);
                put_str(&mut m, "fullURL", g.full_url.as_deref().unwrap_or(""));
                let reference = g.reference.as_deref().unwrap_or("");
                let mut full_ref = false;
                if let Some(tag) = reference.strip_prefix("refs/tags/") {
                    put_str(&mut m, "tagName", tag);
                    full_ref = true;
                }
                if let Some(branch) = reference.strip_prefix("refs/heads/") {
                    put_str(&mut m, "branch", branch);
                    full_ref = true;
                }
                let mut checksum = "";
                if is_commit_sha(reference) {
                    put_true(&mut m, "isCommitRef", true);
                    checksum = reference;
                    put_str(&mut m, "checksum", reference);
                    put_str(&mut m, "commitChecksum", reference);
                    full_ref = true;
                }
                if full_ref {
                    put_str(&mut m, "ref", reference);
                }
                put_str(&mut m, "subDir", g.subdir.as_deref().unwrap_or(""));
                put_true(&mut m, "isSHA256", checksum.len() == 64);
                "git"
            }
            Source::Http(h) => {
                put_str(&mut m, "url", &h.url);
                put_str(&mut m, "schema", &h.schema);
                put_str(&mut m, "host", &h.host);
                put_str(&mut m, "path", &h.path);
                if !h.query.is_empty() {
                    let q = h
                        .query
                        .iter()
                        .map(|(k, vs)| {
                            let vs = vs.iter().map(|v| Value::String(v.clone())).collect();
                            (k.clone(), Value::Array(vs))
                        })
                        .collect();
                    m.insert("query".into(), Value::Object(q));
                }
                "http"
            }
            Source::Local(name) => {
                put_str(&mut m, "name", name);
                "local"
            }
        };
        (key, Value::Object(m))
    }
}
