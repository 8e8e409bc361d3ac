//! Source rewrites that give regorus OPA's meaning for constructs it evaluates differently.
//!
//! regorus evaluates the parsed module as written. OPA's compiler first rewrites it, and some
//! of those rewrites change what a policy means. The one that matters most for a policy
//! engine: before negating, OPA evaluates the *operands* of a negated expression outside the
//! negation (its `RewriteExprTerms` and `RewriteDynamicTerms` stages), so that
//!
//! ```rego
//! not input.image.tag in floating_tags
//! ```
//!
//! with no `tag` makes the body fail (`__local0__ = input.image.tag; not __local0__ in …`),
//! where negating the undefined expression would succeed: without this rewrite such a policy
//! allows in verdict what Buildx denies.
//!
//! The rewrite works on source text, guided by regorus's serialized AST (byte spans): each
//! operand OPA moves is replaced by a fresh variable, bound just before the negated literal
//! (`__verdict_rw_neg0__ := input.image.tag; not __verdict_rw_neg0__ in floating_tags`), with the
//! literal's `with` modifiers. Lines are not added or removed, so line numbers in errors,
//! prints and coverage stay those of the policy as written. See
//! `docs/rego-semantics.md` for the rules, one by one, with OPA's behaviour.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::{Error, Module};

/// The prefix of the variables the rewrite introduces; a policy cannot declare such names
/// without colliding, so `crate::template::expand` refuses policies that use it.
pub(crate) const VAR_PREFIX: &str = "__verdict_rw_";

/// What the rewrite needs to know about the module's neighbours: the names that are rules of
/// its package (in any module of the set) or import aliases — a bare variable of such a name,
/// unless declared locally, is a *reference* to OPA, and is moved like one.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    pub(crate) globals: BTreeSet<String>,
    /// The rules of the module's package (`globals` without the import aliases).
    pub(crate) rules: BTreeSet<String>,
    /// The module's package path (`docker`).
    pub(crate) package: String,
    /// The functions of the module's package.
    pub(crate) functions: BTreeSet<String>,
    /// Builtins some `with` of the package replaces (`with time.now_ns as 1`): every call of
    /// one becomes a call of a function of the package that calls it (`mock_function`), and
    /// the `with` replaces that function. regorus replaces its own builtins by values and
    /// functions, but not those verdict registers, and no builtin by another builtin.
    pub(crate) mocked: BTreeSet<String>,
    /// Builtins some `with` of the package gives as a replacement (`with upper as lower`):
    /// the `with` names a function of the package that calls it.
    pub(crate) replacements: BTreeSet<String>,
}

/// The function of the package that stands for builtin `name`: `kind` `c` where it is
/// called (a mocked builtin), `b` where it replaces another.
fn mock_function(kind: char, name: &str) -> String {
    format!("{VAR_PREFIX}{kind}_{}", name.replace('.', "_"))
}

/// The module that defines the functions of [`mock_function`] for one package.
fn mock_module(
    package: &str,
    mocked: &BTreeSet<String>,
    replacements: &BTreeSet<String>,
) -> Option<Module> {
    let mut source = format!("package {package}\n");
    for (kind, names) in [('c', mocked), ('b', replacements)] {
        for name in names {
            let arity = crate::check::builtin_arity(name)?;
            let args: Vec<String> = (0..arity).map(|i| format!("a{i}")).collect();
            let args = args.join(", ");
            source.push_str(&format!(
                "{}({args}) := {name}({args})\n",
                mock_function(kind, name)
            ));
        }
    }
    Some(Module {
        path: format!("{VAR_PREFIX}mock_{}.rego", package.replace('.', "_")),
        source,
    })
}

/// Every call of a builtin a `with` of the package replaces calls its stand-in instead.
fn mocked_calls(node: &Json, source: &str, scope: &Scope, edits: &mut Vec<Edit>) {
    match node {
        Json::Object(map) => {
            if let Some(call) = map.get("Call")
                && let Some(name) = builtin_ref(&call["fcn"], &scope.rules)
                && scope.mocked.contains(&name)
            {
                let (start, end) = expr_extent(source, &call["fcn"]);
                edits.push(Edit {
                    start,
                    end,
                    kind: EditKind::Text(mock_function('c', &name)),
                    order: 1,
                });
            }
            map.values()
                .for_each(|v| mocked_calls(v, source, scope, edits));
        }
        Json::Array(items) => items
            .iter()
            .for_each(|v| mocked_calls(v, source, scope, edits)),
        _ => {}
    }
}

/// A number literal with an exponent whose value is an integer (`1e3`, `-2.5E1`), written
/// as a double without one (`1000.0`, `-25.0`); `None` for any other literal.
fn exponent_integer(text: &str) -> Option<String> {
    let (mantissa, exponent) = text.split_once(['e', 'E'])?;
    let exponent: i64 = exponent.parse().ok()?;
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let scale = exponent - i64::try_from(fraction.len()).ok()?;
    if !(-400..=400).contains(&scale)
        || digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = digits.trim_start_matches('0');
    let integer = if digits.is_empty() {
        "0".to_owned()
    } else if scale >= 0 {
        format!(
            "{}{}",
            if digits.is_empty() { "0" } else { digits },
            "0".repeat(usize::try_from(scale).ok()?)
        )
    } else {
        let cut = usize::try_from(-scale).ok()?;
        let (head, tail) = digits.split_at(digits.len().saturating_sub(cut));
        if tail.bytes().any(|b| b != b'0') {
            return None;
        }
        if head.is_empty() {
            "0".to_owned()
        } else {
            head.to_owned()
        }
    };
    let sign = if negative { "-" } else { "" };
    // A double that is not read back as this integer (`1e300`, and `2^60e0` whose shortest text
    // is another integer): such a literal stays the integer, compared and computed exactly as
    // OPA does (`floor(1e300) < 1e300` is false). Below 2^63 it is refused before this
    // (`crate::builtins::opanum`), since integer operands would take it.
    let exact = crate::builtins::opanum::double_reads_back(&integer);
    Some(if exact {
        format!("{sign}{integer}.0")
    } else {
        format!("{sign}{integer}")
    })
}

/// The builtins called below `node`.
fn builtin_calls(node: &Json, rules: &BTreeSet<String>, out: &mut BTreeSet<String>) {
    match node {
        Json::Object(map) => {
            if let Some(call) = map.get("Call")
                && let Some(name) = builtin_ref(&call["fcn"], rules)
            {
                out.insert(name);
            }
            map.values().for_each(|v| builtin_calls(v, rules, out));
        }
        Json::Array(items) => items.iter().for_each(|v| builtin_calls(v, rules, out)),
        _ => {}
    }
}

