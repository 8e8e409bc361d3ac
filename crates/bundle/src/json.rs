//! Strict proto3-JSON field access over `serde_json::Value`.
//!
//! proto3 JSON (client-spec §5): lowerCamelCase keys, `bytes` as base64 (standard or URL-safe,
//! padding optional), `int64` as a decimal string or a number, unknown fields ignored.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode};
use crate::time::Timestamp;

const INDIFFERENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, INDIFFERENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, INDIFFERENT);

/// Decodes proto3-JSON `bytes`: standard or URL-safe alphabet, padding optional. Like Go's
/// `encoding/base64` (which protojson uses), CR and LF are ignored: real bundles carry
/// MIME-wrapped timestamps.
pub(crate) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let owned;
    let s = if s.contains(['\n', '\r']) {
        owned = s.replace(['\n', '\r'], "");
        owned.as_str()
    } else {
        s
    };
    STANDARD.decode(s).ok().or_else(|| URL_SAFE.decode(s).ok())
}

/// Parses JSON text into a value, mapping syntax errors to `code`.
pub(crate) fn parse(bytes: &[u8], code: ErrorCode, what: &str) -> Result<Value, Error> {
    if bytes.len() > crate::MAX_DOCUMENT_BYTES {
        return Err(Error::new(
            ErrorCode::TooLarge,
            format!(
                "{what} is {} bytes, more than the {} allowed",
                bytes.len(),
                crate::MAX_DOCUMENT_BYTES
            ),
        ));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| Error::new(code, format!("{what} is not valid JSON: {e}")))
}

/// A JSON object with the path that led to it, for error messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
    code: ErrorCode,
}

impl<'a> Obj<'a> {
    /// Views `value` (found at `path`) as an object; `code` is used for shape errors.
    pub(crate) fn new(value: &'a Value, path: &'a str, code: ErrorCode) -> Result<Self, Error> {
        match value {
            Value::Object(map) => Ok(Obj { map, path, code }),
            _ => Err(Error::new(code, format!("{path} must be an object"))),
        }
    }

    fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The raw value of `key`, treating JSON `null` as absent (proto3 JSON).
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// Whether `key` is present (and not null).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    fn missing(&self, key: &str) -> Error {
        Error::new(
            ErrorCode::MissingField,
            format!("{} is required", self.field(key)),
        )
    }

    /// An optional string.
    pub(crate) fn str(&self, key: &str) -> Result<Option<&'a str>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Error::new(
                self.code,
                format!("{} must be a string", self.field(key)),
            )),
        }
    }

    /// A required, non-empty string.
    pub(crate) fn req_str(&self, key: &str) -> Result<&'a str, Error> {
        match self.str(key)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(self.missing(key)),
        }
    }

    /// Optional base64 `bytes`.
    pub(crate) fn bytes(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        match self.str(key)? {
            None => Ok(None),
            Some(s) => decode_base64(s).map(Some).ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidBase64,
                    format!("{} is not valid base64", self.field(key)),
                )
            }),
        }
    }

    /// Required, non-empty base64 `bytes`.
    pub(crate) fn req_bytes(&self, key: &str) -> Result<Vec<u8>, Error> {
        match self.bytes(key)? {
            Some(b) if !b.is_empty() => Ok(b),
            _ => Err(self.missing(key)),
        }
    }

    /// An optional non-negative int64 (decimal string or JSON integer).
    pub(crate) fn uint(&self, key: &str) -> Result<Option<u64>, Error> {
        let bad = || {
            Error::new(
                ErrorCode::InvalidInteger,
                format!("{} must be a non-negative 64-bit integer", self.field(key)),
            )
        };
        let n = match self.get(key) {
            None => return Ok(None),
            Some(Value::String(s)) => {
                if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                s.parse::<u64>().map_err(|_| bad())?
            }
            Some(Value::Number(n)) => n.as_u64().ok_or_else(bad)?,
            Some(_) => return Err(bad()),
        };
        if n > i64::MAX as u64 {
            return Err(bad());
        }
        Ok(Some(n))
    }

    /// A non-negative int64 that proto3 defaults to 0 when absent.
    pub(crate) fn uint_or_zero(&self, key: &str) -> Result<u64, Error> {
        Ok(self.uint(key)?.unwrap_or(0))
    }

    /// An optional RFC 3339 time.
    pub(crate) fn time(&self, key: &str) -> Result<Option<Timestamp>, Error> {
        match self.str(key)? {
            None => Ok(None),
            Some(s) => Timestamp::parse_rfc3339(s).map(Some).ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidTime,
                    format!("{} is not an RFC 3339 time: {s:?}", self.field(key)),
                )
            }),
        }
    }

    /// An optional nested object.
    pub(crate) fn obj(&self, key: &str, path: &'a str) -> Result<Option<Obj<'a>>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => Obj::new(v, path, self.code).map(Some),
        }
    }

    /// A required nested object.
    pub(crate) fn req_obj(&self, key: &str, path: &'a str) -> Result<Obj<'a>, Error> {
        self.obj(key, path)?.ok_or_else(|| self.missing(key))
    }

    /// An optional array (absent = empty, as in proto3).
    pub(crate) fn arr(&self, key: &str) -> Result<&'a [Value], Error> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(_) => Err(Error::new(
                self.code,
                format!("{} must be an array", self.field(key)),
            )),
        }
    }
}
