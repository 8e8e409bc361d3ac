//! `docker buildx policy test` semantics (`verdict_policy::tester`): golden reports over the
//! example set in `tests/tester/` (`BLESS=1` rewrites them) and the error cases.

use std::path::PathBuf;

use serde_json::json;
use verdict_policy::{ErrorCode, Module, Options, TestReport, run_tests};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tester")
}

fn load(name: &str) -> Module {
    let source = std::fs::read_to_string(dir().join(name)).expect(name);
    Module {
        path: name.into(),
        source,
    }
}

fn module(path: &str, source: &str) -> Module {
    Module {
        path: path.into(),
        source: source.into(),
    }
}

fn options() -> Options {
    Options {
        query: None,
        now_ns: 1_700_000_000_000_000_000,
    }
}

fn example(run: Option<&str>) -> TestReport {
    let policy = [load("Dockerfile.rego")];
    let tests = [
        load("Dockerfile_test.rego"),
        load("Dockerfile_extra_test.rego"),
    ];
    run_tests(&policy, &tests, &options(), run).expect("the example runs")
}

/// Compares `actual` with the golden file `name`; `BLESS=1` rewrites it.
fn golden(name: &str, actual: &str) {
    let path = dir().join(name);
    if std::env::var_os("BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path).expect(name);
    assert_eq!(actual, expected, "{name} differs (BLESS=1 rewrites it)");
}

fn result<'a>(report: &'a TestReport, name: &str) -> &'a verdict_policy::TestResult {
    report
        .results
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no result for {name}"))
}

fn error_of(policy: &[Module], tests: &[Module], run: Option<&str>) -> verdict_policy::Error {
    run_tests(policy, tests, &options(), run).expect_err("an error")
}

const POLICY: &str =
    "package docker\ndefault allow := false\nallow if input.ok\ndecision := {\"allow\": allow}\n";

#[test]
fn example_report() {
    let report = example(None);
    golden("report.txt", &report.render());

    let names: Vec<&str> = report.results.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "test_alpine_allowed",
            "test_busybox_allowed",
            "test_false",
            "test_helper_rejects_self_signed",
            "test_html_escaped",
            "test_latest_denied",
            "test_local_context_allowed",
            "test_no_input_denies",
        ]
    );
    assert_eq!(report.failed(), 3);
    assert_eq!(report.exit_code(), 1);

    // An input defined as a rule, in both clauses of a test split over two files.
    let alpine = result(&report, "test_alpine_allowed");
    assert!(alpine.passed);
    assert_eq!(alpine.package, "data.docker");
    assert_eq!(alpine.allow, Some(true));
    assert_eq!(
        alpine.input,
        Some(json!({"image": {"repo": "alpine", "tag": "3.20"}}))
    );

    let busybox = result(&report, "test_busybox_allowed");
    assert!(!busybox.passed);
    assert_eq!(busybox.error, None);
    assert_eq!(busybox.allow, Some(false));
    assert_eq!(
        busybox.deny_messages,
        [
            "image busybox uses the latest tag",
            "only alpine images are allowed"
        ]
    );
    assert_eq!(
        busybox.decision,
        Some(
            json!({"allow": false, "deny_msg": ["image busybox uses the latest tag", "only alpine images are allowed"]})
        )
    );

    // Without `with input`, the test and the decision see no input.
    let no_input = result(&report, "test_no_input_denies");
    assert!(no_input.passed);
    assert_eq!(no_input.input, None);
    assert_eq!(no_input.allow, Some(false));
    assert!(no_input.deny_messages.is_empty());

    assert!(!result(&report, "test_false").passed);
    assert!(result(&report, "test_helper_rejects_self_signed").passed);

    // Coverage of the policy module only; the git rule never gets past its first line.
    assert_eq!(report.coverage.len(), 1);
    let file = &report.coverage[0];
    assert_eq!(file.path, "Dockerfile.rego");
    assert_eq!(file.not_covered, [17]);
    // Its first expression ran (and failed) for every input.
    assert!(file.covered.contains(&16));
    assert!(file.covered.contains(&7) && file.covered.contains(&29));
    assert!(file.percent().unwrap() < 100.0);
}