/// Every `with` modifier below `node`.
fn with_mods<'a>(node: &'a Json, out: &mut Vec<&'a Json>) {
    match node {
        Json::Object(map) => {
            for (key, value) in map {
                if key == "with_mods" {
                    out.extend(value.as_array().into_iter().flatten());
                }
                with_mods(value, out);
            }
        }
        Json::Array(items) => items.iter().for_each(|v| with_mods(v, out)),
        _ => {}
    }
}

/// A reference that names a builtin (known arity, not a rule or function of the package).
fn builtin_ref(expr: &Json, rules: &BTreeSet<String>) -> Option<String> {
    let path = crate::check::ref_path(expr)?;
    let root = path.split('.').next().unwrap_or_default();
    if rules.contains(root) || matches!(root, "input" | "data") {
        return None;
    }
    crate::check::builtin_arity(&path).map(|_| path)
}

/// The names of the rules each module's package defines, by package path (`docker`, `lib.x`):
/// the first variable of every rule head.
pub(crate) fn rule_roots(module: &Json) -> BTreeSet<String> {
    let mut roots = BTreeSet::new();
    for rule in module["rules"].as_array().into_iter().flatten() {
        for head in [&rule["Spec"]["head"], &rule["Default"]] {
            let refr = head
                .as_object()
                .and_then(|h| h.values().next())
                .map(|v| &v["refr"])
                .unwrap_or(&Json::Null);
            let refr = if refr.is_null() { &head["refr"] } else { refr };
            if let Some(name) = root_var(refr) {
                roots.insert(name);
            }
        }
    }
    roots
}

/// The names of the functions a module defines (`f(x) := …`, `default f(_) := …`).
pub(crate) fn function_names(module: &Json) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for rule in module["rules"].as_array().into_iter().flatten() {
        if let Some(func) = rule["Spec"]["head"].get("Func")
            && let Some(name) = root_var(&func["refr"])
        {
            names.insert(name);
        }
        if let Some(default) = rule.get("Default")
            && default["args"].as_array().is_some_and(|a| !a.is_empty())
            && let Some(name) = root_var(&default["refr"])
        {
            names.insert(name);
        }
    }
    names
}

/// The import aliases of a module (`import input.image as img` → `img`, `import data.lib` →
/// `lib`).
pub(crate) fn import_aliases(module: &Json, source: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for import in module["imports"].as_array().into_iter().flatten() {
        if let Some(alias) = span_text(source, &import["as"]) {
            names.insert(alias.to_owned());
        } else if let Some(last) = last_field(&import["refr"]) {
            names.insert(last);
        }
    }
    names
}

fn last_field(refr: &Json) -> Option<String> {
    if let Some(dot) = refr.get("RefDot") {
        return dot["field"].get(1)?.as_str().map(str::to_owned);
    }
    if let Some(brack) = refr.get("RefBrack") {
        return brack["index"].get("String")?["value"]
            .as_str()
            .map(str::to_owned);
    }
    refr.get("Var")?["value"].as_str().map(str::to_owned)
}

fn root_var(refr: &Json) -> Option<String> {
    let (kind, node) = one_entry(refr)?;
    match kind {
        "Var" => node["value"].as_str().map(str::to_owned),
        "RefDot" | "RefBrack" => root_var(&node["refr"]),
        _ => None,
    }
}

/// Rewrites `source` (whose AST is `module`); `None` when nothing changes. Fails (with the
/// byte offset) on a unary minus before a parenthesis, which OPA does not parse.
pub(crate) fn rewrite_module(
    source: &str,
    module: &Json,
    scope: &Scope,
) -> Result<Option<String>, usize> {
    let mut pass = Pass {
        source,
        scope,
        edits: Vec::new(),
        next: 0,
        locals: Vec::new(),
        indexed: std::cell::RefCell::new(Vec::new()),
    };
    for rule in module["rules"].as_array().into_iter().flatten() {
        let Some(spec) = rule.get("Spec") else {
            continue;
        };
        pass.locals = vec![argument_names(rule)];
        for body in spec["bodies"].as_array().into_iter().flatten() {
            pass.query(&body["query"], true);
        }
        // Comprehensions in the head (`p := [x | …]`) and function arguments hold queries too.
        pass.walk_nested(&spec["head"]);
    }
    if !scope.mocked.is_empty() {
        mocked_calls(&module["rules"], source, scope, &mut pass.edits);
    }
    let mut refused = None;
    operators(&module["rules"], source, &mut pass.edits, &mut refused);
    if let Some(at) = refused {
        return Err(at);
    }
    if pass.edits.is_empty() {
        return Ok(None);
    }
    pass.edits
        .sort_by_key(|e| (e.start, std::cmp::Reverse(e.end), e.order));
    Ok(Some(render(
        source,
        0,
        source.len(),
        &pass.edits,
        Mode::Whole,
    )))
}

/// One change to the source: `[start, end)` becomes `text`, where a hoist's text is rendered
/// from the source (with the edits inside its spans) when the whole is rendered.
#[derive(Debug)]
struct Edit {
    start: usize,
    end: usize,
    kind: EditKind,
    /// Among edits at one position: lower first (an opening brace before the bindings).
    order: u8,
}

#[derive(Debug)]
enum EditKind {
    /// Replace the span by a fixed text (a brace, a rule's full path).
    Text(String),
    /// Replace an operand moved out of a negation by its variable (not when the operand
    /// itself is rendered, for its binding).
    Moved(String),
    /// Replace an operator expression by a call: `name(arg, …)`.
    Call {
        name: String,
        args: Vec<(usize, usize)>,
    },
    /// Insert, before a literal, `var := <span> <with>; ` for each operand moved.
    Bind {
        operands: Vec<(String, usize, usize)>,
        with: Option<(usize, usize)>,
    },
    /// Insert, before a literal, `var := [varv | varv := <span>]; ` (a `with` value computed
    /// ahead; see `Pass::held_with_values`).
    Held { var: String, span: (usize, usize) },
}

/// How a span is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The whole module.
    Whole,
    /// An operand moved out of a negation (or a `with` clause), for its binding: the operand's
    /// own replacement by its variable does not apply.
    Binding,
    /// An argument of a call edit; `own` when the call wraps exactly this span (`neg(x)`).
    Argument { own: bool },
}

