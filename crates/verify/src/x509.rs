//! X.509 certificates: parsing and the accessors the checks need (RFC 5280).

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode, Tagged};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName};

use crate::crypto::{PublicKey, Scheme};
use crate::error::{Error, ErrorCode, Result};
use verdict_bundle::Timestamp;

/// A parsed certificate with its DER encoding.
#[derive(Debug, Clone)]
pub(crate) struct Cert {
    pub(crate) der: Vec<u8>,
    pub(crate) cert: Certificate,
    pub(crate) tbs_der: Vec<u8>,
    subject_der: Vec<u8>,
    issuer_der: Vec<u8>,
}

fn bad(msg: impl Into<String>) -> Error {
    Error::new(ErrorCode::MalformedCertificate, msg)
}

/// A subject alternative name of the kinds Fulcio issues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum San {
    Email(String),
    Uri(String),
    /// The Fulcio username otherName (`1.3.6.1.4.1.57264.1.7`, UTF8String).
    Username(String),
    Other,
}

pub(crate) const FULCIO_USERNAME: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.7");

impl Cert {
    pub(crate) fn parse(der: &[u8]) -> Result<Self> {
        let cert = Certificate::from_der(der)
            .map_err(|e| bad(format!("certificate does not parse: {e}")))?;
        let tbs_der = crate::crypto::to_der(&cert.tbs_certificate)?;
        let subject_der = crate::crypto::to_der(&cert.tbs_certificate.subject)?;
        let issuer_der = crate::crypto::to_der(&cert.tbs_certificate.issuer)?;
        Ok(Cert {
            der: der.to_vec(),
            cert,
            tbs_der,
            subject_der,
            issuer_der,
        })
    }

    pub(crate) fn not_before(&self) -> Timestamp {
        Timestamp::from_secs(
            self.cert
                .tbs_certificate
                .validity
                .not_before
                .to_unix_duration()
                .as_secs() as i64,
        )
    }

    pub(crate) fn not_after(&self) -> Timestamp {
        Timestamp::from_secs(
            self.cert
                .tbs_certificate
                .validity
                .not_after
                .to_unix_duration()
                .as_secs() as i64,
        )
    }

    /// Whether `t` lies in `[notBefore, notAfter]` (RFC 5280 §4.1.2.5: both inclusive).
    pub(crate) fn valid_at(&self, t: Timestamp) -> bool {
        self.not_before() <= t && t <= self.not_after()
    }

    pub(crate) fn spki_der(&self) -> Result<Vec<u8>> {
        crate::crypto::to_der(&self.cert.tbs_certificate.subject_public_key_info)
    }

    pub(crate) fn public_key(&self) -> Result<PublicKey> {
        PublicKey::from_spki_der(&self.spki_der()?)
    }

    pub(crate) fn subject_der(&self) -> &[u8] {
        &self.subject_der
    }

    pub(crate) fn issuer_der(&self) -> &[u8] {
        &self.issuer_der
    }

    /// Whether the certificate is self-issued (subject = issuer).
    pub(crate) fn self_issued(&self) -> bool {
        self.subject_der == self.issuer_der
    }

    pub(crate) fn serial(&self) -> &[u8] {
        self.cert.tbs_certificate.serial_number.as_bytes()
    }

    /// Whether this certificate's signature verifies with `issuer`'s key.
    pub(crate) fn signed_by(&self, issuer: &PublicKey) -> Result<bool> {
        let scheme = Scheme::from_algorithm(&self.cert.signature_algorithm)?;
        let sig = self
            .cert
            .signature
            .as_bytes()
            .ok_or_else(|| bad("unaligned signature"))?;
        Ok(issuer.verify_with(scheme, &self.tbs_der, sig))
    }

    pub(crate) fn extensions(&self) -> &[x509_cert::ext::Extension] {
        self.cert
            .tbs_certificate
            .extensions
            .as_deref()
            .unwrap_or(&[])
    }

    pub(crate) fn extension(&self, oid: ObjectIdentifier) -> Option<&x509_cert::ext::Extension> {
        self.extensions().iter().find(|e| e.extn_id == oid)
    }

