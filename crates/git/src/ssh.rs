//! SSH signatures as `git` writes them with `gpg.format=ssh`: the armored `SSH SIGNATURE` blob
//! of OpenSSH's PROTOCOL.sshsig, and public keys in authorized-keys / allowed-signers lines.
//!
//! Semantics follow what Buildx runs (`github.com/hiddeco/sshsig` and
//! `golang.org/x/crypto/ssh`, through BuildKit `util/gitutil/gitsign/gitsign.go`).

use base64::Engine as _;
use ecdsa::signature::Verifier as _;
use ecdsa::signature::hazmat::PrehashVerifier as _;
use sha2::Digest as _;

use crate::error::{Error, ErrorCode, Result};

/// The only sshsig version.
const SIG_VERSION: u32 = 1;
const MAGIC: &[u8; 6] = b"SSHSIG";

fn malformed(m: impl Into<String>) -> Error {
    Error::new(ErrorCode::MalformedSignature, m)
}

/// An SSH wire-format reader (RFC 4251 §5).
struct Wire<'a>(&'a [u8]);

impl<'a> Wire<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn string(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    /// An mpint's magnitude (positive values only), leading zeros stripped.
    fn mpint(&mut self) -> Option<&'a [u8]> {
        let v = self.string()?;
        if v.first().is_some_and(|b| b & 0x80 != 0) {
            return None;
        }
        let zeros = v.iter().take_while(|&&b| b == 0).count();
        Some(&v[zeros..])
    }
}

/// An SSH public key.
#[derive(Clone)]
pub struct SshPublicKey {
    blob: Vec<u8>,
    key_type: String,
    material: Material,
}

#[derive(Clone)]
enum Material {
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(Box<p521::ecdsa::VerifyingKey>),
    Rsa(Box<rsa::RsaPublicKey>),
    /// A key type verdict does not verify with (sk-*, ssh-dss, certificates).
    Other,
}

impl core::fmt::Debug for SshPublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SshPublicKey")
            .field("key_type", &self.key_type)
            .field("fingerprint", &self.fingerprint_sha256())
            .finish()
    }
}

