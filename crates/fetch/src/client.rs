//! One repository of one registry, spoken to over the OCI distribution API: manifests by tag or
//! digest, blobs by digest, the referrers API — each request with the registry's auth challenge
//! answered, retried on transient failures, capped in size, and counted.

use std::io::Read as _;
use std::thread::sleep;

use reqwest::Method;
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder};
use reqwest::header::{ACCEPT, AUTHORIZATION, WWW_AUTHENTICATE};
use serde_json::Value as Json;

use crate::auth::{self, Challenge, Credential};
use crate::{FetchCode, FetchError, Options, Stats};

/// `Docker-Content-Digest`.
const DOCKER_CONTENT_DIGEST: &str = "docker-content-digest";

/// What a manifest request accepts: OCI and Docker manifests and indexes.
pub const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// An answer the caller reads: its status (2xx, or 404 where the caller asked to see it), content
/// type and body.
#[derive(Debug)]
pub struct Response {
    /// The status.
    pub status: StatusCode,
    /// `Docker-Content-Digest`, when given (what the registry says the manifest's digest is:
    /// a hint to find it in the cache, never trusted for content).
    pub digest: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// One answer, as `send` read it.
struct Answer {
    status: StatusCode,
    /// `WWW-Authenticate`.
    challenge: Option<String>,
    /// `Docker-Content-Digest`.
    digest: Option<String>,
    body: Vec<u8>,
}

/// A repository on a registry.
pub struct Registry<'o> {
    http: Client,
    /// `https://host` or `http://host`.
    base: String,
    /// The registry as the reference names it (`docker.io`, `127.0.0.1:5000`).
    registry: String,
    repository: String,
    credential: Option<Credential>,
    /// The `Authorization` value the last challenge earned.
    authorization: Option<String>,
    options: &'o Options,
    /// What was sent and received so far.
    pub stats: Stats,
}

impl core::fmt::Debug for Registry<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Registry")
            .field("base", &self.base)
            .field("repository", &self.repository)
            .field("credential", &self.credential)
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "<redacted>"),
            )
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// The API host of a registry domain (Docker Hub's API lives at `registry-1.docker.io`).
fn api_host(domain: &str) -> &str {
    if domain == "docker.io" || domain == "index.docker.io" {
        "registry-1.docker.io"
    } else {
        domain
    }
}

impl<'o> Registry<'o> {
    /// A client for `repository` on `domain` (as a normalized reference names them), with the
    /// credential Docker's configuration holds for it.
    pub fn new(domain: &str, repository: &str, options: &'o Options) -> Result<Self, FetchError> {
        if domain.is_empty() {
            return Err(FetchError::new(
                FetchCode::Unsupported,
                format!("`{repository}` names no registry"),
            ));
        }
        let host = api_host(domain);
        let insecure = options.insecure.iter().any(|h| h == domain || h == host);
        let scheme = if insecure { "http" } else { "https" };
        Ok(Registry {
            http: http_client(options)?,
            base: format!("{scheme}://{host}"),
            registry: domain.to_owned(),
            repository: repository.to_owned(),
            credential: auth::lookup(options.docker_config.as_deref(), domain, options.timeout)?,
            authorization: None,
            options,
            stats: Stats::default(),
        })
    }

    /// A client for plain downloads (an HTTP source's content): no registry, no credentials; the
    /// same deadline, retries, caps and counting.
    pub fn anonymous(options: &'o Options) -> Result<Self, FetchError> {
        Ok(Registry {
            http: http_client(options)?,
            base: String::new(),
            registry: String::new(),
            repository: String::new(),
            credential: None,
            authorization: None,
            options,
            stats: Stats::default(),
        })
    }

    /// The same client sending `authorization` with every request it makes itself (an API
    /// token; reqwest drops it on a redirect to another host).
    pub fn with_authorization(mut self, authorization: String) -> Self {
        self.authorization = Some(authorization);
        self
    }

