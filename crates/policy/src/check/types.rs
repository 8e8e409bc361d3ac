//! OPA's type checker (`rego_type_error`), without a schema, as OPA v1.20.2 answers: calls of
//! builtins, verdict's functions and policy functions with the wrong number of arguments or an
//! argument, an output or a unification (`==`, `=`, `:=`) whose types cannot meet, and
//! references a type cannot have ("undefined ref").
//!
//! Types ([`super::ty`]) are inferred as OPA infers them — through literals, comprehensions,
//! locals, rules (each after the rules it reads), function results and arguments, each body in
//! OPA's order (the safety check's) — and `input` is `any`, so what cannot be inferred never
//! causes a refusal. Builtins are typed by OPA's own declarations (`DECLARED`, read from its
//! type errors); verdict's functions by Buildx's (BX `policy/funcs.go`, `SIGNATURES`).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value as Json;

use super::ast::{self, Program, RuleView, Seg, variant};
use super::recursion::{self, Reads};
use super::safety::Orders;
use crate::Error;

use super::ty::{self, A, ANY, B, Key, Kinds, N, O, S, T, Ty, Z};

/// (name, argument kinds, result kinds).
const SIGNATURES: &[(&str, &[Kinds], Kinds)] = &[
    ("abs", &[N], N),
    ("ceil", &[N], N),
    ("floor", &[N], N),
    ("round", &[N], N),
    ("rem", &[N, N], N),
    ("plus", &[N, N], N),
    ("minus", &[N | T, N | T], N | T),
    ("mul", &[N, N], N),
    ("div", &[N, N], N),
    ("bits.or", &[N, N], N),
    ("bits.and", &[N, N], N),
    ("bits.negate", &[N], N),
    ("bits.xor", &[N, N], N),
    ("bits.lsh", &[N, N], N),
    ("bits.rsh", &[N, N], N),
    ("count", &[A | O | S | T], N),
    ("sum", &[A | T], N),
    ("product", &[A | T], N),
    ("max", &[A | T], ANY),
    ("min", &[A | T], ANY),
    ("sort", &[A | T], A),
    ("array.concat", &[A, A], A),
    ("array.flatten", &[A], A),
    ("array.slice", &[A, N, N], A),
    ("array.reverse", &[A], A),
    ("intersection", &[T], T),
    ("union", &[T], T),
    ("to_number", &[B | N | S | Z], N),
    ("regex.is_valid", &[S], B),
    ("regex.match", &[S, S], B),
    ("regex.split", &[S, S], A),
    ("regex.globs_match", &[S, S], B),
    ("regex.template_match", &[S, S, S, S], B),
    ("regex.find_n", &[S, S, N], A),
    ("regex.find_all_string_submatch_n", &[S, S, N], A),
    ("regex.replace", &[S, S, S], S),
    ("glob.match", &[S, A | Z, S], B),
    ("glob.quote_meta", &[S], S),
    ("strings.any_prefix_match", &[A | S | T, A | S | T], B),
    ("strings.any_suffix_match", &[A | S | T, A | S | T], B),
    ("strings.count", &[S, S], N),
    ("strings.replace_n", &[O, S], S),
    ("strings.reverse", &[S], S),
    ("strings.render_template", &[S, O], S),
    ("concat", &[S, A | T], S),
    ("format_int", &[N, N], S),
    ("indexof", &[S, S], N),
    ("indexof_n", &[S, S], A),
    ("substring", &[S, N, N], S),
    ("lower", &[S], S),
    ("upper", &[S], S),
    ("contains", &[S, S], B),
    ("startswith", &[S, S], B),
    ("endswith", &[S, S], B),
    ("split", &[S, S], A),
    ("replace", &[S, S, S], S),
    ("trim", &[S, S], S),
    ("trim_left", &[S, S], S),
    ("trim_prefix", &[S, S], S),
    ("trim_right", &[S, S], S),
    ("trim_suffix", &[S, S], S),
    ("trim_space", &[S], S),
    ("sprintf", &[S, A], S),
    ("numbers.range", &[N, N], A),
    ("numbers.range_step", &[N, N, N], A),
    ("rand.intn", &[S, N], N),
    ("json.marshal", &[ANY], S),
    ("json.marshal_with_options", &[ANY, O], S),
    ("json.unmarshal", &[S], ANY),
    ("json.is_valid", &[S], B),
    ("json.filter", &[O, A | T], O),
    ("json.remove", &[O, A | T], O),
    ("json.patch", &[ANY, A], ANY),
    ("base64.encode", &[S], S),
    ("base64.decode", &[S], S),
    ("base64.is_valid", &[S], B),
    ("base64url.encode", &[S], S),
    ("base64url.encode_no_pad", &[S], S),
    ("base64url.decode", &[S], S),
    ("urlquery.encode", &[S], S),
    ("urlquery.decode", &[S], S),
    ("urlquery.encode_object", &[O], S),
    ("urlquery.decode_object", &[S], O),
    ("yaml.marshal", &[ANY], S),
    ("yaml.unmarshal", &[S], ANY),
    ("yaml.is_valid", &[S], B),
    ("hex.encode", &[S], S),
    ("hex.decode", &[S], S),
    ("object.union", &[O, O], O),
    ("object.union_n", &[A], O),
    ("object.remove", &[O, A | O | T], O),
    ("object.filter", &[O, A | O | T], O),
    ("object.get", &[O, ANY, ANY], ANY),
    ("object.keys", &[O], T),
    ("object.subset", &[A | O | T, A | O | T], B),
    ("time.now_ns", &[], N),
    ("time.parse_ns", &[S, S], N),
    ("time.parse_rfc3339_ns", &[S], N),
    ("time.parse_duration_ns", &[S], N),
    ("time.format", &[A | N], S),
    ("time.date", &[A | N], A),
    ("time.clock", &[A | N], A),
    ("time.weekday", &[A | N], S),
    ("time.add_date", &[N, N, N, N], N),
    ("time.diff", &[A | N, A | N], A),
    ("is_number", &[ANY], B),
    ("is_string", &[ANY], B),
    ("is_boolean", &[ANY], B),
    ("is_array", &[ANY], B),
    ("is_set", &[ANY], B),
    ("is_object", &[ANY], B),
    ("is_null", &[ANY], B),
    ("type_name", &[ANY], S),
    ("units.parse", &[S], N),
    ("units.parse_bytes", &[S], N),
    ("uuid.rfc4122", &[S], S),
    ("uuid.parse", &[S], O),
    ("semver.is_valid", &[ANY], B),
    ("semver.compare", &[S, S], N),
    // verdict's (Buildx's) functions.
    ("load_json", &[S], ANY),
    ("verify_git_signature", &[ANY, S], B),
    ("verify_http_pgp_signature", &[ANY, S, S], B),
    ("pin_image", &[ANY, S], B),
    ("artifact_attestation", &[ANY, S], ANY),
    ("github_attestation", &[ANY, S], ANY),
];

/// OPA v1.20.2's declarations of the builtins Buildx allows, as OPA prints them — its
/// arguments' and its result's types, nested (`concat`: `(delimiter: string, collection:
/// any<array[string], set[string]>, output: string)`). Each line is the `want` of the type error
/// OPA gives for a call of the builtin with arguments and an output of no fitting type
/// (`tests/opa/declarations.py` prints this table again).
const DECLARED: &[(&str, &str)] = &[
    ("abs", "(x: number, y: number)"),
    ("ceil", "(x: number, y: number)"),
    ("floor", "(x: number, y: number)"),
    ("round", "(x: number, y: number)"),
    ("rem", "(x: number, y: number, z: number)"),
    ("plus", "(x: number, y: number, z: number)"),
    (
        "minus",
        "(x: any<number, set[any]>, y: any<number, set[any]>, z: any<number, set[any]>)",
    ),
    ("mul", "(x: number, y: number, z: number)"),
    ("div", "(x: number, y: number, z: number)"),
    ("bits.or", "(x: number, y: number, z: number)"),
    ("bits.and", "(x: number, y: number, z: number)"),
    ("bits.negate", "(x: number, z: number)"),
    ("bits.xor", "(x: number, y: number, z: number)"),
    ("bits.lsh", "(x: number, s: number, z: number)"),
    ("bits.rsh", "(x: number, s: number, z: number)"),
    (
        "count",
        "(collection: any<string, array[any], object[any: any], set[any]>, n: number)",
    ),
    (
        "sum",
        "(collection: any<array[number], set[number]>, n: number)",
    ),
    (
        "product",
        "(collection: any<array[number], set[number]>, n: number)",
    ),
    ("max", "(collection: any<array[any], set[any]>, n: any)"),
    ("min", "(collection: any<array[any], set[any]>, n: any)"),
    (
        "sort",
        "(collection: any<array[any], set[any]>, n: array[any])",
    ),
    (
        "array.concat",
        "(x: array[any], y: array[any], z: array[any])",
    ),
    ("array.flatten", "(arr: array[any], flattened: array[any])"),
    (
        "array.slice",
        "(arr: array[any], start: number, stop: number, slice: array[any])",
    ),
    ("array.reverse", "(arr: array[any], rev: array[any])"),
    ("intersection", "(xs: set[set[any]], y: set[any])"),
    ("union", "(xs: set[set[any]], y: set[any])"),
    (
        "to_number",
        "(value: any<null, boolean, number, string>, num: number)",
    ),
    ("regex.is_valid", "(pattern: string, result: boolean)"),
    (
        "regex.match",
        "(pattern: string, value: string, result: boolean)",
    ),
    (
        "regex.split",
        "(pattern: string, value: string, output: array[string])",
    ),
    (
        "regex.globs_match",
        "(glob1: string, glob2: string, result: boolean)",
    ),
    (
        "regex.template_match",
        "(template: string, value: string, delimiter_start: string, delimiter_end: string, result: boolean)",
    ),
    (
        "regex.find_n",
        "(pattern: string, value: string, number: number, output: array[string])",
    ),
    (
        "regex.find_all_string_submatch_n",
        "(pattern: string, value: string, number: number, output: array[array[string]])",
    ),
    (
        "regex.replace",
        "(s: string, pattern: string, value: string, output: string)",
    ),
    (
        "glob.match",
        "(pattern: string, delimiters: any<null, array[string]>, match: string, result: boolean)",
    ),
    ("glob.quote_meta", "(pattern: string, output: string)"),
    (
        "strings.any_prefix_match",
        "(search: any<string, array[string], set[string]>, base: any<string, array[string], set[string]>, result: boolean)",
    ),
    (
        "strings.any_suffix_match",
        "(search: any<string, array[string], set[string]>, base: any<string, array[string], set[string]>, result: boolean)",
    ),
    (
        "strings.count",
        "(search: string, substring: string, output: number)",
    ),
    (
        "strings.replace_n",
        "(patterns: object[string: string], value: string, output: string)",
    ),
    ("strings.reverse", "(x: string, y: string)"),
    (
        "strings.render_template",
        "(value: string, vars: object[string: any], result: string)",
    ),
    (
        "concat",
        "(delimiter: string, collection: any<array[string], set[string]>, output: string)",
    ),
    (
        "format_int",
        "(number: number, base: number, output: string)",
    ),
    (
        "indexof",
        "(haystack: string, needle: string, output: number)",
    ),
    (
        "indexof_n",
        "(haystack: string, needle: string, output: array[number])",
    ),
    (
        "substring",
        "(value: string, offset: number, length: number, output: string)",
    ),
    ("lower", "(x: string, y: string)"),
    ("upper", "(x: string, y: string)"),
    (
        "contains",
        "(haystack: string, needle: string, result: boolean)",
    ),
    (
        "startswith",
        "(search: string, base: string, result: boolean)",
    ),
    (
        "endswith",
        "(search: string, base: string, result: boolean)",
    ),
    ("split", "(x: string, delimiter: string, ys: array[string])"),
    (
        "replace",
        "(x: string, old: string, new: string, y: string)",
    ),
    ("trim", "(value: string, cutset: string, output: string)"),
    (
        "trim_left",
        "(value: string, cutset: string, output: string)",
    ),
    (
        "trim_prefix",
        "(value: string, prefix: string, output: string)",
    ),
    (
        "trim_right",
        "(value: string, cutset: string, output: string)",
    ),
    (
        "trim_suffix",
        "(value: string, suffix: string, output: string)",
    ),
    ("trim_space", "(value: string, output: string)"),
    (
        "sprintf",
        "(format: string, values: array[any], output: string)",
    ),
    (
        "numbers.range",
        "(a: number, b: number, range: array[number])",
    ),
    (
        "numbers.range_step",
        "(a: number, b: number, step: number, range: array[number])",
    ),
    ("rand.intn", "(str: string, n: number, y: number)"),
    ("json.marshal", "(x: any, y: string)"),
    (
        "json.marshal_with_options",
        "(x: any, opts: object<indent: string, prefix: string, pretty: boolean>[string: any], y: string)",
    ),
    ("json.unmarshal", "(x: string, y: any)"),
    ("json.is_valid", "(x: string, result: boolean)"),
    (
        "json.filter",
        "(object: object[any: any], paths: any<array[any<string, array[any]>], set[any<string, array[any]>]>, filtered: object[any: any])",
    ),
    (
        "json.remove",
        "(object: object[any: any], paths: any<array[any<string, array[any]>], set[any<string, array[any]>]>, output: object[any: any])",
    ),
    (
        "json.patch",
        "(target: any, patches: array[object<op: string, path: any>[any: any]], output: any)",
    ),
    ("base64.encode", "(x: string, y: string)"),
    ("base64.decode", "(x: string, y: string)"),
    ("base64.is_valid", "(x: string, result: boolean)"),
    ("base64url.encode", "(x: string, y: string)"),
    ("base64url.encode_no_pad", "(x: string, y: string)"),
    ("base64url.decode", "(x: string, y: string)"),
    ("urlquery.encode", "(x: string, y: string)"),
    ("urlquery.decode", "(x: string, y: string)"),
    (
        "urlquery.encode_object",
        "(object: object[string: any<string, array[string], set[string]>], y: string)",
    ),
    (
        "urlquery.decode_object",
        "(x: string, object: object[string: array[string]])",
    ),
    ("yaml.marshal", "(x: any, y: string)"),
    ("yaml.unmarshal", "(x: string, y: any)"),
    ("yaml.is_valid", "(x: string, result: boolean)"),
    ("hex.encode", "(x: string, y: string)"),
    ("hex.decode", "(x: string, y: string)"),
    (
        "object.union",
        "(a: object[any: any], b: object[any: any], output: object[any: any])",
    ),
    (
        "object.union_n",
        "(objects: array[object[any: any]], output: object[any: any])",
    ),
    (
        "object.remove",
        "(object: object[any: any], keys: any<array[any], object[any: any], set[any]>, output: object[any: any])",
    ),
    (
        "object.filter",
        "(object: object[any: any], keys: any<array[any], object[any: any], set[any]>, filtered: object[any: any])",
    ),
    (
        "object.get",
        "(object: object[any: any], key: any, default: any, value: any)",
    ),
    ("object.keys", "(object: object[any: any], value: set[any])"),
    (
        "object.subset",
        "(super: any<array[any], object[any: any], set[any]>, sub: any<array[any], object[any: any], set[any]>, result: boolean)",
    ),
    ("time.now_ns", "(now: number)"),
    (
        "time.parse_ns",
        "(layout: string, value: string, ns: number)",
    ),
    ("time.parse_rfc3339_ns", "(value: string, ns: number)"),
    ("time.parse_duration_ns", "(duration: string, ns: number)"),
    (
        "time.format",
        "(x: any<number, array<number, string>, array<number, string, string>>, formatted timestamp: string)",
    ),
    (
        "time.date",
        "(x: any<number, array<number, string>>, date: array<number, number, number>)",
    ),
    (
        "time.clock",
        "(x: any<number, array<number, string>>, output: array<number, number, number>)",
    ),
    (
        "time.weekday",
        "(x: any<number, array<number, string>>, day: string)",
    ),
    (
        "time.add_date",
        "(ns: number, years: number, months: number, days: number, output: number)",
    ),
    (
        "time.diff",
        "(ns1: any<number, array<number, string>>, ns2: any<number, array<number, string>>, output: array<number, number, number, number, number, number>)",
    ),
    ("is_number", "(x: any, result: boolean)"),
    ("is_string", "(x: any, result: boolean)"),
    ("is_boolean", "(x: any, result: boolean)"),
    ("is_array", "(x: any, result: boolean)"),
    ("is_set", "(x: any, result: boolean)"),
    ("is_object", "(x: any, result: boolean)"),
    ("is_null", "(x: any, result: boolean)"),
    ("type_name", "(x: any, type: string)"),
    ("units.parse", "(x: string, y: number)"),
    ("units.parse_bytes", "(x: string, y: number)"),
    ("uuid.rfc4122", "(k: string, output: string)"),
    ("uuid.parse", "(uuid: string, result: object[string: any])"),
    ("semver.is_valid", "(vsn: any, result: boolean)"),
    ("semver.compare", "(a: string, b: string, result: number)"),
];

