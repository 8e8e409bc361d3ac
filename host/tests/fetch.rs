//! `verdict check docker-image://REF` without `--evidence`: the evidence fetched from a registry.
//!
//! Real servers on loopback, started here: Debian's `docker-registry` (distribution 2.8.2: no
//! referrers API, so it covers the `sha256-<hex>` tag fallback; with and without htpasswd auth),
//! and a small in-test registry (std TCP, one thread per connection) for what distribution does
//! not do or must not be made to do: the referrers API, a Bearer token service, and faults —
//! wrong bytes for a digest, a truncated body, a stalled connection, a 500 then success, an
//! oversize manifest. The minted images are `tests/minted/*/evidence/oci` (a private Sigstore;
//! `--trusted-root` names its root).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

const NOW: &str = "2026-11-25T00:00:00Z";
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const TRUSTED_ROOT: &str = "tests/minted/docker-github-builder/trusted_root.json";
const PASSWORD: &str = "verdict-test-password";
/// bcrypt of [`PASSWORD`] (cost 5), as `htpasswd -B` writes it.
const HTPASSWD: &str = "verdict:$2b$05$j5Uv3CQzleKwVM4OTAojueo.4t3fd7PTE5/c70x7dKfXxPlJbzBUa\n";
const SIGNED: &str = "docker-github-builder";