/// `source[start..end]` with the edits inside applied. A zero-width edit at `end` (a closing
/// brace after the last operand of a body) belongs to the enclosing text unless the whole
/// module is rendered.
fn render(source: &str, start: usize, end: usize, edits: &[Edit], mode: Mode) -> String {
    let whole = mode == Mode::Whole;
    let mut out = String::with_capacity(end - start + 64);
    let mut cursor = start;
    for edit in edits {
        if edit.start < cursor || edit.end > end || edit.start < start {
            continue; // inside an edit already rendered, or outside this span
        }
        if (edit.start, edit.end) == (start, end) {
            match (&edit.kind, mode) {
                // The replacement of the operand being bound itself.
                (EditKind::Moved(_), Mode::Binding) => continue,
                // A call wrapping exactly this span, whose argument is being rendered.
                (EditKind::Call { args, .. }, Mode::Argument { own: true })
                    if args.as_slice() == [(start, end)] =>
                {
                    continue;
                }
                _ => {}
            }
        }
        if edit.start == end && !whole {
            continue;
        }
        out.push_str(&source[cursor..edit.start]);
        match &edit.kind {
            EditKind::Text(text) | EditKind::Moved(text) => out.push_str(text),
            EditKind::Call { name, args } => {
                // The text between the arguments (operators, comments) goes; its line breaks
                // stay, so that lines do not move.
                out.push_str(name);
                out.push('(');
                let mut gap = edit.start;
                for (i, (s, e)) in args.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&line_breaks(source, gap, *s));
                    if i > 0 {
                        out.push(' ');
                    }
                    let own = (*s, *e) == (edit.start, edit.end);
                    out.push_str(&render(source, *s, *e, edits, Mode::Argument { own }));
                    gap = *e;
                }
                out.push_str(&line_breaks(source, gap, edit.end));
                out.push(')');
            }
            EditKind::Held { var, span: (s, e) } => {
                // (On one line, so that lines do not move.)
                let value = render(source, *s, *e, edits, Mode::Binding).replace('\n', " ");
                out.push_str(&format!("{var} := [{var}v | {var}v := {value}]; "));
            }
            EditKind::Bind { operands, with } => {
                for (var, s, e) in operands {
                    out.push_str(var);
                    out.push_str(" := ");
                    out.push_str(&render(source, *s, *e, edits, Mode::Binding));
                    if let Some((ws, we)) = with {
                        out.push(' ');
                        out.push_str(&render(source, *ws, *we, edits, Mode::Binding));
                    }
                    out.push_str("; ");
                }
            }
        }
        cursor = edit.end;
    }
    out.push_str(&source[cursor..end]);
    out
}

struct Pass<'a> {
    source: &'a str,
    scope: &'a Scope,
    edits: Vec<Edit>,
    next: usize,
    /// The names declared in the scopes around the literal being rewritten, innermost last:
    /// the function's arguments, then each enclosing query's `some`, `some … in`, `:=`
    /// targets (and an `every`'s key and value). Such a name is a variable, never a
    /// reference to a rule of the same name.
    locals: Vec<BTreeSet<String>>,
    /// Indexes by a local variable found in the negated expression being rewritten (see
    /// `ref_parts`).
    indexed: std::cell::RefCell<Vec<Edit>>,
}

