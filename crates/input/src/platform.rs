//! Platforms as `github.com/containerd/platforms` (v1.0.0-rc.4, vendored in Buildx) parses,
//! normalizes, formats and matches them.
//!
//! Go fills what a specifier leaves out from the **host** (`runtime.GOOS`/`GOARCH`); verdict has
//! no host, so it uses the host Buildx's own default policy evaluation documents, `linux` and
//! `amd64` ([`DEFAULT_OS`], [`DEFAULT_ARCH`]): `linux` → `linux/amd64`, `arm64` →
//! `linux/arm64`, and a descriptor platform without `os` is a `linux` one. OS versions and OS
//! features (`windows(10.0.17763+win32k)`) are parsed, checked and dropped: `Format` and the
//! Linux matchers ignore them.

use crate::Error;
use crate::http_url::{path_join, path_unescape};

/// The OS Go would take from the host (`runtime.GOOS`).
pub const DEFAULT_OS: &str = "linux";
/// The architecture Go would take from the host (`runtime.GOARCH`).
pub const DEFAULT_ARCH: &str = "amd64";

/// A normalized platform.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Platform {
    /// `linux`, `windows`, …
    pub os: String,
    /// `amd64`, `arm64`, …
    pub architecture: String,
    /// `v7`, … (empty for `arm64`'s default `v8`).
    pub variant: String,
}

fn bad(specifier: &str, why: impl core::fmt::Display) -> Error {
    Error::malformed_source(format!(
        "invalid platform {specifier:?}: {why}: invalid argument"
    ))
}

impl Platform {
    /// `platforms.Parse` + `Normalize` (what `docker buildx policy eval --platform` does, BX
    /// `commands/policy/platform.go`).
    pub fn parse(s: &str) -> Result<Platform, Error> {
        Ok(Platform::parse_unnormalized(s)?.normalize())
    }

    /// `platforms.Parse` alone: `linux/arm64/v8` keeps `v8`, `linux/arm` has no variant. BuildKit's
    /// `purl.PURLToRef` gives a material's platform this way (BX `policy/materials.go`).
    pub fn parse_unnormalized(specifier: &str) -> Result<Platform, Error> {
        if specifier.contains('*') {
            return Err(bad(specifier, "wildcards not yet supported"));
        }
        let parts: Vec<&str> = specifier.splitn(4, '/').collect();
        let os = parse_os_component(specifier, parts[0])?;
        for part in &parts[1..] {
            let ok = !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
            if !ok {
                return Err(bad(
                    specifier,
                    format_args!("{part:?} is an invalid component of {specifier:?}"),
                ));
            }
        }
        let mut p = Platform {
            os,
            ..Platform::default()
        };
        match parts.len() {
            1 => {
                if is_known_os(&p.os) {
                    p.architecture = DEFAULT_ARCH.into();
                    return Ok(p);
                }
                let (arch, variant) = normalize_arch(parts[0], "");
                p.architecture = arch;
                p.variant = if p.architecture == "arm" && variant == "v7" {
                    String::new()
                } else {
                    variant
                };
                if is_known_arch(&p.architecture) {
                    p.os = DEFAULT_OS.into();
                    return Ok(p);
                }
                Err(bad(specifier, "unknown operating system or architecture"))
            }
            2 => {
                let (arch, variant) = normalize_arch(parts[1], "");
                p.variant = if arch == "arm" && variant == "v7" {
                    String::new()
                } else {
                    variant
                };
                p.architecture = arch;
                Ok(p)
            }
            3 => {
                let (arch, variant) = normalize_arch(parts[1], parts[2]);
                p.variant = if arch == "arm64" && variant.is_empty() {
                    "v8".into()
                } else {
                    variant
                };
                p.architecture = arch;
                Ok(p)
            }
            _ => Err(bad(specifier, "cannot parse platform specifier")),
        }
    }

    /// `platforms.Normalize`.
    pub fn normalize(self) -> Platform {
        let (architecture, variant) = normalize_arch(&self.architecture, &self.variant);
        Platform {
            os: normalize_os(&self.os),
            architecture,
            variant,
        }
    }