fn scratch(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("verdict-fetch-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minted image's OCI layout: blobs by digest and the root's digest.
struct Layout {
    blobs: BTreeMap<String, Vec<u8>>,
    root: String,
}

impl Layout {
    fn minted(scenario: &str) -> Layout {
        let dir = Path::new(ROOT).join(format!("tests/minted/{scenario}/evidence/oci"));
        let index: Value =
            serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
        let root = index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["annotations"]["org.opencontainers.image.ref.name"].is_string())
            .unwrap()["digest"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut blobs = BTreeMap::new();
        for entry in std::fs::read_dir(dir.join("blobs/sha256")).unwrap() {
            let entry = entry.unwrap();
            let name = format!("sha256:{}", entry.file_name().to_string_lossy());
            blobs.insert(name, std::fs::read(entry.path()).unwrap());
        }
        Layout { blobs, root }
    }

    fn json(&self, digest: &str) -> Value {
        serde_json::from_slice(&self.blobs[digest]).unwrap()
    }

    /// The media type of a manifest or index (`None` for any other blob, JSON ones included).
    fn media_type(&self, digest: &str) -> Option<String> {
        let v: Value = serde_json::from_slice(&self.blobs[digest]).ok()?;
        v["mediaType"]
            .as_str()
            .filter(|t| {
                t.starts_with("application/vnd.oci.image.")
                    || t.starts_with("application/vnd.docker.distribution.")
            })
            .filter(|t| t.contains("manifest") || t.contains("index"))
            .map(str::to_owned)
    }

    /// The signature manifests (a `subject` and a bundle artifact type), by their subject.
    fn signatures(&self) -> Vec<(String, String)> {
        self.blobs
            .keys()
            .filter_map(|d| {
                let v: Value = serde_json::from_slice(&self.blobs[d]).ok()?;
                let subject = v["subject"]["digest"].as_str()?;
                v["artifactType"]
                    .as_str()
                    .filter(|t| t.contains("sigstore"))?;
                Some((d.clone(), subject.to_owned()))
            })
            .collect()
    }

    /// The root's manifest for linux/amd64.
    fn amd64(&self) -> String {
        self.json(&self.root)["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["platform"]["architecture"] == "amd64")
            .unwrap()["digest"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The attestation manifest the root names for linux/amd64.
    fn attestation(&self) -> String {
        let root = self.json(&self.root);
        let amd64 = Value::from(self.amd64());
        root["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["annotations"]["vnd.docker.reference.digest"] == amd64)
            .unwrap()["digest"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The referrers index listing `digests` (what the tag schema and the referrers API serve).
    fn referrers_index(&self, digests: &[&String]) -> Vec<u8> {
        let manifests: Vec<Value> = digests
            .iter()
            .map(|d| {
                let m = self.json(d);
                json!({
                    "mediaType": m["mediaType"],
                    "digest": d,
                    "size": self.blobs[*d].len(),
                    "artifactType": m["artifactType"],
                })
            })
            .collect();
        serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": manifests,
        }))
        .unwrap()
    }
}

/// Debian's `docker-registry` on 127.0.0.1 with a temporary config and storage.
struct Distribution {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Distribution {
    fn start(htpasswd: bool) -> Distribution {
        let binary = Path::new("/usr/bin/docker-registry");
        assert!(
            binary.exists(),
            "Debian's docker-registry is not installed (`./x test` installs it: apt-get install docker-registry)"
        );
        let dir = scratch("registry");
        let port = free_port();
        let auth = if htpasswd {
            std::fs::write(dir.join("htpasswd"), HTPASSWD).unwrap();
            format!(
                "auth:\n  htpasswd:\n    realm: verdict-test\n    path: {}\n",
                dir.join("htpasswd").display()
            )
        } else {
            String::new()
        };
        let config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{auth}",
            dir.join("data").display()
        );
        std::fs::write(dir.join("config.yml"), config).unwrap();
        let child = Command::new(binary)
            .arg("serve")
            .arg(dir.join("config.yml"))
            // The access log goes to standard output, errors to standard error.
            .stdout(std::fs::File::create(dir.join("log")).unwrap())
            .stderr(std::fs::File::create(dir.join("errors")).unwrap())
            .spawn()
            .unwrap();
        let registry = Distribution { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The access log's request lines so far.
    fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split('"').nth(1).map(str::to_owned))
            .collect()
    }

    /// Pushes `layout` to `repo`: blobs, then manifests, then indexes, the root tagged `tag`,
    /// and for each signature manifest the referrers tag of its subject (what oras writes to a
    /// registry without the referrers API). `extra` adds signature manifests to a subject's tag.
    fn push(&self, layout: &Layout, repo: &str, tag: &str, extra: &[(&Layout, String)]) {
        let http = reqwest::blocking::Client::new();
        let base = format!("http://{}/v2/{repo}", self.host());
        let auth = |r: reqwest::blocking::RequestBuilder| r.basic_auth("verdict", Some(PASSWORD));
        let push_blob = |digest: &str, bytes: &[u8]| {
            let started = auth(http.post(format!("{base}/blobs/uploads/")))
                .send()
                .unwrap();
            assert_eq!(started.status(), 202, "{:?}", started.text());
            let location = started.headers()["location"].to_str().unwrap().to_owned();
            let location = if location.starts_with("http") {
                location
            } else {
                format!("http://{}{location}", self.host())
            };
            let sep = if location.contains('?') { '&' } else { '?' };
            let done = auth(http.put(format!("{location}{sep}digest={digest}")))
                .header("content-type", "application/octet-stream")
                .body(bytes.to_vec())
                .send()
                .unwrap();
            assert_eq!(done.status(), 201, "{:?}", done.text());
        };
        let push_manifest = |reference: &str, media_type: &str, bytes: &[u8]| {
            let done = auth(http.put(format!("{base}/manifests/{reference}")))
                .header("content-type", media_type)
                .body(bytes.to_vec())
                .send()
                .unwrap();
            assert!(done.status().is_success(), "{reference}: {:?}", done.text());
        };
        let all: Vec<&Layout> = std::iter::once(layout)
            .chain(extra.iter().map(|(l, _)| *l))
            .collect();
        for l in &all {
            for (digest, bytes) in &l.blobs {
                if l.media_type(digest).is_none() {
                    push_blob(digest, bytes);
                }
            }
        }
        for pass in ["manifest", "index"] {
            for l in &all {
                for (digest, bytes) in &l.blobs {
                    let Some(t) = l.media_type(digest) else {
                        continue;
                    };
                    if t.contains(pass) {
                        push_manifest(digest, &t, bytes);
                    }
                }
            }
        }
        let root_type = layout.media_type(&layout.root).unwrap();
        push_manifest(tag, &root_type, &layout.blobs[&layout.root]);
        let mut by_subject: BTreeMap<String, Vec<(&Layout, String)>> = BTreeMap::new();
        for (sig, subject) in layout.signatures() {
            by_subject.entry(subject).or_default().push((layout, sig));
        }
        for (l, subject) in extra {
            for (sig, _) in l.signatures() {
                by_subject
                    .entry(subject.clone())
                    .or_default()
                    .push((l, sig));
            }
        }
        for (subject, sigs) in by_subject {
            let manifests: Vec<Value> = sigs
                .iter()
                .map(|(l, d)| {
                    let m = l.json(d);
                    json!({"mediaType": m["mediaType"], "digest": d, "size": l.blobs[d].len(), "artifactType": m["artifactType"]})
                })
                .collect();
            let index = serde_json::to_vec(&json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": manifests,
            }))
            .unwrap();
            push_manifest(
                &subject.replace(':', "-"),
                "application/vnd.oci.image.index.v1+json",
                &index,
            );
        }
    }
}

impl Drop for Distribution {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One canned answer of the in-test registry.
#[derive(Clone)]
enum Reply {
    /// Status, content type, body, extra headers.
    Ok(u16, String, Vec<u8>, Vec<(String, String)>),
    /// Claims `Content-Length` of the body plus 100, sends the body, closes.
    Truncated(Vec<u8>),
    /// Accepts and never answers (until the client gives up).
    Stall,
    /// Answers the whole `Content-Length`, one byte every 200 ms (each read is quick; the
    /// body never ends in time).
    Drip(Vec<u8>),
}

fn ok(content_type: &str, body: Vec<u8>) -> Reply {
    Reply::Ok(200, content_type.to_owned(), body, vec![])
}

/// A small registry: path → answers (the last one repeats), every request line recorded.
#[derive(Clone, Default)]
struct Fake {
    routes: Arc<Mutex<HashMap<String, VecDeque<Reply>>>>,
    hits: Arc<Mutex<Vec<String>>>,
    /// A `WWW-Authenticate` challenge answered to every `/v2/` request that does not carry the
    /// `Authorization` value given.
    bearer: Arc<Mutex<Option<(String, String)>>>,
    port: u16,
}

impl Fake {
    /// Serves `layout` as `repo` with the root tagged `tag` and the referrers API answering for
    /// the signatures' subjects.
    fn serving(layout: &Layout, repo: &str, tag: &str) -> Fake {
        let (mut fake, listener) = Fake::bound();
        for (digest, bytes) in &layout.blobs {
            match layout.media_type(digest) {
                Some(t) => fake.route(
                    &format!("/v2/{repo}/manifests/{digest}"),
                    vec![ok(&t, bytes.clone())],
                ),
                None => fake.route(
                    &format!("/v2/{repo}/blobs/{digest}"),
                    vec![ok("application/octet-stream", bytes.clone())],
                ),
            }
        }
        let root_type = layout.media_type(&layout.root).unwrap();
        fake.route(
            &format!("/v2/{repo}/manifests/{tag}"),
            vec![ok(&root_type, layout.blobs[&layout.root].clone())],
        );
        let mut by_subject: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (sig, subject) in layout.signatures() {
            by_subject.entry(subject).or_default().push(sig);
        }
        for (subject, sigs) in by_subject {
            let sigs: Vec<&String> = sigs.iter().collect();
            fake.route(
                &format!("/v2/{repo}/referrers/{subject}"),
                vec![ok(
                    "application/vnd.oci.image.index.v1+json",
                    layout.referrers_index(&sigs),
                )],
            );
        }
        fake.start(listener)
    }

    /// A fake with no routes yet, listening on a loopback port; [`Fake::start`] serves it.
    fn bound() -> (Fake, TcpListener) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let fake = Fake {
            port: listener.local_addr().unwrap().port(),
            ..Fake::default()
        };
        (fake, listener)
    }

    /// Answers `listener`'s connections (a thread each) from this fake's routes.
    fn start(self, listener: TcpListener) -> Fake {
        let served = self.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let served = served.clone();
                std::thread::spawn(move || served.answer(stream));
            }
        });
        self
    }

    fn route(&mut self, path: &str, replies: Vec<Reply>) {
        self.routes
            .lock()
            .unwrap()
            .insert(path.to_owned(), replies.into());
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }

    fn answer(&self, stream: TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() {
            return;
        }
        let mut authorization = None;
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                if k.eq_ignore_ascii_case("authorization") {
                    authorization = Some(v.trim().to_owned());
                } else if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        // A request body (a token POST) is recorded after the request line.
        let mut body = vec![0; length.min(1 << 16)];
        if reader.read_exact(&mut body).is_err() {
            body.clear();
        }
        let target = line.split(' ').nth(1).unwrap_or("").to_owned();
        let path = target.split('?').next().unwrap_or("").to_owned();
        self.hits.lock().unwrap().push(format!(
            "{} {target}{}{}",
            line.split(' ').next().unwrap_or(""),
            if body.is_empty() {
                String::new()
            } else {
                format!(" <{}>", String::from_utf8_lossy(&body))
            },
            authorization
                .as_ref()
                .map(|a| format!(" [{a}]"))
                .unwrap_or_default()
        ));
        let bearer = self.bearer.lock().unwrap().clone();
        let refused = bearer.filter(|(_, want)| {
            path.starts_with("/v2/") && authorization.as_deref() != Some(want.as_str())
        });
        let reply = if let Some((challenge, _)) = refused {
            Some(Reply::Ok(
                401,
                "application/json".into(),
                b"{}".to_vec(),
                vec![("www-authenticate".into(), challenge)],
            ))
        } else {
            let mut routes = self.routes.lock().unwrap();
            match routes.get_mut(&path) {
                Some(q) if q.len() > 1 => q.pop_front(),
                Some(q) => q.front().cloned(),
                None => None,
            }
        };
        let mut out = stream;
        let write = |out: &mut TcpStream,
                     status: u16,
                     ct: &str,
                     body: &[u8],
                     len: usize,
                     extra: &[(String, String)]| {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: {ct}\r\ncontent-length: {len}\r\nconnection: close\r\n"
            );
            for (k, v) in extra {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = out.write_all(head.as_bytes());
            let _ = out.write_all(body);
            let _ = out.flush();
        };
        match reply {
            None => write(
                &mut out,
                404,
                "application/json",
                b"{\"errors\":[{\"code\":\"NOT_FOUND\"}]}",
                33,
                &[],
            ),
            Some(Reply::Ok(status, ct, body, extra)) => {
                write(&mut out, status, &ct, &body, body.len(), &extra)
            }
            Some(Reply::Truncated(body)) => write(
                &mut out,
                200,
                "application/octet-stream",
                &body,
                body.len() + 100,
                &[],
            ),
            Some(Reply::Drip(body)) => {
                let head = format!(
                    "HTTP/1.1 200 X\r\ncontent-type: application/octet-stream\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = out.write_all(head.as_bytes());
                for b in body {
                    if out.write_all(&[b]).and_then(|()| out.flush()).is_err() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
            Some(Reply::Stall) => {
                let mut sink = [0u8; 1];
                let _ = out.set_read_timeout(Some(Duration::from_secs(30)));
                let _ = out.read(&mut sink);
            }
        }
    }
}

fn verdict(args: &[&str], cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(args)
        .current_dir(ROOT)
        .env("VERDICT_CACHE_DIR", cache)
        .env("DOCKER_CONFIG", cache.join("no-docker-config"))
        .output()
        .unwrap()
}

/// `verdict check SOURCE -o json` with the registry test policy and the minted trusted root,
/// speaking plain HTTP to `host`.
fn check_args<'a>(source: &'a str, host: &'a str) -> Vec<&'a str> {
    vec![
        "check",
        source,
        "-o",
        "json",
        "-f",
        "tests/cli/registry/Dockerfile",
        "--trusted-root",
        TRUSTED_ROOT,
        "--now",
        NOW,
        "--insecure-registry",
        host,
    ]
}

/// Runs `verdict ARGS` (JSON output): the parsed output, the exit status and standard error.
fn json_run(args: &[&str], cache: &Path) -> (Value, i32, String) {
    let out = verdict(args, cache);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
    (value, out.status.code().unwrap_or(-1), stderr)
}

/// `verdict check SOURCE -o json` with the registry test policy and the minted trusted root, fetching
/// from `host` (plain HTTP); the parsed output and the exit status.
fn check(source: &str, host: &str, cache: &Path, extra: &[&str]) -> (Value, i32, String) {
    let mut args = check_args(source, host);
    args.extend_from_slice(extra);
    json_run(&args, cache)
}

/// The error message of a `--format json` verdict (it must have one).
fn error_message(output: &Value) -> &str {
    output["verdict"]["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error verdict: {output:#}"))
}

fn fact<'a>(verdict: &'a Value, field: &str) -> Option<&'a Value> {
    verdict["verdict"]["facts"]
        .as_array()?
        .iter()
        .find(|f| f["field"] == field)
}

