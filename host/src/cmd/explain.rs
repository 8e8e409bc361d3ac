//! `--explain fails|full` (`verdict eval`, `verdict check`): why the decision came out as it did,
//! from the evaluation's line coverage, in the words of the policy's lines — OPA's `--explain`,
//! as the playground's "failing rule" shows it. The reasons come from the component
//! (`evaluator.explain`), the same in every host.

use clap::{Args, ValueEnum};
use verdict_host::{Decision, PolicySet, Reason, ReasonKind, Runner, Verdict, pretty};
use wasmtime::Result;

/// How much `--explain` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Explain {
    /// For a deny: each body of the deciding set's `allow` rule, and where the evaluation
    /// stopped in it (or that it was never evaluated, or that the default applied).
    Fails,
    /// Every rule of every set evaluated: each body, the last condition reached.
    Full,
}

/// The `--explain` flag.
#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// Say why the decision came out as it did, from the lines the
    /// evaluation reached: `fails` — for a deny, where each body of the
    /// deciding set's `allow` rule stopped; `full` — every rule of every set
    /// evaluated. Printed after the verdict, or as `explain` in the JSON
    /// output; the verdict and its hash are the same either way.
    #[arg(long, value_enum, value_name = "fails|full")]
    pub(crate) explain: Option<Explain>,
}

/// One reason with the module it is about.
pub(crate) struct Explained {
    path: String,
    reason: Reason,
}

/// The reasons `mode` asks for about `verdict`, evaluated over `sets` (`skip` leading sets that
/// are not the caller's modules: the built-in default policy). Needs the verdict's coverage.
pub(crate) fn explain(
    runner: &Runner,
    mode: Explain,
    sets: &[PolicySet],
    skip: usize,
    verdict: &Verdict,
) -> Result<Vec<Explained>> {
    let evaluated: Vec<usize> = match (mode, verdict.decision, verdict.decided_by) {
        (Explain::Fails, Decision::Deny, Some(k)) => vec![k as usize],
        (Explain::Fails, _, _) => vec![],
        (Explain::Full, _, Some(k)) => (0..=k as usize).collect(),
        (Explain::Full, _, None) => (0..sets.len() + skip).collect(),
    };
    let rule = (mode == Explain::Fails).then_some("allow");
    let mut out = Vec::new();
    for index in evaluated {
        let Some(set) = index.checked_sub(skip).and_then(|i| sets.get(i)) else {
            continue;
        };
        for module in set {
            let covered = verdict
                .coverage
                .iter()
                .find(|c| c.path == module.path)
                .map(|c| c.covered.clone())
                .unwrap_or_default();
            // A module that does not parse has no reasons (the verdict says why it failed).
            let Ok(reasons) = runner.explain(module, &covered, rule)? else {
                continue;
            };
            out.extend(reasons.into_iter().map(|reason| Explained {
                path: module.path.clone(),
                reason,
            }));
        }
    }
    Ok(out)
}

/// The reasons under a pretty verdict.
pub(crate) fn render(mode: Explain, verdict: &Verdict, reasons: &[Explained]) -> String {
    let name = match mode {
        Explain::Fails => "fails",
        Explain::Full => "full",
    };
    let mut out = format!("  explain ({name}):\n");
    if reasons.is_empty() {
        let why = match verdict.decision {
            Decision::Allow | Decision::Convert => "every policy set allowed",
            Decision::Error => "the evaluation ended in an error (above)",
            Decision::Deny => "no `allow` rule in the deciding set",
        };
        out.push_str(&format!("    nothing to explain: {why}\n"));
    }
    for r in reasons {
        out.push_str(&format!(
            "    {}: {}\n",
            pretty::escape(&r.path),
            pretty::escape(&r.reason.sentence)
        ));
    }
    out
}

/// The reasons as JSON (`explain` in `--format json`).
pub(crate) fn json(reasons: &[Explained]) -> serde_json::Value {
    reasons
        .iter()
        .map(|r| {
            let kind = match r.reason.kind {
                ReasonKind::Default => "default",
                ReasonKind::NotReached => "not-reached",
                ReasonKind::Stopped => "stopped",
                ReasonKind::Reached => "reached",
            };
            serde_json::json!({
                "path": r.path,
                "kind": kind,
                "rule": r.reason.rule,
                "ruleLine": r.reason.rule_line,
                "line": r.reason.line,
                "text": r.reason.text,
                "sentence": r.reason.sentence,
            })
        })
        .collect()
}

/// `--format json`'s object for `verdict` with `reasons` added under `explain`.
pub(crate) fn json_output(verdict: &Verdict, reasons: &[Explained]) -> String {
    let mut out = pretty::json_output(verdict);
    if out.ends_with('}') {
        out.pop();
        out.push_str(&format!(",\"explain\":{}}}", json(reasons)));
    }
    out
}
