//! OpenPGP verification of clearsigned `InRelease` files, with rPGP (`pgp`).
//!
//! The only text that leaves [`Keyring::verify_clearsigned`] is the text the signature covers
//! (dash-unescaped, line ends normalised to `\n`, with the trailing newline the signature
//! framework strips put back): anything before the `BEGIN PGP SIGNED MESSAGE` line or after the
//! signature block is refused, never returned.
//!
//! Accepted: at least one signature made by a key (primary or signing subkey) of the keyring,
//! cryptographically valid, by a key that was neither revoked nor expired — expiry is checked
//! both at the signature's creation time and at the verification time (`now`). Refused: no
//! signature, any signature by a keyring key that does not verify (tampering), signatures only by
//! unknown keys, expired or revoked keys. Signatures by unknown keys next to a good one are
//! ignored, as apt does (InRelease files carry signatures of several release keys).
//!
//! [`Keyring::bundled`] is a copy of Debian's archive keyring (`keys/debian-archive-keyring.gpg`,
//! from the `debian-archive-keyring` package) that the tool carries, so verification does not
//! depend on the host.

use std::io::Cursor;
use std::time::{SystemTime, UNIX_EPOCH};

use pgp::composed::{CleartextSignedMessage, Deserializable, SignedPublicKey, SignedPublicSubKey};
use pgp::packet::{Signature, SignatureType};
use pgp::types::{KeyDetails, Tag, Timestamp};

const BUNDLED: &[u8] = include_bytes!("../keys/debian-archive-keyring.gpg");

/// Why verification failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The keyring bytes could not be read as OpenPGP keys.
    #[error("cannot read the keyring: {reason}")]
    BadKeyring {
        /// Parser message.
        reason: String,
    },
    /// The keyring holds no usable key.
    #[error("the keyring holds no usable key")]
    EmptyKeyring,
    /// The document is not a clearsigned OpenPGP message.
    #[error("not a clearsigned OpenPGP document: {reason}")]
    NotClearsigned {
        /// What was wrong.
        reason: String,
    },
    /// A clearsigned document with no signature in it.
    #[error("the document carries no signature")]
    NoSignature,
    /// A signature by a known key that does not match the text: the file was altered.
    #[error("BAD signature by key {fingerprint}: the signed text was altered")]
    BadSignature {
        /// Fingerprint (upper-case hex) of the primary key.
        fingerprint: String,
    },
    /// Only signatures by keys the keyring does not hold.
    #[error("signed only by unknown keys: {}", issuers.join(", "))]
    UnknownKey {
        /// Issuer fingerprints or key IDs (upper-case hex) named by the signatures.
        issuers: Vec<String>,
    },
    /// The only valid signatures are by expired keys.
    #[error("signed by key {fingerprint}, which expired at unix time {expired_at}")]
    ExpiredKey {
        /// Fingerprint of the primary key.
        fingerprint: String,
        /// Expiry, seconds since the epoch.
        expired_at: u64,
    },
    /// The only valid signatures are by revoked keys.
    #[error("signed by key {fingerprint}, which has been revoked")]
    RevokedKey {
        /// Fingerprint of the primary key.
        fingerprint: String,
    },
}

impl crossroot_hint::Hint for VerifyError {
    /// What the user can do about it.
    fn hint(&self) -> Option<String> {
        Some(
            match self {
                VerifyError::BadKeyring { .. } | VerifyError::EmptyKeyring => {
                    "pass a binary or ASCII-armored OpenPGP public keyring"
                }
                VerifyError::NotClearsigned { .. } | VerifyError::NoSignature => {
                    "the mirror did not serve a signed InRelease; check the mirror URL"
                }
                VerifyError::BadSignature { .. } => {
                    "the index was modified after signing (broken proxy, partial sync or \
                     tampering); try again later or use another mirror"
                }
                VerifyError::UnknownKey { .. } => {
                    "the release is signed by keys crossroot does not carry; a newer crossroot \
                     may know them, or pass the archive keyring with the keyring option"
                }
                VerifyError::ExpiredKey { .. } | VerifyError::RevokedKey { .. } => {
                    "the release's signing key is no longer valid; use a supported release or an \
                     up-to-date keyring"
                }
            }
            .to_owned(),
        )
    }
}

