//! A certificate-transparency log: RFC 6962 v1 SCTs over the precertificate TBS, embedded as
//! the `1.3.6.1.4.1.11129.2.4.2` extension.

use der::Encode as _;
use der::asn1::{ObjectIdentifier, OctetString};
use x509_cert::ext::Extension;

use crate::keys::Key;

const SCT_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");

/// A TLS-encoded `SignedCertificateTimestampList` with one SCT by `log` at `time` (unix
/// seconds) over `precert_tbs`, issued by the CA whose SPKI hashes to `issuer_key_hash`.
pub(crate) fn sct_list(
    log: &Key,
    time: i64,
    issuer_key_hash: &[u8; 32],
    precert_tbs: &[u8],
) -> Vec<u8> {
    let ms = u64::try_from(time).expect("time after 1970") * 1000;
    let tbs_len = u32::try_from(precert_tbs.len()).expect("small TBS");
    let mut signed = vec![0u8, 0u8]; // v1, certificate_timestamp
    signed.extend_from_slice(&ms.to_be_bytes());
    signed.extend_from_slice(&1u16.to_be_bytes()); // precert_entry
    signed.extend_from_slice(issuer_key_hash);
    signed.extend_from_slice(&tbs_len.to_be_bytes()[1..]);
    signed.extend_from_slice(precert_tbs);
    signed.extend_from_slice(&0u16.to_be_bytes()); // no extensions
    let sig = log.sign(&signed);

    let mut sct = vec![0u8]; // v1
    sct.extend_from_slice(&log.log_id());
    sct.extend_from_slice(&ms.to_be_bytes());
    sct.extend_from_slice(&0u16.to_be_bytes());
    sct.push(4); // sha256
    sct.push(3); // ecdsa
    sct.extend_from_slice(&u16::try_from(sig.len()).expect("short").to_be_bytes());
    sct.extend_from_slice(&sig);

    let mut list = Vec::new();
    let inner_len = u16::try_from(sct.len() + 2).expect("short");
    list.extend_from_slice(&inner_len.to_be_bytes());
    list.extend_from_slice(&u16::try_from(sct.len()).expect("short").to_be_bytes());
    list.extend_from_slice(&sct);
    list
}

/// The SCT list extension (an OCTET STRING holding the TLS list, inside `extnValue`).
pub(crate) fn sct_extension(list: &[u8]) -> Extension {
    let inner = OctetString::new(list.to_vec())
        .expect("octets")
        .to_der()
        .expect("encodes");
    Extension {
        extn_id: SCT_LIST,
        critical: false,
        extn_value: OctetString::new(inner).expect("octets"),
    }
}
