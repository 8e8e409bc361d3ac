//! Prepared trust material: a trusted root parsed, its keys and certificates decoded once, and
//! reused across any number of verifications (checklist items 9–11).

use std::sync::Arc;

use verdict_bundle::{TimeRange, Timestamp, TrustedRoot};

use crate::crypto::{PublicKey, sha256};
use crate::error::{Error, ErrorCode, Result};
use crate::x509::Cert;

/// A transparency or CT log of the trusted root, key decoded.
#[derive(Debug, Clone)]
pub(crate) struct Log {
    pub(crate) base_url: String,
    /// The host of `base_url`: a Rekor checkpoint's origin / signer name.
    pub(crate) host: String,
    pub(crate) log_id: Vec<u8>,
    pub(crate) key: PublicKey,
    pub(crate) valid_for: Option<TimeRange>,
    /// The 4-byte signed-note key hint of this log's checkpoints.
    pub(crate) key_hint: [u8; 4],
}

impl Log {
    pub(crate) fn valid_at(&self, t: Timestamp) -> bool {
        self.valid_for.as_ref().is_none_or(|r| r.contains(t))
    }
}

/// A Fulcio CA or a TSA of the trusted root, certificates decoded.
#[derive(Debug, Clone)]
pub(crate) struct Authority {
    pub(crate) uri: String,
    /// First the issuing (Fulcio) or signing (TSA) certificate, last the root.
    pub(crate) chain: Vec<Cert>,
    /// Each certificate's key, decoded once (`None` if it does not decode).
    pub(crate) keys: Vec<Option<PublicKey>>,
    /// Each certificate's issuer within the chain, signatures checked once — at the first use of
    /// the authority ([`Authority::links`]): a one-shot verification checks only the chain its
    /// bundle names, not every CA's and TSA's of the root (P-384 signatures, without tables).
    links: std::sync::OnceLock<Vec<crate::chain::Link>>,
    pub(crate) valid_for: Option<TimeRange>,
}

impl Authority {
    /// Each certificate's issuer within the chain (linked at the first call).
    pub(crate) fn links(&self) -> &[crate::chain::Link] {
        self.links
            .get_or_init(|| crate::chain::link(&self.chain, &self.keys))
    }

    pub(crate) fn valid_at(&self, t: Timestamp) -> bool {
        self.valid_for.as_ref().is_none_or(|r| r.contains(t))
    }
}

#[derive(Debug)]
struct Inner {
    digest: String,
    tlogs: Vec<Log>,
    ctlogs: Vec<Log>,
    cas: Vec<Authority>,
    tsas: Vec<Authority>,
}

/// A trusted root, prepared for verification, and where it came from ([`TrustMaterial::origin`]).
/// Cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct TrustMaterial(Arc<Inner>, Arc<str>);

/// The origin of a root handed over as bytes, when the host says nothing more.
pub const ORIGIN_GIVEN: &str = "given";

/// The origin of a root embedded in verdict (public good, GitHub).
pub const ORIGIN_EMBEDDED: &str = "embedded";

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .to_string()
}

fn prepare_log(log: &verdict_bundle::TransparencyLog) -> Result<Log> {
    let raw = &log.public_key.raw_bytes;
    let pkcs1 = matches!(&log.public_key.key_details, verdict_bundle::KeyDetails::Other(d) if d.starts_with("PKCS1_RSA"));
    let parsed = if pkcs1 {
        PublicKey::from_pkcs1_rsa_der(raw)
    } else {
        PublicKey::from_spki_der(raw)
    };
    let key = parsed.map_err(|e| {
        Error::new(
            ErrorCode::MalformedTrustedRoot,
            format!("log {} key: {}", log.base_url, e.message()),
        )
    })?;
    let hint_source = log.checkpoint_key_id.as_deref().unwrap_or(&log.log_id);
    let mut key_hint = [0u8; 4];
    if hint_source.len() >= 4 {
        key_hint.copy_from_slice(&hint_source[..4]);
    }
    Ok(Log {
        base_url: log.base_url.clone(),
        host: host_of(&log.base_url),
        log_id: log.log_id.clone(),
        key,
        valid_for: log.public_key.valid_for,
        key_hint,
    })
}

