//! Every builtin Buildx allows ([`verdict_policy::builtins::ALLOWED`]) exists in
//! verdict: a call with well-typed arguments compiles and returns a defined value.
//! A builtin added to the list without an example here fails the test, and so
//! does one that regorus and verdict both lack (an `undefined function`, or a
//! call that fails at evaluation). Forbidden builtins are refused at compile time.

use verdict_policy::builtins::{ALLOWED, UNSUPPORTED};
use verdict_policy::{ErrorCode, Module, Options, Outcome, PolicyEngine};

/// One well-typed call of each allowed builtin.
const EXAMPLES: &[(&str, &str)] = &[
    ("abs", "abs(-1)"),
    ("ceil", "ceil(1.5)"),
    ("floor", "floor(1.5)"),
    ("round", "round(1.5)"),
    ("rem", "rem(5, 2)"),
    ("plus", "plus(1, 2)"),
    ("minus", "minus(1, 2)"),
    ("mul", "mul(2, 3)"),
    ("div", "div(6, 3)"),
    ("bits.or", "bits.or(1, 2)"),
    ("bits.and", "bits.and(3, 2)"),
    ("bits.negate", "bits.negate(1)"),
    ("bits.xor", "bits.xor(3, 1)"),
    ("bits.lsh", "bits.lsh(1, 2)"),
    ("bits.rsh", "bits.rsh(4, 1)"),
    ("count", "count([1, 2])"),
    ("sum", "sum([1, 2])"),
    ("product", "product([2, 3])"),
    ("max", "max([1, 2])"),
    ("min", "min([1, 2])"),
    ("sort", "sort([2, 1])"),
    ("array.concat", "array.concat([1], [2])"),
    ("array.flatten", "array.flatten([[1], 2])"),
    ("array.slice", "array.slice([1, 2, 3], 1, 2)"),
    ("array.reverse", "array.reverse([1, 2])"),
    ("intersection", "intersection({{1, 2}, {2}})"),
    ("union", "union({{1}, {2}})"),
    ("to_number", "to_number(\"1\")"),
    ("regex.is_valid", "regex.is_valid(\"a\")"),
    ("regex.match", "regex.match(\"a\", \"a\")"),
    ("regex.split", "regex.split(\",\", \"a,b\")"),
    ("regex.globs_match", "regex.globs_match(\"a.*\", \"ab\")"),
    (
        "regex.template_match",
        "regex.template_match(\"a{[0-9]}\", \"a1\", \"{\", \"}\")",
    ),
    ("regex.find_n", "regex.find_n(\"a\", \"aa\", -1)"),
    (
        "regex.find_all_string_submatch_n",
        "regex.find_all_string_submatch_n(\"(a)\", \"aa\", -1)",
    ),
    ("regex.replace", "regex.replace(\"aa\", \"a\", \"b\")"),
    ("glob.match", "glob.match(\"a*\", [], \"ab\")"),
    ("glob.quote_meta", "glob.quote_meta(\"a*\")"),
    (
        "strings.any_prefix_match",
        "strings.any_prefix_match(\"ab\", [\"a\"])",
    ),
    (
        "strings.any_suffix_match",
        "strings.any_suffix_match(\"ab\", [\"b\"])",
    ),
    ("strings.count", "strings.count(\"aa\", \"a\")"),
    (
        "strings.replace_n",
        "strings.replace_n({\"a\": \"b\"}, \"aa\")",
    ),
    ("strings.reverse", "strings.reverse(\"ab\")"),
    (
        "strings.render_template",
        "strings.render_template(\"{{.a}}\", {\"a\": 1})",
    ),
    ("concat", "concat(\",\", [\"a\", \"b\"])"),
    ("format_int", "format_int(10, 16)"),
    ("indexof", "indexof(\"ab\", \"b\")"),
    ("indexof_n", "indexof_n(\"aa\", \"a\")"),
    ("substring", "substring(\"abc\", 1, 1)"),
    ("lower", "lower(\"A\")"),
    ("upper", "upper(\"a\")"),
    ("contains", "contains(\"ab\", \"b\")"),
    ("startswith", "startswith(\"ab\", \"a\")"),
    ("endswith", "endswith(\"ab\", \"b\")"),
    ("split", "split(\"a,b\", \",\")"),
    ("replace", "replace(\"ab\", \"a\", \"c\")"),
    ("trim", "trim(\" a \", \" \")"),
    ("trim_left", "trim_left(\" a\", \" \")"),
    ("trim_prefix", "trim_prefix(\"ab\", \"a\")"),
    ("trim_right", "trim_right(\"a \", \" \")"),
    ("trim_suffix", "trim_suffix(\"ab\", \"b\")"),
    ("trim_space", "trim_space(\" a \")"),
    ("sprintf", "sprintf(\"%d\", [1])"),
    ("numbers.range", "numbers.range(1, 3)"),
    ("numbers.range_step", "numbers.range_step(1, 5, 2)"),
    ("rand.intn", "rand.intn(\"k\", 10)"),
    ("json.marshal", "json.marshal({\"a\": 1})"),
    (
        "json.marshal_with_options",
        "json.marshal_with_options({\"a\": 1}, {\"pretty\": true})",
    ),
    ("json.unmarshal", "json.unmarshal(\"{}\")"),
    ("json.is_valid", "json.is_valid(\"{}\")"),
    ("json.filter", "json.filter({\"a\": 1}, [\"a\"])"),
    ("json.remove", "json.remove({\"a\": 1}, [\"a\"])"),
    (
        "json.patch",
        "json.patch({}, [{\"op\": \"add\", \"path\": \"/a\", \"value\": 1}])",
    ),
    ("base64.encode", "base64.encode(\"a\")"),
    ("base64.decode", "base64.decode(\"YQ==\")"),
    ("base64.is_valid", "base64.is_valid(\"YQ==\")"),
    ("base64url.encode", "base64url.encode(\"a\")"),
    ("base64url.encode_no_pad", "base64url.encode_no_pad(\"a\")"),
    ("base64url.decode", "base64url.decode(\"YQ==\")"),
    ("urlquery.encode", "urlquery.encode(\"a b\")"),
    ("urlquery.decode", "urlquery.decode(\"a+b\")"),
    (
        "urlquery.encode_object",
        "urlquery.encode_object({\"a\": \"b\"})",
    ),
    ("urlquery.decode_object", "urlquery.decode_object(\"a=b\")"),
    ("yaml.marshal", "yaml.marshal({\"a\": 1})"),
    ("yaml.unmarshal", "yaml.unmarshal(\"a: 1\")"),
    ("yaml.is_valid", "yaml.is_valid(\"a: 1\")"),
    ("hex.encode", "hex.encode(\"a\")"),
    ("hex.decode", "hex.decode(\"61\")"),
    ("object.union", "object.union({\"a\": 1}, {\"b\": 2})"),
    ("object.union_n", "object.union_n([{\"a\": 1}, {\"b\": 2}])"),
    ("object.remove", "object.remove({\"a\": 1}, [\"a\"])"),
    ("object.filter", "object.filter({\"a\": 1}, [\"a\"])"),
    ("object.get", "object.get({\"a\": 1}, \"a\", 0)"),
    ("object.keys", "object.keys({\"a\": 1})"),
    ("object.subset", "object.subset({\"a\": 1}, {\"a\": 1})"),
    ("time.now_ns", "time.now_ns()"),
    (
        "time.parse_ns",
        "time.parse_ns(\"2006-01-02\", \"2024-01-02\")",
    ),
    (
        "time.parse_rfc3339_ns",
        "time.parse_rfc3339_ns(\"2024-01-02T00:00:00Z\")",
    ),
    ("time.parse_duration_ns", "time.parse_duration_ns(\"1h\")"),
    ("time.format", "time.format(0)"),
    ("time.date", "time.date(0)"),
    ("time.clock", "time.clock(0)"),
    ("time.weekday", "time.weekday(0)"),
    ("time.add_date", "time.add_date(0, 1, 0, 0)"),
    ("time.diff", "time.diff(0, 1)"),
    ("is_number", "is_number(1)"),
    ("is_string", "is_string(\"a\")"),
    ("is_boolean", "is_boolean(true)"),
    ("is_array", "is_array([])"),
    ("is_set", "is_set(set())"),
    ("is_object", "is_object({})"),
    ("is_null", "is_null(null)"),
    ("type_name", "type_name(1)"),
    ("units.parse", "units.parse(\"1K\")"),
    ("units.parse_bytes", "units.parse_bytes(\"1KB\")"),
    ("uuid.rfc4122", "uuid.rfc4122(\"k\")"),
    (
        "uuid.parse",
        "uuid.parse(\"f47ac10b-58cc-4372-a567-0e02b2c3d479\")",
    ),
    ("semver.is_valid", "semver.is_valid(\"1.2.3\")"),
    ("semver.compare", "semver.compare(\"1.2.3\", \"1.2.4\")"),
    ("print", "print(\"x\")"),
];

