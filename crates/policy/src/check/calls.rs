//! Every call must name a rule of the policy, an allowed builtin, or one of verdict's own
//! functions.
//!
//! OPA rejects calls of undefined or capability-excluded functions at compile time; regorus only
//! fails when such a call is evaluated. This check restores OPA's behaviour, so that a forbidden
//! builtin is a compile error naming it even in a rule no input reaches.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::ref_path;
use crate::builtins;
use crate::functions;
use crate::{Error, Module};

/// Checks every call in `ast`, regorus's serialized AST of `modules`.
pub(super) fn check(ast: &Json, modules: &[Module]) -> Result<(), Error> {
    let policies = ast.as_array().map_or(&[][..], Vec::as_slice);

    // Every function a module defines, by full path (`data.docker.f`).
    let mut defined = BTreeSet::new();
    for policy in policies {
        let module = &policy["ast"];
        let package = ref_path(&module["package"]["refr"]).unwrap_or_default();
        for rule in module["rules"].as_array().into_iter().flatten() {
            if let Some(func) = rule["Spec"]["head"].get("Func")
                && let Some(name) = ref_path(&func["refr"])
            {
                defined.insert(format!("data.{package}.{name}"));
            }
            // `default f(_) := 1`: a default function.
            if let Some(default) = rule.get("Default")
                && default["args"].as_array().is_some_and(|a| !a.is_empty())
                && let Some(name) = ref_path(&default["refr"])
            {
                defined.insert(format!("data.{package}.{name}"));
            }
        }
    }

    for (index, policy) in policies.iter().enumerate() {
        let module = &policy["ast"];
        let path = modules
            .get(index)
            .map(|m| m.path.clone())
            .unwrap_or_default();
        let package = ref_path(&module["package"]["refr"]).unwrap_or_default();
        let source = modules.get(index).map_or("", |m| m.source.as_str());
        let aliases = import_aliases(module, source);
        let mut calls = Vec::new();
        collect_calls(&module["rules"], &mut calls);
        for (name, line) in calls {
            let full = resolve(&name, &package, &aliases);
            if defined.contains(&full)
                || name.starts_with(crate::rewrite::VAR_PREFIX)
                || builtins::is_allowed(&name)
                || functions::NAMES.contains(&name.as_str())
            {
                continue;
            }
            if builtins::is_forbidden(&name) {
                return Err(Error::ForbiddenBuiltin { path, line, name });
            }
            return Err(Error::UndefinedFunction { path, line, name });
        }
    }
    Ok(())
}

/// The full `data.` path a call name refers to, from the calling module.
fn resolve(name: &str, package: &str, aliases: &BTreeMap<String, String>) -> String {
    if name.starts_with("data.") {
        return name.to_owned();
    }
    let (head, tail) = name.split_once('.').unwrap_or((name, ""));
    match aliases.get(head) {
        Some(target) if tail.is_empty() => target.clone(),
        Some(target) => format!("{target}.{tail}"),
        None => format!("data.{package}.{name}"),
    }
}

/// `import data.lib` → `lib` ↦ `data.lib`; `import data.x.y as z` → `z` ↦ `data.x.y`.
fn import_aliases(module: &Json, source: &str) -> BTreeMap<String, String> {
    let mut aliases = BTreeMap::new();
    for import in module["imports"].as_array().into_iter().flatten() {
        let Some(target) = ref_path(&import["refr"]) else {
            continue;
        };
        if !target.starts_with("data.") {
            continue;
        }
        // (regorus gives an alias as the span of its name: `import data.lib as l`.)
        let alias = super::ast::span_text(source, &import["as"])
            .map(str::to_owned)
            .unwrap_or_else(|| target.rsplit('.').next().unwrap_or_default().to_owned());
        aliases.insert(alias, target);
    }
    aliases
}

/// Every `Call` below `node`: (function name, 1-based line).
fn collect_calls(node: &Json, out: &mut Vec<(String, u32)>) {
    match node {
        Json::Object(map) => {
            if let Some(call) = map.get("Call") {
                if let Some(name) = ref_path(&call["fcn"]) {
                    let line = call["span"]["line"].as_u64().unwrap_or(0);
                    out.push((name, u32::try_from(line).unwrap_or(u32::MAX)));
                }
                collect_calls(&call["params"], out);
                return;
            }
            map.values().for_each(|v| collect_calls(v, out));
        }
        Json::Array(items) => items.iter().for_each(|v| collect_calls(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::expect_compile;

    /// A call through an import's alias (`import data.docker.f as ff`) resolves as OPA
    /// resolves it; without the alias the name is undefined.
    #[test]
    fn calls_through_import_aliases() {
        expect_compile(&["import data.docker.f as ff\nf(a) := a\nx := ff(1)"], None);
        expect_compile(
            &[
                "package lib\ng(a) := a",
                "import data.lib as l\nx := l.g(1)",
            ],
            None,
        );
        expect_compile(
            &[
                "package lib\ng(a) := a",
                "import data.lib as l\nx := lib.g(1)",
            ],
            Some("undefined function"),
        );
    }
}
