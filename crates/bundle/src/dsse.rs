//! DSSE envelopes (secure-systems-lab/dsse `envelope.md`) and their pre-authentication encoding.

use serde_json::Value;

use crate::error::{Error, ErrorCode};
use crate::json::Obj;

/// One DSSE signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The signature bytes.
    pub sig: Vec<u8>,
    /// The optional, unauthenticated key ID.
    pub keyid: Option<String>,
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The payload bytes (base64-decoded).
    pub payload: Vec<u8>,
    /// The payload type, e.g. `application/vnd.in-toto+json`.
    pub payload_type: String,
    /// The signatures (a Sigstore bundle must carry exactly one; `verdict-verify` checks that).
    pub signatures: Vec<Signature>,
}

impl Envelope {
    /// Parses an envelope from a JSON value.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        let e = Obj::new(value, "dsseEnvelope", ErrorCode::MalformedEnvelope)?;
        let payload = e.bytes("payload")?.unwrap_or_default();
        let payload_type = e.req_str("payloadType")?.to_string();
        let mut signatures = Vec::new();
        for s in e.arr("signatures")? {
            let s = Obj::new(s, "dsseEnvelope.signatures[]", ErrorCode::MalformedEnvelope)?;
            signatures.push(Signature {
                sig: s.req_bytes("sig")?,
                keyid: s.str("keyid")?.map(str::to_string),
            });
        }
        Ok(Envelope {
            payload,
            payload_type,
            signatures,
        })
    }

    /// The bytes a DSSE signature covers: [`pae`] of this envelope.
    pub fn pae(&self) -> Vec<u8> {
        pae(&self.payload_type, &self.payload)
    }
}

/// DSSE v1 pre-authentication encoding:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + payload_type.len() + 32);
    out.extend_from_slice(
        format!(
            "DSSEv1 {} {payload_type} {} ",
            payload_type.len(),
            payload.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn pae_matches_the_spec_example() {
        // From the DSSE protocol document: PAE("http://example.com/HelloWorld", "hello world").
        assert_eq!(
            super::pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }
}