#[test]
fn run_filters_by_substring() {
    let report = example(Some("denied"));
    golden("report_run_denied.txt", &report.render());
    let names: Vec<&str> = report.results.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["test_latest_denied"]);
    assert_eq!(report.exit_code(), 0);
    // Coverage counts only the tests run.
    let full = example(None);
    assert!(report.coverage[0].covered.len() < full.coverage[0].covered.len());
}

#[test]
fn reports_are_deterministic() {
    assert_eq!(example(None), example(None));
    assert_eq!(example(None).render(), example(None).render());
}

#[test]
fn no_tests_found() {
    let policy = [module("Dockerfile.rego", POLICY)];
    let tests = [module(
        "Dockerfile_test.rego",
        "package docker\ncheck_ok if allow with input as {\"ok\": true}\ntest_value := 1\ntest_f(x) if x\n",
    )];
    let error = error_of(&policy, &tests, None);
    assert_eq!(error.code(), ErrorCode::InvalidRequest);
    assert!(error.to_string().contains("no tests found"), "{error}");

    // A filter that matches nothing.
    let tests = [module(
        "Dockerfile_test.rego",
        "package docker\ntest_ok if allow with input as {\"ok\": true}\n",
    )];
    let error = error_of(&policy, &tests, Some("nothing"));
    assert_eq!(error.code(), ErrorCode::InvalidRequest);
    assert!(error.to_string().contains("no tests found"), "{error}");

    // No test module at all.
    let error = error_of(&policy, &[], None);
    assert_eq!(error.code(), ErrorCode::InvalidRequest);
}

#[test]
fn multiple_input_overrides() {
    let policy = [module("Dockerfile.rego", POLICY)];
    let tests = [module(
        "Dockerfile_test.rego",
        "package docker\ntest_a if {\n\tallow with input as {\"ok\": true}\n\tallow with input as {\"ok\": 1}\n}\ntest_b if allow with input as {\"ok\": true}\n",
    )];
    let error = error_of(&policy, &tests, None);
    assert_eq!(error.code(), ErrorCode::MalformedPolicy);
    assert!(
        error
            .to_string()
            .contains("multiple input overrides for test_a"),
        "{error}"
    );

    // Across clauses in two files.
    let tests = [
        module(
            "a_test.rego",
            "package docker\ntest_a if allow with input as {\"ok\": true}\n",
        ),
        module(
            "b_test.rego",
            "package docker\ntest_a if allow with input as {\"ok\": false}\n",
        ),
    ];
    let error = error_of(&policy, &tests, None);
    assert_eq!(error.code(), ErrorCode::MalformedPolicy);
    assert!(error.to_string().contains("b_test.rego"), "{error}");

    // Filtered out, the conflicting test is not an error (Buildx looks up inputs per test run).
    let report = run_tests(&policy, &tests, &options(), Some("test_b")).map(|r| r.results.len());
    assert_eq!(report.map_err(|e| e.code()), Err(ErrorCode::InvalidRequest));

    // The same term written twice (whitespace apart) is one override.
    let tests = [module(
        "Dockerfile_test.rego",
        "package docker\ntest_a if {\n\tallow with input as {\"ok\": true}\n\tdecision.allow with input as {\"ok\":   true}\n}\n",
    )];
    let report = run_tests(&policy, &tests, &options(), None).expect("one input");
    assert!(report.results[0].passed);
    assert_eq!(report.results[0].input, Some(json!({"ok": true})));
}

