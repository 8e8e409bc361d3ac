//! Registry credentials as Docker users have them, and the registry's challenge.
//!
//! Docker's client configuration (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`):
//! `credHelpers[<registry>]` names a helper for one registry, `credsStore` a helper for all, and
//! `auths[<registry>]` holds `auth` (base64 `user:password`) or `username` / `password`. A helper
//! is the program `docker-credential-<name>`, asked with `get` and the server URL on standard
//! input, answering `{"Username": …, "Secret": …}` (the protocol of
//! docker/docker-credential-helpers). Docker Hub's key is `https://index.docker.io/v1/`.
//!
//! A registry that wants credentials answers 401 with `WWW-Authenticate`: `Basic realm=…`, or
//! `Bearer realm=…,service=…,scope=…` — the token service at `realm` is then asked for a pull
//! token for the repository (with the credentials, when there are any; anonymously otherwise).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value as Json;

use crate::{FetchCode, FetchError, process};

/// Docker Hub's key in `config.json` and for credential helpers.
pub const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// A user name and its secret (a password or a token).
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The user name.
    pub username: String,
    /// The password or token.
    pub secret: String,
}

impl core::fmt::Debug for Credential {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Credential")
            .field("username", &self.username)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// The user name Docker gives a credential whose secret is an identity token (an OAuth2 refresh
/// token: `auths[…].identitytoken`, or a credential helper's answer).
pub const IDENTITY_TOKEN_USER: &str = "<token>";

impl Credential {
    /// Whether the secret is an identity token, exchanged at the token service for an access
    /// token (`grant_type=refresh_token`) instead of being sent as a password.
    pub fn is_identity_token(&self) -> bool {
        self.username == IDENTITY_TOKEN_USER
    }

    /// The `Authorization` value for HTTP basic authentication.
    pub fn basic(&self) -> String {
        let pair = format!("{}:{}", self.username, self.secret);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }
}

/// The configuration file: `explicit`, else `$DOCKER_CONFIG/config.json`, else
/// `$HOME/.docker/config.json`.
pub fn config_path(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_owned());
    }
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".docker").join("config.json"))
}

/// The key a registry has in `config.json` and for helpers (`docker.io` is Docker Hub's).
pub fn server_key(registry: &str) -> String {
    if registry == "docker.io" || registry == "index.docker.io" {
        DOCKER_HUB_KEY.to_owned()
    } else {
        registry.to_owned()
    }
}

/// The host a `config.json` key names: `https://host/v1/` and `host` both name `host`.
fn key_host(key: &str) -> &str {
    let rest = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    rest.split('/').next().unwrap_or(rest)
}

/// The credential for `registry` (a domain as a reference names it: `docker.io`, `ghcr.io`,
/// `127.0.0.1:5000`) from the configuration at `config`; `None` when there is none (an
/// anonymous pull). A missing configuration file is no configuration.
/// A credential helper gets `timeout` to answer.
pub fn lookup(
    config: Option<&Path>,
    registry: &str,
    timeout: Duration,
) -> Result<Option<Credential>, FetchError> {
    let Some(path) = config_path(config) else {
        return Ok(None);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(FetchError::new(
                FetchCode::CredentialHelper,
                format!("cannot read Docker's configuration {}: {e}", path.display()),
            ));
        }
    };
    let config: Json = serde_json::from_slice(&bytes).map_err(|e| {
        FetchError::new(
            FetchCode::CredentialHelper,
            format!("Docker's configuration {} is not JSON: {e}", path.display()),
        )
    })?;
    let key = server_key(registry);
    let host = key_host(&key).to_owned();
    let helper = config["credHelpers"]
        .as_object()
        .and_then(|h| {
            h.iter()
                .find(|(k, _)| *k == &key || key_host(k) == host)
                .map(|(_, v)| v)
        })
        .or_else(|| config.get("credsStore"))
        .and_then(Json::as_str)
        .filter(|h| !h.is_empty());
    if let Some(helper) = helper
        && let Some(credential) = from_helper(helper, &key, timeout)?
    {
        return Ok(Some(credential));
    }
    let Some(auths) = config["auths"].as_object() else {
        return Ok(None);
    };
    let entry = auths.get(&key).or_else(|| {
        auths
            .iter()
            .find(|(k, _)| key_host(k) == host)
            .map(|(_, v)| v)
    });
    entry
        .map(|e| from_entry(e, &path))
        .transpose()
        .map(Option::flatten)
}

