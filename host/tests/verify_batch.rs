//! `verdict verify --batch`: a minted batch (each bundle its own leaf key, log entry and
//! timestamp) verified from JSON lines and from a directory, the same lines out whatever the
//! number of workers, and every way an item can fail reported in its place with its code while
//! the rest go on.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const N: usize = 24;

fn verdict(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

/// A minted batch of `N` in a fresh directory.
fn batch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("verify-batch-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    verdict_mint::batch::write(&dir, N).unwrap();
    dir
}

fn json_lines(stdout: &[u8]) -> Vec<Value> {
    std::str::from_utf8(stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// `verdict verify --batch SOURCE -o json` in `dir` with the batch's signer named by the flags.
fn verify_as_the_signer(dir: &Path, source: &str) -> Output {
    let identity = verdict_mint::batch::identity();
    verify_json(
        dir,
        source,
        &[
            "--certificate-identity",
            identity.san.as_str(),
            "--certificate-oidc-issuer",
            &identity.issuer,
        ],
    )
}

/// `verdict verify --batch SOURCE --trusted-root trusted_root.json -o json` and `extra` in `dir`.
fn verify_json(dir: &Path, source: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "verify",
        "--batch",
        source,
        "--trusted-root",
        "trusted_root.json",
        "-o",
        "json",
    ];
    args.extend_from_slice(extra);
    verdict(&args, dir)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The first line of `batch.jsonl` as an object to change.
fn first_line(dir: &Path) -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(dir.join("batch.jsonl")).unwrap();
    serde_json::from_str(text.lines().next().unwrap()).unwrap()
}

#[test]
fn json_lines_verify_in_order_whatever_the_workers() {
    let dir = batch("lines");
    let mut outputs = Vec::new();
    for jobs in ["1", "3"] {
        let output = verify_json(&dir, "batch.jsonl", &["-j", jobs]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains(&format!("verified {N} of {N} bundles")),
            "{stderr}"
        );
        outputs.push(output.stdout);
    }
    assert_eq!(outputs[0], outputs[1], "-j 1 and -j 3 print the same lines");
    let lines = json_lines(&outputs[0]);
    assert_eq!(lines.len(), N);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["item"], format!("batch.jsonl:{}", i + 1));
        assert_eq!(line["id"], format!("pkg-{i:05}.tgz"));
        assert_eq!(line["verified"], true, "{line}");
        assert_eq!(
            line["facts"]["signer"]["subjectAlternativeName"],
            verdict_mint::batch::identity().san.as_str()
        );
    }
}

#[test]
fn a_directory_pairs_each_bundle_with_the_artifact_beside_it() {
    let dir = batch("dir");
    let identity = verdict_mint::batch::identity();
    let args = [
        "verify",
        "--batch",
        "artifacts",
        "--trusted-root",
        "trusted_root.json",
        "--certificate-identity",
        identity.san.as_str(),
        "--certificate-oidc-issuer",
        &identity.issuer,
    ];
    let output = verdict(&args, &dir);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with(&format!("verified {N} of {N} bundles")),
        "{stdout}"
    );

    // Another signer expected: every bundle fails the identity check (exit status 1).
    let mut other = args;
    other[6] = "https://github.com/acme/pkg/.github/workflows/evil.yml@refs/tags/v1.0.0";
    let output = verdict(&other, &dir);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert_eq!(
        stdout.matches("error[identity-mismatch]").count(),
        N,
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("verified 0 of {N} bundles, {N} failed a check")),
        "{stdout}"
    );

    // A bundle without its artifact cannot be verified (exit status 2); the rest are.
    std::fs::remove_file(dir.join("artifacts/pkg-00003.tgz")).unwrap();
    let output = verdict(&args, &dir);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(
            "pkg-00003.tgz.sigstore.json: error[invalid-request]: no artifact beside the bundle"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "verified {} of {N} bundles, 1 could not be verified",
            N - 1
        )),
        "{stdout}"
    );
}