    /// `platforms.Format`: `os/arch[/variant]` (`path.Join`, so empty parts vanish), `unknown`
    /// without an OS.
    pub fn format(&self) -> String {
        if self.os.is_empty() {
            return "unknown".into();
        }
        path_join(&[&self.os, &self.architecture, &self.variant])
    }

    /// The platform of an OCI descriptor or config (`{"os", "architecture", "variant"}`),
    /// normalized; `None` when `value` is not an object or a field is not a string. A missing
    /// `os` normalizes to [`DEFAULT_OS`] as Go's does to the host's.
    pub fn from_oci(value: &serde_json::Value) -> Option<Platform> {
        let obj = value.as_object()?;
        let field = |k: &str| match obj.get(k) {
            None | Some(serde_json::Value::Null) => Some(String::new()),
            Some(v) => v.as_str().map(str::to_string),
        };
        Some(
            Platform {
                os: field("os")?,
                architecture: field("architecture")?,
                variant: field("variant")?,
            }
            .normalize(),
        )
    }

    /// Whether an image built for `other` serves this platform: containerd's `platforms.Only`,
    /// the matcher `policy-helpers` `image/resolve.go` `resolveImageManifest` (and BuildKit's
    /// `imageutil.Config`) pick a manifest with.
    pub fn matches(&self, other: &Platform) -> bool {
        self.match_rank(other).is_some()
    }

    /// `platforms.Only(self)` as an ordering: the position of `other` in the preference list
    /// (0 = exact), `None` when it does not match. `Only(linux/amd64)` accepts `amd64` (or
    /// `amd64/v1`) then `386`; `linux/amd64/v3` accepts `v3`, `v2`, `v1`, then `386`;
    /// `linux/arm64` accepts `arm64` (= `v8`), then `arm/v8` … `arm/v5`; `linux/arm/v7`
    /// accepts `v7`, `v6`, `v5`. The candidate is normalized first (`aarch64` = `arm64`,
    /// `arm64/v8` = `arm64`).
    pub fn match_rank(&self, other: &Platform) -> Option<usize> {
        let other = other.clone().normalize();
        platform_vector(self.clone().normalize())
            .into_iter()
            .position(|p| p.normalize() == other)
    }
}

fn parse_os_component(specifier: &str, part: &str) -> Result<String, Error> {
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let is_opt = |b: u8| is_name(b) || b == b'.' || b == b'%';
    let fail = || {
        bad(
            specifier,
            format_args!("{part:?} is an invalid OS component of {specifier:?}"),
        )
    };
    let (name, options) = match part.find('(') {
        Some(i) => {
            let opts = part[i + 1..].strip_suffix(')').ok_or_else(fail)?;
            (&part[..i], Some(opts))
        }
        None => (part, None),
    };
    if name.is_empty() || !name.bytes().all(is_name) {
        return Err(fail());
    }
    if let Some(opts) = options {
        let (version, features) = match opts.find('+') {
            Some(i) => (&opts[..i], Some(&opts[i + 1..])),
            None => (opts, None),
        };
        if !version.bytes().all(is_opt) {
            return Err(fail());
        }
        if let Some(features) = features
            && features
                .split('+')
                .any(|f| f.is_empty() || !f.bytes().all(is_opt))
        {
            return Err(fail());
        }
        if version.contains('%') {
            path_unescape(version).map_err(|e| {
                bad(
                    specifier,
                    format_args!("invalid OS version {version:?}: {e}"),
                )
            })?;
        }
        for f in features.into_iter().flat_map(|f| f.split('+')) {
            if f.contains('%') {
                path_unescape(f)
                    .map_err(|e| bad(specifier, format_args!("invalid os feature {f:?}: {e}")))?;
            }
        }
    }
    Ok(normalize_os(name))
}

fn is_known_os(os: &str) -> bool {
    matches!(
        os,
        "aix"
            | "android"
            | "darwin"
            | "dragonfly"
            | "freebsd"
            | "hurd"
            | "illumos"
            | "ios"
            | "js"
            | "linux"
            | "nacl"
            | "netbsd"
            | "openbsd"
            | "plan9"
            | "solaris"
            | "windows"
            | "zos"
    )
}

