//! X.509 certificates built field by field (no builder, no randomness): CAs, Fulcio-style
//! leaves and the TSA's signing certificate.

use core::time::Duration;

use const_oid::AssociatedOid;
use der::asn1::{Any, Ia5String, ObjectIdentifier, OctetString, SetOfVec, UtcTime, Utf8StringRef};
use der::{Encode, Tag};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::keys::{Key, ecdsa_sha256};
use crate::util::sha256;

/// `O=<organization>, CN=<common name>` (RDNs in that order, PrintableString values), which Go
/// renders `CN=<common name>,O=<organization>`.
pub fn name(organization: &str, common_name: &str) -> Name {
    let rdn = |oid: ObjectIdentifier, v: &str| {
        let value = if v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
        {
            Any::new(Tag::PrintableString, v.as_bytes()).expect("printable string")
        } else {
            Any::new(Tag::Utf8String, v.as_bytes()).expect("utf8 string")
        };
        RelativeDistinguishedName(
            SetOfVec::try_from(vec![AttributeTypeAndValue { oid, value }]).expect("one value"),
        )
    };
    RdnSequence(vec![
        rdn(const_oid::db::rfc4519::O, organization),
        rdn(const_oid::db::rfc4519::CN, common_name),
    ])
}

/// A DER extension from a typed value.
pub(crate) fn ext<T: AssociatedOid + Encode>(value: &T, critical: bool) -> Extension {
    Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der().expect("extension encodes")).expect("octets"),
    }
}

/// A Fulcio extension `1.3.6.1.4.1.57264.1.<arc>` holding a DER UTF8String.
pub(crate) fn fulcio_ext(arc: u32, value: &str) -> Extension {
    let oid = ObjectIdentifier::new(&format!("1.3.6.1.4.1.57264.1.{arc}")).expect("Fulcio OID");
    let der = Utf8StringRef::new(value)
        .expect("UTF-8")
        .to_der()
        .expect("UTF8String encodes");
    Extension {
        extn_id: oid,
        critical: false,
        extn_value: OctetString::new(der).expect("octets"),
    }
}

/// A deprecated Fulcio extension `1.3.6.1.4.1.57264.1.<arc>` holding the raw value bytes.
pub(crate) fn fulcio_raw_ext(arc: u32, value: &str) -> Extension {
    let oid = ObjectIdentifier::new(&format!("1.3.6.1.4.1.57264.1.{arc}")).expect("Fulcio OID");
    Extension {
        extn_id: oid,
        critical: false,
        extn_value: OctetString::new(value.as_bytes()).expect("octets"),
    }
}

fn time(unix: i64) -> Time {
    let d = Duration::from_secs(u64::try_from(unix).expect("time after 1970"));
    Time::UtcTime(UtcTime::from_unix_duration(d).expect("time before 2050"))
}

/// A positive serial number derived from `seed`.
pub(crate) fn serial(seed: &str) -> SerialNumber {
    let mut bytes = sha256(format!("verdict-mint serial {seed}").as_bytes())[..16].to_vec();
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01; // no leading zero byte: fixed length 16
    SerialNumber::new(&bytes).expect("serial")
}

/// The RFC 5280 method-1 key identifier (SHA-1 of the public key bits).
pub(crate) fn key_id(key: &Key) -> OctetString {
    use sha1::Digest as _;
    let spki = key.spki();
    let id = sha1::Sha1::digest(spki.subject_public_key.raw_bytes());
    OctetString::new(id.to_vec()).expect("octets")
}

/// What goes into one certificate.
pub(crate) struct CertSpec<'a> {
    pub(crate) serial_seed: &'a str,
    pub(crate) issuer: Name,
    pub(crate) subject: Name,
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
    pub(crate) subject_key: &'a Key,
    pub(crate) extensions: Vec<Extension>,
}

/// The TBS part of a certificate.
pub(crate) fn tbs(spec: CertSpec<'_>) -> TbsCertificate {
    TbsCertificate {
        version: Version::V3,
        serial_number: serial(spec.serial_seed),
        signature: ecdsa_sha256(),
        issuer: spec.issuer,
        validity: Validity {
            not_before: time(spec.not_before),
            not_after: time(spec.not_after),
        },
        subject: spec.subject,
        subject_public_key_info: spec.subject_key.spki(),
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(spec.extensions),
    }
}

