//! The [`CryptoProvider`] jsonwebtoken signs and verifies with: HMAC-SHA-256 on *ring*.
//!
//! Shared by the embedded store and the remote back end: call [`install`] before the first
//! `jsonwebtoken::encode` or `decode` of the process.
//!
//! jsonwebtoken's own providers either compile the `rsa` crate (RUSTSEC-2023-0071) or build
//! aws-lc from C; *ring* is already compiled for rustls. Every algorithm but `HS256` is refused
//! with [`ErrorKind::UnsupportedAlgorithm`]. Public-key verification (`RS256`, `ES256` through
//! `ring::signature`, for OpenID Connect) would be one more arm in `verifier`.

use std::sync::Once;

use jsonwebtoken::{
    Algorithm, AlgorithmFamily, DecodingKey, EncodingKey,
    crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils},
    errors::{ErrorKind, Result},
    signature::{self, Signer, Verifier},
};
use ring::hmac;

/// The provider: HS256 only, no JWK key utilities.
static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: signer,
    verifier_factory: verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes the ring provider (HS256 only) the process default, once, before any token is signed or verified.
///
/// When another provider was installed first (by the application or another library), that one
/// stays: it is the process's choice, and [`Validation`](jsonwebtoken::Validation) still admits
/// `HS256` alone.
pub fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        if PROVIDER.install_default().is_err() {
            tracing::debug!("a jsonwebtoken CryptoProvider was already installed; keeping it");
        }
    });
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    match algorithm {
        Algorithm::HS256 if key.family() == AlgorithmFamily::Hmac => Ok(Box::new(Hs256(
            hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes()),
        ))),
        Algorithm::HS256 => Err(ErrorKind::InvalidKeyFormat.into()),
        _ => Err(ErrorKind::UnsupportedAlgorithm.into()),
    }
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    match algorithm {
        Algorithm::HS256 if key.family() == AlgorithmFamily::Hmac => Ok(Box::new(Hs256(
            hmac::Key::new(hmac::HMAC_SHA256, key.try_get_as_bytes()?),
        ))),
        Algorithm::HS256 => Err(ErrorKind::InvalidKeyFormat.into()),
        _ => Err(ErrorKind::UnsupportedAlgorithm.into()),
    }
}

/// An HMAC-SHA-256 key, for signing and for constant-time verification.
struct Hs256(hmac::Key);

impl Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        Ok(hmac::sign(&self.0, msg).as_ref().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, msg: &[u8], tag: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        // Constant time in the tag's content.
        hmac::verify(&self.0, msg, tag).map_err(|_| signature::Error::new())
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a-very-secret-signing-key-of-32-bytes!";

    #[test]
    fn hs256_signs_and_verifies_in_both_directions() {
        let sign = signer(&Algorithm::HS256, &EncodingKey::from_secret(KEY).unwrap()).unwrap();
        let verify = verifier(&Algorithm::HS256, &DecodingKey::from_secret(KEY).unwrap()).unwrap();
        let tag = sign.try_sign(b"message").unwrap();
        assert_eq!(tag.len(), 32);
        assert!(verify.verify(b"message", &tag).is_ok());
        assert!(verify.verify(b"messagf", &tag).is_err());
        assert!(verify.verify(b"message", &Vec::new()).is_err());
        let other = verifier(&Algorithm::HS256, &DecodingKey::from_secret(b"x").unwrap()).unwrap();
        assert!(other.verify(b"message", &tag).is_err());
    }

    #[test]
    fn every_other_algorithm_is_refused() {
        let key = DecodingKey::from_secret(KEY).unwrap();
        for alg in [
            Algorithm::HS384,
            Algorithm::HS512,
            Algorithm::RS256,
            Algorithm::ES256,
        ] {
            assert!(verifier(&alg, &key).is_err(), "{alg:?}");
            assert!(
                signer(&alg, &EncodingKey::from_secret(KEY).unwrap()).is_err(),
                "{alg:?}"
            );
        }
    }
}
