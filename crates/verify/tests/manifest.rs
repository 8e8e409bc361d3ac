//! The 60 real-world cases of `tests/vectors/MANIFEST.json` (sigstore-go, -python, -js, -rust,
//! gh CLI, cosign, sigstore-rs), each verified with the options of its rows in
//! `tests/manifest/expected.tsv` and compared with the recorded outcome and error code.
//!
//! Table columns: `id`, `options` (`-` or comma-separated `tlog=N`, `timestamps=N`, `ctlog=N`,
//! `allow-v01-set-only`), `outcome` (`pass` or `fail:<code>`), `position` (why verdict departs
//! from the manifest's `expect`, or `-`). The first row of a case is its primary row: it must
//! agree with the manifest's `expect` (`pass`/`fail`) unless it states a position. `BLESS=1`
//! rewrites the outcome column (and adds a primary row for a case that has none).

mod support;

#[test]
fn manifest_cases() {
    let cases = support::manifest();
    assert_eq!(cases.len(), 60);
    let mut rows = support::manifest_table();
    // GitHub's instance has no transparency or CT log, so its bundles are verified with those
    // thresholds at 0 (as the manifest's reference runs were).
    for c in &cases {
        let id = c["id"].as_str().unwrap();
        if !rows.iter().any(|r| r[0] == id) {
            let github = c["trusted_root"].as_str().unwrap().contains("github");
            let options = if github { "tlog=0,ctlog=0" } else { "-" };
            rows.push(vec![id.into(), options.into(), "?".into(), "-".into()]);
        }
    }
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    let mut primary: Vec<String> = Vec::new();
    for row in rows.iter_mut() {
        let case = cases
            .iter()
            .find(|c| c["id"] == row[0].as_str())
            .unwrap_or_else(|| panic!("unknown id {}", row[0]));
        let got = support::manifest_case(case, &row[1]).and_then(|c| {
            c.run(&c.bundle)
                .map(|_| ())
                .map_err(|e| format!("{}\t{}", e.code().as_str(), e.message()))
        });
        let outcome = match &got {
            Ok(()) => "pass".to_string(),
            Err(e) => format!("fail:{}", e.split('\t').next().unwrap()),
        };
        eprintln!(
            "{} [{}]: {}",
            row[0],
            row[1],
            got.as_ref().err().map_or("pass", |e| e.as_str())
        );
        if bless {
            row[2] = outcome.clone();
        } else if row[2] != outcome {
            failures.push(format!(
                "{} [{}]: table says {}, got {}",
                row[0],
                row[1],
                row[2],
                got.err().unwrap_or("pass".into())
            ));
        }
        let expect = case["expect"].as_str().unwrap();
        let is_primary = !primary.contains(&row[0]);
        primary.push(row[0].clone());
        if is_primary
            && row[3] == "-"
            && matches!(expect, "pass" | "fail")
            && !outcome.starts_with(expect)
        {
            failures.push(format!(
                "{}: the manifest expects {expect}, verdict gives {outcome} and states no position",
                row[0]
            ));
        }
    }
    if bless {
        let mut text = String::from(
            "# MANIFEST.json cases: id, options, outcome (pass | fail:<code>), position (why verdict departs from the manifest's expect, or -)\n",
        );
        for r in &rows {
            text.push_str(&r.join("\t"));
            text.push('\n');
        }
        std::fs::write(support::root().join("tests/manifest/expected.tsv"), text).unwrap();
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
