//! The human-readable rendering of a verdict (`--format pretty`).

use std::fmt::Write as _;

use crate::{Decision, Verdict};

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
        format!("policy set {} ({files})", i + 1)
    };
    let headline = match (verdict.decision, verdict.decided_by) {
        (Decision::Allow, _) if sets.len() == 1 => "ALLOW: the policy allowed".to_owned(),
        (Decision::Allow, _) => format!("ALLOW: all {} policy sets allowed", sets.len()),
        (Decision::Deny, Some(i)) => format!("DENY: denied by {}", set_name(i)),
        (Decision::Deny, None) => "DENY".to_owned(),
        (Decision::Error, Some(i)) => format!("ERROR in {}", set_name(i)),
        (Decision::Error, None) => "ERROR".to_owned(),
    };
    let _ = writeln!(out, "{headline}");
    if let Some(error) = &verdict.error {
        let _ = writeln!(out, "  error [{}]: {}", error.code.as_str(), error.message);
    }
    if !verdict.messages.is_empty() {
        let _ = writeln!(out, "  messages:");
        for message in &verdict.messages {
            let _ = writeln!(out, "    - {message}");
        }
    } else if verdict.decision == Decision::Deny {
        let _ = writeln!(out, "  messages: (none: the decision has no deny_msg)");
    }
    if !verdict.prints.is_empty() {
        let _ = writeln!(out, "  prints:");
        for line in &verdict.prints {
            let _ = writeln!(out, "    {line}");
        }
    }
    let _ = writeln!(out, "  verdict {}", verdict.hash);
    out
}
