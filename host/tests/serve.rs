//! `verdict serve` on loopback: the HTTP API answers what the CLI answers (the same JSON and
//! hash for `eval`, `check` and `verify`), and every bad request is a JSON error with a stable
//! code and the right status — never a dropped connection — after which the server still
//! answers. Each test starts its own server on 127.0.0.1 (port 0) and stops it with SIGTERM.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A `verdict serve` process, stopped (SIGTERM) when dropped.
struct Server {
    child: Child,
    addr: String,
    log: mpsc::Receiver<String>,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_verdict"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .current_dir(root())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = loop {
            let line = rx.recv_timeout(Duration::from_secs(180)).unwrap();
            if line.contains("listening on") {
                break line;
            }
        };
        let addr = first
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_owned();
        Server {
            child,
            addr,
            log: rx,
        }
    }

    /// Sends one request (HTTP/1.1, `Connection: close`); the status, headers and body.
    fn send(&self, method: &str, path: &str, content_type: Option<&str>, body: &[u8]) -> Reply {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some(ct) = content_type {
            head.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        read_reply(&mut stream)
    }

    fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(
            "POST",
            path,
            Some("application/json"),
            body.to_string().as_bytes(),
        )
    }

    /// Access-log lines written so far.
    fn log_lines(&self) -> Vec<String> {
        std::thread::sleep(Duration::from_millis(100));
        self.log.try_iter().collect()
    }

    /// SIGTERM; the exit status and what it printed while stopping.
    fn stop(mut self) -> (Option<i32>, Vec<String>) {
        #[allow(unsafe_code, reason = "sending SIGTERM to our own child")]
        // SAFETY: `kill` with the pid of a child we own.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let status = self.child.wait().unwrap();
        let lines = self.log.try_iter().collect();
        (status.code(), lines)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// The stable code of a JSON error answer.
    fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

fn read_reply(stream: &mut TcpStream) -> Reply {
    let mut raw = Vec::new();
    // A server that answers before reading all of a refused body may reset the connection
    // after its answer: keep what arrived.
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let body = if headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v == "chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = &rest[n + 2..];
    }
    out
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap()
}

/// What `verdict ARGS` prints on standard output.
/// `verdict check SOURCE -o json` of the minted docker-github-builder image from its evidence
/// directory, with the acme policy and `trusted_root`: what the CLI prints.
fn cli_minted_check(source: &str, trusted_root: &str) -> String {
    cli(&[
        "check",
        source,
        "-o",
        "json",
        "-f",
        "tests/cli/acme/Dockerfile",
        "--evidence",
        "tests/minted/docker-github-builder/evidence",
        "--trusted-root",
        trusted_root,
        "--now",
        NOW,
    ])
}

