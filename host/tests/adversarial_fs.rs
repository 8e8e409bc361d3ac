//! The host reads only what it was given (issue 11 §2), tried as an attacker who controls a
//! build context, an evidence directory or a test tree would try it. Every fixture is made by
//! the test itself (symlinks, FIFOs, sparse files): nothing of the kind is committed.
//!
//! Each refusal must be an `invalid-request` error verdict (exit status 2) whose message names
//! the file and carries the refusal's stable code, and no run may hang: every run is killed
//! after [`TIMEOUT`] and that is a failure.

#![cfg(unix)]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The longest any run may take (a FIFO opened for reading without a writer would block for
/// ever).
const TIMEOUT: Duration = Duration::from_secs(120);

const NOW: &str = "2026-11-25T00:00:00Z";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A fresh, empty directory for one case.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("adversarial-fs")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs `verdict` in `cwd` with `env`, killing it after [`TIMEOUT`].
fn verdict_in(cwd: &Path, args: &[&str], env: &[(&str, &Path)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_verdict"));
    command
        .args(args)
        .current_dir(cwd)
        .env(
            "VERDICT_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-cache"),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let start = Instant::now();
    let mut child = command.spawn().unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "verdict {args:?} hung for {TIMEOUT:?}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = start.elapsed();
    let out = child.wait_with_output().unwrap();
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took,
    }
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {path:?}");
}

/// A sparse file of `len` bytes (no disk blocks).
fn sparse(path: &Path, len: u64) {
    fs::File::create(path).unwrap().set_len(len).unwrap();
}

/// The policy of the context cases: allows a local source when `load_json(NAME)` is an object
/// with `ok: true`.
fn load_json_policy(name: &str) -> String {
    format!(
        "package docker\n\ndefault allow := false\n\nallow if {{\n\tinput.local\n\tload_json({name:?}).ok == true\n}}\n\ndecision := {{\"allow\": allow}}\n"
    )
}

/// What a refused file must give: exit status 2, a JSON error verdict with code
/// `invalid-request`, a message naming `file` and carrying `reason` (the refusal's code).
fn assert_refused(run: &Run, file: &str, reason: &str) {
    assert_eq!(
        run.status, 2,
        "exit status\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let json: Value = serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "not a JSON verdict ({e})\nstdout:\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        )
    });
    let verdict = &json["verdict"];
    assert_eq!(verdict["decision"], "error", "{json}");
    assert_eq!(verdict["error"]["code"], "invalid-request", "{json}");
    let message = verdict["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("`{file}`")),
        "the message names {file:?}: {message}"
    );
    assert!(
        message.contains(&format!("({reason})")),
        "the message carries ({reason}): {message}"
    );
    assert!(
        json["hash"]
            .as_str()
            .is_some_and(|h| h.starts_with("sha256:")),
        "{json}"
    );
}

/// A build context holding `policy.rego` (which loads `name`), with `setup` run on it.
fn context_case(case: &str, name: &str, setup: impl FnOnce(&Path)) -> (PathBuf, Run) {
    let dir = scratch(case);
    let context = dir.join("context");
    fs::create_dir_all(&context).unwrap();
    fs::write(context.join("policy.rego"), load_json_policy(name)).unwrap();
    setup(&context);
    let run = verdict_in(
        &dir,
        &[
            "check",
            "local://context",
            "--policy",
            "filename=policy.rego",
            "--context",
            "context",
            "--format",
            "json",
            "--now",
            NOW,
        ],
        &[],
    );
    (dir, run)
}