impl SshPublicKey {
    /// Parses a public key blob (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4).
    pub fn from_blob(blob: &[u8]) -> Option<SshPublicKey> {
        let mut w = Wire(blob);
        let key_type = core::str::from_utf8(w.string()?).ok()?.to_owned();
        let material = match key_type.as_str() {
            "ssh-ed25519" => {
                let k: [u8; 32] = w.string()?.try_into().ok()?;
                Material::Ed25519(ed25519_dalek::VerifyingKey::from_bytes(&k).ok()?)
            }
            "ecdsa-sha2-nistp256" | "ecdsa-sha2-nistp384" | "ecdsa-sha2-nistp521" => {
                let curve = w.string()?;
                if key_type.as_bytes().strip_prefix(b"ecdsa-sha2-") != Some(curve) {
                    return None;
                }
                let q = w.string()?;
                match curve {
                    b"nistp256" => {
                        Material::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(q).ok()?)
                    }
                    b"nistp384" => {
                        Material::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(q).ok()?)
                    }
                    _ => Material::P521(Box::new(
                        p521::ecdsa::VerifyingKey::from_sec1_bytes(q).ok()?,
                    )),
                }
            }
            "ssh-rsa" => {
                let e = rsa::BigUint::from_bytes_be(w.mpint()?);
                let n = rsa::BigUint::from_bytes_be(w.mpint()?);
                Material::Rsa(Box::new(
                    rsa::RsaPublicKey::new_with_max_size(n, e, 16384).ok()?,
                ))
            }
            _ => {
                // Kept so that it can be compared and fingerprinted, never verified with.
                w.0 = &[];
                Material::Other
            }
        };
        if !w.0.is_empty() {
            return None;
        }
        Some(SshPublicKey {
            blob: blob.to_vec(),
            key_type,
            material,
        })
    }

    /// The key type name (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, …).
    pub fn key_type(&self) -> &str {
        &self.key_type
    }

    /// The wire-format blob.
    pub fn blob(&self) -> &[u8] {
        &self.blob
    }

    /// `SHA256:` and the unpadded base64 of the SHA-256 of the blob, as `ssh-keygen -l` prints
    /// it (Go `ssh.FingerprintSHA256`).
    pub fn fingerprint_sha256(&self) -> String {
        let d = sha2::Sha256::digest(&self.blob);
        format!(
            "SHA256:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(d)
        )
    }

    /// Verifies an SSH signature blob (`string format, string sig`) over `data`.
    fn verify(&self, format: &str, sig: &[u8], data: &[u8]) -> Result<()> {
        let bad = || Error::new(ErrorCode::BadSignature, "SSH signature does not verify");
        let ok = match (&self.material, format) {
            (Material::Ed25519(k), "ssh-ed25519") => {
                let s = ed25519_dalek::Signature::from_slice(sig).map_err(|_| bad())?;
                k.verify(data, &s).is_ok()
            }
            (Material::P256(k), "ecdsa-sha2-nistp256") => {
                let s = ecdsa_sig::<32>(sig).ok_or_else(bad)?;
                let s = p256::ecdsa::Signature::from_slice(&s).map_err(|_| bad())?;
                verdict_ecdsa::p256::verify(k.as_affine(), None, &sha2::Sha256::digest(data), &s)
            }
            (Material::P384(k), "ecdsa-sha2-nistp384") => {
                let s = ecdsa_sig::<48>(sig).ok_or_else(bad)?;
                let s = p384::ecdsa::Signature::from_slice(&s).map_err(|_| bad())?;
                verdict_ecdsa::p384::verify(k.as_affine(), None, &sha2::Sha384::digest(data), &s)
            }
            (Material::P521(k), "ecdsa-sha2-nistp521") => {
                let s = ecdsa_sig::<66>(sig).ok_or_else(bad)?;
                let s = p521::ecdsa::Signature::from_slice(&s).map_err(|_| bad())?;
                k.verify_prehash(&sha2::Sha512::digest(data), &s).is_ok()
            }
            (Material::Rsa(k), "rsa-sha2-256" | "rsa-sha2-512") => {
                let (scheme, digest) = if format == "rsa-sha2-256" {
                    (
                        rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                        sha2::Sha256::digest(data).to_vec(),
                    )
                } else {
                    (
                        rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                        sha2::Sha512::digest(data).to_vec(),
                    )
                };
                // Zero-pad a short signature to the modulus size, as x/crypto/ssh does.
                let size = rsa::traits::PublicKeyParts::size(k.as_ref());
                let mut padded = vec![0u8; size.saturating_sub(sig.len())];
                padded.extend_from_slice(sig);
                k.verify(scheme, &digest, &padded).is_ok()
            }
            (Material::Other, _) => {
                return Err(Error::new(
                    ErrorCode::UnsupportedAlgorithm,
                    format!("SSH key type {} is not supported", self.key_type),
                ));
            }
            _ => {
                return Err(Error::new(
                    ErrorCode::UnsupportedAlgorithm,
                    format!(
                        "signature format {format} does not fit key type {}",
                        self.key_type
                    ),
                ));
            }
        };
        if ok { Ok(()) } else { Err(bad()) }
    }
}

/// An ECDSA SSH signature (`mpint r, mpint s`) as `r ‖ s`, each padded to `N` bytes.
fn ecdsa_sig<const N: usize>(sig: &[u8]) -> Option<Vec<u8>> {
    let mut w = Wire(sig);
    let (r, s) = (w.mpint()?, w.mpint()?);
    if !w.0.is_empty() || r.len() > N || s.len() > N {
        return None;
    }
    let mut out = vec![0u8; 2 * N];
    out[N - r.len()..N].copy_from_slice(r);
    out[2 * N - s.len()..].copy_from_slice(s);
    Some(out)
}

/// A parsed sshsig blob (OpenSSH PROTOCOL.sshsig §2).
#[derive(Debug, Clone)]
pub struct SshSignature {
    version: u32,
    public_key: SshPublicKey,
    namespace: String,
    hash_algorithm: String,
    format: String,
    signature: Vec<u8>,
}