fn listing(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().to_string();
                out.insert(
                    rel,
                    format!("{:x}", Sha256::digest(std::fs::read(&p).unwrap())),
                );
            }
        }
    }
    out
}

/// A registry (htpasswd auth or none) holding the signed minted image as acme/app:v1.0.0: the
/// registry, the layout, the registry's host and the image's source.
fn signed_image(htpasswd: bool) -> (Distribution, Layout, String, String) {
    let registry = Distribution::start(htpasswd);
    let signed = Layout::minted(SIGNED);
    registry.push(&signed, "acme/app", "v1.0.0", &[]);
    let host = registry.host();
    let source = format!("docker-image://{host}/acme/app:v1.0.0");
    (registry, signed, host, source)
}

#[test]
fn an_image_from_a_registry_is_checked_as_its_saved_layout_is() {
    let (registry, signed, host, source) = signed_image(false);
    let cache = scratch("cache");
    let saved = cache.join("saved");

    // First check: everything fetched, signatures found through the referrers tag.
    let (fetched, status, stderr) = check(
        &source,
        &host,
        &cache,
        &["--save-evidence", saved.to_str().unwrap()],
    );
    assert_eq!(
        fetched["verdict"]["decision"], "allow",
        "{fetched:#}\n{stderr}"
    );
    assert_eq!(status, 0);
    assert_eq!(
        fact(&fetched, "image.signatures").unwrap()["status"],
        "verified",
        "{fetched:#}"
    );
    assert_eq!(
        fact(&fetched, "image.checksum").unwrap()["status"],
        "asserted",
        "{fetched:#}"
    );
    let checksum = fact(&fetched, "image.checksum").unwrap()["how"].to_string();
    assert!(checksum.contains(&signed.root), "{checksum}");
    let first_requests = registry.requests().len();
    assert!(
        registry.requests().iter().any(|r| r.contains(&format!(
            "/manifests/{}",
            signed.attestation().replace(':', "-")
        ))),
        "the tag-schema fallback was not used: {:?}",
        registry.requests()
    );

    // Saving again into the now non-empty directory: refused before anything is fetched.
    let before = registry.requests().len();
    let (again, status, _) = check(
        &source,
        &host,
        &cache,
        &["--save-evidence", saved.to_str().unwrap()],
    );
    assert_eq!(status, 2, "{again:#}");
    assert!(error_message(&again).contains("not empty"), "{again:#}");
    assert_eq!(registry.requests().len(), before, "nothing fetched");

    // Replayed from the saved directory: the same verdict, the same hash.
    let (replayed, _, _) = check(
        &source,
        &host,
        &cache,
        &["--evidence", saved.to_str().unwrap()],
    );
    assert_eq!(replayed, fetched);
    assert_eq!(
        registry.requests().len(),
        first_requests,
        "a replay fetches nothing"
    );

    // The saved layout holds the chain and nothing else: root, platform manifest, config,
    // attestation manifest, provenance, signature manifest, bundle.
    let files = listing(&saved);
    assert!(files.contains_key("oci/index.json") && files.contains_key("oci/oci-layout"));
    let blobs: Vec<&String> = files
        .keys()
        .filter(|k| k.starts_with("oci/blobs/"))
        .collect();
    assert_eq!(blobs.len(), 7, "{blobs:?}");

    // Second check with the cache: nothing content-addressed is fetched again; the tag and the
    // referrers listing (which can change) are asked again.
    let (cached, _, _) = check(&source, &host, &cache, &[]);
    assert_eq!(cached, fetched);
    let again: Vec<String> = registry.requests()[first_requests..].to_vec();
    assert!(
        again
            .iter()
            .all(|r| !r.contains("/blobs/sha256:") && !r.contains("/manifests/sha256:")),
        "{again:?}"
    );
    // The tag by HEAD (its digest found in the cache: no body), then the referrers listing.
    assert!(
        again
            .iter()
            .any(|r| r.starts_with("HEAD ") && r.contains("/manifests/v1.0.0")),
        "{again:?}"
    );
    assert!(
        !again
            .iter()
            .any(|r| r.starts_with("GET ") && r.contains("/manifests/v1.0.0")),
        "{again:?}"
    );
    assert_eq!(again.len(), 3, "{again:?}");

    // Pinned by digest: the same image, the root checked by its digest (verified).
    let pinned = format!("docker-image://{host}/acme/app@{}", signed.root);
    let (by_digest, _, _) = check(&pinned, &host, &cache, &["--no-evidence-cache"]);
    assert!(
        fact(&by_digest, "image.checksum").is_none(),
        "pinned: nothing asserted"
    );
    assert_eq!(
        fact(&by_digest, "image.signatures").unwrap()["status"],
        "verified"
    );

    // --offline: no request at all, and the note says how to get evidence.
    let before = registry.requests().len();
    let (offline, _, stderr) = check(&source, &host, &cache, &["--offline"]);
    assert_eq!(registry.requests().len(), before);
    assert_eq!(offline["verdict"]["decision"], "deny");
    assert!(stderr.contains("--offline"), "{stderr}");
    // Saving with nothing fetched is refused, not silently empty.
    let unsaved = cache.join("unsaved");
    let (refused, status, _) = check(
        &source,
        &host,
        &cache,
        &["--offline", "--save-evidence", unsaved.to_str().unwrap()],
    );
    assert_eq!(status, 2, "{refused:#}");
    assert!(
        error_message(&refused).contains("nothing is fetched"),
        "{refused:#}"
    );
    assert!(!unsaved.exists());
    let _ = std::fs::remove_dir_all(&cache);
}

