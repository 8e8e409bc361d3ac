//! The builtins a Buildx policy may call, and the ones verdict supplies itself.
//!
//! Buildx compiles policies with a fixed capability list (BX
//! `policy/builtins.go`); a call of any other OPA builtin is a compile error.
//! [`ALLOWED`] is that list, spelled as policies call the functions. Of those,
//! the ones regorus lacks or implements with real clocks and randomness are
//! registered here as extensions (`register`), over the pinned evaluation
//! time, so that evaluation reads no clock and no entropy:
//!
//! * `time.*` — Go semantics over the pinned time, UTC only;
//! * `rand.intn(key, n)` — a pure function of `(key, n, evaluation time)`:
//!   `SHA-256("rand.intn" ‖ now ‖ key ‖ n) mod |n|` (0 when `n` is 0). OPA
//!   caches one random value per `(key, n)` for the query; ours is also stable
//!   across evaluations at the same time, so verdicts can be replayed;
//! * `uuid.rfc4122(key)` — a version-4-shaped UUID derived the same way;
//! * `array.flatten` — newer than regorus;
//! * `glob.match`, `glob.quote_meta` — OPA's (gobwas) pattern language, over the
//!   `regex` crate (`builtins/glob.rs`); regorus's `glob` feature approximates it with
//!   globset, which alone added 88 KB gzip (260 KB) to the wasm builds;
//! * `urlquery.*` — Go's `net/url` query escaping (`builtins/urlquery.rs`); regorus's
//!   `urlquery` feature links the `url` crate with its IDNA tables (186 KB,
//!   68 KB gzip) for four functions that never see a host name;
//! * `sprintf`, `format_int` — Go's `fmt.Sprintf` over the values as OPA converts them
//!   (`builtins/gofmt.rs`); regorus's own reads widths into a `u32`, panics on a
//!   non-ASCII digit and knows few of Go's flags and error forms;
//! * `json.marshal`, `json.marshal_with_options`, `to_number`, `json.unmarshal` — Go's
//!   `encoding/json` text (HTML-safe escapes, keys sorted as Go sorts them) and
//!   `strconv.ParseFloat`'s syntax (`builtins/gojson.rs`);
//! * `semver.*` — OPA's own lax parser (`builtins/semver.rs`; regorus follows the
//!   specification strictly); `uuid.parse` — google/uuid's forms and OPA's
//!   result object (`builtins/uuid.rs`; regorus lacks it);
//! * `strings.render_template` — Go `text/template` for the actions policies use
//!   (`builtins/template.rs`; regorus lacks it);
//! * `lower`, `upper` (Go's rune-by-rune simple case mappings), `substring` (undefined for an offset or length with a fraction), `indexof`, `indexof_n` (undefined for an empty search string, as OPA's error),
//!   `strings.count` (`builtins/strings.rs`); `base64.decode`, `base64url.decode`,
//!   `base64.is_valid` — Go's lenient decoder (`builtins/gobase64.rs`);
//! * `object.subset` — OPA's rules (`builtins/objects.rs`; regorus's panics on `[]`);
//! * `regex.globs_match` — OPA's glob intersection (`builtins/globs.rs`; regorus lacks it);
//! * `bits.*` — integers of any size, as OPA's `big.Int` (`builtins/bits.rs`);
//! * `sort`, `min`, `max` and the ordering operators between operands that may be objects
//!   or sets — OPA's order, objects before sets (`builtins/order.rs`);
//! * `plus`, `minus`, `mul`, `div`, `rem` — the operators called by name, which
//!   OPA allows and regorus does not know (`builtins/arith.rs`);
//! * `abs`, `ceil`, `floor`, `round`, `sum`, `product`, `units.parse`,
//!   `units.parse_bytes` — OPA's number semantics (exact integers, 64-bit
//!   `big.Float`s, exact fractions; `builtins/arith.rs`, `builtins/units.rs`,
//!   `builtins/opanum.rs`) where regorus computes with doubles;
//! * `regex.*` — Go's RE2 syntax and matching rules (`builtins/regex.rs`): ASCII
//!   `\d \w \s \b`, Go's flags, escapes and repetition limits, translated to the
//!   `regex` crate's syntax (regorus hands patterns to the `regex` crate as they are).

