//! Certificates anyone can verify: the signed record, its code, the check.
//!
//! A certificate is a [`Record`]: a random code, the course and its version,
//! the date, the hub whose poster brought the resident (if any) and a digest of
//! the printed name. The municipality's Ed25519 key signs the record's
//! canonical bytes ([`Record::signed_bytes`]); anyone with the public key can
//! check it. The name itself is not signed but its salted SHA-256 digest is, so:
//! an edit of any stored field, the name included, makes the signature or the
//! digest fail ([`Verdict::Forged`]); and when the holder deletes their data
//! the name and its salt are erased while the digest and the signature stay,
//! so the certificate still verifies as issued on that date for that course,
//! with its holder's data removed ([`Verdict::Valid`] with `holder_removed`).
//! A revocation is a mark on the stored row, not part of the signed record.
//!
//! Pure: the randomness and the key are given ([`key`] reads and writes key
//! files); [`pdf`] and [`picture`] draw the certificate.

pub mod exam;
pub mod key;
pub mod pdf;
pub mod picture;

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

/// What the signed bytes begin with: the format, so a later one cannot be confused with it.
const DOMAIN: &str = "pomichnyk certificate v1";
/// The letters of a code: Crockford's base 32 (no I, L, O, U: nothing to misread).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// A code has this many letters (50 random bits), printed in groups of four.
pub const CODE_LETTERS: usize = 10;

/// One certificate as stored and signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// `XXXX-XXXX-XX`, see [`code_from`].
    pub code: String,
    pub course: String,
    pub version: u32,
    /// The local date of issue.
    pub issued: jiff::civil::Date,
    /// The hub whose poster brought the holder, if any.
    pub hub: Option<String>,
    /// The printed name; `None` once the holder deleted their data.
    pub name: Option<String>,
    /// The salt of the name's digest, hex; erased with the name.
    pub salt: Option<String>,
    /// SHA-256 of salt and name, hex; signed, kept after a deletion.
    pub name_digest: String,
}

/// What a check of a certificate found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Genuine; `holder_removed`: the holder deleted their data, so no name is shown.
    Valid { holder_removed: bool },
    /// Genuine, but withdrawn by an admin.
    Revoked,
    /// The stored record does not match its signature: edited, or signed by another key.
    Forged,
    /// No certificate has this code.
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid { .. } => "valid",
            Verdict::Revoked => "revoked",
            Verdict::Forged => "forged",
            Verdict::Unknown => "unknown",
        }
    }
}

/// A record as read back from storage: the record, its signature and whether it was revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub record: Record,
    /// Hex of the 64-byte Ed25519 signature.
    pub signature: String,
    pub revoked: bool,
}

/// The salted digest of a printed name, hex.
pub fn name_digest(salt_hex: &str, name: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(salt_hex.as_bytes());
    hash.update([0]);
    hash.update(name.as_bytes());
    hex(&hash.finalize())
}

impl Record {
    /// A new record for `name`, with `salt` (16 random bytes) for its digest.
    pub fn new(
        code: String,
        course: &str,
        version: u32,
        issued: jiff::civil::Date,
        hub: Option<String>,
        name: &str,
        salt: [u8; 16],
    ) -> Record {
        let salt = hex(&salt);
        Record {
            name_digest: name_digest(&salt, name),
            code,
            course: course.to_string(),
            version,
            issued,
            hub,
            name: Some(name.to_string()),
            salt: Some(salt),
        }
    }

    /// The bytes the key signs: one `key=value` line each, in a fixed order.
    pub fn signed_bytes(&self) -> Vec<u8> {
        format!(
            "{DOMAIN}\ncode={}\ncourse={}\nversion={}\nissued={}\nhub={}\nname_sha256={}\n",
            self.code,
            self.course,
            self.version,
            self.issued,
            self.hub.as_deref().unwrap_or(""),
            self.name_digest
        )
        .into_bytes()
    }
}

/// The municipality's signing key.
pub struct Signer {
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret: only the public half.
        write!(f, "Signer({})", self.public_hex())
    }
}

impl Signer {
    pub fn from_secret(secret: [u8; 32]) -> Signer {
        Signer {
            key: SigningKey::from_bytes(&secret),
        }
    }

