//! verdict's builtins against the values OPA (v1.20.2, Go, non-strict as
//! Buildx) gives for the same calls. Each row is `(Rego expression, OPA's
//! value)`; the OPA column was read from OPA itself (`printf 'x := EXPR' |
//! opa.py`, see `tests/opa/README.md`), not from verdict.

use verdict_policy::{ErrorCode, Module, Options, Outcome, PolicyEngine};

/// What OPA gives.
#[derive(Debug, Clone, Copy)]
enum Opa {
    /// This value (JSON text, which is also a Rego term).
    Is(&'static str),
    /// The call is undefined (a builtin error, non-strict).
    Undefined,
    /// Not OPA's: verdict's bound (KNOWN-DIFFERENCES row 20), an error with this code.
    Bound(ErrorCode),
}

use Opa::{Bound, Is, Undefined};

/// Evaluates `x := expr` and compares it with `want`; `Err` says how it differs.
fn check(expr: &str, want: Opa) -> Result<(), String> {
    let test = match want {
        Is(value) => format!("x == {value}"),
        _ => "not defined".to_owned(),
    };
    let source = format!(
        "package docker\n\ndefault allow := false\n\nx := {expr}\n\ndefined if x = x\n\n\
         allow if {{\n\t{test}\n}}\n\ndebug := x\n\n\
         decision := {{\"allow\": allow, \"deny_msg\": [sprintf(\"%v\", [x])]}} if not allow\n\n\
         decision := {{\"allow\": allow}} if allow\n"
    );
    let sets = vec![vec![Module {
        path: "Dockerfile.rego".to_owned(),
        source,
    }]];
    let options = Options {
        query: None,
        now_ns: 0,
    };
    let engine = PolicyEngine::new(&sets, &options).map_err(|e| format!("compile: {e}"))?;
    let got = engine.evaluate(&serde_json::json!({})).outcome;
    match (want, got) {
        (Bound(code), Err(e)) if e.code() == code => Ok(()),
        (Is(_) | Undefined, Ok(Outcome::Allow)) => Ok(()),
        (_, Ok(Outcome::Deny(messages))) => Err(format!("got {messages:?}")),
        (_, got) => Err(format!("got {got:?}")),
    }
}

fn run(table: &[(&str, Opa)]) {
    let mut failures = Vec::new();
    for (expr, want) in table {
        match std::panic::catch_unwind(|| check(expr, *want)) {
            Ok(Ok(())) => {}
            Ok(Err(why)) => failures.push(format!("{expr}: want {want:?}, {why}")),
            Err(_) => failures.push(format!("{expr}: panicked")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );
}

const RE: Opa = Bound(ErrorCode::ResourceExhausted);

#[test]
fn regex_as_go() {
    run(&[
        // Perl classes and word boundaries are ASCII.
        (r#"regex.match(`^\d$`, "٣")"#, Is("false")),
        (r#"regex.match(`^\d+$`, "0123456789")"#, Is("true")),
        (r#"regex.match(`^\w$`, "é")"#, Is("false")),
        (r#"regex.match(`^\s$`, "\u00a0")"#, Is("false")),
        (r#"regex.match(`^\s+$`, " \t\n\f\r")"#, Is("true")),
        (r#"regex.match(`\bé`, "aé")"#, Is("true")),
        (r#"regex.match(`^[[:alpha:]]$`, "é")"#, Is("false")),
        (r#"regex.match(`^\pN$`, "٣")"#, Is("true")),
        (r#"regex.match(`^\p{Greek}$`, "α")"#, Is("true")),
        (
            r#"regex.match(`^[\w][\w.-]{0,127}$`, "latest")"#,
            Is("true"),
        ),
        // Case folding: simple folds only.
        (r#"regex.match(`(?i)straße`, "STRASSE")"#, Is("false")),
        (r#"regex.match(`(?i)k`, "\u212a")"#, Is("true")),
        // Flags Go accepts.
        (r#"regex.is_valid(`(?x)a`)"#, Is("false")),
        (r#"regex.is_valid(`(?i)a`)"#, Is("true")),
        (r#"regex.is_valid(`(?imsU)a`)"#, Is("true")),
        (r#"regex.is_valid(`(?u)a`)"#, Is("false")),
        (r#"regex.is_valid(`(?R)a`)"#, Is("false")),
        (r#"regex.is_valid(`(?)a`)"#, Is("true")),
        (r#"regex.is_valid(`(?-)a`)"#, Is("false")),
        (r#"regex.is_valid(`(?i-s:a)`)"#, Is("true")),
        // Go syntax the regex crate lacks or reads differently.
        (r#"regex.is_valid(`\Qa.b\E`)"#, Is("true")),
        (r#"regex.match(`^\Qa.b\E$`, "a.b")"#, Is("true")),
        (r#"regex.match(`^\Qa.b$`, "a.b$")"#, Is("true")),
        (r#"regex.is_valid(`\z`)"#, Is("true")),
        (r#"regex.is_valid(`\C`)"#, Is("false")),
        (r#"regex.is_valid(`(?P<n>a)`)"#, Is("true")),
        (r#"regex.is_valid(`(?<n>a)`)"#, Is("true")),
        (r#"regex.is_valid(`a{1000}`)"#, Is("true")),
        (r#"regex.is_valid(`a{1001}`)"#, Is("false")),
        (r#"regex.is_valid(`(a{1000}){1000}`)"#, Is("false")),
        (r#"regex.match(`^\101$`, "A")"#, Is("true")),
        (r#"regex.is_valid(`\1`)"#, Is("false")),
        (r#"regex.match(`^\0$`, "\u0000")"#, Is("true")),
        (r#"regex.match(`^\12$`, "\n")"#, Is("true")),
        (r#"regex.is_valid(`\p{greek}`)"#, Is("true")),
        (r#"regex.is_valid(`\p{Alphabetic}`)"#, Is("false")),
        (r#"regex.is_valid(`\p{L}`)"#, Is("true")),
        (r#"regex.is_valid(`\<`)"#, Is("true")),
        (r#"regex.is_valid(`[a&&b]`)"#, Is("true")),
        (r#"regex.is_valid(`[a[b]`)"#, Is("true")),
        (r#"regex.is_valid(`[a~~b]`)"#, Is("true")),
        (r#"regex.is_valid(`[a--b]`)"#, Is("false")),
        (r#"regex.is_valid(`\e`)"#, Is("false")),
        (r#"regex.is_valid(`\Z`)"#, Is("false")),
        (r#"regex.is_valid(`\~`)"#, Is("true")),
        (r#"regex.is_valid(`[]a]`)"#, Is("true")),
        (r#"regex.is_valid(`[^]a]`)"#, Is("true")),
        (r#"regex.is_valid(`[]`)"#, Is("false")),
        (r#"regex.is_valid(`[a-\d]`)"#, Is("false")),
        (r#"regex.is_valid(`[\d-z]`)"#, Is("true")),
        (r#"regex.is_valid(`[z-a]`)"#, Is("false")),
        (r#"regex.is_valid(`\p{Letter}`)"#, Is("true")),
        (r#"regex.is_valid(`\p{Any}`)"#, Is("true")),
        (r#"regex.is_valid(`\p{ASCII}`)"#, Is("true")),
        (r#"regex.is_valid(`\p{Assigned}`)"#, Is("true")),
        (r#"regex.is_valid(`\p{LC}`)"#, Is("true")),
        (r#"regex.is_valid(`\p{Cn}`)"#, Is("true")),
        (r#"regex.is_valid(`\p{gc=L}`)"#, Is("false")),
        (r#"regex.is_valid(`\p{^Greek}`)"#, Is("true")),
        (r#"regex.is_valid(`\PL`)"#, Is("true")),
        (r#"regex.is_valid(`\p{White_Space}`)"#, Is("false")),
        (r#"regex.is_valid(`\p{uppercase letter}`)"#, Is("true")),
        (r#"regex.is_valid(`\p{L&}`)"#, Is("false")),
        (r#"regex.is_valid(`\pX`)"#, Is("false")),
        (r#"regex.is_valid(`x**`)"#, Is("false")),
        (r#"regex.is_valid(`x++`)"#, Is("false")),
        (r#"regex.is_valid(`x*?`)"#, Is("true")),
        (r#"regex.is_valid(`x{2}{3}`)"#, Is("false")),
        (r#"regex.is_valid(`(?P<n>a)(?P<n>b)`)"#, Is("false")),
        (r#"regex.is_valid(`(?P<>a)`)"#, Is("false")),
        (r#"regex.is_valid(`(?P<1a>a)`)"#, Is("true")),
        (r#"regex.is_valid(`(?P=n)`)"#, Is("false")),
        (r#"regex.is_valid(`(?=a)`)"#, Is("false")),
        (r#"regex.is_valid(`a{,3}`)"#, Is("true")),
        (r#"regex.match(`^a{,3}$`, "a{,3}")"#, Is("true")),
        (r#"regex.is_valid(`a{2,1}`)"#, Is("false")),
        (r#"regex.is_valid(`\x{110000}`)"#, Is("false")),
        (r#"regex.is_valid(`\x4`)"#, Is("false")),
        (r#"regex.is_valid(`\x{}`)"#, Is("false")),
        (r#"regex.is_valid(`*a`)"#, Is("false")),
        (r#"regex.is_valid(`a|*`)"#, Is("false")),
        (r#"regex.is_valid(`()`)"#, Is("true")),
        (r#"regex.is_valid(`(|)`)"#, Is("true")),
        (r#"regex.is_valid(`^*`)"#, Is("true")),
        (r#"regex.is_valid(`$+`)"#, Is("true")),
        (r#"regex.is_valid(`\b*`)"#, Is("true")),
        // Match lists, splits, replacements: Go's empty-match rules.
        (
            r#"regex.find_n(`a*`, "baaab", -1)"#,
            Is(r#"["", "aaa", ""]"#),
        ),
        (r#"regex.split(`a*`, "baaab")"#, Is(r#"["b", "b"]"#)),
        (r#"regex.split(`,`, "")"#, Is(r#"[""]"#)),
        (r#"regex.split(`x*`, "ab")"#, Is(r#"["a", "b"]"#)),
        (
            r#"regex.find_all_string_submatch_n(`(a)(x)?`, "aa", -1)"#,
            Is(r#"[["a", "a", ""], ["a", "a", ""]]"#),
        ),
        (r#"regex.replace("abc", "b", "[$0]")"#, Is(r#""a[b]c""#)),
        (
            r#"regex.replace("abc", "(?P<n>b)", "${n}$1x$$")"#,
            Is(r#""ab$c""#),
        ),
        (
            r#"regex.find_n(`\b`, "ab cd", -1)"#,
            Is(r#"["", "", "", ""]"#),
        ),
        (r#"regex.replace("abc", "x*", "-")"#, Is(r#""-a-b-c-""#)),
        (r#"regex.replace("abab", "^a", "-")"#, Is(r#""-bab""#)),
        // Templates.
        (
            r#"regex.template_match("urn:foo:{.*}", "urn:foo:bar:baz", "{", "}")"#,
            Is("true"),
        ),
        (
            r#"regex.template_match("urn:{a}:{[0-9]+}", "urn:a:12", "{", "}")"#,
            Is("true"),
        ),
        (
            r#"regex.template_match("a.{b}", "axb", "{", "}")"#,
            Is("false"),
        ),
        (
            r#"regex.template_match("{a{1}}", "a", "{", "}")"#,
            Is("true"),
        ),
        (r#"regex.template_match("x{", "x{", "{", "}")"#, Undefined),
        (
            r#"regex.template_match("x{a}", "xa", "{{", "}")"#,
            Undefined,
        ),
        // Invalid patterns and ill-typed arguments: undefined.
        (r#"regex.match(`(`, "a")"#, Undefined),
        (r#"regex.match(1, "a")"#, Undefined),
        (r#"regex.is_valid(1)"#, Is("false")),
        (r#"regex.find_n("a", "aaa", 1.5)"#, Undefined),
        (r#"regex.split("(", "a")"#, Undefined),
        (r#"regex.replace("a", "(", "b")"#, Undefined),
        // Sizes: bounded (OPA's own limits are higher).
        (r#"regex.match(`\pL{1000}`, "a")"#, RE),
        (
            r#"regex.replace(concat("", ["a" | numbers.range(1, 100000)[_]]), "", concat("", ["b" | numbers.range(1, 1000)[_]]))"#,
            RE,
        ),
        (
            r#"count(regex.find_n("", concat("", ["a" | numbers.range(1, 1000)[_]]), -1))"#,
            Is("1001"),
        ),
    ]);
}
