//! Git URLs as BuildKit v0.32's `util/gitutil` parses them (`ParseURL`, `IsGitTransport`,
//! `IsCommitSHA`), `util/sshutil` parses scp-like remotes, and `dockerui.DetectGitContext`
//! (`frontend/dockerfile/dfgitutil.ParseGitRef`) detects them.
//!
//! * `ParseURL`: a `scheme://` prefix (`[a-zA-Z0-9]+://`, case-insensitive) must be `http`,
//!   `https`, `ssh` or `git` and the rest is Go's `url.Parse`; otherwise an scp-like
//!   `user@host:path[?query][#fragment]` is an `ssh` URL; anything else is `unknown protocol`.
//!   The fragment is `ref[:subdir]`, the subdirectory cleaned (`path.Join("/", subdir)` without
//!   its leading `/`). The remote is the URL re-printed without query and fragment.
//! * `DetectGitContext`: `./` and `../` are not git; `github.com/…` is (as `https`); an
//!   `http(s)` URL is git only when its (decoded) path ends with `.git` (case-sensitive);
//!   `ssh`, `git` and scp-like URLs always are. A query (`?ref=…&tag=…&branch=…&subdir=…`) is
//!   validated and merged with the fragment (`loadQuery`). `docker buildx policy eval` keeps
//!   its `https://` source as the identifier, and `policy/validate.go` reads only the
//!   fragment, so there a query never becomes the input's ref; a build (`llb.Git`,
//!   [`GitSource::from_build_context`]) moves the merged ref into the identifier, so there it
//!   does.

use std::collections::BTreeMap;

use crate::Error;
use crate::http_url::{Url, go_quote, parse_query, path_join};

/// A git source: what `input.git` carries before any evidence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GitSource {
    /// `https`, `http`, `ssh`, `git`.
    pub schema: String,
    /// The host.
    pub host: String,
    /// The remote URL without fragment.
    pub remote: String,
    /// The `git.fullurl` attribute, when the source had one.
    pub full_url: Option<String>,
    /// The ref of the fragment (`#ref:subdir`), if any.
    pub reference: Option<String>,
    /// The subdirectory of the fragment, `.`/`/` normalized to none.
    pub subdir: Option<String>,
}

/// `gitutil.GitURL`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GitUrl {
    /// `http`, `https`, `ssh` or `git` (lowercased).
    pub scheme: String,
    /// The host (with port).
    pub host: String,
    /// The decoded path (for scp-like URLs: as written, without leading `/`).
    pub path: String,
    /// The user name, if any.
    pub user: Option<String>,
    /// The parsed query, `None` when empty.
    pub query: Option<BTreeMap<String, Vec<String>>>,
    /// The fragment's `(ref, subdir)`, `None` without a fragment.
    pub opts: Option<(String, String)>,
    /// The URL without query and fragment.
    pub remote: String,
}

fn proto_prefix(remote: &str) -> Option<String> {
    let (scheme, _) = remote.split_once("://")?;
    (!scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| scheme.to_ascii_lowercase())
}

fn is_supported_proto(p: &str) -> bool {
    matches!(p, "http" | "https" | "ssh" | "git")
}

/// `gitutil.IsGitTransport`: a supported `scheme://`, or an scp-like remote.
pub fn is_git_transport(remote: &str) -> bool {
    match proto_prefix(remote) {
        Some(p) => is_supported_proto(&p),
        None => scp_match(remote).is_some(),
    }
}

/// `gitutil.IsCommitSHA`: 40 or 64 lowercase hex digits.
pub fn is_commit_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// (user, host, path, query, fragment) of an scp-like remote.
type ScpParts<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Option<&'a str>);

/// `^([a-zA-Z0-9-_]+)@([a-zA-Z0-9-.]+):(.*?)(?:\?(.*?))?(?:#(.*))?$` (`.` stops at `\n`):
/// (user, host, path, query, fragment).
fn scp_match(s: &str) -> Option<ScpParts<'_>> {
    if s.contains('\n') {
        return None;
    }
    let (user, rest) = s.split_once('@')?;
    if user.is_empty()
        || !user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    let (host, rest) = rest.split_once(':')?;
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return None;
    }
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let (path, rest) = rest.split_at(end);
    let (query, fragment) = match rest.strip_prefix('?') {
        Some(q) => match q.split_once('#') {
            Some((q, f)) => (Some(q), Some(f)),
            None => (Some(q), None),
        },
        None => (None, rest.strip_prefix('#')),
    };
    Some((user, host, path, query, fragment))
}

fn parse_opts(fragment: &str) -> Option<(String, String)> {
    if fragment.is_empty() {
        return None;
    }
    let (reference, subdir) = fragment.split_once(':').unwrap_or((fragment, ""));
    let subdir = path_join(&["/", subdir]);
    Some((
        reference.to_string(),
        subdir.trim_start_matches('/').to_string(),
    ))
}