    /// `https://host/v2/<repository>/<path>`.
    fn url(&self, path: &str) -> String {
        format!("{}/v2/{}/{path}", self.base, self.repository)
    }

    /// `HEAD /v2/<repository>/<path>`: the status and `Docker-Content-Digest` (no body); a
    /// 404 is returned.
    pub fn head(&mut self, path: &str, accept: &str, what: &str) -> Result<Response, FetchError> {
        let url = self.url(path);
        self.request(Method::HEAD, &url, accept, 0, what, true)
    }

    /// [`Registry::get_url`] of `/v2/<repository>/<path>`.
    pub fn get(
        &mut self,
        path: &str,
        accept: &str,
        cap: u64,
        what: &str,
        not_found_ok: bool,
    ) -> Result<Response, FetchError> {
        let url = self.url(path);
        self.get_url(&url, accept, cap, what, not_found_ok)
    }

    /// `GET url` accepting `accept`, the body capped at `cap`; `what` names it in errors. A 404
    /// is returned when `not_found_ok`, else an error; 401 is answered once (the challenge's
    /// credentials or token); 429, 5xx, connection failures, timeouts and truncated bodies are
    /// retried with back-off.
    pub fn get_url(
        &mut self,
        url: &str,
        accept: &str,
        cap: u64,
        what: &str,
        not_found_ok: bool,
    ) -> Result<Response, FetchError> {
        self.request(Method::GET, url, accept, cap, what, not_found_ok)
    }

