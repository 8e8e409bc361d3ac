//! `docker buildx policy test` as a pure function (BX `policy/tester.go`,
//! `commands/policy/test.go`), plus line coverage of the policy modules.
//!
//! * The policy modules, the test modules and verdict's helper module are compiled as one set,
//!   on the path of [`PolicyEngine`](crate::PolicyEngine) (Rego v1, Buildx's builtin allowlist,
//!   the forbidden-builtin check, the custom functions).
//! * Tests are the rules of the **test modules** named `test_*` that take no arguments and whose
//!   head value is absent (`test_x if …`, `test_x contains …`) or a boolean literal; one test per
//!   name (when two packages define the same name, the later module's package is kept), sorted
//!   by name, filtered by the `run` substring. None left → error `no tests found`.
//! * A test's input is the term of `with input as X` in the bodies of its clauses (the same term
//!   in every clause, else error `multiple input overrides for <test>`). verdict evaluates `X`
//!   in the test's package, so it may be a literal or a reference to a rule; Buildx decodes it
//!   as a literal and fails on anything else.
//! * A test passes when `data.<package>.<test>` is `true` with that input (undefined or any
//!   other value fails; an evaluation error fails and is recorded). `data.<package>.decision`
//!   is then evaluated with the same input and read as Buildx reads it in tests: `allow` when it
//!   is a boolean, `deny_msg` from a string or the strings of an array, `caps` the boolean
//!   entries; an error or a non-object leaves no decision.
//! * Coverage: regorus's line coverage, merged over every evaluation of every test, for the
//!   policy modules only (not the test modules or the helper module).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use regorus::Value;
use serde_json::Value as Json;

use crate::check::ref_path;
use crate::engine::{self, HELPER_MODULE_PATH, compact};
use crate::functions::{self, NoResolver, Resolver};
use crate::{Error, Module, Options};

/// The prefix of the rules verdict appends to a test module to evaluate the `with input as X`
/// terms (`__verdict_test_input_<n> := X`).
pub(crate) const INPUT_RULE_PREFIX: &str = "__verdict_test_input_";

/// The outcome of one test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    /// The rule name (`test_…`).
    pub name: String,
    /// The package of the test, as a `data` path (`data.docker`).
    pub package: String,
    /// The test evaluated to `true`.
    pub passed: bool,
    /// `decision.allow`, when the decision has a boolean `allow`.
    pub allow: Option<bool>,
    /// The strings of `decision.deny_msg`.
    pub deny_messages: Vec<String>,
    /// The test's input (the value of its `with input as X` term), if it has one.
    pub input: Option<Json>,
    /// The decision as Buildx reads it in tests (`allow`, `deny_msg`, `caps`; absent fields
    /// left out), if it evaluated to an object.
    pub decision: Option<Json>,
    /// The error that stopped the evaluation of the test or its input (the test fails).
    pub error: Option<String>,
}

/// Line coverage of one policy module over all tests run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCoverage {
    /// The module's path.
    pub path: String,
    /// 1-based lines with an expression that was evaluated, ascending.
    pub covered: Vec<u32>,
    /// 1-based lines with expressions, none of which was evaluated, ascending.
    pub not_covered: Vec<u32>,
}

impl FileCoverage {
    /// Lines with expressions (covered + not covered).
    pub fn lines(&self) -> usize {
        self.covered.len() + self.not_covered.len()
    }

    /// Covered lines in percent of [`FileCoverage::lines`]; `None` for a module with no
    /// expression.
    pub fn percent(&self) -> Option<f64> {
        let lines = self.lines();
        #[allow(clippy::cast_precision_loss)]
        (lines > 0).then(|| self.covered.len() as f64 * 100.0 / lines as f64)
    }
}

/// What a test run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct TestReport {
    /// One result per test run, sorted by name.
    pub results: Vec<TestResult>,
    /// Coverage of each policy module, in the order the modules were given.
    pub coverage: Vec<FileCoverage>,
}

