//! The precompiled-code cache.
//!
//! Compiling the component with Cranelift takes most of a second; loading
//! precompiled code takes milliseconds. The cache keeps one file per
//! (component digest, wasmtime compatibility hash) in the user's cache
//! directory. Writers write a unique temporary file and rename it into
//! place, so concurrent runs never see a partial file.
//!
//! The cache is untrusted input: precompiled code is machine code that
//! wasmtime maps and runs, and only its header is checked by wasmtime. So a
//! cache file is [`MAGIC`], the SHA-256 of the code, then the code; it is
//! read only if it is a regular file (not a symlink, a FIFO, a device) of at
//! most [`MAX_CACHE_FILE`] bytes, and the digest is checked before the code
//! is deserialized. A file that fails any check (corrupt, truncated, from
//! another build, replaced by something else) is recompiled and replaced.

use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};
use wasmtime::Result;
use wasmtime::component::Component;
use wasmtime::error::Context as _;

/// The first bytes of a cache file (format version 1).
pub const MAGIC: &[u8; 16] = b"verdict-cwasm-1\n";

/// The largest cache file read (the component's compiled code is a few tens of MiB).
pub const MAX_CACHE_FILE: u64 = 512 << 20;

/// The default cache directory: `$VERDICT_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/verdict`, else `$HOME/.cache/verdict`. A variable that
/// is empty or holds a relative path counts as unset (as the XDG base
/// directory specification says), so the cache never lands in the working
/// directory.
pub fn default_dir() -> Option<PathBuf> {
    dir_from(|name| std::env::var_os(name))
}

/// [`default_dir`] over any environment.
pub fn dir_from(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let absolute = |name: &str| var(name).map(PathBuf::from).filter(|d| d.is_absolute());
    if let Some(dir) = absolute("VERDICT_CACHE_DIR") {
        return Some(dir);
    }
    if let Some(dir) = absolute("XDG_CACHE_HOME") {
        return Some(dir.join("verdict"));
    }
    absolute("HOME").map(|home| home.join(".cache").join("verdict"))
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

/// Loads the compiled component from `dir`, or compiles and stores it; `compiling` is called
/// before a compilation starts (it takes seconds: a host says so).
pub fn load(
    engine: &wasmtime::Engine,
    wasm: &[u8],
    dir: Option<&Path>,
    compiling: impl FnOnce(),
) -> Result<Component> {
    let Some(dir) = dir else {
        compiling();
        return Component::new(engine, wasm).context("failed to compile the component");
    };
    let path = dir.join(key(engine, wasm));
    if let Some(code) = read_verified(&path) {
        // SAFETY: `code` is exactly the bytes `store` below serialized (its
        // SHA-256, stored beside it, was checked just now, so a corrupt or
        // truncated file never gets here), under a name keyed by the
        // component's digest and the engine's compatibility hash; wasmtime
        // still checks its header. Anyone able to write the user's cache
        // directory can already run code as the user.
        #[allow(unsafe_code, reason = "loading our own precompiled code")]
        let loaded = unsafe { Component::deserialize(engine, &code) };
        if let Ok(component) = loaded {
            return Ok(component);
        }
    }
    compiling();
    let component = Component::new(engine, wasm).context("failed to compile the component")?;
    // A cache that cannot be written is not an error: the run goes on.
    let _ = store(&component, dir, &path);
    Ok(component)
}

/// The code in the cache file at `path`, when it is a regular file (a
/// symlink is not followed), holds [`MAGIC`], and its code has the SHA-256
/// stored after it. `None` otherwise: the caller compiles and rewrites it.
pub fn read_verified(path: &Path) -> Option<Vec<u8>> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_CACHE_FILE {
        return None;
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(MAX_CACHE_FILE + 1).read_to_end(&mut bytes).ok()?;
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let (digest, code) = rest.split_at_checked(32)?;
    if Sha256::digest(code).as_slice() != digest {
        return None;
    }
    Some(code.to_vec())
}

fn store(component: &Component, dir: &Path, path: &Path) -> Result<()> {
    create_private_dir(dir)?;
    let code = component.serialize()?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = dir.join(format!(
        ".{}.{}.{nanos}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("cwasm"),
        std::process::id()
    ));
    let written = (|| -> std::io::Result<()> {
        // `create_new`: never write through something already at the name.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(MAGIC)?;
        file.write_all(&Sha256::digest(&code))?;
        file.write_all(&code)
    })();
    // `rename` replaces a symlink at `path` itself, never its target.
    written
        .and_then(|()| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })?;
    Ok(())
}

/// Creates the cache directory, readable and writable by the user only.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_dir_ignores_empty_and_relative() {
        type Env<'a> = &'a [(&'a str, &'a str)];
        // (the environment, the directory)
        let cases: &[(Env<'_>, Option<&str>)] = &[
            (&[("VERDICT_CACHE_DIR", "/c"), ("HOME", "/h")], Some("/c")),
            (
                &[("VERDICT_CACHE_DIR", ""), ("HOME", "/h")],
                Some("/h/.cache/verdict"),
            ),
            (
                &[("VERDICT_CACHE_DIR", "rel"), ("HOME", "/h")],
                Some("/h/.cache/verdict"),
            ),
            (
                &[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")],
                Some("/x/verdict"),
            ),
            (
                &[("XDG_CACHE_HOME", ""), ("HOME", "/h")],
                Some("/h/.cache/verdict"),
            ),
            (
                &[("XDG_CACHE_HOME", "."), ("HOME", "/h")],
                Some("/h/.cache/verdict"),
            ),
            (&[("HOME", "")], None),
            (&[("HOME", "h")], None),
            (&[], None),
        ];
        for (vars, want) in cases {
            let got = dir_from(|name| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            });
            assert_eq!(got, want.map(PathBuf::from), "{vars:?}");
        }
    }

    #[test]
    fn read_verified_checks_magic_digest_and_type() {
        let dir = std::env::temp_dir().join(format!("verdict-cache-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let code = b"not really code".to_vec();
        let mut good = MAGIC.to_vec();
        good.extend_from_slice(&Sha256::digest(&code));
        good.extend_from_slice(&code);
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        let mut wrong_magic = good.clone();
        wrong_magic[0] ^= 1;
        // (case, file bytes, whether the code is returned)
        let cases: &[(&str, &[u8], bool)] = &[
            ("good", &good, true),
            ("flipped", &flipped, false),
            ("truncated", &good[..good.len() - 1], false),
            ("wrong-magic", &wrong_magic, false),
            ("magic-only", MAGIC, false),
            ("empty", b"", false),
        ];
        for (case, bytes, ok) in cases {
            let path = dir.join(case);
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(read_verified(&path).is_some(), *ok, "{case}");
        }
        #[cfg(unix)]
        {
            let link = dir.join("link");
            std::os::unix::fs::symlink(dir.join("good"), &link).unwrap();
            assert!(read_verified(&link).is_none(), "a symlink is not followed");
            assert!(read_verified(&dir).is_none(), "a directory is not read");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