#[test]
fn compile_errors_in_test_files() {
    let policy = [module("Dockerfile.rego", POLICY)];

    let tests = [module(
        "Dockerfile_test.rego",
        "package docker\ntest_a if {\n\tallow with input as {\"ok\": true\n}\n",
    )];
    let error = error_of(&policy, &tests, None);
    assert_eq!(error.code(), ErrorCode::MalformedPolicy);
    assert!(
        error.to_string().contains("Dockerfile_test.rego"),
        "{error}"
    );

    // Rego v0 syntax is rejected, as Buildx parses test modules as Rego v1.
    let tests = [module(
        "Dockerfile_test.rego",
        "package docker\ntest_a { allow with input as {\"ok\": true} }\n",
    )];
    assert_eq!(
        error_of(&policy, &tests, None).code(),
        ErrorCode::MalformedPolicy
    );

    // The builtin allowlist applies to test modules.
    let tests = [module(
        "Dockerfile_test.rego",
        "package docker\ntest_a if {\n\thttp.send({\"method\": \"get\", \"url\": \"http://x\"})\n}\n",
    )];
    let error = error_of(&policy, &tests, None);
    assert_eq!(error.code(), ErrorCode::ForbiddenBuiltin);
    assert!(
        error.to_string().contains("Dockerfile_test.rego:3"),
        "{error}"
    );

    // So does the policy module's, and a compile error wins over "no tests found".
    let bad = [module("Dockerfile.rego", "package docker\nallow if {\n")];
    let tests = [module("Dockerfile_test.rego", "package docker\n")];
    let error = error_of(&bad, &tests, None);
    assert_eq!(error.code(), ErrorCode::MalformedPolicy);
    assert!(error.to_string().contains("Dockerfile.rego"), "{error}");
}

#[test]
fn evaluation_errors_fail_the_test() {
    let policy = [module("Dockerfile.rego", POLICY)];
    let tests = [module(
        "Dockerfile_test.rego",
        "package docker\nconflict := 1 if input.ok\nconflict := 2 if input.ok\ntest_conflict if conflict == 1 with input as {\"ok\": true}\ntest_ok if allow with input as {\"ok\": true}\n",
    )];
    let report = run_tests(&policy, &tests, &options(), None).expect("runs");
    let conflict = result(&report, "test_conflict");
    assert!(!conflict.passed);
    assert!(conflict.error.is_some(), "{conflict:?}");
    assert_eq!(conflict.allow, Some(true));
    assert!(result(&report, "test_ok").passed);
    assert_eq!(report.exit_code(), 1);
    let rendered = report.render();
    assert!(
        rendered.contains("test_conflict: FAIL (allow=true)\nerror: "),
        "{rendered}"
    );
}

#[test]
fn input_from_a_local_variable_is_an_error_of_the_test() {
    let policy = [module("Dockerfile.rego", POLICY)];
    let tests = [module(
        "Dockerfile_test.rego",
        "package docker\ntest_local if {\n\tx := {\"ok\": true}\n\tallow with input as x\n}\ntest_ok if allow with input as {\"ok\": true}\n",
    )];
    let report = run_tests(&policy, &tests, &options(), None).expect("runs");
    let local = result(&report, "test_local");
    assert!(!local.passed);
    assert!(
        local
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("the test input: ")),
        "{local:?}"
    );
    assert!(result(&report, "test_ok").passed);
}

#[test]
fn tests_of_another_package_have_no_decision() {
    let policy = [module("Dockerfile.rego", POLICY)];
    let tests = [module(
        "Dockerfile_test.rego",
        "package docker_test\nimport data.docker\ntest_ok if docker.allow with input as {\"ok\": true}\ntest_bad if docker.allow with input as {\"ok\": false}\n",
    )];
    let report = run_tests(&policy, &tests, &options(), None).expect("runs");
    let ok = result(&report, "test_ok");
    assert!(ok.passed);
    assert_eq!(ok.package, "data.docker_test");
    assert_eq!(ok.allow, None);
    assert_eq!(ok.decision, None);
    assert!(
        report.render().starts_with(
            "test_bad: FAIL (allow=n/a)\ninput:\n{\n  \"ok\": false\n}\ndecision: <nil>\ntest_ok: PASS (allow=n/a)\n"
        ),
        "{}",
        report.render()
    );
}