/// A builtin's declared argument and result types (`None` for verdict's functions, which
/// `SIGNATURES` alone types).
fn declared(name: &str) -> Option<&'static (Vec<Ty>, Ty)> {
    static PARSED: std::sync::OnceLock<HashMap<&'static str, (Vec<Ty>, Ty)>> =
        std::sync::OnceLock::new();
    PARSED
        .get_or_init(|| {
            DECLARED
                .iter()
                .filter_map(|(name, text)| Some((*name, ty::parse_declaration(text)?)))
                .collect()
        })
        .get(name)
}

fn signature(name: &str) -> Option<(&'static [Kinds], Kinds)> {
    SIGNATURES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, args, result)| (*args, *result))
}

/// The argument count of a builtin or one of verdict's functions.
pub(super) fn arity(name: &str) -> Option<usize> {
    signature(name).map(|(args, _)| args.len())
}

/// Whether `name` is a builtin or one of verdict's functions (`print` included).
pub(super) fn is_function(name: &str) -> bool {
    name == "print" || signature(name).is_some()
}

/// Argument kinds as OPA's messages list them: `(string, number)`.
fn show(kinds: &[Kinds]) -> String {
    kinds
        .iter()
        .map(|k| kind_names(*k))
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_names(kinds: Kinds) -> String {
    if kinds == ANY {
        return "any".to_owned();
    }
    let names: Vec<&str> = [
        (Z, "null"),
        (B, "boolean"),
        (N, "number"),
        (S, "string"),
        (A, "array"),
        (T, "set"),
        (O, "object"),
    ]
    .into_iter()
    .filter(|(k, _)| kinds & k != 0)
    .map(|(_, n)| n)
    .collect();
    match names.as_slice() {
        [one] => (*one).to_owned(),
        _ => format!("any<{}>", names.join(", ")),
    }
}

pub(super) fn check(program: &Program<'_>, orders: &Orders, reads: &Reads) -> Result<(), Error> {
    let mut arities: HashMap<Vec<String>, usize> = HashMap::new();
    for rule in &program.rules {
        if let Some(arity) = rule.arity {
            arities.insert(keys(&rule.segs), arity);
        }
    }
    let mut rule_names: HashMap<&[String], BTreeSet<String>> = HashMap::new();
    for rule in &program.rules {
        if let Some(module) = program.modules.get(rule.module)
            && let Some(Seg::Key(name)) = rule.segs.get(module.package.len())
        {
            rule_names
                .entry(module.package.as_slice())
                .or_default()
                .insert(name.clone());
        }
    }
    let none = BTreeSet::new();
    let unknown = Values::default();
    let checker = |rule: &RuleView<'_>| {
        let module = program.modules.get(rule.module)?;
        Some(Checker {
            source: module.source,
            package: &module.package,
            aliases: &module.aliases,
            arities: &arities,
            rule_names: rule_names.get(module.package.as_slice()).unwrap_or(&none),
            locals: RefCell::new(Vec::new()),
            in_every: Cell::new(0),
            values: &unknown,
            rule_locals: &none,
            arguments: &none,
            replaced: RefCell::new(Vec::new()),
            reading: RefCell::new(HashMap::new()),
            module: rule.module,
            orders,
            reads,
        })
    };
    // Names each rule declares (arguments, `:=`, `some`, `every`) hide rules of that name.
    let locals: Vec<BTreeSet<String>> = program
        .rules
        .iter()
        .map(|rule| {
            let mut rule_locals = BTreeSet::new();
            if let Some(head) = ast::head(rule) {
                for arg in head["args"].as_array().into_iter().flatten() {
                    recursion::pattern_vars(arg, &mut rule_locals);
                }
            }
            let source = program.modules.get(rule.module).map_or("", |m| m.source);
            recursion::declared(rule.node, source, &mut rule_locals);
            rule_locals
        })
        .collect();
    let arguments: Vec<BTreeSet<String>> = program
        .rules
        .iter()
        .map(|rule| {
            let mut names = BTreeSet::new();
            if let Some(head) = ast::head(rule) {
                for arg in head["args"].as_array().into_iter().flatten() {
                    recursion::pattern_vars(arg, &mut names);
                }
            }
            names
        })
        .collect();
    // The types of rules' values and functions' results, as their definitions give them, rule
    // by rule after the rules each reads (recursion is refused before): one pass carries a type
    // through a chain of any length.
    let mut by_path: HashMap<Vec<String>, Vec<usize>> = HashMap::new();
    for (i, rule) in program.rules.iter().enumerate() {
        by_path.entry(keys(&rule.segs)).or_default().push(i);
    }
    let mut values = Values::default();
    let mut typed = vec![false; program.rules.len()];
    let order = reads.dependencies_first();
    let rest: Vec<usize> = (0..program.rules.len()).collect();
    let groups = order
        .iter()
        .filter_map(|path| by_path.get(*path))
        .chain(std::iter::once(&rest));
    for group in groups {
        let mut delta = Values::default();
        for &i in group {
            if std::mem::replace(&mut typed[i], true) {
                continue;
            }
            let rule = &program.rules[i];
            if let Some(checker) = checker(rule) {
                let checker = Checker {
                    values: &values,
                    rule_locals: &locals[i],
                    arguments: &arguments[i],
                    ..checker
                };
                checker.value_of(rule, &mut delta);
            }
        }
        values.merge(delta);
    }
    for ((rule, rule_locals), arguments) in program.rules.iter().zip(&locals).zip(&arguments) {
        let Some(checker) = checker(rule) else {
            continue;
        };
        let checker = Checker {
            values: &values,
            rule_locals,
            arguments,
            ..checker
        };
        if let Err((line, what)) = checker.rule(rule) {
            return Err(program.error(rule.module, line, &format!("rego_type_error: {what}")));
        }
    }
    Ok(())
}

/// Every variable name below `node`.
/// The elements of a literal's `items`.
fn items(node: &Json) -> Vec<&Json> {
    node.as_array()
        .map(|v| v.iter().collect())
        .unwrap_or_default()
}

/// An object literal's fields when every key is a constant string or number: (key text,
/// value); `None` when a key is computed.
fn constant_fields(object: &Json) -> Option<Vec<(String, &Json)>> {
    let mut out = Vec::new();
    for field in object["fields"].as_array().into_iter().flatten() {
        let key = field.get(1)?;
        let text = match variant(key)? {
            ("String" | "RawString", k) => format!("s:{}", k["value"].as_str()?),
            ("Number", k) => format!("n:{}", k["value"]),
            _ => return None,
        };
        out.push((text, field.get(2)?));
    }
    Some(out)
}

fn var_names(node: &Json, out: &mut BTreeSet<String>) {
    match node {
        Json::Object(map) => {
            if let Some(name) = ast::var(node) {
                out.insert(name.to_owned());
                return;
            }
            map.values().for_each(|v| var_names(v, out));
        }
        Json::Array(items) => items.iter().for_each(|v| var_names(v, out)),
        _ => {}
    }
}

fn keys(segs: &[Seg]) -> Vec<String> {
    segs.iter()
        .map(|s| match s {
            Seg::Key(k) | Seg::Var(k) => k.clone(),
        })
        .collect()
}

struct Checker<'c> {
    source: &'c str,
    package: &'c [String],
    aliases: &'c BTreeMap<String, Vec<String>>,
    arities: &'c HashMap<Vec<String>, usize>,
    /// The package's rule names (`x = 1` compares with rule `x`, it binds no variable).
    rule_names: &'c BTreeSet<String>,
    /// The local variables bound so far, one layer per enclosing query.
    locals: RefCell<Vec<Layer>>,
    /// How many `every` bodies enclose the walk: OPA checks arities there, not types.
    in_every: Cell<usize>,
    /// The types of the rules' values and functions' results.
    values: &'c Values,
    /// Names the rule being checked declares anywhere (they are not rules there).
    rule_locals: &'c BTreeSet<String>,
    /// The variables of the checked function's arguments (typed by their first use).
    arguments: &'c BTreeSet<String>,
    /// The paths under `data` the current statement replaces (`with data.docker.cfg as …`):
    /// and the replacements' types. As OPA's checker: a replaced rule has its own type or the
    /// replacement's; other rules and functions, which may read it, are untyped there.
    replaced: RefCell<Vec<(Vec<String>, Ty)>>,
    /// Whether the rule or function at a path reads one of those, as found so far in the
    /// statement.
    reading: RefCell<HashMap<Vec<String>, bool>>,
    /// The checked rule's module, and the order OPA runs each query's statements in (the
    /// safety check's): OPA checks types after reordering a body for safety.
    module: usize,
    orders: &'c Orders,
    /// What each rule reads (a rule reading a replaced one is untyped where it is replaced).
    reads: &'c Reads,
}

/// The types of rules' values (`limit := 10`: number; `deny contains msg`: a set of what `msg`
/// is; `allow if …`: boolean; `a.b := …`: an object at `a`) and of functions' results, by
/// path, each the union over the definitions; and the types of functions' arguments.
#[derive(Default)]
struct Values {
    rules: HashMap<Vec<String>, Ty>,
    functions: HashMap<Vec<String>, Ty>,
    /// The types of functions' arguments: per argument, the union over the definitions (and
    /// `else` branches) of what each body types it to.
    params: HashMap<Vec<String>, Vec<Ty>>,
}

impl Values {
    /// Adds `other`'s types to these (unions where both have a path).
    fn merge(&mut self, other: Values) {
        for (path, ty) in other.rules {
            add(&mut self.rules, path, ty);
        }
        for (path, ty) in other.functions {
            add(&mut self.functions, path, ty);
        }
        for (path, types) in other.params {
            add_params(&mut self.params, path, types);
        }
    }
}

/// Unites a definition's argument types with those at `path`. (Every definition has the
/// function's arity: another is refused before.)
fn add_params(map: &mut HashMap<Vec<String>, Vec<Ty>>, path: Vec<String>, types: Vec<Ty>) {
    match map.get_mut(&path) {
        Some(have) if have.len() == types.len() => {
            for (have, more) in have.iter_mut().zip(types) {
                *have = have.clone().or(more).bounded();
            }
        }
        _ => {
            map.insert(path, types.into_iter().map(Ty::bounded).collect());
        }
    }
}

/// One query's local variables.
#[derive(Default)]
struct Layer {
    /// The types of the variables bound so far (`any` when nothing is known).
    types: HashMap<String, Ty>,
    /// The names its earlier literals used.
    seen: BTreeSet<String>,
    /// Names `some x` declared that no literal has typed yet (a first use types them).
    untyped: BTreeSet<String>,
}

/// One index of a reference: a constant key (as `ty::key_of` writes it, and as OPA shows it),
/// or a term (a variable, a reference, a call, a composite).
enum Index<'a> {
    Key(Key, String),
    Term(&'a Json),
}

/// What a call names.
enum Callee {
    /// A policy function: its path and arity.
    Policy(Vec<String>, usize),
    /// A builtin or one of verdict's functions.
    Builtin(String, &'static [Kinds], Kinds),
    Unknown,
}

impl Checker<'_> {
    /// Checks one rule: each body in order, with the value it gives (`x := y if { y := 1 }`)
    /// in its scope, then the head.
    fn rule(&self, rule: &RuleView<'_>) -> Result<(), (u32, String)> {
        if rule.default {
            return self.walk(rule.node, false);
        }
        let head = ast::head(rule).unwrap_or(&Json::Null);
        let head_value = head_value(head);
        for body in rule.node["bodies"].as_array().into_iter().flatten() {
            let value = if body["assign"].is_null() {
                head_value
            } else {
                &body["assign"]["value"]
            };
            self.query(&body["query"], &[value])?;
        }
        self.walk(&rule.node["head"], false)
    }

