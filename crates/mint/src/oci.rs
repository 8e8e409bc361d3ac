//! OCI image layouts holding BuildKit-style image evidence: the image index, per-platform
//! manifests and configs, attestation manifests (`oci-artifact=true`) with SLSA provenance
//! layers, and cosign v3 signature manifests (OCI 1.1 referrers) with Sigstore bundles.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::bundle::{BUNDLE_MEDIA_TYPE, MintedBundle, SignOptions};
use crate::identity::Identity;
use crate::sigstore::VirtualSigstore;
use crate::statement::{Provenance, SLSA_PROVENANCE_V1, cosign_sign};
use crate::util::{digest_of, hex, json_compact, json_pretty, rfc3339, sha256};

/// OCI image index media type.
pub const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image manifest media type.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image config media type.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";
/// Uncompressed OCI layer media type.
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar";
/// The OCI empty descriptor's media type.
pub const EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// BuildKit's attestation manifest artifact type.
pub const ATTESTATION_ARTIFACT_TYPE: &str = "application/vnd.docker.attestation.manifest.v1+json";
/// In-toto layer media type.
pub const IN_TOTO_MEDIA_TYPE: &str = "application/vnd.in-toto+json";
/// Annotation naming the attestation manifest kind.
pub const REFERENCE_TYPE: &str = "vnd.docker.reference.type";
/// Annotation naming the manifest an attestation manifest describes.
pub const REFERENCE_DIGEST: &str = "vnd.docker.reference.digest";
/// The predicate-type layer annotation.
pub const PREDICATE_TYPE: &str = "in-toto.io/predicate-type";
/// containerd's index.json annotation marking a referrer of a subject manifest.
pub const MANIFEST_SUBJECT: &str = "io.containerd.manifest.subject";
/// The layout's reference annotation.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// An OCI platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Platform {
    /// CPU architecture.
    pub architecture: String,
    /// Operating system.
    pub os: String,
    /// Variant (`v8` for arm64).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub variant: String,
}

impl Platform {
    /// `os/arch[/variant]`.
    pub fn parse(s: &str) -> Platform {
        let mut it = s.split('/');
        let os = it.next().unwrap_or_default().to_string();
        let architecture = it.next().unwrap_or_default().to_string();
        let variant = it.next().unwrap_or_default().to_string();
        Platform {
            architecture,
            os,
            variant,
        }
    }

    /// `os/arch[/variant]`.
    pub fn to_string_full(&self) -> String {
        if self.variant.is_empty() {
            format!("{}/{}", self.os, self.architecture)
        } else {
            format!("{}/{}/{}", self.os, self.architecture, self.variant)
        }
    }

    fn unknown() -> Platform {
        Platform {
            architecture: "unknown".into(),
            os: "unknown".into(),
            variant: String::new(),
        }
    }
}

/// An OCI descriptor (Go `ocispec.Descriptor` field order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type.
    pub media_type: String,
    /// `sha256:<hex>`.
    pub digest: String,
    /// Size in bytes.
    pub size: u64,
    /// Annotations.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Embedded data (base64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Platform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// Artifact type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
}

impl Descriptor {
    fn new(media_type: &str, bytes: &[u8]) -> Descriptor {
        Descriptor {
            media_type: media_type.to_string(),
            digest: digest_of(bytes),
            size: bytes.len() as u64,
            annotations: BTreeMap::new(),
            data: None,
            platform: None,
            artifact_type: None,
        }
    }

