//! The rules of a module as written: each rule's name, the lines it spans and
//! the line of each condition of each body.
//!
//! With an evaluation's line coverage this points at *what decided* a deny:
//! for each `allow` body, the furthest condition (in source order) the
//! evaluation reached is usually the one that did not hold — a body stops at
//! the first condition that fails for every binding. Usually, not always:
//! regorus may evaluate a body's conditions in dependency order, and
//! conditions sharing a line are one line. The playground shows it next to the
//! coverage marks.

use serde_json::Value as Json;

use crate::check::{parsed_ast, ref_path};
use crate::{Error, Module};

/// One rule of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOutline {
    /// The rule's name as written in its head (`allow`, `deny_msg`, `x.y`).
    pub name: String,
    /// `default name := value`.
    pub default: bool,
    /// First and last line of the rule (1-based).
    pub lines: (u32, u32),
    /// Each body (`if { … }`, `else`), as the line of each of its conditions.
    pub bodies: Vec<Vec<u32>>,
}

/// The rules of `module`, in source order. A module that does not parse is
/// the error [`crate::PolicyEngine::new`] would give.
pub fn outline(module: &Module) -> Result<Vec<RuleOutline>, Error> {
    crate::check::check_nesting(module)?;
    // Parsed as the engine parses it: template strings expanded (lines do not move) and the
    // engine's length limits, so every module the engine takes has an outline.
    let expanded = crate::template::expand(module)?;
    let source = expanded.as_deref().unwrap_or(&module.source);
    let mut engine = crate::engine::new_engine();
    engine
        .add_policy(module.path.clone(), source.to_owned())
        .map_err(|e| Error::MalformedPolicy {
            message: format!("{}: {e}", module.path),
            path: module.path.clone(),
        })?;
    let ast = parsed_ast(&mut engine, &module.path)?;
    let line = |span: &Json| u32::try_from(span["line"].as_u64().unwrap_or(0)).unwrap_or(0);
    // The line of the byte offset where `span` ends.
    let last_line = |span: &Json| {
        let end = usize::try_from(span["end"].as_u64().unwrap_or(0))
            .unwrap_or(usize::MAX)
            .min(source.len());
        let newlines = source.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        u32::try_from(newlines + 1).unwrap_or(u32::MAX)
    };
    let mut rules = Vec::new();
    let module_ast = ast.get(0).map(|p| &p["ast"]).unwrap_or(&Json::Null);
    for rule in module_ast["rules"].as_array().into_iter().flatten() {
        let (default, refr, span, bodies) = if let Some(default) = rule.get("Default") {
            (true, &default["refr"], &default["span"], Vec::new())
        } else if let Some(spec) = rule.get("Spec") {
            let head = spec["head"]
                .as_object()
                .and_then(|h| h.values().next())
                .unwrap_or(&Json::Null);
            let bodies = spec["bodies"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|body| {
                    body["query"]["stmts"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|stmt| line(&stmt["span"]))
                        .collect()
                })
                .collect();
            (false, &head["refr"], &spec["span"], bodies)
        } else {
            continue;
        };
        rules.push(RuleOutline {
            name: ref_path(refr).unwrap_or_default(),
            default,
            lines: (line(span), last_line(span)),
            bodies,
        });
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_bodies_and_condition_lines() {
        let module = Module {
            path: "p.rego".into(),
            source: "package docker\n\ndefault allow := false\n\nallow if {\n  input.a == 1\n  some x in input.b\n  x > 2\n}\n\nallow if input.c\n\ndeny_msg contains \"no\" if not allow\n\nf(x) := x + 1\n\ndecision := {\"allow\": allow}\n".into(),
        };
        let rules = outline(&module).unwrap();
        let summary: Vec<_> = rules
            .iter()
            .map(|r| (r.name.as_str(), r.default, r.lines, r.bodies.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("allow", true, (3, 3), vec![]),
                ("allow", false, (5, 9), vec![vec![6, 7, 8]]),
                ("allow", false, (11, 11), vec![vec![11]]),
                ("deny_msg", false, (13, 13), vec![vec![13]]),
                ("f", false, (15, 15), vec![]),
                ("decision", false, (17, 17), vec![]),
            ]
        );
    }

    #[test]
    fn a_module_that_does_not_parse_is_malformed_policy() {
        let module = Module {
            path: "bad.rego".into(),
            source: "package docker\nallow if {".into(),
        };
        let err = outline(&module).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::MalformedPolicy);
    }
}