fn prepare_authority(ca: &verdict_bundle::CertificateAuthority) -> Result<Authority> {
    let chain = ca
        .cert_chain
        .iter()
        .map(|der| Cert::parse(der))
        .collect::<Result<Vec<_>>>()
        .map_err(|e| {
            Error::new(
                ErrorCode::MalformedTrustedRoot,
                format!("authority {}: {}", ca.uri, e.message()),
            )
        })?;
    let keys: Vec<Option<PublicKey>> = chain.iter().map(|c| c.public_key().ok()).collect();
    Ok(Authority {
        uri: ca.uri.clone(),
        chain,
        keys,
        links: std::sync::OnceLock::new(),
        valid_for: ca.valid_for,
    })
}

impl TrustMaterial {
    /// Parses and prepares a trusted root (or `ClientTrustConfig`) from JSON bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let root = TrustedRoot::parse(bytes)
            .map_err(|e| Error::new(ErrorCode::MalformedTrustedRoot, e.to_string()))?;
        Self::prepare(&root, hex(&sha256(bytes)))
    }

    /// The embedded public-good production root, prepared once per process.
    pub fn public_good() -> Self {
        static ROOT: std::sync::OnceLock<TrustMaterial> = std::sync::OnceLock::new();
        ROOT.get_or_init(|| {
            Self::from_json(crate::PUBLIC_GOOD_TRUSTED_ROOT)
                .expect("embedded public-good root is valid")
                .with_origin(ORIGIN_EMBEDDED)
        })
        .clone()
    }

    /// The embedded GitHub root, prepared once per process.
    pub fn github() -> Self {
        static ROOT: std::sync::OnceLock<TrustMaterial> = std::sync::OnceLock::new();
        ROOT.get_or_init(|| {
            Self::from_json(crate::GITHUB_TRUSTED_ROOT)
                .expect("embedded GitHub root is valid")
                .with_origin(ORIGIN_EMBEDDED)
        })
        .clone()
    }

    /// Prepares a parsed trusted root; `digest` identifies it (hex SHA-256 of its JSON).
    pub fn prepare(root: &TrustedRoot, digest: String) -> Result<Self> {
        Ok(TrustMaterial(
            Arc::new(Inner {
                digest,
                tlogs: root.tlogs.iter().map(prepare_log).collect::<Result<_>>()?,
                ctlogs: root.ctlogs.iter().map(prepare_log).collect::<Result<_>>()?,
                cas: root
                    .certificate_authorities
                    .iter()
                    .map(prepare_authority)
                    .collect::<Result<_>>()?,
                tsas: root
                    .timestamp_authorities
                    .iter()
                    .map(prepare_authority)
                    .collect::<Result<_>>()?,
            }),
            Arc::from(ORIGIN_GIVEN),
        ))
    }

    /// The same root, recorded as coming from `origin` (what a host knows of it: `embedded`,
    /// `given`, or e.g. `tuf:<repository>` for a root a TUF update verified).
    #[must_use]
    pub fn with_origin(mut self, origin: &str) -> Self {
        self.1 = Arc::from(origin);
        self
    }

    /// Where the root came from: [`ORIGIN_EMBEDDED`], [`ORIGIN_GIVEN`], or what the host said
    /// ([`TrustMaterial::with_origin`]). Recorded in verdicts beside the digest.
    pub fn origin(&self) -> &str {
        &self.1
    }

    /// `sha256:<hex>` of the trusted root's JSON.
    pub fn digest(&self) -> String {
        format!("sha256:{}", self.0.digest)
    }

    /// A JSON summary: logs, CAs and TSAs with their validity (for `verdict verify --format`).
    pub fn summary(&self) -> serde_json::Value {
        let range = |r: &Option<TimeRange>| match r {
            None => serde_json::json!({}),
            Some(r) => serde_json::json!({
                "start": r.start.map(|t| t.to_rfc3339()),
                "end": r.end.map(|t| t.to_rfc3339()),
            }),
        };
        let logs = |l: &[Log]| {
            l.iter()
                .map(|l| serde_json::json!({"url": l.base_url, "logID": hex(&l.log_id), "key": l.key.algorithm(), "validFor": range(&l.valid_for)}))
                .collect::<Vec<_>>()
        };
        let auths = |a: &[Authority]| {
            a.iter()
                .map(|a| serde_json::json!({"uri": a.uri, "validFor": range(&a.valid_for)}))
                .collect::<Vec<_>>()
        };
        serde_json::json!({
            "digest": self.digest(),
            "tlogs": logs(&self.0.tlogs),
            "ctlogs": logs(&self.0.ctlogs),
            "certificateAuthorities": auths(&self.0.cas),
            "timestampAuthorities": auths(&self.0.tsas),
        })
    }

    pub(crate) fn tlog(&self, log_id: &[u8]) -> Option<&Log> {
        self.0.tlogs.iter().find(|l| l.log_id == log_id)
    }

    /// Builds now the tables verification otherwise builds at a key's third use
    /// (verdict-ecdsa): for every log's key, every CA's and TSA's issuing key (within the
    /// cap on key tables), and both curves' generators. For a root prepared once and snapshotted
    /// — a deployed service, whose every request starts from the snapshot and would never reach
    /// a third use — each verification then starts with them; and every chain linked. Changes no
    /// outcome.
    pub fn precompute(&self) {
        verdict_ecdsa::precompute_generators();
        // Every chain linked now (a verification links its authority's at first use).
        for authority in self.0.cas.iter().chain(&self.0.tsas) {
            authority.links();
        }
        let logs = self.0.tlogs.iter().chain(&self.0.ctlogs).map(|l| &l.key);
        let issuers = (self.0.cas.iter().chain(&self.0.tsas))
            .filter_map(|a| a.keys.first().and_then(Option::as_ref));
        // The issuing keys first: every bundle's leaf certificate and timestamp use one, and a
        // root with more log keys than the cap must not leave them without.
        for key in issuers.chain(logs) {
            key.precompute();
        }
    }

    pub(crate) fn tlogs(&self) -> &[Log] {
        &self.0.tlogs
    }

    pub(crate) fn ctlogs(&self) -> &[Log] {
        &self.0.ctlogs
    }

    pub(crate) fn cas(&self) -> &[Authority] {
        &self.0.cas
    }

    pub(crate) fn tsas(&self) -> &[Authority] {
        &self.0.tsas
    }
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_precomputed_root_verifies_as_before() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/sigstore-conformance/test/assets/bundle-verify");
        let artifact = std::fs::read(dir.join("a.txt")).unwrap();
        let policy = crate::Policy::new(crate::Identity::AnyCertificate);
        // Two roots of their own (public_good() is one shared root): only `warm`'s keys get
        // tables here. The generators' tables are the process's, shared by both; and other
        // tests of this process may have reached the key-table cap first — the ECDSA
        // differential tests of verdict-ecdsa take every table path for certain.
        let cold = crate::TrustMaterial::from_json(crate::PUBLIC_GOOD_TRUSTED_ROOT).unwrap();
        let warm = crate::TrustMaterial::from_json(crate::PUBLIC_GOOD_TRUSTED_ROOT).unwrap();
        warm.precompute();
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let bundle = entry.unwrap().path().join("bundle.sigstore.json");
            let Ok(bundle) = std::fs::read(&bundle) else {
                continue;
            };
            let outcome = |trust| {
                crate::verify(trust, &bundle, crate::Artifact::Bytes(&artifact), &policy)
                    .map(|_| ())
                    .map_err(|e| e.code())
            };
            assert_eq!(outcome(&cold), outcome(&warm));
            checked += 1;
        }
        assert!(checked > 40, "{checked} bundles");
    }
}
