//! GitHub artifact attestations for `github_attestation(input.http, "owner/repo")` (and
//! `github_release_attestation`), fetched as Buildx fetches them (model §5.1): `GET
//! <api>/repos/<owner>/<repo>/attestations/<digest>?predicate_type=https://slsa.dev/provenance/v1`
//! with `Accept: application/vnd.github+json`; each attestation's inline `bundle`, else its
//! `bundle_url` (snappy-decoded when the URL's path ends `.json.sn`, as GitHub stores them).
//!
//! The result is what `gh attestation download` gives, in the evidence layout:
//! `attestations/<owner>/<repo>/sha256-<hex>.jsonl`, one bundle per line — an empty file when
//! GitHub has none, so the component knows it was asked. Nothing here is trusted: the component
//! verifies each bundle against the trusted root and the artifact's digest, and takes the first
//! that verifies. GitHub can withhold attestations (the policy denies) but not forge one.

use serde_json::Value as Json;

use crate::client::Registry;
use crate::{FetchCode, FetchError, Fetched, Options};

/// GitHub's API.
pub const API: &str = "https://api.github.com";

/// The predicate type Buildx asks for.
pub const PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";

/// The cap on the attestation listing (inline bundles included).
pub const MAX_LISTING: u64 = 16 << 20;

/// The cap on one bundle, compressed or not (Buildx's cap on a bundle file).
pub const MAX_BUNDLE: u64 = 8 << 20;

/// The most attestations read for one artifact (GitHub's first page holds 30).
pub const MAX_ATTESTATIONS: usize = 32;

/// The most repositories one check asks GitHub about (a policy could name thousands: each is a
/// request with the user's token, and a file of the evidence listing).
pub const MAX_REPOSITORIES: usize = 8;

/// Where GitHub's attestations are asked for.
#[derive(Clone)]
pub struct Api {
    /// The API's base URL (`https://api.github.com`; GitHub Enterprise Server: `https://HOST/api/v3`).
    pub base: String,
    /// A token sent to the API only (never to a `bundle_url`), over HTTPS only: GitHub answers
    /// 60 unauthenticated requests an hour.
    pub token: Option<String>,
}

impl core::fmt::Debug for Api {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Api")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Default for Api {
    fn default() -> Api {
        Api {
            base: API.to_owned(),
            token: None,
        }
    }
}

impl Api {
    /// The API at `base` with the token `gh` would use for it, read by `var`: `GH_TOKEN`, else
    /// `GITHUB_TOKEN` for github.com; `GH_ENTERPRISE_TOKEN`, else `GITHUB_ENTERPRISE_TOKEN` for
    /// any other host (a github.com token is never sent to another server).
    pub fn with_token_from(base: &str, var: impl Fn(&str) -> Option<String>) -> Api {
        let names: &[&str] = if base.trim_end_matches('/') == API {
            &["GH_TOKEN", "GITHUB_TOKEN"]
        } else {
            &["GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"]
        };
        Api {
            base: base.to_owned(),
            token: names.iter().find_map(|k| var(k).filter(|t| !t.is_empty())),
        }
    }
}

