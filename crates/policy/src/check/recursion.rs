//! Rules and functions that depend on themselves, directly or through others, are a compile
//! error in OPA (`rego_recursion_error: rule data.docker.y is recursive: data.docker.y ->
//! data.docker.z -> data.docker.y`): through a reference (`data.docker.y`, `y`, an import, a
//! prefix or an extension of the rule's path), a call, a comprehension, or a `with` target.
//! regorus finds recursion only when it evaluates it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::Bound;

use serde_json::Value as Json;

use super::ast::{self, Program, RuleView, Seg, display, ref_segs, span_text, var, variant};
use super::rules;
use crate::Error;

/// What each rule reads: the rules its references reach, by path (a rule's path with its
/// variables named `_`-style as in `Seg::Var`).
pub(super) struct Reads {
    paths: Vec<Vec<String>>,
    edges: Vec<BTreeSet<usize>>,
}

impl Reads {
    /// The rules' paths, each after every path it reads (recursion is refused before, so
    /// there is such an order).
    pub(super) fn dependencies_first(&self) -> Vec<&[String]> {
        let mut out = Vec::with_capacity(self.paths.len());
        let mut state = vec![0u8; self.paths.len()]; // 0 new, 1 open, 2 done
        for root in 0..self.paths.len() {
            let mut stack = vec![(root, false)];
            while let Some((i, children_done)) = stack.pop() {
                if children_done {
                    state[i] = 2;
                    out.push(self.paths[i].as_slice());
                    continue;
                }
                if state[i] != 0 {
                    continue;
                }
                state[i] = 1;
                stack.push((i, true));
                stack.extend(
                    self.edges[i]
                        .iter()
                        .filter(|&&j| state[j] == 0)
                        .map(|&j| (j, false)),
                );
            }
        }
        out
    }

    /// Whether a rule at `from` reads, directly or through other rules, a rule at `to` or
    /// below or above it (`from` itself included).
    pub(super) fn reads(&self, from: &[String], to: &[String]) -> bool {
        let hits = |i: usize| {
            let p = &self.paths[i];
            p.starts_with(to) || to.starts_with(p)
        };
        let mut seen = vec![false; self.paths.len()];
        let mut stack: Vec<usize> = (0..self.paths.len())
            .filter(|&i| self.paths[i] == from)
            .collect();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            if hits(i) {
                return true;
            }
            stack.extend(self.edges[i].iter().copied().filter(|&j| !seen[j]));
        }
        false
    }
}

/// Checks for recursion; `Ok` with what each rule reads.
pub(super) fn check(program: &Program<'_>) -> Result<Reads, Error> {
    let tree = rules::tree(program);
    let keys: Vec<&Vec<Seg>> = tree.keys().collect();
    let index: BTreeMap<&Vec<Seg>, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let with_vars: Vec<usize> = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| k.iter().any(|s| matches!(s, Seg::Var(_))))
        .map(|(i, _)| i)
        .collect();
    let mut edges: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); keys.len()];
    // Each rule with the nodes it refers to.
    let mut rule_edges = Vec::new();
    for (from, rules) in tree.values().enumerate() {
        for rule in rules {
            let mut refs = Vec::new();
            references(program, rule, &mut refs);
            let mut targets = BTreeSet::new();
            for path in refs {
                // Rules at the path or below it.
                for (key, i) in index
                    .range::<Vec<Seg>, _>((Bound::Included(&path), Bound::Unbounded))
                    .take_while(|(k, _)| k.starts_with(&path))
                {
                    let _ = key;
                    targets.insert(*i);
                }
                // Rules whose path the reference extends.
                for len in 1..path.len() {
                    if let Some(i) = index.get(&path[..len].to_vec()) {
                        targets.insert(*i);
                    }
                }
                // Rules with variables in their path, which match any key.
                for &i in &with_vars {
                    let matches = keys[i]
                        .iter()
                        .zip(&path)
                        .all(|(k, p)| k == p || matches!(k, Seg::Var(_)));
                    if matches {
                        targets.insert(i);
                    }
                }
            }
            edges[from].extend(targets.iter().copied());
            rule_edges.push((from, *rule, targets));
        }
    }
    let components = strongly_connected(&edges);
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for &c in &components {
        *sizes.entry(c).or_default() += 1;
    }
    // The first rule (in source order) that refers to a rule of its own cycle, as OPA reports.
    let first = rule_edges
        .iter()
        .filter(|(from, _, targets)| {
            targets.iter().any(|&to| {
                // A self-reference, or a reference into a cycle of several rules.
                to == *from
                    || (components[to] == components[*from]
                        && sizes.get(&components[to]).is_some_and(|&n| n > 1))
            })
        })
        .min_by_key(|(_, rule, _)| (rule.module, rule.line));
    // `with data.a.b.c as …` where a rule is at `a.b`: OPA's compile error.
    for rule in &program.rules {
        if let Some(line) = partial_with(program, rule, &tree) {
            return Err(program.error(
                rule.module,
                line,
                "rego_compile_error: with keyword cannot partially replace virtual document(s)",
            ));
        }
    }
    let Some(&(start, rule, _)) = first else {
        let paths = keys
            .iter()
            .map(|k| {
                k.iter()
                    .map(|s| match s {
                        Seg::Key(k) | Seg::Var(k) => k.clone(),
                    })
                    .collect()
            })
            .collect();
        return Ok(Reads { paths, edges });
    };
    let cycle = shortest_cycle(&edges, start);
    let names: Vec<String> = cycle
        .iter()
        .filter_map(|&i| tree.get(keys[i]).and_then(|rs| rs.first()))
        .map(|r| display(&r.segs))
        .collect();
    Err(program.error(
        rule.module,
        rule.line,
        &format!(
            "rego_recursion_error: rule {} is recursive: {}",
            display(&rule.segs),
            names.join(" -> ")
        ),
    ))
}

