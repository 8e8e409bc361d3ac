//! The `verdict` command line: parses the arguments and dispatches to the subcommand's module
//! under [`cmd`].

mod cmd;

use std::process::ExitCode;

use clap::{ArgGroup, Parser, Subcommand};

use cmd::format::{JsonOutput, report_error};

/// Sigstore-verified Rego policy verdicts, the same in every host.
#[derive(Debug, Parser)]
#[command(name = "verdict", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a source (`docker-image://REF`, a git URL, `https://…`,
    /// `local://NAME`) against Buildx policies, as `docker buildx build`
    /// checks it: `<Dockerfile>.rego` next to the Dockerfile, `--policy`
    /// sets, the caps pass, Buildx's input built from `--evidence` inside
    /// the sandbox (every blob re-hashed, signatures verified there).
    ///
    /// Exit status: 0 allow (or convert: the pinned reference is printed),
    /// 1 deny, 2 error.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(cmd::check::CheckArgs),
    /// Evaluate policies against an input document, with Buildx semantics.
    ///
    /// Exit status: 0 allow, 1 deny, 2 error.
    #[command(after_help = EVAL_EXAMPLES)]
    Eval(cmd::eval::EvalArgs),
    /// Run policy tests, as `docker buildx policy test`: the `test_*` rules
    /// of the `*_test.rego` files under PATH, against `<filename>.rego`
    /// and the helper module; a Buildx-style report, line coverage of the
    /// policy and a `PASS: n/m` summary (as `opa test`).
    ///
    /// Exit status: 0 all passed, 1 a test failed (or coverage below
    /// `--threshold`), 2 error.
    #[command(after_help = TEST_EXAMPLES)]
    Test(cmd::test::TestArgs),
    /// Verify a Sigstore bundle and print what it proves (signer, times,
    /// transparency-log entries, statement).
    ///
    /// Without identity flags any certificate that chains to the trusted
    /// root is accepted (the signer is still printed). `--batch` verifies
    /// many bundles in one process on every core (examples/verify-batch).
    /// Exit status: 0 verified (every bundle), 1 not verified (a bundle),
    /// 2 usage or I/O error (or the sandbox stopped the verifier).
    #[command(group(ArgGroup::new("what").required(true).args(["artifact", "digest", "batch"])))]
    #[command(after_help = VERIFY_EXAMPLES)]
    Verify(cmd::verify::VerifyArgs),
    /// Verify a Sigstore bundle, speaking the sigstore-conformance client
    /// protocol.
    ///
    /// FILE_OR_DIGEST is the artifact's path, or `sha256:` + 64 hex digits
    /// (when no such file exists). Without `--trusted-root` the embedded
    /// public-good root is used. Exit status: 0 verified, 1 not verified
    /// (`error[<code>]: <message>` on standard error), 2 usage or I/O error.
    #[command(group(ArgGroup::new("signer").required(true).args(["certificate_identity", "key"])))]
    #[command(after_help = VERIFY_BUNDLE_EXAMPLES)]
    VerifyBundle(cmd::verify_bundle::VerifyBundleArgs),
    /// Write the embedded WebAssembly component — the very bytes this
    /// runner executes, import-free (world `verdict:policy/engine`) — for
    /// another host: jco, an edge runtime, a plugin host.
    ///
    /// Prints its size and SHA-256 on standard error.
    #[command(after_help = COMPONENT_EXAMPLES)]
    Component(cmd::component::ComponentArgs),
    /// Serve the HTTP API (`POST /v1/eval`, `/v1/check`, `/v1/verify`; `GET /v1/info`,
    /// `/healthz`): the embedded service component under wasi:http, one sandboxed instance
    /// per request, each with its own fuel, memory and deadline.
    ///
    /// Binds 127.0.0.1:8080 by default; prints `listening on http://ADDR` on standard
    /// error, then one JSON access-log line per request. SIGTERM or Ctrl-C stops accepting
    /// and lets the requests in flight finish.
    #[cfg_attr(feature = "serve", command(after_help = SERVE_EXAMPLES))]
    #[cfg_attr(not(feature = "serve"), command(hide = true))]
    Serve(cmd::serve::ServeArgs),
    /// Keep the Sigstore trusted root fresh through TUF: `update` fetches
    /// the newest one (verified in the sandbox) and `check` / `verify` use
    /// it without `--trusted-root`; `show` prints which root they use.
    ///
    /// Exit status: 0 updated (or shown), 2 refused or failed (the previous
    /// verified root stays in use).
    #[command(after_help = TRUST_ROOT_EXAMPLES)]
    TrustRoot(cmd::trust_root::TrustRootArgs),
}

// The examples that end each subcommand's `--help`. Each runs from the repository's root (the
// CLI tests run every one of them: host/tests/cli.rs).

const CHECK_EXAMPLES: &str = r"Examples (from the repository's root):
  verdict check docker-image://public.ecr.aws/q3b5f1u4/test-docker-action:edge \
      -f examples/github-builder-real/Dockerfile --evidence examples/github-builder-real/evidence/signed-1
  verdict check https://github.com/acme/app.git#v1.0.0 --context examples/git-signed-tag/context \
      --policy cwd://examples/git-signed-tag/Dockerfile.rego --evidence examples/git-signed-tag/evidence/v1.0.0
  verdict check docker-image://alpine:3.22 --policy examples/pin-image/Dockerfile.rego --offline -o json