/// Signs a TBS certificate with the issuer's key.
pub(crate) fn sign(tbs: TbsCertificate, issuer_key: &Key) -> Certificate {
    let sig = issuer_key.sign(&tbs.to_der().expect("TBS encodes"));
    Certificate {
        tbs_certificate: tbs,
        signature_algorithm: ecdsa_sha256(),
        signature: der::asn1::BitString::from_bytes(&sig).expect("bit string"),
    }
}

/// A CA certificate: self-signed when `issuer` is `None`.
pub(crate) fn ca(
    serial_seed: &str,
    subject: Name,
    key: &Key,
    issuer: Option<(&Name, &Key)>,
    path_len: Option<u8>,
    validity: (i64, i64),
) -> Certificate {
    let (issuer_name, issuer_key) = match issuer {
        Some((n, k)) => (n.clone(), k),
        None => (subject.clone(), key),
    };
    let mut extensions = vec![
        ext(&KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign), true),
        ext(
            &BasicConstraints {
                ca: true,
                path_len_constraint: path_len,
            },
            true,
        ),
        ext(&SubjectKeyIdentifier(key_id(key)), false),
    ];
    if issuer.is_some() {
        extensions.push(ext(&authority_key_id(issuer_key), false));
    }
    let t = tbs(CertSpec {
        serial_seed,
        issuer: issuer_name,
        subject,
        not_before: validity.0,
        not_after: validity.1,
        subject_key: key,
        extensions,
    });
    sign(t, issuer_key)
}

pub(crate) fn authority_key_id(issuer_key: &Key) -> AuthorityKeyIdentifier {
    AuthorityKeyIdentifier {
        key_identifier: Some(key_id(issuer_key)),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    }
}

/// A timestamping leaf: KeyUsage digitalSignature, critical EKU timeStamping.
pub(crate) fn tsa_leaf(
    serial_seed: &str,
    subject: Name,
    key: &Key,
    issuer: (&Name, &Key),
    validity: (i64, i64),
) -> Certificate {
    let extensions = vec![
        ext(&KeyUsage(KeyUsages::DigitalSignature.into()), true),
        ext(
            &ExtendedKeyUsage(vec![const_oid::db::rfc5280::ID_KP_TIME_STAMPING]),
            true,
        ),
        ext(&SubjectKeyIdentifier(key_id(key)), false),
        ext(&authority_key_id(issuer.1), false),
    ];
    let t = tbs(CertSpec {
        serial_seed,
        issuer: issuer.0.clone(),
        subject,
        not_before: validity.0,
        not_after: validity.1,
        subject_key: key,
        extensions,
    });
    sign(t, issuer.1)
}

/// A subject alternative name of a Fulcio leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum San {
    /// A URI (CI workload identities).
    Uri(String),
    /// An email address (human identities).
    Email(String),
}

impl San {
    /// The SAN as a string.
    pub fn as_str(&self) -> &str {
        match self {
            San::Uri(s) | San::Email(s) => s,
        }
    }

    pub(crate) fn extension(&self) -> Extension {
        let ia5 = Ia5String::new(self.as_str()).expect("ASCII SAN");
        let gn = match self {
            San::Uri(_) => GeneralName::UniformResourceIdentifier(ia5),
            San::Email(_) => GeneralName::Rfc822Name(ia5),
        };
        ext(&SubjectAltName(vec![gn]), true)
    }
}

/// The leaf profile's fixed extensions: KeyUsage digitalSignature, EKU codeSigning, SKI, AKI.
pub(crate) fn leaf_base_extensions(key: &Key, issuer_key: &Key) -> Vec<Extension> {
    vec![
        ext(&KeyUsage(KeyUsages::DigitalSignature.into()), true),
        ext(
            &ExtendedKeyUsage(vec![const_oid::db::rfc5280::ID_KP_CODE_SIGNING]),
            false,
        ),
        ext(&SubjectKeyIdentifier(key_id(key)), false),
        ext(&authority_key_id(issuer_key), false),
    ]
}
