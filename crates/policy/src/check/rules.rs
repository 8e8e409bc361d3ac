//! Rule conflicts OPA finds when it builds its rule tree (`checkRuleConflicts`), all
//! `rego_type_error`s:
//!
//! * two `default` rules for one rule, in one module or across the set: `multiple default rules
//!   data.docker.x found at …`;
//! * rules of one path that disagree on their kind: a value and a function (`f := 1`,
//!   `f(x) := x`), two arities, a single value and a set (`contains`), a complete value and
//!   an object built key by key (`a := 1`, `a[k] := 2`): `conflicting rules data.docker.f found`;
//! * a rule inside another's extent (`a.b := 2` and `a.b.c := 1`; `a contains 1` and
//!   `a.b := 2`): `rule data.docker.a.b conflicts with: rule data.docker.a.b.c at …`.
//!
//! Two complete definitions that both produce a value are not a compile error in OPA (it fails
//! when they are evaluated, `eval_conflict_error`), nor here: regorus fails the same way.
//!
//! A rule is placed at its path, except that an object rule's trailing variable key
//! (`a[k] := …`) places it at the object (`a`), as OPA's tree does.

use std::collections::BTreeMap;
use std::ops::Bound;

use serde_json::Value as Json;

use super::ast::{Kind, Program, RuleView, Seg, display};
use crate::Error;

/// The rule tree's node of a rule.
pub(super) fn node_key(rule: &RuleView<'_>) -> Vec<Seg> {
    let mut key = rule.segs.clone();
    if is_partial(rule) {
        key.pop();
    }
    key
}

/// A single-value object rule with a variable last key (`a[k] := …`).
fn is_partial(rule: &RuleView<'_>) -> bool {
    rule.kind == Kind::Single
        && rule.arity.is_none()
        && rule.segs.len() > 1
        && matches!(rule.segs.last(), Some(Seg::Var(_)))
}

/// The rules by tree node, each node's rules in source order.
pub(super) fn tree<'p>(program: &'p Program<'_>) -> BTreeMap<Vec<Seg>, Vec<&'p RuleView<'p>>> {
    let mut tree: BTreeMap<Vec<Seg>, Vec<&RuleView<'_>>> = BTreeMap::new();
    for rule in &program.rules {
        tree.entry(node_key(rule)).or_default().push(rule);
    }
    tree
}

