//! The sigstore-conformance `bundle-verify` cases, natively: every case, both as artifact bytes
//! and as a `sha256:` digest, against the expected outcome and error code of
//! `tests/conformance/expected.tsv` (`BLESS=1` rewrites the code column of failing cases).

mod support;

use verdict_verify::TrustMaterial;

#[test]
fn conformance_bundle_verify_cases() {
    let table_path = support::root().join("tests/conformance/expected.tsv");
    let table = support::conformance_table();
    let public_good = TrustMaterial::public_good();
    let cases = support::conformance_dirs();
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    let mut blessed = Vec::new();
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let expect_fail = name.ends_with("_fail");
        if let Some((expect, _)) = table.get(&name) {
            assert_eq!(
                expect == "fail",
                expect_fail,
                "{name}: the table's expectation contradicts the case name"
            );
        }
        let mut codes = Vec::new();
        for digest_mode in [false, true] {
            let mode = if digest_mode { "DIGEST" } else { "PATH" };
            let got = support::conformance_case(dir, &public_good, digest_mode).and_then(|case| {
                case.run(&case.bundle)
                    .map_err(|e| format!("{}\t{}", e.code().as_str(), e.message()))
            });
            match (&got, expect_fail) {
                (Ok(_), false) => {}
                (Ok(_), true) => failures.push(format!("{mode}-{name}: verified, but must fail")),
                (Err(e), false) => failures.push(format!("{mode}-{name}: must pass, failed: {e}")),
                (Err(e), true) => {
                    let code = e.split('\t').next().unwrap().to_string();
                    eprintln!("{mode}-{name}: {e}");
                    match table.get(&name) {
                        Some((_, want)) if *want == code || bless => {}
                        Some((_, want)) => failures.push(format!(
                            "{mode}-{name}: failed with {code}, the table says {want}: {e}"
                        )),
                        None if bless => {}
                        None => {
                            failures.push(format!("{mode}-{name}: not in {}", table_path.display()))
                        }
                    }
                    codes.push(code);
                }
            }
        }
        codes.dedup();
        blessed.push(format!(
            "{name}\t{}\t{}",
            if expect_fail { "fail" } else { "pass" },
            codes.join(",")
        ));
    }
    if bless {
        let mut text = String::from(
            "# sigstore-conformance bundle-verify cases: expected outcome and, for _fail cases, the verify error code.\n# case\texpect\tcode\n",
        );
        for l in &blessed {
            text.push_str(l.trim_end_matches('\t'));
            text.push('\n');
        }
        std::fs::create_dir_all(table_path.parent().unwrap()).unwrap();
        std::fs::write(&table_path, text).unwrap();
    }
    assert_eq!(cases.len(), 70, "the suite has 70 cases");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
