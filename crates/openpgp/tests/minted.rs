//! Negative cases minted from the committed vectors by editing packets: each asserts one
//! [`ErrorCode`] (the codes gpg cannot be made to produce directly).

use std::path::Path;

use verdict_openpgp::{
    ErrorCode, HashAlgorithm, Keyring, Signature, armor, verify, verify_prehashed,
};

fn read(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(name),
    )
    .unwrap()
}

fn dearmor(name: &str) -> Vec<u8> {
    armor::decode_all(&read(name)).unwrap().remove(0).data
}

/// Splits binary packets (new and old formats, definite lengths) into (tag, body).
fn split(mut data: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some((&head, rest)) = data.split_first() {
        let (tag, len, hdr) = if head & 0x40 != 0 {
            match rest[0] {
                o @ 0..=191 => (head & 0x3f, usize::from(o), 1),
                o @ 192..=223 => (
                    head & 0x3f,
                    ((usize::from(o) - 192) << 8) + usize::from(rest[1]) + 192,
                    2,
                ),
                _ => (
                    head & 0x3f,
                    u32::from_be_bytes(rest[1..5].try_into().unwrap()) as usize,
                    5,
                ),
            }
        } else {
            match head & 3 {
                0 => ((head >> 2) & 15, usize::from(rest[0]), 1),
                1 => (
                    (head >> 2) & 15,
                    usize::from(u16::from_be_bytes([rest[0], rest[1]])),
                    2,
                ),
                _ => (
                    (head >> 2) & 15,
                    u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize,
                    4,
                ),
            }
        };
        out.push((tag, rest[hdr..hdr + len].to_vec()));
        data = &rest[hdr + len..];
    }
    out
}

/// A new-format packet.
fn packet(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0xC0 | tag, 0xFF];
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// A v4 signature body's parts: (fixed 4 octets, hashed area, unhashed area, rest).
struct SigParts {
    fixed: [u8; 4],
    hashed: Vec<u8>,
    unhashed: Vec<u8>,
    rest: Vec<u8>,
}

impl SigParts {
    fn of(body: &[u8]) -> Self {
        let hl = usize::from(u16::from_be_bytes([body[4], body[5]]));
        let hashed = body[6..6 + hl].to_vec();
        let u = 6 + hl;
        let ul = usize::from(u16::from_be_bytes([body[u], body[u + 1]]));
        SigParts {
            fixed: body[..4].try_into().unwrap(),
            hashed,
            unhashed: body[u + 2..u + 2 + ul].to_vec(),
            rest: body[u + 2 + ul..].to_vec(),
        }
    }

    fn body(&self) -> Vec<u8> {
        let mut b = self.fixed.to_vec();
        b.extend_from_slice(&(self.hashed.len() as u16).to_be_bytes());
        b.extend_from_slice(&self.hashed);
        b.extend_from_slice(&(self.unhashed.len() as u16).to_be_bytes());
        b.extend_from_slice(&self.unhashed);
        b.extend_from_slice(&self.rest);
        b
    }

    fn signature(&self) -> Result<Signature, verdict_openpgp::Error> {
        Signature::parse(&packet(2, &self.body()))
    }
}

fn ed25519_sig() -> SigParts {
    let packets = split(&dearmor("sig-ed25519-sha256.asc"));
    SigParts::of(&packets[0].1)
}

fn code<T: std::fmt::Debug>(r: Result<T, verdict_openpgp::Error>) -> ErrorCode {
    r.unwrap_err().code()
}

#[test]
fn unmodified_reencoding_verifies() {
    let sig = ed25519_sig().signature().unwrap();
    let keyring = Keyring::parse(&read("key-ed25519.asc")).unwrap();
    verify(&keyring, &sig, &read("content.txt")).unwrap();
}