/// Text from a policy (a deny message, an error quoting it) made safe for a
/// terminal line: control characters (C0 including newline, DEL, C1),
/// bidirectional formatting characters and the Unicode line and paragraph
/// separators are shown as `\u{1b}`, so a message cannot fake a `PASS` line
/// or recolour the report. (The CLI's pretty output escapes the same set.)
fn escape(text: &str) -> String {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(
                c,
                '\u{061c}'
                    | '\u{200e}'
                    | '\u{200f}'
                    | '\u{2028}'
                    | '\u{2029}'
                    | '\u{202a}'..='\u{202e}'
                    | '\u{2066}'..='\u{2069}'
            )
    };
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

impl TestReport {
    /// How many tests failed.
    pub fn failed(&self) -> usize {
        self.results.iter().filter(|r| !r.passed).count()
    }

    /// The exit status of `docker buildx policy test`: 1 when a test failed, else 0.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.failed() > 0)
    }

    /// The report as `docker buildx policy test` prints it, one line per test
    /// (`name: PASS|FAIL (allow=true|false|n/a[, deny_msg=a; b])`, then for a failure its
    /// `input:` and `decision:` as indented JSON or `<nil>`), followed by verdict's additions:
    /// an `error:` line for a test whose evaluation failed, and one `coverage:` line per policy
    /// module (`coverage: Dockerfile.rego 87.5% (14/16 lines); not covered: 12, 19`).
    pub fn render(&self) -> String {
        let mut out = String::new();
        for result in &self.results {
            let status = if result.passed { "PASS" } else { "FAIL" };
            let allow = result.allow.map_or("n/a".to_owned(), |b| b.to_string());
            out.push_str(&format!("{}: {status} (allow={allow}", result.name));
            if !result.deny_messages.is_empty() {
                let messages: Vec<String> =
                    result.deny_messages.iter().map(|m| escape(m)).collect();
                out.push_str(&format!(", deny_msg={}", messages.join("; ")));
            }
            out.push_str(")\n");
            if result.passed {
                continue;
            }
            if let Some(error) = &result.error {
                out.push_str(&format!("error: {}\n", escape(error)));
            }
            match &result.input {
                Some(input) => out.push_str(&format!("input:\n{}\n", go_json(input))),
                None => out.push_str("input: <nil>\n"),
            }
            match &result.decision {
                Some(decision) => {
                    out.push_str(&format!("decision:\n{}\n", decision_json(decision)));
                }
                None => out.push_str("decision: <nil>\n"),
            }
        }
        for file in &self.coverage {
            let percent = file
                .percent()
                .map_or("n/a".to_owned(), |p| format!("{p:.1}%"));
            out.push_str(&format!(
                "coverage: {} {percent} ({}/{} lines)",
                file.path,
                file.covered.len(),
                file.lines()
            ));
            if !file.not_covered.is_empty() {
                let lines: Vec<String> = file.not_covered.iter().map(u32::to_string).collect();
                out.push_str(&format!("; not covered: {}", lines.join(", ")));
            }
            out.push('\n');
        }
        out
    }
}

/// Runs the tests of `tests` against `policy` (see the module docs), with no build-context
/// files and nothing to verify with (see [`run_tests_with`]).
///
/// `run` keeps only the tests whose name contains it. `options.now_ns` pins the clock;
/// `options.query` is not used (the decision is always `data.<package>.decision` of the
/// test's package, as in Buildx).
///
/// ```
/// use verdict_policy::{Module, Options, run_tests};
///
/// let policy = Module {
///     path: "Dockerfile.rego".into(),
///     source: "package docker\ndefault allow := false\nallow if input.image.repo == \"alpine\"\n\
///              decision := {\"allow\": allow}\n".into(),
/// };
/// let tests = Module {
///     path: "Dockerfile_test.rego".into(),
///     source: "package docker\ntest_alpine if allow with input as {\"image\": {\"repo\": \"alpine\"}}\n".into(),
/// };
/// let options = Options { query: None, now_ns: 0 };
/// let report = run_tests(&[policy], &[tests], &options, None).unwrap();
/// assert_eq!(
///     report.render(),
///     "test_alpine: PASS (allow=true)\ncoverage: Dockerfile.rego 100.0% (3/3 lines)\n"
/// );
/// assert_eq!(report.exit_code(), 0);
/// ```
pub fn run_tests(
    policy: &[Module],
    tests: &[Module],
    options: &Options,
    run: Option<&str>,
) -> Result<TestReport, Error> {
    run_tests_with(policy, tests, options, run, Arc::new(NoResolver))
}