/// An `auths` entry: `identitytoken` (an OAuth2 refresh token, as `docker login` keeps for
/// registries that issue one), else `auth` (base64 `user:password`), else `username` /
/// `password`.
fn from_entry(entry: &Json, path: &Path) -> Result<Option<Credential>, FetchError> {
    if let Some(token) = entry["identitytoken"].as_str().filter(|t| !t.is_empty()) {
        return Ok(Some(Credential {
            username: IDENTITY_TOKEN_USER.to_owned(),
            secret: token.to_owned(),
        }));
    }
    if let Some(auth) = entry["auth"].as_str().filter(|a| !a.is_empty()) {
        let bad = |why: &str| {
            FetchError::new(
                FetchCode::CredentialHelper,
                format!("{}: an `auth` entry {why}", path.display()),
            )
        };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|_| bad("is not base64"))?;
        let decoded = String::from_utf8(decoded).map_err(|_| bad("is not UTF-8"))?;
        let (username, secret) = decoded
            .split_once(':')
            .ok_or_else(|| bad("is not user:password"))?;
        return Ok(Some(Credential {
            username: username.to_owned(),
            secret: secret.to_owned(),
        }));
    }
    match (entry["username"].as_str(), entry["password"].as_str()) {
        (Some(u), Some(p)) if !u.is_empty() => Ok(Some(Credential {
            username: u.to_owned(),
            secret: p.to_owned(),
        })),
        _ => Ok(None),
    }
}

/// Asks `docker-credential-<helper> get` for `server`'s credential; `None` when the helper knows
/// none (it says "credentials not found").
fn from_helper(
    helper: &str,
    server: &str,
    timeout: Duration,
) -> Result<Option<Credential>, FetchError> {
    // The name becomes part of a program name: no path may be smuggled in.
    if !helper
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        || helper.starts_with('.')
    {
        return Err(FetchError::new(
            FetchCode::CredentialHelper,
            format!("credential helper name {helper:?} is not a plain name"),
        ));
    }
    let program = format!("docker-credential-{helper}");
    let failed =
        |why: String| FetchError::new(FetchCode::CredentialHelper, format!("{program}: {why}"));
    let mut command = Command::new(&program);
    command.arg("get");
    let out = process::run(
        command,
        Some(server.as_bytes()),
        1 << 16,
        timeout,
        &program,
        FetchCode::CredentialHelper,
    )?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stdout).to_string() + &out.stderr;
        if said.to_lowercase().contains("credentials not found") {
            return Ok(None);
        }
        return Err(failed(format!("{}: {}", out.status, said.trim())));
    }
    let answer: Json = serde_json::from_slice(&out.stdout)
        .map_err(|e| failed(format!("its answer is not JSON: {e}")))?;
    match (answer["Username"].as_str(), answer["Secret"].as_str()) {
        (Some(username), Some(secret)) => Ok(Some(Credential {
            username: username.to_owned(),
            secret: secret.to_owned(),
        })),
        _ => Err(failed("its answer has no Username and Secret".to_owned())),
    }
}

/// A `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Basic`.
    Basic,
    /// `Bearer` with its token service and parameters.
    Bearer {
        /// The token service's URL.
        realm: String,
        /// `service`, when given.
        service: Option<String>,
        /// `scope`, when given.
        scope: Option<String>,
    },
}

/// Parses a `WWW-Authenticate` value (one challenge: a scheme, then `key="value"` or
/// `key=token` parameters separated by commas); `None` for another scheme or a Bearer challenge
/// without a realm.
pub fn parse_challenge(value: &str) -> Option<Challenge> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let params = parse_params(rest);
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    Some(Challenge::Bearer {
        realm: get("realm")?,
        service: get("service"),
        scope: get("scope"),
    })
}

fn parse_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String =
            std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ',')).collect();
        if key.is_empty() || chars.next() != Some('=') {
            return out;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => value.extend(chars.next()),
                    c => value.push(c),
                }
            }
        } else {
            value = std::iter::from_fn(|| chars.next_if(|c| *c != ',')).collect();
        }
        out.push((key.trim().to_owned(), value.trim().to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/alpine:pull".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="Registry Realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(
            parse_challenge(r#"bearer realm=http://x/t, service="a,b""#),
            Some(Challenge::Bearer {
                realm: "http://x/t".into(),
                service: Some("a,b".into()),
                scope: None,
            })
        );
        assert_eq!(parse_challenge(r#"Bearer service="x""#), None);
        assert_eq!(parse_challenge("Negotiate abc"), None);
    }

    #[test]
    fn keys() {
        assert_eq!(server_key("docker.io"), DOCKER_HUB_KEY);
        assert_eq!(key_host(DOCKER_HUB_KEY), "index.docker.io");
        assert_eq!(key_host("https://127.0.0.1:5000"), "127.0.0.1:5000");
        assert_eq!(key_host("ghcr.io"), "ghcr.io");
    }

    #[test]
    fn debug_hides_the_secret() {
        let c = Credential {
            username: "u".into(),
            secret: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(c.basic(), "Basic dTpodW50ZXIy");
    }
}
