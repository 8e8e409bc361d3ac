//! How deep a parsed module's expressions nest, checked before anything walks them recursively.
//!
//! Brackets are bounded before parsing ([`super::MAX_NESTING`]) and a reference has at most 32
//! parts (regorus), but a chain of operators needs no bracket: `1 + 1 + … + 1` parses into a
//! tree as deep as the chain is long, and every later walk — serializing the tree for the
//! checks, the checks, regorus's evaluation — recurses once per level. Past a few hundred levels
//! that overflows the stack: a trap in the component (natively, an abort). So a module deeper
//! than [`MAX_DEPTH`] is `malformed-policy`, found by a walk that itself stops at the bound.

use regorus::unstable::{Expr, Literal, Module, Query, Rule, RuleHead};

/// The deepest expression tree a module may have (operators, calls, references, literals and
/// queries inside one another). Real policies stay below 20.
pub const MAX_DEPTH: usize = 200;

/// The line of the first expression deeper than [`MAX_DEPTH`], if any.
pub(super) fn too_deep(module: &Module) -> Option<u32> {
    let mut walk = Walk { line: None };
    for rule in &module.policy {
        match &**rule {
            Rule::Spec { head, bodies, .. } => {
                let (refr, args, assign, key) = match head {
                    RuleHead::Compr { refr, assign, .. } => (refr, &[][..], assign, None),
                    RuleHead::Set { refr, key, .. } => (refr, &[][..], &None, key.as_ref()),
                    RuleHead::Func {
                        refr, args, assign, ..
                    } => (refr, args.as_slice(), assign, None),
                };
                walk.expr(refr, 0);
                args.iter().for_each(|a| walk.expr(a, 0));
                if let Some(assign) = assign {
                    walk.expr(&assign.value, 0);
                }
                if let Some(key) = key {
                    walk.expr(key, 0);
                }
                for body in bodies {
                    if let Some(assign) = &body.assign {
                        walk.expr(&assign.value, 0);
                    }
                    walk.query(&body.query, 0);
                }
            }
            Rule::Default {
                refr, args, value, ..
            } => {
                walk.expr(refr, 0);
                args.iter().for_each(|a| walk.expr(a, 0));
                walk.expr(value, 0);
            }
        }
        if walk.line.is_some() {
            break;
        }
    }
    walk.line
}

struct Walk {
    /// Where the bound was passed.
    line: Option<u32>,
}

impl Walk {
    fn query(&mut self, query: &Query, depth: usize) {
        for stmt in &query.stmts {
            if self.line.is_some() {
                return;
            }
            match &stmt.literal {
                Literal::SomeVars { .. } => {}
                Literal::SomeIn {
                    key,
                    value,
                    collection,
                    ..
                } => {
                    key.iter().for_each(|k| self.expr(k, depth));
                    self.expr(value, depth);
                    self.expr(collection, depth);
                }
                Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => {
                    self.expr(expr, depth)
                }
                Literal::Every { domain, query, .. } => {
                    self.expr(domain, depth);
                    self.query(query, depth + 1);
                }
            }
            for with in &stmt.with_mods {
                self.expr(&with.refr, depth);
                self.expr(&with.r#as, depth);
            }
        }
    }

    fn expr(&mut self, expr: &Expr, depth: usize) {
        if self.line.is_some() {
            return;
        }
        if depth > MAX_DEPTH {
            self.line = Some(expr.span().line);
            return;
        }
        let d = depth + 1;
        match expr {
            Expr::Array { items, .. } | Expr::Set { items, .. } => {
                items.iter().for_each(|i| self.expr(i, d));
            }
            Expr::Object { fields, .. } => {
                for (_, key, value) in fields {
                    self.expr(key, d);
                    self.expr(value, d);
                }
            }
            Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
                self.expr(term, d);
                self.query(query, d);
            }
            Expr::ObjectCompr {
                key, value, query, ..
            } => {
                self.expr(key, d);
                self.expr(value, d);
                self.query(query, d);
            }
            Expr::Call { fcn, params, .. } => {
                self.expr(fcn, d);
                params.iter().for_each(|p| self.expr(p, d));
            }
            Expr::UnaryExpr { expr, .. } => self.expr(expr, d),
            Expr::RefDot { refr, .. } => self.expr(refr, d),
            Expr::RefBrack { refr, index, .. } => {
                self.expr(refr, d);
                self.expr(index, d);
            }
            Expr::BinExpr { lhs, rhs, .. }
            | Expr::BoolExpr { lhs, rhs, .. }
            | Expr::ArithExpr { lhs, rhs, .. }
            | Expr::AssignExpr { lhs, rhs, .. } => {
                self.expr(lhs, d);
                self.expr(rhs, d);
            }
            Expr::Membership {
                key,
                value,
                collection,
                ..
            } => {
                key.iter().for_each(|k| self.expr(k, d));
                self.expr(value, d);
                self.expr(collection, d);
            }
            _ => {}
        }
    }
}
