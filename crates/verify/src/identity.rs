//! Identity policy (checklist items 20–22; client-spec §4.3: "Verifiers MUST … check the
//! certificate's SAN and the OIDC issuer extension") and the Fulcio certificate extensions
//! (sigstore/fulcio `docs/oid-info.md`, OIDs `1.3.6.1.4.1.57264.1.1`–`.1.23`).

use der::Decode;
use der::asn1::Utf8StringRef;

use crate::crypto::PublicKey;
use crate::error::{Error, ErrorCode, Result};
use crate::facts::Signer;
use crate::x509::{Cert, San};

/// A string constraint: exact, or a regular expression that must match the whole value.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Byte-for-byte equality.
    Exact(String),
    /// A full match of this expression (anchored at both ends).
    Regex(regex::Regex),
}

impl Matcher {
    /// An exact matcher.
    pub fn exact(s: impl Into<String>) -> Self {
        Matcher::Exact(s.into())
    }

    /// A full-match regex matcher; the expression is anchored at both ends.
    pub fn regex(expr: &str) -> Result<Self> {
        regex::Regex::new(&format!("^(?:{expr})$"))
            .map(Matcher::Regex)
            .map_err(|e| {
                Error::new(
                    ErrorCode::InvalidRequest,
                    format!("invalid identity regex {expr:?}: {e}"),
                )
            })
    }

    /// Whether `value` satisfies the constraint.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(s) => s == value,
            Matcher::Regex(r) => r.is_match(value),
        }
    }

    /// Why `value` (the certificate's `what`: its identity, its OIDC issuer) fails the
    /// constraint, showing both; a regular expression's message says it must match the whole
    /// value (an anchored full match, unlike cosign's substring match).
    fn mismatch(&self, what: &str, value: &str) -> String {
        match self {
            Matcher::Exact(s) => format!("{what} {value:?} is not {s:?} (an exact match)"),
            Matcher::Regex(r) => {
                let expr = r.as_str();
                let expr = expr
                    .strip_prefix("^(?:")
                    .and_then(|e| e.strip_suffix(")$"))
                    .unwrap_or(expr);
                format!(
                    "{what} {value:?} does not match the regular expression `{expr}` as a whole \
                     (a full match, anchored at both ends, unlike cosign's substring match: add \
                     `.*` where any text may follow)"
                )
            }
        }
    }
}

/// Who must have signed.
#[derive(Debug, Clone)]
pub enum Identity {
    /// Any certificate that chains to the trusted root (the facts still name the signer; a
    /// policy decides). Key-signed bundles are rejected.
    AnyCertificate,
    /// A certificate whose SAN and OIDC issuer satisfy these constraints (`None` = any).
    Certificate {
        /// Constraint on the subject alternative name.
        subject: Option<Matcher>,
        /// Constraint on the OIDC issuer extension.
        issuer: Option<Matcher>,
    },
    /// A bundle signed by this managed key (conformance `--key`).
    Key(PublicKey),
}

impl Identity {
    /// A managed-key identity from PEM or DER SubjectPublicKeyInfo.
    pub fn key(pem_or_der: &[u8]) -> Result<Self> {
        PublicKey::from_pem_or_der(pem_or_der)
            .map(Identity::Key)
            .map_err(|e| Error::new(ErrorCode::InvalidRequest, format!("--key: {}", e.message())))
    }
}

const FULCIO: &str = "1.3.6.1.4.1.57264.1.";

