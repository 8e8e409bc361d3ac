//! A view of regorus's serialized AST shared by the checks: the modules with their packages and
//! imports, and every rule with the path it defines.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::{Error, Module};

/// The modules of one policy set and their rules.
pub(super) struct Program<'a> {
    pub(super) modules: Vec<ModuleView<'a>>,
    pub(super) rules: Vec<RuleView<'a>>,
}

/// One module: where it comes from, its package and its import aliases.
pub(super) struct ModuleView<'a> {
    pub(super) path: &'a str,
    pub(super) source: &'a str,
    /// The package's path without `data` (`["docker"]`).
    pub(super) package: Vec<String>,
    pub(super) package_line: u32,
    /// `import data.x.y as z`: `z` ↦ `["x", "y"]`; `import data.lib`: `lib` ↦ `["lib"]`.
    pub(super) aliases: BTreeMap<String, Vec<String>>,
    /// `import input.x as y`: `y` (a reference into the input, bound like `input`).
    pub(super) input_aliases: BTreeSet<String>,
}

/// One segment of a rule's path: a fixed key, or a variable (`a[k] := …`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Seg {
    Key(String),
    Var(String),
}

/// Whether a rule gives one value (`:=`, `if`, functions) or many (`contains`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Kind {
    Single,
    Multi,
}

/// One rule (one definition; `else` branches belong to it).
pub(super) struct RuleView<'a> {
    pub(super) module: usize,
    /// The rule's node: the inside of `Spec` or `Default`.
    pub(super) node: &'a Json,
    pub(super) default: bool,
    /// The full path: the package's segments, then the head's.
    pub(super) segs: Vec<Seg>,
    pub(super) kind: Kind,
    /// The argument count of a function; `None` for other rules.
    pub(super) arity: Option<usize>,
    pub(super) line: u32,
}

impl<'a> Program<'a> {
    /// The view of `ast` (regorus's `[{source, ast}]`), whose entries are `modules` in order.
    pub(super) fn new(ast: &'a Json, modules: &'a [Module]) -> Self {
        let mut views = Vec::new();
        let mut rules = Vec::new();
        for (index, entry) in ast.as_array().into_iter().flatten().enumerate() {
            let module = &entry["ast"];
            let (path, source) = modules
                .get(index)
                .map_or(("", ""), |m| (m.path.as_str(), m.source.as_str()));
            let package = ref_segs(&module["package"]["refr"])
                .unwrap_or_default()
                .into_iter()
                .map(|s| match s {
                    Seg::Key(k) | Seg::Var(k) => k,
                })
                .collect::<Vec<_>>();
            let mut aliases = BTreeMap::new();
            let mut input_aliases = BTreeSet::new();
            for import in module["imports"].as_array().into_iter().flatten() {
                let Some(segs) = ref_segs(&import["refr"]) else {
                    continue;
                };
                let keys: Vec<String> = segs
                    .into_iter()
                    .map(|s| match s {
                        Seg::Key(k) | Seg::Var(k) => k,
                    })
                    .collect();
                let alias = import
                    .get("as")
                    .and_then(|span| span_text(source, span))
                    .map(str::to_owned)
                    .or_else(|| keys.last().cloned())
                    .unwrap_or_default();
                match keys.first().map(String::as_str) {
                    Some("input") => {
                        input_aliases.insert(alias);
                    }
                    Some("data") if keys.len() >= 2 => {
                        aliases.insert(alias, keys[1..].to_vec());
                    }
                    _ => {}
                }
            }
            for rule in module["rules"].as_array().into_iter().flatten() {
                if let Some(view) = rule_view(index, rule, &package) {
                    rules.push(view);
                }
            }
            views.push(ModuleView {
                path,
                source,
                package,
                package_line: line(&module["package"]),
                aliases,
                input_aliases,
            });
        }
        Program {
            modules: views,
            rules,
        }
    }

    /// A `malformed-policy` error at `module`'s `line`: `path:line: what`.
    pub(super) fn error(&self, module: usize, line: u32, what: &str) -> Error {
        let path = self.modules.get(module).map_or("", |m| m.path).to_owned();
        Error::MalformedPolicy {
            message: format!("{path}:{line}: {what}"),
            path,
        }
    }

