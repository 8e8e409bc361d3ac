//! A bounded HTTP/1.1 load generator for `verdict serve` on loopback (`bench/serve-load.sh` runs
//! it): CONNECTIONS keep-alive connections, each sending the same POST back to back for
//! SECONDS; every answer must have the expected status and `verdict-hash` (or, for
//! `/v1/verify`, the expected body), else it counts as an error. Prints one JSON line:
//! requests, throughput, p50 / p99 / max latency, errors, and the server's resident memory
//! (VmRSS, VmHWM) when its PID is given.
//!
//! ```text
//! load ADDR ROUTE BODY_FILE CONNECTIONS SECONDS [SERVER_PID]
//! ```

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 6 {
        eprintln!("usage: load ADDR ROUTE BODY_FILE CONNECTIONS SECONDS [SERVER_PID]");
        std::process::exit(2);
    }
    let addr = args[1].clone();
    let route = args[2].clone();
    let body = std::fs::read(&args[3]).expect("read the body");
    let connections: usize = args[4].parse().expect("CONNECTIONS");
    let seconds: f64 = args[5].parse().expect("SECONDS");
    let pid = args.get(6).cloned();
    let request = {
        let mut r = format!(
            "POST {route} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(&body);
        r
    };
    // The expected answer: the first one, which must be a 200.
    let mut probe = Connection::open(&addr);
    let expected = probe.send(&request);
    assert_eq!(expected.status, 200, "the first answer: {}", expected.body);
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let results: Vec<(Vec<Duration>, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..connections)
            .map(|_| {
                let (request, expected, addr) = (&request, &expected, &addr);
                s.spawn(move || {
                    let mut latencies = Vec::new();
                    let mut errors = 0;
                    let mut conn = Connection::open(addr);
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        let answer = conn.send(request);
                        latencies.push(t.elapsed());
                        if answer.status != expected.status
                            || answer.hash != expected.hash
                            || (expected.hash.is_none() && answer.body != expected.body)
                        {
                            errors += 1;
                            if errors <= 3 {
                                eprintln!("unexpected answer: {} {}", answer.status, answer.body);
                            }
                            conn = Connection::open(addr);
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let errors: usize = results.iter().map(|r| r.1).sum();
    let mut all: Vec<Duration> = results.into_iter().flat_map(|r| r.0).collect();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let memory = pid.map(|pid| {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
                .map_or(0, |kb| kb / 1024)
        };
        (field("VmRSS:"), field("VmHWM:"))
    });
    println!(
        "{{\"route\":\"{route}\",\"connections\":{connections},\"seconds\":{elapsed:.1},\"requests\":{},\"rps\":{:.0},\"p50_ms\":{:.2},\"p99_ms\":{:.2},\"max_ms\":{:.2},\"errors\":{errors},\"rss_mib\":{},\"peak_rss_mib\":{},\"hash\":{}}}",
        all.len(),
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        pct(1.0),
        memory.map_or("null".to_owned(), |m| m.0.to_string()),
        memory.map_or("null".to_owned(), |m| m.1.to_string()),
        expected
            .hash
            .as_ref()
            .map_or("null".to_owned(), |h| format!("\"{h}\"")),
    );
    if errors > 0 {
        std::process::exit(1);
    }
}

struct Connection {
    reader: BufReader<TcpStream>,
}

struct Answer {
    status: u16,
    hash: Option<String>,
    body: String,
}

impl Connection {
    fn open(addr: &str) -> Connection {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        Connection {
            reader: BufReader::new(stream),
        }
    }

    /// Sends one request and reads its answer (a `content-length` body).
    fn send(&mut self, request: &[u8]) -> Answer {
        if self.reader.get_mut().write_all(request).is_err() {
            return Answer {
                status: 0,
                hash: None,
                body: "write failed".into(),
            };
        }
        let mut line = String::new();
        if self.reader.read_line(&mut line).unwrap_or(0) == 0 {
            return Answer {
                status: 0,
                hash: None,
                body: "connection closed".into(),
            };
        }
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let (mut length, mut hash) = (0usize, None);
        loop {
            line.clear();
            if self.reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse().unwrap_or(0);
                } else if name.eq_ignore_ascii_case("verdict-hash") {
                    hash = Some(value.to_owned());
                }
            }
        }
        let mut body = vec![0; length];
        let _ = self.reader.read_exact(&mut body);
        Answer {
            status,
            hash,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}
