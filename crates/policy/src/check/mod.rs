//! Static checks over the parsed policy, before regorus compiles it: what OPA (Buildx's engine)
//! rejects at compile time and regorus finds late (when a rule is evaluated) or never.
//!
//! * [`calls`]: every call names a rule of the policy, an allowed builtin, or one of verdict's
//!   own functions (OPA's capabilities check);
//! * [`rules`]: rule conflicts OPA's rule tree finds (two `default`s, a function and a
//!   value of one name, different arities, a rule inside another's extent);
//! * [`safety`]: unsafe variables, in every rule (regorus: only in rules it evaluates);
//! * [`recursion`]: rules and functions that depend on themselves;
//! * [`types`]: builtin and function calls whose arity or statically known argument types
//!   OPA's type checker refuses (`sprintf("%s", "x")`, `"a" + 1`).
//!
//! The walks run over regorus's serialized AST (`Engine::get_ast_as_json`), the stable public
//! view of the parse tree. Each is linear in the module size (plus a sort); none recurses
//! deeper than the AST, which [`check_nesting`] (brackets, before parsing) and [`depth`] (the
//! parsed tree, before it is serialized) bound.

mod ast;
mod bodies;
mod depth;

pub use depth::MAX_DEPTH as MAX_EXPRESSION_DEPTH;
mod calls;
mod recursion;
mod rules;
mod safety;
mod ty;
mod types;

use serde_json::Value as Json;

use crate::{Error, Module};

/// Runs the compile-time checks OPA runs after parsing ([`calls`], then [`rules`], [`safety`],
/// [`recursion`], [`types`], in OPA's order) over the engine's modules (`modules`, in the order
/// they were added). A forbidden builtin is `forbidden-builtin`; any other problem is
/// `malformed-policy`, from the checks after [`calls`] `path:line: rego_…_error: …` as OPA words
/// it. The first problem found is the error.
pub(crate) fn check_program(
    engine: &mut regorus::Engine,
    modules: &[Module],
) -> Result<Json, Error> {
    let first = modules.first().map(|m| m.path.as_str()).unwrap_or_default();
    let ast = parsed_ast(engine, first)?;
    calls::check(&ast, modules)?;
    let program = ast::Program::new(&ast, modules);
    rules::check(&program)?;
    bodies::check(&program)?;
    let orders = safety::check(&program)?;
    let reads = recursion::check(&program)?;
    types::check(&program, &orders, &reads)?;
    Ok(ast)
}

/// The engine's modules as regorus's serialized AST (one `{source, ast}` per module); a failure
/// is `malformed-policy` reported under `path`.
///
/// The value `get_ast_as_json` gives, serialized straight into a value: that method writes the
/// AST as pretty-printed text, which was then parsed again — a third of compiling a policy.
pub(crate) fn parsed_ast(engine: &mut regorus::Engine, path: &str) -> Result<Json, Error> {
    for module in engine.get_modules().iter() {
        if let Some(line) = depth::too_deep(module) {
            let file = module.package.span.source.get_path();
            return Err(Error::MalformedPolicy {
                message: format!(
                    "{file}:{line}: expressions nest deeper than {} levels",
                    depth::MAX_DEPTH
                ),
                path: file.clone(),
            });
        }
    }
    /// One module as `get_ast_as_json` writes it.
    #[derive(serde::Serialize)]
    struct Policy<'a> {
        source: &'a regorus::Source,
        version: u32,
        ast: &'a regorus::unstable::Module,
    }
    let policies: Vec<Policy<'_>> = engine
        .get_modules()
        .iter()
        .map(|module| Policy {
            source: &module.package.span.source,
            version: 1,
            ast: module,
        })
        .collect();
    serde_json::to_value(&policies).map_err(|e| Error::MalformedPolicy {
        message: format!("{path}: cannot inspect the parsed policy: {e}"),
        path: path.to_owned(),
    })
}

/// The number of arguments of a builtin or one of verdict's functions, when known.
pub(crate) fn builtin_arity(name: &str) -> Option<usize> {
    types::arity(name)
}

/// A dotted path from a `Var` / `RefDot` / `RefBrack`-with-string chain.
pub(crate) fn ref_path(expr: &Json) -> Option<String> {
    if let Some(var) = expr.get("Var") {
        return var["value"].as_str().map(str::to_owned);
    }
    if let Some(dot) = expr.get("RefDot") {
        let base = ref_path(&dot["refr"])?;
        let field = dot["field"].get(1)?.as_str()?;
        return Some(format!("{base}.{field}"));
    }
    if let Some(brack) = expr.get("RefBrack") {
        let base = ref_path(&brack["refr"])?;
        let field = brack["index"].get("String")?["value"].as_str()?;
        return Some(format!("{base}.{field}"));
    }
    None
}