    fn request(
        &mut self,
        method: Method,
        url: &str,
        accept: &str,
        cap: u64,
        what: &str,
        not_found_ok: bool,
    ) -> Result<Response, FetchError> {
        let mut answered_challenge = false;
        let mut attempt = 0;
        loop {
            let mut request = self
                .http
                .request(method.clone(), url)
                .header(ACCEPT, accept);
            if let Some(a) = &self.authorization {
                request = request.header(AUTHORIZATION, a);
            }
            match self.send(request, cap) {
                Ok(answer) if answer.status == StatusCode::UNAUTHORIZED && !answered_challenge => {
                    answered_challenge = true;
                    self.answer(answer.challenge.as_deref(), what)?;
                    continue;
                }
                Ok(Answer {
                    status,
                    digest,
                    body,
                    ..
                }) => {
                    if status.is_success() || (status == StatusCode::NOT_FOUND && not_found_ok) {
                        return Ok(Response {
                            status,
                            digest,
                            body,
                        });
                    }
                    if status == StatusCode::NOT_FOUND {
                        return Err(FetchError::new(
                            FetchCode::NotFound,
                            format!("{what}: {url} answered 404 Not Found"),
                        ));
                    }
                    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                        let how = match &self.credential {
                            None => "no credentials for this registry in Docker's configuration \
                                     (docker login, or --registry-config)"
                                .to_owned(),
                            Some(c) => format!("the credentials of `{}` were refused", c.username),
                        };
                        return Err(FetchError::new(
                            FetchCode::AuthFailed,
                            format!("{what}: {url} answered {status}: {how}"),
                        ));
                    }
                    let transient =
                        status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                    if !transient || attempt >= self.options.retries {
                        return Err(FetchError::new(
                            FetchCode::HttpStatus,
                            format!("{what}: {url} answered {status}{}", tries(attempt)),
                        ));
                    }
                }
                Err(e) => {
                    let transient = matches!(
                        e.code(),
                        FetchCode::Unreachable | FetchCode::Timeout | FetchCode::Truncated
                    );
                    if !transient || attempt >= self.options.retries {
                        return Err(e.context(format!("{what}{}", tries(attempt))));
                    }
                }
            }
            sleep(self.options.backoff.saturating_mul(1 << attempt.min(6)));
            attempt += 1;
        }
    }

    /// Sends one request and reads its body (capped).
    fn send(&mut self, request: RequestBuilder, cap: u64) -> Result<Answer, FetchError> {
        self.stats.requests += 1;
        let started = std::time::Instant::now();
        let response = request.send().map_err(|e| transport(&e))?;
        let status = response.status();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let challenge = header(WWW_AUTHENTICATE.as_str());
        let digest = header(DOCKER_CONTENT_DIGEST);
        // An error page is read only a little: nobody needs more than its first KiB.
        let cap = if status.is_success() {
            cap
        } else {
            cap.min(1024)
        };
        if status.is_success()
            && let Some(len) = response.content_length()
            && len > cap
        {
            return Err(FetchError::new(
                FetchCode::TooLarge,
                format!("{len} bytes, over the cap of {cap}"),
            ));
        }
        // reqwest's blocking timeout bounds each read, not the body: a server dripping a byte
        // at a time would never end. The request's deadline covers the whole body here.
        let mut body = Vec::new();
        let read = read_until(
            response.take(cap + 1),
            &mut body,
            started + self.options.timeout,
        );
        self.stats.bytes += body.len() as u64;
        read?;
        if status.is_success() && body.len() as u64 > cap {
            return Err(FetchError::new(
                FetchCode::TooLarge,
                format!("over the cap of {cap} bytes"),
            ));
        }
        if self.stats.bytes > self.options.max_total {
            return Err(FetchError::new(
                FetchCode::TooLarge,
                format!(
                    "the check fetched more than {} bytes in all",
                    self.options.max_total
                ),
            ));
        }
        Ok(Answer {
            status,
            challenge,
            digest,
            body,
        })
    }

    /// Answers a 401's challenge: basic credentials, or a pull token from the token service.
    fn answer(&mut self, challenge: Option<&str>, what: &str) -> Result<(), FetchError> {
        let refused =
            |why: String| FetchError::new(FetchCode::AuthFailed, format!("{what}: {why}"));
        match challenge.and_then(auth::parse_challenge) {
            Some(Challenge::Basic) => {
                let Some(credential) = self.credential.as_ref().filter(|c| !c.is_identity_token())
                else {
                    return Err(refused(format!(
                        "{} asks for a user name and password and Docker's configuration has none \
                         for it (docker login {}, or --registry-config)",
                        self.registry, self.registry
                    )));
                };
                self.authorization = Some(credential.basic());
                Ok(())
            }
            Some(Challenge::Bearer {
                realm,
                service,
                scope,
            }) => {
                let scope = scope.unwrap_or_else(|| format!("repository:{}:pull", self.repository));
                let mut query = vec![("scope", scope)];
                if let Some(service) = service {
                    query.push(("service", service));
                }
                // Credentials go to the token service over HTTPS only (or to a registry the
                // user declared plain HTTP): a registry cannot have them sent in clear.
                let realm_safe = realm.starts_with("https://") || self.base.starts_with("http://");
                let credential = self.credential.as_ref().filter(|_| realm_safe);
                let request = match credential {
                    // An identity token is a refresh token: exchanged for an access token by
                    // the OAuth2 form Docker sends (distribution's token spec, "OAuth2").
                    Some(c) if c.is_identity_token() => {
                        query.extend([
                            ("grant_type", "refresh_token".to_owned()),
                            ("refresh_token", c.secret.clone()),
                            ("client_id", "verdict".to_owned()),
                        ]);
                        // Never redirected: a 307 would send the refresh token's form to
                        // wherever it points, scheme and host included.
                        no_redirects(self.options)?.post(&realm).form(&query)
                    }
                    Some(c) => self
                        .http
                        .get(&realm)
                        .query(&query)
                        .header(AUTHORIZATION, c.basic()),
                    None => self.http.get(&realm).query(&query),
                };
                let Answer { status, body, .. } = self
                    .send(request, 1 << 20)
                    .map_err(|e| e.context(format!("{what}: the token service {realm}")))?;
                if !status.is_success() {
                    return Err(refused(format!(
                        "the token service {realm} answered {status}"
                    )));
                }
                let token: Json = serde_json::from_slice(&body)
                    .map_err(|e| refused(format!("the token service's answer is not JSON: {e}")))?;
                let token = token["token"]
                    .as_str()
                    .or_else(|| token["access_token"].as_str())
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| {
                        refused("the token service's answer holds no token".to_owned())
                    })?;
                self.authorization = Some(format!("Bearer {token}"));
                Ok(())
            }
            None => Err(refused(format!(
                "{} answered 401 without a challenge verdict understands",
                self.registry
            ))),
        }
    }
}