fn is_known_arch(arch: &str) -> bool {
    matches!(
        arch,
        "386"
            | "amd64"
            | "amd64p32"
            | "arm"
            | "armbe"
            | "arm64"
            | "arm64be"
            | "ppc64"
            | "ppc64le"
            | "loong64"
            | "mips"
            | "mipsle"
            | "mips64"
            | "mips64le"
            | "mips64p32"
            | "mips64p32le"
            | "ppc"
            | "riscv"
            | "riscv64"
            | "s390"
            | "s390x"
            | "sparc"
            | "sparc64"
            | "wasm"
    )
}

fn normalize_os(os: &str) -> String {
    if os.is_empty() {
        return DEFAULT_OS.into();
    }
    let os = os.to_lowercase();
    if os == "macos" {
        return "darwin".into();
    }
    os
}

fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let arch = arch.to_lowercase();
    let variant = variant.to_lowercase();
    match arch.as_str() {
        "i386" => ("386".into(), String::new()),
        "x86_64" | "x86-64" | "amd64" => {
            let v = if variant == "v1" {
                String::new()
            } else {
                variant
            };
            ("amd64".into(), v)
        }
        "aarch64" | "arm64" => {
            let v = match variant.as_str() {
                "8" | "v8" | "v8.0" => String::new(),
                "9" | "9.0" | "v9.0" => "v9".into(),
                _ => variant,
            };
            ("arm64".into(), v)
        }
        "armhf" => ("arm".into(), "v7".into()),
        "armel" => ("arm".into(), "v6".into()),
        "arm" => {
            let v = match variant.as_str() {
                "" | "7" => "v7".into(),
                "5" | "6" | "8" => format!("v{variant}"),
                _ => variant,
            };
            ("arm".into(), v)
        }
        _ => (arch, variant),
    }
}

/// `v` + digits → the number (`strconv.Atoi` of the variant without its `v`).
fn variant_number(variant: &str) -> Option<i64> {
    let digits = variant.strip_prefix('v').unwrap_or(variant);
    let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn with(p: &Platform, architecture: &str, variant: String) -> Platform {
    Platform {
        os: p.os.clone(),
        architecture: architecture.into(),
        variant,
    }
}

/// containerd's `platformVector`: the platform and those it can also run, best first.
fn platform_vector(p: Platform) -> Vec<Platform> {
    let mut vector = vec![p.clone()];
    match p.architecture.as_str() {
        "amd64" => {
            if let Some(n) = variant_number(&p.variant).filter(|&n| n > 1) {
                for v in (1..n).rev() {
                    vector.push(with(&p, "amd64", format!("v{v}")));
                }
            }
            vector.push(with(&p, "386", String::new()));
        }
        "arm" => {
            if let Some(n) = variant_number(&p.variant).filter(|&n| n > 5) {
                for v in (5..n).rev() {
                    vector.push(with(&p, "arm", format!("v{v}")));
                }
            }
        }
        "arm64" => {
            let mut variant = if p.variant.is_empty() {
                "v8".to_string()
            } else {
                p.variant.clone()
            };
            vector.clear();
            let Some(versions) = arm64_versions(&variant) else {
                return vector;
            };
            for (major, top_minor) in versions {
                for minor in (0..=top_minor).rev() {
                    let v = if minor == 0 {
                        format!("v{major}")
                    } else {
                        format!("v{major}.{minor}")
                    };
                    vector.push(with(&p, "arm64", v));
                }
            }
            if variant.starts_with("v8") || variant.starts_with("v9") {
                variant = "v8".into();
            }
            vector.extend(platform_vector(with(&p, "arm", variant)));
        }
        _ => {}
    }
    vector
}

/// containerd's `arm64variantToVersion`: (major, highest minor) pairs.
fn arm64_versions(variant: &str) -> Option<Vec<(u32, u32)>> {
    let (major, minor) = match variant.strip_prefix('v')?.split_once('.') {
        Some((ma, mi)) => (ma, Some(mi)),
        None => (variant.strip_prefix('v')?, None),
    };
    let minor: u32 = match minor {
        None => 0,
        Some(m) if m.len() == 1 && m.as_bytes()[0].is_ascii_digit() => m.parse().ok()?,
        Some(_) => return None,
    };
    match (major, minor) {
        ("8", 0..=9) => Some(vec![(8, minor)]),
        ("9", 0..=7) => Some(vec![(9, minor), (8, (minor + 5).min(9))]),
        _ => None,
    }
}