    /// The bare `{mediaType, digest, size}` form used as a `subject`.
    fn bare(&self) -> Descriptor {
        Descriptor {
            media_type: self.media_type.clone(),
            digest: self.digest.clone(),
            size: self.size,
            annotations: BTreeMap::new(),
            data: None,
            platform: None,
            artifact_type: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    schema_version: u32,
    media_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    artifact_type: Option<&'static str>,
    config: Descriptor,
    layers: Vec<Descriptor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<Descriptor>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Index {
    schema_version: u32,
    media_type: &'static str,
    manifests: Vec<Descriptor>,
}

/// An OCI image layout in memory: blobs by digest and the `index.json` entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    blobs: BTreeMap<String, Vec<u8>>,
    entries: Vec<Descriptor>,
}

impl Layout {
    /// Stores a blob; returns its descriptor.
    pub fn add_blob(&mut self, media_type: &str, bytes: Vec<u8>) -> Descriptor {
        let d = Descriptor::new(media_type, &bytes);
        self.blobs.insert(hex(&sha256(&bytes)), bytes);
        d
    }

    /// Adds an `index.json` entry.
    pub fn add_entry(&mut self, d: Descriptor) {
        self.entries.push(d);
    }

    /// The blob with this `sha256:<hex>` digest.
    pub fn blob(&self, digest: &str) -> Option<&[u8]> {
        self.blobs
            .get(digest.strip_prefix("sha256:")?)
            .map(Vec::as_slice)
    }

    /// Every file of the layout, path → bytes (`oci-layout`, `index.json`,
    /// `blobs/sha256/<hex>`).
    pub fn files(&self) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        files.insert(
            "oci-layout".to_string(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        );
        let index = Index {
            schema_version: 2,
            media_type: INDEX_MEDIA_TYPE,
            manifests: self.entries.clone(),
        };
        files.insert("index.json".to_string(), json_compact(&index));
        for (h, b) in &self.blobs {
            files.insert(format!("blobs/sha256/{h}"), b.clone());
        }
        files
    }

    /// Writes the layout under `dir` (created if missing).
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        for (path, bytes) in self.files() {
            let p = dir.join(path);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(p, bytes)?;
        }
        Ok(())
    }
}

/// An image build: what goes into the index, configs and provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSpec {
    /// The reference the layout binds to the root index (`org.opencontainers.image.ref.name`),
    /// e.g. `docker.io/acme/app:v1.0.0`.
    pub reference: String,
    /// Platforms, as BuildKit writes them after containerd normalisation (`linux/amd64`,
    /// `linux/arm64` — arm64's `v8` variant is normalised away; `linux/arm/v7` keeps it).
    pub platforms: Vec<String>,
    /// Config `created` (unix seconds).
    pub created: i64,
    /// Config `Env`.
    pub env: Vec<String>,
    /// Config `Labels`.
    pub labels: BTreeMap<String, String>,
    /// Config `User`.
    pub user: String,
    /// Config `WorkingDir`.
    pub working_dir: String,
    /// Config `Volumes` (keys).
    pub volumes: Vec<String>,
    /// The build's provenance (the subject and builder platform are filled per platform).
    pub provenance: Provenance,
}

/// How the evidence is assembled, and spoiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceOptions {
    /// Write `subject` and `artifactType` on attestation manifests (BuildKit
    /// `oci-artifact=true`); without it they get BuildKit's older shape (a dummy config, no
    /// subject).
    pub attestation_subject: bool,
    /// Sign each attestation manifest (cosign v3, OCI 1.1 referrer) for this identity.
    pub signature: Option<(Identity, SignOptions)>,
    /// The signed statement's subject is another digest than the attestation manifest's.
    pub wrong_subject_digest: bool,
}

impl Default for EvidenceOptions {
    fn default() -> Self {
        EvidenceOptions {
            attestation_subject: true,
            signature: None,
            wrong_subject_digest: false,
        }
    }
}

/// What was minted for one platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformEvidence {
    /// `os/arch[/variant]`.
    pub platform: String,
    /// The image manifest's descriptor.
    pub manifest: Descriptor,
    /// The attestation manifest's descriptor (as in the index).
    pub attestation_manifest: Descriptor,
    /// The signature manifest's descriptor, if signed.
    pub signature_manifest: Option<Descriptor>,
    /// The bundle, if signed.
    pub bundle: Option<MintedBundle>,
}

/// A minted image: its layout and what is where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageEvidence {
    /// The layout.
    pub layout: Layout,
    /// The root index's descriptor.
    pub index: Descriptor,
    /// Per platform, in spec order.
    pub platforms: Vec<PlatformEvidence>,
}

/// A minimal uncompressed tar holding one regular file.
fn tar_one_file(name: &str, content: &[u8], mtime: i64) -> Vec<u8> {
    let mut h = [0u8; 512];
    let put = |h: &mut [u8; 512], at: usize, s: &[u8]| h[at..at + s.len()].copy_from_slice(s);
    put(&mut h, 0, name.as_bytes());
    put(&mut h, 100, b"0000644\0");
    put(&mut h, 108, b"0000000\0");
    put(&mut h, 116, b"0000000\0");
    put(&mut h, 124, format!("{:011o}\0", content.len()).as_bytes());
    put(&mut h, 136, format!("{mtime:011o}\0").as_bytes());
    put(&mut h, 148, b"        ");
    h[156] = b'0';
    put(&mut h, 257, b"ustar\0");
    put(&mut h, 263, b"00");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    put(&mut h, 148, format!("{sum:06o}\0 ").as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(content);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out.extend_from_slice(&[0u8; 1024]);
    out
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImageConfigInner<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    user: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    exposed_ports: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    env: &'a [String],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    volumes: BTreeMap<&'a str, BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "str::is_empty")]
    working_dir: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct RootFs {
    #[serde(rename = "type")]
    type_: &'static str,
    diff_ids: Vec<String>,
}

