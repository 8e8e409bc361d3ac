//! Builds the verdict component and embeds it in the runner.
//!
//! The guest crate is compiled for `wasm32-unknown-unknown` (its standard
//! library has no WASI imports, so nothing but the WIT exports survives) in
//! a target directory of its own, then encoded as a component with
//! `wit-component`. The result, `$OUT_DIR/verdict.wasm`, is what
//! `verdict_host::COMPONENT` embeds; its machine code, compiled here with the
//! runner's engine configuration, is `$OUT_DIR/verdict.cwasm`
//! (`verdict_host::PRECOMPILED`). Set `VERDICT_COMPONENT=path` to embed a
//! prebuilt component instead.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let root = manifest.parent().expect("workspace root").to_path_buf();
    println!("cargo:rerun-if-env-changed=VERDICT_COMPONENT");
    println!("cargo:rerun-if-env-changed=VERDICT_SERVICE_COMPONENT");
    // The service component only for a runner with `verdict serve` (the cargo feature `serve`,
    // on by default): without it the guest build and the precompilation below do half the work.
    let serve = env::var_os("CARGO_FEATURE_SERVE").is_some();
    let prebuilt = |var: &str| env::var_os(var).map(|path| std::fs::read(&path).expect(var));
    let component = prebuilt("VERDICT_COMPONENT");
    let service = serve
        .then(|| prebuilt("VERDICT_SERVICE_COMPONENT"))
        .flatten();
    let built = if component.is_none() || (serve && service.is_none()) {
        build_components(&root, serve, env::var_os("CARGO_FEATURE_PROFILE").is_some())
    } else {
        Vec::new()
    };
    let mut components = vec![("verdict", component.unwrap_or_else(|| built[0].clone()))];
    if serve {
        components.push((
            "verdict-service",
            service.unwrap_or_else(|| built[1].clone()),
        ));
    }
    // Each component's machine code, compiled here once (cargo shows this step) instead of by
    // every first run: for the build machine's CPU, or the target's baseline when cross
    // compiling. `verdict_host::PRECOMPILED` and `SERVICE_PRECOMPILED` embed them.
    let mut config = engine_config();
    let target = env::var("TARGET").expect("TARGET");
    if env::var("HOST").ok().as_deref() != Some(target.as_str()) {
        config.target(&target).expect("a wasmtime target");
    }
    let engine = wasmtime::Engine::new(&config).expect("a wasmtime engine");
    for (name, bytes) in &components {
        std::fs::write(out.join(format!("{name}.wasm")), bytes).expect("write component");
        let code = engine
            .precompile_component(bytes)
            .expect("precompile the component");
        std::fs::write(out.join(format!("{name}.cwasm")), code)
            .expect("write the precompiled component");
    }
}

include!("src/engine_config.rs");

/// Builds the guests in one cargo run and encodes each as a component: the `engine` world's
/// (`verdict-component`) and, with `service`, the `service` world's (`verdict-service`).
/// With `keep_names` (the `profile` feature) the `name` section stays, for profiles that name
/// the guest's functions.
fn build_components(root: &Path, service: bool, keep_names: bool) -> Vec<Vec<u8>> {
    let guests: &[&str] = if service {
        &["verdict-component", "verdict-service"]
    } else {
        &["verdict-component"]
    };
    for dir in ["wit", "crates"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    for file in ["Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(file).display());
    }
    let target_dir = root.join("target").join("component-build");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .arg("build")
        .args(guests.iter().flat_map(|g| ["-p", *g]))
        .args([
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "component",
        ])
        .env("CARGO_TARGET_DIR", &target_dir);
    // The outer build's settings (clippy's wrapper, host rustflags) must not
    // leak into the guest build.
    for var in [
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("CARGO_ENCODED_RUSTFLAGS", guest_rustflags());
    if env::var_os("CARGO_NET_OFFLINE").is_some() {
        cmd.arg("--offline");
    }
    let status = cmd.status().expect("run cargo for the component");
    assert!(status.success(), "building the guests failed");
    guests
        .iter()
        .map(|name| {
            let module = target_dir
                .join("wasm32-unknown-unknown")
                .join("component")
                .join(format!("{}.wasm", name.replace('-', "_")));
            let bytes = std::fs::read(&module).expect("read the guest module");
            let bytes = if keep_names {
                bytes
            } else {
                without_custom_section(&bytes, "name")
            };
            wit_component::ComponentEncoder::default()
                .validate(true)
                .module(&bytes)
                .expect("decode component metadata")
                .encode()
                .expect("encode the component")
        })
        .collect()
}

/// The guests' rustflags: reproducible bytes. The only absolute paths rustc writes into a guest
/// are those of dependencies' sources under `CARGO_HOME` (panic locations): they are written as
/// `/cargo/…`, whoever builds where (workspace crates are compiled from paths relative to the
/// workspace, the standard library's are `/rustc/<commit>/…`). `web/build.sh` and `./x test`
/// pass the same flags (the same string: the builds share `target/component-build`), and `./x
/// test` checks the bytes name no build-machine path and equal a build from another directory.
fn guest_rustflags() -> String {
    println!("cargo:rerun-if-env-changed=CARGO_HOME");
    let home = env::var_os("CARGO_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(home) = home else {
        return String::new();
    };
    let mut flags = vec![format!("--remap-path-prefix={}=/cargo", home.display())];
    if let Ok(canonical) = std::fs::canonicalize(&home)
        && canonical != home
    {
        flags.push(format!(
            "--remap-path-prefix={}=/cargo",
            canonical.display()
        ));
    }
    flags.join("\x1f")
}

/// The module without its custom sections called `name` (function names for
/// debuggers and profilers: ~400 KB that nothing reads at run time). The
/// module's other sections are copied byte for byte.
fn without_custom_section(module: &[u8], drop: &str) -> Vec<u8> {
    fn leb128(bytes: &[u8], at: &mut usize) -> usize {
        let (mut value, mut shift) = (0usize, 0);
        loop {
            let byte = bytes[*at];
            *at += 1;
            value |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return value;
            }
            shift += 7;
        }
    }
    assert!(module.starts_with(b"\0asm"), "not a wasm module");
    let mut out = module[..8].to_vec();
    let mut at = 8;
    while at < module.len() {
        let start = at;
        let id = module[at];
        at += 1;
        let size = leb128(module, &mut at);
        let body = at;
        at += size;
        if id == 0 {
            let mut name_at = body;
            let len = leb128(module, &mut name_at);
            if &module[name_at..name_at + len] == drop.as_bytes() {
                continue;
            }
        }
        out.extend_from_slice(&module[start..at]);
    }
    out
}