#[test]
fn unknown_critical_hashed_subpacket() {
    let mut s = ed25519_sig();
    s.hashed.extend_from_slice(&[2, 0x80 | 100, 0]);
    assert_eq!(code(s.signature()), ErrorCode::CriticalSubpacket);
    // Not critical: parses (and then no longer verifies, the hashed area having changed).
    let mut s = ed25519_sig();
    s.hashed.extend_from_slice(&[2, 100, 0]);
    let sig = s.signature().unwrap();
    let keyring = Keyring::parse(&read("key-ed25519.asc")).unwrap();
    assert_eq!(
        code(verify(&keyring, &sig, &read("content.txt"))),
        ErrorCode::BadSignature
    );
}

#[test]
fn no_issuer() {
    let mut s = ed25519_sig();
    s.unhashed.clear();
    // Drop the issuer fingerprint subpacket (type 33) from the hashed area.
    let mut kept = Vec::new();
    let mut i = 0;
    while i < s.hashed.len() {
        let len = usize::from(s.hashed[i]);
        if s.hashed[i + 1] & 0x7f != 33 {
            kept.extend_from_slice(&s.hashed[i..i + 1 + len]);
        }
        i += 1 + len;
    }
    s.hashed = kept;
    let sig = s.signature().unwrap();
    assert_eq!(sig.issuer_key_id(), None);
    let keyring = Keyring::parse(&read("key-ed25519.asc")).unwrap();
    assert_eq!(
        code(verify(&keyring, &sig, &read("content.txt"))),
        ErrorCode::MissingIssuer
    );
}

#[test]
fn versions_hashes_and_types() {
    let keyring = Keyring::parse(&read("key-ed25519.asc")).unwrap();
    let content = read("content.txt");
    let mut s = ed25519_sig();
    s.fixed[0] = 3;
    assert_eq!(code(s.signature()), ErrorCode::UnsupportedVersion);
    let mut s = ed25519_sig();
    s.fixed[3] = 12;
    let sig = s.signature().unwrap();
    assert_eq!(sig.hash_algorithm(), HashAlgorithm::Sha3_256);
    assert_eq!(
        code(verify(&keyring, &sig, &content)),
        ErrorCode::UnsupportedHash
    );
    let mut s = ed25519_sig();
    s.fixed[1] = 0x13;
    let sig = s.signature().unwrap();
    assert_eq!(
        code(verify(&keyring, &sig, &content)),
        ErrorCode::UnsupportedSignatureType
    );
    let mut s = ed25519_sig();
    s.fixed[2] = 17;
    let sig = s.signature().unwrap();
    assert_eq!(
        code(verify(&keyring, &sig, &content)),
        ErrorCode::UnsupportedAlgorithm
    );
}

#[test]
fn left_16_bits_and_digest_length() {
    let keyring = Keyring::parse(&read("key-ed25519.asc")).unwrap();
    let mut s = ed25519_sig();
    s.rest[0] ^= 0xff;
    let sig = s.signature().unwrap();
    let e = verify(&keyring, &sig, &read("content.txt")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadSignature);
    assert!(e.message().contains("left 16 bits"), "{e}");
    let sig = ed25519_sig().signature().unwrap();
    assert_eq!(
        code(verify_prehashed(&keyring, &sig, &[0; 31])),
        ErrorCode::InvalidDigest
    );
}

#[test]
fn hashed_trailer_is_the_v4_trailer() {
    let s = ed25519_sig();
    let t = s.signature().unwrap().hashed_trailer();
    let n = 6 + s.hashed.len();
    assert_eq!(t.len(), n + 6);
    assert_eq!(&t[..4], &s.fixed);
    assert_eq!(
        &t[n..],
        &[&[4u8, 0xff][..], &(n as u32).to_be_bytes()].concat()[..]
    );
}