#[test]
fn another_image_s_signatures_listed_for_this_one_add_nothing() {
    // acme/app:v1.0.0 without signatures; the referrers tag of its attestation manifest lists
    // the signature manifests of another image (dockerfile:1.21, pushed to the same repository):
    // a tag anyone with push rights can write. They are dropped, never saved, and the check
    // denies as for an unsigned image.
    let registry = Distribution::start(false);
    let unsigned = Layout::minted("unsigned");
    let other = Layout::minted("dockerfile-1.21");
    registry.push(
        &unsigned,
        "acme/app",
        "v1.0.0",
        &[(&other, unsigned.attestation())],
    );
    let host = registry.host();
    let cache = scratch("leak");
    let saved = cache.join("saved");
    let (got, status, stderr) = check(
        &format!("docker-image://{host}/acme/app:v1.0.0"),
        &host,
        &cache,
        &["--save-evidence", saved.to_str().unwrap()],
    );
    assert_eq!(got["verdict"]["decision"], "deny", "{got:#}\n{stderr}");
    assert_eq!(status, 1);
    assert!(fact(&got, "image.signatures").is_none(), "{got:#}");
    let files = listing(&saved);
    for (sig, _) in other.signatures() {
        let path = format!("oci/blobs/{}", sig.replace(':', "/"));
        assert!(!files.contains_key(&path), "{path} was saved");
    }
    let _ = std::fs::remove_dir_all(&cache);
}

#[test]
fn registry_credentials_as_docker_users_have_them() {
    // The registry runs until `_registry` is dropped at the end of the test.
    let (_registry, _, host, source) = signed_image(true);
    let dir = scratch("auth");
    let config = dir.join("config.json");
    let config_arg = [
        "--registry-config",
        config.to_str().unwrap(),
        "--no-evidence-cache",
    ];

    // No credentials: refused, and the error says where credentials come from.
    let (got, status, _) = check(&source, &host, &dir, &["--no-evidence-cache"]);
    assert_eq!(status, 2, "{got:#}");
    assert_eq!(got["verdict"]["error"]["code"], "invalid-request");
    let message = error_message(&got);
    assert!(message.ends_with("(auth-failed)"), "{message}");

    // `auths` with `auth` (base64 user:password).
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("verdict:{PASSWORD}"));
    std::fs::write(
        &config,
        json!({"auths": {host.clone(): {"auth": b64}}}).to_string(),
    )
    .unwrap();
    let (got, status, _) = check(&source, &host, &dir, &config_arg);
    assert_eq!(
        (got["verdict"]["decision"].as_str(), status),
        (Some("allow"), 0),
        "{got:#}"
    );

    // A wrong password: refused with the same code.
    let wrong = base64::engine::general_purpose::STANDARD.encode("verdict:nope");
    std::fs::write(
        &config,
        json!({"auths": {format!("http://{host}"): {"auth": wrong}}}).to_string(),
    )
    .unwrap();
    let (got, status, _) = check(&source, &host, &dir, &config_arg);
    assert_eq!(status, 2, "{got:#}");
    assert!(error_message(&got).ends_with("(auth-failed)"));

    // A credential helper (`credHelpers` for this registry), a script the test writes: asked
    // with `get` and the server on standard input.
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let helper = bin.join("docker-credential-verdict-test");
    let asked = dir.join("asked");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\ncat > {asked}\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"verdict\",\"Secret\":\"{PASSWORD}\"}}' \"$(cat {asked})\"\n",
            asked = asked.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(
        &config,
        json!({"auths": {host.clone(): {}}, "credHelpers": {host.clone(): "verdict-test"}})
            .to_string(),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |args: &[&str]| {
        let mut all = check_args(&source, &host);
        all.extend_from_slice(args);
        Command::new(env!("CARGO_BIN_EXE_verdict"))
            .args(&all)
            .current_dir(ROOT)
            .env("PATH", &path)
            .env("VERDICT_CACHE_DIR", &dir)
            .output()
            .unwrap()
    };
    let out = run(&config_arg);
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        got["verdict"]["decision"],
        "allow",
        "{got:#}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&asked).unwrap(), host);

    // `credsStore` for every registry works the same way.
    std::fs::write(&config, json!({"credsStore": "verdict-test"}).to_string()).unwrap();
    let out = run(&config_arg);
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["verdict"]["decision"], "allow", "{got:#}");

    // A helper name that would leave the helper's name space is refused.
    std::fs::write(&config, json!({"credsStore": "../../bin/sh"}).to_string()).unwrap();
    let out = run(&config_arg);
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        error_message(&got).ends_with("(credential-helper)"),
        "{got:#}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A check against the in-test registry serving the signed image as acme/app:v1.0.0.
fn fake_check(fake: &Fake, cache: &Path, extra: &[&str]) -> (Value, i32, String) {
    let source = format!("docker-image://{}/acme/app:v1.0.0", fake.host());
    let mut args = vec!["--no-evidence-cache"];
    if !extra.contains(&"--fetch-timeout") {
        args.extend_from_slice(&["--fetch-timeout", "2"]);
    }
    args.extend_from_slice(extra);
    check(&source, &fake.host(), cache, &args)
}

