//! The built component's contract: its real interface matches the golden
//! `tests/golden/component.wit`, and it imports nothing.

use std::path::Path;

use wit_component::{DecodedWasm, WitPrinter};

#[test]
fn component_imports_nothing_and_matches_the_golden_interface() {
    let decoded = wit_component::decode(verdict_host::COMPONENT).expect("decode the component");
    let DecodedWasm::Component(resolve, world) = decoded else {
        panic!("the embedded wasm is not a component");
    };
    let imports: Vec<String> = resolve.worlds[world]
        .imports
        .keys()
        .map(|k| resolve.name_world_key(k))
        .collect();
    assert!(imports.is_empty(), "the component imports {imports:?}");
    let exports: Vec<String> = resolve.worlds[world]
        .exports
        .keys()
        .map(|k| resolve.name_world_key(k))
        .collect();
    assert_eq!(
        exports,
        [
            "verdict:policy/types@0.1.0",
            "verdict:policy/evaluator@0.1.0",
            "verdict:policy/verifier@0.1.0",
        ]
    );

    let mut printer = WitPrinter::default();
    let ids: Vec<_> = resolve.packages.iter().map(|(id, _)| id).collect();
    printer
        .print(&resolve, resolve.worlds[world].package.unwrap(), &ids)
        .expect("print the interface");
    let text = printer.output.to_string();
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden/component.wit");
    if std::env::var_os("BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&golden, &text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&golden).expect("golden (BLESS=1 creates it)");
    assert_eq!(
        want, text,
        "the component's interface changed (BLESS=1 if intended)"
    );
}

#[test]
fn verify_error_codes_are_the_verifiers_codes_in_order() {
    let wit: Vec<&str> = verdict_host::verify::VerifyErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    let verifier: Vec<&str> = verdict_core::verify::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(
        wit, verifier,
        "wit/world.wit's verify-error-code must list verdict-verify's codes"
    );
}