#[test]
fn every_failing_item_is_reported_in_its_place_and_the_rest_verify() {
    let dir = batch("mixed");
    let good = first_line(&dir);
    let with = |changes: &[(&str, Value)], removed: &[&str]| {
        let mut line = good.clone();
        for key in removed {
            line.remove(*key);
        }
        for (key, value) in changes {
            line.insert((*key).to_owned(), value.clone());
        }
        Value::Object(line).to_string()
    };
    let other_digest = format!("sha256:{}", "ab".repeat(32));
    let cases: Vec<(String, &str)> = vec![
        (with(&[], &[]), ""),
        // Another artifact's digest.
        (
            with(&[("digest", other_digest.into())], &[]),
            "artifact-mismatch",
        ),
        // Another signer.
        (
            with(
                &[(
                    "certificateIdentity",
                    "https://github.com/evil/pkg/.github/workflows/release.yml@refs/tags/v1.0.0"
                        .into(),
                )],
                &[],
            ),
            "identity-mismatch",
        ),
        // A misspelt identity field must not verify as "any signer"…
        (
            with(
                &[("certificateIdentiy", "x".into())],
                &["certificateIdentity", "certificateOidcIssuer"],
            ),
            "invalid-request",
        ),
        // … nor a null one, nor none at all.
        (
            with(
                &[("certificateIdentity", Value::Null)],
                &["certificateOidcIssuer"],
            ),
            "invalid-request",
        ),
        (
            with(&[], &["certificateIdentity", "certificateOidcIssuer"]),
            "invalid-request",
        ),
        // A repeated field.
        (
            with(&[], &[]).replacen('{', "{\"bundle\":\"x\",", 1),
            "invalid-request",
        ),
        (
            with(&[("artifact", "artifacts/pkg-00000.tgz".into())], &[]),
            "invalid-request",
        ),
        (with(&[], &["digest"]), "invalid-request"),
        (
            with(&[("bundle", "artifacts/missing.sigstore.json".into())], &[]),
            "invalid-request",
        ),
        (
            with(&[("bundle", "artifacts/pkg-00001.tgz".into())], &[]),
            "malformed-bundle",
        ),
        ("not json".to_owned(), "invalid-request"),
        (with(&[], &[]), ""),
    ];
    let mut jsonl = cases
        .iter()
        .map(|(line, _)| line.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    jsonl.push('\n');
    std::fs::write(dir.join("mixed.jsonl"), jsonl).unwrap();
    let output = verify_json(&dir, "mixed.jsonl", &["-j", "2"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let lines = json_lines(&output.stdout);
    assert_eq!(lines.len(), cases.len());
    for (line, (_, code)) in lines.iter().zip(&cases) {
        if code.is_empty() {
            assert_eq!(line["verified"], true, "{line}");
        } else {
            assert_eq!(line["verified"], false, "{line}");
            assert_eq!(line["error"]["code"], *code, "{line}");
        }
    }
    let messages: Vec<&str> = lines
        .iter()
        .filter_map(|line| line["error"]["message"].as_str())
        .collect();
    for expected in [
        "unknown field `certificateIdentiy`",
        "field `certificateIdentity` is null",
        "no signer named",
        "duplicate field `bundle`",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{expected:?} in {messages:#?}"
        );
    }
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "verified 2 of {} bundles, 3 failed a check, 8 could not be verified",
            cases.len()
        )),
        "{stderr}"
    );

    // With the signer named by the command, a line may not name its own: it could widen it.
    std::fs::write(
        dir.join("widen.jsonl"),
        format!(
            "{}\n{}\n",
            with(&[], &["certificateIdentity", "certificateOidcIssuer"]),
            with(
                &[("certificateIdentityRegexp", ".*".into())],
                &["certificateIdentity"]
            ),
        ),
    )
    .unwrap();
    let output = verify_as_the_signer(&dir, "widen.jsonl");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let lines = json_lines(&output.stdout);
    assert_eq!(lines[0]["verified"], true, "{}", lines[0]);
    assert_eq!(lines[1]["error"]["code"], "invalid-request");
    assert!(
        lines[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("identity flags fix the signer"),
        "{}",
        lines[1]
    );

    // Standard input: paths relative to the working directory; only check failures: status 1.
    let stdin = format!("{}\n{}\n", cases[0].0, cases[2].0);
    let mut child = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args([
            "verify",
            "--batch",
            "-",
            "--trusted-root",
            "trusted_root.json",
            "-o",
            "json",
        ])
        .current_dir(&dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let lines = json_lines(&output.stdout);
    assert_eq!(lines[0]["item"], "-:1");
    assert_eq!(lines[0]["verified"], true);
    assert_eq!(lines[1]["error"]["code"], "identity-mismatch");
}

#[test]
fn nothing_to_verify_is_an_error_not_a_pass() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("verify-batch-empty");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("d")).unwrap();
    std::fs::write(dir.join("d/README"), "no bundles here").unwrap();
    std::fs::write(dir.join("empty.jsonl"), "\n\n").unwrap();
    for source in ["d", "empty.jsonl"] {
        let output = verdict(&["verify", "--batch", source], &dir);
        assert_eq!(output.status.code(), Some(2));
        assert!(
            text(&output.stderr).contains("no bundles"),
            "{}",
            text(&output.stderr)
        );
    }
    // --batch with --bundle, --artifact or --digest is a usage error; so is --jobs alone.
    for args in [
        &["verify", "--batch", "d", "--digest", "sha256:00"][..],
        &["verify", "--batch", "d", "--bundle", "x"],
        &[
            "verify",
            "--bundle",
            "x",
            "--digest",
            "sha256:00",
            "-j",
            "2",
        ],
    ] {
        let output = verdict(args, &dir);
        assert_eq!(output.status.code(), Some(2));
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains("cannot be used with") || stderr.contains("goes with --batch"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_directory_needs_the_signer_named_and_reads_only_regular_files() {
    let dir = batch("special");
    let output = verdict(
        &[
            "verify",
            "--batch",
            "artifacts",
            "--trusted-root",
            "trusted_root.json",
        ],
        &dir,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("name the signer"),
        "{}",
        text(&output.stderr)
    );

    let artifacts = dir.join("artifacts");
    // NAME.sigstore beside NAME.sigstore.json: both are NAME's bundles.
    std::fs::copy(
        artifacts.join("pkg-00000.tgz.sigstore.json"),
        artifacts.join("pkg-00000.tgz.sigstore"),
    )
    .unwrap();
    // A bundle named only by the suffix has no artifact.
    std::fs::copy(
        artifacts.join("pkg-00001.tgz.sigstore.json"),
        artifacts.join(".sigstore.json"),
    )
    .unwrap();
    // A FIFO where a bundle should be: reported, never opened (an open would wait forever).
    std::fs::write(artifacts.join("fifo"), "x").unwrap();
    let fifo = artifacts.join("fifo.sigstore.json");
    let made = Command::new("mkfifo").arg(&fifo).status();
    let output = verify_as_the_signer(&dir, "artifacts");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let lines = json_lines(&output.stdout);
    let of = |name: &str| {
        lines
            .iter()
            .find(|line| line["item"] == format!("artifacts/{name}"))
            .unwrap_or_else(|| panic!("{name} in {lines:#?}"))
    };
    assert_eq!(of("pkg-00000.tgz.sigstore")["verified"], true);
    assert_eq!(of("pkg-00000.tgz.sigstore.json")["verified"], true);
    assert!(
        of(".sigstore.json")["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no artifact beside the bundle")
    );
    if made.is_ok_and(|status| status.success()) {
        assert!(
            of("fifo.sigstore.json")["error"]["message"]
                .as_str()
                .unwrap()
                .contains("not a regular file")
        );
    }
}

#[test]
fn a_bundle_that_stops_the_sandbox_costs_its_worker_a_fresh_instance_not_the_batch() {
    let dir = batch("stopped");
    let good = first_line(&dir);
    // An artifact larger than the sandbox's memory: its bytes go into the component, which
    // the memory cap stops (`resource-exhausted`); the worker's instance is then dead.
    std::fs::write(dir.join("huge.bin"), vec![0u8; 48 << 20]).unwrap();
    let mut huge = good.clone();
    huge.remove("digest");
    huge.insert("artifact".into(), "huge.bin".into());
    let lines = [
        Value::Object(good.clone()).to_string(),
        Value::Object(huge).to_string(),
        Value::Object(good).to_string(),
    ];
    std::fs::write(dir.join("stopped.jsonl"), lines.join("\n")).unwrap();
    let output = verify_json(&dir, "stopped.jsonl", &["-j", "1", "--max-memory", "32"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let lines = json_lines(&output.stdout);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["verified"], true, "{}", lines[0]);
    assert_eq!(
        lines[1]["error"]["code"], "resource-exhausted",
        "{}",
        lines[1]
    );
    // One worker: the third bundle ran in the instance prepared after the second's stopped.
    assert_eq!(lines[2]["verified"], true, "{}", lines[2]);
}