fn http_client(options: &Options) -> Result<Client, FetchError> {
    client_with(options, reqwest::redirect::Policy::custom(no_downgrade))
}

/// A client that follows no redirect (for a request whose body is a secret).
fn no_redirects(options: &Options) -> Result<Client, FetchError> {
    client_with(options, reqwest::redirect::Policy::none())
}

/// Redirects are followed (10 at most) but never from HTTPS to plain HTTP: a server reached
/// over HTTPS cannot move a request (its credentials stripped or not) into the clear.
fn no_downgrade(attempt: reqwest::redirect::Attempt<'_>) -> reqwest::redirect::Action {
    let downgrade = attempt.url().scheme() == "http"
        && attempt.previous().iter().any(|u| u.scheme() == "https");
    if downgrade {
        attempt.error("a redirect from https to plain http")
    } else if attempt.previous().len() >= 10 {
        attempt.error("too many redirects")
    } else {
        attempt.follow()
    }
}

fn client_with(
    options: &Options,
    redirects: reqwest::redirect::Policy,
) -> Result<Client, FetchError> {
    Client::builder()
        .redirect(redirects)
        .timeout(options.timeout)
        .connect_timeout(options.timeout)
        .user_agent(concat!("verdict/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| FetchError::new(FetchCode::Unreachable, format!("HTTP client: {e}")))
}

fn tries(attempt: u32) -> String {
    if attempt == 0 {
        String::new()
    } else {
        format!(" (tried {} times)", attempt + 1)
    }
}

/// Reads `from` to its end into `body`, failing with [`FetchCode::Timeout`] once `deadline` has
/// passed (checked after every read; each read is itself bounded by the client's timeout).
fn read_until(
    mut from: impl std::io::Read,
    body: &mut Vec<u8>,
    deadline: std::time::Instant,
) -> Result<(), FetchError> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = from.read(&mut chunk).map_err(|e| read_error(&e))?;
        if n == 0 {
            return Ok(());
        }
        body.extend_from_slice(&chunk[..n]);
        if std::time::Instant::now() > deadline {
            return Err(FetchError::new(
                FetchCode::Timeout,
                format!(
                    "the body did not arrive before the request's deadline ({} bytes so far)",
                    body.len()
                ),
            ));
        }
    }
}

/// A request that failed before an answer: a timeout, or an unreachable registry.
fn transport(e: &reqwest::Error) -> FetchError {
    let code = if e.is_timeout() {
        FetchCode::Timeout
    } else {
        FetchCode::Unreachable
    };
    FetchError::new(code, chain(e))
}

/// A body that stopped arriving: a timeout, or a connection closed early.
fn read_error(e: &std::io::Error) -> FetchError {
    let timed_out = e.kind() == std::io::ErrorKind::TimedOut
        || std::error::Error::source(e)
            .and_then(|s| s.downcast_ref::<reqwest::Error>())
            .is_some_and(reqwest::Error::is_timeout)
        || chain(e).contains("timed out");
    if timed_out {
        FetchError::new(
            FetchCode::Timeout,
            format!("the body stalled: {}", chain(e)),
        )
    } else {
        FetchError::new(
            FetchCode::Truncated,
            format!(
                "the connection ended before the whole body arrived: {}",
                chain(e)
            ),
        )
    }
}

/// An error and its causes, as one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
