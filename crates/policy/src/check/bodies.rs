//! A braced rule body that OPA reads as a set comprehension and regorus as a set union
//! (KNOWN-DIFFERENCES row 31): `allow if { {1} | 2 == 3 }`, `deny contains "x" if { input.q |
//! input.r; true }`. OPA's body is then one term, a comprehension, always defined, so the rule
//! holds; regorus's is a union, often undefined, so the rule fails — which for a `deny` rule
//! allows what Buildx denies. Such a body is refused (`malformed-policy`, fail closed) with the
//! two ways to write what was meant.

use serde_json::Value as Json;

use super::ast::{self, Program, variant};
use crate::Error;

pub(super) fn check(program: &Program<'_>) -> Result<(), Error> {
    for rule in &program.rules {
        let Some(module) = program.modules.get(rule.module) else {
            continue;
        };
        for body in rule.node["bodies"].as_array().into_iter().flatten() {
            let query = &body["query"];
            let start = query["span"]["start"].as_u64().unwrap_or(u64::MAX) as usize;
            if module.source.as_bytes().get(start) != Some(&b'{') {
                continue;
            }
            let Some(first) = query["stmts"].as_array().and_then(|s| s.first()) else {
                continue;
            };
            let Some(("Expr", expr)) = variant(&first["literal"]) else {
                continue;
            };
            // (`{ (a | b) == c }`: the parentheses make it a union to OPA too.)
            let after = module
                .source
                .get(start + 1..)
                .unwrap_or_default()
                .trim_start();
            if !after.starts_with('(') && leftmost_union(&expr["expr"]) {
                return Err(program.error(
                    rule.module,
                    ast::expr_line(&expr["expr"]),
                    "rego_parse_error: this rule body `{ a | b }` is a set comprehension to OPA, \
                     always defined (the rule holds whatever `b` says), and a set union to \
                     regorus: write `count({a | b}) >= 0` for OPA's meaning or `(a | b)` for the \
                     union (KNOWN-DIFFERENCES.md row 31)",
                ));
            }
        }
    }
    Ok(())
}

/// Whether the leftmost operand chain of an expression (through comparisons, arithmetic and
/// set operators) holds a `|` union: the shape OPA's parser takes for a comprehension.
fn leftmost_union(expr: &Json) -> bool {
    match variant(expr) {
        Some(("BinExpr", e)) if e["op"] == "Union" => true,
        Some(("BinExpr" | "BoolExpr" | "ArithExpr", e)) => leftmost_union(&e["lhs"]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::expect_compile;

    /// OPA holds each refused rule (a comprehension body); verdict refuses it.
    #[test]
    fn comprehension_bodies_are_refused() {
        let cases: &[(&str, Option<&str>)] = &[
            ("x if { {1} | 2 == 3 }", Some("row 31")),
            (
                "x contains \"d\" if { input.q | input.r; true }",
                Some("row 31"),
            ),
            ("x if { (input.q | input.r) == {1} }", None),
            ("x if { count({input.q | input.r}) >= 0 }", None),
            ("x if input.q | input.r == {1}", None),
            ("x if { y := input.q | input.r; y }", None),
        ];
        for (module, want) in cases {
            expect_compile(&[module], *want);
        }
    }
}