    /// Walks `node`; `statement` when `node` is a literal's expression (where a call may have
    /// one more argument, its output).
    fn walk(&self, node: &Json, statement: bool) -> Result<(), (u32, String)> {
        match node {
            Json::Object(map) if map.contains_key("stmts") => self.query(node, &[]),
            Json::Object(map) => {
                // `with upper as concat`: a builtin replaced by one of another arity.
                for with in map
                    .get("with_mods")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                {
                    let arity =
                        |e: &Json| super::ref_path(e).and_then(|p| arity(&p).map(|a| (p, a)));
                    if let (Some((target, want)), Some((_, have))) =
                        (arity(&with["refr"]), arity(&with["as"]))
                        && want != have
                    {
                        return Err((
                            ast::line(with),
                            format!("{target}: arity mismatch: have {have} arguments, want {want}"),
                        ));
                    }
                }
                if let Some((kind, inner)) = variant(node) {
                    match kind {
                        "Call" => self.call(inner, statement)?,
                        "ArithExpr" => self.operator(inner)?,
                        // Inside `every` bodies OPA checks references rooted at a rule or
                        // `data` only; a literal's or a local's go unchecked there.
                        "RefBrack" | "RefDot"
                            if self.in_every.get() == 0 || self.rooted_globally(node) =>
                        {
                            if let Err(what) = self.reference(node) {
                                return Err((ast::line(inner), what));
                            }
                        }
                        // `some x in "abc"`: OPA's match error (a collection is wanted).
                        "SomeIn"
                            if self.in_every.get() == 0
                                && self.kinds(&inner["collection"]) & (A | T | O) == 0 =>
                        {
                            return Err((
                                ast::line(inner),
                                format!(
                                    "match error: left : {}, right : a collection",
                                    kind_names(self.kinds(&inner["collection"]))
                                ),
                            ));
                        }
                        // A literal `a == b` or `a = b` is a unification to OPA (not a value
                        // `x := a == b`).
                        "BoolExpr" | "AssignExpr"
                            if statement
                                && (inner["op"] == "Eq"
                                    || (inner["op"] == "ColEq"
                                        && matches!(
                                            variant(&inner["lhs"]),
                                            Some(("Array" | "Object", _))
                                        )))
                                && self.in_every.get() == 0
                                && !self.unifiable(&inner["lhs"], &inner["rhs"]) =>
                        {
                            return Err((
                                ast::line(inner),
                                format!(
                                    "match error: left : {}, right : {}",
                                    kind_names(self.kinds(&inner["lhs"])),
                                    kind_names(self.kinds(&inner["rhs"]))
                                ),
                            ));
                        }
                        // `-x`: OPA's `minus` of a number or a set. (regorus parses `-a > b` as
                        // `-(a > b)`; the minus is the leftmost operand's, as `crate::rewrite`
                        // makes it.)
                        "UnaryExpr" if self.in_every.get() == 0 => {
                            let mut operand = &inner["expr"];
                            while let Some(("ArithExpr" | "BoolExpr" | "BinExpr", e)) =
                                variant(operand)
                            {
                                operand = &e["lhs"];
                            }
                            if self.kinds(operand) & (N | T) == 0 {
                                return Err((
                                    ast::line(inner),
                                    format!(
                                        "minus: invalid argument(s): have (number, {}), want (any<number, set>, any<number, set>)",
                                        kind_names(self.kinds(operand))
                                    ),
                                ));
                            }
                            // A literal `-a == b`, which regorus reads as `-(a == b)`: OPA
                            // unifies `minus(0, a)` (a number or a set) with `b`.
                            if let Some(("BoolExpr", e)) = variant(&inner["expr"])
                                && statement
                                && e["op"] == "Eq"
                            {
                                let lhs = match variant(&e["lhs"]) {
                                    Some(("ArithExpr" | "BoolExpr" | "BinExpr", _)) => {
                                        e["lhs"].clone()
                                    }
                                    _ => serde_json::json!({"UnaryExpr": {
                                        "span": inner["span"].clone(),
                                        "expr": e["lhs"].clone(),
                                    }}),
                                };
                                if !self.unifiable(&lhs, &e["rhs"]) {
                                    return Err((
                                        ast::line(inner),
                                        format!(
                                            "match error: left : {}, right : {}",
                                            kind_names(self.kinds(&lhs)),
                                            kind_names(self.kinds(&e["rhs"]))
                                        ),
                                    ));
                                }
                            }
                        }
                        "BinExpr" => {
                            let name = if inner["op"] == "Union" { "or" } else { "and" };
                            self.operands(inner, name, &[T, T])?;
                        }
                        "Every" => {
                            // The domain in the enclosing scope; key and value shadow it.
                            self.walk(&inner["domain"], false)?;
                            let mut layer = Layer::default();
                            for span in [&inner["key"], &inner["value"]] {
                                if let Some(name) = ast::span_text(self.source, span) {
                                    layer.types.insert(name.to_owned(), Ty::any());
                                }
                            }
                            self.locals.borrow_mut().push(layer);
                            self.in_every.set(self.in_every.get() + 1);
                            let result = self.query(&inner["query"], &[]);
                            self.in_every.set(self.in_every.get() - 1);
                            self.locals.borrow_mut().pop();
                            return result;
                        }
                        "ArrayCompr" | "SetCompr" | "ObjectCompr" => {
                            let terms: Vec<&Json> = ["term", "key", "value"]
                                .iter()
                                .map(|k| &inner[*k])
                                .collect();
                            return self.query(&inner["query"], &terms);
                        }
                        "Expr" | "NotExpr" if inner.get("expr").is_some() => {
                            return self.walk(&inner["expr"], true);
                        }
                        _ => {}
                    }
                }
                for (key, value) in map {
                    if key != "span" {
                        self.walk(value, false)?;
                    }
                }
                Ok(())
            }
            Json::Array(items) => items.iter().try_for_each(|v| self.walk(v, false)),
            _ => Ok(()),
        }
    }

    /// Walks a query's literals in order, each typing the variables it binds, then `terms` (a
    /// comprehension's head, a rule's value) in its scope.
    fn query(&self, query: &Json, terms: &[&Json]) -> Result<(), (u32, String)> {
        self.locals.borrow_mut().push(Layer::default());
        let result = self
            .statements(query)
            .into_iter()
            .try_for_each(|(stmt, call)| {
                // (A moved call is checked with its statement.)
                self.replacing(stmt, || match call {
                    Some(call) => {
                        self.hoisted(call);
                        Ok(())
                    }
                    None => {
                        // OPA types a statement's references, and the variables they bind as
                        // indexes, before it unifies (`k == xs[k]`: `k` a number first).
                        if let Some(("Expr", inner)) = variant(&stmt["literal"]) {
                            let mut bound = Vec::new();
                            self.index_vars(&inner["expr"], &mut bound);
                            self.commit(bound, Vec::new());
                        }
                        self.walk(stmt, false)?;
                        self.statement(stmt);
                        Ok(())
                    }
                })
            })
            .and_then(|()| terms.iter().try_for_each(|t| self.walk(t, false)));
        self.locals.borrow_mut().pop();
        result
    }

    /// Whether the rule or function at `path` reads a path the current statement replaces
    /// (`with data.… as`): OPA's checker leaves it untyped there.
    fn reads_replaced(&self, path: &[String]) -> bool {
        let replaced = self.replaced.borrow();
        if replaced.is_empty() {
            return false;
        }
        if let Some(&known) = self.reading.borrow().get(path) {
            return known;
        }
        let reads = replaced.iter().any(|(p, _)| self.reads.reads(path, p));
        self.reading.borrow_mut().insert(path.to_vec(), reads);
        reads
    }

    /// Whether a reference's root is a rule of the package, an import or `data`.
    fn rooted_globally(&self, node: &Json) -> bool {
        let mut root = node;
        while let Some((kind, inner)) = variant(root) {
            match kind {
                "RefDot" | "RefBrack" => root = &inner["refr"],
                "Var" => {
                    return ast::var(root).is_some_and(|name| {
                        name == "data"
                            || self.aliases.contains_key(name)
                            || (self.rule_names.contains(name) && !self.rule_locals.contains(name))
                    });
                }
                _ => return false,
            }
        }
        false
    }

