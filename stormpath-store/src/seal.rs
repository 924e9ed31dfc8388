//! Sealing of API-key secrets at rest (AES-256-GCM on *ring*), for a store that must give a
//! secret back (the REST server: the SDKs validate tokens with the secret of the key that
//! signed them). The sealed text is `base64url(nonce ‖ ciphertext ‖ tag)`, bound to the key id
//! as associated data, so a sealed secret copied onto another key's row does not open.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ring::{
    aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey},
    rand::{SecureRandom, SystemRandom},
};

/// The length of a sealing key in bytes.
pub const SEALING_KEY_LEN: usize = 32;

/// Seals and opens secrets with one AES-256-GCM key.
pub(crate) struct Sealer {
    key: LessSafeKey,
    rng: SystemRandom,
}

impl Sealer {
    /// A sealer for a 32-byte key; `None` for any other length.
    pub(crate) fn new(key: &[u8]) -> Option<Self> {
        if key.len() != SEALING_KEY_LEN {
            return None;
        }
        let key = UnboundKey::new(&AES_256_GCM, key).ok()?;
        Some(Self {
            key: LessSafeKey::new(key),
            rng: SystemRandom::new(),
        })
    }

    /// Seals `secret` for the key `key_id`.
    pub(crate) fn seal(&self, key_id: &str, secret: &str) -> Option<String> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).ok()?;
        let mut data = secret.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(key_id.as_bytes()),
                &mut data,
            )
            .ok()?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Some(URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens what [`seal`](Self::seal) made for `key_id`; `None` if it was tampered with,
    /// sealed under another key, or for another key id.
    pub(crate) fn open(&self, key_id: &str, sealed: &str) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(key_id.as_bytes()), &mut data)
            .ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let sealer = Sealer::new(&[7u8; 32]).unwrap();
        let sealed = sealer.seal("KEY1", "s3cret").unwrap();
        assert_eq!(sealer.open("KEY1", &sealed).as_deref(), Some("s3cret"));
        assert_eq!(sealer.open("KEY2", &sealed), None);
        let other = Sealer::new(&[8u8; 32]).unwrap();
        assert_eq!(other.open("KEY1", &sealed), None);
        assert!(Sealer::new(&[0u8; 16]).is_none());
        assert!(!sealed.contains("s3cret"));
    }
}