pub(super) fn check(program: &Program<'_>) -> Result<(), Error> {
    // A default rule's value is a constant: OPA's parser refuses a variable, a reference or a
    // call in it ("illegal default rule (value cannot contain var)"); regorus only when the
    // default is evaluated.
    for rule in &program.rules {
        if rule.default
            && let Some(what) = non_constant(&rule.node["value"])
        {
            return Err(program.error(
                rule.module,
                rule.line,
                &format!("rego_parse_error: illegal default rule (value cannot contain {what})"),
            ));
        }
    }
    let tree = tree(program);
    for (key, rules) in &tree {
        let Some(first) = rules.first() else {
            continue;
        };
        // Rules inside this node's extent.
        let mut below = tree
            .range::<Vec<Seg>, _>((Bound::Excluded(key), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(key));
        let conflict = rules.iter().find_map(|rule| {
            if rule.kind == Kind::Single && is_partial(rule) {
                // `a[k] := …` may have children `a.b := …`, not grandchildren.
                below
                    .clone()
                    .find(|(k, rs)| k.len() > key.len() + 1 || rs.iter().any(|r| is_partial(r)))
                    .and_then(|(_, rs)| rs.first())
            } else {
                below.next().and_then(|(_, rs)| rs.first())
            }
        });
        if let Some(inner) = conflict {
            return Err(program.error(
                first.module,
                first.line,
                &format!(
                    "rego_type_error: rule {} conflicts with: rule {} at {}",
                    display(&first.segs),
                    display(&inner.segs),
                    program.location(inner)
                ),
            ));
        }
        let kinds = distinct(rules.iter().map(|r| r.kind));
        let arities = distinct(rules.iter().map(|r| r.arity.unwrap_or(0)));
        let values = rules
            .iter()
            .filter(|r| r.arity.is_none() && r.kind == Kind::Single);
        let complete = values.clone().any(|r| !is_partial(r));
        let partial = values.clone().any(|r| is_partial(r));
        if kinds > 1 || arities > 1 || (complete && partial) {
            let last = rules.last().unwrap_or(first);
            return Err(program.error(
                first.module,
                first.line,
                &format!(
                    "rego_type_error: conflicting rules {} found",
                    display(&last.segs)
                ),
            ));
        }
        let defaults: Vec<&&RuleView<'_>> = rules.iter().filter(|r| r.default).collect();
        if let [first_default, _, ..] = defaults.as_slice() {
            let at: Vec<String> = defaults.iter().map(|r| program.location(r)).collect();
            let line = program
                .modules
                .get(first_default.module)
                .map_or(0, |m| m.package_line);
            return Err(program.error(
                first_default.module,
                line,
                &format!(
                    "rego_type_error: multiple default rules {} found at {}",
                    display(&first_default.segs),
                    at.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn distinct<T: Ord>(items: impl Iterator<Item = T>) -> usize {
    items.collect::<std::collections::BTreeSet<_>>().len()
}

/// What makes a default value not a constant: the first variable, reference or call in it.
fn non_constant(value: &Json) -> Option<&'static str> {
    let (kind, node) = super::ast::variant(value)?;
    match kind {
        "Var" => Some("var"),
        "RefDot" | "RefBrack" => Some("ref"),
        "Call" | "ArithExpr" | "BinExpr" | "BoolExpr" | "Membership" => Some("call"),
        "Array" | "Set" => node["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(non_constant),
        "Object" => node["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|f| {
                f.as_array()
                    .and_then(|parts| parts.iter().skip(1).find_map(non_constant))
            }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::expect_compile;

    #[test]
    fn conflicts_as_opa_reports_them() {
        // (modules, expected error fragment or None when OPA compiles the set).
        let cases: &[(&[&str], Option<&str>)] = &[
            (
                &["default x := 1\ndefault x := 2"],
                Some(
                    "a.rego:1: rego_type_error: multiple default rules data.docker.x found at a.rego:2, a.rego:3",
                ),
            ),
            (
                &["default x := 1", "default x := 2"],
                Some("multiple default rules data.docker.x found at a.rego:2, b.rego:2"),
            ),
            (&["default x := 1\nx := 2"], None),
            (&["default f(a) := 1\nf(a) := a"], None),
            (
                &["default f := 1\nf(a) := a"],
                Some("a.rego:2: rego_type_error: conflicting rules data.docker.f found"),
            ),
            (
                &["f := 1\nf(a) := a"],
                Some("a.rego:2: rego_type_error: conflicting rules data.docker.f found"),
            ),
            (
                &["f(a) := a", "f(a, b) := a"],
                Some("a.rego:2: rego_type_error: conflicting rules data.docker.f found"),
            ),
            (
                &["y := 1\ny contains 2"],
                Some("conflicting rules data.docker.y found"),
            ),
            (
                &["a.b contains 1\na.b := 2"],
                Some("conflicting rules data.docker.a.b found"),
            ),
            (
                &["a contains 1\na[k] := 2 if k := \"z\""],
                Some("a.rego:2: rego_type_error: conflicting rules data.docker.a[k] found"),
            ),
            (
                &["a := 1\na[k] := 2 if k := \"z\""],
                Some("conflicting rules data.docker.a[k] found"),
            ),
            (
                &["a.b.c := 1\na.b := 2"],
                Some(
                    "a.rego:3: rego_type_error: rule data.docker.a.b conflicts with: rule data.docker.a.b.c at a.rego:2",
                ),
            ),
            (
                &["a contains 1\na.b := 2"],
                Some(
                    "a.rego:2: rego_type_error: rule data.docker.a conflicts with: rule data.docker.a.b at a.rego:3",
                ),
            ),
            (
                &["a.b.c contains 1\na.b := 2"],
                Some("rule data.docker.a.b conflicts with: rule data.docker.a.b.c"),
            ),
            (
                &["package docker.a\nb := 2", "a.b.c := 1"],
                Some("rule data.docker.a.b conflicts with: rule data.docker.a.b.c at b.rego:2"),
            ),
            (
                &["a := 1", "package docker.a\nb := 2"],
                Some("rule data.docker.a conflicts with: rule data.docker.a.b at b.rego:2"),
            ),
            // Accepted by OPA (a conflict, if any, is an evaluation error).
            (&["x := 1\nx := 2"], None),
            (&["a[k] := 1 if k := \"q\"\na.b := 2"], None),
            (&["a[k] contains 1 if some k in [\"b\"]\na.b := 2"], None),
            (&["a[k].c := 1 if k := \"b\"\na.b := 2"], None),
            (&["a.b := 1\na[k].c := 1 if k := \"z\""], None),
            (&["a.b := 1\na.c := 2"], None),
            (&["a.b.c := 1\na.b.d := 2"], None),
            (&["package docker.a\nb := 2", "a.b := 1"], None),
            (&["f(a) := 1\nf(a) := 2 if false\ndefault f(a) := 3"], None),
        ];
        for (modules, want) in cases {
            expect_compile(modules, *want);
        }
    }
}
