//! The precompiled-code cache.
//!
//! Compiling the component with Cranelift takes most of a second; loading
//! precompiled code takes milliseconds. The cache keeps one file per
//! (component digest, wasmtime compatibility hash) in the user's cache
//! directory. Writers write a unique temporary file and rename it into
//! place, so concurrent runs never see a partial file; a file that fails to
//! load (corrupt, or from another build) is recompiled and replaced.

use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};
use wasmtime::Result;
use wasmtime::component::Component;
use wasmtime::error::Context as _;

/// The default cache directory: `$VERDICT_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/verdict`, else `$HOME/.cache/verdict`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("VERDICT_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("verdict"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache").join("verdict"))
}

/// The cache file name for `wasm` under `engine`.
pub fn key(engine: &wasmtime::Engine, wasm: &[u8]) -> String {
    let digest = Sha256::digest(wasm);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!(
        "verdict-{hex}-wasmtime-{}-{:016x}.cwasm",
        crate::WASMTIME_VERSION,
        hasher.finish()
    )
}

/// Loads the compiled component from `dir`, or compiles and stores it.
pub fn load(engine: &wasmtime::Engine, wasm: &[u8], dir: Option<&Path>) -> Result<Component> {
    let Some(dir) = dir else {
        return Component::new(engine, wasm).context("failed to compile the component");
    };
    let path = dir.join(key(engine, wasm));
    if path.exists() {
        // SAFETY: the file was written by `store` below from code this very
        // engine configuration compiled, under a name keyed by the
        // component's digest and the engine's compatibility hash; wasmtime
        // still checks its header. Anyone able to write the user's cache
        // directory can already run code as the user.
        #[allow(unsafe_code, reason = "loading our own precompiled code")]
        let loaded = unsafe { Component::deserialize_file(engine, &path) };
        if let Ok(component) = loaded {
            return Ok(component);
        }
    }
    let component = Component::new(engine, wasm).context("failed to compile the component")?;
    // A cache that cannot be written is not an error: the run goes on.
    let _ = store(&component, dir, &path);
    Ok(component)
}

fn store(component: &Component, dir: &Path, path: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let bytes = component.serialize()?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = dir.join(format!(
        ".{}.{}.{nanos}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("cwasm"),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(())
}
