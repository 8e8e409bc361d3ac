//! An RFC 3161 timestamp authority: a `TimeStampResp` holding a CMS SignedData
//! `TimeStampToken` over a TSTInfo, signed attributes content-type, message-digest and
//! signing-certificate-v2 (ESSCertIDv2, SHA-256 default), with the TSA certificate embedded.

use core::time::Duration;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, GeneralizedTime, ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use der::{Decode as _, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

use crate::keys::{Key, ecdsa_sha256};
use crate::util::sha256;

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// The TSA policy OID (Sigstore's timestamp-authority uses `1.3.6.1.4.1.57264.2`).
const TSA_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.2");

#[derive(Sequence)]
struct MessageImprint {
    hash_algorithm: AlgorithmIdentifierOwned,
    hashed_message: OctetString,
}

#[derive(Sequence)]
struct TstInfo {
    version: u8,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: u64,
    gen_time: GeneralizedTime,
}

#[derive(Sequence)]
struct PkiStatusInfo {
    status: u8,
}

#[derive(Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    time_stamp_token: ContentInfo,
}

#[derive(Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
}

#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ID_SHA256,
        parameters: Some(Any::null()),
    }
}

fn attribute(oid: ObjectIdentifier, value: &impl Encode) -> Attribute {
    Attribute {
        oid,
        values: SetOfVec::try_from(vec![
            Any::from_der(&value.to_der().expect("attribute encodes")).expect("decodes"),
        ])
        .expect("one value"),
    }
}

/// The TSA: its signing key and certificate.
#[derive(Debug, Clone)]
pub struct Tsa {
    /// The signing key.
    pub key: Key,
    /// The TSA's signing certificate (EKU timeStamping).
    pub cert: Certificate,
}

impl Tsa {
    /// A DER `TimeStampResp` (status granted) timestamping `signature` at `gen_time`.
    pub fn timestamp(&self, signature: &[u8], gen_time: i64) -> Vec<u8> {
        let secs = u64::try_from(gen_time).expect("time after 1970");
        let gen_time =
            GeneralizedTime::from_unix_duration(Duration::from_secs(secs)).expect("time");
        let serial = u64::from_be_bytes(
            sha256(&[signature, &secs.to_be_bytes()].concat())[..8]
                .try_into()
                .expect("8 bytes"),
        ) >> 1;
        let tst = TstInfo {
            version: 1,
            policy: TSA_POLICY,
            message_imprint: MessageImprint {
                hash_algorithm: sha256_alg(),
                hashed_message: OctetString::new(sha256(signature).to_vec()).expect("octets"),
            },
            serial_number: serial,
            gen_time,
        }
        .to_der()
        .expect("TSTInfo encodes");
        let cert_der = self.cert.to_der().expect("certificate encodes");
        let signed_attrs = SetOfVec::try_from(vec![
            attribute(ID_CONTENT_TYPE, &ID_CT_TST_INFO),
            attribute(
                ID_SIGNING_TIME,
                &UtcTime::from_unix_duration(Duration::from_secs(secs)).expect("time"),
            ),
            attribute(
                ID_MESSAGE_DIGEST,
                &OctetString::new(sha256(&tst).to_vec()).expect("octets"),
            ),
            attribute(
                ID_SIGNING_CERTIFICATE_V2,
                &SigningCertificateV2 {
                    certs: vec![EssCertIdV2 {
                        cert_hash: OctetString::new(sha256(&cert_der).to_vec()).expect("octets"),
                    }],
                },
            ),
        ])
        .expect("distinct attributes");
        let signature_value = self
            .key
            .sign(&signed_attrs.to_der().expect("attributes encode"));
        let si = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: self.cert.tbs_certificate.issuer.clone(),
                serial_number: self.cert.tbs_certificate.serial_number.clone(),
            }),
            digest_alg: sha256_alg(),
            signed_attrs: Some(signed_attrs),
            signature_algorithm: ecdsa_sha256(),
            signature: OctetString::new(signature_value).expect("octets"),
            unsigned_attrs: None,
        };
        let sd = SignedData {
            version: CmsVersion::V3,
            digest_algorithms: SetOfVec::try_from(vec![sha256_alg()]).expect("one"),
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: ID_CT_TST_INFO,
                econtent: Some(
                    Any::encode_from(&OctetString::new(tst).expect("octets")).expect("encodes"),
                ),
            },
            certificates: Some(CertificateSet(
                SetOfVec::try_from(vec![CertificateChoices::Certificate(self.cert.clone())])
                    .expect("one"),
            )),
            crls: None,
            signer_infos: SignerInfos(SetOfVec::try_from(vec![si]).expect("one")),
        };
        let token = ContentInfo {
            content_type: ID_SIGNED_DATA,
            content: Any::encode_from(&sd).expect("SignedData encodes"),
        };
        TimeStampResp {
            status: PkiStatusInfo { status: 0 },
            time_stamp_token: token,
        }
        .to_der()
        .expect("TimeStampResp encodes")
    }
}
