//! verdict in a Rust program: the component run with wasmtime's `bindgen!` over `wit/`, and
//! nothing of verdict's own crates. [`Embedded`] is the whole embedding: load the component once,
//! compile policy sets once into an `engine` resource, prepare a `trust-root` once, then evaluate
//! or check at any time. `tests/parity.rs` runs the repository's policy cases and examples
//! through it and compares every verdict with its golden.

use std::path::Path;

use wasmtime::component::{Component, Linker, ResourceAny};
use wasmtime::{Config, Engine, Store};

/// The bindings of the WIT world `engine` (its world type is `wit::Engine`).
#[allow(missing_docs)]
pub mod wit {
    wasmtime::component::bindgen!({ path: "../../../wit", world: "engine" });
}

pub use wit::exports::verdict::policy::types::{
    BuildEnv, CheckRequest, EngineOptions, File, Limits, Options, PolicyModule, Verdict,
};

/// The component in a store of its own.
pub struct Embedded {
    store: Store<()>,
    api: wit::Engine,
    fuel: u64,
}

impl std::fmt::Debug for Embedded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedded").finish_non_exhaustive()
    }
}

impl Embedded {
    /// Loads and instantiates the component; each call may burn `fuel` (about one unit per
    /// WebAssembly instruction). After a trap (fuel, a bug) make a new one.
    pub fn new(wasm: &Path, fuel: u64) -> wasmtime::Result<Self> {
        let engine = Engine::new(Config::new().consume_fuel(true))?;
        let component = Component::from_file(&engine, wasm)?;
        let mut store = Store::new(&engine, ());
        store.set_fuel(fuel)?;
        let api = wit::Engine::instantiate(&mut store, &component, &Linker::new(&engine))?;
        Ok(Embedded { store, api, fuel })
    }

    /// Compiles policy sets once: an `engine` resource for any number of calls.
    pub fn compile(
        &mut self,
        sets: &[Vec<PolicyModule>],
        options: &EngineOptions,
    ) -> wasmtime::Result<ResourceAny> {
        let engines = self.api.verdict_policy_evaluator().engine();
        engines.call_constructor(&mut self.store, sets, options)
    }

    /// A prepared trusted root: the given trusted-root JSON, or the public-good one.
    pub fn trust_root(&mut self, json: Option<&[u8]>) -> wasmtime::Result<ResourceAny> {
        let roots = self.api.verdict_policy_verifier().trust_root();
        match json {
            None => roots.call_public_good(&mut self.store),
            Some(json) => roots
                .call_from_json(&mut self.store, json)?
                .map_err(|e| wasmtime::Error::msg(format!("trusted root: {}", e.message))),
        }
    }

    /// Evaluates one JSON input document with a compiled engine.
    pub fn evaluate(
        &mut self,
        engine: ResourceAny,
        input: &str,
        options: Options,
    ) -> wasmtime::Result<Verdict> {
        self.store.set_fuel(self.fuel)?;
        let engines = self.api.verdict_policy_evaluator().engine();
        engines.call_evaluate(&mut self.store, engine, input, options)
    }

    /// Checks a source with its evidence, then again with each build-context file the verdict
    /// asks for that `read` can supply (at most ten rounds, as the CLI).
    pub fn check(
        &mut self,
        engine: ResourceAny,
        mut request: CheckRequest,
        trust: ResourceAny,
        options: Options,
        read: impl Fn(&str) -> Option<Vec<u8>>,
    ) -> wasmtime::Result<Verdict> {
        for round in 1.. {
            self.store.set_fuel(self.fuel)?;
            let engines = self.api.verdict_policy_evaluator().engine();
            let checked = engines.call_check(&mut self.store, engine, &request, trust, options)?;
            let before = request.files.len();
            for name in &checked.verdict.missing_files {
                if !request.files.iter().any(|f| &f.path == name)
                    && let Some(content) = read(name)
                {
                    request.files.push(File {
                        path: name.clone(),
                        content,
                    });
                }
            }
            if request.files.len() == before || round == 10 {
                return Ok(checked.verdict);
            }
        }
        unreachable!("the loop returns")
    }

    /// Frees a resource (an engine or a trusted root).
    pub fn drop_resource(&mut self, resource: ResourceAny) -> wasmtime::Result<()> {
        resource.resource_drop(&mut self.store)
    }
}

/// Every file under `dir`, paths relative to it: an evidence directory as the component takes
/// it (in any order: the component sorts it).
pub fn listing(dir: &Path) -> std::io::Result<Vec<File>> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<File>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(&path, base, out)?;
            } else if let Ok(relative) = path.strip_prefix(base) {
                let name = relative.to_string_lossy().replace('\\', "/");
                out.push(File {
                    path: name,
                    content: std::fs::read(&path)?,
                });
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    Ok(out)
}