    /// `path:line` of a rule, as OPA's messages list locations.
    pub(super) fn location(&self, rule: &RuleView<'_>) -> String {
        let path = self.modules.get(rule.module).map_or("", |m| m.path);
        format!("{path}:{}", rule.line)
    }
}

fn rule_view<'a>(module: usize, rule: &'a Json, package: &[String]) -> Option<RuleView<'a>> {
    let package = package.iter().cloned().map(Seg::Key);
    if let Some(node) = rule.get("Default") {
        let args = node["args"].as_array().map_or(0, Vec::len);
        return Some(RuleView {
            module,
            node,
            default: true,
            segs: package.chain(ref_segs(&node["refr"])?).collect(),
            kind: Kind::Single,
            arity: (args > 0).then_some(args),
            line: line(node),
        });
    }
    let node = rule.get("Spec")?;
    let (variant, head) = variant(&node["head"])?;
    let (kind, arity) = match variant {
        "Set" => (Kind::Multi, None),
        "Func" => (
            Kind::Single,
            Some(head["args"].as_array().map_or(0, Vec::len)),
        ),
        _ => (Kind::Single, None),
    };
    Some(RuleView {
        module,
        node,
        default: false,
        segs: package.chain(ref_segs(&head["refr"])?).collect(),
        kind,
        arity,
        line: line(node),
    })
}

/// The rule's head (`{refr, …}` of its `Compr`/`Set`/`Func` head); `None` for a default rule.
pub(super) fn head<'a>(rule: &RuleView<'a>) -> Option<&'a Json> {
    (!rule.default)
        .then(|| variant(&rule.node["head"]).map(|(_, h)| h))
        .flatten()
}

/// `data.docker.a.b[k]` for a path.
pub(super) fn display(segs: &[Seg]) -> String {
    let mut out = String::from("data");
    for seg in segs {
        match seg {
            Seg::Key(k) if is_ident(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Key(k) => out.push_str(&format!("[{}]", Json::from(k.as_str()))),
            Seg::Var(v) => out.push_str(&format!("[{v}]")),
        }
    }
    out
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The segments of a `Var` / `RefDot` / `RefBrack` chain; an index that is not a string or a
/// number is a [`Seg::Var`] (named after the variable, or `_`).
pub(super) fn ref_segs(expr: &Json) -> Option<Vec<Seg>> {
    let (variant, inner) = variant(expr)?;
    match variant {
        "Var" => Some(vec![Seg::Key(inner["value"].as_str()?.to_owned())]),
        "RefDot" => {
            let mut segs = ref_segs(&inner["refr"])?;
            segs.push(Seg::Key(inner["field"].get(1)?.as_str()?.to_owned()));
            Some(segs)
        }
        "RefBrack" => {
            let mut segs = ref_segs(&inner["refr"])?;
            let index = &inner["index"];
            segs.push(match variant_of(index) {
                Some("String" | "RawString") => Seg::Key(scalar(index)?.as_str()?.to_owned()),
                Some("Number") => Seg::Key(scalar(index)?.to_string()),
                Some("Var") => Seg::Var(var(index)?.to_owned()),
                _ => Seg::Var("_".to_owned()),
            });
            Some(segs)
        }
        _ => None,
    }
}

/// The variant name and contents of an externally tagged enum value (`{"Var": {…}}`).
pub(super) fn variant(node: &Json) -> Option<(&str, &Json)> {
    let map = node.as_object()?;
    if map.len() != 1 {
        return None;
    }
    map.iter().next().map(|(k, v)| (k.as_str(), v))
}

/// The variant name of an expression.
pub(super) fn variant_of(node: &Json) -> Option<&str> {
    variant(node).map(|(k, _)| k)
}

/// The variable an expression is, if it is one.
pub(super) fn var(expr: &Json) -> Option<&str> {
    expr.get("Var")?["value"].as_str()
}

/// The value of a scalar literal (`String`, `RawString`, `Number`, `Bool`, `Null`).
pub(super) fn scalar(expr: &Json) -> Option<&Json> {
    let (variant, inner) = variant(expr)?;
    matches!(variant, "String" | "RawString" | "Number" | "Bool" | "Null").then(|| &inner["value"])
}

/// The 1-based line of a node with a `span` (an expression's contents, a rule, a literal).
pub(super) fn line(node: &Json) -> u32 {
    let line = node["span"]["line"]
        .as_u64()
        .or_else(|| node["line"].as_u64())
        .unwrap_or(0);
    u32::try_from(line).unwrap_or(u32::MAX)
}

/// The line of an expression (`{"Var": {span, …}}`).
pub(super) fn expr_line(expr: &Json) -> u32 {
    variant(expr).map_or(0, |(_, inner)| line(inner))
}

/// The source text a bare span (`{line, col, start, end}`) covers.
pub(super) fn span_text<'s>(source: &'s str, span: &Json) -> Option<&'s str> {
    let start = usize::try_from(span["start"].as_u64()?).ok()?;
    let end = usize::try_from(span["end"].as_u64()?).ok()?;
    source.get(start..end)
}