/// Text whose signature was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedText {
    /// The signed text only, with `\n` line ends and a final newline.
    pub text: String,
    /// Upper-case hex fingerprint of the primary key whose (sub)key made the first good signature.
    pub signer_fingerprint: String,
}

/// The cleartext of a clearsigned document WITHOUT checking its signature: only for
/// `--insecure-skip-verify`. Armor headers are skipped, dash-escaping (`- `) is undone and the
/// signature block is dropped; text that is not clearsigned is returned as it is.
pub fn unverified_cleartext(text: &str) -> String {
    let Some((_, rest)) = text.split_once("-----BEGIN PGP SIGNED MESSAGE-----") else {
        return text.to_string();
    };
    // Armor headers (`Hash: …`) end at the first empty line.
    let body = match rest.split_once("\n\n") {
        Some((_, b)) => b,
        None => rest,
    };
    let body = body
        .split_once("\n-----BEGIN PGP SIGNATURE-----")
        .map(|(b, _)| b)
        .unwrap_or(body);
    let mut out = String::with_capacity(body.len() + 1);
    for line in body.lines() {
        out.push_str(line.strip_prefix("- ").unwrap_or(line));
        out.push('\n');
    }
    out
}

/// A set of OpenPGP public keys trusted to sign archive indexes.
#[derive(Debug, Clone)]
pub struct Keyring {
    keys: Vec<SignedPublicKey>,
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn fingerprint_of(key: &impl KeyDetails) -> String {
    hex_upper(key.fingerprint().as_bytes())
}

fn unix(ts: Timestamp) -> u64 {
    u64::from(ts.as_secs())
}

/// Expiry (unix seconds) from the newest self-signature that carries a key expiration time.
fn expiry_from(created: Timestamp, sigs: &[&Signature]) -> Option<u64> {
    let newest = sigs
        .iter()
        .filter(|s| s.key_expiration_time().is_some())
        .max_by_key(|s| s.created().map(unix).unwrap_or(0))?;
    let d = newest.key_expiration_time()?;
    (d.as_secs() != 0).then(|| unix(created) + u64::from(d.as_secs()))
}

enum Component<'a> {
    Primary(&'a SignedPublicKey),
    Sub(&'a SignedPublicKey, &'a SignedPublicSubKey),
}

impl Component<'_> {
    fn owner(&self) -> &SignedPublicKey {
        match self {
            Component::Primary(k) | Component::Sub(k, _) => k,
        }
    }

    fn matches_issuer(&self, sig: &Signature) -> bool {
        let (fp, id) = match self {
            Component::Primary(k) => (k.fingerprint(), k.legacy_key_id()),
            Component::Sub(_, s) => (s.key.fingerprint(), s.key.legacy_key_id()),
        };
        sig.issuer_fingerprint().iter().any(|f| **f == fp)
            || sig.issuer_key_id().iter().any(|k| **k == id)
    }

    fn verify(&self, sig: &Signature, text: &[u8]) -> bool {
        match self {
            Component::Primary(k) => sig.verify(*k, text).is_ok(),
            Component::Sub(_, s) => sig.verify(*s, text).is_ok(),
        }
    }

    fn revoked(&self) -> bool {
        let owner = self.owner();
        if !owner.details.revocation_signatures.is_empty() {
            return true;
        }
        match self {
            Component::Primary(_) => false,
            Component::Sub(_, s) => s
                .signatures
                .iter()
                .any(|sig| sig.typ() == Some(SignatureType::SubkeyRevocation)),
        }
    }

    fn can_sign(&self) -> bool {
        match self {
            Component::Primary(_) => true,
            Component::Sub(_, s) => s
                .signatures
                .iter()
                .filter(|sig| sig.typ() == Some(SignatureType::SubkeyBinding))
                .any(|sig| sig.key_flags().sign()),
        }
    }

