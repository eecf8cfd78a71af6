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
//! What a good signature does not tell: which release the document is for, and whether it is
//! older than one seen before (a replay of another suite, or a rollback to an old snapshot, is
//! validly signed). [`check_release_identity`] and [`check_not_older`] are apt's two checks,
//! on the parsed signed text ([`crate::index::ReleaseFile`]); [`parse_release_date`] reads the
//! `Date:` field as Debian writes it.
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

/// Bytes (other than white space) after the first `-----END PGP SIGNATURE-----` line, if any.
fn text_after_signature(text: &str) -> Option<usize> {
    // At the start of a line: inside the signed text such a line is dash-escaped (`- -----END`).
    const END: &str = "\n-----END PGP SIGNATURE-----";
    let at = text.find(END)?;
    let rest = &text[at + END.len()..];
    let rest = rest.trim_start_matches([' ', '\t', '\r', '\n']);
    (!rest.is_empty()).then_some(rest.len())
}

/// A parser message fit for a person: without the dump of the input bytes some parser errors
/// carry (`input: [45, 45, …]`), and at most 200 characters.
fn short_reason(message: &str) -> String {
    const MAX: usize = 200;
    let cut = ["Error { input:", "input: ["]
        .iter()
        .filter_map(|m| message.find(m))
        .min()
        .unwrap_or(message.len());
    let mut out = message[..cut]
        .trim_end_matches([' ', '(', ':', ','])
        .trim_end_matches("Error")
        .trim_end_matches([' ', '(', ':', ','])
        .to_owned();
    if out.chars().count() > MAX {
        out = out.chars().take(MAX).collect();
        out.push('…');
    }
    if out.is_empty() {
        out = "unreadable document".to_owned();
    }
    out
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
        if let Some(trailing) = text_after_signature(text) {
            return Err(VerifyError::NotClearsigned {
                reason: format!("{trailing} bytes of text follow the signature block"),
            });
        }
        let (msg, _headers) =
            CleartextSignedMessage::from_string(text).map_err(|e| VerifyError::NotClearsigned {
                reason: short_reason(&e.to_string()),
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

/// Why a validly signed release is refused: it is not the one asked for, or it goes back in time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseCheckError {
    /// The signed `Codename`/`Suite` name another release (a replay of another suite).
    #[error(
        "the signed release is `{}` (Codename: `{codename}`, Suite: `{suite}`), not the `{asked}` that was asked for",
        if codename.is_empty() { suite } else { codename }
    )]
    WrongRelease {
        /// The release asked for (the `dists/<name>/` directory).
        asked: String,
        /// `Codename:` as signed (empty if absent).
        codename: String,
        /// `Suite:` as signed (empty if absent).
        suite: String,
    },
    /// The `Date:` field is missing or not a date.
    #[error("the signed release has no readable `Date` (`{date}`)")]
    BadDate {
        /// The field as written (empty if absent).
        date: String,
    },
    /// Older than a copy seen before (a rollback to an old snapshot).
    #[error("the signed release is dated `{served}`, older than the `{cached}` seen before")]
    Older {
        /// `Date:` of the document being checked.
        served: String,
        /// `Date:` of the copy seen before.
        cached: String,
    },
}

impl crossroot_hint::Hint for ReleaseCheckError {
    /// What the user can do about it.
    fn hint(&self) -> Option<String> {
        Some(
            match self {
                ReleaseCheckError::WrongRelease { .. } => {
                    "the mirror serves another release's InRelease under this name (misconfigured \
                     mirror or a replay); use another mirror"
                }
                ReleaseCheckError::BadDate { .. } => {
                    "the mirror did not serve a Debian InRelease; check the mirror URL"
                }
                ReleaseCheckError::Older { .. } => {
                    "the mirror is behind the one used before (stale or replayed); use an \
                     up-to-date mirror"
                }
            }
            .to_owned(),
        )
    }
}