mod arith;
mod arrays;
mod bits;
pub mod bounded;
mod fastnum;
mod glob;
mod globs;
mod gobase64;
mod gofmt;
mod gohex;
mod gojson;
mod golayout;
mod goyaml;
mod objects;
pub(crate) mod opanum;
mod order;
mod regex;
mod semver;
mod strings;
mod template;
mod time;
mod units;
mod urlquery;
mod uuid;

use regorus::{Engine, Value};
use sha2::{Digest, Sha256};

/// The OPA builtins Buildx allows, as called in Rego (BX `policy/builtins.go`),
/// minus those OPA v1 removed from the language (`any`, `all`, `re_match`,
/// `set_diff`, `cast_*`), which are undefined functions in Rego v1.
pub const ALLOWED: &[&str] = &[
    // comparison, arithmetic, bits, aggregates
    "abs",
    "ceil",
    "floor",
    "round",
    "rem",
    "plus",
    "minus",
    "mul",
    "div",
    "bits.or",
    "bits.and",
    "bits.negate",
    "bits.xor",
    "bits.lsh",
    "bits.rsh",
    "count",
    "sum",
    "product",
    "max",
    "min",
    "sort",
    // arrays, sets, conversion
    "array.concat",
    "array.flatten",
    "array.slice",
    "array.reverse",
    "intersection",
    "union",
    "to_number",
    // regex and glob
    "regex.is_valid",
    "regex.match",
    "regex.split",
    "regex.globs_match",
    "regex.template_match",
    "regex.find_n",
    "regex.find_all_string_submatch_n",
    "regex.replace",
    "glob.match",
    "glob.quote_meta",
    // strings
    "strings.any_prefix_match",
    "strings.any_suffix_match",
    "strings.count",
    "strings.replace_n",
    "strings.reverse",
    "strings.render_template",
    "concat",
    "format_int",
    "indexof",
    "indexof_n",
    "substring",
    "lower",
    "upper",
    "contains",
    "startswith",
    "endswith",
    "split",
    "replace",
    "trim",
    "trim_left",
    "trim_prefix",
    "trim_right",
    "trim_suffix",
    "trim_space",
    "sprintf",
    // numbers and randomness
    "numbers.range",
    "numbers.range_step",
    "rand.intn",
    // encodings
    "json.marshal",
    "json.marshal_with_options",
    "json.unmarshal",
    "json.is_valid",
    "json.filter",
    "json.remove",
    "json.patch",
    "base64.encode",
    "base64.decode",
    "base64.is_valid",
    "base64url.encode",
    "base64url.encode_no_pad",
    "base64url.decode",
    "urlquery.encode",
    "urlquery.decode",
    "urlquery.encode_object",
    "urlquery.decode_object",
    "yaml.marshal",
    "yaml.unmarshal",
    "yaml.is_valid",
    "hex.encode",
    "hex.decode",
    // objects
    "object.union",
    "object.union_n",
    "object.remove",
    "object.filter",
    "object.get",
    "object.keys",
    "object.subset",
    // time
    "time.now_ns",
    "time.parse_ns",
    "time.parse_rfc3339_ns",
    "time.parse_duration_ns",
    "time.format",
    "time.date",
    "time.clock",
    "time.weekday",
    "time.add_date",
    "time.diff",
    // types
    "is_number",
    "is_string",
    "is_boolean",
    "is_array",
    "is_set",
    "is_object",
    "is_null",
    "type_name",
    // units, uuid, semver
    "units.parse",
    "units.parse_bytes",
    "uuid.rfc4122",
    "uuid.parse",
    "semver.is_valid",
    "semver.compare",
    // output
    "print",
];

/// Namespaces of OPA builtins that Buildx never allows. A call into one of
/// these (that no rule of the policy defines) is a `forbidden-builtin` error.
pub const FORBIDDEN_PREFIXES: &[&str] = &[
    "http.",
    "net.",
    "crypto.",
    "io.jwt.",
    "graph.",
    "graphql.",
    "providers.",
    "opa.",
    "rego.",
    "test.",
    "azure.",
];

/// Single OPA builtins that Buildx never allows.
pub const FORBIDDEN: &[&str] = &[
    "walk",
    "trace",
    "json.verify_schema",
    "json.match_schema",
    "opa.runtime",
    "time.now",
    "object.get_path",
    "strings.render_template_v2",
];

/// Allowed by Buildx but not provided by verdict yet; a call is an
/// `undefined function` compile error (see KNOWN-DIFFERENCES.md).
pub const UNSUPPORTED: &[&str] = &[];

