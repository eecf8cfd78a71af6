//! A throwaway OpenPGP signing key for fixture archives: generate, clearsign, export the public
//! key as a keyring file for `CROSSROOT_KEYRING`.

use pgp::composed::{
    ArmorOptions, CleartextSignedMessage, KeyType, SecretKeyParamsBuilder, SignedSecretKey,
};
use pgp::types::{KeyVersion, Password};

/// A freshly generated Ed25519 signing key.
#[derive(Clone)]
pub struct TestKey {
    secret: SignedSecretKey,
}

impl TestKey {
    /// Generate a new key (a few milliseconds).
    pub fn generate(user_id: &str) -> TestKey {
        let params = SecretKeyParamsBuilder::default()
            .version(KeyVersion::V4)
            .key_type(KeyType::Ed25519Legacy)
            .can_certify(true)
            .can_sign(true)
            .primary_user_id(user_id.into())
            .passphrase(None)
            .build()
            .unwrap();
        let secret = params.generate(rand08::thread_rng()).unwrap();
        TestKey { secret }
    }

    /// `text` clearsigned, as an `InRelease` file.
    pub fn clearsign(&self, text: &str) -> String {
        let msg = CleartextSignedMessage::sign(
            rand08::thread_rng(),
            text,
            &self.secret.primary_key,
            &Password::empty(),
        )
        .unwrap();
        msg.to_armored_string(ArmorOptions::default()).unwrap()
    }

    /// The public key, ASCII-armored (usable as a keyring file).
    pub fn public_keyring(&self) -> String {
        self.secret
            .to_public_key()
            .to_armored_string(ArmorOptions::default())
            .unwrap()
    }
}
