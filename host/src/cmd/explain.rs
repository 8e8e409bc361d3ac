//! `--explain fails|full` (`verdict eval`, `verdict check`): why the decision came out as it did,
//! from the evaluation's line coverage, in the words of the policy's lines — OPA's `--explain`,
//! as the playground's "failing rule" shows it. The reasons come from the component
//! (`evaluator.explain`), the same in every host.

use clap::{Args, ValueEnum};
use verdict_host::{Decision, PolicySet, Reason, ReasonKind, Runner, Verdict, pretty};

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

/// The reasons, and the modules that could not be explained (with why).
#[derive(Default)]
pub(crate) struct Explanation {
    pub(crate) reasons: Vec<Explained>,
    pub(crate) unexplained: Vec<String>,
}

/// The reasons `mode` asks for about `verdict`, evaluated over `sets` (`skip` leading sets that
/// are not the caller's modules: the built-in default policy). Needs the verdict's coverage.
/// Never fails the command: a module that cannot be explained is named with why.
pub(crate) fn explain(
    runner: &Runner,
    mode: Explain,
    sets: &[PolicySet],
    skip: usize,
    verdict: &Verdict,
) -> Explanation {
    let evaluated: Vec<usize> = match (mode, verdict.decision, verdict.decided_by) {
        (Explain::Fails, Decision::Deny, Some(k)) => vec![k as usize],
        (Explain::Fails, _, _) => vec![],
        (Explain::Full, _, Some(k)) => (0..=k as usize).collect(),
        (Explain::Full, _, None) => (0..sets.len() + skip).collect(),
    };
    let rule = (mode == Explain::Fails).then_some("allow");
    let mut out = Explanation::default();
    if index_of_builtin(skip, &evaluated) {
        out.unexplained
            .push("builtin/default.rego: Buildx's built-in default policy".to_owned());
    }
    for index in evaluated {
        let Some(set) = index.checked_sub(skip).and_then(|i| sets.get(i)) else {
            continue;
        };
        for module in set {
            // Coverage is kept by module path: a path two sets share cannot be told apart.
            let shared = sets
                .iter()
                .filter(|s| s.iter().any(|m| m.path == module.path))
                .count()
                > 1;
            if shared {
                out.unexplained.push(format!(
                    "{}: another policy set has a module of the same name (its lines cannot be \
                     told apart)",
                    module.path
                ));
                continue;
            }
            let covered = verdict
                .coverage
                .iter()
                .find(|c| c.path == module.path)
                .map(|c| c.covered.clone())
                .unwrap_or_default();
            match runner.explain(module, &covered, rule) {
                Ok(Ok(reasons)) => {
                    out.reasons
                        .extend(reasons.into_iter().map(|reason| Explained {
                            path: module.path.clone(),
                            reason,
                        }))
                }
                Ok(Err(e)) => out
                    .unexplained
                    .push(format!("{}: {}", module.path, e.message)),
                Err(e) => out.unexplained.push(format!("{}: {e}", module.path)),
            }
        }
    }
    out
}

/// Whether the sets explained include the built-in default policy (set 0 when `skip` is 1).
fn index_of_builtin(skip: usize, evaluated: &[usize]) -> bool {
    skip > 0 && evaluated.contains(&0)
}

/// The reasons under a pretty verdict.
pub(crate) fn render(mode: Explain, verdict: &Verdict, explanation: &Explanation) -> String {
    let name = match mode {
        Explain::Fails => "fails",
        Explain::Full => "full",
    };
    let reasons = &explanation.reasons;
    let mut out = format!("  explain ({name}):\n");
    if reasons.is_empty() && explanation.unexplained.is_empty() {
        let why = match (mode, verdict.decision) {
            (Explain::Fails, Decision::Allow) => "every policy set allowed",
            (Explain::Fails, Decision::Convert) => {
                "every policy set allowed (and one pinned the image)"
            }
            (_, Decision::Error) => "the evaluation ended in an error (above)",
            (Explain::Fails, Decision::Deny) => {
                "the deciding set has no `allow` rule with conditions (a value, or none)"
            }
            (Explain::Full, _) => "no rule of the sets evaluated has conditions",
        };
        out.push_str(&format!("    nothing to explain: {why}\n"));
    }
    for u in &explanation.unexplained {
        out.push_str(&format!("    not explained: {}\n", pretty::escape(u)));
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

/// `--format json`'s object for `verdict` with the reasons added under `explain` (and the modules
/// not explained under `notExplained`).
pub(crate) fn json_output(verdict: &Verdict, explanation: &Explanation) -> String {
    // After `hash`, `verdict` (the canonical record, byte for byte) and `coverage`, as every
    // `--format json` output begins: `pretty::json_output` writes one object, closed last.
    let mut out = pretty::json_output(verdict);
    let closed = out.pop();
    debug_assert_eq!(closed, Some('}'));
    out.push_str(&format!(",\"explain\":{}", json(&explanation.reasons)));
    if !explanation.unexplained.is_empty() {
        out.push_str(&format!(
            ",\"notExplained\":{}",
            serde_json::json!(explanation.unexplained)
        ));
    }
    out.push('}');
    out
}