fn non_empty(q: BTreeMap<String, Vec<String>>) -> Option<BTreeMap<String, Vec<String>>> {
    (!q.is_empty()).then_some(q)
}

impl GitUrl {
    /// `gitutil.ParseURL`. Errors (malformed-source): `<proto>: invalid protocol`,
    /// `unknown protocol`, or Go's `url.Parse` error.
    pub fn parse(remote: &str) -> Result<GitUrl, Error> {
        if let Some(proto) = proto_prefix(remote) {
            if !is_supported_proto(&proto) {
                return Err(Error::malformed_source(format!(
                    "{proto}: invalid protocol"
                )));
            }
            let u = Url::parse(remote).map_err(|e| Error::malformed_source(e.to_string()))?;
            return Ok(GitUrl::from_url(&u));
        }
        if let Some((user, host, path, query, fragment)) = scp_match(remote) {
            let q = match query.filter(|q| !q.is_empty()) {
                Some(q) => match parse_query(q) {
                    (m, None) => m,
                    (_, Some(_)) => return Err(Error::malformed_source("unknown protocol")),
                },
                None => BTreeMap::new(),
            };
            return Ok(GitUrl {
                scheme: "ssh".into(),
                host: host.into(),
                path: path.into(),
                user: Some(user.into()),
                query: non_empty(q),
                opts: parse_opts(fragment.unwrap_or("")),
                remote: format!("{user}@{host}:{path}"),
            });
        }
        Err(Error::malformed_source("unknown protocol"))
    }

    /// `gitutil.FromURL`.
    pub fn from_url(u: &Url) -> GitUrl {
        let mut without = u.clone();
        without.fragment.clear();
        without.raw_query.clear();
        GitUrl {
            scheme: u.scheme.clone(),
            host: u.host.clone(),
            path: u.path.clone(),
            user: u.user.as_ref().map(|ui| ui.username.clone()),
            query: non_empty(u.query()),
            opts: parse_opts(&u.fragment),
            remote: without.to_go_string(),
        }
    }
}

/// Why [`detect_git_context`] did not accept a URL, or what it found wrong in one it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetectError {
    /// `cerrdefs.ErrInvalidArgument`: not a git URL (an `http(s)` path without `.git`, `./…`).
    InvalidArgument,
    /// Any other error (Go's message).
    Other(String),
}

/// `dockerui.DetectGitContext` (= `dfgitutil.ParseGitRef`): whether `reference` is a git
/// context, and the error Go returns with that answer (Go can answer "git" *and* an error, for
/// a bad query).
pub fn detect_git_context(reference: &str) -> (bool, Option<DetectError>) {
    let (is_git, result) = parse_git_ref(reference);
    (is_git, result.err())
}

/// `dfgitutil.ParseGitRef`: whether `reference` is git, and the parsed URL with the ref and
/// subdirectory of the fragment merged with those of the query (`?ref=`, `?tag=` →
/// `refs/tags/…`, `?branch=` → `refs/heads/…`, `?subdir=`).
pub fn parse_git_ref(reference: &str) -> (bool, Result<(GitUrl, String, String), DetectError>) {
    if reference.starts_with("./") || reference.starts_with("../") {
        return (false, Err(DetectError::InvalidArgument));
    }
    let remote = if reference.starts_with("github.com/") {
        match Url::parse(reference) {
            Ok(mut u) => {
                u.scheme = "https".into();
                GitUrl::from_url(&u)
            }
            Err(e) => return (false, Err(DetectError::Other(e.to_string()))),
        }
    } else {
        let remote = match GitUrl::parse(reference) {
            Ok(r) => r,
            Err(e) => return (false, Err(DetectError::Other(e.message))),
        };
        if matches!(remote.scheme.as_str(), "http" | "https") && !remote.path.ends_with(".git") {
            return (false, Err(DetectError::InvalidArgument));
        }
        remote
    };
    let opts = remote.opts.clone().unwrap_or_default();
    match load_query(remote.query.as_ref(), opts) {
        Ok((r, sub)) => (true, Ok((remote, r, sub))),
        Err(e) => (true, Err(DetectError::Other(e))),
    }
}

