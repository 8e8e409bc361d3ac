//! `input.image.provenance`: SLSA provenance v1 and v0.2 mapped to Buildx's fields (model §4.3,
//! BX `policy/provenance.go`).
//!
//! The first attestation-manifest layer annotated `in-toto.io/predicate-type` with an SLSA
//! provenance type whose statement parses and names a build type or builder wins. Times are
//! rendered in UTC, RFC 3339 without fractions (Go `t.UTC().Format(time.RFC3339)`); `buildArgs`
//! are the `build-arg:` request args with the prefix removed (absent when none);
//! `reproducible`, `hermetic` and `completeness` are present (as `true` or `false`) exactly when
//! the metadata is. Materials are kept raw here and turned into nested inputs by the caller.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value as Json, json};

/// SLSA provenance v1.
pub const SLSA_V1: &str = "https://slsa.dev/provenance/v1";
/// SLSA provenance v0.2.
pub const SLSA_V02: &str = "https://slsa.dev/provenance/v0.2";

/// A parsed provenance: the `input.image.provenance` object without `materials`, and the raw
/// materials (`uri`, `digest`).
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    /// The object (Go omitempty applied).
    pub object: Map<String, Json>,
    /// The materials, in order: `(uri, digest map)`.
    pub materials: Vec<(String, BTreeMap<String, String>)>,
}

/// Whether `predicate_type` is an SLSA provenance type Buildx reads.
pub fn is_slsa(predicate_type: &str) -> bool {
    predicate_type == SLSA_V1 || predicate_type == SLSA_V02
}

/// Parses an in-toto statement blob annotated with `annotated` as predicate type. `None` when it
/// is not usable provenance (Buildx then goes on to the next layer).
pub fn parse(blob: &[u8], annotated: &str) -> Option<Provenance> {
    let statement: Json = serde_json::from_slice(blob).ok()?;
    let predicate = get(&statement, "predicate");
    if predicate.is_null() {
        return None;
    }
    let predicate_type = match get(&statement, "predicateType").as_str() {
        Some(t) if !t.is_empty() => t,
        _ => annotated,
    };
    match predicate_type {
        SLSA_V1 => parse_v1(predicate),
        SLSA_V02 => parse_v02(predicate),
        _ => None,
    }
}

/// A field as Go's `encoding/json` finds it: the exact key, else a case-insensitive match.
fn get<'a>(value: &'a Json, key: &str) -> &'a Json {
    static NULL: Json = Json::Null;
    let Some(map) = value.as_object() else {
        return &NULL;
    };
    map.get(key)
        .or_else(|| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
        .unwrap_or(&NULL)
}

fn s(value: &Json) -> &str {
    value.as_str().unwrap_or_default()
}

fn put_str(m: &mut Map<String, Json>, key: &str, value: &str) {
    if !value.is_empty() {
        m.insert(key.into(), json!(value));
    }
}

fn string_map(value: &Json) -> BTreeMap<String, String> {
    value
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect()
}

fn put_map(m: &mut Map<String, Json>, key: &str, value: &BTreeMap<String, String>) {
    if !value.is_empty() {
        m.insert(key.into(), json!(value));
    }
}

fn build_args(args: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    args.iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix("build-arg:")?;
            (!name.is_empty()).then(|| (name.to_owned(), v.clone()))
        })
        .collect()
}

/// Go `time.Time` JSON → `t.UTC().Format(time.RFC3339)`; empty when absent or unparsable.
fn utc(value: &Json) -> String {
    value
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| {
            t.with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::Secs, true)
        })
        .unwrap_or_default()
}

fn config_source(uri: &str, digest: &BTreeMap<String, String>, path: &str) -> Json {
    let mut m = Map::new();
    put_str(&mut m, "uri", uri);
    put_map(&mut m, "digest", digest);
    put_str(&mut m, "path", path);
    Json::Object(m)
}

fn materials(list: &Json) -> Vec<(String, BTreeMap<String, String>)> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|m| (s(get(m, "uri")).to_owned(), string_map(get(m, "digest"))))
        .collect()
}

