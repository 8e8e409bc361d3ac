//! Unsafe variables, in every rule (`rego_unsafe_var_error: var x is unsafe`), as OPA's
//! compiler finds them (`reorderBodyForSafety`); regorus finds them only in rules it evaluates.
//!
//! A variable is safe once a literal that is not negated binds it: the left side of `:=`, a
//! side of `=` whose other side is known, a key or value of `some … in`, an index of a
//! reference (`input.a[k]`, `input.a[[k, 1]]`, also in a head, whose references OPA moves into
//! the body), the output of a call (`count(xs, n)`), a function's argument. What a literal's
//! own indexes bind is safe for the rest of it (`f(input.a[k]) == k`). Literals run in any order
//! (OPA reorders them), so a literal waits for the variables it reads; a literal that can never
//! run has unsafe variables. Variables of a rule's head must be safe after its body; `not` never
//! binds, nor does `every`.
//!
//! Comprehensions and `every` bodies are scopes. A name there belongs to the enclosing body
//! when that body can bind it and uses it without declaring it, or declared it before (`:=`,
//! `some`); the enclosing literal then waits for it, even where the inner scope could bind it
//! itself (OPA's `reorderBodyForClosures`). Other names are the inner scope's own. As in OPA, a literal whose inner scope had to wait
//! when first met waits for that only (its other unsafe names go unreported).
//!
//! The literals of a body are scheduled through a work list keyed by variable, so a body is
//! checked in time linear in its size times the variables each literal reads.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::Value as Json;

use super::ast::{self, Program, RuleView, Seg, expr_line, span_text, var, variant};
use super::types;
use crate::Error;

/// A use of a variable that is not safe: its name and line.
type Need = (String, u32);

/// A compile error: its line and OPA's wording.
type Failure = (u32, String);

fn unsafe_var((name, line): Need) -> Failure {
    (line, format!("rego_unsafe_var_error: var {name} is unsafe"))
}

/// The order OPA runs each query's statements in once it has moved their nested calls out
/// ([`ast::hoisted`]) and reordered them for safety, by module and query index (`qidx`).
/// Recorded only where it is not the statements' own order.
pub(super) type Orders = HashMap<(usize, u64), Vec<Step>>;

/// One statement OPA runs: a query's statement (its position) or one of the calls moved out of
/// it (`hoisted`: its index in [`ast::hoisted`] of that statement).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Step {
    pub(super) position: usize,
    pub(super) hoisted: Option<usize>,
}

/// The name of the value a moved call gives (OPA's generated `__localN__`): no variable can
/// have it.
fn generated(call: &Json) -> String {
    format!("\u{1}{:x}", std::ptr::from_ref(call) as usize)
}

fn is_generated(name: &str) -> bool {
    name.starts_with('\u{1}')
}

/// Checks every rule; `Ok` with the order of each query's statements.
pub(super) fn check(program: &Program<'_>) -> Result<Orders, Error> {
    // Names a module's rules may use without binding them: the package's rules, the imports,
    // `input`, `data`.
    let mut rule_names: BTreeMap<&[String], BTreeSet<String>> = BTreeMap::new();
    let mut arities: HashMap<Vec<String>, usize> = HashMap::new();
    for rule in &program.rules {
        let Some(module) = program.modules.get(rule.module) else {
            continue;
        };
        if let Some(Seg::Key(name)) = rule.segs.get(module.package.len()) {
            rule_names
                .entry(module.package.as_slice())
                .or_default()
                .insert(name.clone());
        }
        if let Some(arity) = rule.arity {
            let path = rule
                .segs
                .iter()
                .map(|s| match s {
                    Seg::Key(k) | Seg::Var(k) => k.clone(),
                })
                .collect();
            arities.insert(path, arity);
        }
    }
    let none = BTreeSet::new();
    let orders = RefCell::new(Orders::new());
    for rule in &program.rules {
        let Some(module) = program.modules.get(rule.module) else {
            continue;
        };
        // `verdict test` evaluates a test's `with input as X` term as a rule of its own; a local
        // variable there is an error of that test when evaluated, as in Buildx.
        if let Some(Seg::Key(name)) = rule.segs.get(module.package.len())
            && name.starts_with(crate::tester::INPUT_RULE_PREFIX)
        {
            continue;
        }
        let checker = Checker {
            source: module.source,
            package: &module.package,
            aliases: &module.aliases,
            input_aliases: &module.input_aliases,
            rule_names: rule_names.get(module.package.as_slice()).unwrap_or(&none),
            arities: &arities,
            module: rule.module,
            orders: &orders,
            hoisted: RefCell::new(HashSet::new()),
        };
        if let Err((line, what)) = checker.rule(rule) {
            return Err(program.error(rule.module, line, &what));
        }
    }
    Ok(orders.into_inner())
}

struct Checker<'c> {
    source: &'c str,
    package: &'c [String],
    aliases: &'c BTreeMap<String, Vec<String>>,
    input_aliases: &'c BTreeSet<String>,
    /// The package's rule names.
    rule_names: &'c BTreeSet<String>,
    arities: &'c HashMap<Vec<String>, usize>,
    /// The module of the rule checked, and where each query's order is recorded.
    module: usize,
    orders: &'c RefCell<Orders>,
    /// The calls moved out of their statements (by address): a literal that holds one reads
    /// the value it gives.
    hoisted: RefCell<HashSet<usize>>,
}

/// What a query sees of its enclosing scopes: the enclosing query at the position of the literal
/// that holds it, and names of its own (a function's arguments, `every`'s key and value), which
/// are safe. A chain, as deep as comprehensions nest, so nothing is copied per scope.
#[derive(Default)]
struct Outer<'p> {
    parent: Option<(&'p Scope<'p>, usize)>,
    names: BTreeSet<String>,
    /// An `every`'s key and value, which its body may not declare again.
    every: BTreeSet<String>,
}

impl Outer<'_> {
    /// Whether `name` is a variable of an enclosing scope.
    fn visible(&self, name: &str) -> bool {
        self.names.contains(name)
            || self
                .parent
                .is_some_and(|(scope, at)| visible(scope, name, at))
    }

    /// Whether `name` is safe in the enclosing scopes.
    fn safe(&self, name: &str) -> bool {
        self.names.contains(name) || self.parent.is_some_and(|(scope, _)| scope.is_safe(name))
    }
}

/// One literal of a query, ready to schedule.
enum Lit<'a> {
    /// `lhs := rhs`.
    Assign(&'a Json, &'a Json),
    /// `lhs = rhs` (arrays of one length are split into their elements first).
    Unify(&'a Json, &'a Json),
    /// A call whose last argument is its output: (inputs, output).
    CallOut(Vec<&'a Json>, &'a Json),
    /// An expression evaluated for its value.
    Value(&'a Json),
    /// `not …`.
    Not(&'a Json),
    /// `some key, value in collection`.
    SomeIn(Option<&'a Json>, &'a Json, &'a Json),
    /// `every key, value in domain { query }`: the names key and value, domain, query.
    Every(Vec<String>, &'a Json, &'a Json),
    /// `some x`: declares only.
    Nothing,
    /// A call moved out of its statement: its value is [`generated`].
    Hoisted(&'a Json),
}

struct Literal<'a> {
    lit: Lit<'a>,
    /// Values of `with … as …`.
    withs: Vec<&'a Json>,
    /// The literal's position among its query's statements.
    position: usize,
    /// For a moved call, its index among its statement's.
    hoisted: Option<usize>,
    /// A head term moved into the body (OPA's `__local__ = term`).
    head: bool,
}

/// One query being checked: its names and what is safe so far.
struct Scope<'s> {
    outer: &'s Outer<'s>,
    /// Names declared (`:=`, `some`) in this query, with the position of the declaration.
    declared: BTreeMap<String, usize>,
    /// Names this query uses without declaring them (`x = …`, `input.a[x]`).
    free: BTreeSet<String>,
    /// Names a literal of this query can bind (outside comprehensions): only those are the
    /// enclosing scope's to a comprehension or `every` inside; others are the inner scope's own.
    bindable: BTreeSet<String>,
    /// Names this query made safe (those of the enclosing scopes are [`Scope::is_safe`] too).
    safe: BTreeSet<String>,
}

impl Scope<'_> {
    fn is_safe(&self, name: &str) -> bool {
        self.safe.contains(name) || self.outer.safe(name)
    }
}