/// Check that a signed release is the one asked for: its `Codename` or its `Suite` must be
/// `asked` (apt's check; `sid` is signed as Codename `sid`, Suite `unstable`).
pub fn check_release_identity(
    release: &crate::index::ReleaseFile,
    asked: &str,
) -> Result<(), ReleaseCheckError> {
    if release.codename == asked || release.suite == asked {
        return Ok(());
    }
    Err(ReleaseCheckError::WrongRelease {
        asked: asked.to_owned(),
        codename: release.codename.clone(),
        suite: release.suite.clone(),
    })
}

/// Check that `served` is not older than `cached`, a copy of the same release seen before.
/// Equal dates pass (the same release, re-served). A cached copy without a readable date does
/// not hold anything back; a served copy without one is refused.
pub fn check_not_older(
    served: &crate::index::ReleaseFile,
    cached: &crate::index::ReleaseFile,
) -> Result<(), ReleaseCheckError> {
    let Some(Ok(cached_at)) = cached.date.as_deref().map(parse_release_date) else {
        return Ok(());
    };
    let served_date = served.date.clone().unwrap_or_default();
    let served_at = parse_release_date(&served_date)?;
    if served_at < cached_at {
        return Err(ReleaseCheckError::Older {
            served: served_date,
            cached: cached.date.clone().unwrap_or_default(),
        });
    }
    Ok(())
}

