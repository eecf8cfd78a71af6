//! A signing key for fixture archives, for tests that want no `Result`s: [`crate::pgp::TestSigner`]
//! with every failure turned into a panic (test-only code).

use crate::pgp::TestSigner;

/// An Ed25519 signing key, deterministic per user ID.
#[derive(Debug, Clone)]
pub struct TestKey(TestSigner);

impl TestKey {
    /// Generate the key for `user_id` (a few milliseconds).
    pub fn generate(user_id: &str) -> TestKey {
        TestKey(TestSigner::generate(user_id).expect("generate test key"))
    }

    /// `text` clearsigned, as an `InRelease` file.
    pub fn clearsign(&self, text: &str) -> String {
        self.0.clearsign(text).expect("clearsign")
    }

    /// The public key, ASCII-armored (usable as a keyring file).
    pub fn public_keyring(&self) -> String {
        self.0.public_keyring_armored().expect("export public key")
    }
}