/// Extracts the signer facts from a leaf certificate.
pub(crate) fn signer(leaf: &Cert) -> Result<Signer> {
    let mut s = Signer {
        certificate_issuer: leaf.issuer_go_string(),
        ..Signer::default()
    };
    let sans = leaf.sans()?;
    let pick = |f: fn(&San) -> Option<&String>| sans.iter().find_map(f).cloned();
    s.subject_alternative_name = pick(|s| if let San::Uri(u) = s { Some(u) } else { None })
        .or_else(|| pick(|s| if let San::Email(u) = s { Some(u) } else { None }))
        .or_else(|| {
            pick(|s| {
                if let San::Username(u) = s {
                    Some(u)
                } else {
                    None
                }
            })
        })
        .unwrap_or_default();
    let mut legacy_issuer = String::new();
    for ext in leaf.extensions() {
        let oid = ext.extn_id.to_string();
        let Some(arc) = oid.strip_prefix(FULCIO).and_then(|a| a.parse::<u32>().ok()) else {
            continue;
        };
        let raw = ext.extn_value.as_bytes();
        // .1.1–.1.6 hold raw bytes; .1.8 onwards a DER UTF8String (oid-info.md).
        let value = if arc <= 6 {
            String::from_utf8_lossy(raw).into_owned()
        } else {
            match Utf8StringRef::from_der(raw) {
                Ok(v) => v.as_str().to_string(),
                Err(e) => {
                    return Err(Error::new(
                        ErrorCode::MalformedCertificate,
                        format!("Fulcio extension {oid}: {e}"),
                    ));
                }
            }
        };
        s.extensions.push((oid, value.clone()));
        let field = match arc {
            1 => &mut legacy_issuer,
            8 => &mut s.issuer,
            9 => &mut s.build_signer_uri,
            10 => &mut s.build_signer_digest,
            11 => &mut s.runner_environment,
            12 => &mut s.source_repository_uri,
            13 => &mut s.source_repository_digest,
            14 => &mut s.source_repository_ref,
            15 => &mut s.source_repository_identifier,
            16 => &mut s.source_repository_owner_uri,
            17 => &mut s.source_repository_owner_identifier,
            18 => &mut s.build_config_uri,
            19 => &mut s.build_config_digest,
            20 => &mut s.build_trigger,
            21 => &mut s.run_invocation_uri,
            22 => &mut s.source_repository_visibility_at_signing,
            23 => &mut s.deployment_environment,
            _ => continue,
        };
        *field = value;
    }
    if s.issuer.is_empty() {
        s.issuer = legacy_issuer;
    }
    Ok(s)
}

/// Checks the identity policy against the signer's facts.
pub(crate) fn check(identity: &Identity, signer: &Signer) -> Result<()> {
    if let Identity::Certificate { subject, issuer } = identity {
        if let Some(m) = subject
            && !m.matches(&signer.subject_alternative_name)
        {
            return Err(Error::new(
                ErrorCode::IdentityMismatch,
                m.mismatch("certificate identity", &signer.subject_alternative_name),
            ));
        }
        if let Some(m) = issuer
            && !m.matches(&signer.issuer)
        {
            return Err(Error::new(
                ErrorCode::IdentityMismatch,
                m.mismatch("OIDC issuer", &signer.issuer),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(san: &str, issuer: &str) -> Signer {
        Signer {
            subject_alternative_name: san.to_owned(),
            issuer: issuer.to_owned(),
            ..Signer::default()
        }
    }

    #[test]
    fn a_regex_is_a_full_match_and_its_mismatch_says_so() {
        let san = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1";
        let prefix = Identity::Certificate {
            subject: Some(Matcher::regex("https://github.com/acme/app").unwrap()),
            issuer: None,
        };
        // cosign would accept the prefix as a substring match; verdict does not …
        let e = check(&prefix, &signer(san, "")).unwrap_err();
        assert_eq!(e.code(), ErrorCode::IdentityMismatch);
        // … and the message shows the identity, the expression as given, and the fix.
        assert_eq!(
            e.message(),
            "certificate identity \"https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1\" \
             does not match the regular expression `https://github.com/acme/app` as a whole (a full \
             match, anchored at both ends, unlike cosign's substring match: add `.*` where any text \
             may follow)"
        );
        let whole = Identity::Certificate {
            subject: Some(Matcher::regex("https://github.com/acme/app/.*").unwrap()),
            issuer: None,
        };
        assert!(check(&whole, &signer(san, "")).is_ok());
    }

    #[test]
    fn an_exact_mismatch_shows_both_values() {
        let exact = Identity::Certificate {
            subject: None,
            issuer: Some(Matcher::exact("https://accounts.google.com")),
        };
        let e = check(
            &exact,
            &signer("x", "https://token.actions.githubusercontent.com"),
        )
        .unwrap_err();
        assert_eq!(
            e.message(),
            "OIDC issuer \"https://token.actions.githubusercontent.com\" is not \
             \"https://accounts.google.com\" (an exact match)"
        );
    }
}