/// `GitRef.loadQuery`: the query checked and merged into (ref, subdir).
fn load_query(
    query: Option<&BTreeMap<String, Vec<String>>>,
    (mut reference, mut subdir): (String, String),
) -> Result<(String, String), String> {
    let Some(query) = query else {
        return Ok((reference, subdir));
    };
    let (mut tag, mut branch) = (String::new(), String::new());
    for (k, v) in query {
        let value = match v.len() {
            0 | 1 if v.first().is_none_or(String::is_empty) => match k.as_str() {
                "submodules" | "keep-git-dir" | "fetch-by-commit" => None,
                _ => return Err(format!("query {} has no value", go_quote(k))),
            },
            0 | 1 => Some(v[0].clone()),
            _ => return Err(format!("query {} has multiple values", go_quote(k))),
        };
        let val = value.clone().unwrap_or_default();
        let parse_bool = |name: &str| match value.as_deref() {
            None => Ok(()),
            Some(s) => go_parse_bool(s)
                .map(|_| ())
                .ok_or_else(|| format!("invalid {name} value: {}", go_quote(s))),
        };
        match k.as_str() {
            "ref" => {
                if !reference.is_empty() && reference != val {
                    return Err(format!(
                        "ref conflicts: {} vs {}",
                        go_quote(&reference),
                        go_quote(&val)
                    ));
                }
                reference = val;
            }
            "tag" => tag = val,
            "branch" => branch = val,
            "subdir" => {
                if !subdir.is_empty() && subdir != val {
                    return Err(format!(
                        "subdir conflicts: {} vs {}",
                        go_quote(&subdir),
                        go_quote(&val)
                    ));
                }
                subdir = val;
            }
            "checksum" | "commit" => {}
            "keep-git-dir" => parse_bool("keep-git-dir")?,
            "submodules" => parse_bool("submodules")?,
            "fetch-by-commit" => parse_bool("fetch-by-commit")?,
            "mtime" => {
                if val != "checkout" && val != "commit" {
                    return Err(format!(
                        "invalid mtime value: {} (must be \"checkout\" or \"commit\")",
                        go_quote(&val)
                    ));
                }
            }
            _ => return Err(format!("unexpected query {}", go_quote(k))),
        }
    }
    if !tag.is_empty() {
        if !tag.starts_with("refs/tags/") {
            tag = format!("refs/tags/{tag}");
        }
        if !reference.is_empty() && reference != tag {
            return Err(format!(
                "ref conflicts: {} vs {}",
                go_quote(&reference),
                go_quote(&tag)
            ));
        }
        reference.clone_from(&tag);
    }
    if !branch.is_empty() {
        if !tag.is_empty() {
            return Err("branch conflicts with tag".into());
        }
        if !branch.starts_with("refs/heads/") {
            branch = format!("refs/heads/{branch}");
        }
        if !reference.is_empty() && reference != branch {
            return Err(format!(
                "ref conflicts: {} vs {}",
                go_quote(&reference),
                go_quote(&branch)
            ));
        }
        reference = branch;
    }
    Ok((reference, subdir))
}

/// `strconv.ParseBool`.
fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

impl GitSource {
    /// A git source the way a build gets it: `dockerui.DetectGitContext` (fragment and query
    /// merged) then `llb.Git` (BuildKit `client/llb/source.go`): the identifier
    /// `host/path[#ref[:subdir]]` with `git.fullurl` = the remote without fragment and query.
    /// Used for `ssh://…` and scp-like `user@host:path` sources, which `policy eval` does not
    /// take (it would stat them as local paths).
    pub fn from_build_context(reference: &str) -> Result<GitSource, Error> {
        let (is_git, parsed) = parse_git_ref(reference);
        let (u, git_ref, subdir) = match (is_git, parsed) {
            (true, Ok(p)) => p,
            (true, Err(DetectError::Other(e))) => return Err(Error::malformed_source(e)),
            _ => {
                return Err(Error::malformed_source(format!(
                    "invalid git context {reference}"
                )));
            }
        };
        let llb = GitUrl::parse(&u.remote)?;
        let mut id = format!("{}{}", llb.host, path_join(&["/", &llb.path]));
        if !git_ref.is_empty() || !subdir.is_empty() {
            id.push('#');
            id.push_str(&git_ref);
            if !subdir.is_empty() {
                id.push(':');
                id.push_str(&subdir);
            }
        }
        GitSource::from_identifier(&id, Some(&llb.remote))
    }

    /// A git source from a BuildKit git identifier (the part after `git://`) and its optional
    /// `git.fullurl` attribute, as BX `policy/validate.go` `sourceToInput` reads them: an
    /// identifier that is no transport gets `https://`; with a full URL, schema, host and remote
    /// come from it.
    pub fn from_identifier(identifier: &str, full_url: Option<&str>) -> Result<GitSource, Error> {
        let with_scheme = |s: &str| {
            if is_git_transport(s) {
                s.to_string()
            } else {
                format!("https://{s}")
            }
        };
        let u = GitUrl::parse(&with_scheme(identifier))?;
        let (reference, subdir) = u.opts.clone().unwrap_or_default();
        let subdir = match crate::http_url::path_clean(&subdir).as_str() {
            "/" | "." => String::new(),
            _ => subdir,
        };
        let mut g = GitSource {
            schema: u.scheme,
            host: u.host,
            remote: u.remote,
            full_url: None,
            reference: (!reference.is_empty()).then_some(reference),
            subdir: (!subdir.is_empty()).then_some(subdir),
        };
        if let Some(v) = full_url {
            let v = with_scheme(v);
            let f = GitUrl::parse(&v)?;
            g.schema = f.scheme;
            g.remote = f.remote;
            g.host = f.host;
            g.full_url = Some(v);
        }
        Ok(g)
    }
}
