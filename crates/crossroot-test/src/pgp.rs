//! Test signing keys: generate an OpenPGP key in-process and clearsign documents with it, so a
//! fixture archive can carry an `InRelease` that `crossroot_debian::verify::Keyring` accepts.
//!
//! Keys are Ed25519 (generation takes milliseconds) and deterministic: the same user ID always
//! gives the same key and fingerprint, so fixtures and snapshots are stable.

use pgp::composed::{
    ArmorOptions, CleartextSignedMessage, KeyType, SecretKeyParamsBuilder, SignedPublicKey,
    SignedSecretKey, SubkeyParamsBuilder,
};
use pgp::ser::Serialize;
use pgp::types::{KeyDetails, Password, Timestamp};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Errors of the test signer (all come from rPGP).
#[derive(Debug, thiserror::Error)]
#[error("test signing key: {0}")]
pub struct SignerError(String);

fn err(e: impl std::fmt::Display) -> SignerError {
    SignerError(e.to_string())
}

/// A signing key for fixtures.
#[derive(Debug, Clone)]
pub struct TestSigner {
    secret: SignedSecretKey,
    public: SignedPublicKey,
    use_subkey: bool,
}

fn seed_for(user_id: &str, salt: u8) -> u64 {
    // FNV-1a: a stable seed per user ID.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in user_id.bytes().chain([salt]) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl TestSigner {
    /// A key whose primary key signs (like Debian's release keys).
    pub fn generate(user_id: &str) -> Result<Self, SignerError> {
        Self::build(user_id, false)
    }

    /// A key with a certify-only primary and a signing subkey that makes the signatures (like
    /// Debian's archive automatic signing keys).
    pub fn generate_with_signing_subkey(user_id: &str) -> Result<Self, SignerError> {
        Self::build(user_id, true)
    }

    fn build(user_id: &str, use_subkey: bool) -> Result<Self, SignerError> {
        let mut rng = StdRng::seed_from_u64(seed_for(user_id, u8::from(use_subkey)));
        let created = Timestamp::from_secs(1_704_067_200); // 2024-01-01, for stable fingerprints
        let mut params = SecretKeyParamsBuilder::default();
        params
            .key_type(KeyType::Ed25519Legacy)
            .can_certify(true)
            .can_sign(!use_subkey)
            .created_at(created)
            .primary_user_id(user_id.into());
        if use_subkey {
            let mut sub = SubkeyParamsBuilder::default();
            sub.key_type(KeyType::Ed25519Legacy)
                .can_sign(true)
                .created_at(created);
            params.subkeys(vec![sub.build().map_err(err)?]);
        }
        let secret = params
            .build()
            .map_err(err)?
            .generate(&mut rng)
            .map_err(err)?;
        let public = secret.to_public_key();
        Ok(TestSigner {
            secret,
            public,
            use_subkey,
        })
    }

    /// Upper-case hex fingerprint of the primary key (what `VerifiedText::signer_fingerprint`
    /// reports).
    pub fn fingerprint(&self) -> String {
        self.public
            .fingerprint()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    /// The public key as a binary keyring (like `/usr/share/keyrings/*.gpg`).
    pub fn public_keyring(&self) -> Result<Vec<u8>, SignerError> {
        self.public.to_bytes().map_err(err)
    }

    /// The public key, ASCII-armored.
    pub fn public_keyring_armored(&self) -> Result<String, SignerError> {
        self.public
            .to_armored_string(ArmorOptions::default())
            .map_err(err)
    }

    /// Clearsign `text` (an `InRelease` body).
    pub fn clearsign(&self, text: &str) -> Result<String, SignerError> {
        let mut rng = StdRng::seed_from_u64(seed_for(text, 7));
        let password = Password::empty();
        let msg = match (self.use_subkey, self.secret.secret_subkeys.first()) {
            (true, Some(sub)) => CleartextSignedMessage::sign(&mut rng, text, &sub.key, &password),
            _ => CleartextSignedMessage::sign(&mut rng, text, &self.secret.primary_key, &password),
        }
        .map_err(err)?;
        msg.to_armored_string(ArmorOptions::default()).map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossroot_debian::verify::{Keyring, VerifyError};

    const RELEASE: &str = "Origin: crossroot-test\nCodename: fixture\nSHA256:\n 2ddb1737692e8c45c53e8d57c0ce4cd21c78c5703b830c3226b1423566a06c00 10 main/binary-arm64/Packages.xz\n- dashed line\n";

    #[test]
    fn clearsigned_roundtrip_with_primary_and_subkey() {
        for signer in [
            TestSigner::generate("Fixture <fixture@example.invalid>").expect("key"),
            TestSigner::generate_with_signing_subkey("Fixture <fixture@example.invalid>")
                .expect("key"),
        ] {
            let signed = signer.clearsign(RELEASE).expect("sign");
            for keyring in [
                Keyring::from_bytes(&signer.public_keyring().expect("export")).expect("binary"),
                Keyring::from_bytes(signer.public_keyring_armored().expect("armor").as_bytes())
                    .expect("armored"),
            ] {
                let v = keyring
                    .verify_clearsigned(signed.as_bytes())
                    .expect("verifies");
                assert_eq!(v.text, RELEASE);
                assert_eq!(v.signer_fingerprint, signer.fingerprint());
            }
        }
    }

    #[test]
    fn another_key_and_tampering_are_refused() {
        let signer = TestSigner::generate("Fixture <fixture@example.invalid>").expect("key");
        let other = TestSigner::generate("Other <other@example.invalid>").expect("key");
        assert_ne!(signer.fingerprint(), other.fingerprint());
        let signed = signer.clearsign(RELEASE).expect("sign");
        let other_ring =
            Keyring::from_bytes(&other.public_keyring().expect("export")).expect("ring");
        assert!(matches!(
            other_ring.verify_clearsigned(signed.as_bytes()),
            Err(VerifyError::UnknownKey { .. })
        ));
        // The Debian keyring does not know the fixture key either.
        assert!(matches!(
            Keyring::bundled().verify_clearsigned(signed.as_bytes()),
            Err(VerifyError::UnknownKey { .. })
        ));
        let ring = Keyring::from_bytes(&signer.public_keyring().expect("export")).expect("ring");
        let tampered = signed.replace("Codename: fixture", "Codename: fixturf");
        assert!(matches!(
            ring.verify_clearsigned(tampered.as_bytes()),
            Err(VerifyError::BadSignature { .. })
        ));
        // A signature stripped from the document.
        let stripped = signed
            .split("-----BEGIN PGP SIGNATURE-----")
            .next()
            .expect("head")
            .to_owned();
        assert!(ring.verify_clearsigned(stripped.as_bytes()).is_err());
    }

    #[test]
    fn text_after_the_signature_is_refused_in_a_short_message() {
        let signer = TestSigner::generate("Fixture <fixture@example.invalid>").expect("key");
        let ring = Keyring::from_bytes(&signer.public_keyring().expect("export")).expect("ring");
        let signed = signer.clearsign(RELEASE).expect("sign");
        for trailing in [
            "Package: evil\nVersion: 1\n".to_owned(),
            signed.clone(),
            "x".repeat(100_000),
        ] {
            let doc = format!("{signed}{trailing}");
            let err = ring
                .verify_clearsigned(doc.as_bytes())
                .expect_err("refused");
            let msg = err.to_string();
            assert!(matches!(err, VerifyError::NotClearsigned { .. }), "{msg}");
            assert!(msg.contains("follow the signature"), "{msg}");
            assert!(msg.len() < 200, "{msg}");
        }
    }

    #[test]
    fn keys_are_deterministic() {
        let a = TestSigner::generate("Same <same@example.invalid>").expect("key");
        let b = TestSigner::generate("Same <same@example.invalid>").expect("key");
        assert_eq!(a.fingerprint(), b.fingerprint());
    }
}