/// As [`run_tests`]; the custom functions read files and verify signatures through
/// `resolver`.
///
/// Errors, in Buildx's order: a module that does not parse or compile (`malformed-policy`,
/// `forbidden-builtin`); `no tests found` (`invalid-request`); the first test, by name, whose
/// clauses override `input` with different terms (`malformed-policy`).
pub fn run_tests_with(
    policy: &[Module],
    tests: &[Module],
    options: &Options,
    run: Option<&str>,
    resolver: Arc<dyn Resolver>,
) -> Result<TestReport, Error> {
    if policy.is_empty() {
        return Err(Error::InvalidRequest("no policy module given".into()));
    }
    if tests.is_empty() {
        return Err(Error::InvalidRequest("no policy tests found".into()));
    }

    // Parse everything once, on its own, to read the test modules' AST (Buildx parses the
    // policy module first, then the test modules).
    let mut parser = regorus::Engine::new();
    parser.set_rego_v0(false);
    for module in policy.iter().chain(tests) {
        crate::check::check_nesting(module)?;
        parser
            .add_policy(module.path.clone(), module.source.clone())
            .map_err(|e| Error::MalformedPolicy {
                path: module.path.clone(),
                message: compact(&e.to_string()),
            })?;
    }
    let ast = parsed_modules(&parser)?;
    let (policy_ast, test_ast) = ast.split_at(policy.len());

    let mut found = find_tests(test_ast);
    if let Some(run) = run {
        found.retain(|name, _| name.contains(run));
    }

    // Each test's `with input as X` term, appended to its module as a rule to evaluate.
    let mut sources: Vec<String> = tests.iter().map(|m| m.source.clone()).collect();
    let mut input_rules: BTreeMap<String, Result<Option<String>, Error>> = BTreeMap::new();
    for (index, (name, package)) in found.iter().enumerate() {
        let term = input_term(test_ast, tests, name, package).map(|term| {
            term.map(|(module, text)| {
                let rule = format!("{INPUT_RULE_PREFIX}{index}");
                sources[module].push_str(&format!("\n{rule} := {text}\n"));
                format!("{package}.{rule}")
            })
        });
        input_rules.insert(name.clone(), term);
    }

    let modules: Vec<Module> = policy
        .iter()
        .cloned()
        .chain(tests.iter().zip(sources).map(|(m, source)| Module {
            path: m.path.clone(),
            source,
        }))
        .collect();
    let set = engine::compile_modules(&modules, None, None, options.now_ns)?;
    if found.is_empty() {
        return Err(Error::InvalidRequest("no tests found".into()));
    }
    let mut inputs = BTreeMap::new();
    for (name, rule) in input_rules {
        inputs.insert(name, rule?);
    }

    let mut master = set.engine;
    master.set_enable_coverage(true);
    let test_paths: BTreeSet<&str> = tests.iter().map(|m| m.path.as_str()).collect();
    let covered_paths: Vec<&str> = policy
        .iter()
        .map(|m| m.path.as_str())
        .filter(|p| *p != HELPER_MODULE_PATH && !test_paths.contains(p))
        .collect();
    let mut coverage: BTreeMap<String, (BTreeSet<u32>, BTreeSet<u32>)> = BTreeMap::new();

    let mut results = Vec::with_capacity(found.len());
    for (name, package) in &found {
        let mut engine = master.clone();
        let input_rule = inputs.get(name).cloned().flatten();
        let result = run_one(
            &mut engine,
            &set.slot,
            &resolver,
            name,
            package,
            input_rule.as_deref(),
        );
        results.push(result);
        let report = engine
            .get_coverage_report()
            .map_err(|e| Error::Internal(format!("coverage report: {e}")))?;
        for file in report.files {
            if !covered_paths.contains(&file.path.as_str()) {
                continue;
            }
            let entry = coverage.entry(file.path).or_default();
            entry.0.extend(file.covered);
            entry.1.extend(file.not_covered);
        }
    }

    let mut files = Vec::with_capacity(covered_paths.len());
    for (index, path) in policy.iter().map(|m| m.path.as_str()).enumerate() {
        if !covered_paths.contains(&path) || files.iter().any(|f: &FileCoverage| f.path == path) {
            continue;
        }
        let (covered, not_covered) = match coverage.remove(path) {
            Some((covered, not_covered)) => {
                let not_covered = not_covered.difference(&covered).copied().collect();
                (covered.into_iter().collect(), not_covered)
            }
            // regorus reports only the files it evaluated something of.
            None => (
                Vec::new(),
                coverable_lines(&policy_ast[index]).into_iter().collect(),
            ),
        };
        files.push(FileCoverage {
            path: path.to_owned(),
            covered,
            not_covered,
        });
    }

    Ok(TestReport {
        results,
        coverage: files,
    })
}