impl Pass<'_> {
    /// Rewrites every negated literal of `query` (and of the queries nested in it).
    /// `rule_body`: a rule body, which may be written without braces after `if`.
    fn query(&mut self, query: &Json, rule_body: bool) {
        self.locals.push(query_declarations(query, self.source));
        self.query_statements(query, rule_body);
        self.locals.pop();
    }

    fn is_local(&self, name: &str) -> bool {
        self.locals.iter().any(|scope| scope.contains(name))
    }

    fn query_statements(&mut self, query: &Json, rule_body: bool) {
        let mut bound_any = false;
        for stmt in query["stmts"].as_array().into_iter().flatten() {
            let literal = &stmt["literal"];
            bound_any |= self.held_with_values(stmt);
            if let Some(every) = literal.get("Every") {
                self.every_body(query, every);
            }
            if let Some(not) = literal.get("NotExpr") {
                let mut moved = Vec::new();
                self.negated(&not["expr"], &mut moved);
                let indexed = std::mem::take(&mut *self.indexed.borrow_mut());
                self.edits.extend(indexed);
                if !moved.is_empty() {
                    bound_any = true;
                    let with = with_span(stmt, self.source);
                    let operands = moved
                        .into_iter()
                        .map(|(s, e)| {
                            let var = format!("{VAR_PREFIX}neg{}__", self.next);
                            self.next += 1;
                            self.edits.push(Edit {
                                start: s,
                                end: e,
                                kind: EditKind::Moved(var.clone()),
                                order: 1,
                            });
                            (var, s, e)
                        })
                        .collect();
                    let at = span_start(&stmt["span"]);
                    self.edits.push(Edit {
                        start: at,
                        end: at,
                        kind: EditKind::Bind { operands, with },
                        order: 1,
                    });
                }
            }
            self.walk_nested(literal);
            for with in stmt["with_mods"].as_array().into_iter().flatten() {
                self.with_target(&with["refr"]);
                if let Some(name) = builtin_ref(&with["as"], &self.scope.rules)
                    && self.scope.replacements.contains(&name)
                {
                    let (start, end) = expr_extent(self.source, &with["as"]);
                    self.edits.push(Edit {
                        start,
                        end,
                        kind: EditKind::Text(mock_function('b', &name)),
                        order: 1,
                    });
                }
                self.walk_nested(with);
            }
        }
        if bound_any && rule_body {
            let (start, end) = (span_start(&query["span"]), span_end(&query["span"]));
            if self.source.as_bytes().get(start) != Some(&b'{') {
                self.edits.push(Edit {
                    start,
                    end: start,
                    kind: EditKind::Text("{ ".into()),
                    order: 0,
                });
                self.edits.push(Edit {
                    start: end,
                    end,
                    kind: EditKind::Text(" }".into()),
                    order: 2,
                });
            }
        }
    }

    /// `… with target as value` where the value reads a rule of the package, `data` or a
    /// function of the package: regorus clears its cache of rule values before it evaluates
    /// the value, so the rules the value reads are cached with their values outside the `with`,
    /// and the statement then reads those (`not r == "Q" with input.a.x as upper(r)`, `r :=
    /// input.a.x`, held where OPA, evaluating `r` again under the `with`, finds `"Q"`). The
    /// value is computed by a statement of its own just before, `__verdict_rw_wv0__ := [v | v :=
    /// value]` (outside a `not`, always defined), and the `with` reads `__verdict_rw_wv0__[0]`
    /// (undefined where the value is, as before). Whether any was.
    fn held_with_values(&mut self, stmt: &Json) -> bool {
        let mut held = false;
        for with in stmt["with_mods"].as_array().into_iter().flatten() {
            let value = &with["as"];
            // A function named as the replacement is not evaluated.
            if let Some(path) = crate::check::ref_path(value) {
                let name = path
                    .strip_prefix(&format!("data.{}.", self.scope.package))
                    .unwrap_or(&path);
                if self.scope.functions.contains(name) {
                    continue;
                }
            }
            let (s, e) = expr_extent(self.source, value);
            let text = &self.source[s..e];
            if !self.reads_rules(value) || (text.contains('\n') && text.contains('`')) {
                continue;
            }
            let var = format!("{VAR_PREFIX}wv{}__", self.next);
            self.next += 1;
            self.edits.push(Edit {
                start: s,
                end: e,
                kind: EditKind::Moved(format!("{var}[0]{}", line_breaks(self.source, s, e))),
                order: 1,
            });
            let at = span_start(&stmt["span"]);
            self.edits.push(Edit {
                start: at,
                end: at,
                kind: EditKind::Held { var, span: (s, e) },
                order: 1,
            });
            held = true;
        }
        held
    }

    /// Whether `node` reads a rule of the package (not shadowed by a local), `data`, or calls
    /// a function of the package.
    fn reads_rules(&self, node: &Json) -> bool {
        match one_entry(node) {
            Some(("Var", var)) => {
                let name = var["value"].as_str().unwrap_or_default();
                return (name == "data" || self.scope.globals.contains(name))
                    && !self.is_local(name);
            }
            Some(("Call", call)) => {
                if crate::check::ref_path(&call["fcn"]).is_some_and(|path| {
                    let name = path
                        .strip_prefix(&format!("data.{}.", self.scope.package))
                        .unwrap_or(&path);
                    self.scope.functions.contains(name) && !self.is_local(name)
                }) {
                    return true;
                }
                return self.reads_rules(&call["params"]);
            }
            _ => {}
        }
        match node {
            Json::Object(map) => map.iter().any(|(k, v)| k != "span" && self.reads_rules(v)),
            Json::Array(items) => items.iter().any(|v| self.reads_rules(v)),
            _ => false,
        }
    }

    /// `with r as …` where `r` is a rule of the package: OPA resolves the target to the rule
    /// (`data.docker.r`); regorus looks for a rule named by the path as written, finds none
    /// and fails ("undefined rule"), so the target is written out in full.
    fn with_target(&mut self, refr: &Json) {
        if let Some(name) = builtin_ref(refr, &self.scope.rules)
            && self.scope.mocked.contains(&name)
        {
            let (start, end) = expr_extent(self.source, refr);
            self.edits.push(Edit {
                start,
                end,
                kind: EditKind::Text(mock_function('c', &name)),
                order: 1,
            });
            return;
        }
        // `with data.docker.f as g`, `f` a function of the package: regorus replaces a function
        // only when named as called (`with f as g`); it ignored the full path.
        if let Some(path) = crate::check::ref_path(refr)
            && let Some(name) = path
                .strip_prefix(&format!("data.{}.", self.scope.package))
                .filter(|n| self.scope.functions.contains(*n))
        {
            let (start, end) = expr_extent(self.source, refr);
            self.edits.push(Edit {
                start,
                end,
                kind: EditKind::Text(name.to_owned()),
                order: 1,
            });
            return;
        }
        let mut root = refr;
        while let Some((kind, node)) = one_entry(root) {
            match kind {
                "RefDot" | "RefBrack" => root = &node["refr"],
                "Var" => {
                    let name = node["value"].as_str().unwrap_or_default();
                    if self.scope.rules.contains(name)
                        && !self.scope.functions.contains(name)
                        && !self.is_local(name)
                    {
                        let (start, end) = span_of(node);
                        self.edits.push(Edit {
                            start,
                            end,
                            kind: EditKind::Text(format!("data.{}.{name}", self.scope.package)),
                            order: 1,
                        });
                    }
                    return;
                }
                _ => return,
            }
        }
    }

    /// Finds the queries nested anywhere below `node` (comprehensions, `every`) and rewrites
    /// them.
    fn walk_nested(&mut self, node: &Json) {
        match node {
            Json::Object(map) => {
                for (key, value) in map {
                    match key.as_str() {
                        "ArrayCompr" | "SetCompr" | "ObjectCompr" | "Every" => {
                            let mut bound = BTreeSet::new();
                            if key == "Every" {
                                for part in ["key", "value"] {
                                    if let Some(text) = span_text(self.source, &value[part]) {
                                        bound.insert(text.to_owned());
                                    }
                                }
                            }
                            self.locals.push(bound);
                            self.query(&value["query"], false);
                            self.locals.pop();
                            for (k, v) in value.as_object().into_iter().flatten() {
                                if k != "query" {
                                    self.walk_nested(v);
                                }
                            }
                        }
                        _ => self.walk_nested(value),
                    }
                }
            }
            Json::Array(items) => items.iter().for_each(|v| self.walk_nested(v)),
            _ => {}
        }
    }

    /// An `every` body as OPA runs it: regorus analyses it as a scope of its own, so it takes a
    /// name of the enclosing body (or the `every`'s key or value) as unbound there. Two
    /// constructs then mean something else:
    ///
    /// * `x = v` where every name is bound outside the body (`every r in repos { r = "a" }`)
    ///   binds a new `r` in regorus (always true); OPA compares. It becomes `x == v`.
    /// * `input.a[i]`, `i` a name of the enclosing body, iterates `i` in regorus where OPA
    ///   reads the value `i` has (the `every` waits for the statement binding `i`). It becomes
    ///   `__verdict_rw_index(input.a, i)`, which reads `i`: regorus then runs the body once
    ///   `i` is bound, or fails ("var i is unsafe") when the statement binding it comes after
    ///   the `every` — an error, where it answered as if `i` ranged over every key.
    fn every_body(&mut self, enclosing: &Json, every: &Json) {
        let query = &every["query"];
        let mut kv = BTreeSet::new();
        for part in ["key", "value"] {
            if let Some(text) = span_text(self.source, &every[part]) {
                kv.insert(text.to_owned());
            }
        }
        let own = query_declarations(query, self.source);
        let mut outer = BTreeSet::new();
        for stmt in enclosing["stmts"].as_array().into_iter().flatten() {
            vars_outside_closures(&stmt["literal"], &mut outer);
        }
        for scope in &self.locals {
            outer.extend(scope.iter().cloned());
        }
        outer.retain(|n| n != "_" && !kv.contains(n) && !own.contains(n));
        let bound: BTreeSet<String> = outer.iter().chain(&kv).cloned().collect();
        self.every_nodes(query, &outer, &bound);
    }

    /// The edits of [`Pass::every_body`] below `node` (comprehensions and `every` bodies
    /// inside included; negated statements are the negation rewrite's).
    fn every_nodes(&mut self, node: &Json, outer: &BTreeSet<String>, bound: &BTreeSet<String>) {
        match node {
            Json::Object(map) => {
                if map.contains_key("NotExpr") {
                    return;
                }
                if let Some(assign) = map.get("AssignExpr")
                    && assign["op"] == "Eq"
                {
                    let mut names = BTreeSet::new();
                    vars_outside_closures(&assign["lhs"], &mut names);
                    vars_outside_closures(&assign["rhs"], &mut names);
                    let known = |n: &String| {
                        bound.contains(n) || (self.scope.globals.contains(n) && !self.is_local(n))
                    };
                    if names.iter().any(|n| bound.contains(n)) && names.iter().all(known) {
                        let (_, lhs_end) = expr_extent(self.source, &assign["lhs"]);
                        let (rhs_start, _) = expr_extent(self.source, &assign["rhs"]);
                        if let Some(at) = self
                            .source
                            .get(lhs_end..rhs_start)
                            .and_then(|gap| gap.find('='))
                        {
                            self.edits.push(Edit {
                                start: lhs_end + at,
                                end: lhs_end + at + 1,
                                kind: EditKind::Text("==".into()),
                                order: 2,
                            });
                        }
                    }
                }
                if let Some(brack) = map.get("RefBrack")
                    && let Some(("Var", var)) = one_entry(&brack["index"])
                    && var["value"].as_str().is_some_and(|n| outer.contains(n))
                {
                    let args = vec![expr_extent(self.source, &brack["refr"]), span_of(var)];
                    self.edits
                        .push(call_edit(self.source, "RefBrack", brack, "index", args));
                }
                for value in map.values() {
                    self.every_nodes(value, outer, bound);
                }
            }
            Json::Array(items) => items.iter().for_each(|v| self.every_nodes(v, outer, bound)),
            _ => {}
        }
    }

    /// The negated expression itself: which operands OPA evaluates before negating.
    fn negated(&self, expr: &Json, moved: &mut Vec<(usize, usize)>) {
        let Some((kind, node)) = one_entry(expr) else {
            return;
        };
        match kind {
            // `=` and `==` (OPA rewrites `==` to unification first): each side keeps its
            // reference, only the dynamic parts inside it move.
            "AssignExpr" if node["op"] == "Eq" => {
                self.in_term(&node["lhs"], moved);
                self.in_term(&node["rhs"], moved);
            }
            "BoolExpr" if node["op"] == "Eq" => {
                self.in_term(&node["lhs"], moved);
                self.in_term(&node["rhs"], moved);
            }
            "AssignExpr" => {} // `:=` under `not` is a compile error
            // Calls (operators are calls): every argument moves.
            "BoolExpr" | "ArithExpr" | "BinExpr" => {
                self.operand(&node["lhs"], moved);
                self.operand(&node["rhs"], moved);
            }
            "Membership" => {
                if !node["key"].is_null() {
                    self.operand(&node["key"], moved);
                }
                self.operand(&node["value"], moved);
                self.operand(&node["collection"], moved);
            }
            "Call" => {
                for param in node["params"].as_array().into_iter().flatten() {
                    self.operand(param, moved);
                }
            }
            // `not -x`: the call term is moved whole.
            "UnaryExpr" => self.operand(expr, moved),
            _ => self.in_term(expr, moved),
        }
    }

    /// A term whose own reference stays where it is: only what it indexes by moves.
    fn in_term(&self, expr: &Json, moved: &mut Vec<(usize, usize)>) {
        let Some((kind, _)) = one_entry(expr) else {
            return;
        };
        match kind {
            "RefDot" | "RefBrack" => self.ref_parts(expr, moved),
            "Var" | "ArrayCompr" | "SetCompr" | "ObjectCompr" => {}
            _ => self.operand(expr, moved),
        }
    }

    /// The index parts of a reference chain (and a call it is rooted at).
    fn ref_parts(&self, expr: &Json, moved: &mut Vec<(usize, usize)>) {
        let Some((kind, node)) = one_entry(expr) else {
            return;
        };
        match kind {
            "RefDot" => self.ref_parts(&node["refr"], moved),
            "RefBrack" => {
                self.ref_parts(&node["refr"], moved);
                // A local variable as an index moves too: regorus takes `not input.a[k]` as
                // binding `k` and runs it before the statement that binds `k` (OPA runs it
                // after), iterating where OPA tests one key.
                // A local variable as an index: regorus takes `not input.a[k]` as binding `k`
                // and may run it before the statement that binds `k` (OPA runs it after),
                // iterating where OPA tests one key. As a call's argument `k` is only read:
                // `not __verdict_rw_index(input.a, k)`.
                match one_entry(&node["index"]) {
                    Some(("Var", var))
                        if var["value"].as_str().is_some_and(|n| {
                            n != "_" && (!self.scope.globals.contains(n) || self.is_local(n))
                        }) =>
                    {
                        let args = vec![expr_extent(self.source, &node["refr"]), span_of(var)];
                        let edit = call_edit(self.source, "RefBrack", node, "index", args);
                        self.indexed.borrow_mut().push(edit);
                    }
                    _ => self.operand(&node["index"], moved),
                }
            }
            "Var" => {}
            _ => self.operand(expr, moved),
        }
    }

    /// An operand of a call: references and nested calls move; composites move their parts.
    fn operand(&self, expr: &Json, moved: &mut Vec<(usize, usize)>) {
        let Some((kind, node)) = one_entry(expr) else {
            return;
        };
        match kind {
            "Var" => {
                let name = node["value"].as_str().unwrap_or_default();
                if self.is_reference(name) {
                    moved.push(span_of(node));
                }
            }
            "RefDot" | "RefBrack" | "Call" | "BoolExpr" | "ArithExpr" | "BinExpr"
            | "Membership" => moved.push(extent(self.source, kind, node)),
            // `-1` is a number; `-x` is a call.
            "UnaryExpr" if one_entry(&node["expr"]).is_some_and(|(k, _)| k != "Number") => {
                moved.push(extent(self.source, kind, node));
            }
            "Array" | "Set" => {
                for item in node["items"].as_array().into_iter().flatten() {
                    self.operand(item, moved);
                }
            }
            "Object" => {
                for field in node["fields"].as_array().into_iter().flatten() {
                    // (span, key, value)
                    if let Some(parts) = field.as_array() {
                        for part in parts.iter().skip(1) {
                            self.operand(part, moved);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// A bare variable OPA resolves to a reference: a rule of the package or an import alias
    /// (`input` and `data` are always defined, moving them changes nothing).
    fn is_reference(&self, name: &str) -> bool {
        self.scope.globals.contains(name) && !self.is_local(name)
    }
}

/// Every arithmetic and set operator, and unary minus of anything but a number, becomes a
/// call of verdict's operator builtins (`crate::builtins::arith`): OPA's operators are
/// builtins, so a wrong operand type is an undefined expression (non-strict), not an error,
/// and their numbers are decimal.
fn operators(node: &Json, source: &str, edits: &mut Vec<Edit>, refused: &mut Option<usize>) {
    match node {
        Json::Object(map) => {
            for (key, value) in map {
                // A statement that is `x in c` (or `not x in c`): regorus's false for an
                // undefined operand fails it as OPA's undefined does, and the negation
                // rewrite has moved a negated one's operands (`member2` below is for the
                // others).
                if matches!(key.as_str(), "Expr" | "NotExpr")
                    && let Some(membership) = value["expr"].get("Membership")
                    && membership["key"].is_null()
                {
                    operators(membership, source, edits, refused);
                    if let Json::Object(fields) = value {
                        for (field, inner) in fields {
                            if field != "expr" {
                                operators(inner, source, edits, refused);
                            }
                        }
                    }
                    continue;
                }
                let op = match key.as_str() {
                    "ArithExpr" => match value["op"].as_str() {
                        Some("Add") => Some("plus"),
                        Some("Sub") => Some("minus"),
                        Some("Mul") => Some("mul"),
                        Some("Div") => Some("div"),
                        Some("Mod") => Some("rem"),
                        _ => None,
                    },
                    // OPA orders objects before sets, regorus after: an ordering between two
                    // operands neither of which is a literal scalar or array is OPA's.
                    "BoolExpr"
                        if !ordered_literal(&value["lhs"]) && !ordered_literal(&value["rhs"]) =>
                    {
                        match value["op"].as_str() {
                            Some("Lt") => Some("lt"),
                            Some("Le") => Some("le"),
                            Some("Gt") => Some("gt"),
                            Some("Ge") => Some("ge"),
                            _ => None,
                        }
                    }
                    "BinExpr" => match value["op"].as_str() {
                        Some("Union") => Some("or"),
                        Some("Intersection") => Some("and"),
                        _ => None,
                    },
                    _ => None,
                };
                // `k, v in c`: regorus holds it when the key is absent and the value undefined,
                // and never for a set; OPA's `internal.member_3` (verdict's own).
                // `some x in c` over a value that is no collection: OPA iterates nothing;
                // regorus fails the evaluation.
                if key == "SomeIn" {
                    let (start, end) = expr_extent(source, &value["collection"]);
                    edits.push(Edit {
                        start,
                        end,
                        kind: EditKind::Call {
                            name: format!("{VAR_PREFIX}collection"),
                            args: vec![(start, end)],
                        },
                        order: 2,
                    });
                }
                // `1e3`: an integer to regorus, a number with an exponent to OPA, whose
                // integer operands refuse it; as a double here, refused alike
                // (`crate::builtins::bounded::int_operand`).
                if key == "Number"
                    && let Some((start, end)) = Some(expr_extent(source, node))
                    && let Some(text) = source.get(start..end).and_then(exponent_integer)
                {
                    edits.push(Edit {
                        start,
                        end,
                        kind: EditKind::Text(text),
                        order: 2,
                    });
                }
                // `x in c` inside an expression (`v := x in c`, `f(x in c)`, a rule's value):
                // regorus gives false when `x` or `c` is undefined, OPA's `internal.member_2`
                // is not called then and the expression is undefined (`default floating :=
                // true; floating := input.image.tag in tags` with no tag: true in OPA).
                let operands = |parts: &[&str]| {
                    parts
                        .iter()
                        .map(|part| expr_extent(source, &value[*part]))
                        .collect()
                };
                if key == "Membership" && value["key"].is_null() {
                    let args = operands(&["value", "collection"]);
                    edits.push(call_edit(source, key, value, "member2", args));
                }
                if key == "Membership" && !value["key"].is_null() {
                    let args = operands(&["key", "value", "collection"]);
                    edits.push(call_edit(source, key, value, "member3", args));
                } else if let Some(op) = op {
                    let args = operands(&["lhs", "rhs"]);
                    edits.push(call_edit(source, key, value, op, args));
                } else if key == "UnaryExpr"
                    && let Some(after) = source.get(span_start(&value["span"]) + 1..)
                    && (after
                        .trim_start()
                        .starts_with(['(', '[', '{', '"', '`', '-'])
                        || ["true", "false", "null"].iter().any(|w| {
                            after.trim_start().strip_prefix(w).is_some_and(|rest| {
                                !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_')
                            })
                        }))
                {
                    // OPA parses a minus before a number, a variable, a reference or a call
                    // only: "unexpected ( token: expected number".
                    refused.get_or_insert(span_start(&value["span"]));
                } else if key == "UnaryExpr"
                    && one_entry(&value["expr"]).is_some_and(|(k, _)| k != "Number")
                {
                    // regorus applies a unary minus to the whole infix expression after it
                    // (`-a + 1` as `-(a + 1)`); OPA to its first operand. The minus goes to
                    // the leftmost operand.
                    let mut leaf = &value["expr"];
                    while let Some((kind, node)) = one_entry(leaf)
                        && matches!(kind, "ArithExpr" | "BoolExpr" | "BinExpr")
                    {
                        leaf = &node["lhs"];
                    }
                    let (start, end) = expr_extent(source, leaf);
                    let minus = span_start(&value["span"]);
                    let inner = expr_extent(source, &value["expr"]).0;
                    edits.push(Edit {
                        start: minus,
                        end: inner,
                        kind: EditKind::Text(line_breaks(source, minus, inner)),
                        order: 2,
                    });
                    edits.push(Edit {
                        start,
                        end,
                        kind: EditKind::Call {
                            name: format!("{VAR_PREFIX}neg"),
                            args: vec![(start, end)],
                        },
                        order: 3,
                    });
                }
                operators(value, source, edits, refused);
            }
        }
        Json::Array(items) => items
            .iter()
            .for_each(|v| operators(v, source, edits, refused)),
        _ => {}
    }
}

/// The edit that replaces the expression `node` (a `kind`) by a call of verdict's function
/// `name` (`__verdict_rw_<name>`) with the source spans `args` as its arguments.
fn call_edit(source: &str, kind: &str, node: &Json, name: &str, args: Vec<(usize, usize)>) -> Edit {
    let (start, end) = extent(source, kind, node);
    Edit {
        start,
        end,
        kind: EditKind::Call {
            name: format!("{VAR_PREFIX}{name}"),
            args,
        },
        order: 2,
    }
}

/// An operand whose place in the order of values is the same in OPA and regorus whatever
/// the other operand is: a literal scalar or array.
fn ordered_literal(expr: &Json) -> bool {
    one_entry(expr).is_some_and(|(kind, _)| {
        matches!(
            kind,
            "Number" | "String" | "RawString" | "Bool" | "Null" | "Array" | "ArrayCompr"
        )
    })
}

/// The variables of a function's arguments.
fn argument_names(rule: &Json) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    if let Some(args) = rule["Spec"]["head"]["Func"]["args"].as_array() {
        for arg in args {
            vars_outside_closures(arg, &mut names);
        }
    }
    names
}

/// The names one query declares in its own statements (not in the queries nested in them):
/// `some x`, `some k, v in …`, and `:=` targets.
fn query_declarations(query: &Json, source: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for stmt in query["stmts"].as_array().into_iter().flatten() {
        let literal = &stmt["literal"];
        if let Some(some) = literal.get("SomeVars") {
            for var in some["vars"].as_array().into_iter().flatten() {
                if let Some(text) = span_text(source, var) {
                    names.insert(text.to_owned());
                }
            }
        } else if let Some(some) = literal.get("SomeIn") {
            vars_outside_closures(&some["key"], &mut names);
            vars_outside_closures(&some["value"], &mut names);
        } else if let Some(assign) = literal["Expr"]["expr"].get("AssignExpr")
            && assign["op"] == "ColEq"
        {
            vars_outside_closures(&assign["lhs"], &mut names);
        }
    }
    names
}

/// The variables of `node` outside comprehensions and `every` bodies (a pattern's or an
/// argument's: all of them).
fn vars_outside_closures(node: &Json, names: &mut BTreeSet<String>) {
    match node {
        Json::Object(map) => {
            if let Some(var) = map.get("Var") {
                if let Some(name) = var["value"].as_str() {
                    names.insert(name.to_owned());
                }
                return;
            }
            for (key, value) in map {
                match key.as_str() {
                    "ArrayCompr" | "SetCompr" | "ObjectCompr" => {}
                    "Every" => vars_outside_closures(&value["domain"], names),
                    _ => vars_outside_closures(value, names),
                }
            }
        }
        Json::Array(items) => items.iter().for_each(|v| vars_outside_closures(v, names)),
        _ => {}
    }
}

/// The `with` modifiers of a literal statement, as one span. regorus ends a string's span
/// before its closing quote, so a value that is a string gets its quote back.
fn with_span(stmt: &Json, source: &str) -> Option<(usize, usize)> {
    let mods = stmt["with_mods"].as_array()?;
    let first = mods.first()?;
    let last = mods.last()?;
    let mut end = span_end(&last["span"]).max(span_end(&stmt["span"]));
    let is_string = one_entry(&last["as"]).is_some_and(|(k, _)| k == "String" || k == "RawString");
    if is_string && matches!(source.as_bytes().get(end), Some(b'"' | b'`')) {
        end += 1;
    }
    Some((span_start(&first["span"]), end))
}

/// `{"Kind": {…}}` → `("Kind", {…})`.
fn one_entry(expr: &Json) -> Option<(&str, &Json)> {
    let map = expr.as_object()?;
    if map.len() != 1 {
        return None;
    }
    map.iter().next().map(|(k, v)| (k.as_str(), v))
}

/// The line breaks of `source[start..end]` (nothing when `end <= start`).
fn line_breaks(source: &str, start: usize, end: usize) -> String {
    source
        .get(start..end.max(start))
        .unwrap_or_default()
        .matches('\n')
        .map(|_| "\n")
        .collect()
}

/// The source extent of an expression given as `{"Kind": {…, "span": …}}` (see [`extent`]).
fn expr_extent(source: &str, expr: &Json) -> (usize, usize) {
    one_entry(expr).map_or((0, 0), |(kind, node)| extent(source, kind, node))
}

/// Where an expression's text really begins and ends. regorus's spans are not always its
/// extent: a string's span leaves out its quotes (so an expression ending in a string ends
/// before the closing quote) and an object's begins at its last key. The extent covers the
/// node's own span and its children's extents, a string's quotes, and an object's `{`.
fn extent(source: &str, kind: &str, node: &Json) -> (usize, usize) {
    let (mut start, mut end) = span_of(node);
    let bytes = source.as_bytes();
    if matches!(kind, "String" | "RawString") {
        if start > 0 && matches!(bytes.get(start - 1), Some(b'"' | b'`')) {
            start -= 1;
        }
        if matches!(bytes.get(end), Some(b'"' | b'`')) {
            end += 1;
        }
        return (start, end);
    }
    // `set()`: regorus's span runs on over the token after it.
    if kind == "Set"
        && node["items"].as_array().is_some_and(Vec::is_empty)
        && let Some(rest) = source.get(start..)
        && rest.starts_with("set(")
        && let Some(close) = rest.find(')')
    {
        return (start, start + close + 1);
    }
    let mut children = Vec::new();
    child_exprs(node, &mut children);
    // An object's own span is not its text (it may begin at its last key, or at a brace
    // before the object): with fields, the object is its fields within the braces around them.
    let object = kind == "Object" && !children.is_empty();
    if object {
        (start, end) = (usize::MAX, 0);
    }
    for (child_kind, child) in children {
        let (s, e) = extent(source, child_kind, child);
        start = start.min(s);
        end = end.max(e);
    }
    if object {
        let before = source.get(..start).unwrap_or_default().trim_end();
        if before.ends_with('{') {
            start = before.len() - 1;
        }
        let after = source.get(end..).unwrap_or_default();
        let trimmed = after.trim_start();
        if let Some(rest) = trimmed
            .strip_prefix(',')
            .map(str::trim_start)
            .or(Some(trimmed))
            && rest.starts_with('}')
        {
            end = source.len() - rest.len() + 1;
        }
    }
    (start, end)
}

/// The expressions directly below a node (in its fields, lists and object fields).
fn child_exprs<'a>(node: &'a Json, out: &mut Vec<(&'a str, &'a Json)>) {
    match node {
        Json::Object(map) => {
            for (key, value) in map {
                if key == "span" {
                    continue;
                }
                match value {
                    Json::Object(inner) if inner.len() == 1 => {
                        if let Some((kind, child)) = inner.iter().next()
                            && child.get("span").is_some()
                        {
                            out.push((kind.as_str(), child));
                            continue;
                        }
                        child_exprs(value, out);
                    }
                    Json::Array(_) | Json::Object(_) => child_exprs(value, out),
                    _ => {}
                }
            }
        }
        Json::Array(items) => {
            for item in items {
                match item {
                    Json::Object(inner) if inner.len() == 1 => {
                        if let Some((kind, child)) = inner.iter().next()
                            && child.get("span").is_some()
                        {
                            out.push((kind.as_str(), child));
                            continue;
                        }
                        child_exprs(item, out);
                    }
                    Json::Array(_) | Json::Object(_) => child_exprs(item, out),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

fn span_of(node: &Json) -> (usize, usize) {
    (span_start(&node["span"]), span_end(&node["span"]))
}

fn span_start(span: &Json) -> usize {
    span["start"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
}

fn span_end(span: &Json) -> usize {
    span["end"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
}

fn span_text<'a>(source: &'a str, span: &Json) -> Option<&'a str> {
    let (start, end) = (span["start"].as_u64()?, span["end"].as_u64()?);
    source.get(usize::try_from(start).ok()?..usize::try_from(end).ok()?)
}

/// Rewrites the modules of one set (`ast`: regorus's serialized AST of `modules`, in order).
/// Returns the modules to compile instead, or `None` when none changes. (Names with the
/// rewrites' prefix in a policy are refused before, by `crate::template::expand`.)
pub(crate) fn rewrite_set(ast: &Json, modules: &[Module]) -> Result<Option<Vec<Module>>, Error> {
    let policies = ast.as_array().cloned().unwrap_or_default();
    let package_of = |policy: &Json| {
        crate::check::ref_path(&policy["ast"]["package"]["refr"]).unwrap_or_default()
    };
    let mut rules: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for policy in &policies {
        rules
            .entry(package_of(policy))
            .or_default()
            .extend(rule_roots(&policy["ast"]));
    }
    // Builtins replaced by a `with`, and builtins given as replacements, by package.
    let mut mocks: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for policy in &policies {
        let package = package_of(policy);
        let own = rules.get(&package).cloned().unwrap_or_default();
        let mut mods = Vec::new();
        with_mods(&policy["ast"]["rules"], &mut mods);
        let functions = function_names(&policy["ast"]);
        for with in mods {
            let target = builtin_ref(&with["refr"], &own);
            let function = crate::check::ref_path(&with["refr"]).is_some_and(|p| {
                functions.contains(p.trim_start_matches(&format!("data.{package}.")))
            });
            if target.is_none() && !function {
                continue;
            }
            let entry = mocks.entry(package.clone()).or_default();
            entry.0.extend(target);
            if let Some(replacement) = builtin_ref(&with["as"], &own) {
                entry.1.insert(replacement);
            }
        }
    }
    // A `with` reaches the calls of its own package only (each package calls its own stand-in):
    // one that would have to reach calls in another package is refused (KNOWN-DIFFERENCES
    // row 28), fail closed.
    for (policy, module) in policies.iter().zip(modules) {
        let package = package_of(policy);
        let own = rules.get(&package).cloned().unwrap_or_default();
        let mut called = BTreeSet::new();
        builtin_calls(&policy["ast"]["rules"], &own, &mut called);
        for (other, (mocked, _)) in &mocks {
            if *other == package {
                continue;
            }
            if let Some(name) = mocked.intersection(&called).next() {
                return Err(Error::MalformedPolicy {
                    path: module.path.clone(),
                    message: format!(
                        "{}: a `with` in package {other} replaces `{name}`, which this module \
                         (package {package}) calls: verdict replaces a builtin in the `with`'s own \
                         package only (KNOWN-DIFFERENCES.md row 28)",
                        module.path
                    ),
                });
            }
        }
    }
    let mut out = Vec::with_capacity(modules.len() + mocks.len());
    let mut changed = false;
    for (policy, module) in policies.iter().zip(modules) {
        let package = package_of(policy);
        let own = rules.get(&package).cloned().unwrap_or_default();
        let functions = policies
            .iter()
            .filter(|p| package_of(p) == package)
            .flat_map(|p| function_names(&p["ast"]))
            .collect();
        let (mocked, replacements) = mocks.get(&package).cloned().unwrap_or_default();
        let mut scope = Scope {
            globals: own.clone(),
            rules: own,
            package,
            functions,
            mocked,
            replacements,
        };
        scope
            .globals
            .extend(import_aliases(&policy["ast"], &module.source));
        let rewritten = rewrite_module(&module.source, &policy["ast"], &scope).map_err(|at| {
            let line = 1 + module.source[..at.min(module.source.len())]
                .matches('\n')
                .count();
            Error::MalformedPolicy {
                path: module.path.clone(),
                message: format!(
                    "{}:{line}: a unary minus before a parenthesis, another minus, a string, a collection, true, false or null: expected a number, a variable, a reference or a call (as OPA)",
                    module.path
                ),
            }
        })?;
        match rewritten {
            Some(source) => {
                changed = true;
                out.push(Module {
                    path: module.path.clone(),
                    source,
                });
            }
            None => out.push(module.clone()),
        }
    }
    for (package, (mocked, replacements)) in &mocks {
        if let Some(module) = mock_module(package, mocked, replacements) {
            out.push(module);
            changed = true;
        }
    }
    Ok(changed.then_some(out))
}

/// The sources a set compiles from after the rewrites (the input sources where nothing
/// changes), for inspection: `verdict`'s developers and the fuzz target read what regorus is
/// given. Fails as compiling would (a module that does not parse, a reserved name).
#[doc(hidden)]
pub fn rewritten_sources(modules: &[Module]) -> Result<Vec<Module>, Error> {
    let mut engine = regorus::Engine::new();
    engine.set_rego_v0(false);
    let mut expanded = Vec::with_capacity(modules.len());
    for module in modules {
        let source = crate::template::expand(module)?.unwrap_or_else(|| module.source.clone());
        expanded.push(Module {
            path: module.path.clone(),
            source,
        });
    }
    let modules = &expanded;
    for module in modules {
        engine
            .add_policy(module.path.clone(), module.source.clone())
            .map_err(|e| Error::MalformedPolicy {
                path: module.path.clone(),
                message: e.to_string(),
            })?;
    }
    let first = modules.first().map(|m| m.path.as_str()).unwrap_or_default();
    let ast = crate::check::parsed_ast(&mut engine, first)?;
    Ok(rewrite_set(&ast, modules)?.unwrap_or_else(|| modules.to_vec()))
}
