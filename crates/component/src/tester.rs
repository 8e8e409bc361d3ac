//! The `tester` interface over `verdict_policy::tester`, reached through `verdict_core`.

use crate::bindings::exports::verdict::policy::tester::{self as wit_tester};
use crate::bindings::exports::verdict::policy::types as wit;
use crate::{Component, code_to_wit};
use verdict_core as core_;

fn modules(list: Vec<wit::PolicyModule>) -> Vec<core_::Module> {
    list.into_iter()
        .map(|m| core_::Module {
            path: m.path,
            source: m.source,
        })
        .collect()
}

impl wit_tester::Guest for Component {
    fn run_tests(
        policy: Vec<wit::PolicyModule>,
        tests: Vec<wit::PolicyModule>,
        o: wit::Options,
        run: Option<String>,
    ) -> Result<wit_tester::TestReport, wit::Error> {
        crate::guard();
        let report = core_::run_tests(
            &modules(policy),
            &modules(tests),
            &crate::options(o),
            run.as_deref(),
        )
        .map_err(|e| wit::Error {
            code: code_to_wit(e.code().into()),
            message: e.to_string(),
        })?;
        Ok(wit_tester::TestReport {
            rendered: report.render(),
            results: report
                .results
                .into_iter()
                .map(|r| wit_tester::TestResult {
                    name: r.name,
                    package: r.package,
                    passed: r.passed,
                    allow: r.allow,
                    deny_messages: r.deny_messages,
                    input_json: r.input.map(|v| v.to_string()),
                    decision_json: r.decision.map(|v| v.to_string()),
                    error: r.error,
                })
                .collect(),
            coverage: report
                .coverage
                .into_iter()
                .map(crate::file_coverage)
                .collect(),
        })
    }
}