    fn decode_ext<'a, T: Decode<'a>>(
        &'a self,
        oid: ObjectIdentifier,
        what: &str,
    ) -> Result<Option<T>> {
        match self.extension(oid) {
            None => Ok(None),
            Some(e) => T::from_der(e.extn_value.as_bytes())
                .map(Some)
                .map_err(|err| bad(format!("{what}: {err}"))),
        }
    }

    pub(crate) fn basic_constraints(&self) -> Result<Option<BasicConstraints>> {
        self.decode_ext(
            const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS,
            "basicConstraints",
        )
    }

    pub(crate) fn is_ca(&self) -> Result<bool> {
        Ok(self.basic_constraints()?.is_some_and(|b| b.ca))
    }

    pub(crate) fn key_usage(&self) -> Result<Option<KeyUsage>> {
        self.decode_ext(const_oid::db::rfc5280::ID_CE_KEY_USAGE, "keyUsage")
    }

    pub(crate) fn extended_key_usage(&self) -> Result<Option<ExtendedKeyUsage>> {
        self.decode_ext(
            const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE,
            "extendedKeyUsage",
        )
    }

    pub(crate) fn sans(&self) -> Result<Vec<San>> {
        let Some(san) = self.decode_ext::<SubjectAltName>(
            const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME,
            "subjectAltName",
        )?
        else {
            return Ok(Vec::new());
        };
        Ok(san
            .0
            .into_iter()
            .map(|g| match g {
                GeneralName::Rfc822Name(s) => San::Email(s.to_string()),
                GeneralName::UniformResourceIdentifier(s) => San::Uri(s.to_string()),
                GeneralName::OtherName(o) if o.type_id == FULCIO_USERNAME => o
                    .value
                    .decode_as::<der::asn1::Utf8StringRef<'_>>()
                    .map(|s| San::Username(s.to_string()))
                    .unwrap_or(San::Other),
                _ => San::Other,
            })
            .collect())
    }

    /// The issuer DN rendered like Go's `pkix.Name.String()`.
    pub(crate) fn issuer_go_string(&self) -> String {
        go_name_string(&self.cert.tbs_certificate.issuer)
    }
}

/// Renders a distinguished name as Go's `pkix.Name.String()` does (RFC 2253 order: the RDN
/// sequence reversed, comma-joined; multi-valued RDNs joined with `+`).
pub(crate) fn go_name_string(name: &x509_cert::name::Name) -> String {
    use const_oid::db::rfc4519 as n;
    let mut parts = Vec::new();
    for rdn in name.0.iter().rev() {
        let mut atvs = Vec::new();
        for atv in rdn.0.iter() {
            let key = match atv.oid {
                o if o == n::CN => "CN",
                o if o == n::C => "C",
                o if o == n::O => "O",
                o if o == n::OU => "OU",
                o if o == n::L => "L",
                o if o == n::ST => "ST",
                o if o == n::STREET => "STREET",
                o if o == n::POSTAL_CODE => "POSTALCODE",
                o if o == n::SERIAL_NUMBER => "SERIALNUMBER",
                _ => "",
            };
            let text = any_string(&atv.value);
            match (key, text) {
                ("", _) | (_, None) => {
                    let der = atv.value.to_der().unwrap_or_default();
                    let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
                    atvs.push(format!("{}=#{hex}", atv.oid));
                }
                (key, Some(v)) => atvs.push(format!("{key}={}", escape_dn(&v))),
            }
        }
        parts.push(atvs.join("+"));
    }
    parts.join(",")
}

fn any_string(v: &der::Any) -> Option<String> {
    use der::Tag;
    match v.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::TeletexString
        | Tag::VisibleString => core::str::from_utf8(v.value()).ok().map(str::to_string),
        _ => None,
    }
}

/// RFC 2253 §2.4 escaping, as Go's `escape` in crypto/x509/pkix does.
fn escape_dn(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == ' ' || c == '#'))
            || (i == chars.len() - 1 && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
