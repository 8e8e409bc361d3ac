//! `verdict verify --batch`: many bundles verified in one process, on every core.
//!
//! The bundles are named by directories (each `NAME.sigstore.json` or `NAME.sigstore` beside its
//! artifact `NAME`) or by JSON lines (a file, or `-` for standard input), one object a bundle:
//!
//! ```json
//! {"id": "lodash@4.17.21", "bundle": "lodash.sigstore.json", "digest": "sha512:…",
//!  "certificateIdentity": "https://github.com/…", "certificateOidcIssuer": "https://…"}
//! ```
//!
//! `bundle` and `artifact` (or `key`) are paths relative to the file of lines (to the working
//! directory for standard input); `digest` is `ALG:HEX`; `id` is any JSON value, echoed. The
//! signer is named once: by the command's identity flags (then no line may name one — a line
//! could otherwise replace the command's identity with `".*"` or a key of its choosing), or by
//! every line (then a line without one is an error). An unknown, repeated or `null` field, or a
//! line that names both or neither of `artifact` and `digest`, is that item's error: a misspelt
//! `certificateIdentity` must never verify as "any signer". A directory's bundles are checked
//! against the command's identity flags, which must then be given.
//!
//! Each worker thread owns a component instance with the trusted root prepared once (the
//! verifier's key tables are built there on first use and kept); a bundle that stops the sandbox
//! costs its worker a fresh instance, never the batch. Results come out in the order the bundles
//! were named, whatever the number of workers: one JSON object a line with `-o json` (fields
//! `item`, `id` when given, `bundle`, and `"verified": true, "facts"` or `"verified": false,
//! "error": {"code", "message"}`), else the failures and a summary. A progress line is drawn on
//! standard error when it is a terminal.

use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use verdict_host::pretty;
use verdict_host::verify::{Artifact, Digest, IdentityPolicy, TrustRoot};
use verdict_host::{Runner, fsroot};
use wasmtime::error::Context as _;
use wasmtime::{Result, bail};

use super::files::{files_under, read};
use super::format::Format;
use super::verify::{RootChoice, VerifyArgs, identity_policy, parse_digest};

/// The most workers `--jobs` starts.
const MAX_JOBS: usize = 64;

/// The most bundles one command verifies (each named item is held until the end).
const MAX_ITEMS: usize = 100_000;

/// A bundle's file-name endings in a directory, and what is left is its artifact's name.
const BUNDLE_SUFFIXES: [&str; 2] = [".sigstore.json", ".sigstore"];

/// One bundle named by the batch.
struct Item {
    /// Where it was named: `FILE:LINE`, `-:LINE`, or (from a directory) the bundle's path.
    at: String,
    /// The line's `id`, echoed.
    id: Option<serde_json::Value>,
    /// What to verify, or why the item cannot be.
    work: std::result::Result<Work, String>,
}

/// A bundle, its artifact and (when the line names one) its identity.
struct Work {
    bundle: PathBuf,
    artifact: ArtifactRef,
    identity: Option<IdentityFields>,
}

enum ArtifactRef {
    Path(PathBuf),
    Digest(Digest),
}

/// A line's identity fields (the flags of the same names).
struct IdentityFields {
    identity: Option<String>,
    identity_regexp: Option<String>,
    issuer: Option<String>,
    issuer_regexp: Option<String>,
    key: Option<PathBuf>,
}

/// One JSON line, as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Line {
    id: Option<serde_json::Value>,
    bundle: String,
    artifact: Option<String>,
    digest: Option<String>,
    certificate_identity: Option<String>,
    certificate_identity_regexp: Option<String>,
    certificate_oidc_issuer: Option<String>,
    certificate_oidc_issuer_regexp: Option<String>,
    key: Option<String>,
}