#[test]
fn armor_crc_mismatch() {
    let text = String::from_utf8(read("sig-rsa-sha256.asc")).unwrap();
    let crc_line = text.lines().find(|l| l.starts_with('=')).unwrap();
    let bad = if crc_line == "=AAAA" {
        "=AAAB"
    } else {
        "=AAAA"
    };
    let edited = text.replace(crc_line, bad);
    let block = armor::decode_first(edited.as_bytes()).unwrap();
    assert_eq!(block.crc, armor::Crc::Mismatch);
    assert_eq!(
        block.check_crc().unwrap_err().code(),
        ErrorCode::ArmorChecksum
    );
    // As RFC 9580 §6.1 and go-crypto: a mismatching footer does not reject the signature.
    let sig = Signature::parse(edited.as_bytes()).unwrap();
    let keyring = Keyring::parse(&read("key-rsa.asc")).unwrap();
    verify(&keyring, &sig, &read("content.txt")).unwrap();
    assert_eq!(
        armor::decode_first(text.as_bytes()).unwrap().crc,
        armor::Crc::Match
    );
}

#[test]
fn broken_subkey_binding() {
    let packets = split(&dearmor("key-subkey.asc"));
    let sub = packets.iter().position(|(t, _)| *t == 14).unwrap();
    assert_eq!(packets[sub + 1].0, 2);
    let sig = Signature::parse(&read("sig-subkey-sha256.asc")).unwrap();
    let content = read("content.txt");

    // The binding signature's value altered.
    let mut edited = packets.clone();
    let last = edited[sub + 1].1.len() - 1;
    edited[sub + 1].1[last] ^= 1;
    let bin: Vec<u8> = edited.iter().flat_map(|(t, b)| packet(*t, b)).collect();
    let keyring = Keyring::parse(&bin).unwrap();
    assert_eq!(
        code(verify(&keyring, &sig, &content)),
        ErrorCode::InvalidBinding
    );

    // No binding signature at all.
    let mut edited = packets;
    edited.remove(sub + 1);
    let bin: Vec<u8> = edited.iter().flat_map(|(t, b)| packet(*t, b)).collect();
    let keyring = Keyring::parse(&bin).unwrap();
    assert_eq!(
        code(verify(&keyring, &sig, &content)),
        ErrorCode::InvalidBinding
    );
}

#[test]
fn primary_key_validity() {
    let packets = split(&dearmor("key-ed25519.asc"));
    let sig = Signature::parse(&read("sig-ed25519-sha256.asc")).unwrap();
    let content = read("content.txt");
    let rebuild =
        |p: &[(u8, Vec<u8>)]| -> Vec<u8> { p.iter().flat_map(|(t, b)| packet(*t, b)).collect() };
    // Without its user ID (and the certification that follows it).
    let uid = packets.iter().position(|(t, _)| *t == 13).unwrap();
    let mut edited = packets.clone();
    edited.drain(uid..uid + 2);
    let keyring = Keyring::parse(&rebuild(&edited)).unwrap();
    assert_eq!(
        code(verify(&keyring, &sig, &content)),
        ErrorCode::UnusableKey
    );
    // With the self-certification's value altered.
    let mut edited = packets.clone();
    let last = edited[uid + 1].1.len() - 1;
    edited[uid + 1].1[last] ^= 1;
    let keyring = Keyring::parse(&rebuild(&edited)).unwrap();
    assert_eq!(
        code(verify(&keyring, &sig, &content)),
        ErrorCode::UnusableKey
    );
    // With the user ID changed (the certification no longer covers it).
    let mut edited = packets;
    edited[uid].1[0] ^= 0x20;
    let keyring = Keyring::parse(&rebuild(&edited)).unwrap();
    assert_eq!(
        code(verify(&keyring, &sig, &content)),
        ErrorCode::UnusableKey
    );
}

