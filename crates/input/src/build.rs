//! The whole input for one request: source → source-only fields, evidence → resolved fields,
//! provenance materials → nested inputs, the build env at every depth (BX `policy/input.go`
//! `sourceToInputRecursive`, `policy/validate.go` `applyEnvWithDepth`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value as Json, json};
use verdict_verify::TrustMaterial;

use crate::facts::Facts;
use crate::git::GitEvidence;
use crate::oci::{self, Store};
use crate::source::{self, Source};
use crate::{Error, Platform, git, image, purl};

/// Buildx's recursion limit for provenance materials.
pub const MAX_MATERIAL_DEPTH: usize = 24;

/// The build settings (`input.env`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    /// `--build-arg` values.
    pub args: BTreeMap<String, String>,
    /// `--label` values.
    pub labels: BTreeMap<String, String>,
    /// The Dockerfile's base name.
    pub filename: String,
    /// `--target`.
    pub target: String,
}

impl Env {
    /// `input.env` at `depth` (Go `omitzero`: `None` when every field is zero).
    pub fn to_json(&self, depth: usize, caps_request: bool) -> Option<Json> {
        let mut m = Map::new();
        if !self.args.is_empty() {
            m.insert("args".into(), json!(self.args));
        }
        if !self.labels.is_empty() {
            m.insert("labels".into(), json!(self.labels));
        }
        if !self.filename.is_empty() {
            m.insert("filename".into(), json!(self.filename));
        }
        if !self.target.is_empty() {
            m.insert("target".into(), json!(self.target));
        }
        if caps_request {
            m.insert("capsRequest".into(), json!(true));
        }
        if m.is_empty() && depth == 0 {
            return None;
        }
        m.insert("depth".into(), json!(depth));
        Some(Json::Object(m))
    }
}

/// Everything the host supplies instead of the network (docs/evidence.md).
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// The image layout's `index.json`.
    pub oci_index: Option<Vec<u8>>,
    /// Blobs by digest name.
    pub blobs: Vec<(String, Vec<u8>)>,
    /// Git refs and objects.
    pub git: GitEvidence,
    /// The downloaded HTTP content (its checksum is computed).
    pub http_content: Option<Vec<u8>>,
    /// The HTTP content's checksum when the content is not supplied (asserted).
    pub http_checksum: Option<String>,
    /// An image's attestation manifest named by digest only (asserted), when the layout does
    /// not carry the chain.
    pub attestation_manifest: Option<String>,
    /// Sigstore bundles over that attestation manifest.
    pub signature_bundles: Vec<Vec<u8>>,
}

/// One input request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The source identifier; `None` is the caps pass.
    pub source: Option<&'a str>,
    /// The platform of image sources (`None` = `linux/amd64`).
    pub platform: Option<&'a str>,
    /// The build settings.
    pub env: &'a Env,
    /// The evidence.
    pub evidence: &'a Evidence,
    /// The trusted root signatures are verified with.
    pub trust: &'a TrustMaterial,
}

/// Raw git objects of a source: `(commit, tag)` content.
pub type GitObjects = (Option<Vec<u8>>, Option<Vec<u8>>);

/// The built input and what it rests on.
#[derive(Debug, Clone)]
pub struct Built {
    /// The input document.
    pub input: Json,
    /// The parsed source (`None` for the caps pass).
    pub source: Option<Source>,
    /// The facts: verified, asserted and failed fields.
    pub facts: Facts,
    /// The source's git objects, when resolved: `(commit, tag)` raw content.
    pub git_objects: GitObjects,
}

/// The platform used when a request names none.
pub const DEFAULT_PLATFORM: &str = "linux/amd64";

/// Builds the input of `request`.
pub fn build(request: &Request<'_>) -> Result<Built, Error> {
    let Some(source) = request.source else {
        let mut input = Map::new();
        if let Some(env) = request.env.to_json(0, true) {
            input.insert("env".into(), env);
        }
        return Ok(Built {
            input: Json::Object(input),
            source: None,
            facts: Facts::default(),
            git_objects: (None, None),
        });
    };
    let platform = Platform::parse(request.platform.unwrap_or(DEFAULT_PLATFORM))?;
    let parsed = source::parse(source)?;
    let store = Store::new(
        &request.evidence.blobs,
        request.evidence.oci_index.as_deref(),
    )?;
    let mut builder = Builder {
        request,
        store: &store,
        seen: BTreeSet::new(),
    };
    let mut facts = Facts::default();
    let mut git_objects = (None, None);
    let input = builder.input(&parsed, &platform, 0, &mut facts, Some(&mut git_objects))?;
    Ok(Built {
        input,
        source: Some(parsed),
        facts,
        git_objects,
    })
}

struct Builder<'r, 'a> {
    request: &'r Request<'a>,
    store: &'r Store,
    seen: BTreeSet<String>,
}

