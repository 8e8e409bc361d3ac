//! in-toto Statements, v0.1 and v1 (in-toto attestation framework, `statement.md`).

use serde_json::Value;

use crate::error::{Error, ErrorCode};
use crate::json::{self, Obj};

/// The DSSE payload type of an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// One subject: a name (optional) and digests by algorithm (lowercase hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The subject's name; may be empty.
    pub name: String,
    /// `(algorithm, hex digest)` pairs, in document order.
    pub digest: Vec<(String, String)>,
}

impl Subject {
    /// The digest for `algorithm`, if the subject has one.
    pub fn digest(&self, algorithm: &str) -> Option<&str> {
        self.digest
            .iter()
            .find(|(a, _)| a == algorithm)
            .map(|(_, d)| d.as_str())
    }
}

/// A parsed in-toto statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// `_type`: `https://in-toto.io/Statement/v0.1` or `https://in-toto.io/Statement/v1`.
    pub type_: String,
    /// The subjects (at least one).
    pub subjects: Vec<Subject>,
    /// `predicateType`.
    pub predicate_type: String,
    /// The whole statement as JSON (predicate included), for policies.
    pub json: Value,
}

impl Statement {
    /// Parses a statement from payload bytes. A subject needs a non-empty digest, not a name.
    pub fn parse(payload: &[u8]) -> Result<Self, Error> {
        let json = json::parse(payload, ErrorCode::MalformedEnvelope, "in-toto statement")?;
        let code = ErrorCode::MalformedEnvelope;
        let s = Obj::new(&json, "statement", code)?;
        let type_ = s.req_str("_type")?;
        if type_ != "https://in-toto.io/Statement/v0.1"
            && type_ != "https://in-toto.io/Statement/v1"
        {
            return Err(Error::new(
                code,
                format!("unsupported in-toto statement type {type_:?}"),
            ));
        }
        let mut subjects = Vec::new();
        for sub in s.arr("subject")? {
            let sub = Obj::new(sub, "subject[]", code)?;
            let name = sub.str("name")?.unwrap_or_default().to_string();
            let mut digest = Vec::new();
            match sub.get("digest") {
                None => {}
                Some(Value::Object(map)) => {
                    for (alg, v) in map {
                        match v {
                            Value::String(hex) if !hex.is_empty() => {
                                digest.push((alg.clone(), hex.to_ascii_lowercase()))
                            }
                            _ => {
                                return Err(Error::new(
                                    code,
                                    format!("subject digest {alg:?} must be a non-empty string"),
                                ));
                            }
                        }
                    }
                }
                Some(_) => return Err(Error::new(code, "subject digest must be an object")),
            }
            if digest.is_empty() {
                return Err(Error::new(code, format!("subject {name:?} has no digest")));
            }
            subjects.push(Subject { name, digest });
        }
        if subjects.is_empty() {
            return Err(Error::new(code, "statement has no subject"));
        }
        let predicate_type = s.str("predicateType")?.unwrap_or_default().to_string();
        Ok(Statement {
            type_: type_.to_string(),
            subjects,
            predicate_type,
            json: json.clone(),
        })
    }
}