/// A URL as it is shown (progress, errors): without its query, which for a `bundle_url` is a
/// short-lived signature granting access to the bundle.
fn shown(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// The attestations of `repo` (`owner/name`) over `subject` (`sha256:<hex>`), as the evidence
/// listing's file for them.
pub fn fetch_attestations(
    api: &Api,
    repo: &str,
    subject: &str,
    options: &Options,
) -> Result<Fetched, FetchError> {
    let hex = subject
        .strip_prefix("sha256:")
        .filter(|_| crate::is_digest(subject))
        .ok_or_else(|| {
            FetchError::new(
                FetchCode::Unsupported,
                format!("GitHub attestations: `{subject}` is not a sha256 digest"),
            )
        })?;
    let url = listing_url(&api.base, repo, subject)?;
    let secure = url.starts_with("https://");
    let mut client = Registry::anonymous(options)?;
    if let Some(token) = api.token.as_ref().filter(|t| secure && !t.is_empty()) {
        client = client.with_authorization(format!("Bearer {token}"));
    }
    let what = format!("the GitHub attestations of {repo}");
    let listing = client
        .get_url(
            &url,
            "application/vnd.github+json",
            MAX_LISTING.min(options.max_total),
            &what,
            true,
        )
        .map_err(|e| github_error(e, &api.base))?;
    let mut bundles: Vec<Vec<u8>> = Vec::new();
    let mut stats = client.stats.clone();
    // GitHub says "none" with a 404 whose body is its JSON error; a 404 of anything else (an
    // API URL that is not GitHub's: `--github-api` without `/api/v3`) is not an answer.
    if !listing.status.is_success()
        && serde_json::from_slice::<Json>(&listing.body)
            .ok()
            .and_then(|j| j.get("message").cloned())
            .is_none()
    {
        return Err(FetchError::new(
            FetchCode::NotFound,
            format!(
                "{what}: {} answered 404 without GitHub's JSON error: is `{}` GitHub's API \
                 (GitHub Enterprise Server: https://HOST/api/v3)?",
                shown(&url),
                api.base
            ),
        ));
    }
    if listing.status.is_success() {
        let json: Json = serde_json::from_slice(&listing.body).map_err(|e| {
            FetchError::new(
                FetchCode::MalformedResponse,
                format!("{what}: the answer of {url} is not JSON: {e}"),
            )
        })?;
        let items = json["attestations"].as_array().ok_or_else(|| {
            FetchError::new(
                FetchCode::MalformedResponse,
                format!("{what}: the answer of {url} has no `attestations` list"),
            )
        })?;
        // The bundles share what is left of the check's byte budget after the listing.
        let left = Options {
            max_total: options.max_total.saturating_sub(stats.bytes),
            ..options.clone()
        };
        let mut downloads = Registry::anonymous(&left)?;
        for item in items.iter().take(MAX_ATTESTATIONS) {
            let bundle = match (&item["bundle"], item["bundle_url"].as_str()) {
                (bundle @ Json::Object(_), _) => serde_json::to_vec(bundle).unwrap_or_default(),
                (_, Some(bundle_url)) => {
                    download_bundle(&mut downloads, bundle_url, secure, &what, &left)?
                }
                // Neither: nothing to verify; the others may do.
                _ => continue,
            };
            bundles.push(bundle);
        }
        stats.requests += downloads.stats.requests;
        stats.bytes += downloads.stats.bytes;
    }
    if options.progress {
        eprintln!(
            "  fetched {} GitHub attestation{} of {repo} over {subject}",
            bundles.len(),
            if bundles.len() == 1 { "" } else { "s" }
        );
    }
    // One bundle per line (JSON Lines, as `gh attestation download` writes); empty when GitHub
    // has none (a 404 or an empty list).
    let mut content = Vec::new();
    for bundle in bundles {
        content.extend_from_slice(&bundle);
        content.push(b'\n');
    }
    // One file of the evidence listing: within the evidence directory's per-file cap, so the
    // saved directory replays.
    if content.len() as u64 > options.max_blob {
        return Err(FetchError::new(
            FetchCode::TooLarge,
            format!(
                "{what}: {} bytes of bundles, over the {}-byte cap of one evidence file",
                content.len(),
                options.max_blob
            ),
        ));
    }
    Ok(Fetched {
        files: vec![(
            format!(
                "attestations/{}/sha256-{hex}.jsonl",
                repo.to_ascii_lowercase()
            ),
            content,
        )],
        stats,
    })
}

/// A refusal by GitHub's API named as GitHub's (a rate limit or a token it does not take), not
/// as a registry's.
fn github_error(e: FetchError, base: &str) -> FetchError {
    if e.code() == FetchCode::AuthFailed {
        let token = if base.trim_end_matches('/') == API {
            "GH_TOKEN or GITHUB_TOKEN"
        } else {
            "GH_ENTERPRISE_TOKEN or GITHUB_ENTERPRISE_TOKEN"
        };
        return FetchError::new(
            FetchCode::AuthFailed,
            format!(
                "GitHub's API ({base}) refused the request (401/403: a rate limit — 60 requests \
                 an hour without a token — or a token it does not take; set {token})"
            ),
        );
    }
    e
}

/// A `bundle_url`'s bundle, as one line of JSON: over HTTPS (plain HTTP only when the API itself
/// was plain HTTP, a test's loopback server), capped, snappy-decoded when its path ends `.json.sn`.
fn download_bundle(
    client: &mut Registry<'_>,
    url: &str,
    api_secure: bool,
    what: &str,
    options: &Options,
) -> Result<Vec<u8>, FetchError> {
    if !(url.starts_with("https://") || (!api_secure && url.starts_with("http://"))) {
        return Err(FetchError::new(
            FetchCode::Unsupported,
            format!("{what}: bundle_url `{}` is not an https URL", shown(url)),
        ));
    }
    let body = client
        .get_url(url, "*/*", MAX_BUNDLE, what, false)
        .map_err(|e| FetchError::new(e.code(), e.message().replace(url, shown(url))))?
        .body;
    let bytes = if shown(url).ends_with(".json.sn") {
        let len = snap::raw::decompress_len(&body).map_err(|e| {
            FetchError::new(
                FetchCode::MalformedResponse,
                format!("{what}: {} is not snappy data: {e}", shown(url)),
            )
        })?;
        if len as u64 > MAX_BUNDLE {
            return Err(FetchError::new(
                FetchCode::TooLarge,
                format!(
                    "{what}: {} decompresses to {len} bytes, over the {MAX_BUNDLE}-byte cap",
                    shown(url)
                ),
            ));
        }
        snap::raw::Decoder::new()
            .decompress_vec(&body)
            .map_err(|e| {
                FetchError::new(
                    FetchCode::MalformedResponse,
                    format!("{what}: {} is not snappy data: {e}", shown(url)),
                )
            })?
    } else {
        body
    };
    // One line: the bundle's JSON written compactly (its meaning, not its spelling, is what the
    // component verifies: signatures cover the DSSE payload and the log entries inside it).
    let json: Json = serde_json::from_slice(&bytes).map_err(|e| {
        FetchError::new(
            FetchCode::MalformedResponse,
            format!("{what}: the bundle at {} is not JSON: {e}", shown(url)),
        )
    })?;
    if options.progress {
        eprintln!("  fetched {} ({} bytes)", shown(url), bytes.len());
    }
    Ok(serde_json::to_vec(&json).unwrap_or_default())
}

/// `<api>/repos/<owner>/<name>/attestations/<subject>?predicate_type=…`, each path segment
/// percent-encoded: a repository name shapes no URL but its own two segments.
fn listing_url(base: &str, repo: &str, subject: &str) -> Result<String, FetchError> {
    let unsupported = |why: String| FetchError::new(FetchCode::Unsupported, why);
    let (owner, name) = repo
        .split_once('/')
        .filter(|(o, n)| {
            [o, n]
                .iter()
                .all(|p| !p.is_empty() && **p != "." && **p != ".." && !p.contains('/'))
        })
        .ok_or_else(|| {
            unsupported(format!(
                "GitHub attestations: `{repo}` is not an owner/name repository"
            ))
        })?;
    let mut url = reqwest::Url::parse(base.trim_end_matches('/'))
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http") && !u.cannot_be_a_base())
        .ok_or_else(|| {
            unsupported(format!(
                "GitHub attestations: the API `{base}` is not an http(s) URL"
            ))
        })?;
    url.path_segments_mut()
        .map_err(|()| unsupported(format!("GitHub attestations: the API `{base}`")))?
        .pop_if_empty()
        .extend(["repos", owner, name, "attestations", subject]);
    url.query_pairs_mut()
        .clear()
        .append_pair("predicate_type", PREDICATE_TYPE);
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUBJECT: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    #[test]
    fn the_listing_url_is_the_repository_s_own() {
        let url = |base: &str, repo: &str| listing_url(base, repo, SUBJECT);
        assert_eq!(
            url(API, "acme/tool").unwrap(),
            format!(
                "https://api.github.com/repos/acme/tool/attestations/{SUBJECT}\
                 ?predicate_type=https%3A%2F%2Fslsa.dev%2Fprovenance%2Fv1"
            )
        );
        assert_eq!(
            url("https://ghe.example/api/v3/", "a/b").unwrap(),
            format!(
                "https://ghe.example/api/v3/repos/a/b/attestations/{SUBJECT}\
                 ?predicate_type=https%3A%2F%2Fslsa.dev%2Fprovenance%2Fv1"
            )
        );
        // What a policy's string could try: no query, fragment or other path comes of it.
        let odd = url(API, "a/b?x=1#f").unwrap();
        assert!(
            odd.starts_with("https://api.github.com/repos/a/b%3Fx=1%23f/attestations/"),
            "{odd}"
        );
        for bad in ["acme", "acme/", "/tool", "a/b/c", "a/..", "../b", "./b", ""] {
            let e = url(API, bad).unwrap_err();
            assert_eq!(e.code(), FetchCode::Unsupported, "{bad}");
        }
        assert_eq!(
            url("file:///x", "a/b").unwrap_err().code(),
            FetchCode::Unsupported
        );
    }

    #[test]
    fn a_github_com_token_goes_to_github_com_only() {
        let env = |k: &str| Some(format!("{k}-value"));
        let api = Api::with_token_from(API, env);
        assert_eq!(api.token.as_deref(), Some("GH_TOKEN-value"));
        let api = Api::with_token_from("https://api.github.com/", env);
        assert_eq!(api.token.as_deref(), Some("GH_TOKEN-value"));
        let ghes = Api::with_token_from("https://ghe.example/api/v3", env);
        assert_eq!(ghes.token.as_deref(), Some("GH_ENTERPRISE_TOKEN-value"));
        let only_github = |k: &str| (k == "GITHUB_TOKEN").then(|| "t".to_owned());
        assert_eq!(
            Api::with_token_from("https://ghe.example", only_github).token,
            None
        );
        assert_eq!(
            Api::with_token_from(API, only_github).token.as_deref(),
            Some("t")
        );
        assert!(!format!("{api:?}").contains("value"), "{api:?}");
    }

    #[test]
    fn a_bundle_url_is_https_unless_the_api_itself_is_plain_http() {
        let options = Options {
            retries: 0,
            timeout: std::time::Duration::from_millis(200),
            ..Options::default()
        };
        let mut client = Registry::anonymous(&options).unwrap();
        for url in [
            "http://127.0.0.1:9/b.json",
            "file:///etc/passwd",
            "ftp://x/b.json",
        ] {
            let e = download_bundle(&mut client, url, true, "t", &options).unwrap_err();
            assert_eq!(e.code(), FetchCode::Unsupported, "{url}");
        }
        assert_eq!(client.stats.requests, 0);
        // A plain-HTTP API (a test's loopback server) may name a plain-HTTP bundle_url: it is
        // then fetched (here: nothing listens on the discard port).
        let e = download_bundle(
            &mut client,
            "http://127.0.0.1:9/b.json",
            false,
            "t",
            &options,
        )
        .unwrap_err();
        assert_eq!(e.code(), FetchCode::Unreachable);
    }
}
