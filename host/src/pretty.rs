//! The human-readable rendering of a verdict and of a verification
//! (`--format pretty`).

use std::fmt::Write as _;

use serde_json::Value;

use crate::verify::{VerifiedBundle, VerifyFailure};
use crate::{Decision, Verdict};

/// Text from a policy, an input or evidence, made safe for a terminal line:
/// control characters (C0 including newline and tab, DEL, C1), bidirectional
/// formatting characters (embeddings, overrides, isolates, marks) and the
/// Unicode line and paragraph separators are shown as `\u{1b}`, so a message
/// can neither start a line of its own (a fake `ALLOW`), recolour the output
/// nor reorder what the terminal shows.
pub fn escape(text: &str) -> String {
    if !text.chars().any(is_unsafe) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// A character [`escape`] shows escaped.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Renders `verdict`; `sets` names the files of each policy set, so the
/// output can say which set decided.
pub fn render(verdict: &Verdict, sets: &[Vec<String>]) -> String {
    let mut out = String::new();
    let set_name = |i: u32| {
        let files = usize::try_from(i)
            .ok()
            .and_then(|i| sets.get(i))
            .map(|files| files.join(", "))
            .unwrap_or_default();
        format!("policy set {} ({})", i + 1, escape(&files))
    };
    let headline = match (verdict.decision, verdict.decided_by) {
        (Decision::Allow, _) if sets.len() == 1 => "ALLOW: the policy allowed".to_owned(),
        (Decision::Allow, _) => format!("ALLOW: all {} policy sets allowed", sets.len()),
        (Decision::Deny, Some(i)) => format!("DENY: denied by {}", set_name(i)),
        (Decision::Deny, None) => "DENY".to_owned(),
        (Decision::Error, Some(i)) => format!("ERROR in {}", set_name(i)),
        (Decision::Error, None) => "ERROR".to_owned(),
        (Decision::Convert, _) => format!(
            "CONVERT: allowed, pinned to {}",
            verdict.pin.as_deref().unwrap_or("?")
        ),
    };
    let _ = writeln!(out, "{headline}");
    if let Some(error) = &verdict.error {
        let _ = writeln!(
            out,
            "  error [{}]: {}",
            error.code.as_str(),
            escape(&error.message)
        );
    }
    if !verdict.messages.is_empty() {
        let _ = writeln!(out, "  messages:");
        for message in &verdict.messages {
            let _ = writeln!(out, "    - {}", escape(message));
        }
    } else if verdict.decision == Decision::Deny {
        let _ = writeln!(out, "  messages: (none: the decision has no deny_msg)");
    }
    if !verdict.prints.is_empty() {
        let _ = writeln!(out, "  prints:");
        for line in &verdict.prints {
            let _ = writeln!(out, "    {}", escape(line));
        }
    }
    let _ = writeln!(out, "  verdict {}", verdict.hash);
    out
}

/// Renders a successful verification: the signer, the verified times, the
/// tlog entries and the statement; `trust_root` names the root's digest.
pub fn render_verified(verified: &VerifiedBundle, trust_root: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "VERIFIED: {} ({})",
        verified.bundle_type, verified.media_type
    );
    match &verified.signer {
        Some(pairs) => {
            let _ = writeln!(out, "  signer:");
            // The identity first, then every other SignerInfo field in order.
            let first = ["subjectAlternativeName", "issuer", "certificateIssuer"];
            let get = |key: &str| pairs.iter().find(|(k, _)| k == key);
            let rest = pairs.iter().filter(|(k, _)| !first.contains(&k.as_str()));
            for (key, value) in first.iter().filter_map(|k| get(k)).chain(rest) {
                let _ = writeln!(out, "    {key}: {}", escape(value));
            }
        }
        None => {
            let _ = writeln!(out, "  signer: the managed key given (no certificate)");
        }
    }
    let digest = &verified.artifact_digest;
    let _ = writeln!(out, "  artifact: {}:{}", digest.algorithm, digest.hex);
    if verified.timestamps.is_empty() {
        let _ = writeln!(out, "  verified times: (none)");
    } else {
        let _ = writeln!(out, "  verified times:");
        for t in &verified.timestamps {
            let _ = writeln!(out, "    {}  {} {}", t.timestamp, t.kind, t.uri);
        }
    }
    if verified.tlog_entries.is_empty() {
        let _ = writeln!(out, "  tlog entries: (none)");
    } else {
        let _ = writeln!(out, "  tlog entries:");
        for e in &verified.tlog_entries {
            let _ = writeln!(
                out,
                "    {} index {} ({} {}), log ID {}",
                e.log_url, e.log_index, e.kind, e.version, e.log_id
            );
        }
    }
    if let Some(payload_type) = &verified.payload_type {
        let _ = writeln!(out, "  payload type: {payload_type}");
    }
    let statement = verified
        .statement_json
        .as_deref()
        .and_then(|s| serde_json::from_str::<Value>(s).ok());
    if let Some(statement) = statement {
        let predicate = statement["predicateType"].as_str().unwrap_or("(none)");
        let _ = writeln!(out, "  statement: predicate type {predicate}");
        let subjects = statement["subject"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        for subject in subjects {
            let name = subject["name"].as_str().unwrap_or("");
            let digests = subject["digest"]
                .as_object()
                .map(|d| {
                    d.iter()
                        .map(|(alg, hex)| format!("{alg}:{}", hex.as_str().unwrap_or("?")))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            let _ = match name {
                "" => writeln!(out, "    subject {}", escape(&digests)),
                _ => writeln!(out, "    subject {} {}", escape(name), escape(&digests)),
            };
        }
    }
    if !verified.ignored.is_empty() {
        let _ = writeln!(out, "  ignored:");
        for item in &verified.ignored {
            let _ = writeln!(out, "    - {}", escape(item));
        }
    }
    if let Some(digest) = trust_root {
        let _ = writeln!(out, "  trusted root {digest}");
    }
    out
}

/// Renders a failed verification: the check that failed and its message.
pub fn render_verify_failure(failure: &VerifyFailure) -> String {
    let headline = if failure.is_verify() {
        format!("NOT VERIFIED: the {} check failed", failure.code())
    } else {
        "NOT VERIFIED: the verifier was stopped".to_owned()
    };
    format!(
        "{headline}\n  error [{}]: {}\n",
        failure.code(),
        escape(failure.message())
    )
}

/// `verdict eval --coverage`: one line per policy module, as `verdict test` reports coverage
/// (`coverage: Dockerfile.rego 87.5% (14/16 lines); not covered: 12, 19`).
pub fn render_coverage(files: &[crate::FileCoverage]) -> String {
    let mut out = String::new();
    for f in files {
        let lines = f.covered.len() + f.not_covered.len();
        let percent = if lines == 0 {
            100.0
        } else {
            f.covered.len() as f64 * 100.0 / lines as f64
        };
        out.push_str(&format!(
            "  coverage: {} {percent:.1}% ({}/{lines} lines)",
            escape(&f.path),
            f.covered.len()
        ));
        if !f.not_covered.is_empty() {
            let missed: Vec<String> = f.not_covered.iter().map(u32::to_string).collect();
            out.push_str(&format!("; not covered: {}", missed.join(", ")));
        }
        out.push('\n');
    }
    out
}

/// The JSON output of a verdict: `{"hash", "verdict"}` (the canonical record), plus `coverage`
/// (`[{path, covered, notCovered}]`) when the verdict carries it.
pub fn json_output(verdict: &Verdict) -> String {
    // A host-made verdict (no canonical record) has no hash.
    let hash = match verdict.hash.as_str() {
        "" => "null".to_owned(),
        hash => format!("\"{hash}\""),
    };
    let mut out = format!("{{\"hash\":{hash},\"verdict\":{}", verdict.canonical_json);
    if !verdict.coverage.is_empty() {
        let files: Vec<Value> = verdict
            .coverage
            .iter()
            .map(|f| {
                serde_json::json!({"path": f.path, "covered": f.covered, "notCovered": f.not_covered})
            })
            .collect();
        out.push_str(&format!(",\"coverage\":{}", Value::Array(files)));
    }
    out.push('}');
    out
}

/// A list of facts, one line each.
pub fn render_fact_list(facts: &[crate::Fact]) -> String {
    let mut out = String::new();
    if facts.is_empty() {
        return out;
    }
    let _ = writeln!(out, "  evidence:");
    for fact in facts {
        let _ = writeln!(
            out,
            "    {:<8} {}: {}",
            fact.status.as_str(),
            escape(&fact.field),
            escape(&fact.how)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_shows_controls_and_bidi_and_keeps_the_rest() {
        let cases = [
            (
                "plain text, ünïcödé ✔ and \\ stay",
                "plain text, ünïcödé ✔ and \\ stay",
            ),
            ("line\nALLOW", "line\\u{a}ALLOW"),
            ("cr\rALLOW", "cr\\u{d}ALLOW"),
            ("tab\t", "tab\\u{9}"),
            ("\u{1b}[32mgreen\u{1b}[0m", "\\u{1b}[32mgreen\\u{1b}[0m"),
            ("nul\0", "nul\\u{0}"),
            ("del\u{7f}", "del\\u{7f}"),
            ("c1 \u{85} \u{9b}31m", "c1 \\u{85} \\u{9b}31m"),
            ("rlo \u{202e}txt.exe", "rlo \\u{202e}txt.exe"),
            (
                "isolates \u{2066}\u{2067}\u{2068}\u{2069}",
                "isolates \\u{2066}\\u{2067}\\u{2068}\\u{2069}",
            ),
            (
                "marks \u{200e}\u{200f}\u{61c}",
                "marks \\u{200e}\\u{200f}\\u{61c}",
            ),
            (
                "separators \u{2028}\u{2029}",
                "separators \\u{2028}\\u{2029}",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(escape(input), want, "{input:?}");
        }
    }
}