#[test]
fn unsupported_key_versions_are_skipped() {
    let rebuild =
        |p: &[(u8, Vec<u8>)]| -> Vec<u8> { p.iter().flat_map(|(t, b)| packet(*t, b)).collect() };
    let mut rsa = split(&dearmor("key-rsa.asc"));
    rsa[0].1[0] = 6;
    assert_eq!(
        code(Keyring::parse(&rebuild(&rsa))),
        ErrorCode::UnsupportedVersion
    );
    let mut both = rsa;
    both.extend(split(&dearmor("key-ed25519.asc")));
    let keyring = Keyring::parse(&rebuild(&both)).unwrap();
    assert_eq!(keyring.certificates().len(), 1);
    let sig = Signature::parse(&read("sig-ed25519-sha256.asc")).unwrap();
    verify(&keyring, &sig, &read("content.txt")).unwrap();
    // A subkey of an unsupported version is dropped with its binding; the rest stays usable.
    let mut sub = split(&dearmor("key-subkey.asc"));
    let first = sub.iter().position(|(t, _)| *t == 14).unwrap();
    sub[first].1[0] = 5;
    let keyring = Keyring::parse(&rebuild(&sub)).unwrap();
    assert_eq!(keyring.certificates()[0].subkeys().len(), 1);
}

#[test]
fn structural_errors() {
    // A key packet inside a detached signature.
    let key = split(&dearmor("key-rsa.asc"));
    assert_eq!(
        code(Signature::parse(&packet(6, &key[0].1))),
        ErrorCode::UnexpectedBlock
    );
    // A keyring block with no packets.
    let empty = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n-----END PGP PUBLIC KEY BLOCK-----\n";
    assert_eq!(code(Keyring::parse(empty.as_bytes())), ErrorCode::Empty);
    // Truncated signature packet.
    let body = ed25519_sig().body();
    assert_eq!(
        code(Signature::parse(&packet(2, &body[..body.len() - 3]))),
        ErrorCode::MalformedPacket
    );
    // No CRC line and no END line.
    let text = String::from_utf8(read("sig-ed25519-tampered.asc")).unwrap();
    let edited = text.replace("-----END PGP SIGNATURE-----", "");
    assert_eq!(
        code(Signature::parse(edited.as_bytes())),
        ErrorCode::MalformedArmor
    );
}

#[test]
fn error_codes_are_unique_and_parse() {
    for c in ErrorCode::ALL {
        assert_eq!(ErrorCode::parse(c.as_str()), Some(*c));
    }
}

/// `Signature::parse_single` (what git signature verification uses): exactly one armored
/// `PGP SIGNATURE` block, or binary data, with exactly one signature packet.
#[test]
fn parse_single_takes_one_block_with_one_packet() {
    let one = read("sig-ed25519-sha256.asc");
    let other = read("sig-rsa-sha256.asc");
    let two_blocks = [one.clone(), other].concat();
    let two_packets = [
        dearmor("sig-ed25519-sha256.asc"),
        dearmor("sig-rsa-sha256.asc"),
    ]
    .concat();
    let two_packets_armored = {
        use base64::Engine as _;
        let b = base64::engine::general_purpose::STANDARD.encode(&two_packets);
        let body: Vec<&str> = b
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN PGP SIGNATURE-----\n\n{}\n-----END PGP SIGNATURE-----\n",
            body.join("\n")
        )
        .into_bytes()
    };
    let relabelled = String::from_utf8(one.clone())
        .unwrap()
        .replace("PGP SIGNATURE", "PGP MESSAGE")
        .into_bytes();
    let rows: &[(&str, &[u8], Option<ErrorCode>)] = &[
        ("one armored signature", &one, None),
        ("one binary signature", &read("sig-rsa-sha256.sig"), None),
        (
            "two armored blocks",
            &two_blocks,
            Some(ErrorCode::UnexpectedBlock),
        ),
        (
            "two packets, binary",
            &two_packets,
            Some(ErrorCode::UnexpectedBlock),
        ),
        (
            "two packets in one block",
            &two_packets_armored,
            Some(ErrorCode::UnexpectedBlock),
        ),
        (
            "a PGP MESSAGE label",
            &relabelled,
            Some(ErrorCode::UnexpectedBlock),
        ),
    ];
    for (name, input, want) in rows {
        let got = Signature::parse_single(input).err().map(|e| e.code());
        assert_eq!(got, *want, "{name}");
        // `parse` (Buildx's reading) takes the first signature of each of these.
        assert!(
            want.is_none() || name.contains("MESSAGE") || Signature::parse(input).is_ok(),
            "{name}"
        );
    }
}