/// A line's item: paths resolved against `base`. `flags` is whether the command fixes the
/// identity: then a line may not name one (it would replace the command's), else it must.
fn parse_line(
    text: &str,
    base: &Path,
    flags: bool,
) -> (Option<serde_json::Value>, Result<Work, String>) {
    let line: Line = match serde_json::from_str(text) {
        Ok(line) => line,
        Err(e) => return (None, Err(format!("not a batch line: {e}"))),
    };
    // `"certificateIdentity": null` is not an absent field: it must not read as "any signer".
    if let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(text)
        && let Some((name, _)) = fields.iter().find(|(_, value)| value.is_null())
    {
        return (line.id, Err(format!("field `{name}` is null")));
    }
    let work = (|| {
        let artifact = match (&line.artifact, &line.digest) {
            (Some(path), None) => ArtifactRef::Path(base.join(path)),
            (None, Some(text)) => {
                ArtifactRef::Digest(parse_digest(text).ok_or_else(|| {
                    format!("digest {text:?} is not ALG:HEX (e.g. sha256:9f86d0…)")
                })?)
            }
            (Some(_), Some(_)) => return Err("name `artifact` or `digest`, not both".to_owned()),
            (None, None) => return Err("name the artifact: `artifact` or `digest`".to_owned()),
        };
        let both = |a: &Option<String>, b: &Option<String>, what: &str| {
            if a.is_some() && b.is_some() {
                Err(format!("name `{what}` or `{what}Regexp`, not both"))
            } else {
                Ok(())
            }
        };
        both(
            &line.certificate_identity,
            &line.certificate_identity_regexp,
            "certificateIdentity",
        )?;
        both(
            &line.certificate_oidc_issuer,
            &line.certificate_oidc_issuer_regexp,
            "certificateOidcIssuer",
        )?;
        let certificate = [
            &line.certificate_identity,
            &line.certificate_identity_regexp,
            &line.certificate_oidc_issuer,
            &line.certificate_oidc_issuer_regexp,
        ]
        .iter()
        .any(|field| field.is_some());
        if certificate && line.key.is_some() {
            return Err("name a `key` or certificate identity fields, not both".to_owned());
        }
        let named = certificate || line.key.is_some();
        if named && flags {
            return Err(
                "the command's identity flags fix the signer: a line may not name its own \
                 (give the identity in every line, or in the flags)"
                    .to_owned(),
            );
        }
        if !named && !flags {
            return Err(
                "no signer named: give the line `certificateIdentity[Regexp]` and \
                 `certificateOidcIssuer[Regexp]` (or `key`), or the command the identity flags"
                    .to_owned(),
            );
        }
        let identity = named.then(|| IdentityFields {
            identity: line.certificate_identity.clone(),
            identity_regexp: line.certificate_identity_regexp.clone(),
            issuer: line.certificate_oidc_issuer.clone(),
            issuer_regexp: line.certificate_oidc_issuer_regexp.clone(),
            key: line.key.as_ref().map(|key| base.join(key)),
        });
        Ok(Work {
            bundle: base.join(&line.bundle),
            artifact,
            identity,
        })
    })();
    (line.id, work)
}

/// The items of JSON lines (`text`), named `name:LINE`; blank lines are skipped.
fn lines_of(
    text: &[u8],
    name: &str,
    base: &Path,
    flags: bool,
    items: &mut Vec<Item>,
) -> Result<()> {
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if items.len() >= MAX_ITEMS {
            bail!("--batch names more than {MAX_ITEMS} bundles: split the batch");
        }
        let (id, work) = match std::str::from_utf8(line) {
            Ok(line) => parse_line(line, base, flags),
            Err(_) => (None, Err("not a batch line: not UTF-8".to_owned())),
        };
        items.push(Item {
            at: format!("{name}:{}", n + 1),
            id,
            work,
        });
    }
    Ok(())
}