/// The control: the same policy and a good file allows, so every refusal below is the host's.
#[test]
fn context_file_inside_allows() {
    let (_, run) = context_case("inside-allows", "data.json", |c| {
        fs::write(c.join("data.json"), r#"{"ok": true}"#).unwrap();
    });
    assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
    let (_, run) = context_case("inside-symlink-allows", "link.json", |c| {
        fs::create_dir(c.join("sub")).unwrap();
        fs::write(c.join("sub/data.json"), r#"{"ok": true}"#).unwrap();
        symlink("sub/data.json", c.join("link.json")).unwrap();
    });
    assert_eq!(
        run.status, 0,
        "a symlink that stays inside is followed\n{}\n{}",
        run.stdout, run.stderr
    );
}

#[test]
fn context_refusals() {
    // (case, the name the policy loads, the fixture, the refusal's code)
    type Setup = fn(&Path);
    let cases: &[(&str, &str, Setup, &str)] = &[
        (
            "symlink-to-etc-passwd",
            "data.json",
            |c| symlink("/etc/passwd", c.join("data.json")).unwrap(),
            "leaves-root",
        ),
        (
            "symlink-to-dotdot-outside",
            "data.json",
            |c| {
                fs::write(c.join("../outside.json"), r#"{"ok": true}"#).unwrap();
                symlink("../outside.json", c.join("data.json")).unwrap();
            },
            "leaves-root",
        ),
        (
            "symlinked-dir-outside",
            "keys/data.json",
            |c| {
                fs::create_dir(c.join("../elsewhere")).unwrap();
                fs::write(c.join("../elsewhere/data.json"), r#"{"ok": true}"#).unwrap();
                symlink("../elsewhere", c.join("keys")).unwrap();
            },
            "leaves-root",
        ),
        (
            "dotdot-name",
            "../outside.json",
            |c| fs::write(c.join("../outside.json"), r#"{"ok": true}"#).unwrap(),
            "invalid-name",
        ),
        (
            "dotdot-inside-name",
            "sub/../data.json",
            |c| {
                fs::create_dir(c.join("sub")).unwrap();
                fs::write(c.join("data.json"), r#"{"ok": true}"#).unwrap();
            },
            "invalid-name",
        ),
        ("absolute-name", "/etc/passwd", |_| {}, "absolute-path"),
        (
            "fifo",
            "data.json",
            |c| mkfifo(&c.join("data.json")),
            "not-regular-file",
        ),
        (
            "symlink-to-fifo",
            "data.json",
            |c| {
                mkfifo(&c.join("pipe"));
                symlink("pipe", c.join("data.json")).unwrap();
            },
            "not-regular-file",
        ),
        (
            "directory",
            "data.json",
            |c| fs::create_dir(c.join("data.json")).unwrap(),
            "not-regular-file",
        ),
        (
            "symlink-to-dev-zero",
            "data.json",
            |c| symlink("/dev/zero", c.join("data.json")).unwrap(),
            "leaves-root",
        ),
        (
            "sparse-1tb",
            "data.json",
            |c| sparse(&c.join("data.json"), 1 << 40),
            "file-too-large",
        ),
        (
            "symlink-loop",
            "data.json",
            |c| {
                symlink("b.json", c.join("data.json")).unwrap();
                symlink("data.json", c.join("b.json")).unwrap();
            },
            "io",
        ),
    ];
    for (case, name, setup, reason) in cases {
        let (_, run) = context_case(case, name, setup);
        assert!(run.took < TIMEOUT, "{case}");
        assert_refused(&run, name, reason);
    }
}

/// A FIFO in the context is refused by its type: the run ends at once, it never waits for a
/// writer.
#[test]
fn fifo_never_blocks() {
    let (_, run) = context_case("fifo-fast", "data.json", |c| mkfifo(&c.join("data.json")));
    assert_refused(&run, "data.json", "not-regular-file");
    assert!(run.took < Duration::from_secs(60), "took {:?}", run.took);
}

/// A `--policy` file is a build-context file too.
#[test]
fn policy_file_refusals() {
    let cases: &[(&str, &str, &str)] = &[
        ("policy-dotdot", "../outside.rego", "invalid-name"),
        ("policy-absolute", "/etc/passwd", "absolute-path"),
        ("policy-symlink-out", "link.rego", "leaves-root"),
        ("policy-fifo", "pipe.rego", "not-regular-file"),
        ("policy-missing", "nope.rego", "not-found"),
    ];
    for (case, name, reason) in cases {
        let dir = scratch(case);
        let context = dir.join("context");
        fs::create_dir_all(&context).unwrap();
        fs::write(dir.join("outside.rego"), load_json_policy("x.json")).unwrap();
        symlink("../outside.rego", context.join("link.rego")).unwrap();
        mkfifo(&context.join("pipe.rego"));
        let run = verdict_in(
            &dir,
            &[
                "check",
                "local://context",
                "--policy",
                &format!("filename={name}"),
                "--context",
                "context",
                "--format",
                "json",
                "--now",
                NOW,
            ],
            &[],
        );
        assert_refused(&run, name, reason);
    }
}

/// `cwd://` names read under the working directory only.
#[test]
fn cwd_refusals() {
    let cases: &[(&str, &str, &str)] = &[
        ("cwd-dotdot", "cwd://../outside.json", "invalid-name"),
        ("cwd-symlink-out", "cwd://link.json", "leaves-root"),
        ("cwd-absolute", "cwd:///etc/passwd", "absolute-path"),
    ];
    for (case, name, reason) in cases {
        let dir = scratch(case);
        let cwd = dir.join("cwd");
        fs::create_dir_all(cwd.join("context")).unwrap();
        fs::write(dir.join("outside.json"), r#"{"ok": true}"#).unwrap();
        symlink("../outside.json", cwd.join("link.json")).unwrap();
        fs::write(cwd.join("context/policy.rego"), load_json_policy(name)).unwrap();
        let run = verdict_in(
            &cwd,
            &[
                "check",
                "local://context",
                "--policy",
                "filename=policy.rego",
                "--context",
                "context",
                "--format",
                "json",
                "--now",
                NOW,
            ],
            &[],
        );
        let shown = name.strip_prefix("cwd://").unwrap();
        assert_refused(&run, shown, reason);
    }
    // The control: a `cwd://` file inside the working directory is read.
    let dir = scratch("cwd-inside");
    fs::create_dir_all(dir.join("context")).unwrap();
    fs::write(dir.join("data.json"), r#"{"ok": true}"#).unwrap();
    fs::write(
        dir.join("context/policy.rego"),
        load_json_policy("cwd://data.json"),
    )
    .unwrap();
    let run = verdict_in(
        &dir,
        &[
            "check",
            "local://context",
            "--policy",
            "filename=policy.rego",
            "--context",
            "context",
            "--now",
            NOW,
        ],
        &[],
    );
    assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
}

/// A copy of the git-signed-tag example's evidence in `dir/evidence`, then `setup` on it; the
/// check of its source with the example's policy.
fn evidence_case(case: &str, setup: impl FnOnce(&Path)) -> Run {
    let dir = scratch(case);
    let evidence = dir.join("evidence");
    copy_dir(
        &repo().join("examples/git-signed-tag/evidence/v1.0.0"),
        &evidence,
    );
    setup(&evidence);
    let example = repo().join("examples/git-signed-tag");
    verdict_in(
        &dir,
        &[
            "check",
            "https://github.com/acme/app.git#v1.0.0",
            "-f",
            example.join("Dockerfile").to_str().unwrap(),
            "--evidence",
            "evidence",
            "--context",
            example.join("context").to_str().unwrap(),
            "--format",
            "json",
            "--now",
            NOW,
        ],
        &[],
    )
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn evidence_control_allows() {
    let run = evidence_case("evidence-control", |_| {});
    assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn evidence_refusals() {
    type Setup = fn(&Path);
    let cases: &[(&str, &str, Setup, &str)] = &[
        (
            "evidence-refs-symlink-out",
            "git/refs",
            |e| {
                fs::rename(e.join("git/refs"), e.join("../refs")).unwrap();
                symlink("../../refs", e.join("git/refs")).unwrap();
            },
            "leaves-root",
        ),
        (
            "evidence-objects-dir-symlink-out",
            "git/objects",
            |e| {
                fs::rename(e.join("git/objects"), e.join("../objects")).unwrap();
                symlink("../../objects", e.join("git/objects")).unwrap();
            },
            "leaves-root",
        ),
        (
            "evidence-object-etc-passwd",
            "git/objects/0000000000000000000000000000000000000000",
            |e| {
                symlink(
                    "/etc/passwd",
                    e.join("git/objects/0000000000000000000000000000000000000000"),
                )
                .unwrap();
            },
            "leaves-root",
        ),
        (
            "evidence-nests-too-deep",
            "git/objects/a/b/c",
            |e| fs::create_dir_all(e.join("git/objects/a/b/c/d/e")).unwrap(),
            "invalid-name",
        ),
        (
            "evidence-symlink-loop",
            "attestations/loop/loop/loop/loop",
            |e| {
                fs::create_dir_all(e.join("attestations")).unwrap();
                symlink(".", e.join("attestations/loop")).unwrap();
            },
            "invalid-name",
        ),
        (
            "evidence-fifo",
            "http/content",
            |e| {
                fs::create_dir_all(e.join("http")).unwrap();
                mkfifo(&e.join("http/content"));
            },
            "not-regular-file",
        ),
        (
            "evidence-sparse",
            "git/objects/ffffffffffffffffffffffffffffffffffffffff",
            |e| {
                sparse(
                    &e.join("git/objects/ffffffffffffffffffffffffffffffffffffffff"),
                    1 << 40,
                );
            },
            "file-too-large",
        ),
        (
            "evidence-too-many-files",
            "oci/blobs/sha256",
            |e| {
                let blobs = e.join("oci/blobs/sha256");
                fs::create_dir_all(&blobs).unwrap();
                for i in 0..4100 {
                    fs::write(blobs.join(format!("{i:064x}")), b"").unwrap();
                }
            },
            "too-many-files",
        ),
        (
            "evidence-request-too-large",
            "oci/blobs/sha256/0000000000000000000000000000000000000000000000000000000000000004",
            |e| {
                let blobs = e.join("oci/blobs/sha256");
                fs::create_dir_all(&blobs).unwrap();
                for i in 0..5 {
                    sparse(&blobs.join(format!("{i:064x}")), 60 << 20);
                }
            },
            "request-too-large",
        ),
    ];
    for (case, file, setup, reason) in cases {
        let run = evidence_case(case, setup);
        assert_refused(&run, file, reason);
    }
}

/// What the host reads but the component refuses: the evidence listing's layout is the
/// component's to read, so a stray file or a text part that is not UTF-8 is `invalid-evidence`,
/// naming the file — the same verdict in every host.
#[test]
fn evidence_the_component_refuses() {
    type Setup = fn(&Path);
    let cases: &[(&str, &str, Setup, &str)] = &[
        (
            "evidence-refs-not-utf8",
            "git/refs",
            |e| {
                let mut refs = fs::read(e.join("git/refs")).unwrap();
                refs.extend_from_slice(b"\xff\n");
                fs::write(e.join("git/refs"), refs).unwrap();
            },
            "is not UTF-8",
        ),
        (
            "evidence-stray-file",
            "notes.txt",
            |e| fs::write(e.join("notes.txt"), b"hello").unwrap(),
            "is not part of the evidence layout",
        ),
        (
            "evidence-object-in-a-subdirectory",
            "git/objects/ab/cdef",
            |e| {
                fs::create_dir_all(e.join("git/objects/ab")).unwrap();
                fs::write(e.join("git/objects/ab/cdef"), b"x").unwrap();
            },
            "is not part of the evidence layout",
        ),
    ];
    for (case, file, setup, says) in cases {
        let run = evidence_case(case, setup);
        assert_eq!(run.status, 2, "{case}: {}", run.stdout);
        let json: Value = serde_json::from_str(run.stdout.trim()).unwrap();
        let error = &json["verdict"]["error"];
        assert_eq!(error["code"], "invalid-evidence", "{case}: {json}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(&format!("`{file}`")), "{case}: {message}");
        assert!(message.contains(says), "{case}: {message}");
    }
}

/// The refusal in the readable format: the error line names the file and the exit status is 2.
#[test]
fn pretty_refusal() {
    let dir = scratch("pretty");
    let context = dir.join("context");
    fs::create_dir_all(&context).unwrap();
    fs::write(context.join("policy.rego"), load_json_policy("data.json")).unwrap();
    symlink("/etc/passwd", context.join("data.json")).unwrap();
    let run = verdict_in(
        &dir,
        &[
            "check",
            "local://context",
            "--policy",
            "filename=policy.rego",
            "--context",
            "context",
            "--now",
            NOW,
        ],
        &[],
    );
    assert_eq!(run.status, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("error [invalid-request]")
            && run.stdout.contains("`data.json`")
            && run.stdout.contains("(leaves-root)"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("root:"), "no byte of /etc/passwd");
}

/// `eval --print SOURCE` reads the same evidence through the same checks.
#[test]
fn print_refusal() {
    let dir = scratch("print");
    let evidence = dir.join("evidence");
    fs::create_dir_all(evidence.join("git")).unwrap();
    symlink("/etc/passwd", evidence.join("git/refs")).unwrap();
    let run = verdict_in(
        &dir,
        &[
            "eval",
            "--print",
            "https://github.com/acme/app.git#v1.0.0",
            "--evidence",
            "evidence",
        ],
        &[],
    );
    assert_eq!(run.status, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("error[invalid-request]")
            && run.stderr.contains("`git/refs`")
            && run.stderr.contains("(leaves-root)"),
        "{}",
        run.stderr
    );
}

/// `verdict test PATH` does not follow a symlinked directory: a loop `a -> .` ends, and each
/// test runs once.
#[test]
fn test_walk_symlink_loop_terminates() {
    let dir = scratch("test-loop");
    fs::write(
        dir.join("Dockerfile.rego"),
        "package docker\n\ndefault allow := false\n\nallow if input.local\n\ndecision := {\"allow\": allow}\n",
    )
    .unwrap();
    fs::write(
        dir.join("policy_test.rego"),
        "package docker\n\ntest_local_allowed if allow with input as {\"local\": {}}\n",
    )
    .unwrap();
    symlink(".", dir.join("a")).unwrap();
    fs::create_dir(dir.join("sub")).unwrap();
    symlink("..", dir.join("sub/up")).unwrap();
    let run = verdict_in(&dir, &["test", "."], &[]);
    assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout.matches("test_local_allowed").count(),
        1,
        "{}",
        run.stdout
    );
}

/// A `*_test.rego` that is a FIFO is refused by type, not waited on.
#[test]
fn test_walk_refuses_fifo() {
    let dir = scratch("test-fifo");
    fs::write(
        dir.join("Dockerfile.rego"),
        "package docker\n\ndefault allow := false\n",
    )
    .unwrap();
    mkfifo(&dir.join("evil_test.rego"));
    let run = verdict_in(&dir, &["test", "."], &[]);
    assert_eq!(run.status, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("not-regular-file"), "{}", run.stderr);
}

/// The single `.cwasm` file of a cache directory.
fn cache_file(cache: &Path) -> PathBuf {
    let files: Vec<PathBuf> = fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

fn eval_args() -> Vec<String> {
    let repo = repo();
    [
        "eval",
        "-p",
        repo.join("examples/github-builder/Dockerfile.rego")
            .to_str()
            .unwrap(),
        "-i",
        repo.join("examples/github-builder/inputs/allow-local-context.json")
            .to_str()
            .unwrap(),
        "--format",
        "json",
        "--now",
        NOW,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The runner loads the machine code embedded at build time: a first run compiles nothing and
/// writes no cache, and says nothing about compiling.
#[test]
fn a_first_run_loads_the_embedded_machine_code() {
    let args = eval_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let dir = scratch("embedded-code");
    let cache = dir.join("cache");
    let run = verdict_in(&dir, &args, &[("VERDICT_CACHE_DIR", &cache)]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        !cache.exists(),
        "no cache written: the embedded code was loaded"
    );
    assert!(!run.stderr.contains("compiling"), "{}", run.stderr);
    // Compiling instead gives the same verdict (and fills the cache).
    let compiled = verdict_in(
        &dir,
        &args,
        &[
            ("VERDICT_CACHE_DIR", &cache),
            ("VERDICT_COMPILE", Path::new("1")),
        ],
    );
    assert_eq!(compiled.stdout, run.stdout);
    cache_file(&cache);
}

/// The precompiled-code cache is untrusted: a file whose code does not match the SHA-256 stored
/// with it, or that is not a regular file, is never deserialized; it is recompiled and
/// rewritten, and the verdict is the same.
#[test]
fn cache_tampering_rebuilds() {
    let args = eval_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // (case, how the cache file is tampered with)
    type Tamper = fn(&Path, &Path);
    let cases: &[(&str, Tamper)] = &[
        ("cache-flipped-byte", |file, _| {
            let mut bytes = fs::read(file).unwrap();
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x40;
            fs::write(file, bytes).unwrap();
        }),
        ("cache-truncated", |file, _| {
            let bytes = fs::read(file).unwrap();
            fs::write(file, &bytes[..bytes.len() - 1]).unwrap();
        }),
        ("cache-digest-flipped", |file, _| {
            let mut bytes = fs::read(file).unwrap();
            bytes[verdict_host::cache::MAGIC.len()] ^= 1;
            fs::write(file, bytes).unwrap();
        }),
        ("cache-fifo", |file, _| {
            fs::remove_file(file).unwrap();
            mkfifo(file);
        }),
        ("cache-symlink", |file, dir| {
            // A symlink to a valid copy: still not followed.
            let copy = dir.join("elsewhere.cwasm");
            fs::copy(file, &copy).unwrap();
            fs::remove_file(file).unwrap();
            symlink(&copy, file).unwrap();
        }),
        ("cache-sparse-huge", |file, _| {
            fs::remove_file(file).unwrap();
            sparse(file, 1 << 40);
        }),
    ];
    // One good cache, compiled once; each case tampers with a copy of it.
    let good_dir = scratch("cache-good");
    // The runner loads the machine code embedded at build time; VERDICT_COMPILE=1 makes it
    // compile the component, through the cache under test.
    let compile = Path::new("1");
    let first = verdict_in(
        &good_dir,
        &args,
        &[
            ("VERDICT_CACHE_DIR", &good_dir.join("cache")),
            ("VERDICT_COMPILE", compile),
        ],
    );
    assert_eq!(first.status, 0, "{}\n{}", first.stdout, first.stderr);
    let good = cache_file(&good_dir.join("cache"));
    for (case, tamper) in cases {
        let dir = scratch(case);
        let cache = dir.join("cache");
        fs::create_dir_all(&cache).unwrap();
        let file = cache.join(good.file_name().unwrap());
        fs::copy(&good, &file).unwrap();
        assert!(
            verdict_host::cache::read_verified(&file).is_some(),
            "{case}"
        );
        tamper(&file, &dir);
        assert!(
            verdict_host::cache::read_verified(&file).is_none(),
            "{case}"
        );
        let second = verdict_in(
            &dir,
            &args,
            &[("VERDICT_CACHE_DIR", &cache), ("VERDICT_COMPILE", compile)],
        );
        assert_eq!(second.status, first.status, "{case}: {}", second.stderr);
        assert_eq!(second.stdout, first.stdout, "{case}: the same verdict");
        let meta = fs::symlink_metadata(&file).unwrap();
        assert!(meta.is_file(), "{case}: rewritten as a regular file");
        assert!(
            verdict_host::cache::read_verified(&file).is_some(),
            "{case}: rewritten"
        );
    }
}

/// An empty (or relative) `VERDICT_CACHE_DIR` / `XDG_CACHE_HOME` is unset: the cache goes to
/// `$HOME/.cache/verdict`, never into the working directory.
#[test]
fn empty_cache_dir_is_unset() {
    let args = eval_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    for (case, value) in [("cache-empty-env", ""), ("cache-relative-env", "rel")] {
        let dir = scratch(case);
        let cwd = dir.join("cwd");
        let home = dir.join("home");
        fs::create_dir_all(&cwd).unwrap();
        fs::create_dir_all(&home).unwrap();
        let run = verdict_in(
            &cwd,
            &args,
            &[
                ("VERDICT_CACHE_DIR", Path::new(value)),
                ("XDG_CACHE_HOME", Path::new(value)),
                ("HOME", &home),
                ("VERDICT_COMPILE", Path::new("1")),
            ],
        );
        assert_eq!(run.status, 0, "{case}: {}", run.stderr);
        let left: Vec<_> = fs::read_dir(&cwd).unwrap().collect();
        assert!(
            left.is_empty(),
            "{case}: nothing written to the working directory: {left:?}"
        );
        cache_file(&home.join(".cache/verdict"));
    }
}

/// A file named on the command line is capped too: a sparse 1 TB input, policy or trusted root
/// fails at once, naming the file, and nothing near its size is read.
#[test]
fn given_files_are_capped() {
    let dir = scratch("given-sparse");
    sparse(&dir.join("huge"), 1 << 40);
    let policy = repo().join("examples/github-builder/Dockerfile.rego");
    let policy = policy.to_str().unwrap();
    let input = repo().join("examples/github-builder/inputs/allow-local-context.json");
    let input = input.to_str().unwrap();
    let cases: &[&[&str]] = &[
        &["eval", "-p", policy, "-i", "huge", "--now", NOW],
        &["eval", "-p", "huge", "-i", input, "--now", NOW],
        &[
            "eval",
            "-p",
            policy,
            "-i",
            input,
            "--now",
            NOW,
            "--bundle",
            "huge=sha256:0000000000000000000000000000000000000000000000000000000000000000",
        ],
    ];
    for args in cases {
        let run = verdict_in(&dir, args, &[]);
        assert_eq!(run.status, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("huge") && run.stderr.contains("over the host's"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.took < Duration::from_secs(60),
            "{args:?}: {:?}",
            run.took
        );
    }
}

/// A FIFO the user names on the command line (`-i <(cmd)`) is still read: only roots refuse
/// special files.
#[test]
fn given_fifo_is_read() {
    let dir = scratch("given-fifo");
    let fifo = dir.join("input");
    mkfifo(&fifo);
    let writer = std::thread::spawn(move || fs::write(fifo, br#"{"local": {}}"#).unwrap());
    let policy = repo().join("examples/github-builder/Dockerfile.rego");
    let run = verdict_in(
        &dir,
        &[
            "eval",
            "-p",
            policy.to_str().unwrap(),
            "-i",
            "input",
            "--now",
            NOW,
        ],
        &[],
    );
    writer.join().unwrap();
    assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
}