/// The number of arguments builtin `name` takes (OPA's signature), when known.
pub fn arity(name: &str) -> Option<usize> {
    crate::check::builtin_arity(name)
}

/// Is `name` a builtin Buildx forbids?
pub fn is_forbidden(name: &str) -> bool {
    FORBIDDEN.contains(&name) || FORBIDDEN_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Is `name` a builtin verdict provides and Buildx allows?
pub fn is_allowed(name: &str) -> bool {
    ALLOWED.contains(&name) && !UNSUPPORTED.contains(&name)
}

/// The evaluation time the time builtins read: one per compiled set, set before each
/// evaluation (`PolicyEngine::evaluate_at`), so that one compiled engine evaluates at any time.
pub(crate) type Clock = std::sync::Arc<std::sync::atomic::AtomicI64>;

/// Registers verdict's own builtins on `engine`, over the evaluation time `clock` holds.
pub(crate) fn register(engine: &mut Engine, clock: &Clock) -> Result<(), String> {
    use self::time as t;
    use std::sync::atomic::Ordering::Relaxed;
    fn one(f: fn(&Value) -> Option<Value>) -> impl Fn(Vec<Value>) -> Value + Clone {
        move |args| args.first().and_then(f).unwrap_or(Value::Undefined)
    }
    let now = clock.clone();
    add(engine, "time.now_ns", 0, move |_| {
        t::now_ns(now.load(Relaxed))
    })?;
    add(engine, "time.parse_rfc3339_ns", 1, one(t::parse_rfc3339_ns))?;
    add(
        engine,
        "time.parse_duration_ns",
        1,
        one(t::parse_duration_ns),
    )?;
    add(engine, "time.format", 1, one(t::format))?;
    add(engine, "time.date", 1, one(t::date))?;
    add(engine, "time.clock", 1, one(t::clock))?;
    add(engine, "time.weekday", 1, one(t::weekday))?;
    add(engine, "time.parse_ns", 2, |a| match a.as_slice() {
        [layout, value] => t::parse_ns(layout, value).unwrap_or(Value::Undefined),
        _ => Value::Undefined,
    })?;
    add(engine, "time.diff", 2, |a| match a.as_slice() {
        [x, y] => t::diff(x, y).unwrap_or(Value::Undefined),
        _ => Value::Undefined,
    })?;
    add(engine, "time.add_date", 4, |a| match a.as_slice() {
        [ns, y, m, d] => t::add_date(ns, y, m, d).unwrap_or(Value::Undefined),
        _ => Value::Undefined,
    })?;
    let now = clock.clone();
    add(engine, "rand.intn", 2, move |a| match a.as_slice() {
        [key, n] => rand_intn(now.load(Relaxed), key, n).unwrap_or(Value::Undefined),
        _ => Value::Undefined,
    })?;
    let now = clock.clone();
    add(engine, "uuid.rfc4122", 1, move |a| match a.as_slice() {
        [key] => uuid_rfc4122(now.load(Relaxed), key).unwrap_or(Value::Undefined),
        _ => Value::Undefined,
    })?;
    add(engine, "array.flatten", 1, one(array_flatten))?;
    type Two = fn(&Value, &Value) -> Option<Value>;
    let two: [(&str, Two); 3] = [
        ("strings.count", strings::count),
        ("indexof", strings::indexof),
        ("indexof_n", strings::indexof_n),
    ];
    for (name, f) in two {
        add(engine, name, 2, move |a| match a.as_slice() {
            [x, y] => f(x, y).unwrap_or(Value::Undefined),
            _ => Value::Undefined,
        })?;
    }
    for op in ["and", "or", "xor"] {
        try_add(engine, &format!("bits.{op}"), 2, move |a| {
            match a.as_slice() {
                [x, y] => bits::binary(op, x, y),
                _ => Ok(Value::Undefined),
            }
        })?;
    }
    try_add(engine, "bits.negate", 1, |a| match a.as_slice() {
        [x] => bits::negate(x),
        _ => Ok(Value::Undefined),
    })?;
    try_add(engine, "bits.lsh", 2, |a| match a.as_slice() {
        [x, s] => bits::lsh(x, s),
        _ => Ok(Value::Undefined),
    })?;
    try_add(engine, "bits.rsh", 2, |a| match a.as_slice() {
        [x, s] => bits::rsh(x, s),
        _ => Ok(Value::Undefined),
    })?;
    try_add(engine, "regex.globs_match", 2, |a| match a.as_slice() {
        [x, y] => globs::globs_match(x, y),
        _ => Ok(Value::Undefined),
    })?;
    add(engine, "sort", 1, one(order::sort))?;
    add(engine, "min", 1, one(order::min))?;
    add(engine, "max", 1, one(order::max))?;
    for op in ["lt", "le", "gt", "ge"] {
        add(
            engine,
            &format!("{}{op}", crate::rewrite::VAR_PREFIX),
            2,
            move |a| match a.as_slice() {
                [x, y] => order::ordered(op, x, y),
                _ => Value::Undefined,
            },
        )?;
    }
    add(engine, "object.subset", 2, |a| match a.as_slice() {
        [sup, sub] => objects::subset(sup, sub).unwrap_or(Value::Undefined),
        _ => Value::Undefined,
    })?;
    add(engine, "json.is_valid", 1, one(gojson::is_valid))?;
    add(engine, "lower", 1, one(strings::lower))?;
    add(engine, "array.slice", 3, |a| match a.as_slice() {
        [array, start, stop] => arrays::array_slice(array, start, stop).unwrap_or(Value::Undefined),
        _ => Value::Undefined,
    })?;
    add(engine, "upper", 1, one(strings::upper))?;
    add(engine, "substring", 3, |a| match a.as_slice() {
        [value, offset, length] => {
            strings::substring(value, offset, length).unwrap_or(Value::Undefined)
        }
        _ => Value::Undefined,
    })?;
    add(engine, "base64.encode", 1, one(gobase64::std_encode))?;
    add(engine, "base64url.encode", 1, one(gobase64::url_encode))?;
    add(
        engine,
        "base64url.encode_no_pad",
        1,
        one(gobase64::url_encode_no_pad),
    )?;
    add(engine, "hex.encode", 1, one(gohex::encode))?;
    add(engine, "hex.decode", 1, one(gohex::decode))?;
    add(engine, "base64.decode", 1, one(gobase64::std_decode))?;
    add(engine, "base64url.decode", 1, one(gobase64::url_decode))?;
    add(engine, "base64.is_valid", 1, one(gobase64::is_valid))?;
    let globs = glob::GlobCache::default();
    add(engine, "glob.match", 3, move |a| match a.as_slice() {
        [pattern, delimiters, value] => globs
            .glob_match(pattern, delimiters, value)
            .unwrap_or(Value::Undefined),
        _ => Value::Undefined,
    })?;
    add(engine, "glob.quote_meta", 1, one(glob::quote_meta))?;
    try_add(engine, "numbers.range", 2, |a| match a.as_slice() {
        [x, y] => bounded::range("numbers.range", x, y, None),
        _ => Ok(Value::Undefined),
    })?;
    try_add(engine, "numbers.range_step", 3, |a| match a.as_slice() {
        [x, y, step] => bounded::range("numbers.range_step", x, y, Some(step)),
        _ => Ok(Value::Undefined),
    })?;
    try_add(engine, "sprintf", 2, |a| match a.as_slice() {
        [format, args] => gofmt::sprintf(format, args),
        _ => Ok(Value::Undefined),
    })?;
    // Operators (rewritten to the reserved names by `crate::rewrite`) and OPA's names for them.
    type Binary = fn(&Value, &Value) -> Result<Value, bounded::BuiltinError>;
    let binary: [(&str, Option<&str>, Binary); 7] = [
        ("plus", Some("plus"), arith::plus),
        ("minus", Some("minus"), arith::minus),
        ("mul", Some("mul"), arith::mul),
        ("div", Some("div"), arith::div),
        ("rem", Some("rem"), arith::rem),
        ("or", None, arith::or),
        ("and", None, arith::and),
    ];
    for (op, public, f) in binary {
        let call = move |a: Vec<Value>| match a.as_slice() {
            [x, y] => f(x, y),
            _ => Ok(Value::Undefined),
        };
        try_add(
            engine,
            &format!("{}{op}", crate::rewrite::VAR_PREFIX),
            2,
            call,
        )?;
        if let Some(name) = public {
            try_add(engine, name, 2, call)?;
        }
    }
    // OPA's number builtins (`builtins/arith.rs`, `builtins/units.rs`): 64-bit `big.Float`
    // and exact-fraction semantics, not doubles.
    type Unary = fn(&Value) -> Result<Value, bounded::BuiltinError>;
    let unary: [(&str, Unary); 8] = [
        ("abs", arith::abs),
        ("ceil", arith::ceil),
        ("floor", arith::floor),
        ("round", arith::round),
        ("sum", arith::sum),
        ("product", arith::product),
        ("units.parse", units::parse),
        ("units.parse_bytes", units::parse_bytes),
    ];
    for (name, f) in unary {
        try_add(engine, name, 1, move |a| match a.as_slice() {
            [x] => f(x),
            _ => Ok(Value::Undefined),
        })?;
    }
    add(
        engine,
        &format!("{}collection", crate::rewrite::VAR_PREFIX),
        1,
        one(|v| matches!(v, Value::Array(_) | Value::Set(_) | Value::Object(_)).then(|| v.clone())),
    )?;
    try_add(
        engine,
        &format!("{}index", crate::rewrite::VAR_PREFIX),
        2,
        |a| match a.as_slice() {
            [c, k] => arith::index(c, k),
            _ => Ok(Value::Undefined),
        },
    )?;
    try_add(
        engine,
        &format!("{}member2", crate::rewrite::VAR_PREFIX),
        2,
        |a| match a.as_slice() {
            [v, c] => arith::member2(v, c),
            _ => Ok(Value::Undefined),
        },
    )?;
    try_add(
        engine,
        &format!("{}member3", crate::rewrite::VAR_PREFIX),
        3,
        |a| match a.as_slice() {
            [k, v, c] => arith::member3(k, v, c),
            _ => Ok(Value::Undefined),
        },
    )?;
    try_add(
        engine,
        &format!("{}neg", crate::rewrite::VAR_PREFIX),
        1,
        |a| match a.as_slice() {
            [x] => arith::neg(x),
            _ => Ok(Value::Undefined),
        },
    )?;
    add(
        engine,
        &crate::template::builtin_name(),
        1,
        one(crate::template::render),
    )?;
    let regexes = regex::RegexCache::default();
    let r = regexes.clone();
    try_add(engine, "regex.is_valid", 1, move |a| match a.as_slice() {
        [pattern] => r.is_valid(pattern),
        _ => Ok(Value::Undefined),
    })?;
    let r = regexes.clone();
    try_add(engine, "regex.match", 2, move |a| match a.as_slice() {
        [pattern, value] => r.is_match(pattern, value),
        _ => Ok(Value::Undefined),
    })?;
    let r = regexes.clone();
    try_add(engine, "regex.split", 2, move |a| match a.as_slice() {
        [pattern, value] => r.split(pattern, value),
        _ => Ok(Value::Undefined),
    })?;
    let r = regexes.clone();
    try_add(engine, "regex.find_n", 3, move |a| match a.as_slice() {
        [pattern, value, n] => r.find_n(pattern, value, n),
        _ => Ok(Value::Undefined),
    })?;
    let r = regexes.clone();
    try_add(
        engine,
        "regex.find_all_string_submatch_n",
        3,
        move |a| match a.as_slice() {
            [pattern, value, n] => r.find_all_submatch(pattern, value, n),
            _ => Ok(Value::Undefined),
        },
    )?;
    let r = regexes.clone();
    try_add(engine, "regex.replace", 3, move |a| match a.as_slice() {
        [value, pattern, replacement] => r.replace(value, pattern, replacement),
        _ => Ok(Value::Undefined),
    })?;
    let r = regexes;
    try_add(engine, "regex.template_match", 4, move |a| {
        match a.as_slice() {
            [template, value, start, end] => r.template_match(template, value, start, end),
            _ => Ok(Value::Undefined),
        }
    })?;
    try_add(engine, "json.marshal", 1, |a| match a.as_slice() {
        [value] => gojson::marshal(value),
        _ => Ok(Value::Undefined),
    })?;
    try_add(engine, "json.marshal_with_options", 2, |a| {
        match a.as_slice() {
            [value, options] => gojson::marshal_with_options(value, options),
            _ => Ok(Value::Undefined),
        }
    })?;
    try_add(engine, "yaml.marshal", 1, |a| match a.as_slice() {
        [value] => goyaml::marshal(value),
        _ => Ok(Value::Undefined),
    })?;
    try_add(engine, "yaml.unmarshal", 1, |a| match a.as_slice() {
        [value] => goyaml::unmarshal(value),
        _ => Ok(Value::Undefined),
    })?;
    try_add(engine, "yaml.is_valid", 1, |a| match a.as_slice() {
        [value] => goyaml::is_valid(value),
        _ => Ok(Value::Undefined),
    })?;
    try_add(engine, "json.unmarshal", 1, |a| match a.as_slice() {
        [value] => gojson::unmarshal(value),
        _ => Ok(Value::Undefined),
    })?;
    try_add(engine, "to_number", 1, |a| match a.as_slice() {
        [value] => gojson::to_number(value),
        _ => Ok(Value::Undefined),
    })?;
    add(engine, "semver.is_valid", 1, one(semver::is_valid))?;
    try_add(engine, "semver.compare", 2, |a| match a.as_slice() {
        [x, y] => semver::compare(x, y),
        _ => Ok(Value::Undefined),
    })?;
    add(engine, "uuid.parse", 1, one(uuid::parse))?;
    try_add(engine, "format_int", 2, |a| match a.as_slice() {
        [x, base] => gofmt::format_int(x, base),
        _ => Ok(Value::Undefined),
    })?;
    try_add(engine, "strings.render_template", 2, |a| {
        match a.as_slice() {
            [template, vars] => template::render(template, vars),
            _ => Ok(Value::Undefined),
        }
    })?;
    add(engine, "urlquery.encode", 1, one(urlquery::encode))?;
    add(engine, "urlquery.decode", 1, one(urlquery::decode))?;
    add(
        engine,
        "urlquery.encode_object",
        1,
        one(urlquery::encode_object),
    )?;
    add(
        engine,
        "urlquery.decode_object",
        1,
        one(urlquery::decode_object),
    )?;
    Ok(())
}

fn add(
    engine: &mut Engine,
    name: &str,
    nargs: u8,
    f: impl Fn(Vec<Value>) -> Value + Clone + Send + Sync + 'static,
) -> Result<(), String> {
    engine
        .add_extension(name.to_owned(), nargs, Box::new(move |args| Ok(f(args))))
        .map_err(|e| format!("registering {name}: {e}"))
}

/// [`add`] for a builtin that can fail: its error is an evaluation error
/// (`resource-exhausted` when it is a [`bounded::LIMIT`]).
fn try_add(
    engine: &mut Engine,
    name: &str,
    nargs: u8,
    f: impl Fn(Vec<Value>) -> Result<Value, bounded::BuiltinError> + Clone + Send + Sync + 'static,
) -> Result<(), String> {
    engine
        .add_extension(
            name.to_owned(),
            nargs,
            Box::new(move |args| f(args).map_err(anyhow::Error::new)),
        )
        .map_err(|e| format!("registering {name}: {e}"))
}

fn seeded(now: i64, label: &str, key: &Value, extra: &[u8]) -> Option<[u8; 32]> {
    let key = key.to_json_str().ok()?;
    let mut h = Sha256::new();
    h.update(label.as_bytes());
    h.update(now.to_be_bytes());
    h.update((key.len() as u64).to_be_bytes());
    h.update(key.as_bytes());
    h.update(extra);
    Some(h.finalize().into())
}

/// `strings.count` as Go's `strings.Count`: non-overlapping occurrences; of `""`, the number
/// of characters plus one. (regorus counts overlapping windows, and panics on `""`: a trap in
/// the sandbox.)
fn rand_intn(now: i64, key: &Value, n: &Value) -> Option<Value> {
    key.as_string().ok()?;
    let n = bounded::int_operand(n)?;
    if n == 0 {
        return Some(Value::from(0i64));
    }
    let digest = seeded(now, "rand.intn", key, &n.to_be_bytes())?;
    let mut word = [0u8; 8];
    word.copy_from_slice(digest.get(..8)?);
    let r = u64::from_be_bytes(word) % n.unsigned_abs();
    Some(Value::from(r))
}

fn uuid_rfc4122(now: i64, key: &Value) -> Option<Value> {
    key.as_string().ok()?;
    let mut b = seeded(now, "uuid.rfc4122", key, &[])?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b[..16].iter().map(|x| format!("{x:02x}")).collect();
    Some(Value::from(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )))
}

/// OPA's `array.flatten`: one level of nesting is removed (`[1, [2, [3]]]` → `[1, 2, [3]]`).
fn array_flatten(value: &Value) -> Option<Value> {
    let Value::Array(items) = value else {
        return None;
    };
    let mut out = Vec::new();
    for item in items.iter() {
        match item {
            Value::Array(inner) => out.extend(inner.iter().cloned()),
            other => out.push(other.clone()),
        }
    }
    Some(Value::from(out))
}