fn parse_v1(p: &Json) -> Option<Provenance> {
    let def = get(p, "buildDefinition");
    let run = get(p, "runDetails");
    let build_type = s(get(def, "buildType"));
    let builder = s(get(get(run, "builder"), "id"));
    if build_type.is_empty() && builder.is_empty() {
        return None;
    }
    let ext = get(def, "externalParameters");
    let args = string_map(get(get(ext, "request"), "args"));
    let mut m = Map::new();
    m.insert("predicateType".into(), json!(SLSA_V1));
    put_str(&mut m, "buildType", build_type);
    put_str(&mut m, "builderID", builder);
    let md = get(run, "metadata");
    if md.is_object() {
        put_str(&mut m, "invocationID", s(get(md, "invocationId")));
        put_str(&mut m, "startedOn", &utc(get(md, "startedOn")));
        put_str(&mut m, "finishedOn", &utc(get(md, "finishedOn")));
    }
    let cs = get(ext, "configSource");
    m.insert(
        "configSource".into(),
        config_source(
            s(get(cs, "uri")),
            &string_map(get(cs, "digest")),
            s(get(cs, "path")),
        ),
    );
    put_str(&mut m, "frontend", s(get(get(ext, "request"), "frontend")));
    put_map(&mut m, "buildArgs", &build_args(&args));
    put_map(&mut m, "rawArgs", &args);
    if md.is_object() {
        let flag = |v: &Json| json!(v.as_bool().unwrap_or(false));
        m.insert(
            "reproducible".into(),
            flag(get(md, "buildkit_reproducible")),
        );
        m.insert("hermetic".into(), flag(get(md, "buildkit_hermetic")));
        let c = get(md, "buildkit_completeness");
        m.insert(
            "completeness".into(),
            json!({"parameters": flag(get(c, "request")), "materials": flag(get(c, "resolvedDependencies"))}),
        );
    }
    Some(Provenance {
        object: m,
        materials: materials(get(def, "resolvedDependencies")),
    })
}

fn parse_v02(p: &Json) -> Option<Provenance> {
    let build_type = s(get(p, "buildType"));
    let builder = s(get(get(p, "builder"), "id"));
    if build_type.is_empty() && builder.is_empty() {
        return None;
    }
    let inv = get(p, "invocation");
    let args = string_map(get(get(inv, "parameters"), "args"));
    let mut m = Map::new();
    m.insert("predicateType".into(), json!(SLSA_V02));
    put_str(&mut m, "buildType", build_type);
    put_str(&mut m, "builderID", builder);
    let md = get(p, "metadata");
    if md.is_object() {
        put_str(&mut m, "invocationID", s(get(md, "buildInvocationID")));
        put_str(&mut m, "startedOn", &utc(get(md, "buildStartedOn")));
        put_str(&mut m, "finishedOn", &utc(get(md, "buildFinishedOn")));
    }
    let cs = get(inv, "configSource");
    m.insert(
        "configSource".into(),
        config_source(
            s(get(cs, "uri")),
            &string_map(get(cs, "digest")),
            s(get(cs, "entryPoint")),
        ),
    );
    put_str(
        &mut m,
        "frontend",
        s(get(get(inv, "parameters"), "frontend")),
    );
    put_map(&mut m, "buildArgs", &build_args(&args));
    put_map(&mut m, "rawArgs", &args);
    if md.is_object() {
        let flag = |v: &Json| json!(v.as_bool().unwrap_or(false));
        m.insert("reproducible".into(), flag(get(md, "reproducible")));
        m.insert(
            "hermetic".into(),
            flag(get(md, "https://mobyproject.org/buildkit@v1#hermetic")),
        );
        let c = get(md, "completeness");
        m.insert(
            "completeness".into(),
            json!({"parameters": flag(get(c, "parameters")), "environment": flag(get(c, "environment")), "materials": flag(get(c, "materials"))}),
        );
    }
    Some(Provenance {
        object: m,
        materials: materials(get(p, "materials")),
    })
}