/// Evaluates one test, its input and the decision on `engine` (a fresh clone of the compiled
/// set).
fn run_one(
    engine: &mut regorus::Engine,
    slot: &functions::Slot,
    resolver: &Arc<dyn Resolver>,
    name: &str,
    package: &str,
    input_rule: Option<&str>,
) -> TestResult {
    let mut result = TestResult {
        name: name.to_owned(),
        package: package.to_owned(),
        passed: false,
        allow: None,
        deny_messages: Vec::new(),
        input: None,
        decision: None,
        error: None,
    };

    let mut input = Value::Undefined;
    if let Some(rule) = input_rule {
        let (value, effects) =
            functions::with_session(slot, resolver.clone(), &input, || eval(engine, rule));
        match (value, effects.error) {
            (Err(e), _) | (Ok(_), Some(e)) => {
                result.error = Some(format!("the test input: {e}"));
                return result;
            }
            (Ok(Value::Undefined), None) => {}
            (Ok(value), None) => match serde_json::to_value(&value) {
                Ok(json) => {
                    input = crate::document::from_json(&json);
                    result.input = Some(json);
                }
                Err(e) => {
                    result.error = Some(format!("the test input: {e}"));
                    return result;
                }
            },
        }
    }
    if input != Value::Undefined {
        engine.set_input(input.clone());
    }

    let (outcome, effects) = functions::with_session(slot, resolver.clone(), &input, || {
        eval(engine, &format!("{package}.{name}"))
    });
    match (outcome, effects.error) {
        (Err(e), _) | (Ok(_), Some(e)) => result.error = Some(e.to_string()),
        (Ok(value), None) => result.passed = value == Value::Bool(true),
    }

    let (decision, _) = functions::with_session(slot, resolver.clone(), &input, || {
        eval(engine, &format!("{package}.decision"))
    });
    if let Ok(Value::Object(fields)) = decision {
        let mut decision = serde_json::Map::new();
        if let Some(Value::Bool(allow)) = fields.get(&Value::from("allow")) {
            result.allow = Some(*allow);
            decision.insert("allow".into(), Json::Bool(*allow));
        }
        match fields.get(&Value::from("deny_msg")) {
            Some(Value::String(s)) => result.deny_messages.push(s.to_string()),
            Some(Value::Array(items)) => result.deny_messages.extend(strings(items.iter())),
            Some(Value::Set(items)) => result.deny_messages.extend(strings(items.iter())),
            _ => {}
        }
        if !result.deny_messages.is_empty() {
            decision.insert("deny_msg".into(), result.deny_messages.clone().into());
        }
        if let Some(Value::Object(caps)) = fields.get(&Value::from("caps")) {
            let caps: serde_json::Map<String, Json> = caps
                .iter()
                .filter_map(|(k, v)| match (k, v) {
                    (Value::String(k), Value::Bool(b)) => Some((k.to_string(), Json::Bool(*b))),
                    _ => None,
                })
                .collect();
            if !caps.is_empty() {
                decision.insert("caps".into(), Json::Object(caps));
            }
        }
        result.decision = Some(Json::Object(decision));
    }
    result
}