#[test]
fn the_referrers_api_and_a_bearer_token_service() {
    let signed = Layout::minted(SIGNED);
    let mut fake = Fake::serving(&signed, "acme/app", "v1.0.0");
    let cache = scratch("api");
    let (got, status, stderr) = fake_check(&fake, &cache, &[]);
    assert_eq!(
        (got["verdict"]["decision"].as_str(), status),
        (Some("allow"), 0),
        "{got:#}\n{stderr}"
    );
    assert_eq!(
        fact(&got, "image.signatures").unwrap()["status"],
        "verified"
    );
    let hits = fake.hits();
    assert!(hits.iter().any(|h| h.contains("/referrers/")), "{hits:?}");
    assert!(
        !hits.iter().any(|h| h.contains("/manifests/sha256-")),
        "no fallback: {hits:?}"
    );
    // A listing that also names the image's config (as a manifest): what the chain already
    // holds is not a referrer, and is neither fetched again nor dropped.
    let config = signed.json(&signed.amd64())["config"]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let attestation = signed.attestation();
    let mut listed: Vec<String> = signed
        .signatures()
        .into_iter()
        .filter(|(_, subject)| *subject == attestation)
        .map(|(sig, _)| sig)
        .collect();
    let mut index: Value =
        serde_json::from_slice(&signed.referrers_index(&listed.iter().collect::<Vec<_>>()))
            .unwrap();
    index["manifests"].as_array_mut().unwrap().insert(
        0,
        json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": config, "size": signed.blobs[&config].len(), "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json"}),
    );
    listed.clear();
    fake.route(
        &format!("/v2/acme/app/referrers/{attestation}"),
        vec![ok(
            "application/vnd.oci.image.index.v1+json",
            serde_json::to_vec(&index).unwrap(),
        )],
    );
    let (got, status, _) = fake_check(&fake, &cache, &[]);
    assert_eq!(
        (got["verdict"]["decision"].as_str(), status),
        (Some("allow"), 0),
        "{got:#}"
    );
    assert_eq!(
        fact(&got, "image.config").unwrap()["status"],
        "verified",
        "{got:#}"
    );

    // Every registry path behind a Bearer challenge: the token service is asked for a pull token
    // for the repository, and the token is sent from then on.
    let token_url = format!("http://{}/token", fake.host());
    let challenge =
        format!(r#"Bearer realm="{token_url}",service="fake",scope="repository:acme/app:pull""#);
    *fake.bearer.lock().unwrap() = Some((challenge, "Bearer t0k3n".to_owned()));
    fake.route(
        "/token",
        vec![ok("application/json", br#"{"token":"t0k3n"}"#.to_vec())],
    );
    fake.hits.lock().unwrap().clear();
    let (got, _, stderr) = fake_check(&fake, &cache, &[]);
    assert_eq!(got["verdict"]["decision"], "allow", "{got:#}\n{stderr}");
    let hits = fake.hits();
    let token = hits
        .iter()
        .find(|h| h.starts_with("GET /token"))
        .expect("the token service was asked");
    assert!(
        token.contains("scope=repository%3Aacme%2Fapp%3Apull") && token.contains("service=fake"),
        "{token}"
    );
    // After the first challenge, every registry request carries the token.
    let after_token = hits
        .iter()
        .position(|h| h.starts_with("GET /token"))
        .unwrap();
    assert!(
        hits[after_token + 1..]
            .iter()
            .all(|h| h.ends_with("[Bearer t0k3n]")),
        "{hits:?}"
    );

    // An identity token (`docker login` to a registry that issues OAuth2 refresh tokens) is
    // exchanged at the token service by the OAuth2 form, never sent as a password.
    let config = cache.join("identity-token.json");
    std::fs::write(
        &config,
        serde_json::to_vec(&json!({"auths": {fake.host(): {"identitytoken": "refresh-r3fr3sh"}}}))
            .unwrap(),
    )
    .unwrap();
    *fake.bearer.lock().unwrap() = Some((
        format!(r#"Bearer realm="{token_url}",service="fake",scope="repository:acme/app:pull""#),
        "Bearer 4cc3ss".to_owned(),
    ));
    fake.route(
        "/token",
        vec![ok(
            "application/json",
            br#"{"access_token":"4cc3ss"}"#.to_vec(),
        )],
    );
    fake.hits.lock().unwrap().clear();
    let (got, _, stderr) = fake_check(
        &fake,
        &cache,
        &["--registry-config", config.to_str().unwrap()],
    );
    assert_eq!(got["verdict"]["decision"], "allow", "{got:#}\n{stderr}");
    let hits = fake.hits();
    let exchange = hits
        .iter()
        .find(|h| h.starts_with("POST /token"))
        .unwrap_or_else(|| panic!("no token exchange: {hits:?}"));
    for part in [
        "grant_type=refresh_token",
        "refresh_token=refresh-r3fr3sh",
        "service=fake",
        "scope=repository%3Aacme%2Fapp%3Apull",
    ] {
        assert!(exchange.contains(part), "{part}: {exchange}");
    }
    assert!(
        !hits
            .iter()
            .any(|h| h.contains("refresh-r3fr3sh") && !h.starts_with("POST /token")),
        "the refresh token went elsewhere: {hits:?}"
    );
    assert!(!exchange.contains("[Basic"), "{exchange}");
    let _ = std::fs::remove_dir_all(&cache);
}

#[test]
fn registry_faults_end_in_an_error_or_a_correct_verdict() {
    let signed = Layout::minted(SIGNED);
    let cache = scratch("faults");
    let config = signed.json(&signed.amd64())["config"]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let config_path = format!("/v2/acme/app/blobs/{config}");
    // The bundle of linux/amd64's attestation manifest (the one the check reads).
    let attestation = signed.attestation();
    let bundle = signed
        .signatures()
        .iter()
        .find(|(_, subject)| *subject == attestation)
        .map(|(sig, _)| {
            signed.json(sig)["layers"][0]["digest"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .unwrap();
    let bundle_path = format!("/v2/acme/app/blobs/{bundle}");
    let error = |got: &Value| {
        (
            got["verdict"]["error"]["code"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
            got["verdict"]["error"]["message"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        )
    };

    // Wrong bytes for a digest (the bundle with one byte flipped): never accepted, not cached.
    let mut fake = Fake::serving(&signed, "acme/app", "v1.0.0");
    let mut flipped = signed.blobs[&bundle].clone();
    flipped[10] ^= 1;
    fake.route(&bundle_path, vec![ok("application/octet-stream", flipped)]);
    let (got, status, _) = fake_check(&fake, &cache, &[]);
    let (code, message) = error(&got);
    assert_eq!((status, code.as_str()), (2, "invalid-evidence"), "{got:#}");
    assert!(message.ends_with("(digest-mismatch)"), "{message}");
    assert_eq!(got["verdict"]["decision"], "error");

    // A truncated body, every time: an error after the retries.
    let mut fake = Fake::serving(&signed, "acme/app", "v1.0.0");
    fake.route(
        &config_path,
        vec![Reply::Truncated(signed.blobs[&config].clone())],
    );
    let (got, status, _) = fake_check(&fake, &cache, &["--fetch-retries", "1"]);
    let (code, message) = error(&got);
    assert_eq!((status, code.as_str()), (2, "invalid-evidence"), "{got:#}");
    assert!(message.ends_with("(truncated)"), "{message}");
    assert_eq!(
        fake.hits().iter().filter(|h| h.contains(&config)).count(),
        2
    );

    // A stalled connection: the request's deadline ends it.
    let mut fake = Fake::serving(&signed, "acme/app", "v1.0.0");
    fake.route(&config_path, vec![Reply::Stall]);
    let started = Instant::now();
    let (got, status, _) = fake_check(
        &fake,
        &cache,
        &["--fetch-retries", "0", "--fetch-timeout", "1"],
    );
    let (code, message) = error(&got);
    assert_eq!((status, code.as_str()), (2, "invalid-request"), "{got:#}");
    assert!(message.ends_with("(timeout)"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(20));

    // A body dripping in a byte at a time: each read is quick, but the request's deadline
    // covers the whole body.
    let mut fake = Fake::serving(&signed, "acme/app", "v1.0.0");
    fake.route(
        &config_path,
        vec![Reply::Drip(signed.blobs[&config].clone())],
    );
    let started = Instant::now();
    let (got, status, _) = fake_check(
        &fake,
        &cache,
        &["--fetch-retries", "0", "--fetch-timeout", "1"],
    );
    let (code, message) = error(&got);
    assert_eq!((status, code.as_str()), (2, "invalid-request"), "{got:#}");
    assert!(message.ends_with("(timeout)"), "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    // A 500, then the right answer: retried, and the verdict is the registry's first answer's.
    let mut fake = Fake::serving(&signed, "acme/app", "v1.0.0");
    fake.route(
        &bundle_path,
        vec![
            Reply::Ok(500, "text/plain".into(), b"oops".to_vec(), vec![]),
            ok("application/octet-stream", signed.blobs[&bundle].clone()),
        ],
    );
    let (got, status, _) = fake_check(&fake, &cache, &[]);
    assert_eq!(
        (got["verdict"]["decision"].as_str(), status),
        (Some("allow"), 0),
        "{got:#}"
    );
    assert_eq!(
        fake.hits().iter().filter(|h| h.contains(&bundle)).count(),
        2
    );

    // A manifest over the cap (distribution's 4 MiB): refused before it is read.
    let mut fake = Fake::serving(&signed, "acme/app", "v1.0.0");
    fake.route(
        "/v2/acme/app/manifests/v1.0.0",
        vec![ok(
            "application/vnd.oci.image.index.v1+json",
            vec![b' '; (4 << 20) + 1],
        )],
    );
    let (got, status, _) = fake_check(&fake, &cache, &[]);
    let (code, message) = error(&got);
    assert_eq!((status, code.as_str()), (2, "invalid-evidence"), "{got:#}");
    assert!(message.ends_with("(too-large)"), "{message}");

    // A tag that does not exist, and a registry nobody listens on.
    let fake = Fake::serving(&signed, "acme/app", "v2");
    let (got, _, _) = fake_check(&fake, &cache, &[]);
    assert!(error(&got).1.ends_with("(not-found)"), "{got:#}");
    let closed = format!("127.0.0.1:{}", free_port());
    let (got, status, _) = check(
        &format!("docker-image://{closed}/acme/app:v1.0.0"),
        &closed,
        &cache,
        &["--fetch-retries", "0"],
    );
    assert_eq!(status, 2);
    assert!(error(&got).1.ends_with("(unreachable)"), "{got:#}");
    let _ = std::fs::remove_dir_all(&cache);
}

/// A smart-HTTP git server on 127.0.0.1: each request runs `git http-backend` (CGI) over the
/// bare repositories under `root`.
fn serve_git(root: &Path) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let root = root.to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || cgi(&root, stream));
        }
    });
    port
}

fn cgi(root: &Path, stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split(' ');
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("").to_owned();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let mut body = Vec::new();
    if let Some(len) = headers
        .get("content-length")
        .and_then(|l| l.parse::<usize>().ok())
    {
        body.resize(len, 0);
        reader.read_exact(&mut body).unwrap();
    } else if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.contains("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let n = usize::from_str_radix(size.trim(), 16).unwrap();
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    let mut child = Command::new("git")
        .arg("http-backend")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("REQUEST_METHOD", &method)
        .env(
            "CONTENT_TYPE",
            headers.get("content-type").cloned().unwrap_or_default(),
        )
        .env("CONTENT_LENGTH", body.len().to_string())
        .env(
            "GIT_PROTOCOL",
            headers.get("git-protocol").cloned().unwrap_or_default(),
        )
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&body).unwrap();
    let out = child.wait_with_output().unwrap().stdout;
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4));
    let split = split.or_else(|| out.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let (head, payload) = match split {
        Some((i, n)) => (
            String::from_utf8_lossy(&out[..i]).to_string(),
            &out[i + n..],
        ),
        None => (String::new(), &out[..]),
    };
    let mut status = "200 OK".to_owned();
    let mut response = String::new();
    for h in head.lines() {
        match h.split_once(':') {
            Some((k, v)) if k.eq_ignore_ascii_case("status") => status = v.trim().to_owned(),
            Some(_) => response.push_str(&format!("{h}\r\n")),
            None => {}
        }
    }
    let mut out_stream = stream;
    let _ = out_stream.write_all(
        format!(
            "HTTP/1.1 {status}\r\n{response}content-length: {}\r\nconnection: close\r\n\r\n",
            payload.len()
        )
        .as_bytes(),
    );
    let _ = out_stream.write_all(payload);
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", "2026-11-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-01T12:00:00Z")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A check of a git or HTTP source (no `--insecure-registry`: those name their scheme).
fn check_source(
    source: &str,
    policy: &str,
    context: &str,
    cache: &Path,
    extra: &[&str],
) -> (Value, i32, String) {
    let mut args = vec![
        "check",
        source,
        "-o",
        "json",
        "--policy",
        policy,
        "--context",
        context,
        "--now",
        NOW,
    ];
    args.extend_from_slice(extra);
    json_run(&args, cache)
}

/// Checks `source` fetching its evidence (saved under `dir/saved`), asserts it allows, replays
/// the check from the saved directory and asserts the same verdict; the fetched verdict.
fn allowed_and_replayed(source: &str, policy: &str, context: &str, dir: &Path) -> Value {
    let saved = dir.join("saved");
    let (fetched, status, stderr) = check_source(
        source,
        policy,
        context,
        dir,
        &["--save-evidence", saved.to_str().unwrap()],
    );
    assert_eq!(
        (fetched["verdict"]["decision"].as_str(), status),
        (Some("allow"), 0),
        "{fetched:#}\n{stderr}"
    );
    let (replayed, _, _) = check_source(
        source,
        policy,
        context,
        dir,
        &["--evidence", saved.to_str().unwrap()],
    );
    assert_eq!(replayed, fetched);
    fetched
}

#[test]
fn a_git_source_is_fetched_with_git_and_checked_as_its_layout_is() {
    // The repository of examples/git-signed-tag, rebuilt: the same commit (fixed dates and
    // author: the same id), and the example's signed and unsigned tag objects written as they
    // are. Served by `git http-backend` on loopback.
    let dir = scratch("git");
    let work = dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q", "."]);
    git(&work, &["config", "user.name", "Acme Release"]);
    git(&work, &["config", "user.email", "release@acme.example"]);
    std::fs::write(work.join("README"), "acme app\n").unwrap();
    git(&work, &["add", "README"]);
    git(&work, &["commit", "-q", "-m", "Release 1.0.0"]);
    assert_eq!(
        git(&work, &["rev-parse", "HEAD"]),
        "e57ad0c714a174976f730b29ea10a5f13772ee70",
        "the example's commit"
    );
    let example = Path::new(ROOT).join("examples/git-signed-tag/evidence");
    for tag in ["v1.0.0", "v1.0.0-unsigned"] {
        let refs = std::fs::read_to_string(example.join(tag).join("git/refs")).unwrap();
        let oid = refs.split('\t').next().unwrap();
        let object = example.join(tag).join("git/objects").join(oid);
        let written = git(
            &work,
            &["hash-object", "-t", "tag", "-w", object.to_str().unwrap()],
        );
        assert_eq!(written, oid);
        git(&work, &["update-ref", &format!("refs/tags/{tag}"), oid]);
    }
    let served = dir.join("served");
    std::fs::create_dir_all(&served).unwrap();
    git(
        &dir,
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            served.join("app.git").to_str().unwrap(),
        ],
    );
    let port = serve_git(&served);
    let url = format!("http://127.0.0.1:{port}/app.git");
    let policy = "cwd://tests/cli/git-fetch/Dockerfile.rego";
    let context = "examples/git-signed-tag/context";

    let fetched = allowed_and_replayed(&format!("{url}#v1.0.0"), policy, context, &dir);
    assert!(
        fetched["verdict"]["facts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["status"] == "verified" && f["field"].as_str().unwrap().starts_with("git.")),
        "{fetched:#}"
    );

    // The documented manual layout (`git ls-remote --symref` + `git cat-file` in a clone) is the
    // same evidence: the same verdict hash.
    let manual = dir.join("manual");
    std::fs::create_dir_all(manual.join("git/objects")).unwrap();
    std::fs::write(
        manual.join("git/refs"),
        git(&dir, &["ls-remote", "--symref", &url]) + "\n",
    )
    .unwrap();
    for (kind, oid) in [
        ("tag", "151710b148bfb46b9d7e16baf5cb2e10d1ff5574"),
        ("commit", "e57ad0c714a174976f730b29ea10a5f13772ee70"),
    ] {
        let raw = Command::new("git")
            .args(["cat-file", kind, oid])
            .current_dir(&work)
            .output()
            .unwrap()
            .stdout;
        std::fs::write(manual.join("git/objects").join(oid), raw).unwrap();
    }
    let (by_hand, _, _) = check_source(
        &format!("{url}#v1.0.0"),
        policy,
        context,
        &dir,
        &["--evidence", manual.to_str().unwrap()],
    );
    assert_eq!(by_hand["hash"], fetched["hash"], "{by_hand:#}");

    // The unsigned tag: fetched the same way, denied.
    let (unsigned, status, _) = check_source(
        &format!("{url}#v1.0.0-unsigned"),
        policy,
        context,
        &dir,
        &[],
    );
    assert_eq!(
        (unsigned["verdict"]["decision"].as_str(), status),
        (Some("deny"), 1),
        "{unsigned:#}"
    );

    // A ref the repository does not have: the refs are fetched, nothing else; the component
    // says the ref does not resolve.
    let (missing, _, _) = check_source(&format!("{url}#v9"), policy, context, &dir, &[]);
    assert_ne!(missing["verdict"]["decision"], "allow", "{missing:#}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_http_source_is_downloaded_and_its_checksum_computed() {
    let content =
        std::fs::read(Path::new(ROOT).join("examples/http-pgp/evidence/release/http/content"))
            .unwrap();
    let mut tampered = content.clone();
    tampered[0] ^= 1;
    let fake = serve_fake(vec![
        (
            "/tool/1.2.3/tool-1.2.3.tar.gz".into(),
            vec![ok("application/gzip", content.clone())],
        ),
        (
            "/tampered.tar.gz".into(),
            vec![ok("application/gzip", tampered)],
        ),
    ]);
    let dir = scratch("http");
    let saved = dir.join("saved");
    let policy = "cwd://tests/cli/http-fetch/Dockerfile.rego";
    let context = "examples/http-pgp/context";
    let source = format!("http://{}/tool/1.2.3/tool-1.2.3.tar.gz", fake.host());
    let fetched = allowed_and_replayed(&source, policy, context, &dir);
    assert_eq!(
        fact(&fetched, "http.checksum").unwrap()["status"],
        "verified",
        "{fetched:#}"
    );
    assert_eq!(std::fs::read(saved.join("http/content")).unwrap(), content);
    let (tampered, status, _) = check_source(
        &format!("http://{}/tampered.tar.gz", fake.host()),
        policy,
        context,
        &dir,
        &[],
    );
    assert_eq!(
        (tampered["verdict"]["decision"].as_str(), status),
        (Some("deny"), 1),
        "{tampered:#}"
    );
    let (missing, status, _) = check_source(
        &format!("http://{}/nope", fake.host()),
        policy,
        context,
        &dir,
        &["--fetch-retries", "0"],
    );
    assert_eq!(status, 2, "{missing:#}");
    assert!(error_message(&missing).ends_with("(not-found)"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fake server answering one route list per path, on its own thread.
fn serve_fake(routes: Vec<(String, Vec<Reply>)>) -> Fake {
    let (mut fake, listener) = Fake::bound();
    for (path, replies) in routes {
        fake.route(&path, replies);
    }
    fake.start(listener)
}

#[test]
fn github_attestations_are_fetched_from_the_api_and_verified_here() {
    let release = Path::new(ROOT).join("examples/artifact-attestations/evidence/release");
    let content = std::fs::read(release.join("http/content")).unwrap();
    let bundle = std::fs::read_to_string(release.join("attestations/acme/tool/tool-1.2.3.jsonl"))
        .unwrap()
        .trim()
        .to_owned();
    let hex = format!("{:x}", Sha256::digest(&content));
    let mut tampered = content.clone();
    tampered[0] ^= 1;
    let tampered_hex = format!("{:x}", Sha256::digest(&tampered));
    // The real bundle as GitHub stores it (snappy, behind a bundle_url), after an inline bundle
    // that does not verify over this digest (another artifact's, npm's real provenance): the
    // first that verifies wins.
    let other = std::fs::read_to_string(Path::new(ROOT).join(
        "examples/artifact-attestations/context/attestations/sigstore-2.1.0.tgz.sigstore.json",
    ))
    .unwrap();
    let compressed = snap::raw::Encoder::new()
        .compress_vec(bundle.as_bytes())
        .unwrap();
    let json_reply = |body: Value| ok("application/json", serde_json::to_vec(&body).unwrap());
    let listing = |url: &str| {
        json!({"attestations": [
            {"bundle": serde_json::from_str::<Value>(&other).unwrap(), "repository_id": 1},
            {"bundle": null, "bundle_url": url, "repository_id": 1},
        ]})
    };
    let mut fake = serve_fake(vec![
        (
            "/tool-1.2.3.tar.gz".into(),
            vec![ok("application/gzip", content.clone())],
        ),
        (
            "/tampered.tar.gz".into(),
            vec![ok("application/gzip", tampered)],
        ),
        (
            "/flaky.tar.gz".into(),
            vec![ok("application/gzip", content.clone())],
        ),
        (
            "/b/1.json.sn".into(),
            vec![ok("application/octet-stream", compressed)],
        ),
        (
            "/b/garbled.json.sn".into(),
            vec![ok(
                "application/octet-stream",
                b"\xff\xff\xff\xff\xff\x01".to_vec(),
            )],
        ),
        (
            format!("/repos/acme/tool/attestations/sha256:{tampered_hex}"),
            vec![Reply::Ok(
                404,
                "application/json".into(),
                b"{\"message\":\"Not Found\"}".to_vec(),
                vec![],
            )],
        ),
    ]);
    let api = format!("http://{}", fake.host());
    fake.route(
        &format!("/repos/acme/tool/attestations/sha256:{hex}"),
        vec![json_reply(listing(&format!("{api}/b/1.json.sn")))],
    );
    let dir = scratch("github");
    let policy = "cwd://tests/cli/github-fetch/Dockerfile.rego";
    let root = "tests/minted/artifact-github-builder/trusted_root.json";
    let source = format!("{api}/tool-1.2.3.tar.gz");
    let saved = dir.join("saved");
    let run = |source: &str, extra: &[&str]| {
        let mut args = vec!["--trusted-root", root, "--github-api", api.as_str()];
        args.extend_from_slice(extra);
        check_source(source, policy, ".", &dir, &args)
    };
    // Fetched: the content, then (the policy asked) the attestations; allowed, saved, replayed.
    let (fetched, status, stderr) = run(&source, &["--save-evidence", saved.to_str().unwrap()]);
    assert_eq!(
        (fetched["verdict"]["decision"].as_str(), status),
        (Some("allow"), 0),
        "{fetched:#}\n{stderr}"
    );
    assert!(
        fetched["verdict"].get("missingEvidence").is_none(),
        "{fetched:#}"
    );
    let jsonl = saved.join(format!("attestations/acme/tool/sha256-{hex}.jsonl"));
    let lines = std::fs::read_to_string(&jsonl).unwrap();
    assert_eq!(lines.lines().count(), 2, "{lines}");
    let listed = fake.hits().iter().any(|h| {
        h.contains("attestations/sha256:")
            && h.contains("predicate_type=https%3A%2F%2Fslsa.dev%2Fprovenance%2Fv1")
    });
    assert!(listed, "{:#?}", fake.hits());
    let (replayed, _, _) = check_source(
        &source,
        policy,
        ".",
        &dir,
        &[
            "--trusted-root",
            root,
            "--evidence",
            saved.to_str().unwrap(),
        ],
    );
    assert_eq!(replayed, fetched);

    // GitHub has none for other bytes (404): asked once, an empty file says so, the policy denies
    // and nothing is reported missing.
    let saved2 = dir.join("saved2");
    let (none, status, stderr) = run(
        &format!("{api}/tampered.tar.gz"),
        &["--save-evidence", saved2.to_str().unwrap()],
    );
    assert_eq!(
        (none["verdict"]["decision"].as_str(), status),
        (Some("deny"), 1),
        "{none:#}\n{stderr}"
    );
    assert!(none["verdict"].get("missingEvidence").is_none(), "{none:#}");
    let empty = saved2.join(format!(
        "attestations/acme/tool/sha256-{tampered_hex}.jsonl"
    ));
    assert_eq!(std::fs::read(&empty).unwrap(), b"");
    let asked = fake
        .hits()
        .iter()
        .filter(|h| h.contains(&format!("attestations/sha256:{tampered_hex}")))
        .count();
    assert_eq!(asked, 1, "{:#?}", fake.hits());

    // Evidence given (--evidence): nothing is fetched; the verdict says what the policy wanted.
    let given = dir.join("given");
    std::fs::create_dir_all(given.join("http")).unwrap();
    std::fs::write(given.join("http/content"), &content).unwrap();
    let before = fake.hits().len();
    let (wanted, status, _) = check_source(
        &source,
        policy,
        ".",
        &dir,
        &[
            "--trusted-root",
            root,
            "--github-api",
            api.as_str(),
            "--evidence",
            given.to_str().unwrap(),
        ],
    );
    assert_eq!(
        (wanted["verdict"]["decision"].as_str(), status),
        (Some("deny"), 1),
        "{wanted:#}"
    );
    assert_eq!(fake.hits().len(), before, "nothing fetched with --evidence");
    assert_eq!(
        wanted["verdict"]["missingEvidence"],
        json!([{"path": "attestations/acme/tool", "subject": format!("sha256:{hex}")}])
    );

    // Faults end in an error verdict naming them, never an allow: the API failing, a bundle_url
    // that is not snappy data, a bundle_url that is plain HTTP while the API is HTTPS is covered
    // by the unit tests of crates/fetch.
    fake.route(
        &format!("/repos/acme/tool/attestations/sha256:{hex}"),
        vec![Reply::Ok(
            500,
            "application/json".into(),
            b"{}".to_vec(),
            vec![],
        )],
    );
    let (failed, status, _) = run(&source, &["--fetch-retries", "0"]);
    assert_eq!(status, 2, "{failed:#}");
    let message = error_message(&failed);
    assert!(message.ends_with("(http-status)"), "{message}");
    fake.route(
        &format!("/repos/acme/tool/attestations/sha256:{hex}"),
        vec![json_reply(listing(&format!("{api}/b/garbled.json.sn")))],
    );
    let (garbled, status, _) = run(&source, &[]);
    assert_eq!(status, 2, "{garbled:#}");
    let message = error_message(&garbled);
    assert!(message.ends_with("(malformed-response)"), "{message}");
    // A 404 that is not GitHub's JSON error (an API URL that is not GitHub's) is not "none".
    fake.route(
        &format!("/repos/acme/tool/attestations/sha256:{hex}"),
        vec![Reply::Ok(
            404,
            "text/html".into(),
            b"<h1>nope</h1>".to_vec(),
            vec![],
        )],
    );
    let (html, status, _) = run(&source, &[]);
    assert_eq!(status, 2, "{html:#}");
    let message = error_message(&html);
    assert!(message.ends_with("(not-found)"), "{message}");

    // A policy naming many repositories makes the host ask GitHub about a bounded number.
    let many = dir.join("many");
    std::fs::create_dir_all(&many).unwrap();
    let repos: Vec<String> = (0..12).map(|i| format!("\"acme/r{i}\"")).collect();
    std::fs::write(
        many.join("many.rego"),
        format!(
            "package docker\n\ndefault allow := false\n\nallow if {{\n\tsome r in [{}]\n\t\
             github_attestation(input.http, r)\n}}\n\ndecision := {{\"allow\": allow}}\n",
            repos.join(", ")
        ),
    )
    .unwrap();
    for i in 0..12 {
        fake.route(
            &format!("/repos/acme/r{i}/attestations/sha256:{hex}"),
            vec![Reply::Ok(
                404,
                "application/json".into(),
                b"{\"message\":\"Not Found\"}".to_vec(),
                vec![],
            )],
        );
    }
    fake.hits.lock().unwrap().clear();
    let (capped, status, stderr) = check_source(
        &source,
        "many.rego",
        many.to_str().unwrap(),
        &dir,
        &["--trusted-root", root, "--github-api", api.as_str()],
    );
    assert_eq!(status, 2, "{capped:#}\n{stderr}");
    let message = error_message(&capped);
    assert!(
        message.ends_with("(too-large)") && message.contains("more than 8"),
        "{message}"
    );
    let asked = fake
        .hits()
        .iter()
        .filter(|h| h.contains("/attestations/"))
        .count();
    assert_eq!(asked, 8, "{:#?}", fake.hits());

    // A token in the environment never travels over plain HTTP (nor to a bundle_url).
    fake.route(
        &format!("/repos/acme/tool/attestations/sha256:{hex}"),
        vec![json_reply(listing(&format!("{api}/b/1.json.sn")))],
    );
    fake.hits.lock().unwrap().clear();
    let out = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args([
            "check",
            &source,
            "-o",
            "json",
            "--policy",
            policy,
            "--context",
            ".",
            "--now",
            NOW,
            "--trusted-root",
            root,
            "--github-api",
            &api,
        ])
        .current_dir(ROOT)
        .env("VERDICT_CACHE_DIR", &dir)
        .env("GH_TOKEN", "gh-s3cr3t")
        .env("GITHUB_TOKEN", "gh-s3cr3t")
        .env("GH_ENTERPRISE_TOKEN", "ghe-s3cr3t")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hits = fake.hits();
    assert!(hits.iter().any(|h| h.contains("/b/1.json.sn")), "{hits:#?}");
    assert!(!hits.iter().any(|h| h.contains("s3cr3t")), "{hits:#?}");
    let _ = std::fs::remove_dir_all(&dir);
}