    /// A query's statements in the order OPA checks them: the calls nested in a statement
    /// moved out of it (`Some`, with the statement), the statements reordered for safety.
    fn statements<'q>(&self, query: &'q Json) -> Vec<(&'q Json, Option<&'q Json>)> {
        let stmts = query["stmts"].as_array().map_or(&[][..], Vec::as_slice);
        let order = query["qidx"]
            .as_u64()
            .and_then(|q| self.orders.get(&(self.module, q)))
            .filter(|order| order.iter().filter(|s| s.hoisted.is_none()).count() == stmts.len());
        let Some(order) = order else {
            return stmts
                .iter()
                .flat_map(|stmt| {
                    ast::hoisted(stmt)
                        .into_iter()
                        .map(move |call| (stmt, Some(call)))
                        .chain([(stmt, None)])
                })
                .collect();
        };
        let mut moved: HashMap<usize, Vec<&Json>> = HashMap::new();
        order
            .iter()
            .filter_map(|step| {
                let stmt = stmts.get(step.position)?;
                match step.hoisted {
                    None => Some((stmt, None)),
                    Some(index) => {
                        let calls = moved
                            .entry(step.position)
                            .or_insert_with(|| ast::hoisted(stmt));
                        Some((stmt, Some(*calls.get(index)?)))
                    }
                }
            })
            .collect()
    }

    /// Types what a call moved out of its statement binds: its arguments' first typing uses,
    /// variables first used as its indexes.
    fn hoisted(&self, call: &Json) {
        let mut bound = Vec::new();
        self.index_vars(call, &mut bound);
        if self.arguments.iter().any(|a| self.unbound(a)) {
            self.first_uses(call, &mut bound);
        }
        self.commit(bound, Vec::new());
        // (Its names are recorded as used with its statement's, after the statement is checked:
        // a comprehension inside it has names of its own.)
    }

    /// Runs `f` with the paths `stmt` replaces under `data` (its `with` modifiers) set.
    fn replacing<R>(&self, stmt: &Json, f: impl FnOnce() -> R) -> R {
        let paths: Vec<(Vec<String>, Ty)> = stmt["with_mods"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|with| {
                let segs = ast::ref_segs(&with["refr"])?;
                let (first, rest) = keys(&segs)
                    .split_first()
                    .map(|(f, r)| (f.clone(), r.to_vec()))?;
                (first == "data").then(|| (rest, self.ty(&with["as"])))
            })
            .collect();
        if paths.is_empty() {
            return f();
        }
        let saved = (
            self.replaced.replace(paths),
            self.reading.replace(HashMap::new()),
        );
        let result = f();
        self.replaced.replace(saved.0);
        self.reading.replace(saved.1);
        result
    }

    /// Types what one literal binds and records the names it uses.
    fn statement(&self, stmt: &Json) {
        self.bind(&stmt["literal"]);
        let mut names = BTreeSet::new();
        var_names(stmt, &mut names);
        if let Some(layer) = self.locals.borrow_mut().last_mut() {
            layer.seen.extend(names);
        }
    }

    /// The type of `value` in the scope of `query` (a rule body and the value it gives).
    fn scoped<R>(&self, query: &Json, value: impl FnOnce(&Self) -> R) -> R {
        self.locals.borrow_mut().push(Layer::default());
        for (stmt, call) in self.statements(query) {
            match call {
                Some(call) => self.replacing(stmt, || self.hoisted(call)),
                None => self.replacing(stmt, || self.statement(stmt)),
            }
        }
        let ty = value(self);
        self.locals.borrow_mut().pop();
        ty
    }

    /// Adds the type one definition gives its rule's value or its function's result to
    /// `values` (a union with the other definitions').
    fn value_of(&self, rule: &RuleView<'_>, values: &mut Values) {
        let depth = self.package.len();
        let Some(Seg::Key(name)) = rule.segs.get(depth) else {
            return;
        };
        let path: Vec<String> = self.package.iter().cloned().chain([name.clone()]).collect();
        let head = ast::head(rule).unwrap_or(&Json::Null);
        let multi = rule.kind == ast::Kind::Multi;
        // The dynamic part of a ref head (`a[k] := v`, `a.b[k].c := v`): objects whose keys
        // have the types the body gives the variables (OPA's nested object types).
        let rest = &rule.segs[depth + 1..];
        let ground = rest.iter().take_while(|s| matches!(s, Seg::Key(_))).count();
        let value_ty = |checker: &Self, value: &Json| {
            let ty = if value.is_null() {
                Ty::Boolean
            } else {
                checker.ty(value)
            };
            let ty = if multi { Ty::set_of(ty) } else { ty };
            rest[ground..].iter().rev().fold(ty, |inner, seg| {
                let key = match seg {
                    Seg::Var(name) if name != "_" => checker.local(name).unwrap_or_else(Ty::any),
                    _ => Ty::any(),
                };
                Ty::Object(BTreeMap::new(), Some(Box::new((key, inner))))
            })
        };
        // Each definition in its body's scope: the value's type and, for a function, its
        // arguments' — what each is once the body (in OPA's order) and the value are checked: a
        // variable typed by its first typing use (`any` when that use gives no narrower type, or
        // none uses it), a pattern (`[x, _]`, `{"a": x}`) by what its variables become.
        let args = head["args"].as_array().map_or(&[][..], Vec::as_slice);
        let function = rule.arity.is_some();
        let definition = |c: &Self, value: &Json| {
            let ty = value_ty(c, value);
            let params = function.then(|| {
                let mut bound = Vec::new();
                c.first_uses(value, &mut bound);
                c.commit(bound, Vec::new());
                args.iter()
                    .map(|arg| match ast::var(arg) {
                        Some("_") => Ty::any(),
                        Some(name) => c.local(name).unwrap_or_else(Ty::any),
                        None => c.ty(arg),
                    })
                    .collect::<Vec<Ty>>()
            });
            (ty, params)
        };
        let definitions: Vec<(Ty, Option<Vec<Ty>>)> = if rule.default {
            // (`default f(_) := …` takes anything.)
            let params = rule.arity.map(|n| vec![Ty::any(); n]);
            vec![(self.ty(&rule.node["value"]), params)]
        } else {
            let head_value = head_value(head);
            let bodies = rule.node["bodies"]
                .as_array()
                .map_or(&[][..], Vec::as_slice);
            if bodies.is_empty() {
                vec![self.scoped(&Json::Null, |c| definition(c, head_value))]
            } else {
                bodies
                    .iter()
                    .map(|body| {
                        let value = if body["assign"].is_null() {
                            head_value
                        } else {
                            &body["assign"]["value"]
                        };
                        self.scoped(&body["query"], |c| definition(c, value))
                    })
                    .collect()
            }
        };
        let mut params: Option<Vec<Ty>> = None;
        let mut types = Vec::new();
        for (ty, more) in definitions {
            types.push(ty);
            params = match (params, more) {
                (Some(have), Some(more)) => {
                    Some(have.into_iter().zip(more).map(|(a, b)| a.or(b)).collect())
                }
                (have, more) => have.or(more),
            };
        }
        let Some(ty) = Ty::union(types) else {
            return;
        };
        let ty = ty.bounded();
        if function {
            if let Some(types) = params {
                add_params(&mut values.params, path.clone(), types);
            }
            add(&mut values.functions, path, ty);
            return;
        }
        // `a.b.c := 1`: objects at `a` and `a.b` (open: other definitions add keys), the value
        // at `a.b.c`.
        let mut at = path;
        for seg in &rest[..ground] {
            add(&mut values.rules, at.clone(), Ty::of_kinds(O));
            if let Seg::Key(k) = seg {
                at.push(k.clone());
            }
        }
        add(&mut values.rules, at, ty);
    }

    /// The kinds an expression types the variable `name` to, in OPA's order (nested calls
    /// first): an operand of `==`/`=` whose other side has known kinds, a builtin's argument,
    /// an operator's operand. Comprehensions and `every` are not entered.
    fn narrowed(&self, name: &str, expr: &Json) -> Option<Ty> {
        let is = |e: &Json| ast::var(e) == Some(name);
        let known = |t: Ty| (!t.is_any()).then_some(t);
        match expr {
            Json::Array(items) => items.iter().find_map(|item| self.narrowed(name, item)),
            Json::Object(_) => {
                let (kind, inner) = variant(expr)?;
                if matches!(kind, "ArrayCompr" | "SetCompr" | "ObjectCompr" | "Every") {
                    return None;
                }
                let nested = inner
                    .as_object()?
                    .iter()
                    .filter(|(key, _)| *key != "span")
                    .find_map(|(_, child)| self.narrowed(name, child));
                if nested.is_some() {
                    return nested;
                }
                match kind {
                    "BoolExpr" | "AssignExpr" if inner["op"] == "Eq" => {
                        let (l, r) = (&inner["lhs"], &inner["rhs"]);
                        if is(l) && !is(r) {
                            known(self.ty(r))
                        } else if is(r) && !is(l) {
                            known(self.ty(l))
                        } else {
                            None
                        }
                    }
                    "ArithExpr" if is(&inner["lhs"]) || is(&inner["rhs"]) => {
                        Some(Ty::of_kinds(if inner["op"] == "Sub" { N | T } else { N }))
                    }
                    "BinExpr" if is(&inner["lhs"]) || is(&inner["rhs"]) => Some(Ty::of_kinds(T)),
                    // An index: the keys of what it indexes.
                    "RefBrack" if is(&inner["index"]) => known(self.ty(&inner["refr"]).keys()?),
                    // An argument (or inside a literal one): what the function declares there.
                    "Call" => {
                        let params = inner["params"].as_array()?;
                        let want: Vec<Ty> = match self.callee(&inner["fcn"]) {
                            Callee::Builtin(name, kinds, _) => match declared(&name) {
                                Some((args, _)) => args.clone(),
                                None => kinds.iter().map(|k| Ty::of_kinds(*k)).collect(),
                            },
                            Callee::Policy(path, _) => {
                                self.values.params.get(&path).cloned().unwrap_or_default()
                            }
                            Callee::Unknown => return None,
                        };
                        params
                            .iter()
                            .zip(want)
                            .find_map(|(p, w)| known(within(p, name, w)?))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The base and the indexes of a reference, outermost last.
    fn chain<'e>(&self, expr: &'e Json) -> (&'e Json, Vec<Index<'e>>) {
        let mut indexes = Vec::new();
        let mut at = expr;
        loop {
            match variant(at) {
                Some(("RefDot", r)) => {
                    let field = r["field"].get(1).and_then(Json::as_str).unwrap_or("");
                    indexes.push(Index::Key(format!("s:{field}"), format!(".{field}")));
                    at = &r["refr"];
                }
                Some(("RefBrack", r)) => {
                    let index = &r["index"];
                    // (A number as written: `[1.0]` is no array index to OPA.)
                    let written = variant(index)
                        .filter(|(kind, _)| *kind == "Number")
                        .and_then(|(_, n)| ast::span_text(self.source, &n["span"]))
                        .filter(|t| t.parse::<f64>().is_ok())
                        .map(|t| format!("n:{t}"));
                    let key = written.or_else(|| ast::scalar(index).and_then(ty::key_of));
                    indexes.push(match key {
                        Some(key) => {
                            let shown = ast::scalar(index).map(Json::to_string).unwrap_or_default();
                            Index::Key(key, format!("[{shown}]"))
                        }
                        None => Index::Term(index),
                    });
                    at = &r["refr"];
                }
                _ => break,
            }
        }
        indexes.reverse();
        (at, indexes)
    }

    /// The type of a reference's base, how OPA shows it, and how many of its indexes name a
    /// rule (`data.docker.limit`, `a.b` of a rule `a.b.c := 1`); `None` when the base is not
    /// typed (`input`, an unknown rule, a variable of no known type).
    fn base(&self, base: &Json, indexes: &[Index<'_>]) -> Option<(Ty, String, usize)> {
        let strings = || {
            indexes
                .iter()
                .map_while(|i| match i {
                    Index::Key(k, _) => k.strip_prefix("s:").map(str::to_owned),
                    Index::Term(_) => None,
                })
                .collect::<Vec<_>>()
        };
        // The longest path naming a rule: its type, how many indexes it took.
        let rule = |root: Vec<String>, min: usize| {
            let keys = strings();
            (0..=keys.len()).rev().find_map(|taken| {
                let path: Vec<String> = root
                    .iter()
                    .cloned()
                    .chain(keys[..taken].iter().cloned())
                    .collect();
                let ty = match self.replaced.borrow().iter().find(|(p, _)| *p == path) {
                    Some((_, with)) => Some(self.values.rules.get(&path)?.clone().or(with.clone())),
                    None if self.reads_replaced(&path) => None,
                    None => self.values.rules.get(&path).cloned(),
                };
                (path.len() >= min)
                    .then_some(ty)
                    .flatten()
                    .map(|t| (t, format!("data.{}", path.join(".")), taken))
            })
        };
        match variant(base)? {
            ("Var", _) => {
                let name = ast::var(base)?;
                if let Some(ty) = self.local(name) {
                    return Some((ty, name.to_owned(), 0));
                }
                if name == "data" {
                    return rule(Vec::new(), 1);
                }
                if self.rule_locals.contains(name) {
                    return None;
                }
                if let Some(path) = self.aliases.get(name) {
                    return rule(path.clone(), path.len().max(1));
                }
                if self.rule_names.contains(name) {
                    let path: Vec<String> = self
                        .package
                        .iter()
                        .cloned()
                        .chain([name.to_owned()])
                        .collect();
                    let min = path.len();
                    return rule(path, min);
                }
                None
            }
            (
                "Call" | "Array" | "Object" | "Set" | "ArrayCompr" | "SetCompr" | "ObjectCompr",
                _,
            ) => {
                let ty = self.ty(base);
                (!ty.is_any()).then(|| (ty, "…".to_owned(), 0))
            }
            _ => None,
        }
    }

    /// The type of a reference's value, or OPA's "undefined ref" error when a constant index
    /// is not among its base's keys (`{"a": 1}.b`, `[1, 2][5]`, `(1).a`) or a variable's type
    /// is not its keys' (`[1][i]` with `i := "a"`). `Ok(None)`: the base is not typed.
    fn reference(&self, expr: &Json) -> Result<Option<Ty>, String> {
        let (base, indexes) = self.chain(expr);
        let Some((mut ty, mut shown, taken)) = self.base(base, &indexes) else {
            return Ok(None);
        };
        for index in &indexes[taken..] {
            match index {
                Index::Key(key, text) => {
                    shown.push_str(text);
                    ty = ty
                        .select(key)
                        .ok_or_else(|| format!("undefined ref: {shown}"))?;
                }
                Index::Term(term) => {
                    let text = variant(term)
                        .and_then(|(_, inner)| ast::span_text(self.source, &inner["span"]))
                        .unwrap_or("_");
                    shown.push_str(&format!("[{text}]"));
                    let keys = ty.keys().ok_or_else(|| format!("undefined ref: {shown}"))?;
                    if let Some(have) = self.typed(term)
                        && !have.unifies(&keys)
                    {
                        return Err(format!("undefined ref: {shown}"));
                    }
                    ty = ty.values().unwrap_or_else(Ty::any);
                }
            }
        }
        Ok(Some(ty))
    }

    /// Records the types of the variables a literal binds: `x := v` (and patterns `[x, y] :=
    /// v`), the first use of a variable in `x = v`, `some x in xs` / `some k, v in xs` (the
    /// collection's values and keys), a builtin's or function's output argument, and a
    /// variable first used as an index (`xs[i]`: the keys of `xs`). Declared names shadow
    /// enclosing ones, typed or not.
    fn bind(&self, literal: &Json) {
        let mut bound: Vec<(String, Ty)> = Vec::new();
        let mut untyped: Vec<String> = Vec::new();
        match variant(literal) {
            Some(("Expr", inner)) => {
                let expr = &inner["expr"];
                match variant(expr) {
                    Some(("AssignExpr", assign)) if assign["op"] == "ColEq" => {
                        let ty = self.ty(&assign["rhs"]);
                        self.pattern(&assign["lhs"], Some(ty), false, &mut bound);
                    }
                    Some(("AssignExpr", assign)) => {
                        for (side, other) in [
                            (&assign["lhs"], &assign["rhs"]),
                            (&assign["rhs"], &assign["lhs"]),
                        ] {
                            if self.typed(side).is_none()
                                && let Some(ty) = self.typed(other)
                            {
                                self.pattern(side, Some(ty), true, &mut bound);
                                break;
                            }
                        }
                    }
                    Some(("Call", call)) => {
                        let params = call["params"].as_array().map_or(&[][..], Vec::as_slice);
                        let (arity, result) = match self.callee(&call["fcn"]) {
                            Callee::Builtin(name, args, result) => {
                                (args.len(), builtin_result(&name, result))
                            }
                            Callee::Policy(path, arity) => (
                                arity,
                                self.values
                                    .functions
                                    .get(&path)
                                    .cloned()
                                    .unwrap_or_else(Ty::any),
                            ),
                            Callee::Unknown => (usize::MAX, Ty::any()),
                        };
                        if params.len() == arity.saturating_add(1)
                            && let Some(out) = params.last()
                            && self.typed(out).is_none()
                        {
                            self.pattern(out, Some(result), true, &mut bound);
                        }
                    }
                    _ => {}
                }
                self.index_vars(expr, &mut bound);
                self.first_uses(expr, &mut bound);
            }
            Some(("NotExpr", inner)) => self.first_uses(&inner["expr"], &mut bound),
            Some(("SomeIn", inner)) => {
                // (A function's argument iterated here is typed by that use: `any`.)
                let collection = &inner["collection"];
                match ast::var(collection) {
                    Some(name) if self.arguments.contains(name) && self.unbound(name) => {
                        bound.push((name.to_owned(), Ty::any()));
                    }
                    _ => self.first_uses(collection, &mut bound),
                }
                let collection = self.ty(collection);
                if inner["key"].is_null() {
                    self.pattern(&inner["value"], collection.values(), false, &mut bound);
                } else {
                    self.pattern(&inner["key"], collection.keys(), false, &mut bound);
                    self.pattern(&inner["value"], collection.values(), false, &mut bound);
                }
            }
            Some(("SomeVars", inner)) => {
                for span in inner["vars"].as_array().into_iter().flatten() {
                    if let Some(name) = ast::span_text(self.source, span) {
                        untyped.push(name.to_owned());
                    }
                }
            }
            // OPA moves the domain out ahead of the `every` (`__local__ = domain`): its
            // references' indexes are bound there.
            Some(("Every", inner)) => {
                self.index_vars(&inner["domain"], &mut bound);
                self.first_uses(&inner["domain"], &mut bound);
            }
            _ => {}
        }
        self.commit(bound, untyped);
    }

    /// Records variables bound (with their types) and declared untyped in the current scope.
    fn commit(&self, bound: Vec<(String, Ty)>, untyped: Vec<String>) {
        if let Some(layer) = self.locals.borrow_mut().last_mut() {
            for name in untyped {
                layer.types.remove(&name);
                layer.untyped.insert(name);
            }
            for (name, ty) in bound {
                layer.untyped.remove(&name);
                layer.types.entry(name).or_insert_with(|| ty.bounded());
            }
        }
    }

    /// Binds the variables of a pattern matched against a value of type `ty` (`None`: a value
    /// that cannot be — its variables are `any`); `fresh`: only variables not bound yet.
    fn pattern(&self, pattern: &Json, ty: Option<Ty>, fresh: bool, out: &mut Vec<(String, Ty)>) {
        match variant(pattern) {
            Some(("Var", _)) => {
                let Some(name) = ast::var(pattern) else {
                    return;
                };
                if name != "_" && (!fresh || self.unbound(name)) {
                    out.push((name.to_owned(), ty.unwrap_or_else(Ty::any)));
                }
            }
            Some(("Array", array)) => {
                for (i, item) in items(&array["items"]).into_iter().enumerate() {
                    let at = ty.as_ref().and_then(|t| t.select(&format!("n:{i}")));
                    self.pattern(item, at, fresh, out);
                }
            }
            Some(("Object", object)) => {
                for field in object["fields"].as_array().into_iter().flatten() {
                    let key = field.get(1).and_then(ast::scalar).and_then(ty::key_of);
                    let at = key.and_then(|k| ty.as_ref().and_then(|t| t.select(&k)));
                    if let Some(value) = field.get(2) {
                        self.pattern(value, at, fresh, out);
                    }
                }
            }
            _ => {
                let mut names = BTreeSet::new();
                var_names(pattern, &mut names);
                for name in names {
                    if name != "_" && (!fresh || self.unbound(&name)) {
                        out.push((name, Ty::any()));
                    }
                }
            }
        }
    }

    /// Variables no literal has bound that an expression types by their use (a function's
    /// arguments, as OPA's checker types them: `x == 1`, `x + 1`, `upper(x)`, also under
    /// `not`).
    fn first_uses(&self, expr: &Json, out: &mut Vec<(String, Ty)>) {
        // (A statement that is a bare term, `x` or `not x`, types nothing.)
        if matches!(variant(expr), Some(("Var", _))) {
            return;
        }
        for name in self.arguments {
            if out.iter().any(|(n, _)| n == name) || !self.unbound(name) || !mentions(name, expr) {
                continue;
            }
            let ty = self.narrowed(name, expr).unwrap_or_else(Ty::any);
            out.push((name.clone(), ty));
        }
    }

    /// Variables first used as an index (`xs[i]`, not inside a comprehension): the keys of what
    /// they index.
    fn index_vars(&self, expr: &Json, out: &mut Vec<(String, Ty)>) {
        match expr {
            Json::Object(map) => {
                match variant(expr) {
                    Some(("ArrayCompr" | "SetCompr" | "ObjectCompr", _)) => return,
                    // (OPA moves an `every`'s domain out ahead of it.)
                    Some(("Every", e)) => return self.index_vars(&e["domain"], out),
                    Some(("RefBrack", r)) => {
                        if let Some(name) = ast::var(&r["index"])
                            && name != "_"
                            && self.unbound(name)
                            && !out.iter().any(|(n, _)| n == name)
                        {
                            let keys = self.ty(&r["refr"]).keys().unwrap_or_else(Ty::any);
                            out.push((name.to_owned(), keys));
                        }
                    }
                    _ => {}
                }
                for (key, value) in map {
                    if key != "span" {
                        self.index_vars(value, out);
                    }
                }
            }
            Json::Array(items) => items.iter().for_each(|v| self.index_vars(v, out)),
            _ => {}
        }
    }

    /// Whether `name` is a variable no literal has bound yet (OPA's checker has no type for
    /// it): not a local, not used by an earlier literal, not a rule, `input` or `data`.
    fn unbound(&self, name: &str) -> bool {
        if name == "_" {
            return true;
        }
        if matches!(name, "input" | "data") || self.aliases.contains_key(name) {
            return false;
        }
        let locals = self.locals.borrow();
        if locals.iter().any(|l| l.types.contains_key(name)) {
            return false;
        }
        if locals.iter().any(|l| l.untyped.contains(name)) {
            return true;
        }
        // (A function's argument is bound once a use types it: `print(x)` or a bare `x` does
        // not.)
        if locals.iter().any(|l| l.seen.contains(name)) && !self.arguments.contains(name) {
            return false;
        }
        self.rule_locals.contains(name) || !self.rule_names.contains(name)
    }

    /// The type of a term with no unbound variable in it (outside comprehensions); `None`
    /// when one is (OPA's checker unifies such a term by its structure).
    fn typed(&self, expr: &Json) -> Option<Ty> {
        fn free(checker: &Checker<'_>, node: &Json) -> bool {
            match node {
                Json::Object(map) => {
                    match variant(node) {
                        Some(("ArrayCompr" | "SetCompr" | "ObjectCompr" | "Every", _)) => {
                            return false;
                        }
                        Some(("Var", _)) => {
                            return ast::var(node).is_some_and(|n| checker.unbound(n));
                        }
                        // (OPA moves a call out to a variable its result types, whatever
                        // its arguments; a reference is typed by its base, its indexes
                        // iterate.)
                        Some(("Call", _)) => return false,
                        Some(("RefBrack" | "RefDot", _)) => {
                            return free(checker, checker.chain(node).0);
                        }
                        _ => {}
                    }
                    map.iter()
                        .any(|(key, value)| key != "span" && free(checker, value))
                }
                Json::Array(items) => items.iter().any(|v| free(checker, v)),
                _ => false,
            }
        }
        (!free(self, expr)).then(|| self.ty(expr))
    }

    /// The type of a local variable (`any` for one declared and not typed); `None` when
    /// `name` is no local bound so far.
    fn local(&self, name: &str) -> Option<Ty> {
        self.locals.borrow().iter().rev().find_map(|layer| {
            if let Some(ty) = layer.types.get(name) {
                Some(ty.clone())
            } else {
                layer.untyped.contains(name).then(Ty::any)
            }
        })
    }

    fn callee(&self, fcn: &Json) -> Callee {
        let Some(segs) = ast::ref_segs(fcn) else {
            return Callee::Unknown;
        };
        let names = keys(&segs);
        let full: Vec<String> = match names.split_first() {
            Some((first, rest)) if first == "data" => rest.to_vec(),
            Some((first, rest)) if self.aliases.contains_key(first) => self.aliases[first]
                .iter()
                .cloned()
                .chain(rest.iter().cloned())
                .collect(),
            _ => self
                .package
                .iter()
                .cloned()
                .chain(names.iter().cloned())
                .collect(),
        };
        if let Some(&arity) = self.arities.get(&full) {
            return Callee::Policy(full, arity);
        }
        let dotted = names.join(".");
        match signature(&dotted) {
            Some((args, result)) => Callee::Builtin(dotted, args, result),
            None => Callee::Unknown,
        }
    }

    fn call(&self, call: &Json, statement: bool) -> Result<(), (u32, String)> {
        let params = call["params"].as_array().map_or(&[][..], Vec::as_slice);
        let line = ast::line(call);
        let fits = |arity: usize| params.len() == arity || (statement && params.len() == arity + 1);
        match self.callee(&call["fcn"]) {
            Callee::Policy(path, arity) if !fits(arity) => Err((
                line,
                format!(
                    "function data.{} has arity {arity}, got {} argument{}",
                    path.join("."),
                    params.len(),
                    if params.len() == 1 { "" } else { "s" }
                ),
            )),
            // A policy function: its arguments against the kinds its definitions give them,
            // an output argument against its result's kinds.
            Callee::Policy(path, arity)
                if self.in_every.get() == 0 && !self.reads_replaced(&path) =>
            {
                let mut want: Vec<Ty> = self.values.params.get(&path).cloned().unwrap_or_default();
                want.resize(arity, Ty::any());
                if params.len() == arity + 1 {
                    want.push(
                        self.values
                            .functions
                            .get(&path)
                            .cloned()
                            .unwrap_or_else(Ty::any),
                    );
                }
                if params.iter().zip(&want).any(|(p, w)| !self.matches(p, w)) {
                    let have: Vec<Kinds> = params.iter().map(|p| self.kinds(p)).collect();
                    let want: Vec<Kinds> = want.iter().map(Ty::kinds).collect();
                    return Err((
                        line,
                        format!(
                            "data.{}: invalid argument(s): have ({}), want ({})",
                            path.join("."),
                            show(&have),
                            show(&want)
                        ),
                    ));
                }
                Ok(())
            }
            Callee::Builtin(name, args, _) => {
                let have: Vec<Kinds> = params.iter().map(|p| self.kinds(p)).collect();
                if !fits(args.len()) {
                    return Err((
                        line,
                        format!(
                            "{name}: arity mismatch: have ({}), want ({})",
                            show(&have),
                            show(args)
                        ),
                    ));
                }
                // Each argument, and an output, against OPA's declaration: a literal item by
                // item, any other term by its type.
                let typed = self.in_every.get() == 0;
                let bad = match declared(&name) {
                    Some((declared_args, result)) => params
                        .iter()
                        .enumerate()
                        .any(|(i, p)| !self.matches(p, declared_args.get(i).unwrap_or(result))),
                    None => have.iter().zip(args).any(|(h, w)| h & w == 0),
                };
                if typed && bad {
                    return Err((
                        line,
                        format!(
                            "{name}: invalid argument(s): have ({}), want ({})",
                            show(&have[..args.len()]),
                            show(args)
                        ),
                    ));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn operator(&self, expr: &Json) -> Result<(), (u32, String)> {
        let (name, kinds): (&str, &[Kinds]) = match expr["op"].as_str() {
            Some("Add") => ("plus", &[N, N]),
            Some("Sub") => ("minus", &[N | T, N | T]),
            Some("Mul") => ("mul", &[N, N]),
            Some("Div") => ("div", &[N, N]),
            Some("Mod") => ("rem", &[N, N]),
            _ => return Ok(()),
        };
        self.operands(expr, name, kinds)
    }

    fn operands(&self, expr: &Json, name: &str, want: &[Kinds]) -> Result<(), (u32, String)> {
        if self.in_every.get() > 0 {
            return Ok(());
        }
        let have = [self.kinds(&expr["lhs"]), self.kinds(&expr["rhs"])];
        if have.iter().zip(want).any(|(h, w)| h & w == 0) {
            return Err((
                ast::line(expr),
                format!(
                    "{name}: invalid argument(s): have ({}, {}), want ({}, {})",
                    kind_names(have[0]),
                    kind_names(have[1]),
                    kind_names(want[0]),
                    kind_names(want[1])
                ),
            ));
        }
        Ok(())
    }

    /// Whether `==` or `=` between two expressions can hold, as OPA's checker sees it (its
    /// "match error" otherwise): two terms of known types must unify; a term with unbound
    /// variables (`[x, 1]`) unifies by its structure with the other's type; two such terms
    /// item by item.
    fn unifiable(&self, lhs: &Json, rhs: &Json) -> bool {
        match (self.typed(lhs), self.typed(rhs)) {
            (Some(a), Some(b)) => a.unifies(&b),
            (None, Some(b)) => self.matches(lhs, &b),
            (Some(a), None) => self.matches(rhs, &a),
            (None, None) => match (variant(lhs), variant(rhs)) {
                (Some(("Array", l)), Some(("Array", r))) => {
                    let (l, r) = (items(&l["items"]), items(&r["items"]));
                    l.len() == r.len() && l.iter().zip(&r).all(|(a, b)| self.unifiable(a, b))
                }
                (Some(("Object", l)), Some(("Object", r))) => {
                    let (Some(l), Some(r)) = (constant_fields(l), constant_fields(r)) else {
                        return true;
                    };
                    l.len() == r.len()
                        && l.iter().all(|(key, a)| {
                            r.iter()
                                .find(|(k, _)| k == key)
                                .is_some_and(|(_, b)| self.unifiable(a, b))
                        })
                }
                _ => true,
            },
        }
    }

    /// Whether a term unifies with a value of type `ty`, as OPA unifies a term with a type: a
    /// literal array, object or set item by item (a set's items each with the element type),
    /// an unbound variable always, any other term by its type.
    fn matches(&self, term: &Json, ty: &Ty) -> bool {
        if let Ty::Any(members) = ty {
            return members.is_empty() || members.iter().any(|m| self.matches(term, m));
        }
        match variant(term) {
            Some(("Var", _)) if ast::var(term).is_some_and(|n| self.unbound(n)) => true,
            Some(("Array", array)) => {
                let items = items(&array["items"]);
                let Ty::Array(fixed, rest) = ty else {
                    return false;
                };
                (items.len() == fixed.len() || rest.is_some())
                    && items.iter().enumerate().all(|(i, item)| {
                        ty.select(&format!("n:{i}"))
                            .is_some_and(|t| self.matches(item, &t))
                    })
            }
            Some(("Object", object)) => {
                let Ty::Object(fields, rest) = ty else {
                    return false;
                };
                let all = object["fields"].as_array().map_or(&[][..], Vec::as_slice);
                (all.len() == fields.len() || rest.is_some())
                    && all.iter().all(|field| {
                        let key = field.get(1).and_then(ast::scalar).and_then(ty::key_of);
                        match (key, field.get(2)) {
                            (Some(key), Some(value)) => {
                                ty.select(&key).is_some_and(|t| self.matches(value, &t))
                            }
                            _ => true,
                        }
                    })
            }
            Some(("Set", set)) => {
                let Ty::Set(of) = ty else {
                    return false;
                };
                items(&set["items"])
                    .iter()
                    .all(|item| self.matches(item, of))
            }
            _ => self.ty(term).unifies(ty),
        }
    }

    /// A constant array, object or set used as an object key (`{[1]: "a"}`): a static key to
    /// OPA, written here as its source text without blanks (`c:[1]`); `None` for any other key.
    fn composite_key(&self, key: &Json) -> Option<Key> {
        fn constant(node: &Json) -> bool {
            match variant(node) {
                Some(("Array" | "Set", c)) => items(&c["items"]).iter().all(|i| constant(i)),
                Some(("Object", o)) => o["fields"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .all(|f| f.get(1).is_some_and(constant) && f.get(2).is_some_and(constant)),
                _ => ast::scalar(node).is_some(),
            }
        }
        let (kind, inner) = variant(key)?;
        if !matches!(kind, "Array" | "Set" | "Object") || !constant(key) {
            return None;
        }
        let text = ast::span_text(self.source, &inner["span"])?;
        Some(format!("c:{}", text.split_whitespace().collect::<String>()))
    }

    /// The kinds an expression's value can have, as far as the source tells.
    fn kinds(&self, expr: &Json) -> Kinds {
        self.ty(expr).kinds()
    }

    /// The type of an expression's value, as far as the source tells (`any` otherwise).
    fn ty(&self, expr: &Json) -> Ty {
        let Some((kind, inner)) = variant(expr) else {
            return Ty::any();
        };
        match kind {
            "String" | "RawString" => Ty::String,
            "Number" => Ty::Number,
            "Bool" => Ty::Boolean,
            "Null" => Ty::Null,
            "Array" => Ty::tuple(items(&inner["items"]).iter().map(|i| self.ty(i)).collect()),
            "Set" => Ty::set_of(
                Ty::union(items(&inner["items"]).iter().map(|i| self.ty(i)))
                    .unwrap_or_else(Ty::any),
            ),
            "Object" => {
                let mut fields = BTreeMap::new();
                let mut dynamic = None;
                for field in inner["fields"].as_array().into_iter().flatten() {
                    let (Some(key), Some(value)) = (field.get(1), field.get(2)) else {
                        continue;
                    };
                    match ast::scalar(key)
                        .and_then(ty::key_of)
                        .or_else(|| self.composite_key(key))
                    {
                        Some(k) => {
                            fields.insert(k, self.ty(value));
                        }
                        None => dynamic = Some((self.ty(key), self.ty(value))),
                    }
                }
                Ty::object(fields, dynamic)
            }
            "ArrayCompr" => Ty::array_of(self.scoped(&inner["query"], |c| c.ty(&inner["term"]))),
            "SetCompr" => Ty::set_of(self.scoped(&inner["query"], |c| c.ty(&inner["term"]))),
            "ObjectCompr" => {
                let (key, value) = self.scoped(&inner["query"], |c| {
                    (c.ty(&inner["key"]), c.ty(&inner["value"]))
                });
                Ty::Object(BTreeMap::new(), Some(Box::new((key, value))))
            }
            "BoolExpr" | "Membership" => Ty::Boolean,
            "BinExpr" => Ty::set_of(Ty::any()),
            // OPA's declared result type of `minus`, whatever the operands.
            "ArithExpr" if inner["op"] == "Sub" => Ty::of_kinds(N | T),
            "ArithExpr" => Ty::Number,
            // `-x`: OPA's `minus(0, x)`, a number or a set.
            "UnaryExpr" => Ty::of_kinds(N | T),
            "Call" => match self.callee(&inner["fcn"]) {
                Callee::Builtin(name, _, result) => builtin_result(&name, result),
                Callee::Policy(path, _) if self.reads_replaced(&path) => Ty::any(),
                Callee::Policy(path, _) => self
                    .values
                    .functions
                    .get(&path)
                    .cloned()
                    .unwrap_or_else(Ty::any),
                Callee::Unknown => Ty::any(),
            },
            "Var" => {
                let Some(name) = ast::var(expr) else {
                    return Ty::any();
                };
                if let Some(ty) = self.local(name) {
                    return ty;
                }
                if self.rule_locals.contains(name) {
                    return Ty::any();
                }
                self.reference(expr).ok().flatten().unwrap_or_else(Ty::any)
            }
            "RefDot" | "RefBrack" => self.reference(expr).ok().flatten().unwrap_or_else(Ty::any),
            _ => Ty::any(),
        }
    }
}

/// The type the variable `name` gets inside a term matched against type `ty` (the term
/// itself, or an item of a literal array, set or object); `None` when it is not there.
fn within(term: &Json, name: &str, ty: Ty) -> Option<Ty> {
    match variant(term)? {
        ("Var", _) => (ast::var(term) == Some(name)).then_some(ty),
        ("Array", array) => items(&array["items"])
            .into_iter()
            .enumerate()
            .find_map(|(i, item)| within(item, name, ty.select(&format!("n:{i}"))?)),
        ("Set", set) => items(&set["items"])
            .into_iter()
            .find_map(|item| within(item, name, ty.values()?)),
        ("Object", object) => object["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|field| {
                let key = field.get(1).and_then(ast::scalar).and_then(ty::key_of)?;
                within(field.get(2)?, name, ty.select(&key)?)
            }),
        _ => None,
    }
}

/// Whether `name` occurs in `expr` outside comprehensions and `every` (whose bodies OPA checks
/// in a scope of their own).
fn mentions(name: &str, expr: &Json) -> bool {
    match expr {
        Json::Object(map) => {
            match variant(expr) {
                Some(("ArrayCompr" | "SetCompr" | "ObjectCompr" | "Every", _)) => return false,
                Some(("Var", _)) => return ast::var(expr) == Some(name),
                // (OPA checks `print`'s arguments in comprehensions of their own.)
                Some(("Call", call)) if ast::var(&call["fcn"]) == Some("print") => return false,
                _ => {}
            }
            map.iter()
                .any(|(key, value)| key != "span" && mentions(name, value))
        }
        Json::Array(items) => items.iter().any(|v| mentions(name, v)),
        _ => false,
    }
}

/// The value a rule's head gives: `contains`'s element, `:=`'s value (null: `p if …`).
fn head_value(head: &Json) -> &Json {
    if head["key"].is_null() {
        &head["assign"]["value"]
    } else {
        &head["key"]
    }
}

/// Adds `ty` to the union at `path`.
fn add(map: &mut HashMap<Vec<String>, Ty>, path: Vec<String>, ty: Ty) {
    match map.remove(&path) {
        Some(have) => map.insert(path, have.or(ty).bounded()),
        None => map.insert(path, ty),
    };
}

/// The type of a builtin's result: OPA's declaration, or (verdict's functions) its kinds.
fn builtin_result(name: &str, result: Kinds) -> Ty {
    declared(name).map_or_else(|| Ty::of_kinds(result), |(_, r)| r.clone())
}

#[cfg(test)]
mod tests {
    use super::super::tests::expect_compile;
    use super::{DECLARED, Kinds, SIGNATURES, Ty, declared, signature};

    /// Every declaration parses, and agrees with `SIGNATURES` on the arity and on each
    /// argument's and the result's kinds.
    #[test]
    fn declarations_agree_with_signatures() {
        for (name, text) in DECLARED {
            let Some((args, result)) = declared(name) else {
                panic!("{name}: {text} does not parse");
            };
            let Some((kinds, result_kinds)) = signature(name) else {
                panic!("{name} is declared and has no signature");
            };
            let have: Vec<Kinds> = args.iter().map(Ty::kinds).collect();
            assert_eq!(have, kinds, "{name}: {text}");
            assert_eq!(result.kinds(), result_kinds, "{name}: {text}");
        }
        let verdicts_own = SIGNATURES
            .iter()
            .filter(|(name, _, _)| declared(name).is_none())
            .map(|(name, _, _)| *name)
            .collect::<Vec<_>>();
        assert_eq!(
            verdicts_own,
            [
                "load_json",
                "verify_git_signature",
                "verify_http_pgp_signature",
                "pin_image",
                "artifact_attestation",
                "github_attestation"
            ]
        );
    }

    /// Types with their contents — through locals, rules, functions, refs, patterns and
    /// unification — as OPA v1.20.2 infers them (each answer is OPA's; tests/opa's `types`
    /// stream compares generated ones).
    #[test]
    fn structured_types_as_opa_infers_them() {
        let refused = Some("rego_type_error");
        let undefined = Some("rego_type_error: undefined ref");
        let cases: &[(&str, Option<&str>)] = &[
            // Fields and indexes of locals, rules and function results.
            ("o := {\"n\": [1]}\nx := upper(o.n[0])", refused),
            ("o := {\"n\": [1]}\nx := o.m", undefined),
            ("y := [1, 2]\nx := y[5]", undefined),
            ("x if { y := [1, 2]; y[5] }", undefined),
            ("x if { y := 1; y.a }", undefined),
            ("x if { y := {\"a\": [1, \"s\"]}; upper(y.a[0]) }", refused),
            ("x if { y := {\"a\": [1, \"s\"]}; upper(y.a[1]) }", None),
            ("x if { y := {\"a\": {\"b\": 1}}; y.a.c }", undefined),
            ("x if { y := {\"a\": 1} ; y.a.b }", undefined),
            (
                "f(y) := {\"k\": y} if y == 1\nx if { upper(f(1).k) }",
                refused,
            ),
            ("f(a) := [a]\nx if { upper(f(1)[0]) }", None),
            ("f(_) := [1]\nx if { upper(f(1)[0]) }", refused),
            ("f(x) := [x, 1]\nx if { upper(f(\"a\")[1]) }", refused),
            ("x if { y := time.date(0); y[3] }", undefined),
            // A statement's reference indexes are typed before it unifies; an `every`'s
            // domain is moved out ahead of it and binds its indexes; `-a == b` unifies
            // `minus(0, a)` with `b`.
            ("x if { k == split(\"a\", \",\")[k] }", refused),
            ("x if { xs := [\"a\"]; xs[k] == k }", refused),
            ("x if { xs := {\"a\": \"b\"}; xs[k] == k }", None),
            (
                "x := upper(k) if { every v in [[\"a\"][k]] { v != \"\" } }",
                refused,
            ),
            ("x if { not -count([1]) == \"x\" }", refused),
            ("x if { -count([1]) == -1 }", None),
            // Chains of rules, of any length.
            (
                "a := b\nb := c\nc := d\nd := e\ne := 1\nx := upper(a)",
                refused,
            ),
            ("p := [1]\nx if { q := p; upper(q[0]) }", refused),
            // Definitions unite: a field one of them has.
            (
                "p := {\"a\": 1} if input.x\np := {\"b\": \"s\"} if input.y\nx := upper(p.a)",
                refused,
            ),
            (
                "p := {\"a\": 1} if input.x\np := {\"b\": \"s\"} if input.y\nx := p.c",
                undefined,
            ),
            ("x := y if { y := 1 } else := \"a\"\nz := upper(x)", None),
            // Sets, ref heads, partial rules.
            ("x if { y := {1, 2}; y[\"a\"] }", undefined),
            ("x if { y := {\"a\"}; upper(y[_]) }", None),
            ("x if { y := {1}; upper(y[_]) }", refused),
            ("x if { s := {\"1\", 1}; count(s[0]) > 0 }", refused),
            (
                "p contains {\"a\": 1}\nx if { some v in p; upper(v.a) }",
                refused,
            ),
            ("p contains \"a\"\nx if { p[1] }", undefined),
            ("a.b := 1\nx := upper(a.b)", refused),
            ("a.b := 1\nx := a.c", None),
            ("p[k] := 1 if some k in [\"a\"]\nx := upper(p.z)", refused),
            ("p[k] := 1 if some k in [\"a\"]\nx if p[1]", undefined),
            // Iteration, patterns, output arguments, variable indexes.
            ("x if { some k, v in [\"a\"]; upper(k) }", refused),
            ("x if { some k, v in [\"a\"]; abs(v) }", refused),
            ("x if { some [a, b] in [[1, \"x\"]]; upper(a) }", refused),
            ("x if { [a, b] := [1, \"s\"]; upper(a) }", refused),
            ("x if { y := [1]; [a] := y; upper(a) }", refused),
            (
                "x if { split(\"a,b\", \",\", parts); abs(parts[0]) }",
                refused,
            ),
            ("x if { count([1], n); upper(n) }", refused),
            ("x if { y := [1]; y[i]; upper(i) }", refused),
            ("x if { y := {\"a\": 1}; y[k]; abs(k) }", refused),
            ("x if { y := [1]; z := \"b\"; y[z] }", undefined),
            ("x if { y := {\"a\": 1}; z := \"b\"; y[z] }", None),
            ("x if { y := [1]; some i; upper(y[i]) }", refused),
            // Collections against what a builtin wants, and unification.
            ("x if { y := [1]; concat(\",\", y) }", refused),
            ("x := concat(\",\", {1, \"a\"})", refused),
            ("x if { y := {1, \"a\"}; concat(\",\", y) }", None),
            ("x if { y := [z | some z in [1]]; upper(y[0]) }", refused),
            (
                "x if { y := {k: 1 | some k in [\"a\"]}; upper(y.a) }",
                refused,
            ),
            ("x if { y := {1, 2}; [y[_]] == [\"a\"] }", refused),
            ("x if { i := \"a\"; y := [1]; some j; y[j] == i }", refused),
            ("x if { not [1] == [\"a\"] }", refused),
            ("x if { y := {\"a\": 1}; not y.a == \"b\" }", refused),
            ("p := input.x\nx if { upper(p.a) }", None),
            ("f(y) := y\nx if { upper(f(1)) }", None),
            (
                "f(a, b) := c if { c := a + b }\nx if { upper(f(1, 2)) }",
                refused,
            ),
            // A function's arguments typed by their first use in its body.
            ("f(y) := 1 if { y == 1; upper(y) }\nx := f(1)", refused),
            ("f(y) := 1 if { not y == 1; upper(y) }\nx := f(1)", refused),
            ("x if { every y in [1] { upper(y) } }", None),
            // … with the whole type its use gives (OPA unifies a literal argument with it).
            ("f(x) := 1 if x == [1]\ny := f([\"a\"])", refused),
            ("f(x) := 1 if x == [1]\ny := f([2])", None),
            ("f(x) := 1 if x == {\"a\": 1}\ny := f({\"b\": 1})", refused),
            ("f(x) := 1 if x == {\"a\": 1}\ny := f(input.z)", None),
            // The first use fixes the type, `any` included; before it the argument is untyped.
            (
                "g(r) if { r != \"\"; startswith(r, \"a\") }\nc := {\"r\": [\"a\"]}\nx if g(c.r)",
                None,
            ),
            ("f(y) if { y != \"a\"; y == 1 }\nx := f(\"b\")", None),
            (
                "f(y) := z if { z := {\"a\": y}; y == 1 }\nx := upper(f(1).a)",
                None,
            ),
            // OPA checks a body in the order it runs it, reordered for safety (the safety
            // check's order).
            ("x if { upper(y) == \"A\"; y = input.v; y + 1 > 0 }", None),
            ("x if { upper(y) == \"A\"; y = 1 }", refused),
            ("x if { z := y + 1; y = \"a\" }", refused),
            ("x if { upper(y) == \"A\"; y = \"a\" }", None),
            // What `with` replaces in `data` is not typed by the replaced rule.
            (
                "c := {\"a\": 1}\nx if { data.docker.c.b with data.docker.c as {\"b\": 1} }",
                None,
            ),
            (
                "c := {\"a\": 1}\nx if { upper(c.a) with data.docker.c as {\"a\": \"s\"} }",
                None,
            ),
            // A `:=` pattern against a value of another shape.
            ("x if { v := [1, 2, 3]; [y, m] := v }", refused),
            // Builtins' declared types, nested, for arguments, outputs and results.
            ("x if { v := uuid.parse(\"x\"); v[0] }", undefined),
            (
                "h := {\"a\": {\"b\": 1}}\nx := urlquery.encode_object(h.a)",
                refused,
            ),
            (
                "h := {\"x\": 1}\nx := strings.replace_n(h, \"axb\")",
                refused,
            ),
            ("x if { count([1], \"a\") }", refused),
            (
                "x if { y := regex.find_all_string_submatch_n(\"a\", \"a\", 1); upper(y[0]) }",
                refused,
            ),
            (
                "x if { y := regex.find_all_string_submatch_n(\"a\", \"a\", 1); upper(y[0][0]) }",
                None,
            ),
            (
                "x := json.patch({}, [{\"op\": 1, \"path\": \"/a\"}])",
                refused,
            ),
            (
                "x := json.patch({}, [{\"op\": \"add\", \"path\": \"/a\", \"value\": 1}])",
                None,
            ),
            (
                "x if { y := urlquery.decode_object(\"a=b\"); upper(y.a) }",
                refused,
            ),
            (
                "x if { y := indexof_n(\"aa\", \"a\"); upper(y[0]) }",
                refused,
            ),
            (
                "x if { y := object.keys({\"a\": 1}); upper(y[\"a\"]) }",
                None,
            ),
            ("x if { y := [1, \"UTC\"]; time.format(y) }", None),
            ("x if { y := [1, 2]; time.format(y) }", refused),
            // A reference is typed by its base whatever its indexes (`_` included).
            (
                "x if { v := {\"a\": 1, \"b\": \"s\"}; v[_] = {\"a\": z} }",
                refused,
            ),
            (
                "x if { v := {\"a\": {\"a\": 1}}; v[_] = {\"a\": z}; upper(z) }",
                refused,
            ),
            (
                "x if { v := {\"a\": {\"a\": 1}}; v[_] = {\"a\": z}; abs(z) }",
                None,
            ),
            // Numbers as written: `1.0` indexes no array; object keys compare by value.
            ("x if { v := [1, 2]; v[1.0] }", undefined),
            ("x if { v := [1, 2]; v[1] }", None),
            ("x if { v := {1: \"a\"}; upper(v[1.0]) }", None),
            ("x if { v := {1.0: \"a\"}; abs(v[1]) }", refused),
            // Objects: a key one side lacks fits once either side is open.
            (
                "x if { opts := {\"pretty\": true}; _ = json.marshal_with_options(input, opts) }",
                None,
            ),
            (
                "x if { r := [{\"op\": \"add\"}]; _ = json.patch({}, r) }",
                None,
            ),
            (
                "x if { v := {1: \"a\"}; strings.render_template(\"t\", v) }",
                None,
            ),
            (
                "x if { urlquery.decode_object(input.q) == {1: \"a\"} }",
                None,
            ),
            ("x if { t := {\"a\": 1}; s := {1: 1 | true}; s == t }", None),
            ("x if { t := {\"a\": 1}; s := {\"b\": 1}; s == t }", refused),
            (
                "x if { t := {\"a\": 1}; s := {\"a\": \"x\", \"b\": 1}; s == t }",
                refused,
            ),
            // Waiting statements run in OPA's pass order.
            ("x if { w = b; w = a; upper(w); b = input.s; a = 1 }", None),
            (
                "x if { w = a; w = b; upper(w); a = 1; b = input.s }",
                refused,
            ),
            (
                "x if { w = b; w = a; upper(w); b = 1; a = input.s }",
                refused,
            ),
            // OPA moves nested calls out of their statement before ordering the body: the moved
            // call runs where its arguments are safe, ahead of a statement that waits.
            ("f(x) if { upper(x) == y; y = x }\nx := f(1)", refused),
            ("f(x) if { y == upper(x); y = x }\nx := f(1)", refused),
            ("f(x) if { y = x; upper(x) == y }\nx := f(1)", None),
            ("f(x) if { not upper(x) == y; y = x }\nx := f(1)", refused),
            ("f(x) if { [upper(x)] == y; y = [x] }\nx := f(1)", refused),
            (
                "f(x) if { y := 1 + count(x); z = x; y > 0 }\nx := f(1)",
                refused,
            ),
            (
                "f(x) if { some y in [upper(x)]; z = x; y == z }\nx := f(1)",
                refused,
            ),
            ("f(x) if { abs(x) + 1 == y; y = x }\nx := f(\"a\")", refused),
            (
                "f(x) if { y == [v | v := upper(x)]; y = x }\nx := f(1)",
                None,
            ),
            // Inside `every` OPA checks references rooted at rules only.
            ("x if { every r in [1] { r != {\"a\": 1}.b } }", None),
            (
                "x if { k = \"a\"; every r in [1] { r != [\"x\"][k] } }",
                None,
            ),
            (
                "y := {\"a\": 1}\nx if { every r in [1] { r != y.b } }",
                undefined,
            ),
            // A comprehension inside a moved call has names of its own.
            ("x if { y := count([1 | z = \"x\"; 1 == z]) }", refused),
            ("x if { count([1 | z = \"x\"; not 1 == z]) == 0 }", refused),
            // A moved call binds its reference's index before the statement is checked.
            (
                "x if { xs := [\"a\", \"B\", 1]; [upper(xs[k])] == k }",
                refused,
            ),
            // A comprehension runs after the statement binding a name of the body it uses.
            (
                "x if { count([1 | input.q[a]; a == 1]) > 0; a = \"k\" }",
                refused,
            ),
            (
                "x if { count([1 | count(input.git.tags[k]) == k]) == 0; k = \"a\" }",
                refused,
            ),
            // Function arguments typed where OPA types them: indexes, other functions, literal arguments, in OPA's order.
            ("f(x) if { [\"a\", \"b\"][x] }\nx if f(\"a\")", refused),
            ("f(x) if { {\"a\": 1}[x] }\nx if f(1)", refused),
            (
                "f(x, y) if { upper(y); x == y }\nx if f(1, input.q)",
                refused,
            ),
            ("f(x) if { x == y; y = 1 }\nx if f(\"s\")", refused),
            ("f([a, b]) if { upper(a) }\nx if f([1, 2])", refused),
            ("f({\"k\": a}) if { upper(a) }\nx if f({\"k\": 1})", refused),
            ("g(y) if upper(y)\nf(x) if { g(x) }\nx if f(1)", refused),
            ("f(a) if { concat(\",\", [a]) }\nx if f(1)", refused),
            ("f(a) if { time.format([1, a]) }\nx if f(1)", refused),
            (
                "f(x) if { x == y; y = input.q; startswith(x, \"a\") }\nx if f(1)",
                refused,
            ),
            (
                "f(x) if { startswith(x, y); y = input.q; x == input.z }\nx if f(1)",
                None,
            ),
            (
                "f(x) if { x == upper(y); y = input.q; x == input.z }\nx if f(1)",
                None,
            ),
            (
                "f(x) if { x != \"\"; startswith(x, \"a\") }\nc := {\"r\": [\"a\"]}\nx if f(c.r)",
                None,
            ),
            // `with data.… as`: the replaced rule has its type or the replacement's; rules reading it are untyped there.
            (
                "h := \"s\"\ng := h\nx if { abs(g) with data.docker.h as 1 }",
                None,
            ),
            (
                "h := \"s\"\ng := h\nx if { g.zz with data.docker.h as 1 }",
                None,
            ),
            (
                "names := [\"a\"]\nfirst := names[0]\nx if { abs(first) with data.docker.names as [1] }",
                None,
            ),
            ("h := 1\nx if { upper(h) with data.docker.h as 2 }", refused),
            (
                "h := \"s\"\nx if { upper(h) with data.docker.h as 1 }",
                None,
            ),
            (
                "h := [1]\nx if { h[0] == \"s\" with data.docker.h as [2] }",
                refused,
            ),
            (
                "h := \"s\"\nx if { data.docker.h.zz with data.docker.h as {\"zz\": 1} }",
                None,
            ),
            (
                "h := \"s\"\nf(_) := h\nx if { abs(f(0)) with data.docker.h as 1 }",
                None,
            ),
            (
                "cfg := {\"a\": 1}\nx if { data.docker.cfg.b with data.docker.cfg as {\"b\": 1} }",
                None,
            ),
            (
                "cfg := {\"a\": 1}\nx if { upper(cfg.a) with data.docker.cfg as {\"a\": \"s\"} }",
                None,
            ),
            // Constant composite keys are static keys; `print(x)`, `x`, `not x` and closures type no argument.
            ("x if { v := {[1]: \"arr\"}; v == {\"a\": 1} }", refused),
            (
                "h := {[1]: \"arr\"}\nx if { h = {\"a\": 1, \"b\": \"s\"} }",
                refused,
            ),
            ("x if { v := {[1]: \"arr\"}; v == {[1]: \"b\"} }", None),
            ("x if { v := {[1]: \"arr\"}; v == {[ 1 ]: \"b\"} }", None),
            ("x if { v := {[1]: \"arr\"}; upper(v[[1]]) }", None),
            (
                "f(x) if { print(x); startswith(x, \"a\") }\nz := f(1)",
                refused,
            ),
            ("f(x) if { x; startswith(x, \"a\") }\nz := f(1)", refused),
            (
                "f(x) if { count([1 | x]) > 0; startswith(x, \"a\") }\nz := f(1)",
                refused,
            ),
            (
                "f(x) if { not x; startswith(x, \"a\") }\nz := f(1)",
                refused,
            ),
            // A composite key has its own type; an argument iterated by `some … in` is typed `any`.
            ("x if { v := {[1]: \"arr\"}; i := \"a\"; v[i] }", refused),
            ("x if { v := {[1]: \"arr\"}; v[i]; upper(i) }", refused),
            (
                "x if { v := {[1]: \"arr\"}; some k, vv in v; k == \"a\" }",
                refused,
            ),
            (
                "f(x) if { some e in x; startswith(x, \"a\") }\nz := f(1)",
                None,
            ),
            ("x if { v := {[1]: \"arr\"}; upper(v[[1]]) }", None),
            ("x if { v := {[1]: \"arr\"}; v == {[1]: \"b\"} }", None),
            // Only what `with` replaces is untyped.
            (
                "c := {\"a\": 1}\nx if { upper(1) with data.docker.c as {\"a\": \"s\"} }",
                refused,
            ),
            (
                "c := 1\nd := {\"b\": 1}\nx if { upper(d.b) with data.docker.c as 2 }",
                refused,
            ),
        ];
        for (source, want) in cases {
            expect_compile(&[source], *want);
        }
        // A chain of 200 rules carries its type (rules are typed after those they read).
        let mut chain: String = (0..200).map(|i| format!("r{i} := r{}\n", i + 1)).collect();
        chain.push_str("r200 := 1\nx := upper(r0)\n");
        expect_compile(&[&chain], refused);
    }

    #[test]
    fn type_errors_as_opa_finds_them() {
        let cases: &[(&str, Option<&str>)] = &[
            // A default value is a constant (OPA's parser): no var, ref or call.
            (
                "z := 1\ndefault y := z",
                Some("rego_parse_error: illegal default rule (value cannot contain var)"),
            ),
            (
                "default y := [input.a]",
                Some("rego_parse_error: illegal default rule (value cannot contain ref)"),
            ),
            (
                "default y := count([1])",
                Some("rego_parse_error: illegal default rule (value cannot contain call)"),
            ),
            ("default f(_) := 1\nx := f(2)", None),
            // A function's arguments are typed by their first typing use (OPA's answers).
            ("f(x) := 1 if x != 1\nx := f(\"a\")", None),
            ("f(x) := 1 if x > 1\nx := f(\"a\")", None),
            (
                "f(x) := 1 if startswith(x, \"a\")\nx := f(1)",
                Some("rego_type_error: data.docker.f: invalid argument(s)"),
            ),
            (
                "f(x) := 1 if count(x) > 1\nx := f(1)",
                Some("rego_type_error: data.docker.f: invalid argument(s)"),
            ),
            ("f(x) := 1 if count(x) > 1\nx := f(\"ab\")", None),
            ("f(x) := 1 if x.a == 1\nx := f(1)", None),
            ("f(x) := 1 if x[0] == 1\nx := f(1)", None),
            ("f(x) := 1 if { some y in x }\nx := f(1)", None),
            (
                "f(x) := 1 if x = 1\nx := f(\"a\")",
                Some("rego_type_error: data.docker.f: invalid argument(s)"),
            ),
            (
                "f(x) := 1 if 1 == x\nx := f(\"a\")",
                Some("rego_type_error: data.docker.f: invalid argument(s)"),
            ),
            ("f(x) := 1 if { x == input.a }\nx := f(\"a\")", None),
            (
                "f(x) := 1 if { not x == 1 }\nx := f(\"a\")",
                Some("rego_type_error: data.docker.f: invalid argument(s)"),
            ),
            (
                "f(x) := 1 if { x + 1 > 0 }\nx := f(\"a\")",
                Some("rego_type_error: data.docker.f: invalid argument(s)"),
            ),
            (
                "f(x) := 1 if { lower(x) }\nx := f(1)",
                Some("rego_type_error: data.docker.f: invalid argument(s)"),
            ),
            ("f(x, y) := 1 if { x == y; y == 1 }\nx := f(\"a\", 1)", None),
            ("f(x) := 1 if { [x | true] }\nx := f(\"a\")", None),
            ("f(x) := 1 if { x in {1, 2} }\nx := f(\"a\")", None),
            ("f(x) := 1 if { x == 1 } else := 2\nx := f(\"a\")", None),
            (
                "f(x) := 1 if { x == 1 } else := 2 if { x == 2 }\nx := f(\"a\")",
                Some("rego_type_error: data.docker.f: invalid argument(s)"),
            ),
            ("f(x) := 1 if { y := x; y == 1 }\nx := f(\"a\")", None),
            ("f(x) := 1 if { x == 1 }\nx := f(input.a)", None),
            (
                "f(x) := 1 if { x == 1 }\nf(x) := 2 if { x == \"a\" }\nx := f(\"b\")",
                None,
            ),
            (
                "f(x) := 1 if { x == 1 }\nf(x) := 2 if { x == {} }\nx := f(\"b\")",
                Some("rego_type_error: data.docker.f: invalid argument(s)"),
            ),
            ("f(x) := 1 if { x == 1 }\nf(x) := 2\nx := f(\"b\")", None),
            (
                "default f(_) := null\nf(x) := true if x == 1e3\nx := f(\"b\")",
                None,
            ),
            (
                "f({\"a\": x}) := x\nf([x, _]) := x\nx if f(null, 1)",
                Some("rego_type_error: data.docker.f: invalid argument(s)"),
            ),
            (
                "f({\"a\": x}) := x\nf([x, _]) := x\nx if f([1, 2], 1)",
                None,
            ),
            (
                "f(x) := y if y := x * 2\nx := f({1})",
                Some("rego_type_error: data.docker.f: invalid argument(s)"),
            ),
            // Collections' element types (OPA's answers).
            ("x := json.marshal_with_options(1, {\"foo\": \"x\"})", None),
            (
                "x := json.marshal_with_options(1, {1: 1})",
                Some("rego_type_error: json.marshal_with_options"),
            ),
            // (OPA also refuses a wrong value of a known option, `{"indent": 1}`; only the
            // keys are checked here.)
            (
                "x := json.marshal_with_options(1, {\"pretty\": true, \"indent\": \"  \"})",
                None,
            ),
            ("x := json.filter({\"a\": 1}, [\"a\", [\"b\"]])", None),
            (
                "x := json.filter({\"a\": 1}, {1})",
                Some("rego_type_error: json.filter"),
            ),
            (
                "x := json.remove({\"a\": 1}, [1])",
                Some("rego_type_error: json.remove"),
            ),
            (
                "x := sum([y | some y in [\"a\", \"b\"]])",
                Some("rego_type_error: sum"),
            ),
            (
                "v := {0: \"a\", 1: {\"x\": 1}}\nx := sum([y | some y in v])",
                Some("rego_type_error: sum"),
            ),
            ("v := {0: \"a\", 1: 2}\nx := sum([y | some y in v])", None),
            ("x := sum([y | some y in numbers.range(1, 2)])", None),
            ("x := sum([y | some y in input.a])", None),
            (
                "x := sum({y | some y in [\"a\"]})",
                Some("rego_type_error: sum"),
            ),
            ("x := sum([y | y := \"a\"])", Some("rego_type_error: sum")),
            (
                "x := [y | some y in numbers.range(0, 2)] == [y | some y in [\"a\"]]",
                None,
            ),
            (
                "x if [y | some y in numbers.range(0, 2)] == [y | some y in [\"a\"]]",
                Some("rego_type_error: match error"),
            ),
            (
                "x if [y | some y in [1]] == [\"a\"]",
                Some("rego_type_error: match error"),
            ),
            ("x if [y | some y in [1]] == []", None),
            ("x if [y | some y in input.a] == [\"a\"]", None),
            // A builtin replaced by a builtin of another arity.
            (
                "x := y if { y := upper(\"a\") with upper as concat }",
                Some("rego_type_error: upper: arity mismatch"),
            ),
            ("x := y if { y := upper(\"a\") with upper as lower }", None),
            // Fixed-shape arrays of the time builtins (OPA's answers).
            (
                "x := time.format([1])",
                Some("rego_type_error: time.format"),
            ),
            ("x := time.format([])", Some("rego_type_error: time.format")),
            ("x := time.format([1, \"UTC\"])", None),
            ("x := time.format([1, \"UTC\", \"RFC3339\"])", None),
            (
                "x := time.format([1, \"UTC\", \"RFC3339\", 1])",
                Some("rego_type_error: time.format"),
            ),
            (
                "x := time.format([\"a\", \"UTC\"])",
                Some("rego_type_error: time.format"),
            ),
            ("x := time.date([1, 1])", Some("rego_type_error: time.date")),
            (
                "x := time.diff([1, \"UTC\", \"x\"], 1)",
                Some("rego_type_error: time.diff"),
            ),
            (
                "x := time.weekday([1, \"UTC\", \"x\"])",
                Some("rego_type_error: time.weekday"),
            ),
            (
                "x if time.date(1) == [1, 2]",
                Some("rego_type_error: match error"),
            ),
            (
                "x if time.clock(1) == [1, 2, \"a\"]",
                Some("rego_type_error: match error"),
            ),
            ("x if time.clock(1) == [1, 2, 3]", None),
            (
                "x if time.diff(1, 2) == [1, \"a\"]",
                Some("rego_type_error: match error"),
            ),
            // A function's value types its arguments too.
            (
                "f(x) := count(x)\nx := f(1)",
                Some("rego_type_error: data.docker.f: invalid argument(s)"),
            ),
            (
                "f(x) := count(x) if { x == \"a\" }\nx := f(1)",
                Some("rego_type_error: data.docker.f: invalid argument(s)"),
            ),
            ("f(x) := count(x)\nx := f(\"ab\")", None),
            // Rules' collections of known elements.
            (
                "p := {1, 2} if input.a\nx if p == {\"a\"}",
                Some("rego_type_error: match error"),
            ),
            ("p := {1, 2}\nx if p == {\"a\", 1}", None),
            (
                "p := {1, 2} if input.a\np := {\"a\"} if input.b\nx if p == {\"a\"}",
                None,
            ),
            ("p := {1, 2} if input.a\nx if p == input.b", None),
            // Kinds through rules that name other rules (OPA's answers).
            (
                "b := 1\na := b\nx := upper(a)",
                Some("rego_type_error: upper"),
            ),
            ("c := \"s\"\nb := c\na := b\nx := upper(a)", None),
            ("b := input.q\na := b\nx := upper(a)", None),
            ("b := 1\nf(b) := upper(b)\nx := f(\"s\")", None),
            (
                "a := [1, \"a\"]\nx := upper(a[0])",
                Some("rego_type_error: upper"),
            ),
            ("a := [1, \"a\"]\nx := upper(a[1])", None),
            ("a := [1, \"a\"]\nx := upper(a[input.i])", None),
            (
                "x if { y := [1, \"a\"]; upper(y[0]) }",
                Some("rego_type_error: upper"),
            ),
            ("x if { y := [1, \"a\"]; upper(y[1]) }", None),
            (
                "x if { y := [z | some z in [1, 2]]; upper(y[0]) }",
                Some("rego_type_error: upper"),
            ),
            ("x if { y := input.q; upper(y[0]) }", None),
            // Rules' and functions' arrays of fixed shapes (OPA's answers).
            (
                "default p := [1, \"a\"]\nx if p == [1, [2, 3]]",
                Some("rego_type_error: match error"),
            ),
            ("default p := [1, \"a\"]\nx if p == [1, \"b\"]", None),
            (
                "default p := [1, \"a\"]\nx if p == [1]",
                Some("rego_type_error: match error"),
            ),
            (
                "default p := [1, \"a\"]\np := [1] if input.a\nx if p == [1]",
                None,
            ),
            (
                "default p := [1, \"a\"]\np := input.b if input.a\nx if p == [1]",
                None,
            ),
            (
                "default p := 1\np := [1, [2]] if input.a\nx if p == [1, \"a\"]",
                Some("rego_type_error: match error"),
            ),
            (
                "f(x) := \"a\" if x\nf(x) := [null] if not x\ny if f(input.a) == [1, \"b\"]",
                Some("rego_type_error: match error"),
            ),
            (
                "p := [x | some x in [1, 2]]\nx if p == [1, [2, 3]]",
                Some("rego_type_error: match error"),
            ),
            ("p := [x | some x in [1, 2]]\ny if p == [1, 2]", None),
            (
                "f(x) if x\nf(x) := [] if not x\ny if f(input.a) == [1, \"a\"]",
                None,
            ),
            (
                "default p := 1\np := {1, 2} if input.a\nx if p == {\"a\"}",
                Some("rego_type_error: match error"),
            ),
            (
                "p := input.c\np := {1, 2} if input.a\nx if p == {\"a\"}",
                None,
            ),
            // `-x` of a string.
            (
                "v := {0: \"a\"}\nx if { y := -v[0]; y == 1 }",
                Some("rego_type_error: minus"),
            ),
            ("v := {0: 1}\nx if { y := -v[0]; y == 1 }", None),
            ("x if -input.a > -2.5", None),
            (
                "v := {0: \"a\"}\nx if -v[0] > -2.5",
                Some("rego_type_error: minus"),
            ),
            // An output argument against the function's result.
            (
                "f(x) := \"a\" if { x == 1 }\nx if f(1, 1)",
                Some("rego_type_error: data.docker.f: invalid argument(s)"),
            ),
            ("f(x) := \"a\" if { x == 1 }\nx if f(1, \"a\")", None),
            (
                "f(x) if x\nf(x) := {1, 2} if not x\nx if { not f(input.a, \"v\") }",
                Some("rego_type_error: data.docker.f: invalid argument(s)"),
            ),
            (
                "x := [y | some y in \"abc\"]",
                Some("rego_type_error: match error"),
            ),
            (
                "x := [k | some k, v in 5]",
                Some("rego_type_error: match error"),
            ),
            ("x := [y | some y in input.a]", None),
            // Objects of a known shape written as literals.
            (
                "x := urlquery.encode_object({\"a\": 1})",
                Some("rego_type_error: urlquery.encode_object"),
            ),
            ("x := urlquery.encode_object({\"a\": [\"x\"]})", None),
            (
                "x := urlquery.encode_object({\"a\": [1]})",
                Some("rego_type_error: urlquery.encode_object"),
            ),
            (
                "x := urlquery.encode_object({1: \"a\"})",
                Some("rego_type_error: urlquery.encode_object"),
            ),
            (
                "x := strings.replace_n({\"a\": 1}, \"s\")",
                Some("rego_type_error: strings.replace_n"),
            ),
            ("x := strings.replace_n({\"a\": \"b\"}, \"s\")", None),
            (
                "x := json.patch({}, [1, 2])",
                Some("rego_type_error: json.patch"),
            ),
            (
                "x := json.patch({}, [{\"op\": \"add\", \"path\": \"/a\", \"value\": 1}])",
                None,
            ),
            // A constant-keyed rule's field has its value's kind; unary minus is minus's.
            (
                "vals := {0: 0, 2: 1}\nz if { not startswith(vals[2], \"v\") }",
                Some("rego_type_error: startswith"),
            ),
            (
                "vals := {0: 0, 2: \"a\"}\nz if { not startswith(vals[2], \"v\") }",
                None,
            ),
            (
                "z if { x := -input.a; x == \"\" }",
                Some("rego_type_error: match error"),
            ),
            ("z if { x := -input.a; x == 1 }", None),
            // A function's result bound in its body (`y := x + 1`) has that kind.
            (
                "f1(x) := y if { y := x + 1 } else := 0\nz if { f1(input.a) == \"e\" }",
                Some("rego_type_error: match error"),
            ),
            (
                "f1(x) := y if { y := x + 1 } else := \"s\"\nz if { f1(input.a) == \"e\" }",
                None,
            ),
            (
                "f1(x) := y if { y := upper(x) }\nz if { f1(input.a) == \"E\" }",
                None,
            ),
            (
                "r := y if { y := count(input.a) }\nz if { r == \"e\" }",
                Some("rego_type_error: match error"),
            ),
            // A constant index a rule's constant keys lack: OPA's "undefined ref" (as OPA v1.20.2).
            (
                "vals := {0: 1, 1: 2}\nx if vals[4]",
                Some("rego_type_error: undefined ref"),
            ),
            ("vals := {0: 1, 1: 2}\nx if { some i; vals[i] }", None),
            (
                "vals := {\"a\": 1}\nx := vals.b",
                Some("rego_type_error: undefined ref"),
            ),
            ("vals := {\"a\": 1}\nx := vals.a", None),
            (
                "vals := {\"a\": 1} if input.x\nvals := {\"b\": 1} if not input.x\nx := vals.b",
                None,
            ),
            (
                "vals := {\"a\": 1}\nx if { vals := {\"c\": 2}; vals.c }",
                None,
            ),
            (
                "vals := {\"a\": 1}\nx if { every y in [1] { y; vals.q } }",
                Some("rego_type_error: undefined ref"),
            ),
            (
                "vals := {\"a\": 1}\nx if { not vals.q }",
                Some("rego_type_error: undefined ref"),
            ),
            ("default y := 1\nx := 1", None),
            // `==` / `=` literals of kinds that cannot meet: OPA's "match error" (as OPA v1.20.2).
            (
                "x if { [1, 2] == [1] }",
                Some("rego_type_error: match error"),
            ),
            (
                "x if { [1, \"a\"] == [1, 2] }",
                Some("rego_type_error: match error"),
            ),
            (
                "x if { count([1]) == \"a\" }",
                Some("rego_type_error: match error"),
            ),
            (
                "x if { {\"a\": 1} == [1] }",
                Some("rego_type_error: match error"),
            ),
            (
                "x if { [1] = {\"a\": 1} }",
                Some("rego_type_error: match error"),
            ),
            (
                "x if { y := [1]; y == \"a\" }",
                Some("rego_type_error: match error"),
            ),
            ("x if { input.a == \"a\" }", None),
            ("x if { [input.a] == [[1]] }", None),
            (
                "x if { [1, {1}] == [1, {\"a\":1}] }",
                Some("rego_type_error: match error"),
            ),
            ("x if { every z in [1] { z; [1] == \"a\" } }", None),
            ("x if { \"a\" != 1 }", None),
            (
                "x if { {1} == {\"a\"} }",
                Some("rego_type_error: match error"),
            ),
            (
                "x if { {\"a\": 1} == {\"a\": \"b\"} }",
                Some("rego_type_error: match error"),
            ),
            (
                "x if { {\"a\": 1} == {\"b\": 1} }",
                Some("rego_type_error: match error"),
            ),
            ("x if { {1} == {\"a\", 1} }", None),
            ("x if { [] == [1] }", None),
            ("x if { {} == {\"a\": 1} }", None),
            ("x if { set() == {1} }", None),
            ("x if { [1] == [input.a] }", None),
            (
                "x if { {\"a\": 1} == {\"a\": 1, \"b\": 2} }",
                Some("rego_type_error: match error"),
            ),
            (
                "x if { [[1]] == [[\"a\"]] }",
                Some("rego_type_error: match error"),
            ),
            (
                "x if { not [1] == \"a\" }",
                Some("rego_type_error: match error"),
            ),
            ("x := [1] == \"a\"", None),
            ("x if { not {1, 2} - {1} == 1e3 }", None),
            (
                "x := sprintf(\"%s\", \"x\")",
                Some("a.rego:2: rego_type_error: sprintf: invalid argument(s)"),
            ),
            (
                "y := sprintf(\"%s\", \"x\") if false",
                Some("rego_type_error: sprintf: invalid argument(s)"),
            ),
            (
                "x := count(1)",
                Some("rego_type_error: count: invalid argument(s)"),
            ),
            (
                "x := upper(1)",
                Some("rego_type_error: upper: invalid argument(s)"),
            ),
            (
                "x := upper(null)",
                Some("rego_type_error: upper: invalid argument(s)"),
            ),
            (
                "x := startswith(\"a\", 1)",
                Some("rego_type_error: startswith: invalid argument(s)"),
            ),
            (
                "x := \"a\" + 1",
                Some("rego_type_error: plus: invalid argument(s)"),
            ),
            (
                "x := 1 + \"a\"",
                Some("rego_type_error: plus: invalid argument(s)"),
            ),
            (
                "x := \"a\" * 2",
                Some("rego_type_error: mul: invalid argument(s)"),
            ),
            (
                "x := 1 % \"a\"",
                Some("rego_type_error: rem: invalid argument(s)"),
            ),
            (
                "x := {1} | [1]",
                Some("rego_type_error: or: invalid argument(s)"),
            ),
            (
                "x := {1} & 1",
                Some("rego_type_error: and: invalid argument(s)"),
            ),
            (
                "x := count([1], 2)",
                Some("rego_type_error: count: arity mismatch"),
            ),
            (
                "x := count([1], 2, 3)",
                Some("rego_type_error: count: arity mismatch"),
            ),
            (
                "x := count()",
                Some("rego_type_error: count: arity mismatch"),
            ),
            (
                "f(a) := a\nx := f(1, 2)",
                Some(
                    "a.rego:3: rego_type_error: function data.docker.f has arity 1, got 2 arguments",
                ),
            ),
            (
                "f(a) := a\nx := f()",
                Some("rego_type_error: function data.docker.f has arity 1, got 0 arguments"),
            ),
            (
                "f(a) := a\nx := f(1, 2, 3)",
                Some("rego_type_error: function data.docker.f has arity 1, got 3 arguments"),
            ),
            (
                "x := concat(\",\", \"a\")",
                Some("rego_type_error: concat: invalid argument(s)"),
            ),
            (
                "x := concat(1, [\"a\"])",
                Some("rego_type_error: concat: invalid argument(s)"),
            ),
            (
                "x := object.get([], \"a\", 1)",
                Some("rego_type_error: object.get: invalid argument(s)"),
            ),
            (
                "x := contains(\"a\", 1)",
                Some("rego_type_error: contains: invalid argument(s)"),
            ),
            (
                "x := to_number([1])",
                Some("rego_type_error: to_number: invalid argument(s)"),
            ),
            (
                "x := sum(\"a\")",
                Some("rego_type_error: sum: invalid argument(s)"),
            ),
            (
                "x := max(1)",
                Some("rego_type_error: max: invalid argument(s)"),
            ),
            (
                "x := regex.match(1, \"a\")",
                Some("rego_type_error: regex.match: invalid argument(s)"),
            ),
            (
                "x := array.concat([1], {1})",
                Some("rego_type_error: array.concat: invalid argument(s)"),
            ),
            (
                "x := abs(\"a\")",
                Some("rego_type_error: abs: invalid argument(s)"),
            ),
            (
                "x := sprintf(1, [])",
                Some("rego_type_error: sprintf: invalid argument(s)"),
            ),
            (
                "x := upper(count([1]))",
                Some("rego_type_error: upper: invalid argument(s)"),
            ),
            (
                "x := upper(1 + 1)",
                Some("rego_type_error: upper: invalid argument(s)"),
            ),
            (
                "x := upper(input.x + 1)",
                Some("rego_type_error: upper: invalid argument(s)"),
            ),
            (
                "x := count(1 == 1)",
                Some("rego_type_error: count: invalid argument(s)"),
            ),
            (
                "x := 1 if { count([1], 2, 3) }",
                Some("rego_type_error: count: arity mismatch"),
            ),
            (
                "x := 1 if { y := [upper(\"a\", 1) | true] }",
                Some("rego_type_error: upper: arity mismatch"),
            ),
            (
                "x := concat(\",\", [1])",
                Some("rego_type_error: concat: invalid argument(s)"),
            ),
            (
                "x := concat(\",\", [input.a, 1])",
                Some("rego_type_error: concat: invalid argument(s)"),
            ),
            (
                "x := concat(\",\", {1})",
                Some("rego_type_error: concat: invalid argument(s)"),
            ),
            (
                "x := sum([\"a\"])",
                Some("rego_type_error: sum: invalid argument(s)"),
            ),
            (
                "x := union({1})",
                Some("rego_type_error: union: invalid argument(s)"),
            ),
            (
                "x := glob.match(\"a\", [1], \"a\")",
                Some("rego_type_error: glob.match: invalid argument(s)"),
            ),
            (
                "x := strings.any_prefix_match(\"a\", [1])",
                Some("strings.any_prefix_match: invalid argument(s)"),
            ),
            (
                "x := object.union_n([1])",
                Some("rego_type_error: object.union_n: invalid argument(s)"),
            ),
            // Local variables of known kinds.
            (
                "x := 1 if { a := 1; upper(a) == \"S\" }",
                Some("rego_type_error: upper: invalid argument(s)"),
            ),
            (
                "x := 1 if { a := \"s\"; b := a + 1 }",
                Some("rego_type_error: plus: invalid argument(s)"),
            ),
            (
                "x := 1 if { a := 1; b := [upper(c) | c := a]; count(b) == 1 }",
                Some("upper: invalid argument(s)"),
            ),
            (
                "x := 1 if { a := 1; a2 := a; upper(a2) }",
                Some("upper: invalid argument(s)"),
            ),
            (
                "x := 1 if { a = 1; upper(a) }",
                Some("upper: invalid argument(s)"),
            ),
            (
                "x := 1 if { some a in [1]; upper(a) }",
                Some("upper: invalid argument(s)"),
            ),
            (
                "x := 1 if { a := 1; y := [upper(a) | true] }",
                Some("upper: invalid argument(s)"),
            ),
            (
                "x := 1 if { every a in input { a; count(1, 2, 3) } }",
                Some("count: arity mismatch"),
            ),
            (
                "x := 1 if { every a in upper(1) { a } }",
                Some("upper: invalid argument(s)"),
            ),
            // Rules' values and functions' results.
            (
                "limit := 10\nx := upper(limit)",
                Some("upper: invalid argument(s)"),
            ),
            (
                "d contains \"a\"\nx := upper(d)",
                Some("upper: invalid argument(s)"),
            ),
            (
                "allow if input.a\nx := count(allow)",
                Some("count: invalid argument(s)"),
            ),
            (
                "f(a) := 1\nx := upper(f(1))",
                Some("upper: invalid argument(s)"),
            ),
            (
                "f(a) if a\nx := upper(f(1))",
                Some("upper: invalid argument(s)"),
            ),
            (
                "o[k] := 1 if some k in [\"a\"]\nx := upper(o)",
                Some("upper: invalid argument(s)"),
            ),
            (
                "limit := 10\nx := upper(data.docker.limit)",
                Some("upper: invalid argument(s)"),
            ),
            (
                "default limit := 10\nx := 1 if { upper(limit) }",
                Some("upper: invalid argument(s)"),
            ),
            // Accepted by OPA.
            ("default v := 1\nv := \"s\" if input.x\nx := upper(v)", None),
            ("f(a) := a\nx := upper(f(1))", None),
            ("limit := 10\nf(limit) := upper(limit)", None),
            ("limit := input.l\nx := upper(limit)", None),
            ("limit := 10\ny := upper(limit) if { limit := \"s\" }", None),
            ("limit := 10\ny := [upper(limit) | limit := input[_]]", None),
            (
                "limit := 10\ny := 1 if { every limit in input { upper(limit) } }",
                None,
            ),
            (
                "x := 1 if { a := \"s\"; b := [upper(a)]; count(b) == 1 }",
                None,
            ),
            ("x := 1 if { a := input.a; upper(a) }", None),
            ("x := 1 if { a := input.x; a = 1; upper(a) }", None),
            ("x := 1 if { input[a]; a = 1; upper(a) }", None),
            ("x := 1 if { a = input.x; a = 1; upper(a) }", None),
            ("x := 1 if { some a in input; a = 1; upper(a) }", None),
            ("x := 1 if { a := 1; every a in input { upper(a) } }", None),
            // OPA checks no argument types inside `every` (arities it does).
            ("x := 1 if { every a in input { a; upper(1) } }", None),
            ("x := 1 if { every a in input { a; \"a\" + 1 } }", None),
            (
                "x := 1 if { a := 1; y := [upper(a) | a := input[_]] }",
                None,
            ),
            (
                "x := 1 if { a := 1; y := [upper(a) | some a; input[a]] }",
                None,
            ),
            ("x := 1 if { [a, b] := [1, input]; upper(b) }", None),
            ("x := 1 if { some a in [1, \"s\"]; upper(a) }", None),
            ("a := 1\nx := 1 if { a = 1; upper(\"b\") }", None),
            ("x := concat(\",\", [input.a, \"b\"])", None),
            ("x := sum([1, input.a])", None),
            ("x := sprintf(\"%s\", [1])", None),
            ("x := concat(\",\", [])", None),
            ("f(a) := a\nx := 1 if f(1, 2)", None),
            ("x := 1 - {1}", None),
            ("x := {1} - {1}", None),
            ("x := \"a\" < 1", None),
            ("x := \"a\" == 1", None),
            ("x := concat(\",\", {\"a\"})", None),
            ("x := object.get({}, \"a\", 1)", None),
            ("x := json.marshal(1)", None),
            ("x := to_number(true)", None),
            ("x := sum({1})", None),
            ("x := lower(input.x)", None),
            ("x := is_string(1)", None),
            ("x := 1 if { count([1], 1) }", None),
            ("x := 1 if { count([1], n); n > 0 }", None),
            ("x := sprintf(\"%s\", [input.x])", None),
            ("x := time.format(1)", None),
            ("x := time.format([1, \"UTC\"])", None),
            ("x := glob.match(\"a\", null, \"a\")", None),
            ("x := glob.match(\"a\", [], \"a\")", None),
            ("x := strings.any_prefix_match(\"a\", [\"a\"])", None),
            ("x := time.now_ns()", None),
            ("upper(a) := a\nx := upper(1)", None),
        ];
        for (module, want) in cases {
            expect_compile(&[module], *want);
        }
    }

    #[test]
    fn verdict_functions_arguments() {
        // Buildx declares its functions' argument types (BX `policy/funcs.go`).
        let cases: &[(&str, Option<&str>)] = &[
            (
                "x := load_json(1)",
                Some("rego_type_error: load_json: invalid argument(s)"),
            ),
            (
                "x := load_json(\"a\", \"b\")",
                Some("rego_type_error: load_json: arity mismatch"),
            ),
            (
                "x := pin_image(input.image, 1)",
                Some("rego_type_error: pin_image: invalid argument(s)"),
            ),
            (
                "x := verify_git_signature(input.git.commit, [\"k\"])",
                Some("verify_git_signature: invalid argument(s)"),
            ),
            (
                "x := verify_http_pgp_signature(input.http, \"s\", 1)",
                Some("verify_http_pgp_signature: invalid argument(s)"),
            ),
            (
                "x := artifact_attestation(input.http, {})",
                Some("artifact_attestation: invalid argument(s)"),
            ),
            (
                "x := github_attestation(input.http)",
                Some("github_attestation: arity mismatch"),
            ),
            ("x := load_json(\"a.json\")", None),
            ("x := load_json(input.name)", None),
            ("x := pin_image(input.image, \"sha256:00\")", None),
        ];
        for (module, want) in cases {
            expect_compile(&[module], *want);
        }
    }
}