/// The value of `query` (`Undefined` when it has no result).
fn eval(engine: &mut regorus::Engine, query: &str) -> Result<Value, Error> {
    let results = engine
        .eval_query(query.to_owned(), false)
        .map_err(|e| Error::EvaluationFailed(compact(&e.to_string())))?;
    Ok(results
        .result
        .first()
        .and_then(|r| r.expressions.first())
        .map_or(Value::Undefined, |e| e.value.clone()))
}

fn strings<'a>(items: impl Iterator<Item = &'a Value>) -> impl Iterator<Item = String> {
    items.filter_map(|item| match item {
        Value::String(s) => Some(s.to_string()),
        _ => None,
    })
}

/// The AST of every module of `engine`, in the order they were added.
fn parsed_modules(engine: &regorus::Engine) -> Result<Vec<Json>, Error> {
    let ast = engine
        .get_ast_as_json()
        .map_err(|e| Error::Internal(format!("cannot inspect the parsed policy: {e}")))?;
    let ast: Json = serde_json::from_str(&ast)
        .map_err(|e| Error::Internal(format!("cannot inspect the parsed policy: {e}")))?;
    Ok(ast
        .as_array()
        .into_iter()
        .flatten()
        .map(|policy| policy["ast"].clone())
        .collect())
}

/// The package of a module as a `data` path.
fn package_of(module: &Json) -> String {
    format!(
        "data.{}",
        ref_path(&module["package"]["refr"]).unwrap_or_default()
    )
}

/// The name of a rule whose head is a plain name (not a ref) and takes no arguments, and
/// whether the rule is a test candidate (value absent or a boolean literal).
fn test_rule(rule: &Json) -> Option<&str> {
    let is_bool = |expr: &Json| expr.get("Bool").is_some();
    fn name(refr: &Json) -> Option<&str> {
        refr.get("Var")?["value"].as_str()
    }
    if let Some(default) = rule.get("Default") {
        let no_args = default["args"].as_array().is_none_or(Vec::is_empty);
        return (no_args && is_bool(&default["value"]))
            .then(|| name(&default["refr"]))
            .flatten();
    }
    let head = &rule.get("Spec")?["head"];
    if let Some(compr) = head.get("Compr") {
        let assign = &compr["assign"];
        return (assign.is_null() || is_bool(&assign["value"]))
            .then(|| name(&compr["refr"]))
            .flatten();
    }
    // `test_x contains …` has no value in OPA's AST: Buildx counts it.
    head.get("Set").and_then(|set| name(&set["refr"]))
}

/// Tests of the test modules: name → package, sorted by name.
fn find_tests(modules: &[Json]) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for module in modules {
        let package = package_of(module);
        for rule in module["rules"].as_array().into_iter().flatten() {
            if let Some(name) = test_rule(rule)
                && name.starts_with("test_")
            {
                found.insert(name.to_owned(), package.clone());
            }
        }
    }
    found
}

