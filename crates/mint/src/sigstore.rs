//! The private Sigstore: Fulcio-like CAs, a CT log, a Rekor log and a TSA, all derived from a
//! seed, and the trusted root JSON that trusts them.

use der::Encode as _;
use serde::Serialize;
use x509_cert::Certificate;
use x509_cert::name::Name;

use crate::identity::Identity;
use crate::keys::Key;
use crate::rekor;
use crate::tsa::Tsa;
use crate::util::{b64, json_pretty, pem, rfc3339, sha256};
use crate::x509::{self, CertSpec, fulcio_ext, leaf_base_extensions, name};

/// The Fulcio CA's `baseUrl`/`uri` in the trusted root.
pub const FULCIO_URL: &str = "https://fulcio.mint.verdict.test";
/// The second ("other DN") CA's `uri`.
pub const OTHER_CA_URL: &str = "https://fulcio-legacy.mint.verdict.test";
/// The Rekor log's `baseUrl`.
pub const REKOR_URL: &str = "https://rekor.mint.verdict.test";
/// The CT log's `baseUrl`.
pub const CTLOG_URL: &str = "https://ctfe.mint.verdict.test/2025";
/// The TSA's `uri`.
pub const TSA_URL: &str = "https://tsa.mint.verdict.test/api/v1/timestamp";
/// Start of every validity window of the trusted root (2025-01-01T00:00:00Z).
pub const VALID_FROM: i64 = 1_735_689_600;
/// End of the CA certificates' validity (2035-01-01T00:00:00Z).
pub const VALID_UNTIL: i64 = 2_051_222_400;
/// Go's rendering of the Fulcio intermediate's subject: what Buildx's `kind` classification
/// looks for.
pub const FULCIO_ISSUER_DN: &str = "CN=sigstore-intermediate,O=sigstore.dev";
/// Go's rendering of the other CA's subject (the 2021–22 public-good CA's DN).
pub const OTHER_ISSUER_DN: &str = "CN=sigstore,O=sigstore.dev";

/// Which CA issues a leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Issuer {
    /// The trusted Fulcio intermediate `O=sigstore.dev, CN=sigstore-intermediate` (under a
    /// root `O=sigstore.dev, CN=sigstore`).
    #[default]
    Fulcio,
    /// A second trusted CA whose DN is not the intermediate's (`O=sigstore.dev,
    /// CN=sigstore`, self-signed): bundles verify, Buildx calls the signer `untrusted`.
    OtherDn,
    /// A CA that is not in the trusted root, with the *same* DN as the Fulcio intermediate:
    /// verification fails (`certificate-chain`).
    Foreign,
}

/// A certificate authority: key, certificate, subject.
#[derive(Debug, Clone)]
pub struct Ca {
    /// The signing key.
    pub key: Key,
    /// The certificate.
    pub cert: Certificate,
    /// Its subject.
    pub name: Name,
}

impl Ca {
    /// The certificate's DER.
    pub fn der(&self) -> Vec<u8> {
        self.cert.to_der().expect("certificate encodes")
    }
}

/// A private Sigstore deployment derived from a seed (like sigstore-go's `VirtualSigstore`,
/// without randomness).
#[derive(Debug, Clone)]
pub struct VirtualSigstore {
    seed: String,
    /// Fulcio root `O=sigstore.dev, CN=sigstore`.
    pub fulcio_root: Ca,
    /// Fulcio intermediate `O=sigstore.dev, CN=sigstore-intermediate` (path length 0).
    pub fulcio_intermediate: Ca,
    /// The other trusted CA (see [`Issuer::OtherDn`]).
    pub other_ca: Ca,
    /// The untrusted CA (see [`Issuer::Foreign`]).
    pub foreign_ca: Ca,
    /// The CT log's key (its log ID is SHA-256 of the SPKI).
    pub ctlog: Key,
    /// The Rekor log.
    pub rekor: rekor::Log,
    /// The TSA root.
    pub tsa_root: Ca,
    /// The TSA (signing certificate issued by the TSA root).
    pub tsa: Tsa,
}