/// What a call gives: `Ok(true)` defined, `Ok(false)` undefined, `Err` an error code.
fn call(expr: &str) -> Result<bool, ErrorCode> {
    let source = format!(
        "package docker\n\ndefault allow := false\n\nallow if {{\n\t_ = {expr}\n}}\n\n\
         decision := {{\"allow\": allow}}\n"
    );
    let sets = vec![vec![Module {
        path: "Dockerfile.rego".to_owned(),
        source,
    }]];
    let options = Options {
        query: None,
        now_ns: 1_700_000_000_000_000_000,
    };
    let engine = PolicyEngine::new(&sets, &options).map_err(|e| e.code())?;
    match engine.evaluate(&serde_json::json!({})).outcome {
        Ok(Outcome::Allow) => Ok(true),
        Ok(_) => Ok(false),
        Err(e) => Err(e.code()),
    }
}

#[test]
fn every_allowed_builtin_exists_and_returns_a_value() {
    let mut failures = Vec::new();
    for name in ALLOWED {
        if UNSUPPORTED.contains(name) {
            // Not provided (KNOWN-DIFFERENCES): a compile error naming it.
            let (_, expr) = EXAMPLES
                .iter()
                .find(|(n, _)| n == name)
                .copied()
                .unwrap_or_default();
            if call(expr) != Err(ErrorCode::MalformedPolicy) {
                failures.push(format!("{name}: unsupported but not refused"));
            }
            continue;
        }
        let Some((_, expr)) = EXAMPLES.iter().find(|(n, _)| n == name) else {
            failures.push(format!("{name}: no example call in this test"));
            continue;
        };
        // `print` is a statement-like builtin with no value of its own in regorus.
        let expr = if *name == "print" {
            "true; print(\"x\")"
        } else {
            expr
        };
        match call(expr) {
            Ok(true) => {}
            Ok(false) => failures.push(format!("{name}: `{expr}` is undefined")),
            Err(code) => failures.push(format!("{name}: `{expr}` fails: {code:?}")),
        }
    }
    for (name, _) in EXAMPLES {
        if !ALLOWED.contains(name) {
            failures.push(format!("{name}: has an example but is not allowed"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn forbidden_builtins_are_refused_at_compile_time() {
    for expr in [
        "http.send({\"method\": \"get\", \"url\": \"https://example.com\"})",
        "crypto.sha256(\"a\")",
        "opa.runtime()",
        "walk({\"a\": 1})",
        "strings.render_template_v2(\"x\", {})",
        "net.cidr_contains(\"10.0.0.0/8\", \"10.0.0.1\")",
    ] {
        assert_eq!(call(expr), Err(ErrorCode::ForbiddenBuiltin), "{expr}");
    }
}