/// The `with input as X` term of test `name` in the modules of `package`: the index of the
/// module it was first found in and its source text. Different terms in different places
/// are an error.
fn input_term(
    modules: &[Json],
    sources: &[Module],
    name: &str,
    package: &str,
) -> Result<Option<(usize, String)>, Error> {
    let mut term: Option<(Json, usize, String)> = None;
    for (index, module) in modules.iter().enumerate() {
        if package_of(module) != package {
            continue;
        }
        for rule in module["rules"].as_array().into_iter().flatten() {
            let Some(spec) = rule.get("Spec") else {
                continue;
            };
            let head = &spec["head"];
            let refr = ["Compr", "Set", "Func"]
                .iter()
                .find_map(|k| head.get(*k))
                .map(|h| &h["refr"]);
            if refr
                .and_then(|r| r.get("Var"))
                .and_then(|v| v["value"].as_str())
                != Some(name)
            {
                continue;
            }
            // Buildx looks at the rule's body, not at its `else` branches.
            for body in spec["bodies"].as_array().into_iter().flatten() {
                if body["is_else"].as_bool() == Some(true) {
                    continue;
                }
                for stmt in body["query"]["stmts"].as_array().into_iter().flatten() {
                    for with in stmt["with_mods"].as_array().into_iter().flatten() {
                        if with["refr"].get("Var").and_then(|v| v["value"].as_str())
                            != Some("input")
                        {
                            continue;
                        }
                        let value = &with["as"];
                        let shape = without_spans(value);
                        match &term {
                            Some((seen, ..)) if *seen != shape => {
                                return Err(Error::MalformedPolicy {
                                    path: sources[index].path.clone(),
                                    message: format!(
                                        "{}:{}: multiple input overrides for {name}",
                                        sources[index].path,
                                        span_of(value)
                                            .map_or(0, |s| s["line"].as_u64().unwrap_or(0))
                                    ),
                                });
                            }
                            Some(_) => {}
                            None => {
                                let text = with_term_text(&sources[index].source, &with["span"])
                                    .ok_or_else(|| {
                                        Error::Internal(format!(
                                            "no source text for the input of {name}"
                                        ))
                                    })?;
                                term = Some((shape, index, text.to_owned()));
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(term.map(|(_, index, text)| (index, text)))
}

/// The text of `X` in the source text of a `with input as X` modifier. (The modifier's span
/// is used because regorus 0.14.1 gives an object literal of more than one field the start of
/// its last field.)
fn with_term_text<'a>(source: &'a str, span: &Json) -> Option<&'a str> {
    let start = usize::try_from(span["start"].as_u64()?).ok()?;
    let end = usize::try_from(span["end"].as_u64()?).ok()?;
    let text = source
        .get(start..end)?
        .strip_prefix("with")?
        .trim_start()
        .strip_prefix("input")?
        .trim_start()
        .strip_prefix("as")?;
    text.starts_with(char::is_whitespace)
        .then(|| text.trim())
        .filter(|t| !t.is_empty())
}

/// The span of an expression node (`{"Variant": {"span": …}}`).
fn span_of(expr: &Json) -> Option<&Json> {
    expr.as_object()?.values().next()?.get("span")
}

/// An AST node with positions removed, to compare terms the way OPA's `Term.Equal` does.
fn without_spans(node: &Json) -> Json {
    match node {
        Json::Object(map) => {
            let is_span = map.len() == 4
                && ["line", "col", "start", "end"]
                    .iter()
                    .all(|k| map.contains_key(*k));
            if is_span {
                return Json::Null;
            }
            Json::Object(
                map.iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "span" | "eidx" | "sidx" | "qidx"))
                    .map(|(k, v)| (k.clone(), without_spans(v)))
                    .collect(),
            )
        }
        Json::Array(items) => Json::Array(items.iter().map(without_spans).collect()),
        other => other.clone(),
    }
}

/// The lines regorus's coverage report considers in a module (the lines of the expressions
/// of rule values, set keys, bodies and default values; not heads, `with` modifiers or
/// comprehension heads), for a module regorus did not report because nothing of it ran.
pub(crate) fn coverable_lines(module: &Json) -> BTreeSet<u32> {
    let mut lines = BTreeSet::new();
    for rule in module["rules"].as_array().into_iter().flatten() {
        if let Some(default) = rule.get("Default") {
            expr_lines(&default["value"], &mut lines);
            continue;
        }
        let Some(spec) = rule.get("Spec") else {
            continue;
        };
        let head = &spec["head"];
        if let Some(h) = head.get("Compr").or_else(|| head.get("Func")) {
            expr_lines(&h["assign"]["value"], &mut lines);
        }
        if let Some(h) = head.get("Set") {
            expr_lines(&h["key"], &mut lines);
        }
        for body in spec["bodies"].as_array().into_iter().flatten() {
            query_lines(&body["query"], &mut lines);
        }
    }
    lines
}

fn query_lines(query: &Json, lines: &mut BTreeSet<u32>) {
    for stmt in query["stmts"].as_array().into_iter().flatten() {
        let literal = &stmt["literal"];
        if let Some(some_in) = literal.get("SomeIn") {
            expr_lines(&some_in["value"], lines);
            expr_lines(&some_in["collection"], lines);
        } else if let Some(e) = literal.get("Expr").or_else(|| literal.get("NotExpr")) {
            expr_lines(&e["expr"], lines);
        } else if let Some(every) = literal.get("Every") {
            expr_lines(&every["domain"], lines);
            query_lines(&every["query"], lines);
        }
    }
}

/// An expression node is `{"Variant": {"span": …, "eidx": …, …}}`.
fn as_expr(node: &Json) -> Option<(&str, &serde_json::Map<String, Json>)> {
    let map = node.as_object()?;
    if map.len() != 1 {
        return None;
    }
    let (variant, inner) = map.iter().next()?;
    let inner = inner.as_object()?;
    inner
        .contains_key("eidx")
        .then_some((variant.as_str(), inner))
}

fn expr_lines(node: &Json, lines: &mut BTreeSet<u32>) {
    let Some((variant, inner)) = as_expr(node) else {
        return;
    };
    if matches!(variant, "ArrayCompr" | "SetCompr" | "ObjectCompr") {
        query_lines(&inner["query"], lines);
        return;
    }
    if let Some(line) = inner["span"]["line"].as_u64() {
        lines.insert(u32::try_from(line).unwrap_or(u32::MAX));
    }
    for (key, child) in inner {
        // A call's function name is not an expression regorus traverses.
        if variant == "Call" && key == "fcn" {
            continue;
        }
        child_lines(child, lines);
    }
}

/// Expressions nested in a field (an expression, a list of them, an object's fields).
fn child_lines(node: &Json, lines: &mut BTreeSet<u32>) {
    if as_expr(node).is_some() {
        expr_lines(node, lines);
    } else if let Json::Array(items) = node {
        items.iter().for_each(|item| child_lines(item, lines));
    }
}

/// JSON indented as Go's `json.MarshalIndent(v, "", "  ")` writes it: two-space indent, and
/// `<`, `>`, `&`, U+2028 and U+2029 escaped (they only occur inside strings). Object keys come
/// out sorted (Buildx prints its typed input in struct field order).
fn go_json(value: &Json) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_owned());
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The decision in Buildx's field order (`allow`, `deny_msg`, `caps`).
fn decision_json(decision: &Json) -> String {
    let fields: Vec<String> = ["allow", "deny_msg", "caps"]
        .iter()
        .filter_map(|key| {
            let value = decision.get(*key)?;
            let value = go_json(value).replace('\n', "\n  ");
            Some(format!("  \"{key}\": {value}"))
        })
        .collect();
    if fields.is_empty() {
        "{}".to_owned()
    } else {
        format!("{{\n{}\n}}", fields.join(",\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(path: &str, source: &str) -> Module {
        Module {
            path: path.into(),
            source: source.into(),
        }
    }

    /// A deny message cannot fake a report line: a test whose policy denies
    /// with "\nTestSpoof: PASS" and ESC[32m shows them escaped.
    #[test]
    fn report_escapes_controls_in_deny_messages() {
        let policy = module(
            "Dockerfile.rego",
            "package docker\n\ndefault allow := false\n\ndeny_msg contains \"no\\ntest_other: PASS (allow=true)\\u001b[32m\"\n\ndecision := {\"allow\": allow, \"deny_msg\": deny_msg}\n",
        );
        let tests = module(
            "Dockerfile_test.rego",
            "package docker\n\ntest_denies if {\n\tnot allow\n}\n\ntest_allows if {\n\tallow\n}\n",
        );
        let options = Options {
            query: None,
            now_ns: 0,
        };
        let report = run_tests(&[policy], &[tests], &options, None).unwrap();
        let rendered = report.render();
        assert!(
            rendered.contains("deny_msg=no\\u{a}test_other: PASS (allow=true)\\u{1b}[32m"),
            "{rendered}"
        );
        assert!(!rendered.contains('\u{1b}'), "{rendered}");
        assert!(
            !rendered.lines().any(|l| l.starts_with("test_other")),
            "{rendered}"
        );
    }

    #[test]
    fn go_json_escapes_like_encoding_json() {
        let value = serde_json::json!({"a": "<b>&\u{2028}", "e": {}, "l": []});
        assert_eq!(
            go_json(&value),
            "{\n  \"a\": \"\\u003cb\\u003e\\u0026\\u2028\",\n  \"e\": {},\n  \"l\": []\n}"
        );
    }

    #[test]
    fn decision_fields_in_buildx_order() {
        let value =
            serde_json::json!({"caps": {"exec.proxy": true}, "deny_msg": ["x"], "allow": false});
        assert_eq!(
            decision_json(&value),
            "{\n  \"allow\": false,\n  \"deny_msg\": [\n    \"x\"\n  ],\n  \"caps\": {\n    \"exec.proxy\": true\n  }\n}"
        );
        assert_eq!(decision_json(&serde_json::json!({})), "{}");
    }

    /// The fallback walk finds exactly the lines regorus reports for a module.
    #[test]
    fn coverable_lines_match_regorus() {
        let source = r#"package docker

default allow := false

allow if {
	input.image.repo == "alpine"
	some x in [1, 2]
	x > 0
	every y in [1] {
		y == 1
	}
	count([z | some z in input.list; z > 1]) >= 0
}

names contains n if {
	some n in ["a", "b"]
}

f(x) := y if {
	y := x + 1
}

obj := {"a": f(1), "b": [1, 2]} if {
	not input.nothing
}

decision := {"allow": allow, "deny_msg": names}
"#;
        let policy = [module("Dockerfile.rego", source)];
        let tests = [module(
            "Dockerfile_test.rego",
            "package docker\ntest_a if { allow with input as {\"image\": {\"repo\": \"alpine\"}, \"list\": [1, 2]} }\ntest_b if { obj.a == 2 }\n",
        )];
        let options = Options {
            query: None,
            now_ns: 0,
        };
        let report = run_tests(&policy, &tests, &options, None).unwrap();
        assert_eq!(report.failed(), 0, "{}", report.render());
        let file = &report.coverage[0];
        let reported: BTreeSet<u32> = file
            .covered
            .iter()
            .chain(&file.not_covered)
            .copied()
            .collect();

        let mut parser = regorus::Engine::new();
        parser.set_rego_v0(false);
        parser
            .add_policy("Dockerfile.rego".into(), source.into())
            .unwrap();
        let ast = parsed_modules(&parser).unwrap();
        assert_eq!(coverable_lines(&ast[0]), reported);
        assert!(reported.len() > 10, "{reported:?}");
    }
}