/// Adds the items a `--batch` value names; `flags`: whether the command names the signer.
fn collect(source: &Path, flags: bool, items: &mut Vec<Item>) -> Result<()> {
    if source == Path::new("-") {
        // Standard input under the same cap as a file of lines.
        let mut text = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(std::io::stdin().lock(), fsroot::MAX_GIVEN_FILE + 1),
            &mut text,
        )
        .context("failed to read --batch - (standard input)")?;
        if text.len() as u64 > fsroot::MAX_GIVEN_FILE {
            bail!(
                "--batch -: standard input is over {} MiB",
                fsroot::MAX_GIVEN_FILE >> 20
            );
        }
        return lines_of(&text, "-", Path::new(""), flags, items);
    }
    let meta = std::fs::metadata(source)
        .with_context(|| format!("failed to read --batch {}", source.display()))?;
    if !meta.is_dir() {
        let text = read(source, "batch file")?;
        let base = source.parent().unwrap_or(Path::new(""));
        return lines_of(&text, &source.display().to_string(), base, flags, items);
    }
    let bundles = files_under(source, |name| {
        BUNDLE_SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
    })?;
    if !flags && !bundles.is_empty() {
        bail!(
            "--batch {}: name the signer (--certificate-identity[-regexp] and \
             --certificate-oidc-issuer[-regexp], or --key): a directory's bundles are checked \
             against the command's identity",
            source.display()
        );
    }
    items.extend(bundles.into_iter().map(|bundle| {
        // The artifact is the bundle's file name less the suffix, in the same directory
        // (the path's other components as they are, UTF-8 or not).
        let name = bundle
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let stem = BUNDLE_SUFFIXES
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or_default();
        let artifact = bundle.with_file_name(stem);
        let work = if !stem.is_empty() && artifact.is_file() {
            Ok(Work {
                bundle: bundle.clone(),
                artifact: ArtifactRef::Path(artifact),
                identity: None,
            })
        } else {
            Err(format!(
                "no artifact beside the bundle: expected the file {}",
                artifact.display()
            ))
        };
        Item {
            at: bundle.display().to_string(),
            id: None,
            work,
        }
    }));
    if items.len() > MAX_ITEMS {
        bail!("--batch names more than {MAX_ITEMS} bundles: split the batch");
    }
    Ok(())
}

/// A file a batch names, read only if it is a regular file (a FIFO's open would block the
/// batch; the single commands read what they are given, `<(…)` included).
fn read_file(path: &Path, what: &str) -> Result<Vec<u8>> {
    regular(path, what)?;
    read(path, what)
}

/// Refuses a path that is there but not a regular file (a missing one is `read`'s to report).
fn regular(path: &Path, what: &str) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => bail!("{what} {} is not a regular file", path.display()),
        _ => Ok(()),
    }
}

/// How an item ended.
enum Ended {
    /// Verified: the facts' JSON.
    Verified(String),
    /// A check failed (exit status 1).
    NotVerified { code: String, message: String },
    /// The item could not be verified at all — unreadable file, malformed line, the sandbox
    /// stopped the verifier (exit status 2).
    Undecided { code: String, message: String },
}

/// What every worker shares.
struct Shared<'a> {
    runner: &'a Runner,
    root: &'a RootChoice,
    args: &'a VerifyArgs,
    defaults: &'a IdentityPolicy,
    items: &'a [Item],
    next: AtomicUsize,
}

fn undecided(code: &str, message: impl Into<String>) -> Ended {
    Ended::Undecided {
        code: code.to_owned(),
        message: message.into(),
    }
}