/// The line of a `with` target in `rule` that lies below another rule's path (`with
/// data.docker.config.registry as …` where `config` is a rule), if any.
fn partial_with(
    program: &Program<'_>,
    rule: &RuleView<'_>,
    tree: &BTreeMap<Vec<Seg>, Vec<&RuleView<'_>>>,
) -> Option<u32> {
    fn targets<'j>(node: &'j Json, out: &mut Vec<&'j Json>) {
        match node {
            Json::Object(map) => {
                for with in map
                    .get("with_mods")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                {
                    out.push(&with["refr"]);
                }
                map.values().for_each(|v| targets(v, out));
            }
            Json::Array(items) => items.iter().for_each(|v| targets(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    targets(rule.node, &mut found);
    if found.is_empty() {
        return None;
    }
    let module = program.modules.get(rule.module)?;
    let mut locals = BTreeSet::new();
    declared(rule.node, module.source, &mut locals);
    let context = Context {
        program,
        module: rule.module,
        locals: &locals,
    };
    // The documents rules define (a rule `p[k] := …` is the document at `p`).
    let documents: BTreeSet<&[Seg]> = tree
        .keys()
        .map(|k| &k[..k.iter().take_while(|s| matches!(s, Seg::Key(_))).count()])
        .collect();
    found.into_iter().find_map(|target| {
        let path = ref_segs(target).and_then(|s| context.resolve(s))?;
        let below = (0..path.len()).any(|len| documents.contains(&path[..len]));
        below.then(|| ast::expr_line(target))
    })
}

/// The data paths (package segments first, cut at the first variable) a rule refers to.
fn references(program: &Program<'_>, rule: &RuleView<'_>, out: &mut Vec<Vec<Seg>>) {
    let Some(module) = program.modules.get(rule.module) else {
        return;
    };
    let mut locals = BTreeSet::new();
    if let Some(head) = ast::head(rule) {
        for arg in head["args"].as_array().into_iter().flatten() {
            pattern_vars(arg, &mut locals);
        }
    }
    declared(rule.node, module.source, &mut locals);
    let context = Context {
        program,
        module: rule.module,
        locals: &locals,
    };
    if rule.default {
        context.walk(&rule.node["value"], out);
        return;
    }
    if let Some(head) = ast::head(rule) {
        // The head's own path is not a reference; its keys and values are.
        if let Some(segs) = head.get("refr").and_then(ref_brack_indexes) {
            for index in segs {
                context.walk(index, out);
            }
        }
        context.walk(&head["key"], out);
        context.walk(&head["assign"], out);
    }
    context.walk(&rule.node["bodies"], out);
}

/// The index expressions of a reference chain (`a[k].b[x]` → `k`, `x`).
fn ref_brack_indexes(expr: &Json) -> Option<Vec<&Json>> {
    let (name, inner) = variant(expr)?;
    match name {
        "Var" => Some(Vec::new()),
        "RefDot" => ref_brack_indexes(&inner["refr"]),
        "RefBrack" => {
            let mut out = ref_brack_indexes(&inner["refr"])?;
            out.push(&inner["index"]);
            Some(out)
        }
        _ => None,
    }
}

/// Every variable a pattern mentions.
pub(super) fn pattern_vars(expr: &Json, out: &mut BTreeSet<String>) {
    match expr {
        Json::Object(map) => {
            if let Some(name) = var(expr) {
                out.insert(name.to_owned());
                return;
            }
            map.values().for_each(|v| pattern_vars(v, out));
        }
        Json::Array(items) => items.iter().for_each(|v| pattern_vars(v, out)),
        _ => {}
    }
}

/// Every name a rule declares (`:=`, `some`, `every`), anywhere in it.
pub(super) fn declared(node: &Json, source: &str, out: &mut BTreeSet<String>) {
    match node {
        Json::Object(map) => {
            if let Some((name, inner)) = variant(node) {
                match name {
                    "AssignExpr" if inner["op"] == "ColEq" => pattern_vars(&inner["lhs"], out),
                    "SomeIn" => {
                        pattern_vars(&inner["key"], out);
                        pattern_vars(&inner["value"], out);
                    }
                    "SomeVars" => {
                        for span in inner["vars"].as_array().into_iter().flatten() {
                            out.extend(span_text(source, span).map(str::to_owned));
                        }
                    }
                    "Every" => {
                        for span in [&inner["key"], &inner["value"]] {
                            out.extend(span_text(source, span).map(str::to_owned));
                        }
                    }
                    _ => {}
                }
            }
            map.values().for_each(|v| declared(v, source, out));
        }
        Json::Array(items) => items.iter().for_each(|v| declared(v, source, out)),
        _ => {}
    }
}

struct Context<'c> {
    program: &'c Program<'c>,
    module: usize,
    locals: &'c BTreeSet<String>,
}

impl Context<'_> {
    fn walk(&self, node: &Json, out: &mut Vec<Vec<Seg>>) {
        match node {
            Json::Object(map) => {
                if let Some((name, inner)) = variant(node) {
                    match name {
                        "Var" | "RefDot" | "RefBrack" => {
                            if let Some(path) = ref_segs(node).and_then(|s| self.resolve(s)) {
                                out.push(path);
                            }
                            for index in ref_brack_indexes(node).into_iter().flatten() {
                                self.walk(index, out);
                            }
                            if !matches!(name, "Var") && ref_segs(node).is_none() {
                                self.walk(&inner["refr"], out);
                                self.walk(&inner["index"], out);
                            }
                            return;
                        }
                        "Call" => {
                            if let Some(path) =
                                ref_segs(&inner["fcn"]).and_then(|s| self.resolve(s))
                            {
                                out.push(path);
                            }
                            self.walk(&inner["params"], out);
                            return;
                        }
                        _ => {}
                    }
                }
                map.values().for_each(|v| self.walk(v, out));
            }
            Json::Array(items) => items.iter().for_each(|v| self.walk(v, out)),
            _ => {}
        }
    }

    /// The data path a reference names, or `None` for `input`, locals and unknown names.
    fn resolve(&self, segs: Vec<Seg>) -> Option<Vec<Seg>> {
        let module = self.program.modules.get(self.module)?;
        let Some(Seg::Key(base)) = segs.first() else {
            return None;
        };
        let mut path: Vec<Seg> = if base == "data" {
            segs[1..].to_vec()
        } else if self.locals.contains(base) || base == "input" {
            return None;
        } else if let Some(target) = module.aliases.get(base) {
            target
                .iter()
                .cloned()
                .map(Seg::Key)
                .chain(segs[1..].iter().cloned())
                .collect()
        } else {
            module
                .package
                .iter()
                .cloned()
                .map(Seg::Key)
                .chain(segs.iter().cloned())
                .collect()
        };
        if let Some(cut) = path.iter().position(|s| matches!(s, Seg::Var(_))) {
            path.truncate(cut);
        }
        // (`data` itself holds every rule: `with data as …` in a rule is recursive to OPA.)
        (!path.is_empty() || base == "data").then_some(path)
    }
}

/// The strongly connected component of each node (Tarjan's algorithm, without recursion).
fn strongly_connected(edges: &[BTreeSet<usize>]) -> Vec<usize> {
    const NONE: usize = usize::MAX;
    let n = edges.len();
    let mut order = vec![NONE; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![NONE; n];
    let mut stack = Vec::new();
    let mut counter = 0;
    let mut components = 0;
    let adjacency: Vec<Vec<usize>> = edges.iter().map(|e| e.iter().copied().collect()).collect();
    for root in 0..n {
        if order[root] != NONE {
            continue;
        }
        // (node, next edge to follow)
        let mut calls = vec![(root, 0usize)];
        order[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut next)) = calls.last_mut() {
            if let Some(&to) = adjacency[node].get(*next) {
                *next += 1;
                if order[to] == NONE {
                    order[to] = counter;
                    low[to] = counter;
                    counter += 1;
                    stack.push(to);
                    on_stack[to] = true;
                    calls.push((to, 0));
                } else if on_stack[to] {
                    low[node] = low[node].min(order[to]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == order[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = components;
                    if member == node {
                        break;
                    }
                }
                components += 1;
            }
        }
    }
    component
}

/// The shortest path from `start` back to itself: `[start, …, start]`.
fn shortest_cycle(edges: &[BTreeSet<usize>], start: usize) -> Vec<usize> {
    let mut previous: Vec<Option<usize>> = vec![None; edges.len()];
    let mut queue = VecDeque::from([start]);
    let mut seen = vec![false; edges.len()];
    while let Some(node) = queue.pop_front() {
        for &to in &edges[node] {
            if to == start {
                let mut back = Vec::new();
                let mut at = node;
                while at != start {
                    back.push(at);
                    at = previous[at].unwrap_or(start);
                }
                back.reverse();
                return [start].into_iter().chain(back).chain([start]).collect();
            }
            if !seen[to] {
                seen[to] = true;
                previous[to] = Some(node);
                queue.push_back(to);
            }
        }
    }
    vec![start, start]
}

#[cfg(test)]
mod tests {
    use super::super::tests::expect_compile;

    #[test]
    fn recursion_as_opa_reports_it() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                "y := z\nz := y",
                Some(
                    "a.rego:2: rego_recursion_error: rule data.docker.y is recursive: data.docker.y -> data.docker.z -> data.docker.y",
                ),
            ),
            (
                "y := y + 1",
                Some(
                    "a.rego:2: rego_recursion_error: rule data.docker.y is recursive: data.docker.y -> data.docker.y",
                ),
            ),
            (
                "f(a) := f(a)",
                Some("rule data.docker.f is recursive: data.docker.f -> data.docker.f"),
            ),
            (
                "f(a) := g(a)\ng(a) := f(a)",
                Some(
                    "rule data.docker.f is recursive: data.docker.f -> data.docker.g -> data.docker.f",
                ),
            ),
            ("y := [1 | y[_]]", Some("data.docker.y -> data.docker.y")),
            (
                "y := 1 if { z with input as 1 }\nz if y",
                Some("data.docker.y -> data.docker.z -> data.docker.y"),
            ),
            ("y := data.docker.y", Some("data.docker.y -> data.docker.y")),
            ("y := data.docker", Some("data.docker.y -> data.docker.y")),
            (
                "y contains a if some a in y",
                Some("data.docker.y -> data.docker.y"),
            ),
            (
                "y := 1 if { true with data.docker.y as 2 }",
                Some("data.docker.y -> data.docker.y"),
            ),
            // `data` holds every rule (OPA's answers).
            (
                "y := 1 if { true with data as {} }",
                Some("data.docker.y -> data.docker.y"),
            ),
            ("y := 1 if { true with data.lib as {} }", None),
            (
                "a.b := 1 if a.c\na.c := 1 if a.b",
                Some("data.docker.a.b -> data.docker.a.c -> data.docker.a.b"),
            ),
            (
                "a.b := 1 if count(a) > 0",
                Some("data.docker.a.b -> data.docker.a.b"),
            ),
            (
                "import data.docker as d\ny := d.y",
                Some("data.docker.y -> data.docker.y"),
            ),
            // Not recursive.
            ("y := 1 if { y := 2 }", None),
            ("f(y) := y\ny := f(1)", None),
            ("a.b := 1\na.c := a.b", None),
            ("y := input.y\nz := y", None),
        ];
        for (module, want) in cases {
            expect_compile(&[module], *want);
        }
    }

    /// `with` replacing part of a rule's document is OPA's compile error (its answers).
    #[test]
    fn partial_replacement_as_opa_refuses_it() {
        let partial = Some("rego_compile_error: with keyword cannot partially replace virtual");
        let cases: &[(&str, Option<&str>)] = &[
            (
                "c := {\"r\": \"a\"}\nx if { c.r == \"b\" with data.docker.c.r as \"b\" }",
                partial,
            ),
            (
                "p[k] := 1 if some k in [\"a\"]\nx if { p.a == 2 with data.docker.p.a as 2 }",
                partial,
            ),
            (
                "c := {\"r\": \"a\"}\nr := c.r\nt if { r == \"b\" with data.docker.c.r as 1 }\nx := 1",
                partial,
            ),
            (
                "c := {\"r\": \"a\"}\nx if { c.r == \"b\" with data.docker.c as {\"r\": \"b\"} }",
                None,
            ),
            (
                "a.b := 1\nx if { a.b == 2 with data.docker.a.b as 2 }",
                None,
            ),
            (
                "x if { input.a == 1 with data.docker.nothing.here as 2 }",
                None,
            ),
        ];
        for (module, want) in cases {
            expect_compile(&[module], *want);
        }
    }
}