/// Seconds since the epoch of a Release `Date:`, written as RFC 2822 the way Debian writes it:
/// `Sat, 01 Nov 2025 09:14:23 UTC`. The weekday is optional (and not checked); the zone is
/// `UTC`, `GMT`, `Z` or a numeric `+hhmm`/`-hhmm` offset; seconds may be left out.
pub fn parse_release_date(date: &str) -> Result<i64, ReleaseCheckError> {
    let bad = || ReleaseCheckError::BadDate {
        date: date.chars().take(80).collect(),
    };
    let rest = match date.split_once(',') {
        Some((weekday, rest)) if weekday.trim().chars().all(|c| c.is_ascii_alphabetic()) => rest,
        Some(_) => return Err(bad()),
        None => date,
    };
    let mut words = rest.split_whitespace();
    let (Some(day), Some(month), Some(year), Some(time), zone, None) = (
        words.next(),
        words.next(),
        words.next(),
        words.next(),
        words.next(),
        words.next(),
    ) else {
        return Err(bad());
    };
    let number = |s: &str, max_len: usize| -> Option<i64> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let day = number(day, 2)
        .filter(|d| (1..=31).contains(d))
        .ok_or_else(bad)?;
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month))
        .ok_or_else(bad)?;
    let year = number(year, 4).filter(|y| *y >= 1970).ok_or_else(bad)?;
    let mut hms = time.split(':');
    let (Some(h), Some(m), s, None) = (hms.next(), hms.next(), hms.next(), hms.next()) else {
        return Err(bad());
    };
    let h = number(h, 2).filter(|h| *h < 24).ok_or_else(bad)?;
    let m = number(m, 2).filter(|m| *m < 60).ok_or_else(bad)?;
    let s = match s {
        Some(s) => number(s, 2).filter(|s| *s <= 60).ok_or_else(bad)?,
        None => 0,
    };
    let offset = match zone.unwrap_or("UTC") {
        "UTC" | "GMT" | "UT" | "Z" => 0,
        z if z.len() == 5 && (z.starts_with('+') || z.starts_with('-')) => {
            let hh = number(&z[1..3], 2).ok_or_else(bad)?;
            let mm = number(&z[3..5], 2).filter(|m| *m < 60).ok_or_else(bad)?;
            let sign = if z.starts_with('-') { -1 } else { 1 };
            sign * (hh * 3600 + mm * 60)
        }
        _ => return Err(bad()),
    };
    // `month` is an index below 12.
    let month = i64::try_from(month).map_err(|_| bad())? + 1;
    Ok(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(codename: &str, suite: &str, date: Option<&str>) -> crate::index::ReleaseFile {
        let mut text = format!("Suite: {suite}\nCodename: {codename}\n");
        if let Some(d) = date {
            text.push_str(&format!("Date: {d}\n"));
        }
        text.push_str("SHA256:\n 2ddb1737692e8c45c53e8d57c0ce4cd21c78c5703b830c3226b1423566a06c00 10 main/binary-arm64/Packages.xz\n");
        crate::index::parse_release(&text).expect("release")
    }

    #[test]
    fn dates_are_read_as_debian_writes_them() {
        // `date -d '…' +%s`
        assert_eq!(
            parse_release_date("Sat, 01 Nov 2025 00:00:00 UTC"),
            Ok(1_761_955_200)
        );
        assert_eq!(
            parse_release_date("Sat, 10 Jun 2023 08:53:33 UTC"),
            Ok(1_686_387_213)
        );
        assert_eq!(
            parse_release_date("29 Feb 2024 12:00 GMT"),
            Ok(1_709_208_000)
        );
        assert_eq!(parse_release_date("Thu, 01 Jan 1970 01:00:00 +0100"), Ok(0));
        assert_eq!(
            parse_release_date("Wed, 31 Dec 1969 19:00:00 -0500").ok(),
            None,
            "years before 1970 are not release dates"
        );
        for bad in [
            "",
            "yesterday",
            "Sat, 32 Nov 2025 00:00:00 UTC",
            "Sat, 01 Foo 2025 00:00:00 UTC",
            "Sat, 01 Nov 2025 24:00:00 UTC",
            "Sat, 01 Nov 2025 00:00:00 CEST",
            "Sat, 01 Nov 2025 00:00:00 UTC extra",
            "1, 01 Nov 2025 00:00:00 UTC",
        ] {
            assert!(
                matches!(
                    parse_release_date(bad),
                    Err(ReleaseCheckError::BadDate { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn another_release_is_refused_naming_both() {
        let bullseye = release("bullseye", "oldoldstable", None);
        let err = check_release_identity(&bullseye, "bookworm").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("bullseye") && msg.contains("bookworm"),
            "{msg}"
        );
        assert!(check_release_identity(&bullseye, "bullseye").is_ok());
        // sid is signed as Codename sid, Suite unstable; either name matches.
        let sid = release("sid", "unstable", None);
        assert!(check_release_identity(&sid, "sid").is_ok());
        assert!(check_release_identity(&sid, "unstable").is_ok());
        assert!(check_release_identity(&sid, "trixie").is_err());
    }

    #[test]
    fn an_older_date_is_refused_and_equal_or_newer_pass() {
        let new = release("bookworm", "stable", Some("Sat, 01 Nov 2025 00:00:00 UTC"));
        let old = release("bookworm", "stable", Some("Sat, 10 Jun 2023 08:53:33 UTC"));
        let err = check_not_older(&old, &new).unwrap_err();
        assert!(matches!(err, ReleaseCheckError::Older { .. }));
        assert!(err.to_string().contains("10 Jun 2023"), "{err}");
        assert!(err.to_string().contains("01 Nov 2025"), "{err}");
        assert!(check_not_older(&new, &old).is_ok());
        assert!(check_not_older(&new, &new).is_ok());
        // One hour later in another zone is the same instant: not older.
        let same = release(
            "bookworm",
            "stable",
            Some("Sat, 01 Nov 2025 01:00:00 +0100"),
        );
        assert!(check_not_older(&same, &new).is_ok());
        // Served without a date, after a dated copy: refused. No cached date: nothing to hold.
        let undated = release("bookworm", "stable", None);
        assert!(matches!(
            check_not_older(&undated, &new),
            Err(ReleaseCheckError::BadDate { .. })
        ));
        assert!(check_not_older(&old, &undated).is_ok());
    }

    #[test]
    fn parser_messages_lose_their_byte_dumps() {
        let raw = "IO error: failed reading: armor footer Error(Error { input: [45, 45, 45, 66], code: Tag })";
        assert_eq!(short_reason(raw), "IO error: failed reading: armor footer");
        assert_eq!(short_reason(&"x".repeat(500)).chars().count(), 201);
        assert_eq!(
            text_after_signature("a\n-----END PGP SIGNATURE-----\n\n  \n"),
            None
        );
        assert_eq!(
            text_after_signature("a\n-----END PGP SIGNATURE-----\nmore\n"),
            Some(5)
        );
        // A dash-escaped line inside the signed text is not the end of the signature.
        assert_eq!(
            text_after_signature("- -----END PGP SIGNATURE-----\nx"),
            None
        );
    }

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