impl Shared<'_> {
    /// Verifies one item on this worker's root (prepared again after a call the host stopped).
    fn verify<'r>(&'r self, item: &Item, root: &mut Option<TrustRoot<'r>>) -> Ended {
        let work = match &item.work {
            Ok(work) => work,
            Err(problem) => return undecided("invalid-request", problem.clone()),
        };
        let read_all = || -> Result<(Vec<u8>, Artifact, IdentityPolicy)> {
            let bundle = read_file(&work.bundle, "bundle")?;
            let artifact = match &work.artifact {
                ArtifactRef::Path(path) => Artifact::Bytes(read_file(path, "artifact")?),
                ArtifactRef::Digest(digest) => Artifact::Digest(digest.clone()),
            };
            let identity = match &work.identity {
                None => self.defaults.clone(),
                Some(fields) => {
                    // Checked only: identity_policy reads it.
                    if let Some(key) = &fields.key {
                        regular(key, "key")?;
                    }
                    identity_policy(
                        &fields.identity,
                        &fields.identity_regexp,
                        &fields.issuer,
                        &fields.issuer_regexp,
                        fields.key.as_deref(),
                    )?
                }
            };
            Ok((bundle, artifact, identity))
        };
        let (bundle, artifact, identity) = match read_all() {
            Ok(read) => read,
            Err(e) => return undecided("invalid-request", format!("{e:#}")),
        };
        if root.is_none() {
            match self.root.prepare(self.runner) {
                Ok(Ok(prepared)) => *root = Some(prepared),
                Ok(Err(failure)) => return undecided(failure.code(), failure.message()),
                Err(e) => return undecided("internal", format!("{e:#}")),
            }
        }
        let Some(prepared) = root.as_mut() else {
            return undecided("internal", "no trusted root");
        };
        match prepared.verify_bundle(&bundle, &artifact, &self.args.options(identity)) {
            Ok(Ok(verified)) => Ended::Verified(verified.facts_json),
            // A request the verifier refuses (a bad regular expression, an unknown digest
            // algorithm) decided nothing about the bundle.
            Ok(Err(failure)) if failure.code() == "invalid-request" => {
                undecided(failure.code(), failure.message())
            }
            Ok(Err(failure)) if failure.is_verify() => Ended::NotVerified {
                code: failure.code().to_owned(),
                message: failure.message().to_owned(),
            },
            Ok(Err(failure)) => {
                // The sandbox stopped this call: the next item gets a fresh instance.
                *root = None;
                undecided(failure.code(), failure.message())
            }
            Err(e) => {
                *root = None;
                undecided("internal", format!("{e:#}"))
            }
        }
    }

    /// A worker: takes the next item until none is left.
    fn work<'r>(&'r self, mut root: Option<TrustRoot<'r>>, results: &mpsc::Sender<(usize, Ended)>) {
        loop {
            let index = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = self.items.get(index) else {
                return;
            };
            let ended = self.verify(item, &mut root);
            if results.send((index, ended)).is_err() {
                return;
            }
        }
    }
}

/// The progress line on standard error (a terminal only), at most ten times a second.
struct Progress {
    on: bool,
    drawn: Option<Instant>,
    total: usize,
}

impl Progress {
    fn tick(&mut self, done: usize) {
        if !self.on
            || self
                .drawn
                .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.drawn = Some(Instant::now());
        eprint!("\rverifying: {done}/{} bundles", self.total);
        let _ = std::io::stderr().flush();
    }

    fn clear(&self) {
        if self.on && self.drawn.is_some() {
            eprint!("\r\x1b[K");
        }
    }
}

/// One item's JSON line.
fn json_line(item: &Item, ended: &Ended) -> String {
    let mut head = serde_json::Map::new();
    head.insert("item".into(), item.at.clone().into());
    if let Some(id) = &item.id {
        head.insert("id".into(), id.clone());
    }
    if let Ok(work) = &item.work {
        head.insert("bundle".into(), work.bundle.display().to_string().into());
    }
    let head = serde_json::Value::Object(head).to_string();
    let head = head.strip_suffix('}').unwrap_or(&head);
    match ended {
        // The facts are the component's canonical JSON text: copied, not re-encoded.
        Ended::Verified(facts) => format!("{head},\"verified\":true,\"facts\":{facts}}}"),
        Ended::NotVerified { code, message } | Ended::Undecided { code, message } => {
            let error = serde_json::json!({"code": code, "message": message});
            format!("{head},\"verified\":false,\"error\":{error}}}")
        }
    }
}