#[test]
fn decision_read_leniently_as_buildx_tests_do() {
    // A string deny_msg is one message; a non-boolean allow is n/a; non-boolean caps are dropped.
    let policy = [module(
        "Dockerfile.rego",
        "package docker\ndecision := {\"allow\": \"yes\", \"deny_msg\": \"no\", \"caps\": {\"exec.proxy\": true, \"x\": 1}}\n",
    )];
    let tests = [module(
        "Dockerfile_test.rego",
        "package docker\ntest_a := false\n",
    )];
    let report = run_tests(&policy, &tests, &options(), None).expect("runs");
    let a = &report.results[0];
    assert_eq!(a.allow, None);
    assert_eq!(a.deny_messages, ["no"]);
    assert_eq!(
        a.decision,
        Some(json!({"deny_msg": ["no"], "caps": {"exec.proxy": true}}))
    );
    assert!(
        report.render().starts_with(
            "test_a: FAIL (allow=n/a, deny_msg=no)\ninput: <nil>\ndecision:\n{\n  \"deny_msg\": [\n    \"no\"\n  ],\n  \"caps\": {\n    \"exec.proxy\": true\n  }\n}\n"
        ),
        "{}",
        report.render()
    );

    // A decision that is not an object is no decision.
    let policy = [module(
        "Dockerfile.rego",
        "package docker\ndecision := true\n",
    )];
    let report = run_tests(&policy, &tests, &options(), None).expect("runs");
    assert_eq!(report.results[0].decision, None);
}

#[test]
fn coverage_of_an_untouched_policy_module() {
    let policy = [
        module("Dockerfile.rego", POLICY),
        module(
            "lib/names.rego",
            "package lib.names\n\nallowed contains n if {\n\tsome n in [\"alpine\"]\n}\n",
        ),
    ];
    let tests = [module(
        "Dockerfile_test.rego",
        "package docker\ntest_ok if allow with input as {\"ok\": true}\n",
    )];
    let report = run_tests(&policy, &tests, &options(), None).expect("runs");
    assert_eq!(report.coverage.len(), 2);
    assert_eq!(report.coverage[0].path, "Dockerfile.rego");
    assert_eq!(report.coverage[0].not_covered, Vec::<u32>::new());
    assert_eq!(report.coverage[0].percent(), Some(100.0));
    let lib = &report.coverage[1];
    assert_eq!(lib.path, "lib/names.rego");
    assert!(lib.covered.is_empty());
    // The set key (line 3) and the body (line 4), as regorus counts lines.
    assert_eq!(lib.not_covered, [3, 4]);
    assert!(
        report
            .render()
            .ends_with("coverage: Dockerfile.rego 100.0% (3/3 lines)\ncoverage: lib/names.rego 0.0% (0/2 lines); not covered: 3, 4\n"),
        "{}",
        report.render()
    );
}

#[test]
fn multi_line_input_terms_and_imports() {
    let policy = [module("Dockerfile.rego", POLICY)];
    // A multi-line term, a term using an import alias, and no newline at the end of the file.
    let tests = [
        module(
            "Dockerfile_test.rego",
            "package docker\nimport data.fixtures as f\ntest_multi if {\n\tallow with input as {\n\t\t\"ok\": true,\n\t\t\"n\": [1, 2],\n\t}\n}\ntest_alias if allow with input as f.ok",
        ),
        module(
            "fixtures_test.rego",
            "package fixtures\nok := {\"ok\": true}\n",
        ),
    ];
    let report = run_tests(&policy, &tests, &options(), None).expect("runs");
    assert_eq!(report.failed(), 0, "{}", report.render());
    assert_eq!(
        result(&report, "test_multi").input,
        Some(json!({"ok": true, "n": [1, 2]}))
    );
    assert_eq!(
        result(&report, "test_alias").input,
        Some(json!({"ok": true}))
    );
}