    /// The signature of a record, hex.
    pub fn sign(&self, record: &Record) -> String {
        hex(&self.key.sign(&record.signed_bytes()).to_bytes())
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The public key, hex, as `keygen` prints it.
    pub fn public_hex(&self) -> String {
        hex(self.key.verifying_key().as_bytes())
    }

    /// The secret, for writing the key file only.
    pub(crate) fn secret(&self) -> [u8; 32] {
        self.key.to_bytes()
    }
}

/// Checks a stored certificate (or its absence) against the public key.
pub fn check(stored: Option<&Stored>, key: &VerifyingKey) -> Verdict {
    let Some(stored) = stored else {
        return Verdict::Unknown;
    };
    let r = &stored.record;
    let signature = unhex(&stored.signature)
        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
        .map(|b| Signature::from_bytes(&b));
    let Some(signature) = signature else {
        return Verdict::Forged;
    };
    if key.verify(&r.signed_bytes(), &signature).is_err() {
        return Verdict::Forged;
    }
    // The name, while it is there, must be the one whose digest was signed.
    let holder_removed = match (&r.name, &r.salt) {
        (Some(name), Some(salt)) => {
            if name_digest(salt, name) != r.name_digest {
                return Verdict::Forged;
            }
            false
        }
        (None, None) => true,
        // Half a name: edited by hand.
        _ => return Verdict::Forged,
    };
    if stored.revoked {
        Verdict::Revoked
    } else {
        Verdict::Valid { holder_removed }
    }
}

/// A code from random bytes: ten letters of Crockford's base 32, `XXXX-XXXX-XX`.
pub fn code_from(random: [u8; 8]) -> String {
    let mut bits = u64::from_le_bytes(random);
    let mut code = String::with_capacity(CODE_LETTERS + 2);
    for i in 0..CODE_LETTERS {
        if i == 4 || i == 8 {
            code.push('-');
        }
        code.push(char::from(ALPHABET[(bits & 31) as usize]));
        bits >>= 5;
    }
    code
}

/// A code as a person typed it (any case, with or without dashes or spaces, `O`
/// for 0, `I`/`L` for 1), in its printed form; `None` if it cannot be one.
pub fn normalize_code(typed: &str) -> Option<String> {
    let mut letters = String::with_capacity(CODE_LETTERS);
    for c in typed.trim().chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return None;
        }
        letters.push(c);
    }
    if letters.len() != CODE_LETTERS {
        return None;
    }
    Some(format!(
        "{}-{}-{}",
        &letters[..4],
        &letters[4..8],
        &letters[8..]
    ))
}

/// The verification page of a code under `base` (`certificates.verify_url`).
pub fn verify_link(base: &str, code: &str) -> String {
    format!("{}/{code}", base.trim_end_matches('/'))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record::new(
            code_from([7; 8]),
            "safety_online",
            1,
            jiff::civil::date(2026, 12, 1),
            Some("central".into()),
            "Олена Коваль",
            [3; 16],
        )
    }

    #[test]
    fn a_signed_record_verifies_and_any_edit_reads_as_forged() {
        let signer = Signer::from_secret([9; 32]);
        let key = signer.verifying_key();
        let record = record();
        let stored = Stored {
            signature: signer.sign(&record),
            record,
            revoked: false,
        };
        assert_eq!(
            check(Some(&stored), &key),
            Verdict::Valid {
                holder_removed: false
            }
        );
        let mut renamed = stored.clone();
        renamed.record.name = Some("Петро Коваль".into());
        assert_eq!(check(Some(&renamed), &key), Verdict::Forged);
        let mut later = stored.clone();
        later.record.issued = jiff::civil::date(2026, 12, 2);
        assert_eq!(check(Some(&later), &key), Verdict::Forged);
        let other = Signer::from_secret([8; 32]).verifying_key();
        assert_eq!(check(Some(&stored), &other), Verdict::Forged);
        let mut erased = stored.clone();
        erased.record.name = None;
        erased.record.salt = None;
        assert_eq!(
            check(Some(&erased), &key),
            Verdict::Valid {
                holder_removed: true
            }
        );
        let mut revoked = stored;
        revoked.revoked = true;
        assert_eq!(check(Some(&revoked), &key), Verdict::Revoked);
        assert_eq!(check(None, &key), Verdict::Unknown);
    }

    #[test]
    fn codes_are_read_back_however_they_are_typed() {
        let code = code_from([0xA5; 8]);
        assert_eq!(code.len(), CODE_LETTERS + 2);
        assert_eq!(normalize_code(&code), Some(code.clone()));
        assert_eq!(
            normalize_code(&code.to_lowercase().replace('-', " ")),
            Some(code.clone())
        );
        assert_eq!(normalize_code("ABCD-EFGH-JU"), None);
        assert_eq!(normalize_code("ABC"), None);
        assert_eq!(normalize_code("oooo-llll-ii"), Some("0000-1111-11".into()));
    }
}