/// The deepest bracket nesting (`(`, `[`, `{` together) a module may have.
///
/// regorus's parser backtracks at each `[` and `{` (comprehension or
/// literal?) by cloning its state and parsing again, so its work doubles
/// with each level until its own limit of 32 nested expressions: 14 levels
/// of `[` took 1.9 s natively (debug build), 32 would take days. Real
/// policies nest a handful of levels (the deepest in this repository: 5 — a
/// rule body, an object, an array, a comprehension, a call). OPA has no such
/// limit.
pub const MAX_NESTING: usize = 12;

/// Rejects a module whose brackets nest deeper than [`MAX_NESTING`], before
/// regorus parses it. Brackets in strings (`"…"` with escapes, raw
/// `` `…` ``) and comments (`#` to the end of the line) do not count.
pub(crate) fn check_nesting(module: &Module) -> Result<(), Error> {
    let mut depth = 0usize;
    let (mut line, mut col) = (1usize, 0usize);
    let mut chars = module.source.chars();
    while let Some(c) = chars.next() {
        col += 1;
        match c {
            '\n' => {
                line += 1;
                col = 0;
            }
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        col = 0;
                        break;
                    }
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    col += 1;
                    match c {
                        '\\' => {
                            chars.next();
                            col += 1;
                        }
                        '"' | '\n' => break,
                        _ => {}
                    }
                }
            }
            '`' => {
                for c in chars.by_ref() {
                    col += 1;
                    match c {
                        '`' => break,
                        '\n' => {
                            line += 1;
                            col = 0;
                        }
                        _ => {}
                    }
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Error::MalformedPolicy {
                        path: module.path.clone(),
                        message: format!(
                            "{}:{line}:{col}: brackets nest deeper than {MAX_NESTING} levels",
                            module.path
                        ),
                    });
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use crate::Module;

    /// Compiles `sources` as one set (`a.rego`, `b.rego`, …; `package docker` is prepended to a
    /// source without a package): `None`, or the error's code and message.
    /// Asserts that `sources` (one set) compile when `want` is `None`, and otherwise fail with
    /// `malformed-policy` and a message containing `want`.
    pub(crate) fn expect_compile(sources: &[&str], want: Option<&str>) {
        let got = compile_error(sources);
        match (want, &got) {
            (None, None) => {}
            (Some(want), Some((code, message))) => {
                assert_eq!(code, "malformed-policy", "{sources:?}");
                assert!(message.contains(want), "{sources:?}: {message}");
            }
            _ => panic!("{sources:?}: want {want:?}, got {got:?}"),
        }
    }

    /// A `with` replacing a builtin reaches its own package's calls (rewrite.rs); one that
    /// would have to reach another package's is refused (KNOWN-DIFFERENCES row 28). OPA
    /// answers 5 for the refused set.
    #[test]
    fn with_on_a_builtin_across_packages_is_refused() {
        expect_compile(
            &[
                "package lib\nt := time.now_ns()",
                "x := y if { y := data.lib.t with time.now_ns as 5 }",
            ],
            Some("row 28"),
        );
        expect_compile(
            &[
                "package lib\nt := count([1])",
                "x := y if { y := time.now_ns() with time.now_ns as 5 }",
            ],
            None,
        );
    }

    pub(crate) fn compile_error(sources: &[&str]) -> Option<(String, String)> {
        let modules: Vec<Module> = sources
            .iter()
            .zip('a'..)
            .map(|(source, name)| Module {
                path: format!("{name}.rego"),
                source: if source.starts_with("package ") {
                    format!("{source}\n")
                } else {
                    format!("package docker\n{source}\n")
                },
            })
            .collect();
        crate::engine::compile_modules(&modules, None, None, 0)
            .err()
            .map(|e| (e.code().as_str().to_owned(), e.to_string()))
    }
}

#[cfg(test)]
mod timing {
    use std::time::Instant;

    use crate::Module;
    use crate::engine::{HELPER_MODULE, HELPER_MODULE_PATH};