    /// Earliest expiry of the component and its primary key, if any.
    fn expiry(&self) -> Option<u64> {
        let owner = self.owner();
        let primary_sigs: Vec<&Signature> = owner
            .details
            .users
            .iter()
            .flat_map(|u| u.signatures.iter())
            .chain(owner.details.direct_signatures.iter())
            .collect();
        let primary = expiry_from(owner.primary_key.created_at(), &primary_sigs);
        let sub = match self {
            Component::Primary(_) => None,
            Component::Sub(_, s) => {
                let sigs: Vec<&Signature> = s
                    .signatures
                    .iter()
                    .filter(|sig| sig.typ() == Some(SignatureType::SubkeyBinding))
                    .collect();
                expiry_from(s.key.created_at(), &sigs)
            }
        };
        match (primary, sub) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Keep only what the key itself vouches for: user IDs with a valid self-certification (archive
/// keys also carry third-party certifications, which say nothing about the key's validity and
/// which we cannot check), self-made direct-key and revocation signatures, and subkeys whose
/// binding (and, for signing subkeys, back-signature) verifies. `None` when no user ID is
/// self-certified.
fn self_certified(mut key: SignedPublicKey) -> Option<SignedPublicKey> {
    let SignedPublicKey {
        primary_key,
        details,
        public_subkeys,
    } = &mut key;
    for user in &mut details.users {
        let id = user.id.clone();
        user.signatures.retain(|s| {
            s.verify_certification(&*primary_key, Tag::UserId, &id)
                .is_ok()
        });
    }
    details.users.retain(|u| !u.signatures.is_empty());
    details.user_attributes.clear();
    details
        .direct_signatures
        .retain(|s| s.verify_key(&*primary_key).is_ok());
    details
        .revocation_signatures
        .retain(|s| s.verify_key(&*primary_key).is_ok());
    public_subkeys.retain(|s| s.verify_bindings(&*primary_key).is_ok());
    if details.users.is_empty() {
        return None;
    }
    Some(key)
}

impl Keyring {
    /// Read a keyring: binary (as in `/usr/share/keyrings/*.gpg`, several keys concatenated) or
    /// ASCII-armored. Keys without a valid self-certification are dropped, and so are
    /// subkeys whose binding signature does not verify.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        let bad = |e: pgp::errors::Error| VerifyError::BadKeyring {
            reason: e.to_string(),
        };
        let trimmed = bytes.trim_ascii_start();
        let parsed: Vec<Result<SignedPublicKey, pgp::errors::Error>> =
            if trimmed.starts_with(b"-----BEGIN PGP") {
                let (iter, _headers) =
                    SignedPublicKey::from_armor_many(Cursor::new(trimmed)).map_err(bad)?;
                iter.collect()
            } else {
                SignedPublicKey::from_bytes_many(Cursor::new(bytes))
                    .map_err(bad)?
                    .collect()
            };
        let mut keys = Vec::new();
        for key in parsed {
            if let Some(key) = self_certified(key.map_err(bad)?) {
                keys.push(key);
            }
        }
        if keys.is_empty() {
            return Err(VerifyError::EmptyKeyring);
        }
        Ok(Keyring { keys })
    }

    /// The Debian archive keyring crossroot carries.
    pub fn bundled() -> Self {
        // The bundled file is checked by a unit test; should it ever fail to parse, an empty
        // keyring refuses every document, which is the safe failure.
        Self::from_bytes(BUNDLED).unwrap_or(Keyring { keys: Vec::new() })
    }

    /// Add the keys of `other`.
    pub fn extend(&mut self, other: Keyring) {
        self.keys.extend(other.keys);
    }

    /// Upper-case hex fingerprints of the primary keys.
    pub fn fingerprints(&self) -> Vec<String> {
        self.keys.iter().map(fingerprint_of).collect()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the keyring holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn components(&self) -> impl Iterator<Item = Component<'_>> {
        self.keys.iter().flat_map(|k| {
            std::iter::once(Component::Primary(k))
                .chain(k.public_subkeys.iter().map(move |s| Component::Sub(k, s)))
        })
    }

    /// Verify a clearsigned document (an `InRelease`) and return the signed text.
    pub fn verify_clearsigned(&self, bytes: &[u8]) -> Result<VerifiedText, VerifyError> {
        self.verify_clearsigned_at(bytes, SystemTime::now())
    }

    /// As [`Keyring::verify_clearsigned`], judging key expiry at `now`.
    pub fn verify_clearsigned_at(
        &self,
        bytes: &[u8],
        now: SystemTime,
    ) -> Result<VerifiedText, VerifyError> {
        let now = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let text = std::str::from_utf8(bytes).map_err(|e| VerifyError::NotClearsigned {
            reason: format!("not UTF-8 text ({e})"),
        })?;
        if !text.starts_with("-----BEGIN PGP SIGNED MESSAGE-----") {
            return Err(VerifyError::NotClearsigned {
                reason: "it does not start with `-----BEGIN PGP SIGNED MESSAGE-----`".into(),
            });
        }
        let (msg, _headers) =
            CleartextSignedMessage::from_string(text).map_err(|e| VerifyError::NotClearsigned {
                reason: e.to_string(),
            })?;
        if msg.signatures().is_empty() {
            return Err(VerifyError::NoSignature);
        }
        let signed = msg.signed_text();

        let mut good: Option<String> = None;
        let mut first_refusal: Option<VerifyError> = None;
        let mut issuers: Vec<String> = Vec::new();
        for sig in msg.signatures() {
            let mut known = false;
            for component in self.components().filter(|c| c.matches_issuer(sig)) {
                known = true;
                let fingerprint = fingerprint_of(component.owner());
                if !component.verify(sig, signed.as_bytes()) {
                    // A known key's signature that does not verify means the text changed.
                    return Err(VerifyError::BadSignature { fingerprint });
                }
                let refusal = if component.revoked() || !component.can_sign() {
                    Some(VerifyError::RevokedKey {
                        fingerprint: fingerprint.clone(),
                    })
                } else {
                    let made = sig.created().map(unix).unwrap_or(now);
                    component
                        .expiry()
                        .filter(|&exp| exp <= made || exp <= now)
                        .map(|expired_at| VerifyError::ExpiredKey {
                            fingerprint: fingerprint.clone(),
                            expired_at,
                        })
                };
                match refusal {
                    None => {
                        good.get_or_insert(fingerprint);
                    }
                    Some(e) => {
                        first_refusal.get_or_insert(e);
                    }
                }
            }
            if !known {
                issuers.extend(
                    sig.issuer_fingerprint()
                        .iter()
                        .map(|f| hex_upper(f.as_bytes()))
                        .chain(sig.issuer_key_id().iter().map(|k| hex_upper(k.as_ref()))),
                );
            }
        }
        let Some(signer_fingerprint) = good else {
            return Err(first_refusal.unwrap_or(VerifyError::UnknownKey { issuers }));
        };
        let mut text = signed.replace("\r\n", "\n");
        if !text.ends_with('\n') {
            text.push('\n');
        }
        Ok(VerifiedText {
            text,
            signer_fingerprint,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_keyring_holds_the_debian_archive_keys() {
        let k = Keyring::bundled();
        let fps = k.fingerprints();
        // bookworm and trixie archive signing keys (see `gpg --show-keys` on the file).
        assert!(
            fps.contains(&"B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8".to_owned()),
            "{fps:?}"
        );
        assert!(
            fps.contains(&"04B54C3CDCA79751B16BC6B5225629DF75B188BD".to_owned()),
            "{fps:?}"
        );
        assert!(k.len() >= 6, "{fps:?}");
    }

    #[test]
    fn unverified_cleartext_is_the_signed_part() {
        let doc = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: Debian\n\
                   - -----not a signature\nSuite: stable\n-----BEGIN PGP SIGNATURE-----\n\
                   \niQIz\n-----END PGP SIGNATURE-----\n";
        assert_eq!(
            unverified_cleartext(doc),
            "Origin: Debian\n-----not a signature\nSuite: stable\n"
        );
        assert_eq!(unverified_cleartext("Origin: x\n"), "Origin: x\n");
    }

    #[test]
    fn garbage_is_refused() {
        let k = Keyring::bundled();
        assert!(matches!(
            k.verify_clearsigned(b"Origin: Debian\n"),
            Err(VerifyError::NotClearsigned { .. })
        ));
        assert!(matches!(
            k.verify_clearsigned(&[0xff, 0xfe, 0x00]),
            Err(VerifyError::NotClearsigned { .. })
        ));
        let unsigned = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: x\n";
        assert!(k.verify_clearsigned(unsigned.as_bytes()).is_err());
        assert!(matches!(
            Keyring::from_bytes(b"not a key"),
            Err(VerifyError::BadKeyring { .. } | VerifyError::EmptyKeyring)
        ));
    }
}