fn cli(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

const NOW: &str = "2026-11-25T00:00:00Z";

#[test]
fn eval_answers_what_the_cli_prints() {
    let server = Server::start(&[]);
    let policy = "examples/github-builder/Dockerfile.rego";
    let inputs = std::fs::read_dir(root().join("examples/github-builder/inputs")).unwrap();
    let mut compared = 0;
    for input in inputs {
        let input = input.unwrap().path();
        let rel = input
            .strip_prefix(root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let want = cli(&["eval", "-o", "json", "-p", policy, "-i", &rel, "--now", NOW]);
        let reply = server.post(
            "/v1/eval",
            &json!({
                "policies": [[{"path": "Dockerfile.rego", "source": read(policy)}]],
                "input": serde_json::from_str::<Value>(&read(&rel)).unwrap(),
                "now": NOW,
            }),
        );
        assert_eq!(reply.body, want, "{rel}");
        let verdict = reply.json();
        let decision = verdict["verdict"]["decision"].as_str().unwrap();
        assert_eq!(reply.status, if decision == "error" { 422 } else { 200 });
        assert_eq!(reply.header("verdict-decision"), Some(decision));
        assert_eq!(reply.header("verdict-hash"), verdict["hash"].as_str());
        assert_eq!(reply.header("content-type"), Some("application/json"));
        compared += 1;
    }
    assert!(compared >= 5);
    let log = server.log_lines();
    let line: Value = serde_json::from_str(log.last().unwrap()).unwrap();
    assert_eq!(line["route"], "/v1/eval");
    assert_eq!(line["method"], "POST");
    assert!(
        line["hash"].as_str().unwrap().starts_with("sha256:"),
        "{line}"
    );
    assert!(line["ms"].as_f64().is_some());
    let (status, lines) = server.stop();
    assert_eq!(status, Some(0), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("stopped")), "{lines:?}");
}

#[test]
fn check_and_verify_answer_what_the_cli_prints() {
    let server = Server::start(&[]);
    // A check of a minted image from its evidence directory, as a listing.
    let evidence = listing("tests/minted/docker-github-builder/evidence");
    let source = "docker-image://docker.io/acme/app:v1.0.0";
    let want = cli_minted_check(
        source,
        "tests/minted/docker-github-builder/trusted_root.json",
    );
    let want: Value = serde_json::from_str(&want).unwrap();
    let reply = server.post(
        "/v1/check",
        &json!({
            "policies": [[{"path": "Dockerfile.rego", "source": read("tests/cli/acme/Dockerfile.rego")}]],
            "source": source,
            "env": {"filename": "Dockerfile"},
            "evidence": evidence,
            // As text: the verdict records the trusted root's digest, of its bytes.
            "trustedRoot": read("tests/minted/docker-github-builder/trusted_root.json"),
            "now": NOW,
        }),
    );
    let got = reply.json();
    assert_eq!(got, want, "{}", reply.body);
    assert_eq!(got["verdict"]["decision"], "allow");

    // One public-good bundle.
    let bundle = "tests/vectors/docker-github-builder/attestation-manifest-1.sigstore.json";
    let digest = "sha256:8fe63f8b055569015407e5bd0c78071e87cf921019249b8b7a913091f680a664";
    let identity = "https://github\\.com/docker/github-builder(-experimental)?/.*";
    let issuer = "https://token.actions.githubusercontent.com";
    let want = cli(&[
        "verify",
        "-o",
        "json",
        "--bundle",
        bundle,
        "--digest",
        digest,
        "--certificate-identity-regexp",
        identity,
        "--certificate-oidc-issuer",
        issuer,
    ]);
    let reply = server.post(
        "/v1/verify",
        &json!({"bundle": read(bundle), "digest": digest, "identityRegexp": identity, "issuer": issuer}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, want);
    // The wrong issuer: the check that failed, with its code.
    let reply = server.post(
        "/v1/verify",
        &json!({"bundle": read(bundle), "digest": digest, "identityRegexp": identity, "issuer": "https://accounts.google.com"}),
    );
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(reply.json()["verified"], false);
    assert_eq!(reply.json()["error"]["code"], "identity-mismatch");
}

/// An evidence directory as the API's listing: `[{"path", "content" (base64)}]`.
fn listing(dir: &str) -> Vec<Value> {
    let dir = root().join(dir);
    walk(&dir)
        .into_iter()
        .map(|entry| {
            let path = entry
                .strip_prefix(&dir)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            let content =
                base64::engine::general_purpose::STANDARD.encode(std::fs::read(&entry).unwrap());
            json!({"path": path, "content": content})
        })
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Each bad request: its status and code; the server answers the next request as before.
#[test]
fn bad_requests_are_json_errors_with_stable_codes() {
    let server = Server::start(&["--max-body", "1", "--fuel", "2000000000"]);
    let policy = json!([[{"path": "p.rego", "source": "package docker\ndecision := {\"allow\": input.ok}"}]]);
    let ok = || {
        let reply = server.post(
            "/v1/eval",
            &json!({"policies": policy, "input": {"ok": true}, "now": NOW}),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.json()["verdict"]["decision"], "allow");
    };
    ok();
    let cases: Vec<(&str, Reply, u16, &str)> = vec![
        (
            "malformed JSON",
            server.send(
                "POST",
                "/v1/eval",
                Some("application/json"),
                b"{\"policies\": ",
            ),
            400,
            "malformed-request",
        ),
        (
            "unknown field",
            server.post(
                "/v1/eval",
                &json!({"policies": policy, "input": {}, "nowNS": 1}),
            ),
            400,
            "malformed-request",
        ),
        (
            "bad time",
            server.post(
                "/v1/eval",
                &json!({"policies": policy, "input": {}, "now": "yesterday"}),
            ),
            400,
            "malformed-request",
        ),
        (
            "wrong content type",
            server.send("POST", "/v1/eval", Some("text/plain"), b"{}"),
            415,
            "unsupported-media-type",
        ),
        (
            "no content type",
            server.send("POST", "/v1/eval", None, b"{}"),
            415,
            "unsupported-media-type",
        ),
        (
            "unknown route",
            server.send("GET", "/v2/eval", None, b""),
            404,
            "not-found",
        ),
        (
            "wrong method",
            server.send("GET", "/v1/eval", None, b""),
            405,
            "method-not-allowed",
        ),
        (
            // 4 MiB, more than loopback buffers hold: the server reads the rest before its
            // 413, so the client's write never meets a reset connection.
            "oversize body",
            server.send(
                "POST",
                "/v1/eval",
                Some("application/json"),
                &vec![b' '; 4 << 20],
            ),
            413,
            "payload-too-large",
        ),
    ];
    for (name, reply, status, code) in cases {
        assert_eq!(reply.status, status, "{name}: {}", reply.body);
        assert_eq!(reply.code(), code, "{name}: {}", reply.body);
        ok();
    }
    // A policy past its step budget: the verdict (422), the same everywhere.
    let runaway = json!([[{"path": "p.rego", "source": read("tests/cli/exponential.rego")}]]);
    let reply = server.post(
        "/v1/eval",
        &json!({"policies": runaway, "input": {}, "now": NOW, "limits": {"maxSteps": 5000}}),
    );
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(
        reply.json()["verdict"]["error"]["code"],
        "resource-exhausted"
    );
    assert!(
        reply.json()["hash"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    ok();
    // A policy past the server's fuel: 503, resource-exhausted; the next request is answered.
    let reply = server.post(
        "/v1/eval",
        &json!({"policies": runaway, "input": {}, "now": NOW}),
    );
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(reply.code(), "resource-exhausted", "{}", reply.body);
    assert_eq!(reply.header("retry-after"), Some("1"));
    ok();
    assert_eq!(server.send("GET", "/healthz", None, b"").status, 200);
    let info = server.send("GET", "/v1/info", None, b"");
    assert_eq!(info.status, 200);
    assert_eq!(info.json()["api"], "v1");
    assert!(info.json()["engine"].as_str().unwrap().contains("regorus/"));
}

/// Past `--max-concurrent`, a request is answered 503 with `Retry-After` at once; a slow
/// client is cut off at the request deadline.
#[test]
fn back_pressure_and_deadlines() {
    let server = Server::start(&["--max-concurrent", "1", "--timeout", "3s"]);
    // A client that announces a body and never sends it holds the one slot until the deadline.
    let mut slow = TcpStream::connect(&server.addr).unwrap();
    slow.write_all(
        format!(
            "POST /v1/eval HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
            server.addr
        )
        .as_bytes(),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let busy = server.send("GET", "/healthz", None, b"");
    assert_eq!(busy.status, 503, "{}", busy.body);
    assert_eq!(busy.code(), "busy");
    assert_eq!(busy.header("retry-after"), Some("1"));
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let reply = read_reply(&mut slow);
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(reply.code(), "deadline-exceeded");
    // The slot is free again.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.send("GET", "/healthz", None, b"").status, 200);
}

/// A deployed service: the policies and trusted root fixed at deploy time (pre-initialised in
/// the component) answer requests that carry none, exactly as the CLI answers with them.
#[test]
fn a_deployed_service_answers_as_the_cli() {
    let root_file = "tests/minted/docker-github-builder/trusted_root.json";
    let server = Server::start(&[
        "-p",
        "tests/cli/acme/Dockerfile.rego",
        "--trusted-root",
        root_file,
    ]);
    let info = server.send("GET", "/v1/info", None, b"").json();
    let policy = read("tests/cli/acme/Dockerfile.rego");
    let digest = format!("sha256:{}", sha256_hex(policy.as_bytes()));
    assert_eq!(
        info["deployment"]["policies"],
        json!([[{"path": "Dockerfile.rego", "digest": digest}]])
    );
    assert_eq!(
        info["deployment"]["trustedRoot"]["digest"].as_str(),
        Some(format!("sha256:{}", sha256_hex(read(root_file).as_bytes())).as_str())
    );
    let evidence = listing("tests/minted/docker-github-builder/evidence");
    let source = "docker-image://docker.io/acme/app:v1.0.0";
    let want = cli_minted_check(source, root_file);
    let reply = server.post(
        "/v1/check",
        &json!({"source": source, "env": {"filename": "Dockerfile"}, "evidence": evidence, "now": NOW}),
    );
    assert_eq!(
        reply.json(),
        serde_json::from_str::<Value>(&want).unwrap(),
        "{}",
        reply.body
    );
    // Asking the deployed policies for another query is refused; giving policies still works.
    let other = server.post(
        "/v1/eval",
        &json!({"input": {}, "query": "data.x", "now": NOW}),
    );
    assert_eq!(
        (other.status, other.code().as_str()),
        (400, "malformed-request")
    );
    let given = server.post(
        "/v1/eval",
        &json!({"policies": [{"path": "p.rego", "source": "package docker\ndecision := {\"allow\": true}"}], "input": {}, "now": NOW}),
    );
    assert_eq!(given.json()["verdict"]["decision"], "allow");
}

/// A deployment that cannot serve stops `verdict serve` before it listens, saying why.
#[test]
fn a_deployment_that_does_not_compile_is_refused() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-bad-deploy");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.rego");
    std::fs::write(&bad, "package docker\ndecision := {\"allow\": nope}\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "-p",
            bad.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("do not compile"), "{stderr}");
    assert!(!stderr.contains("listening"), "{stderr}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    verdict_host::sha256_hex(bytes)
        .trim_start_matches("sha256:")
        .to_owned()
}

/// A chunked body over the cap is 413 from the bytes sent (it has no length to check first),
/// answered without resetting the connection under the client still sending; a 405 says which
/// methods the route takes.
#[test]
fn the_body_cap_counts_the_bytes_sent() {
    let server = Server::start(&["--max-body", "1"]);
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    write!(
        stream,
        "POST /v1/eval HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        server.addr
    )
    .unwrap();
    // 240 × 64 KiB = 15 times the cap, more than loopback buffers hold (4 MiB did fit here):
    // the server reads the rest after the cap (and its 413) within bounds, so every write of
    // the client succeeds — closing on unread bytes resets the connection under it (this
    // failed at a chunk before the drain).
    let chunk = vec![b' '; 64 << 10];
    for i in 0..240 {
        write!(stream, "{:x}\r\n", chunk.len()).unwrap_or_else(|e| panic!("chunk {i}: {e}"));
        stream
            .write_all(&chunk)
            .unwrap_or_else(|e| panic!("chunk {i}: {e}"));
        stream.write_all(b"\r\n").unwrap();
    }
    stream.write_all(b"0\r\n\r\n").unwrap();
    let reply = read_reply(&mut stream);
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(reply.code(), "payload-too-large");
    let wrong = server.send("PUT", "/v1/eval", None, b"");
    assert_eq!((wrong.status, wrong.header("allow")), (405, Some("POST")));
    assert_eq!(wrong.header("verdict-error"), Some("method-not-allowed"));
}

/// A client that asks for a large answer and never reads it holds its slot only until the
/// request's deadline: then the instance and the connection are dropped and the next request
/// is answered.
#[test]
fn a_client_that_stops_reading_is_cut_off_at_the_deadline() {
    let server = Server::start(&["--max-concurrent", "1", "--timeout", "3s"]);
    let big = "x".repeat(8 << 20);
    let body = json!({
        "policies": [{"path": "p.rego", "source": "package docker\ndecision := {\"allow\": false, \"deny_msg\": [input.big, input.big]}"}],
        "input": {"big": big},
        "now": NOW,
    })
    .to_string();
    let mut stalled = TcpStream::connect(&server.addr).unwrap();
    // A small receive window: the 16 MiB answer cannot be buffered away.
    write!(
        stalled,
        "POST /v1/eval HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        server.addr,
        body.len()
    )
    .unwrap();
    stalled.write_all(body.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let started = std::time::Instant::now();
    let (mut busy, mut answered) = (0, None);
    while started.elapsed() < Duration::from_secs(20) {
        let reply = server.send("GET", "/healthz", None, b"");
        if reply.status == 200 {
            answered = Some(started.elapsed());
            break;
        }
        assert_eq!(reply.code(), "busy", "{}", reply.body);
        busy += 1;
        std::thread::sleep(Duration::from_millis(200));
    }
    // The stalled request held the slot (else this test proves nothing), then lost it.
    assert!(busy > 0, "the stalled request never held the slot");
    assert!(answered.is_some(), "the stalled client kept the only slot");
    drop(stalled);
}

/// A chunked request whose client sends the headers and then nothing holds its connection only
/// until the request's deadline: the answer comes (503), and the server closes the connection
/// rather than wait for body bytes forever.
#[test]
fn a_chunked_body_that_never_comes_ends_at_the_deadline() {
    let server = Server::start(&["--timeout", "1s"]);
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    write!(
        stream,
        "POST /v1/eval HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        server.addr
    )
    .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let started = std::time::Instant::now();
    let mut raw = Vec::new();
    let closed = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    assert!(
        closed.is_ok(),
        "the connection was still open after {:?}: {closed:?} {text:?}",
        started.elapsed()
    );
    assert!(text.starts_with("HTTP/1.1 503"), "{text:?}");
}