    /// The cost of the checks next to the whole compile, on the default policy and on a 1 MiB
    /// policy of 15,000 pinned digests. Run in release:
    /// `cargo test -p verdict-policy --release --lib check::timing -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement"]
    fn check_cost() {
        let mut pinned = String::from("package docker\npinned := {\n");
        for i in 0..15_000u64 {
            pinned.push_str(&format!("\"{:064x}\",\n", i * 7919));
        }
        pinned.push_str("}\ndefault allow := false\nallow if pinned[trim_prefix(input.image.checksum, \"sha256:\")]\ndecision := {\"allow\": allow}\n");
        let sets = [
            ("default policy", vec![crate::default_policy()]),
            (
                "15,000 pinned digests",
                vec![Module {
                    path: "Dockerfile.rego".into(),
                    source: pinned,
                }],
            ),
        ];
        for (name, modules) in sets {
            let bytes: usize = modules.iter().map(|m| m.source.len()).sum();
            let runs = 20;
            let started = Instant::now();
            for _ in 0..runs {
                crate::engine::compile_modules(&modules, None, None, 0).expect("compiles");
            }
            let compile = started.elapsed() / runs;
            let mut engine = regorus::Engine::new();
            engine.set_rego_v0(false);
            let mut with_helper = modules.clone();
            with_helper.push(Module {
                path: HELPER_MODULE_PATH.into(),
                source: HELPER_MODULE.into(),
            });
            for m in &with_helper {
                engine
                    .add_policy(m.path.clone(), m.source.clone())
                    .expect("parses");
            }
            let started = Instant::now();
            for _ in 0..runs {
                super::check_program(&mut engine, &with_helper).expect("checks");
            }
            let check = started.elapsed() / runs;
            let ast = super::parsed_ast(&mut engine, "x").expect("ast");
            let started = Instant::now();
            for _ in 0..runs {
                super::parsed_ast(&mut engine, "x").expect("ast");
            }
            let json = started.elapsed() / runs;
            let started = Instant::now();
            for _ in 0..runs {
                super::calls::check(&ast, &with_helper).expect("calls");
            }
            let calls = started.elapsed() / runs;
            let started = Instant::now();
            for _ in 0..runs {
                let program = super::ast::Program::new(&ast, &with_helper);
                super::rules::check(&program).expect("rules");
                let orders = super::safety::check(&program).expect("safety");
                let reads = super::recursion::check(&program).expect("recursion");
                super::types::check(&program, &orders, &reads).expect("types");
            }
            let new = started.elapsed() / runs;
            println!(
                "{name} ({bytes} bytes): compile {compile:?}; checks {check:?}: the AST as JSON \
                 {json:?}, calls {calls:?} (both before this pass), rules + safety + recursion + \
                 types {new:?}"
            );
        }
    }
}

#[cfg(test)]
mod adversarial {
    use std::time::{Duration, Instant};

    /// Policies shaped to make a naive analysis quadratic or deeply recursive check quickly: a body
    /// whose unifications resolve last to first, a body of comprehensions each reading the one
    /// before, a chain of 4,000 rules, one of 4,000 rules each holding the next. (Debug build:
    /// about 0.5 s each, most of it the AST as JSON.)
    #[test]
    fn large_bodies_and_chains_check_quickly() {
        let n = 4_000;
        let mut reversed = String::from("x := 1 if {\n");
        for i in (0..n).rev() {
            reversed.push_str(&format!("\ta{i} = a{}\n", i + 1));
        }
        reversed.push_str(&format!("\ta{n} = 1\n}}\n"));
        let mut closures = String::from("x := 1 if {\n\tc0 := 1\n");
        for i in 1..n {
            closures.push_str(&format!("\tc{i} := [c{} | true]\n", i - 1));
        }
        closures.push_str("}\n");
        let mut chain = String::new();
        for i in 0..n {
            chain.push_str(&format!("r{i} := r{} + 1\n", i + 1));
        }
        chain.push_str(&format!("r{n} := 1\n"));
        // A chain whose types pass from rule to rule (each typed after the one it reads).
        let mut copies = String::new();
        for i in 0..n {
            copies.push_str(&format!("c{i} := [c{}]\n", i + 1));
        }
        copies.push_str(&format!("c{n} := {{\"a\": 1}}\n"));
        for (name, source) in [
            ("reversed", reversed),
            ("closures", closures),
            ("chain", chain),
            ("copies", copies),
        ] {
            let modules = [crate::Module {
                path: "a.rego".into(),
                source: format!("package docker\n{source}"),
            }];
            let mut engine = regorus::Engine::new();
            engine.set_rego_v0(false);
            engine
                .add_policy(modules[0].path.clone(), modules[0].source.clone())
                .expect("parses");
            let started = Instant::now();
            let _ = super::parsed_ast(&mut engine, "a.rego");
            let json = started.elapsed();
            let started = Instant::now();
            let got = super::check_program(&mut engine, &modules);
            let took = started.elapsed();
            println!("{name}: AST as JSON {json:?}");
            assert!(got.is_ok(), "{name}: {got:?}");
            println!("{name}: {took:?}");
            assert!(took < Duration::from_secs(5), "{name}: {took:?}");
        }
    }
}

#[cfg(test)]
mod parsed_ast_tests {
    /// `parsed_ast` is exactly what regorus's `get_ast_as_json` text parses to, on every policy
    /// file of the repository's examples and tests.
    #[test]
    fn parsed_ast_is_get_ast_as_json() {
        fn rego_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    rego_files(&path, out);
                } else if path.extension().is_some_and(|e| e == "rego") {
                    out.push(path);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        rego_files(&root.join("examples"), &mut files);
        rego_files(&root.join("tests"), &mut files);
        let mut compared = 0;
        for file in &files {
            let source = std::fs::read_to_string(file).unwrap();
            let mut engine = regorus::Engine::new();
            engine.set_rego_v0(false);
            if engine
                .add_policy(file.display().to_string(), source)
                .is_err()
            {
                continue;
            }
            let text: serde_json::Value =
                serde_json::from_str(&engine.get_ast_as_json().unwrap()).unwrap();
            assert_eq!(
                super::parsed_ast(&mut engine, "x").unwrap(),
                text,
                "{}",
                file.display()
            );
            compared += 1;
        }
        assert!(compared > 15, "{compared} policies");
    }
}
