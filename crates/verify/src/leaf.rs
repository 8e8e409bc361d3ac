//! The leaf certificate profile and validity (checklist items 17–18; Fulcio spec §7.3;
//! client-spec §4.3).

use verdict_bundle::Timestamp;

use crate::error::{Error, ErrorCode, Result};
use crate::x509::{Cert, San};

const CODE_SIGNING: der::asn1::ObjectIdentifier = const_oid::db::rfc5280::ID_KP_CODE_SIGNING;

/// Each verified time must lie within the leaf's `[notBefore, notAfter]`.
pub(crate) fn check_validity(leaf: &Cert, t: Timestamp) -> Result<()> {
    if leaf.valid_at(t) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::CertificateExpired,
            format!(
                "the signing certificate is valid from {} to {}, but the verified time is {t}",
                leaf.not_before(),
                leaf.not_after()
            ),
        ))
    }
}

/// KeyUsage digitalSignature, ExtendedKeyUsage codeSigning, not a CA, at least one SAN of a
/// kind Fulcio issues (email, URI, or the username otherName).
pub(crate) fn check_profile(leaf: &Cert) -> Result<()> {
    let fail = |m: &str| Err(Error::new(ErrorCode::LeafProfile, m.to_string()));
    match leaf.key_usage()? {
        Some(ku) if ku.digital_signature() => {}
        _ => return fail("the signing certificate lacks KeyUsage digitalSignature"),
    }
    match leaf.extended_key_usage()? {
        Some(eku) if eku.0.contains(&CODE_SIGNING) => {}
        _ => return fail("the signing certificate lacks ExtendedKeyUsage codeSigning"),
    }
    if leaf.is_ca()? {
        return fail("the signing certificate is a CA");
    }
    if !leaf.sans()?.iter().any(|s| !matches!(s, San::Other)) {
        return fail(
            "the signing certificate has no email, URI or username subject alternative name",
        );
    }
    Ok(())
}