impl SshSignature {
    /// Parses an armored `-----BEGIN SSH SIGNATURE-----` block. As `hiddeco/sshsig` does, the
    /// version must be 1 and the hash `sha256` or `sha512`; an `ssh-rsa` key must sign with
    /// `rsa-sha2-256` or `rsa-sha2-512`.
    pub fn parse_armored(armored: &[u8]) -> Result<SshSignature> {
        let text =
            core::str::from_utf8(armored).map_err(|_| malformed("SSH signature is not UTF-8"))?;
        let mut lines = text.lines().map(str::trim_end);
        if lines.next() != Some("-----BEGIN SSH SIGNATURE-----") {
            return Err(malformed("no SSH SIGNATURE block"));
        }
        let mut body = String::new();
        let mut ended = false;
        for line in lines {
            if line == "-----END SSH SIGNATURE-----" {
                ended = true;
                break;
            }
            body.push_str(line.trim());
        }
        if !ended {
            return Err(malformed("SSH SIGNATURE block has no END line"));
        }
        let blob = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|e| malformed(format!("SSH signature is not base64: {e}")))?;
        Self::parse_blob(&blob)
    }

    /// Parses the binary sshsig blob.
    pub fn parse_blob(blob: &[u8]) -> Result<SshSignature> {
        let short = || malformed("SSH signature blob truncated");
        let mut w = Wire(blob);
        let magic = w.take(6).ok_or_else(short)?;
        let version = w.u32().ok_or_else(short)?;
        let public_key = w.string().ok_or_else(short)?;
        let namespace = w.string().ok_or_else(short)?;
        let _reserved = w.string().ok_or_else(short)?;
        let hash_algorithm = w.string().ok_or_else(short)?;
        let sig = w.string().ok_or_else(short)?;
        if !w.0.is_empty() {
            return Err(malformed("trailing data after the SSH signature blob"));
        }
        if version != SIG_VERSION {
            return Err(Error::new(
                ErrorCode::UnsupportedVersion,
                format!("SSH signature version {version} (expected 1)"),
            ));
        }
        if magic != MAGIC {
            return Err(malformed("SSH signature lacks the SSHSIG preamble"));
        }
        let hash_algorithm = String::from_utf8_lossy(hash_algorithm).into_owned();
        if hash_algorithm != "sha256" && hash_algorithm != "sha512" {
            return Err(Error::new(
                ErrorCode::UnsupportedHash,
                format!("SSH signature hash {hash_algorithm:?} (must be sha256 or sha512)"),
            ));
        }
        let mut s = Wire(sig);
        let format = s.string().ok_or_else(short)?;
        let format = String::from_utf8_lossy(format).into_owned();
        let signature = s.string().ok_or_else(short)?.to_vec();
        // Any remainder (security-key flags and counter) is ignored, as Go's `Rest` field is.
        let public_key = SshPublicKey::from_blob(public_key)
            .ok_or_else(|| malformed("SSH signature's public key does not parse"))?;
        if public_key.key_type() == "ssh-rsa"
            && format != "rsa-sha2-256"
            && format != "rsa-sha2-512"
        {
            return Err(Error::new(
                ErrorCode::UnsupportedAlgorithm,
                format!(
                    "SSH RSA signature format {format:?} (must be rsa-sha2-256 or rsa-sha2-512)"
                ),
            ));
        }
        Ok(SshSignature {
            version,
            public_key,
            namespace: String::from_utf8_lossy(namespace).into_owned(),
            hash_algorithm,
            format,
            signature,
        })
    }

    /// The sshsig version (1).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The signer's public key, as embedded in the signature.
    pub fn public_key(&self) -> &SshPublicKey {
        &self.public_key
    }

    /// The namespace (`git` for git objects).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The message hash algorithm: `sha256` or `sha512`.
    pub fn hash_algorithm(&self) -> &str {
        &self.hash_algorithm
    }

    /// Verifies the signature over `message` for namespace `git` with `key`, in the order
    /// BuildKit's gitsign and sshsig check: namespace, then the key (the signature's embedded key
    /// must be `key`, compared by SHA-256 fingerprint), then the signature over
    /// `"SSHSIG" ‖ string(namespace) ‖ string("") ‖ string(hash) ‖ string(H(message))`.
    pub fn verify(&self, message: &[u8], key: &SshPublicKey) -> Result<()> {
        if self.namespace != "git" {
            return Err(Error::new(
                ErrorCode::WrongNamespace,
                format!("unexpected SSH signature namespace {:?}", self.namespace),
            ));
        }
        if key.fingerprint_sha256() != self.public_key.fingerprint_sha256() {
            return Err(Error::new(
                ErrorCode::NoMatchingKey,
                format!(
                    "signed by {}, key file has {}",
                    self.public_key.fingerprint_sha256(),
                    key.fingerprint_sha256()
                ),
            ));
        }
        let h = if self.hash_algorithm == "sha256" {
            sha2::Sha256::digest(message).to_vec()
        } else {
            sha2::Sha512::digest(message).to_vec()
        };
        let mut data = MAGIC.to_vec();
        for field in [
            self.namespace.as_bytes(),
            b"",
            self.hash_algorithm.as_bytes(),
            &h,
        ] {
            data.extend_from_slice(&(field.len() as u32).to_be_bytes());
            data.extend_from_slice(field);
        }
        key.verify(&self.format, &self.signature, &data)
    }
}