impl Builder<'_, '_> {
    fn input(
        &mut self,
        parsed: &Source,
        platform: &Platform,
        depth: usize,
        facts: &mut Facts,
        git_objects: Option<&mut GitObjects>,
    ) -> Result<Json, Error> {
        if depth > MAX_MATERIAL_DEPTH {
            return Err(Error::invalid_evidence(format!(
                "provenance materials depth exceeds limit {MAX_MATERIAL_DEPTH}"
            )));
        }
        let (key, mut fields) = parsed.input(platform);
        let mut object = match fields.take() {
            Json::Object(m) => m,
            _ => Map::new(),
        };
        let mut materials = Vec::new();
        match parsed {
            Source::Image(reference) => {
                let mut resolved = image::Resolved::default();
                if !self.store.is_empty() {
                    resolved = image::resolve(
                        reference,
                        platform,
                        self.store,
                        self.request.trust,
                        &mut object,
                        facts,
                    )?;
                    if let Some(p) = resolved.provenance.take() {
                        materials = p.materials;
                    }
                }
                if depth == 0
                    && !resolved.root_not_index
                    && let Some(digest) = &self.request.evidence.attestation_manifest
                {
                    image::asserted_attestation(
                        digest,
                        &self.request.evidence.signature_bundles,
                        self.request.trust,
                        &resolved,
                        self.store,
                        &mut object,
                        facts,
                    )?;
                }
            }
            Source::Git(g) if depth == 0 => {
                let (commit, tag) = git::resolve(
                    g.reference.as_deref(),
                    &self.request.evidence.git,
                    &mut object,
                    facts,
                )?;
                if let Some(out) = git_objects {
                    *out = (commit.map(<[u8]>::to_vec), tag.map(<[u8]>::to_vec));
                }
            }
            Source::Http(_) if depth == 0 => self.http(&mut object, facts)?,
            _ => {}
        }
        let mut input = Map::new();
        if let Some(env) = self.request.env.to_json(depth, false) {
            input.insert("env".into(), env);
        }
        if !materials.is_empty() {
            // A source already being expanded higher up is a cycle: Buildx cuts it by putting an
            // empty input there (BX `policy/input.go`), which gets only the env.
            if self.seen.contains(&cycle_key(parsed, platform)) {
                return Ok(Json::Object(input));
            }
            let nested = self.materials(parsed, platform, &materials, depth, facts)?;
            if let Some(Json::Object(p)) = object.get_mut("provenance") {
                p.insert("materials".into(), Json::Array(nested));
            }
        }
        input.insert(key.into(), Json::Object(object));
        Ok(Json::Object(input))
    }

    fn http(&self, object: &mut Map<String, Json>, facts: &mut Facts) -> Result<(), Error> {
        let evidence = self.request.evidence;
        if let Some(content) = &evidence.http_content {
            let checksum = oci::sha256_digest(content);
            if let Some(asserted) = &evidence.http_checksum
                && asserted != &checksum
            {
                return Err(Error::invalid_evidence(format!(
                    "the HTTP content's checksum is {checksum}, not {asserted}"
                )));
            }
            object.insert("checksum".into(), json!(checksum));
            facts.verified("http.checksum", "content hashed");
        } else if let Some(checksum) = &evidence.http_checksum {
            if !is_sha256(checksum) {
                return Err(Error::invalid_evidence(format!(
                    "HTTP checksum `{checksum}` is not sha256:<64 hex>"
                )));
            }
            object.insert("checksum".into(), json!(checksum));
            facts.asserted("http.checksum", "checksum supplied without the content");
        }
        Ok(())
    }

    fn materials(
        &mut self,
        parsed: &Source,
        platform: &Platform,
        materials: &[(String, BTreeMap<String, String>)],
        depth: usize,
        facts: &mut Facts,
    ) -> Result<Vec<Json>, Error> {
        let key = cycle_key(parsed, platform);
        self.seen.insert(key.clone());
        let mut out = Vec::new();
        for (i, (uri, digest)) in materials.iter().enumerate() {
            // Buildx drops materials it cannot map (`rawMaterialsFromSLSA1`).
            let Ok((source, material_platform)) = purl::material_source(uri, digest) else {
                continue;
            };
            let platform = material_platform.unwrap_or_else(|| platform.clone());
            let mut nested_facts = Facts::default();
            let child = self
                .input(&source, &platform, depth + 1, &mut nested_facts, None)
                .map_err(|e| Error {
                    code: e.code,
                    message: format!("failed to build material input for {uri:?}: {}", e.message),
                })?;
            facts.nest(&format!("image.provenance.materials[{i}]"), nested_facts);
            out.push(child);
        }
        self.seen.remove(&key);
        Ok(out)
    }
}

/// The identity of a source in the materials walk (BX `sourceUniqueIdentifier`: identifier and
/// platform).
fn cycle_key(parsed: &Source, platform: &Platform) -> String {
    format!("{parsed:?}|{}", platform.format())
}

fn is_sha256(s: &str) -> bool {
    s.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}