impl Default for VirtualSigstore {
    fn default() -> Self {
        VirtualSigstore::new("default")
    }
}

/// Trusted root JSON shapes (protobuf-specs names, in the order public-good's root uses).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TrustedRootJson {
    media_type: &'static str,
    tlogs: Vec<LogJson>,
    certificate_authorities: Vec<AuthorityJson>,
    ctlogs: Vec<LogJson>,
    timestamp_authorities: Vec<AuthorityJson>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogJson {
    base_url: String,
    hash_algorithm: &'static str,
    public_key: PublicKeyJson,
    log_id: rekor::KeyId,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PublicKeyJson {
    raw_bytes: String,
    key_details: &'static str,
    valid_for: ValidFor,
}

#[derive(Serialize)]
struct ValidFor {
    start: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AuthorityJson {
    subject: SubjectJson,
    uri: String,
    cert_chain: CertChain,
    valid_for: ValidFor,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SubjectJson {
    organization: String,
    common_name: String,
}

#[derive(Serialize)]
struct CertChain {
    certificates: Vec<RawBytes>,
}

/// `{rawBytes}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RawBytes {
    /// Base64 DER.
    pub raw_bytes: String,
}

impl VirtualSigstore {
    /// The deployment derived from `seed`: every key is labelled `<seed>/<role>`.
    pub fn new(seed: &str) -> VirtualSigstore {
        let key = |role: &str| Key::from_label(&format!("{seed}/{role}"));
        let validity = (VALID_FROM, VALID_UNTIL);
        let ca = |role: &str, n: Name, k: Key, issuer: Option<&Ca>, path_len| {
            let cert = x509::ca(
                &format!("{seed}/{role}"),
                n.clone(),
                &k,
                issuer.map(|i| (&i.name, &i.key)),
                path_len,
                validity,
            );
            Ca {
                key: k,
                cert,
                name: n,
            }
        };
        let fulcio_root = ca(
            "fulcio-root",
            name("sigstore.dev", "sigstore"),
            key("fulcio-root"),
            None,
            Some(1),
        );
        let fulcio_intermediate = ca(
            "fulcio-intermediate",
            name("sigstore.dev", "sigstore-intermediate"),
            key("fulcio-intermediate"),
            Some(&fulcio_root),
            Some(0),
        );
        let other_ca = ca(
            "other-ca",
            name("sigstore.dev", "sigstore"),
            key("other-ca"),
            None,
            Some(0),
        );
        let foreign_ca = ca(
            "foreign-ca",
            name("sigstore.dev", "sigstore-intermediate"),
            key("foreign-ca"),
            None,
            Some(0),
        );
        let tsa_root = ca(
            "tsa-root",
            name("sigstore.dev", "sigstore-tsa-selfsigned"),
            key("tsa-root"),
            None,
            Some(0),
        );
        let tsa_key = key("tsa");
        let tsa_name = name("sigstore.dev", "sigstore-tsa");
        let tsa = Tsa {
            cert: x509::tsa_leaf(
                &format!("{seed}/tsa"),
                tsa_name,
                &tsa_key,
                (&tsa_root.name, &tsa_root.key),
                validity,
            ),
            key: tsa_key,
        };
        let tree_id = u64::from_be_bytes(
            sha256(format!("{seed}/tree").as_bytes())[..8]
                .try_into()
                .expect("8 bytes"),
        ) >> 1;
        VirtualSigstore {
            seed: seed.to_string(),
            fulcio_root,
            fulcio_intermediate,
            other_ca,
            foreign_ca,
            ctlog: key("ctlog"),
            rekor: rekor::Log {
                key: key("rekor"),
                host: REKOR_URL.trim_start_matches("https://").to_string(),
                tree_id,
            },
            tsa_root,
            tsa,
        }
    }

    /// The seed.
    pub fn seed(&self) -> &str {
        &self.seed
    }

    /// The trusted root (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`) trusting
    /// the Rekor log, both trusted CAs (not the foreign one), the CT log and the TSA, each
    /// valid from [`VALID_FROM`] on. Pretty-printed JSON.
    pub fn trusted_root_json(&self) -> Vec<u8> {
        let valid = || ValidFor {
            start: rfc3339(VALID_FROM),
        };
        let log = |url: &str, k: &Key| LogJson {
            base_url: url.to_string(),
            hash_algorithm: "SHA2_256",
            public_key: PublicKeyJson {
                raw_bytes: b64(&k.spki_der()),
                key_details: "PKIX_ECDSA_P256_SHA_256",
                valid_for: valid(),
            },
            log_id: rekor::KeyId {
                key_id: b64(&k.log_id()),
            },
        };
        let authority = |cn: &str, uri: &str, chain: &[&Ca]| AuthorityJson {
            subject: SubjectJson {
                organization: "sigstore.dev".into(),
                common_name: cn.into(),
            },
            uri: uri.into(),
            cert_chain: CertChain {
                certificates: chain
                    .iter()
                    .map(|c| RawBytes {
                        raw_bytes: b64(&c.der()),
                    })
                    .collect(),
            },
            valid_for: valid(),
        };
        let tsa_ca = Ca {
            key: self.tsa.key.clone(),
            cert: self.tsa.cert.clone(),
            name: self.tsa.cert.tbs_certificate.subject.clone(),
        };
        let root = TrustedRootJson {
            media_type: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            tlogs: vec![log(REKOR_URL, &self.rekor.key)],
            certificate_authorities: vec![
                authority("sigstore", OTHER_CA_URL, &[&self.other_ca]),
                authority(
                    "sigstore",
                    FULCIO_URL,
                    &[&self.fulcio_intermediate, &self.fulcio_root],
                ),
            ],
            ctlogs: vec![log(CTLOG_URL, &self.ctlog)],
            timestamp_authorities: vec![authority(
                "sigstore-tsa-selfsigned",
                TSA_URL,
                &[&tsa_ca, &self.tsa_root],
            )],
        };
        let mut out = json_pretty(&root);
        out.push(b'\n');
        out
    }

    fn issuer_ca(&self, issuer: Issuer) -> &Ca {
        match issuer {
            Issuer::Fulcio => &self.fulcio_intermediate,
            Issuer::OtherDn => &self.other_ca,
            Issuer::Foreign => &self.foreign_ca,
        }
    }

    /// Issues a Fulcio-style leaf for `identity` and `key`, valid `[not_before, not_after]`,
    /// with an embedded precertificate SCT (timestamp `not_before`) when `sct` is set. DER.
    pub fn issue_leaf(
        &self,
        identity: &Identity,
        key: &Key,
        issuer: Issuer,
        not_before: i64,
        not_after: i64,
        sct: bool,
    ) -> Vec<u8> {
        let ca = self.issuer_ca(issuer);
        let mut extensions = leaf_base_extensions(key, &ca.key);
        extensions.push(identity.san.extension());
        for (arc, value) in identity.deprecated_extensions() {
            extensions.push(x509::fulcio_raw_ext(arc, &value));
        }
        for (arc, value) in identity.fulcio_extensions() {
            extensions.push(fulcio_ext(arc, value));
        }
        let mut tbs = x509::tbs(CertSpec {
            serial_seed: &format!("{}/leaf/{}", self.seed, key.label()),
            issuer: ca.name.clone(),
            subject: Name::default(),
            not_before,
            not_after,
            subject_key: key,
            extensions,
        });
        if sct {
            let precert_tbs = tbs.to_der().expect("TBS encodes");
            let issuer_key_hash = sha256(&ca.key.spki_der());
            let list = crate::ct::sct_list(&self.ctlog, not_before, &issuer_key_hash, &precert_tbs);
            tbs.extensions
                .as_mut()
                .expect("extensions")
                .push(crate::ct::sct_extension(&list));
        }
        x509::sign(tbs, &ca.key)
            .to_der()
            .expect("certificate encodes")
    }

    /// PEM of a DER certificate.
    pub fn cert_pem(der: &[u8]) -> String {
        pem("CERTIFICATE", der)
    }
}
