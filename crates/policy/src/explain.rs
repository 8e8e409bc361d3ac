//! Why a rule did or did not hold, read from an evaluation's line coverage: for each body of a
//! rule, the last of its conditions the evaluation reached (`opa eval --explain fails`, in the
//! words of a policy's lines). The same reasons in every host: the CLI's `--explain` and the
//! playground's "failing rule".
//!
//! Coverage says which lines were evaluated, not which held, so a body whose every condition was
//! reached may still have failed at its last one; the reason names that line either way.

use std::collections::BTreeSet;

use crate::outline::{RuleOutline, outline};
use crate::{Error, Module};

/// What happened to one body of a rule (or to a rule's `default`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonKind {
    /// `default name := …`: listed for a rule asked about by name, as the value that applied
    /// when no body held.
    Default,
    /// No condition of the body was evaluated.
    NotReached,
    /// The evaluation stopped inside the body: the last condition reached, not its last one.
    Stopped,
    /// Every condition of the body was reached (the last may still have failed).
    Reached,
}

impl ReasonKind {
    /// The kind's name, as the playground marks it (`data-kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonKind::Default => "default",
            ReasonKind::NotReached => "not-reached",
            ReasonKind::Stopped => "stopped",
            ReasonKind::Reached => "reached",
        }
    }
}

/// One body of one rule, explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// What happened.
    pub kind: ReasonKind,
    /// The rule's name (`allow`, `deny_msg`).
    pub rule: String,
    /// The rule's first line.
    pub rule_line: u32,
    /// The line the reason is about (the default, the body's first condition, or the last
    /// condition reached).
    pub line: u32,
    /// That line's text, trimmed.
    pub text: String,
}

impl Reason {
    /// The reason as a sentence.
    pub fn sentence(&self) -> String {
        let Reason {
            kind,
            rule,
            rule_line,
            line,
            text,
        } = self;
        match kind {
            ReasonKind::Default => {
                format!("no {rule} rule held: the default applied (line {line}: {text})")
            }
            ReasonKind::NotReached => format!("{rule} (line {rule_line}): never evaluated"),
            ReasonKind::Stopped => {
                format!("{rule} (line {rule_line}): stopped at line {line}: {text}")
            }
            ReasonKind::Reached => {
                format!(
                    "{rule} (line {rule_line}): reached its last condition, line {line}: {text}"
                )
            }
        }
    }
}

/// The reasons of `module`'s rules named `rule` (every rule with a body when `None`), given
/// the lines an evaluation `covered`. For a named rule a fully reached body counts as stopped
/// at its last condition (the rule was asked about because it did not hold); its `default` is
/// listed. A module that does not parse is the error the engine would give.
pub fn explain(module: &Module, covered: &[u32], rule: Option<&str>) -> Result<Vec<Reason>, Error> {
    let rules = outline(module)?;
    Ok(reasons(&rules, covered, &module.source, rule))
}

/// [`explain`] over an outline already made.
pub fn reasons(
    rules: &[RuleOutline],
    covered: &[u32],
    source: &str,
    rule: Option<&str>,
) -> Vec<Reason> {
    let covered: BTreeSet<u32> = covered.iter().copied().collect();
    let lines: Vec<&str> = source.split('\n').collect();
    let text = |n: u32| {
        lines
            .get((n as usize).wrapping_sub(1))
            .map_or(String::new(), |l| l.trim().to_owned())
    };
    let mut out = Vec::new();
    for r in rules {
        if rule.is_some_and(|name| r.name != name) {
            continue;
        }
        let first = r.lines.0;
        let reason = |kind, line| Reason {
            kind,
            rule: r.name.clone(),
            rule_line: first,
            line,
            text: text(line),
        };
        if r.default {
            if rule.is_some() {
                out.push(reason(ReasonKind::Default, first));
            }
            continue;
        }
        for body in r.bodies.iter().filter(|b| !b.is_empty()) {
            let last_reached = body.iter().rev().find(|l| covered.contains(l));
            out.push(match last_reached {
                None => reason(ReasonKind::NotReached, body[0]),
                Some(&line) if rule.is_none() && Some(&line) == body.last() => {
                    reason(ReasonKind::Reached, line)
                }
                Some(&line) => reason(ReasonKind::Stopped, line),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "package docker\n\ndefault allow := false\n\nallow if {\n  input.a == 1\n  input.b == 2\n  input.c == 3\n}\n\nallow if input.d\n\ndeny_msg contains \"no\" if not allow\n\ndecision := {\"allow\": allow, \"deny_msg\": deny_msg}\n";

    fn module() -> Module {
        Module {
            path: "p.rego".into(),
            source: SOURCE.into(),
        }
    }

    #[test]
    fn the_allow_rule_s_failing_bodies() {
        let reasons = explain(&module(), &[3, 6, 7, 13, 15], Some("allow")).unwrap();
        let sentences: Vec<String> = reasons.iter().map(Reason::sentence).collect();
        assert_eq!(
            sentences,
            [
                "no allow rule held: the default applied (line 3: default allow := false)",
                "allow (line 5): stopped at line 7: input.b == 2",
                "allow (line 11): never evaluated",
            ]
        );
        // Every condition reached: stopped at the last (asked about, so it did not hold).
        let reasons = explain(&module(), &[6, 7, 8], Some("allow")).unwrap();
        assert_eq!(reasons[1].kind, ReasonKind::Stopped);
        assert_eq!(reasons[1].line, 8);
    }

    #[test]
    fn every_rule_in_full() {
        let reasons = explain(&module(), &[6, 7, 8, 13], None).unwrap();
        let kinds: Vec<(&str, ReasonKind, u32)> = reasons
            .iter()
            .map(|r| (r.rule.as_str(), r.kind, r.line))
            .collect();
        assert_eq!(
            kinds,
            [
                ("allow", ReasonKind::Reached, 8),
                ("allow", ReasonKind::NotReached, 11),
                ("deny_msg", ReasonKind::Reached, 13),
            ]
        );
    }

    #[test]
    fn what_the_engine_takes_is_explained_template_strings_and_long_lines_included() {
        let long = format!("{:>2000}", "\"a\"");
        let source = format!(
            "package docker\n\ndefault allow := false\n\nallow if {{\n  x := $\"v{{input.a}}\"\n  x == \"v1\"\n  input.b in [{long}]\n}}\n"
        );
        let module = Module {
            path: "p.rego".into(),
            source,
        };
        let reasons = explain(&module, &[6, 7], Some("allow")).unwrap();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert_eq!((reasons[1].kind, reasons[1].line), (ReasonKind::Stopped, 7));
        assert_eq!(reasons[1].text, "x == \"v1\"");
    }

    #[test]
    fn a_module_that_does_not_parse_is_the_engine_s_error() {
        let bad = Module {
            path: "bad.rego".into(),
            source: "package docker\nallow if {".into(),
        };
        assert!(explain(&bad, &[], None).is_err());
    }
}