/// Reads the key of an authorized-keys / allowed-signers file as Go's `ssh.ParseAuthorizedKey`
/// does (which is what Buildx uses): the **first** line that parses as `type base64 [comment]`,
/// optionally after one options or principals field, whose declared type matches the blob's.
/// Blank lines, `#` comments and unparsable lines are skipped.
pub fn parse_authorized_key(file: &[u8]) -> Result<SshPublicKey> {
    parse_authorized_keys(file)
        .into_iter()
        .next()
        .ok_or_else(|| {
            Error::new(
                ErrorCode::MalformedKeyFile,
                "no SSH public key found in the key file",
            )
        })
}

/// Every key of an authorized-keys / allowed-signers file, one per line that parses (see
/// [`parse_authorized_key`]). Buildx only ever uses the first; this is for callers that want
/// `ssh-keygen -Y verify`'s any-listed-key semantics.
pub fn parse_authorized_keys(file: &[u8]) -> Vec<SshPublicKey> {
    file.split(|&b| b == b'\n').filter_map(key_line).collect()
}

fn key_line(line: &[u8]) -> Option<SshPublicKey> {
    let line = match line.iter().position(|&b| b == b'\r') {
        Some(i) => &line[..i],
        None => line,
    };
    let line = core::str::from_utf8(line).ok()?.trim_matches([' ', '\t']);
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    if let Some(k) = key_at(line) {
        return Some(k);
    }
    // An options field (possibly quoted) or a principals list before the key.
    let mut in_quote = false;
    let mut prev = 0u8;
    let mut end = line.len();
    for (i, &b) in line.as_bytes().iter().enumerate() {
        if !in_quote && (b == b' ' || b == b'\t') {
            end = i;
            break;
        }
        if b == b'"' && (i == 0 || prev != b'\\') {
            in_quote = !in_quote;
        }
        prev = b;
    }
    key_at(line[end..].trim_start_matches([' ', '\t']))
}

/// `type base64 [comment]` → the key, if the blob parses and its type is the declared one.
fn key_at(line: &str) -> Option<SshPublicKey> {
    let mut fields = line.split([' ', '\t']).filter(|f| !f.is_empty());
    let declared = fields.next()?;
    let b64 = fields.next()?;
    let blob = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let key = SshPublicKey::from_blob(&blob)?;
    (key.key_type() == declared).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMbLO7rb6IvIyljK5+0U7XtM3s9xHw9ErG4iUiSfkrCL";

    #[test]
    fn authorized_key_lines() {
        let k = parse_authorized_key(ED.as_bytes()).unwrap();
        assert_eq!(k.key_type(), "ssh-ed25519");
        // Comments, blank lines, CRLF, options, principals, a trailing comment.
        for file in [
            format!("# c\n\n{ED} me@example.com\r\n"),
            format!("restrict,command=\"echo a b\" {ED}"),
            format!("git@example.com,*@example.com {ED} comment"),
            format!("garbage line\n{ED}"),
        ] {
            let got = parse_authorized_key(file.as_bytes()).unwrap();
            assert_eq!(got.fingerprint_sha256(), k.fingerprint_sha256(), "{file}");
        }
        let two = format!("{ED}\n#\nprincipal {ED}\nnot a key\n");
        assert_eq!(parse_authorized_keys(two.as_bytes()).len(), 2);
        // A declared type that is not the blob's.
        let wrong = ED.replace("ssh-ed25519", "ssh-rsa");
        assert_eq!(
            parse_authorized_key(wrong.as_bytes()).unwrap_err().code(),
            ErrorCode::MalformedKeyFile
        );
    }
}