Without --evidence, an image's evidence is fetched from its registry (Docker's credentials;
--save-evidence DIR keeps it for a replay with --evidence DIR; --offline never fetches).";

const EVAL_EXAMPLES: &str = r"Examples (from the repository's root):
  verdict eval -p examples/github-builder/Dockerfile.rego -i examples/github-builder/inputs/allow-signed-release.json
  verdict eval -o json -p examples/xx-release/Dockerfile.rego -i examples/xx-release/inputs/deny-unpinned-unsigned.json
  verdict eval -d examples/github-builder -i examples/github-builder/inputs/allow-signed-release.json
  verdict eval --print https://github.com/acme/app.git#v1.0.0 --evidence examples/git-signed-tag/evidence/v1.0.0";

const TEST_EXAMPLES: &str = r"Examples (from the repository's root):
  verdict test examples/github-builder-real
  verdict test crates/policy/tests/tester --run alpine
  verdict test examples/github-builder-real --threshold 80 -o json";

const VERIFY_EXAMPLES: &str = r"Examples (from the repository's root):
  verdict verify --bundle tests/vectors/docker-github-builder/attestation-manifest-1.sigstore.json \
      --digest sha256:8fe63f8b055569015407e5bd0c78071e87cf921019249b8b7a913091f680a664 \
      --certificate-identity-regexp 'https://github\.com/docker/github-builder(-experimental)?/.*' \
      --certificate-oidc-issuer https://token.actions.githubusercontent.com
  verdict verify -o json --bundle tests/vectors/sigstore-conformance/test/assets/bundle-verify/happy-path-v0.3/bundle.sigstore.json \
      --artifact tests/vectors/sigstore-conformance/test/assets/bundle-verify/a.txt
  verdict verify --batch examples/verify-batch/batch.jsonl -o json";

const VERIFY_BUNDLE_EXAMPLES: &str = r"Examples (from the repository's root):
  verdict verify-bundle --bundle tests/vectors/sigstore-conformance/test/assets/bundle-verify/happy-path-v0.3/bundle.sigstore.json \
      --certificate-identity https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main \
      --certificate-oidc-issuer https://token.actions.githubusercontent.com \
      tests/vectors/sigstore-conformance/test/assets/bundle-verify/a.txt";

#[cfg(feature = "serve")]
const COMPONENT_EXAMPLES: &str = r"Examples:
  verdict component --out verdict.wasm
  verdict component --out - | sha256sum
  verdict component --service --out verdict-service.wasm";

#[cfg(not(feature = "serve"))]
const COMPONENT_EXAMPLES: &str = r"Examples:
  verdict component --out verdict.wasm
  verdict component --out - | sha256sum";

const TRUST_ROOT_EXAMPLES: &str = r"Examples:
  verdict trust-root show
  # fetch Sigstore's current trusted root (network; verified in the sandbox):
  #   verdict trust-root update
  # another TUF repository, from its own starting root:
  #   verdict trust-root update --repository https://tuf.example.com --root root.json";

#[cfg(feature = "serve")]
const SERVE_EXAMPLES: &str = r#"Examples:
  verdict serve --listen 127.0.0.1:8080
  curl -s localhost:8080/v1/eval -H 'content-type: application/json' \
      -d '{"policies": [{"path": "p.rego", "source": "package docker\ndecision := {\"allow\": input.ok}"}], "input": {"ok": true}, "now": "2026-01-01T00:00:00Z"}'"#;

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    let json = json_output_of(&cli.command);
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => ExitCode::from(report_error(&e, json)),
    }
}

/// What `--format json` prints when the command fails.
fn json_output_of(command: &Command) -> Option<JsonOutput> {
    match command {
        Command::Eval(args) => args.json_output(),
        Command::Check(args) => args.json_output(),
        Command::Verify(args) => args.json_output(),
        Command::VerifyBundle(_)
        | Command::Test(_)
        | Command::Component(_)
        | Command::Serve(_)
        | Command::TrustRoot(_) => None,
    }
}

/// Runs the subcommand; its exit status.
fn run(cli: Cli) -> wasmtime::Result<u8> {
    match cli.command {
        Command::Eval(args) => cmd::eval::run(args),
        Command::VerifyBundle(args) => cmd::verify_bundle::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Test(args) => cmd::test::run(args),
        Command::Component(args) => cmd::component::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::TrustRoot(args) => cmd::trust_root::run(args),
    }
}

/// `verdict … | head` ends quietly when the reader goes away, as Unix tools do: Rust ignores
/// SIGPIPE, so every `println!` after the pipe closed would panic with a backtrace.
fn restore_sigpipe() {
    #[cfg(unix)]
    #[allow(
        unsafe_code,
        reason = "restoring the default disposition of one signal at start-up"
    )]
    // SAFETY: called first thing in `main`, before any thread exists; `signal` with
    // `SIG_DFL` only resets the disposition of SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