/// Runs `verdict verify --batch`: 0 every bundle verified, 1 a bundle failed a check, 2 an item
/// could not be verified at all (or there were none).
pub(crate) fn run(args: VerifyArgs) -> Result<u8> {
    let started = Instant::now();
    let mut items = Vec::new();
    let flags = args.names_signer();
    for source in &args.batch {
        collect(source, flags, &mut items)?;
    }
    if items.is_empty() {
        bail!(
            "--batch {}: no bundles (a directory's are NAME.sigstore.json or NAME.sigstore beside \
             NAME; a file's, JSON lines)",
            args.batch
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let defaults = args.identity()?;
    let runner = args.sandbox.runner()?;
    let choice = args.root_choice(&runner)?;
    // The root is prepared once here, so that a bad one fails the command once.
    let first = match choice.prepare(&runner)? {
        Ok(root) => root,
        // As `verdict verify` reports it.
        Err(failure) => {
            if matches!(args.format, Format::Json) {
                let error =
                    serde_json::json!({"code": failure.code(), "message": failure.message()});
                println!("{{\"verified\":false,\"error\":{error}}}");
            } else {
                print!("{}", pretty::render_verify_failure(&failure));
            }
            return Ok(super::verify::failure_status(&failure));
        }
    };
    let jobs = args
        .jobs
        .map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            |n| n.get(),
        )
        .clamp(1, MAX_JOBS)
        .min(items.len());
    let shared = Shared {
        runner: &runner,
        root: &choice,
        args: &args,
        defaults: &defaults,
        items: &items,
        next: AtomicUsize::new(0),
    };
    let json = matches!(args.format, Format::Json);
    let mut progress = Progress {
        // Not over JSON lines printed to the same terminal.
        on: std::io::stderr().is_terminal() && !(json && std::io::stdout().is_terminal()),
        drawn: None,
        total: items.len(),
    };
    let (mut verified, mut not_verified, mut undecided_n) = (0usize, 0usize, 0usize);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    std::thread::scope(|scope| -> Result<()> {
        let (sender, results) = mpsc::channel();
        let mut first = Some(first);
        for _ in 0..jobs {
            let root = first.take();
            let sender = sender.clone();
            let shared = &shared;
            scope.spawn(move || shared.work(root, &sender));
        }
        drop(sender);
        // In the order the bundles were named, whatever order they finish in.
        let mut pending = BTreeMap::new();
        let mut next = 0;
        for (index, ended) in results {
            pending.insert(index, ended);
            while let Some(ended) = pending.remove(&next) {
                let item = &items[next];
                match &ended {
                    Ended::Verified(_) => verified += 1,
                    Ended::NotVerified { .. } => not_verified += 1,
                    Ended::Undecided { .. } => undecided_n += 1,
                }
                if json {
                    writeln!(out, "{}", json_line(item, &ended))?;
                } else if let Ended::NotVerified { code, message }
                | Ended::Undecided { code, message } = &ended
                {
                    progress.clear();
                    writeln!(
                        out,
                        "{}: error[{code}]: {}",
                        pretty::escape(&item.at),
                        pretty::escape(message)
                    )?;
                    out.flush()?;
                }
                next += 1;
            }
            progress.tick(next);
        }
        Ok(())
    })?;
    progress.clear();
    out.flush()?;
    drop(out);
    let seconds = started.elapsed().as_secs_f64();
    let mut summary = format!("verified {verified} of {} bundles", items.len());
    if not_verified > 0 {
        summary += &format!(", {not_verified} failed a check");
    }
    if undecided_n > 0 {
        summary += &format!(", {undecided_n} could not be verified");
    }
    summary += &format!(
        " in {seconds:.2} s ({:.0} bundles/s, {jobs} worker{})",
        items.len() as f64 / seconds.max(1e-9),
        if jobs == 1 { "" } else { "s" }
    );
    if json {
        eprintln!("{summary}");
    } else {
        println!("{summary}");
    }
    Ok(if undecided_n > 0 {
        2
    } else if not_verified > 0 {
        1
    } else {
        0
    })
}