/// Whether an expression is a call to OPA (`f(x)`, an operator, `x in xs`, `-x`).
fn is_call(kind: &str) -> bool {
    matches!(
        kind,
        "Call" | "BoolExpr" | "ArithExpr" | "BinExpr" | "Membership" | "UnaryExpr"
    )
}

/// The calls OPA moves out of a statement before ordering its body (`rewriteExprTermsInBody`):
/// every call nested in the statement's expression — an argument, an operand, an item of a
/// literal, an index, the right side of `:=`, a `some … in` collection, an `every` domain; not
/// the expression itself nor anything inside a comprehension or an `every` body — innermost
/// first, each becoming a statement of its own before the one it came from (`upper(x) == y` is
/// `upper(x, t); t == y`, also under `not`).
pub(super) fn hoisted(stmt: &Json) -> Vec<&Json> {
    let mut out = Vec::new();
    let Some((kind, inner)) = variant(&stmt["literal"]) else {
        return out;
    };
    match kind {
        "Expr" | "NotExpr" => {
            if let Some((kind, top)) = variant(&inner["expr"])
                && !matches!(kind, "ArrayCompr" | "SetCompr" | "ObjectCompr")
            {
                operands(top, &mut out);
            }
        }
        "SomeIn" => {
            for part in ["key", "value", "collection"] {
                nested_calls(&inner[part], &mut out);
            }
        }
        "Every" => nested_calls(&inner["domain"], &mut out),
        _ => {}
    }
    out
}

/// The calls in a term (the term itself included), innermost first: what OPA moves out of a
/// rule's head or a comprehension's term into its body.
pub(super) fn calls_in(term: &Json) -> Vec<&Json> {
    let mut out = Vec::new();
    nested_calls(term, &mut out);
    out
}

/// The nested calls in `node` and below, innermost first.
fn nested_calls<'a>(node: &'a Json, out: &mut Vec<&'a Json>) {
    match variant(node) {
        Some(("ArrayCompr" | "SetCompr" | "ObjectCompr" | "Every", _)) => {}
        Some((kind, inner)) => {
            operands(inner, out);
            if is_call(kind) {
                out.push(node);
            }
        }
        None => {
            if let Json::Array(items) = node {
                items.iter().for_each(|i| nested_calls(i, out));
            }
        }
    }
}

/// The nested calls in an expression's operands, in OPA's order (operands left to right).
fn operands<'a>(inner: &'a Json, out: &mut Vec<&'a Json>) {
    let Json::Object(map) = inner else {
        return;
    };
    const ORDER: [&str; 10] = [
        "refr",
        "fcn",
        "params",
        "lhs",
        "key",
        "value",
        "collection",
        "index",
        "items",
        "fields",
    ];
    for key in ORDER {
        if let Some(child) = map.get(key) {
            nested_calls(child, out);
        }
    }
    if map.contains_key("expr") {
        nested_calls(&map["expr"], out);
    }
    if let Some(child) = map.get("rhs") {
        nested_calls(child, out);
    }
}