#[derive(Serialize)]
struct AttestationConfig {
    architecture: &'static str,
    os: &'static str,
    config: BTreeMap<String, String>,
    rootfs: RootFs,
}

#[derive(Serialize)]
struct History {
    created: String,
    created_by: String,
    comment: &'static str,
}

#[derive(Serialize)]
struct ImageConfig<'a> {
    created: String,
    architecture: &'a str,
    os: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    variant: &'a str,
    config: ImageConfigInner<'a>,
    rootfs: RootFs,
    history: Vec<History>,
}

/// The SLSA subject name BuildKit writes: `pkg:docker/<repo>@<tag>?platform=<os>%2F<arch>…`.
pub fn purl(reference: &str, platform: &str) -> String {
    let r = reference
        .strip_prefix("docker.io/library/")
        .or_else(|| reference.strip_prefix("docker.io/"))
        .unwrap_or(reference);
    let (repo, tag) = match r.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, tag),
        _ => (r, "latest"),
    };
    format!(
        "pkg:docker/{repo}@{tag}?platform={}",
        platform.replace('/', "%2F")
    )
}

/// Mints an image with one attestation manifest per platform and, if asked, a signature
/// manifest per attestation manifest.
pub fn image_evidence(
    sigstore: &VirtualSigstore,
    spec: &ImageSpec,
    opts: &EvidenceOptions,
) -> ImageEvidence {
    let mut layout = Layout::default();
    let empty = layout.add_blob(EMPTY_MEDIA_TYPE, b"{}".to_vec());
    let mut images = Vec::new();
    let mut attestations = Vec::new();
    let mut per_platform = Vec::new();
    for p in &spec.platforms {
        let platform = Platform::parse(p);
        let tar = tar_one_file(
            "etc/mint-release",
            format!("{} {p}\n", spec.reference).as_bytes(),
            spec.created,
        );
        let layer = layout.add_blob(LAYER_MEDIA_TYPE, tar.clone());
        let config = ImageConfig {
            created: rfc3339(spec.created),
            architecture: &platform.architecture,
            os: &platform.os,
            variant: &platform.variant,
            config: ImageConfigInner {
                user: &spec.user,
                exposed_ports: BTreeMap::new(),
                env: &spec.env,
                volumes: spec
                    .volumes
                    .iter()
                    .map(|v| (v.as_str(), BTreeMap::new()))
                    .collect(),
                working_dir: &spec.working_dir,
                labels: &spec.labels,
            },
            rootfs: RootFs {
                type_: "layers",
                diff_ids: vec![digest_of(&tar)],
            },
            history: vec![History {
                created: rfc3339(spec.created),
                created_by: "COPY mint-release /etc/mint-release # buildkit".into(),
                comment: "buildkit.dockerfile.v0",
            }],
        };
        let config = layout.add_blob(CONFIG_MEDIA_TYPE, json_pretty(&config));
        let manifest = Manifest {
            schema_version: 2,
            media_type: MANIFEST_MEDIA_TYPE,
            artifact_type: None,
            config,
            layers: vec![layer],
            subject: None,
            annotations: BTreeMap::new(),
        };
        let mut image = layout.add_blob(MANIFEST_MEDIA_TYPE, json_pretty(&manifest));
        image.platform = Some(platform.clone());

        // The provenance layer: SLSA v1 statement about the image manifest.
        let mut prov = spec.provenance.clone();
        prov.builder_platform = p.clone();
        let statement = prov.statement(&purl(&spec.reference, p), &image.digest["sha256:".len()..]);
        let mut prov_layer = layout.add_blob(IN_TOTO_MEDIA_TYPE, statement);
        prov_layer
            .annotations
            .insert(PREDICATE_TYPE.into(), SLSA_PROVENANCE_V1.into());
        let att = if opts.attestation_subject {
            let mut cfg = empty.clone();
            cfg.data = Some("e30=".into());
            Manifest {
                schema_version: 2,
                media_type: MANIFEST_MEDIA_TYPE,
                artifact_type: Some(ATTESTATION_ARTIFACT_TYPE),
                config: cfg,
                layers: vec![prov_layer.clone()],
                subject: Some(image.bare()),
                annotations: BTreeMap::new(),
            }
        } else {
            // BuildKit's `attestationsConfig`: an `ocispec.Image` for unknown/unknown whose
            // diff IDs are the (uncompressed) layers.
            let dummy = AttestationConfig {
                architecture: "unknown",
                os: "unknown",
                config: BTreeMap::new(),
                rootfs: RootFs {
                    type_: "layers",
                    diff_ids: vec![prov_layer.digest.clone()],
                },
            };
            let cfg = layout.add_blob(CONFIG_MEDIA_TYPE, json_compact(&dummy));
            Manifest {
                schema_version: 2,
                media_type: MANIFEST_MEDIA_TYPE,
                artifact_type: None,
                config: cfg,
                layers: vec![prov_layer.clone()],
                subject: None,
                annotations: BTreeMap::new(),
            }
        };
        let mut att_desc = layout.add_blob(MANIFEST_MEDIA_TYPE, json_pretty(&att));
        att_desc
            .annotations
            .insert(REFERENCE_DIGEST.into(), image.digest.clone());
        att_desc
            .annotations
            .insert(REFERENCE_TYPE.into(), "attestation-manifest".into());
        att_desc.platform = Some(Platform::unknown());

        // cosign v3 `sign --registry-referrers-mode oci-1-1` of the attestation manifest.
        let (signature_manifest, bundle) = match &opts.signature {
            None => (None, None),
            Some((identity, sign_opts)) => {
                let att_hex = &att_desc.digest["sha256:".len()..];
                let subject_hex = if opts.wrong_subject_digest {
                    hex(&sha256(format!("not {att_hex}").as_bytes()))
                } else {
                    att_hex.to_string()
                };
                let mut so = sign_opts.clone();
                so.key_label = format!("{}/{p}", sign_opts.key_label);
                let bundle = sigstore.sign_dsse(&cosign_sign(&subject_hex), identity, &so);
                let mut layer = layout.add_blob(BUNDLE_MEDIA_TYPE, bundle.json.clone());
                layer.annotations.insert(
                    "org.opencontainers.image.title".into(),
                    format!("sha256-{}.sigstore.json", &layer.digest["sha256:".len()..]),
                );
                let mut annotations = BTreeMap::new();
                annotations.insert("dev.sigstore.bundle.content".into(), "dsse-envelope".into());
                annotations.insert(
                    "dev.sigstore.bundle.predicateType".into(),
                    crate::statement::COSIGN_SIGN_PREDICATE.into(),
                );
                annotations.insert(
                    "org.opencontainers.image.created".into(),
                    rfc3339(sign_opts.signed_at),
                );
                let sig_manifest = Manifest {
                    schema_version: 2,
                    media_type: MANIFEST_MEDIA_TYPE,
                    artifact_type: Some(BUNDLE_MEDIA_TYPE),
                    config: empty.clone(),
                    layers: vec![layer],
                    subject: Some(att_desc.bare()),
                    annotations: annotations.clone(),
                };
                let mut d = layout.add_blob(MANIFEST_MEDIA_TYPE, json_compact(&sig_manifest));
                d.artifact_type = Some(BUNDLE_MEDIA_TYPE.into());
                d.annotations = annotations;
                // How containerd / Buildx OCI-layout stores record a referrer in index.json.
                d.annotations
                    .insert(MANIFEST_SUBJECT.into(), att_desc.digest.clone());
                (Some(d), Some(bundle))
            }
        };
        images.push(image.clone());
        attestations.push(att_desc.clone());
        per_platform.push(PlatformEvidence {
            platform: p.clone(),
            manifest: image,
            attestation_manifest: att_desc,
            signature_manifest,
            bundle,
        });
    }
    let mut manifests = images;
    manifests.extend(attestations);
    let index = Index {
        schema_version: 2,
        media_type: INDEX_MEDIA_TYPE,
        manifests,
    };
    let index_desc = layout.add_blob(INDEX_MEDIA_TYPE, json_pretty(&index));
    let mut root_entry = index_desc.clone();
    root_entry
        .annotations
        .insert(REF_NAME.into(), spec.reference.clone());
    layout.add_entry(root_entry);
    for p in &per_platform {
        if let Some(s) = &p.signature_manifest {
            layout.add_entry(s.clone());
        }
    }
    ImageEvidence {
        layout,
        index: index_desc,
        platforms: per_platform,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_shape() {
        assert_eq!(
            purl("docker.io/acme/app:v1.0.0", "linux/arm64"),
            "pkg:docker/acme/app@v1.0.0?platform=linux%2Farm64"
        );
        assert_eq!(
            purl("docker.io/library/alpine:3.22", "linux/arm/v7"),
            "pkg:docker/alpine@3.22?platform=linux%2Farm%2Fv7"
        );
    }

    #[test]
    fn tar_is_blocked() {
        let t = tar_one_file("a", b"xyz", 0);
        assert_eq!(t.len(), 512 * 2 + 1024);
    }
}