impl<'c> Checker<'c> {
    fn rule(&self, rule: &RuleView<'_>) -> Result<(), Failure> {
        if rule.default {
            // `default a[k] := 1`: the key cannot be bound.
            let mut need = Vec::new();
            self.ref_keys(&rule.node["refr"], &mut need);
            return need
                .into_iter()
                .next()
                .map_or(Ok(()), |n| Err(unsafe_var(n)));
        }
        let Some(head) = ast::head(rule) else {
            return Ok(());
        };
        let mut outer = Outer::default();
        for arg in head["args"].as_array().into_iter().flatten() {
            let mut names = Vec::new();
            pattern_names(arg, &mut names);
            outer.names.extend(names);
        }
        let bodies = rule.node["bodies"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        let empty = Json::Null;
        let queries: Vec<(&Json, &Json)> = if bodies.is_empty() {
            vec![(&empty, &head["assign"])]
        } else {
            bodies
                .iter()
                .map(|b| {
                    let assign = if b["assign"].is_null() {
                        &head["assign"]
                    } else {
                        &b["assign"]
                    };
                    (&b["query"], assign)
                })
                .collect()
        };
        for (query, assign) in queries {
            // The head's keys and value; OPA moves their references into the body.
            let mut terms: Vec<&Json> = Vec::new();
            if let Some(indexes) = brack_indexes(&head["refr"]) {
                terms.extend(indexes);
            }
            terms.push(&head["key"]);
            terms.push(&assign["value"]);
            let scope = self.query(query, &outer, &terms)?;
            for term in terms {
                if term.is_null() {
                    continue;
                }
                let (need, _binds, closures) = self.scan_value(term, &scope, usize::MAX, false);
                if let Some(first) = need.into_iter().next() {
                    return Err(unsafe_var(first));
                }
                self.closures(&closures, &scope, usize::MAX, &BTreeSet::new())?;
            }
        }
        Ok(())
    }

    /// Unbound variables used as keys of a default rule's path.
    fn ref_keys(&self, expr: &Json, need: &mut Vec<Need>) {
        for index in brack_indexes(expr).into_iter().flatten() {
            if let Some(name) = var(index) {
                need.push((name.to_owned(), expr_line(index)));
            }
        }
    }

    /// Checks one query (a body, a comprehension's, an `every`'s) and returns its scope with
    /// everything it binds safe.
    fn query<'s, 'q>(
        &self,
        query: &'q Json,
        outer: &'s Outer<'s>,
        head: &[&'q Json],
    ) -> Result<Scope<'s>, Failure> {
        let stmts = query["stmts"].as_array().map_or(&[][..], Vec::as_slice);
        self.unused(stmts, head)?;
        self.twice(stmts)?;
        let literals = self.literals(query, head);
        let mut scope = Scope {
            outer,
            declared: BTreeMap::new(),
            free: BTreeSet::new(),
            bindable: BTreeSet::new(),
            safe: BTreeSet::new(),
        };
        let mut some_vars = BTreeSet::new();
        for literal in &literals {
            let mut names = Vec::new();
            match &literal.lit {
                Lit::Assign(lhs, _) => pattern_names(lhs, &mut names),
                Lit::SomeIn(key, value, _) => {
                    key.iter().for_each(|k| pattern_names(k, &mut names));
                    let keys = names.len();
                    pattern_names(value, &mut names);
                    // `some k, k in xs` (or `some k, {"n": k} in xs`): OPA unifies the two
                    // uses; regorus binds them one after the other. Refused (fail closed).
                    if let Some(name) = names[keys..]
                        .iter()
                        .find(|n| n.as_str() != "_" && names[..keys].contains(n))
                    {
                        return Err((
                            expr_line(value),
                            format!(
                                "`some {name}, … in`: a name in both the key and the value is \
                                 not supported (KNOWN-DIFFERENCES.md row 30)"
                            ),
                        ));
                    }
                }
                _ => {}
            }
            // `every k in input.m[k] { … }`: OPA's domain reads the enclosing body's `k`, regorus
            // the loop's. Refused (fail closed).
            if let Lit::Every(loop_names, domain, _) = &literal.lit {
                let mut in_domain = BTreeSet::new();
                all_names(domain, &mut in_domain);
                if let Some(name) = loop_names
                    .iter()
                    .find(|n| n.as_str() != "_" && in_domain.contains(*n))
                {
                    return Err((
                        expr_line(domain),
                        format!(
                            "`every {name} in …` whose domain also reads `{name}`: not supported \
                             (KNOWN-DIFFERENCES.md row 30)"
                        ),
                    ));
                }
            }
            // (The head's literals come after the statements.)
            let stmt = stmts.get(literal.position).unwrap_or(&Json::Null);
            if let Some(("SomeVars", inner)) = variant(&stmt["literal"]) {
                for span in inner["vars"].as_array().into_iter().flatten() {
                    let name = span_text(self.source, span).unwrap_or_default();
                    names.push(name.to_owned());
                }
            }
            // `some k; some k in xs`, `some k in xs; some k in ys`: OPA refuses to declare a
            // name twice.
            if matches!(literal.lit, Lit::SomeIn(..) | Lit::Nothing) && literal.hoisted.is_none() {
                if let Some(name) = names
                    .iter()
                    .find(|n| n.as_str() != "_" && some_vars.contains(*n))
                {
                    return Err((
                        ast::line(stmt),
                        format!("rego_compile_error: var {name} declared above"),
                    ));
                }
                some_vars.extend(names.iter().filter(|n| n.as_str() != "_").cloned());
            } else if matches!(literal.lit, Lit::Assign(..)) {
                // `some v; v := 1`, `every v in xs { v := 1 }`: OPA refuses to declare `v`
                // twice (regorus finds the other redeclarations itself).
                if let Some(name) = names
                    .iter()
                    .find(|n| some_vars.contains(*n) || outer.every.contains(*n))
                {
                    return Err((
                        ast::line(stmt),
                        format!("rego_compile_error: var {name} declared above"),
                    ));
                }
            }
            // `y = upper(k); some k in xs`: OPA refuses to declare a name an earlier statement
            // of the query uses.
            if matches!(literal.lit, Lit::SomeIn(..) | Lit::Nothing)
                && literal.hoisted.is_none()
                && let Some(name) = names.iter().find(|n| {
                    n.as_str() != "_"
                        && stmts[..literal.position.min(stmts.len())]
                            .iter()
                            .any(|earlier| {
                                // (Uses inside comprehensions and `every` bodies do not count.)
                                let mut used = BTreeSet::new();
                                self.names_outside_closures(earlier, &mut used);
                                used.contains(*n)
                            })
                })
            {
                return Err((
                    ast::line(stmt),
                    format!("rego_compile_error: var {name} referenced above"),
                ));
            }
            for name in names {
                scope.declared.entry(name).or_insert(literal.position);
            }
        }
        // Names bound without declaration belong to this query.
        let mut free = BTreeSet::new();
        for stmt in stmts {
            self.names_outside_closures(stmt, &mut free);
        }
        for term in head {
            self.names_outside_closures(term, &mut free);
        }
        scope.free = free
            .into_iter()
            .filter(|n| {
                n != "_"
                    && !scope.declared.contains_key(n)
                    && !outer.visible(n)
                    && !self.is_global(n)
            })
            .collect();

        for literal in &literals {
            static_outputs(&literal.lit, &mut scope.bindable);
        }

        // Schedule as OPA's `reorderBodyForSafety`: passes over the literals in order, each
        // running every literal whose names are safe by then. A literal that waits for a name
        // runs, once a literal binds it, in the same pass if it comes after that literal, else
        // in the next — so `ready`, ordered by (pass, position), runs the literals in OPA's order
        // while each is attempted only when a name it waits for becomes safe.
        //
        // As OPA: a literal whose comprehensions or `every` bodies wait, when the first pass
        // meets it, for a name the body binds later, then waits for those names only, and its
        // other unsafe names go unreported (OPA compiles `[1 | input.q[a]] == [n]; input.q[a] =
        // 1` and leaves `n` unbound).
        let mut done = vec![false; literals.len()];
        let mut order: Vec<Step> = Vec::with_capacity(literals.len());
        let mut placed = vec![false; stmts.len()];
        let mut closures_only = vec![false; literals.len()];
        let mut attempted = vec![false; literals.len()];
        let mut watch: HashMap<String, Vec<usize>> = HashMap::new();
        let mut ready: BTreeSet<(usize, usize)> = (0..literals.len()).map(|i| (0, i)).collect();
        while let Some((pass, index)) = ready.pop_first() {
            if done[index] {
                continue;
            }
            let first = !attempted[index];
            attempted[index] = true;
            match self.attempt(&literals[index], &scope, closures_only[index])? {
                Ok(bound) => {
                    done[index] = true;
                    let Literal {
                        position, hoisted, ..
                    } = literals[index];
                    if hoisted.is_some() {
                        order.push(Step { position, hoisted });
                    } else if position < stmts.len() && !placed[position] {
                        placed[position] = true;
                        order.push(Step { position, hoisted });
                    }
                    for name in bound {
                        if !scope.is_safe(&name)
                            && scope.safe.insert(name.clone())
                            && let Some(waiting) = watch.remove(&name)
                        {
                            for i in waiting.into_iter().filter(|&i| !done[i]) {
                                ready.insert((if i > index { pass } else { pass + 1 }, i));
                            }
                        }
                    }
                }
                Err((need, waits)) => {
                    if first && !waits.is_empty() {
                        closures_only[index] = true;
                    }
                    let need = if closures_only[index] {
                        Vec::new()
                    } else {
                        need
                    };
                    for (name, _) in need.into_iter().chain(waits) {
                        watch.entry(name).or_default().push(index);
                    }
                }
            }
        }
        // The first unsafe variable; where only the values of moved calls are missing, the
        // statement (OPA's "expression is unsafe").
        let mut stuck = None;
        for index in (0..literals.len()).filter(|&i| !done[i]) {
            if let Ok(Err((need, waits))) =
                self.attempt(&literals[index], &scope, closures_only[index])
            {
                if let Some(first) = waits
                    .into_iter()
                    .chain(need)
                    .find(|(n, _)| !is_generated(n))
                {
                    return Err(unsafe_var(first));
                }
                stuck.get_or_insert(index);
            }
        }
        if let Some(index) = stuck {
            let line = stmts.get(literals[index].position).map_or(0, ast::line);
            return Err((
                line,
                "rego_unsafe_var_error: expression is unsafe".to_owned(),
            ));
        }
        let natural = literals
            .iter()
            .filter(|l| l.position < stmts.len())
            .map(|l| Step {
                position: l.position,
                hoisted: l.hoisted,
            });
        let mut seen = vec![false; stmts.len()];
        let natural: Vec<Step> = natural
            .filter(|s| s.hoisted.is_some() || !std::mem::replace(&mut seen[s.position], true))
            .collect();
        if let Some(qidx) = query["qidx"].as_u64()
            && order != natural
        {
            self.orders.borrow_mut().insert((self.module, qidx), order);
        }
        Ok(scope)
    }

    /// A statement written twice in one body with a variable of the body in it (`k == "a";
    /// k == "a"; input.a[k]`): OPA's reordering numbers each statement it places by its new
    /// position and skips one its body already "contains" (equal terms, equal number), so in
    /// some orders the second copy is never placed and its variables are reported unsafe.
    /// Refused (fail closed; KNOWN-DIFFERENCES.md row 30): the copy says nothing the first
    /// does not. Statements with a moved call are never equal to OPA (each call's value gets a
    /// variable of its own).
    fn twice(&self, stmts: &[Json]) -> Result<(), Failure> {
        fn strip(node: &Json) -> Json {
            match node {
                // (A bare span: a field's.)
                Json::Object(map) if map.contains_key("start") && map.contains_key("line") => {
                    Json::Null
                }
                Json::Object(map) => Json::Object(
                    map.iter()
                        .filter(|(k, _)| !matches!(k.as_str(), "span" | "eidx" | "sidx" | "qidx"))
                        .map(|(k, v)| (k.clone(), strip(v)))
                        .collect(),
                ),
                Json::Array(items) => Json::Array(items.iter().map(strip).collect()),
                other => other.clone(),
            }
        }
        let mut seen = HashSet::new();
        for stmt in stmts {
            if !matches!(variant(&stmt["literal"]), Some(("Expr" | "NotExpr", _)))
                || !ast::hoisted(stmt).is_empty()
            {
                continue;
            }
            let mut names = BTreeSet::new();
            all_names(stmt, &mut names);
            if !names.iter().any(|n| n != "_" && !self.is_global(n)) {
                continue;
            }
            if !seen.insert(strip(stmt).to_string()) {
                return Err((
                    ast::line(stmt),
                    "a statement written twice in one body: OPA's ordering skips the second \
                     copy in some orders and reports its variables unsafe; remove the copy \
                     (KNOWN-DIFFERENCES.md row 30)"
                        .to_owned(),
                ));
            }
        }
        Ok(())
    }

    /// OPA refuses a declared name nothing uses: `some x` that no other literal of its query (or
    /// the head it serves) mentions, `every`'s key or value its body does not mention
    /// (`rego_compile_error: declared var x unused`).
    fn unused(&self, stmts: &[Json], head: &[&Json]) -> Result<(), Failure> {
        for (position, stmt) in stmts.iter().enumerate() {
            match variant(&stmt["literal"]) {
                Some(("SomeVars", inner)) => {
                    for span in inner["vars"].as_array().into_iter().flatten() {
                        let Some(name) = span_text(self.source, span) else {
                            continue;
                        };
                        let used = stmts
                            .iter()
                            .enumerate()
                            .any(|(i, s)| i != position && self.uses(s, name))
                            || head.iter().any(|t| self.uses(t, name));
                        if !used {
                            return Err((
                                ast::line(stmt),
                                format!("rego_compile_error: declared var {name} unused"),
                            ));
                        }
                    }
                }
                Some(("Every", inner)) => {
                    for span in [&inner["key"], &inner["value"]] {
                        if let Some(name) = span_text(self.source, span)
                            && !self.uses(&inner["query"], name)
                        {
                            return Err((
                                ast::line(stmt),
                                format!("rego_compile_error: declared var {name} unused"),
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether `node` mentions `name`, outside comprehensions and `every` bodies that declare
    /// a `name` of their own.
    fn uses(&self, node: &Json, name: &str) -> bool {
        match node {
            Json::Object(map) => {
                if var(node) == Some(name) {
                    return true;
                }
                if let Some((kind @ ("ArrayCompr" | "SetCompr" | "ObjectCompr" | "Every"), inner)) =
                    variant(node)
                {
                    let mut own = BTreeSet::new();
                    declared_names(inner, self.source, &mut own);
                    if kind == "Every" {
                        // Its key and value are its own; its domain is the enclosing query's.
                        for part in ["key", "value"] {
                            own.extend(span_text(self.source, &inner[part]).map(str::to_owned));
                        }
                        if own.contains(name) {
                            return self.uses(&inner["domain"], name);
                        }
                    }
                    if own.contains(name) {
                        return false;
                    }
                }
                map.values().any(|v| self.uses(v, name))
            }
            Json::Array(items) => items.iter().any(|v| self.uses(v, name)),
            _ => false,
        }
    }

    /// A query's statements as literals to schedule, then its head's references (a rule's, a
    /// comprehension's), which OPA rewrites into the body: `y := input.a[k]` binds `k`.
    fn literals<'q>(&self, query: &'q Json, head: &[&'q Json]) -> Vec<Literal<'q>> {
        let stmts = query["stmts"].as_array().map_or(&[][..], Vec::as_slice);
        let mut literals = Vec::new();
        for (position, stmt) in stmts.iter().enumerate() {
            let withs: Vec<&Json> = stmt["with_mods"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|w| &w["as"])
                // A builtin as the replacement (`with upper as lower`) binds nothing.
                .filter(|v| {
                    super::ref_path(v)
                        .and_then(|p| super::builtin_arity(&p))
                        .is_none()
                })
                .collect();
            let Some((kind, inner)) = variant(&stmt["literal"]) else {
                continue;
            };
            // OPA's statements for the calls nested in this one come first.
            for (index, call) in ast::hoisted(stmt).into_iter().enumerate() {
                self.hoisted
                    .borrow_mut()
                    .insert(std::ptr::from_ref(call) as usize);
                literals.push(Literal {
                    lit: Lit::Hoisted(call),
                    withs: withs.clone(),
                    position,
                    hoisted: Some(index),
                    head: false,
                });
            }
            let mut push = |lit| {
                literals.push(Literal {
                    lit,
                    withs: withs.clone(),
                    position,
                    hoisted: None,
                    head: false,
                })
            };
            match kind {
                "SomeVars" => push(Lit::Nothing),
                "SomeIn" => push(Lit::SomeIn(
                    Some(&inner["key"]).filter(|k| !k.is_null()),
                    &inner["value"],
                    &inner["collection"],
                )),
                "NotExpr" => push(Lit::Not(&inner["expr"])),
                "Every" => {
                    let names = [&inner["key"], &inner["value"]]
                        .into_iter()
                        .filter_map(|s| span_text(self.source, s))
                        .map(str::to_owned)
                        .collect();
                    push(Lit::Every(names, &inner["domain"], &inner["query"]));
                }
                "Expr" => {
                    let expr = &inner["expr"];
                    match variant(expr) {
                        Some(("AssignExpr", a)) if a["op"] == "ColEq" => {
                            push(Lit::Assign(&a["lhs"], &a["rhs"]));
                        }
                        Some(("AssignExpr", a)) => {
                            // (Not where a comprehension is inside: OPA checks it with the
                            // statements before this one, none of its parts.)
                            let mut pairs = Vec::new();
                            if has_closure(&a["lhs"]) || has_closure(&a["rhs"]) {
                                pairs.push((&a["lhs"], &a["rhs"]));
                            } else {
                                split_unify(&a["lhs"], &a["rhs"], &mut pairs);
                            }
                            for (l, r) in pairs {
                                push(Lit::Unify(l, r));
                            }
                        }
                        Some(("Call", c)) => {
                            let params: Vec<&Json> =
                                c["params"].as_array().into_iter().flatten().collect();
                            match (self.arity(&c["fcn"]), params.split_last()) {
                                (Some(arity), Some((last, rest))) if params.len() == arity + 1 => {
                                    push(Lit::CallOut(rest.to_vec(), last));
                                }
                                _ => push(Lit::Value(expr)),
                            }
                        }
                        _ => push(Lit::Value(expr)),
                    }
                }
                _ => {}
            }
        }
        // A head term that needs evaluating (a reference or a call in it) is moved into the
        // body whole, as OPA does (`rewriteRefsInHead`), its calls first
        // (`rewriteExprTermsInHead`): its references bind, its calls wait for their arguments
        // (`y := [input.a[k], upper(k)]` has an unsafe `k`, `y := input.a[k] if upper(k) ==
        // "A"` does not).
        for term in head {
            let mut refs = Vec::new();
            head_refs(term, &mut refs);
            let calls = ast::calls_in(term);
            if refs.is_empty() && calls.is_empty() {
                continue;
            }
            for (index, call) in calls.into_iter().enumerate() {
                self.hoisted
                    .borrow_mut()
                    .insert(std::ptr::from_ref(call) as usize);
                literals.push(Literal {
                    lit: Lit::Hoisted(call),
                    withs: Vec::new(),
                    position: stmts.len(),
                    hoisted: Some(index),
                    head: true,
                });
            }
            literals.push(Literal {
                lit: Lit::Value(term),
                withs: Vec::new(),
                position: stmts.len(),
                hoisted: None,
                head: true,
            });
        }
        literals
    }

    /// Tries to run a literal: `Ok(Ok(names it binds))`; `Ok(Err((unsafe names it reads,
    /// enclosing names its comprehensions and `every` bodies wait for)))`; or `Err` when a
    /// comprehension or `every` inside it has an unsafe variable. With `closures_only`, only the
    /// second kind holds it back (see [`Checker::query`]).
    #[allow(clippy::type_complexity)]
    fn attempt<'l>(
        &self,
        literal: &Literal<'l>,
        scope: &Scope<'_>,
        closures_only: bool,
    ) -> Result<Result<Vec<String>, (Vec<Need>, Vec<Need>)>, Failure> {
        let at = literal.position;
        let mut acc = Acc::default();
        for with in &literal.withs {
            if var(with).is_some_and(types::is_function) {
                continue;
            }
            self.read(with, scope, at, false, &mut acc);
        }
        match &literal.lit {
            Lit::Nothing => {}
            Lit::Hoisted(call) => {
                if let Some((kind, inner)) = variant(call) {
                    let mut out = (Vec::new(), Vec::new(), Vec::new());
                    self.scan_variant(kind, inner, call, scope, at, false, &mut out);
                    acc.need.extend(out.0);
                    acc.bound.extend(out.1);
                    acc.closures.extend(out.2);
                }
                acc.bound.push(generated(call));
            }
            Lit::Value(expr) => self.read(expr, scope, at, false, &mut acc),
            Lit::Not(expr) => self.read(expr, scope, at, true, &mut acc),
            Lit::Assign(lhs, rhs) => {
                self.read(rhs, scope, at, false, &mut acc);
                self.pattern(lhs, scope, at, &mut acc);
            }
            Lit::CallOut(inputs, output) => {
                for input in inputs {
                    self.read(input, scope, at, false, &mut acc);
                }
                self.pattern(output, scope, at, &mut acc);
            }
            Lit::SomeIn(key, item, collection) => {
                self.read(collection, scope, at, false, &mut acc);
                for pattern in key.iter().chain([item]) {
                    self.pattern(pattern, scope, at, &mut acc);
                }
            }
            Lit::Unify(lhs, rhs) => {
                // One side known, the other a pattern; or both known.
                let mut left = Acc::default();
                let mut right = Acc::default();
                self.read(lhs, scope, at, false, &mut left);
                self.read(rhs, scope, at, false, &mut right);
                // (`_` is a fresh variable: a pattern, never wanted.)
                left.need.retain(|(n, _)| n != "_");
                right.need.retain(|(n, _)| n != "_");
                if left.need.is_empty() || right.need.is_empty() {
                    let (known, pattern) = if right.need.is_empty() {
                        (right, lhs)
                    } else {
                        (left, rhs)
                    };
                    acc.bound.extend(known.bound);
                    acc.closures.extend(known.closures);
                    self.pattern(pattern, scope, at, &mut acc);
                } else {
                    acc.need.extend(right.need);
                    acc.need.extend(left.need);
                }
            }
            Lit::Every(names, domain, query) => {
                self.read(domain, scope, at, false, &mut acc);
                let mut used = BTreeSet::new();
                all_names(query, &mut used);
                let mut own: BTreeSet<String> = names.iter().cloned().collect();
                declared_names(query, self.source, &mut own);
                let needs = used
                    .into_iter()
                    .filter(|n| !own.contains(n) && visible(scope, n, at) && !scope.is_safe(n))
                    .map(|n| (n, ast::line(query)))
                    .collect();
                acc.closures.push(Closure::Every(names, query, needs));
            }
        }
        // What a literal's own references bind is safe for the rest of it (`f(input.q[a]) == a`),
        // not for its comprehensions, which wait for other literals (`[a | true] ==
        // input.q[a]` is unsafe), as in OPA.
        let own: BTreeSet<String> = acc.bound.iter().cloned().collect();
        acc.need.retain(|(n, _)| !own.contains(n));
        let mut waits: Vec<Need> = acc
            .closures
            .iter()
            .flat_map(|c| c.needs().iter().cloned())
            .collect();
        // As OPA's `reorderBodyForSafety`: the comprehensions need no name the literal binds
        // itself (`input.r[a][b] == [1 | input.q[a]]`), unless the enclosing query's names they
        // use, safe or not, are exactly the literal's outputs ("closure-self": `input.r[a] ==
        // count([1 | input.q[a]])`, and `y := "x"; input.a[y] == [1 | y]` too, where OPA counts
        // `y` an output of the reference). Such a literal never runs: all its names are unsafe.
        if self.closure_self(literal, scope, &acc.closures, &own) {
            let mut names = BTreeSet::new();
            for expr in literal.lit.exprs() {
                self.names_outside_closures(expr, &mut names);
            }
            let line = literal.lit.exprs().first().map_or(0, |e| expr_line(e));
            let names = names
                .into_iter()
                .filter(|n| n != "_" && (scope.declared.contains_key(n) || scope.free.contains(n)))
                .map(|n| (n, line))
                .collect();
            return Ok(Err((Vec::new(), names)));
        }
        waits.retain(|(n, _)| !own.contains(n));
        if (!closures_only && !acc.need.is_empty()) || !waits.is_empty() {
            return Ok(Err((acc.need, waits)));
        }
        // The scopes inside see what is safe here; a comprehension does not see what the literal
        // itself binds (OPA checks it with the names of the literals before: `y := [input.a[k],
        // [1 | k]]` has an unsafe `k`), an `every` does (OPA moves its domain out first).
        self.closures(&acc.closures, scope, at, &own)?;
        Ok(Ok(acc.bound))
    }

    /// Reads `expr` as a value into `acc` (its reference indexes bind unless `negated`).
    fn read<'e>(
        &self,
        expr: &'e Json,
        scope: &Scope<'_>,
        at: usize,
        negated: bool,
        acc: &mut Acc<'e>,
    ) {
        let mut out = (Vec::new(), Vec::new(), Vec::new());
        self.scan(expr, scope, at, negated, &mut out);
        acc.need.extend(out.0);
        acc.bound.extend(out.1);
        acc.closures.extend(out.2);
    }

    /// Checks comprehensions and `every` bodies met at position `at` of `scope`.
    fn closures(
        &self,
        closures: &[Closure<'_>],
        scope: &Scope<'_>,
        at: usize,
        bound: &BTreeSet<String>,
    ) -> Result<(), Failure> {
        if closures.is_empty() {
            return Ok(());
        }
        let outer = Outer {
            parent: Some((scope, at)),
            names: BTreeSet::new(),
            every: BTreeSet::new(),
        };
        for closure in closures {
            match closure {
                Closure::Compr(query, terms, _, _) => {
                    let inner = self.query(query, &outer, terms)?;
                    for term in terms {
                        let (need, _, nested) = self.scan_value(term, &inner, usize::MAX, false);
                        if let Some(first) = need.into_iter().next() {
                            return Err(unsafe_var(first));
                        }
                        self.closures(&nested, &inner, usize::MAX, &BTreeSet::new())?;
                    }
                }
                Closure::Every(names, query, _) => {
                    let outer = Outer {
                        parent: Some((scope, at)),
                        names: names.iter().chain(bound).cloned().collect(),
                        every: names.iter().cloned().collect(),
                    };
                    self.query(query, &outer, &[])?;
                }
            }
        }
        Ok(())
    }

    /// Reads `expr` as a value at position `at`: the unsafe names it needs, the names its
    /// reference indexes bind (as needs instead when `negated`), the scopes inside it.
    fn scan_value<'e>(
        &self,
        expr: &'e Json,
        scope: &Scope<'_>,
        at: usize,
        negated: bool,
    ) -> (Vec<Need>, Vec<String>, Vec<Closure<'e>>) {
        let mut out = (Vec::new(), Vec::new(), Vec::new());
        self.scan(expr, scope, at, negated, &mut out);
        out
    }

    #[allow(clippy::type_complexity)]
    fn scan<'e>(
        &self,
        expr: &'e Json,
        scope: &Scope<'_>,
        at: usize,
        negated: bool,
        out: &mut (Vec<Need>, Vec<String>, Vec<Closure<'e>>),
    ) {
        let Some((kind, inner)) = variant(expr) else {
            match expr {
                Json::Array(items) => items
                    .iter()
                    .for_each(|i| self.scan(i, scope, at, negated, out)),
                Json::Object(map) => map
                    .values()
                    .for_each(|v| self.scan(v, scope, at, negated, out)),
                _ => {}
            }
            return;
        };
        if self.is_hoisted(expr) {
            // A moved call: this literal reads the value it gives.
            let name = generated(expr);
            if !scope.is_safe(&name) {
                out.0.push((name, ast::line(inner)));
            }
            return;
        }
        self.scan_variant(kind, inner, expr, scope, at, negated, out);
    }

    /// [`Checker::scan`] of an expression that is not a moved call (or is the one moved).
    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    fn scan_variant<'e>(
        &self,
        kind: &str,
        inner: &'e Json,
        expr: &'e Json,
        scope: &Scope<'_>,
        at: usize,
        negated: bool,
        out: &mut (Vec<Need>, Vec<String>, Vec<Closure<'e>>),
    ) {
        match kind {
            "Var" => {
                if let Some(name) = var(expr)
                    && self.is_var(name, scope)
                    && !scope.is_safe(name)
                {
                    out.0.push((name.to_owned(), ast::line(inner)));
                }
            }
            "RefDot" | "RefBrack" => {
                let before = out.2.len();
                self.scan(&inner["refr"], scope, at, negated, out);
                // A comprehension indexed as it stands (`[z | z := y][0]`) is moved out into a
                // statement of its own by OPA: it is no closure of this one ("closure-self").
                if matches!(
                    variant(&inner["refr"]),
                    Some(("ArrayCompr" | "SetCompr" | "ObjectCompr", _))
                ) {
                    for closure in &mut out.2[before..] {
                        if let Closure::Compr(_, _, _, uses) = closure {
                            uses.clear();
                        }
                    }
                }
                if kind == "RefBrack" {
                    self.index(&inner["index"], scope, at, negated, out);
                }
            }
            "Call" => self.scan(&inner["params"], scope, at, negated, out),
            "ArrayCompr" | "SetCompr" | "ObjectCompr" => {
                // The comprehension waits for the enclosing names it uses.
                let mut names = BTreeSet::new();
                all_names(inner, &mut names);
                let mut own = BTreeSet::new();
                declared_names(inner, self.source, &mut own);
                let terms: Vec<&Json> = ["term", "key", "value"]
                    .into_iter()
                    .map(|k| &inner[k])
                    .filter(|t| !t.is_null())
                    .collect();
                // As OPA (`reorderBodyForClosures`): it waits for every enclosing name it
                // uses, even one it could bind itself (`input.r[a] == count([1 | input.q[a]])`
                // is unsafe; `count([1 | input.q[a]; a == 1]) > 0; a = "k"` checks `a == 1`
                // with `a` a string).
                let uses = names
                    .iter()
                    .filter(|n| {
                        !own.contains(*n)
                            && (scope.declared.contains_key(*n) || scope.free.contains(*n))
                    })
                    .cloned()
                    .collect();
                let needs = names
                    .into_iter()
                    .filter(|n| !own.contains(n) && visible(scope, n, at) && !scope.is_safe(n))
                    .map(|n| (n, ast::line(inner)))
                    .collect();
                out.2
                    .push(Closure::Compr(&inner["query"], terms, needs, uses));
            }
            _ => {
                if let Json::Object(map) = inner {
                    for (key, value) in map {
                        if key != "span" {
                            self.scan(value, scope, at, negated, out);
                        }
                    }
                }
            }
        }
    }

    /// A reference's index: its variables bind (`x[k]`, `x[[k, 1]]`) unless `negated`.
    #[allow(clippy::type_complexity)]
    fn index<'e>(
        &self,
        index: &'e Json,
        scope: &Scope<'_>,
        at: usize,
        negated: bool,
        out: &mut (Vec<Need>, Vec<String>, Vec<Closure<'e>>),
    ) {
        match (var(index), variant(index)) {
            (Some(name), _) if self.is_var(name, scope) && !negated => {
                if !scope.is_safe(name) && name != "_" {
                    out.1.push(name.to_owned());
                }
            }
            (None, Some(("Array", inner))) if !negated => {
                for item in inner["items"].as_array().into_iter().flatten() {
                    self.index(item, scope, at, negated, out);
                }
            }
            (None, Some(("Object", inner))) if !negated => {
                for field in inner["fields"].as_array().into_iter().flatten() {
                    self.scan(&field[1], scope, at, negated, out);
                    self.index(&field[2], scope, at, negated, out);
                }
            }
            _ => self.scan(index, scope, at, negated, out),
        }
    }

    /// A pattern that binds (`x`, `[x, _]`, `{"k": x}`): its unbound names become safe; the
    /// rest of it is read as a value.
    fn pattern<'e>(&self, expr: &'e Json, scope: &Scope<'_>, at: usize, acc: &mut Acc<'e>) {
        match variant(expr) {
            Some(("Var", _)) => {
                if let Some(name) = var(expr)
                    && name != "_"
                    && self.is_var(name, scope)
                {
                    acc.bound.push(name.to_owned());
                }
            }
            Some(("Array", inner)) => {
                for item in inner["items"].as_array().into_iter().flatten() {
                    self.pattern(item, scope, at, acc);
                }
            }
            Some(("Object", inner)) => {
                for field in inner["fields"].as_array().into_iter().flatten() {
                    self.read(&field[1], scope, at, false, acc);
                    self.pattern(&field[2], scope, at, acc);
                }
            }
            _ => self.read(expr, scope, at, false, acc),
        }
    }

    /// Whether `name` names something a rule may use without binding it: a rule of the package,
    /// an import, `input`, `data`.
    fn is_global(&self, name: &str) -> bool {
        matches!(name, "input" | "data")
            || self.rule_names.contains(name)
            || self.aliases.contains_key(name)
            || self.input_aliases.contains(name)
    }

    /// Whether `node` is a call moved out of its statement.
    fn is_hoisted(&self, node: &Json) -> bool {
        self.hoisted
            .borrow()
            .contains(&(std::ptr::from_ref(node) as usize))
    }

    /// Whether `name` is a variable here (not a rule, an import, `input` or `data`).
    fn is_var(&self, name: &str, scope: &Scope<'_>) -> bool {
        name == "_"
            || scope.declared.contains_key(name)
            || scope.outer.visible(name)
            || !self.is_global(name)
    }

    /// The argument count of the function a call names, when known.
    fn arity(&self, fcn: &Json) -> Option<usize> {
        let segs = ast::ref_segs(fcn)?;
        let mut names = Vec::new();
        for seg in segs {
            match seg {
                Seg::Key(k) => names.push(k),
                Seg::Var(_) => return None,
            }
        }
        let dotted = names.join(".");
        if let Some(arity) = types::arity(&dotted) {
            return Some(arity);
        }
        let full: Vec<String> = match names.split_first() {
            Some((first, rest)) if first == "data" => rest.to_vec(),
            Some((first, rest)) if self.aliases.contains_key(first) => self.aliases[first]
                .iter()
                .cloned()
                .chain(rest.iter().cloned())
                .collect(),
            _ => self.package.iter().cloned().chain(names).collect(),
        };
        self.arities.get(&full).copied()
    }

    /// Every name used outside comprehensions and `every` bodies.
    /// OPA's "closure-self" (`reorderBodyForSafety`): the names of the enclosing query that the
    /// literal's comprehensions use, safe or not, are not empty and are exactly the literal's
    /// output variables as OPA counts them — for a call or a bare term, every variable of a
    /// reference whose head is safe (bound already or not) and the output argument; for `=` and
    /// `:=`, the names it binds; for `not`, `every` (its domain moved out) and the statements OPA
    /// writes as `__local__ = term` (head terms, moved calls), never.
    fn closure_self(
        &self,
        literal: &Literal<'_>,
        scope: &Scope<'_>,
        closures: &[Closure<'_>],
        own: &BTreeSet<String>,
    ) -> bool {
        let mut uses = BTreeSet::new();
        for closure in closures {
            if let Closure::Compr(_, _, _, names) = closure {
                uses.extend(names.iter().map(String::as_str));
            }
        }
        if uses.is_empty() || literal.head {
            return false;
        }
        let mut outputs = BTreeSet::new();
        let mut wildcards = 0;
        match &literal.lit {
            Lit::Assign(..) | Lit::Unify(..) => {
                return uses == own.iter().map(String::as_str).collect();
            }
            Lit::Value(expr) => self.ref_outputs(expr, scope, &mut outputs, &mut wildcards),
            Lit::CallOut(inputs, output) => {
                for term in inputs.iter().chain([output]) {
                    self.ref_outputs(term, scope, &mut outputs, &mut wildcards);
                }
                let mut read = BTreeSet::new();
                for input in inputs {
                    self.names_outside_closures(input, &mut read);
                }
                if read.iter().any(|n| {
                    n != "_" && self.is_var(n, scope) && !outputs.contains(n) && !scope.is_safe(n)
                }) {
                    return false;
                }
                let mut out = BTreeSet::new();
                self.names_outside_closures(output, &mut out);
                outputs.extend(out.into_iter().filter(|n| self.is_var(n, scope)));
            }
            _ => return false,
        }
        uses == outputs.iter().map(String::as_str).collect()
    }

    /// The variables of the references in `node` whose head is safe (OPA's
    /// `outputVarsForTerms`): a reference's indexes, bound or not, each `_` a name of its own.
    fn ref_outputs(
        &self,
        node: &Json,
        scope: &Scope<'_>,
        out: &mut BTreeSet<String>,
        wildcards: &mut usize,
    ) {
        if self.is_hoisted(node) {
            return;
        }
        match variant(node) {
            Some(("ArrayCompr" | "SetCompr" | "ObjectCompr", _)) => {}
            Some(("RefBrack" | "RefDot", _)) => {
                let mut head = node;
                let mut indexes = Vec::new();
                loop {
                    match variant(head) {
                        Some(("RefBrack", inner)) => {
                            indexes.push(&inner["index"]);
                            head = &inner["refr"];
                        }
                        Some(("RefDot", inner)) => head = &inner["refr"],
                        _ => break,
                    }
                }
                if let Some(name) = var(head)
                    && name != "_"
                    && self.is_var(name, scope)
                    && !scope.is_safe(name)
                {
                    return;
                }
                for index in indexes {
                    self.index_names(index, scope, out, wildcards);
                }
            }
            _ => children(node).for_each(|v| self.ref_outputs(v, scope, out, wildcards)),
        }
    }

    /// Every variable of a reference's index (nested references' heads aside; a moved call
    /// is the variable OPA gives its value).
    fn index_names(
        &self,
        node: &Json,
        scope: &Scope<'_>,
        out: &mut BTreeSet<String>,
        wildcards: &mut usize,
    ) {
        if self.is_hoisted(node) {
            out.insert(generated(node));
            return;
        }
        match variant(node) {
            Some(("Var", _)) => {
                if let Some(name) = var(node) {
                    if name == "_" {
                        *wildcards += 1;
                        out.insert(format!("_{wildcards}"));
                    } else if self.is_var(name, scope) {
                        out.insert(name.to_owned());
                    }
                }
            }
            // (OPA's visitor here goes into comprehensions: their variables count, a name
            // declared inside one being another variable.)
            Some(("ArrayCompr" | "SetCompr" | "ObjectCompr", inner)) => {
                let mut names = BTreeSet::new();
                all_names(inner, &mut names);
                let mut declared = BTreeSet::new();
                declared_names(inner, self.source, &mut declared);
                for name in names {
                    if name == "_" {
                        *wildcards += 1;
                        out.insert(format!("_{wildcards}"));
                    } else if declared.contains(&name) {
                        out.insert(format!("\u{2}{name}"));
                    } else if self.is_var(&name, scope) {
                        out.insert(name);
                    }
                }
            }
            Some(("RefBrack", inner)) => {
                if variant(&inner["refr"]).is_some_and(|(k, _)| k != "Var") {
                    self.index_names(&inner["refr"], scope, out, wildcards);
                }
                self.index_names(&inner["index"], scope, out, wildcards);
            }
            Some(("RefDot", inner)) => {
                if variant(&inner["refr"]).is_some_and(|(k, _)| k != "Var") {
                    self.index_names(&inner["refr"], scope, out, wildcards);
                }
            }
            _ => children(node).for_each(|v| self.index_names(v, scope, out, wildcards)),
        }
    }

    fn names_outside_closures(&self, node: &Json, out: &mut BTreeSet<String>) {
        match node {
            Json::Object(map) => {
                if let Some((kind, _)) = variant(node) {
                    match kind {
                        "Var" => {
                            out.extend(var(node).map(str::to_owned));
                            return;
                        }
                        "ArrayCompr" | "SetCompr" | "ObjectCompr" => return,
                        "Every" => {
                            self.names_outside_closures(&map["Every"]["domain"], out);
                            return;
                        }
                        "Call" => {
                            self.names_outside_closures(&map["Call"]["params"], out);
                            return;
                        }
                        _ => {}
                    }
                }
                map.values()
                    .for_each(|v| self.names_outside_closures(v, out));
            }
            Json::Array(items) => items
                .iter()
                .for_each(|v| self.names_outside_closures(v, out)),
            _ => {}
        }
    }
}

/// What reading a literal found: unsafe names it needs, names it binds, scopes inside it.
#[derive(Default)]
struct Acc<'e> {
    need: Vec<Need>,
    bound: Vec<String>,
    closures: Vec<Closure<'e>>,
}

/// A scope inside a literal: a comprehension (query, head terms) or an `every` (names, query).
/// Each with the enclosing names it uses that are not safe yet.
enum Closure<'e> {
    /// (query, head terms, needs, every name of the enclosing query it uses, safe or not).
    Compr(&'e Json, Vec<&'e Json>, Vec<Need>, BTreeSet<String>),
    Every(&'e Vec<String>, &'e Json, Vec<Need>),
}

impl Closure<'_> {
    fn needs(&self) -> &[Need] {
        match self {
            Closure::Compr(_, _, needs, _) | Closure::Every(_, _, needs) => needs,
        }
    }
}

/// Whether `name` belongs to the enclosing scope at position `at` (so that a comprehension there
/// waits for it).
fn visible(scope: &Scope<'_>, name: &str, at: usize) -> bool {
    scope.outer.visible(name)
        || (scope.bindable.contains(name)
            && (scope.free.contains(name) || scope.declared.get(name).is_some_and(|&p| p < at)))
}

impl<'a> Lit<'a> {
    /// The expressions the literal is made of.
    fn exprs(&self) -> Vec<&'a Json> {
        match self {
            Lit::Assign(l, r) | Lit::Unify(l, r) => vec![l, r],
            Lit::CallOut(inputs, output) => inputs.iter().copied().chain([*output]).collect(),
            Lit::Value(e) | Lit::Not(e) | Lit::Hoisted(e) => vec![e],
            Lit::SomeIn(key, value, collection) => {
                key.iter().copied().chain([*value, *collection]).collect()
            }
            Lit::Every(_, domain, _) => vec![domain],
            Lit::Nothing => Vec::new(),
        }
    }
}

/// The names a literal could bind, whatever is safe: patterns of `:=`, `=`, `some … in` and
/// call outputs, reference indexes outside `not` and comprehensions.
fn static_outputs(lit: &Lit<'_>, out: &mut BTreeSet<String>) {
    let mut names = Vec::new();
    match lit {
        Lit::Assign(lhs, rhs) => {
            pattern_names(lhs, &mut names);
            index_vars(rhs, &mut names);
        }
        Lit::Unify(lhs, rhs) => {
            for side in [lhs, rhs] {
                pattern_names(side, &mut names);
                index_vars(side, &mut names);
            }
        }
        Lit::CallOut(inputs, output) => {
            pattern_names(output, &mut names);
            for input in inputs {
                index_vars(input, &mut names);
            }
        }
        Lit::Value(expr) => index_vars(expr, &mut names),
        Lit::SomeIn(key, value, collection) => {
            key.iter().for_each(|k| pattern_names(k, &mut names));
            pattern_names(value, &mut names);
            index_vars(collection, &mut names);
        }
        Lit::Every(_, domain, _) => index_vars(domain, &mut names),
        Lit::Hoisted(call) => index_vars(call, &mut names),
        Lit::Not(_) | Lit::Nothing => {}
    }
    out.extend(names);
}

/// Variables used as reference indexes (`input.a[k]`), outside comprehensions.
fn index_vars(node: &Json, out: &mut Vec<String>) {
    match node {
        Json::Object(map) => {
            match variant(node) {
                Some(("ArrayCompr" | "SetCompr" | "ObjectCompr", _)) => return,
                Some(("RefBrack", inner)) => {
                    let index = &inner["index"];
                    if let Some(name) = var(index) {
                        out.push(name.to_owned());
                    } else if let Some(("Array" | "Object", _)) = variant(index) {
                        pattern_names(index, out);
                    }
                }
                _ => {}
            }
            map.values().for_each(|v| index_vars(v, out));
        }
        Json::Array(items) => items.iter().for_each(|v| index_vars(v, out)),
        _ => {}
    }
}

/// The references in a head term, outside comprehensions (`{"k": input.a[k]}` → `input.a[k]`).
fn head_refs<'a>(node: &'a Json, out: &mut Vec<&'a Json>) {
    match node {
        Json::Object(map) => match variant(node) {
            Some(("RefDot" | "RefBrack", _)) => out.push(node),
            Some(("ArrayCompr" | "SetCompr" | "ObjectCompr", _)) => {}
            Some(("Call", inner)) => head_refs(&inner["params"], out),
            _ => map.values().for_each(|v| head_refs(v, out)),
        },
        Json::Array(items) => items.iter().for_each(|v| head_refs(v, out)),
        _ => {}
    }
}

/// `[a, b] = [1, c]` → `a = 1`, `b = c`, as OPA splits it.
/// The parts of a tree node (an object's values but its span, an array's items).
fn children(node: &Json) -> Box<dyn Iterator<Item = &Json> + '_> {
    match node {
        Json::Object(map) => Box::new(map.iter().filter(|(k, _)| *k != "span").map(|(_, v)| v)),
        Json::Array(items) => Box::new(items.iter()),
        _ => Box::new(std::iter::empty()),
    }
}

/// Whether a comprehension is anywhere in `node`.
fn has_closure(node: &Json) -> bool {
    match node {
        Json::Object(map) => {
            matches!(
                variant(node),
                Some(("ArrayCompr" | "SetCompr" | "ObjectCompr", _))
            ) || map.values().any(has_closure)
        }
        Json::Array(items) => items.iter().any(has_closure),
        _ => false,
    }
}

fn split_unify<'a>(lhs: &'a Json, rhs: &'a Json, out: &mut Vec<(&'a Json, &'a Json)>) {
    if let (Some(("Array", l)), Some(("Array", r))) = (variant(lhs), variant(rhs))
        && let (Some(li), Some(ri)) = (l["items"].as_array(), r["items"].as_array())
        && li.len() == ri.len()
    {
        for (l, r) in li.iter().zip(ri) {
            split_unify(l, r, out);
        }
        return;
    }
    out.push((lhs, rhs));
}

/// The indexes of a reference chain (`a[k].b[x]` → `k`, `x`).
fn brack_indexes(expr: &Json) -> Option<Vec<&Json>> {
    let (kind, inner) = variant(expr)?;
    match kind {
        "Var" => Some(Vec::new()),
        "RefDot" => brack_indexes(&inner["refr"]),
        "RefBrack" => {
            let mut out = brack_indexes(&inner["refr"])?;
            out.push(&inner["index"]);
            Some(out)
        }
        _ => None,
    }
}

/// The variables of a pattern (a function's arguments, `:=`'s left side).
fn pattern_names(expr: &Json, out: &mut Vec<String>) {
    match variant(expr) {
        Some(("Var", _)) => out.extend(var(expr).filter(|n| *n != "_").map(str::to_owned)),
        Some(("Array", inner)) => {
            for item in inner["items"].as_array().into_iter().flatten() {
                pattern_names(item, out);
            }
        }
        Some(("Object", inner)) => {
            for field in inner["fields"].as_array().into_iter().flatten() {
                pattern_names(&field[2], out);
            }
        }
        _ => {}
    }
}

/// Every variable name below `node`.
fn all_names(node: &Json, out: &mut BTreeSet<String>) {
    match node {
        Json::Object(map) => {
            if let Some(name) = var(node) {
                out.insert(name.to_owned());
                return;
            }
            if let Some(("Call", inner)) = variant(node) {
                all_names(&inner["params"], out);
                return;
            }
            map.values().for_each(|v| all_names(v, out));
        }
        Json::Array(items) => items.iter().for_each(|v| all_names(v, out)),
        _ => {}
    }
}

/// Every name declared below `node` (`:=`, `some`, `some … in`, `every`).
fn declared_names(node: &Json, source: &str, out: &mut BTreeSet<String>) {
    match node {
        Json::Object(map) => {
            if let Some((kind, inner)) = variant(node) {
                let mut names = Vec::new();
                match kind {
                    "AssignExpr" if inner["op"] == "ColEq" => {
                        pattern_names(&inner["lhs"], &mut names)
                    }
                    "SomeIn" => {
                        pattern_names(&inner["key"], &mut names);
                        pattern_names(&inner["value"], &mut names);
                    }
                    "SomeVars" => {
                        for span in inner["vars"].as_array().into_iter().flatten() {
                            names.extend(span_text(source, span).map(str::to_owned));
                        }
                    }
                    "Every" => {
                        for span in [&inner["key"], &inner["value"]] {
                            names.extend(span_text(source, span).map(str::to_owned));
                        }
                    }
                    _ => {}
                }
                out.extend(names);
            }
            map.values().for_each(|v| declared_names(v, source, out));
        }
        Json::Array(items) => items.iter().for_each(|v| declared_names(v, source, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{compile_error, expect_compile};

    #[test]
    fn unsafe_variables_as_opa_finds_them() {
        // (module, the unsafe variable OPA names, or None when OPA compiles it)
        let cases: &[(&str, Option<&str>)] = &[
            (
                "unused := {\"x\": y}",
                Some("a.rego:2: rego_unsafe_var_error: var y is unsafe"),
            ),
            ("y := 1 if not z", Some("var z is unsafe")),
            ("y := 1 if { z := 1; not w }", Some("var w is unsafe")),
            ("y := a if { count(a) > 0 }", Some("var a is unsafe")),
            (
                "y := [a | a := 1]\nw := a",
                Some("a.rego:3: rego_unsafe_var_error: var a is unsafe"),
            ),
            ("y := 1 if { some a; a > 1 }", Some("var a is unsafe")),
            ("y := 1 if { [a, b] = [1, c] }", Some("var c is unsafe")),
            (
                "y := 1 if { every k in [a] { k > 0 } }",
                Some("var a is unsafe"),
            ),
            (
                "y := 1 if { every k in [1] { k > m } }",
                Some("var m is unsafe"),
            ),
            ("y := 1 if { count(a, b); b > 1 }", Some("var a is unsafe")),
            ("f(a) := b", Some("var b is unsafe")),
            ("f([a, b]) := a + c", Some("var c is unsafe")),
            (
                "y := 1 if { input.a with input as m }",
                Some("var m is unsafe"),
            ),
            ("y contains k", Some("var k is unsafe")),
            ("y[k] := 1", Some("var k is unsafe")),
            ("y := {k: 1 | true}", Some("var k is unsafe")),
            ("y := 1 if { a.b == 1 }", Some("var a is unsafe")),
            (
                "y := 1 if { some a in [1]; a == z }",
                Some("var z is unsafe"),
            ),
            ("y := 1 if { not input.a[k] }", Some("var k is unsafe")),
            (
                "y := 1 if { some k; not input.a[k] }",
                Some("var k is unsafe"),
            ),
            ("y := 1 if { input.a[k] == z }", Some("var z is unsafe")),
            // OPA moves nested calls out of their statement first (`upper(k) == …` is
            // `upper(k, t); … == t`): a moved call waits for its arguments and binds its
            // references' indexes, also out of a `not`.
            (
                "y := 1 if { input.a[k] == upper(k) }",
                Some("var k is unsafe"),
            ),
            ("y := 1 if { [upper(z)] = [z] }", Some("var z is unsafe")),
            // A comprehension waits for every name of the enclosing body it uses, even one
            // it could bind itself (OPA's `reorderBodyForClosures`).
            (
                "y := 1 if { input.r[a] == count([1 | input.q[a]]) }",
                Some("var a is unsafe"),
            ),
            (
                "y := 1 if { count([1 | input.q[a]]) > 0; input.r[a] }",
                None,
            ),
            // ... except for names the literal binds itself, unless they are all the comprehension
            // needs ("closure-self", above).
            ("y := [a, b] if { input.r[a][b] == [1 | input.q[a]] }", None),
            // OPA counts a reference's index an output of a call or a bare term even when it is
            // bound already, so the closure-self case holds for names bound before too; not
            // for `=`, `not`, or when the reference has another variable.
            (
                "y := 1 if { z := \"x\"; input.a[z] == [1 | z] }",
                Some("var z is unsafe"),
            ),
            (
                "y := 1 if { z := \"x\"; input.a[z] == {\"k\": [1 | z]} }",
                Some("var z is unsafe"),
            ),
            (
                "y := 1 if { z := \"x\"; count([1 | z], input.a[z]) }",
                Some("var z is unsafe"),
            ),
            (
                "y := 1 if { z = input.a; w := \"x\"; z[w] == [1 | w] }",
                Some("var w is unsafe"),
            ),
            ("y := 1 if { z := \"x\"; input.a[z] = [1 | z] }", None),
            ("y := 1 if { z := \"x\"; not input.a[z] == [1 | z] }", None),
            ("y := 1 if { z := \"x\"; input.a[z][w] == [1 | z] }", None),
            ("y := 1 if { z := 1; input.r[a] == [z | input.q[a]] }", None),
            // A comprehension does not see what its own literal binds (OPA checks it with the
            // literals before); an `every` does (OPA moves its domain out first).
            (
                "y := 1 if { w := [input.a[k], [1 | k]] }",
                Some("var k is unsafe"),
            ),
            ("y := 1 if { every v in input.a[z] { v == z } }", None),
            (
                "y := 1 if { some z in input.l; input.a[z] == [w | w := z][0] }",
                None,
            ),
            // A statement written twice with a variable (OPA skips a copy in some orders and
            // reports its variables unsafe): refused in every order.
            (
                "y := 1 if { k == \"a\"; k == \"a\"; input.a[k] }",
                Some("written twice"),
            ),
            (
                "y := 1 if { not input.b[k]; not input.b[k]; input.a[k] }",
                Some("written twice"),
            ),
            (
                "y := 1 if { [1 | k == \"a\"]; [1 | k == \"a\"]; input.a[k] }",
                Some("written twice"),
            ),
            (
                "y := 1 if { k == \"a\"; input.a[k]; k == \"a\" }",
                Some("written twice"),
            ),
            ("y := 1 if { k == \"a\"; k == \"b\"; input.a[k] }", None),
            ("y := 1 if { input.c; input.c }", None),
            (
                "y := 1 if { upper(k) == \"A\"; upper(k) == \"A\"; input.a[k] }",
                None,
            ),
            // A head term that needs evaluating moves into the body whole, its calls first: its
            // references bind, its calls wait for their arguments.
            ("y := [input.a[k], k] if { input.never }", None),
            ("y := input.a[k] if { upper(k) == \"A\" }", None),
            ("y := [upper(input.a[k]), k] if { input.never }", None),
            (
                "y := [input.a[k], upper(k)] if { input.never }",
                Some("var k is unsafe"),
            ),
            ("f(a) := [input.a[k], upper(k)]", Some("var k is unsafe")),
            (
                "y := 1 if { input.never } else := [input.a[k], upper(k)]",
                Some("var k is unsafe"),
            ),
            ("y contains [input.a[k], upper(k)]", Some("var k is unsafe")),
            // Declaring a name an earlier statement uses, or an `every`'s key or value again.
            (
                "y := z if { z = upper(k); some k in input.a }",
                Some("rego_compile_error: var k referenced above"),
            ),
            (
                "y := 1 if { k == \"x\"; some k }",
                Some("rego_compile_error: var k referenced above"),
            ),
            (
                "y := 1 if { j != input.a; some j, z in {\"a\": 2} }",
                Some("rego_compile_error: var j referenced above"),
            ),
            (
                "y := 1 if { every k in [1] { k := 1 } }",
                Some("rego_compile_error: var k declared above"),
            ),
            ("y := z if { z := [k | k := 1]; some k in input.a }", None),
            (
                "y := 1 if { every r in input.a { r != input.b[k] }; some k in input.c }",
                None,
            ),
            ("y := 1 if { not upper(input.a[k]) == \"X\" }", None),
            ("y := 1 if { not [upper(input.a[k])] == [\"X\"] }", None),
            ("y := 1 if { not lower(upper(input.a[k])) == \"x\" }", None),
            (
                "y := 1 if { not upper(input.a[k]) == input.a[j] }",
                Some("var j is unsafe"),
            ),
            (
                "y := 1 if { not startswith(input.a[k], \"X\") }",
                Some("var k is unsafe"),
            ),
            (
                "y := 1 if { count([1 | upper(input.a[k]) == \"X\"]) > 0 }",
                None,
            ),
            (
                "y contains k if { count([1 | upper(input.a[k]) == \"X\"]) > 0 }",
                Some("var k is unsafe"),
            ),
            (
                "y := 1 if { z := [k | input.a[j]]; k := 1 }",
                Some("var k is unsafe"),
            ),
            ("y := 1 if { z := [k | k := j]; j := 1 }", Some("is unsafe")),
            ("y := 1 if { _ > 1 }", Some("var _ is unsafe")),
            ("y := 1 if { count(_) > 1 }", Some("var _ is unsafe")),
            ("y := q if { true }", Some("var q is unsafe")),
            (
                "y := 1 if { every k in [1] { w := k }; w == 1 }",
                Some("var w is unsafe"),
            ),
            ("default a[k] := 1", Some("var k is unsafe")),
            (
                "y := 1 if { [a | true] == input.q[a] }",
                Some("var a is unsafe"),
            ),
            (
                "y := 1 if { r = a; input.q[[1 | input.q[a]]] == 1 }",
                Some("var a is unsafe"),
            ),
            // A name declared (`:=`) after a comprehension or `every` is not the enclosing one.
            (
                "y := 1 if { every v in [1] { v == x }; x := input }",
                Some("var x is unsafe"),
            ),
            (
                "y := 1 if { r := [v | some v in input; v > x]; x := 1 }",
                Some("var x is unsafe"),
            ),
            // Each body binds what its head reads.
            (
                "y := x if { false } else := 2 if { x := 1 }",
                Some("var x is unsafe"),
            ),
            (
                "y := 1 if { x := input; z := [v | v := x[w]]; w == 1 }",
                Some("var w is unsafe"),
            ),
            (
                "y := 1 if { some v; v := 1 }",
                Some("a.rego:2: rego_compile_error: var v declared above"),
            ),
            (
                "y := 1 if { some a; true }",
                Some("a.rego:2: rego_compile_error: declared var a unused"),
            ),
            (
                "y := 1 if { every k, v in input { v } }",
                Some("rego_compile_error: declared var k unused"),
            ),
            (
                "y := 1 if { every v in input { true } }",
                Some("rego_compile_error: declared var v unused"),
            ),
            (
                "y := 1 if { some a; z := [a | a := 1] }",
                Some("rego_compile_error: declared var a unused"),
            ),
            (
                "y := 1 if { some a, b; a = 1 }",
                Some("rego_compile_error: declared var b unused"),
            ),
            (
                "y := 1 if { z := [1 | some a] }",
                Some("rego_compile_error: declared var a unused"),
            ),
            ("y := a if { some a }", Some("var a is unsafe")),
            // Safe.
            ("y := 1 if { some k, v in input }", None),
            ("y := a if { some a; input[a] }", None),
            ("y := 1 if { some a; a = 1 }", None),
            ("y := 1 if { a = b; b = 1 }", None),
            ("y := 1 if { [a, b] = [1, 2] }", None),
            ("y := 1 if { input.a[k]; k > 1 }", None),
            ("y := 1 if { count([1], b); b > 1 }", None),
            ("f(a) := b if b := a", None),
            ("y := 1 if { some a, b in [1]; a == b }", None),
            ("y := 1 if { z := [k | input.a[k]] }", None),
            ("y := 1 if { j := 1; z := [k | k := j] }", None),
            ("y := 1 if { z := [j | true]; j = 1 }", None),
            ("q := 1\ny := 1 if { q = 1 }", None),
            ("q := 1\ny := 1 if { q := 2 }", None),
            ("y := 1 if { input[_] > 1 }", None),
            ("y := input.a[k]", None),
            ("y[input.a[k]] := 1", None),
            (
                "y := 1 if { every k in [1] { some v in input.a; v > k } }",
                None,
            ),
            ("y := 1 if { k > 1; k = 2 }", None),
            ("y contains x if { x := input.a[_] }", None),
            ("y[k] := v if { some k, v in input }", None),
            (
                "f(x) := y if { y := x }\nz := 1 if { f(1, r); r > 0 }",
                None,
            ),
            ("y := {k: v | some k, v in input}", None),
            ("y := [x | x := input[_]; x > 0]", None),
            (
                "y := 1 if { [x, {\"a\": z}] := [1, {\"a\": 2}]; z > x }",
                None,
            ),
            ("y := 1 if { x := 1; every v in [1] { v == x } }", None),
            ("y := 1 if { x = input; every v in [1] { v == x } }", None),
            (
                "y := 1 if { r := [v | some v in input; v > x]; x = 1 }",
                None,
            ),
            ("y := 1 if { every v in [1] { v == x }; x = input }", None),
            ("y := count(a) if { 1 with input as input.q[a] }", None),
            ("y contains input.q[[a, 1]] if { input.q[c] }", None),
            // References in the head bind for the body.
            (
                "y := input.q[{\"k\": input.q[n]}] if { [upper(n), input.r] }",
                None,
            ),
            ("y := {\"k\": input.q[input.q[a]]} if { n := a }", None),
            ("y := [input.q[a] | some b in [a, 1]]", None),
            ("y := object.get(input, [k], 1) if { k := \"a\" }", None),
            ("y := input.q[n] if { f([n | true]) == 1 }\nf(x) := 1", None),
            ("y := 1 if { upper(input.q[a]) == a }", None),
            // A comprehension that binds a name itself does not wait for the body's.
            (
                "y := 1 if { some b in input.p; input.q[[b, [1 | count(input.q[a], b)]]] == b }",
                None,
            ),
            ("y := 1 if { input.q[{\"k\": v}]; v > 1 }", None),
            ("y := 1 if { input.q[[a, 1]]; a > 0 }", None),
            ("y := 1 if { r := [v | v := x]; x = input }", None),
            // A name the enclosing body declares but never binds is the comprehension's own.
            ("g(b) := [input.q[a] | true] if { some a; b }", None),
            (
                "y := 1 if { some a; z := [1 | input.q[a]]; input[a] }",
                None,
            ),
            ("y := 1 if { upper(\"a\") == z; z = \"A\" }", None),
            ("y := 1 if { input.a with input as {\"a\": 1} }", None),
            ("y := 1 if { false } else := 2", None),
            ("y := 2 if { false } else := x if { x := 1 }", None),
            ("import data.lib\ny := lib.x", None),
            ("y := [v | some v in input] if true", None),
            ("y := count([v | some v in input]) if true", None),
        ];
        for (module, want) in cases {
            expect_compile(&[module], *want);
        }
    }

    /// Modules OPA compiles that regorus refuses (KNOWN-DIFFERENCES row 30): fail closed.
    #[test]
    fn regorus_refusals() {
        for module in [
            "v := 1\ny := [v | some v in input]",
            "y := 1 if { load_json(\"a.json\", v); v.a }",
            // OPA's quirk (this check follows it): a literal whose comprehension waited
            // forgets its other unsafe names; regorus finds `n2` unsafe.
            "y := 1 if { b = {\"k\": a}; [1 | input.q[a]] == [n2]; input.q[a] = \"s\" }",
            // Two variables unified, one bound by a reference in the head only.
            "y contains input.q[a] if { a = n }",
            // `:=` from a variable a later statement's reference binds.
            "y := 1 if { j := k; input.a[k] == input.b[j] }",
            // An operator expression on the left of `=` (regorus's parser).
            "y := 1 if { input.a + 1 = z }",
            // One name in both the key and the value of `some … in` (not supported).
            "y := 1 if { some k, k in input.b }",
            "y := k if { some k, {\"n\": k} in input.b }",
        ] {
            let got = compile_error(&[module]);
            assert_eq!(
                got.map(|(code, _)| code).as_deref(),
                Some("malformed-policy"),
                "{module}"
            );
        }
    }
}
