//! The [`CryptoProvider`] jsonwebtoken signs and verifies with: HMAC-SHA-256 on *ring*, and
//! public-key verification of `RS256` and `ES256` (OpenID Connect ID tokens) on *ring*.
//!
//! Shared by the embedded store and the remote back end: call [`install`] before the first
//! `jsonwebtoken::encode` or `decode` of the process.
//!
//! jsonwebtoken's own providers either compile the `rsa` crate (RUSTSEC-2023-0071) or build
//! aws-lc from C; *ring* is already compiled for rustls. Signing is `HS256` only; verification
//! is `HS256`, `RS256` (a JWK's `n`/`e`, 2048 to 8192 bits) and `ES256` (a JWK's P-256 `x`/`y`)
//! — only ever with *public* keys, so no private-key operation exists here. Every other
//! algorithm is refused with [`ErrorKind::UnsupportedAlgorithm`] (and `alg: none` does not
//! even parse as a header).

use std::sync::Once;

use jsonwebtoken::{
    Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey,
    crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils},
    errors::{ErrorKind, Result},
    signature::{self, Signer, Verifier},
};
use ring::{hmac, signature as ring_sig};

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
        Algorithm::RS256 => match key.kind() {
            DecodingKeyKind::RsaModulusExponent { n, e }
                if key.family() == AlgorithmFamily::Rsa =>
            {
                Ok(Box::new(Rs256 {
                    n: n.clone(),
                    e: e.clone(),
                }))
            }
            _ => Err(ErrorKind::InvalidKeyFormat.into()),
        },
        // A JWK's `x`/`y` arrive as the uncompressed point `04 || x || y`.
        Algorithm::ES256 if key.family() == AlgorithmFamily::Ec => {
            Ok(Box::new(Es256(key.try_get_as_bytes()?.to_vec())))
        }
        Algorithm::HS256 | Algorithm::ES256 => Err(ErrorKind::InvalidKeyFormat.into()),
        _ => Err(ErrorKind::UnsupportedAlgorithm.into()),
    }
}

/// An RSA public key (modulus and exponent, big-endian): RS256 verification only.
struct Rs256 {
    n: Vec<u8>,
    e: Vec<u8>,
}

impl Verifier<Vec<u8>> for Rs256 {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        ring_sig::RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        }
        .verify(&ring_sig::RSA_PKCS1_2048_8192_SHA256, msg, sig)
        .map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for Rs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}

/// A P-256 public key (uncompressed point): ES256 verification only (`r || s` signatures).
struct Es256(Vec<u8>);

impl Verifier<Vec<u8>> for Es256 {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        ring_sig::UnparsedPublicKey::new(&ring_sig::ECDSA_P256_SHA256_FIXED, &self.0)
            .verify(msg, sig)
            .map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for Es256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::ES256
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
        for alg in [Algorithm::RS256, Algorithm::ES256] {
            // A public-key algorithm with a shared secret is a key-format error.
            assert!(verifier(&alg, &key).is_err(), "{alg:?}");
        }
        for alg in [
            Algorithm::HS384,
            Algorithm::HS512,
            Algorithm::RS256,
            Algorithm::ES256,
        ] {
            assert!(
                signer(&alg, &EncodingKey::from_secret(KEY).unwrap()).is_err(),
                "{alg:?}"
            );
        }
        let rsa = DecodingKey::from_rsa_raw_components(&[1; 256], &[1, 0, 1]);
        for alg in [Algorithm::RS384, Algorithm::PS256, Algorithm::EdDSA] {
            assert!(verifier(&alg, &rsa).is_err(), "{alg:?}");
        }
    }

    /// RFC 7515 appendix A.2 (RS256) and A.3 (ES256): the published JWS and public JWKs.
    #[test]
    fn rs256_and_es256_verify_the_rfc_7515_examples() {
        let rs_n = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
        let rs = DecodingKey::from_rsa_components(rs_n, "AQAB").unwrap();
        let rs_jws = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
        es_and_rs(&rs, Algorithm::RS256, rs_jws);
        let es = DecodingKey::from_ec_components(
            "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
        )
        .unwrap();
        let es_jws = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
        es_and_rs(&es, Algorithm::ES256, es_jws);
    }

    fn es_and_rs(key: &DecodingKey, alg: Algorithm, jws: &str) {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (message, sig) = jws.rsplit_once('.').unwrap();
        let sig = b64.decode(sig).unwrap();
        let verify = verifier(&alg, key).unwrap();
        assert!(verify.verify(message.as_bytes(), &sig).is_ok(), "{alg:?}");
        let mut forged = sig.clone();
        forged[5] ^= 1;
        assert!(
            verify.verify(message.as_bytes(), &forged).is_err(),
            "{alg:?}"
        );
        let mut other = message.as_bytes().to_vec();
        other[3] ^= 1;
        assert!(verify.verify(&other, &sig).is_err(), "{alg:?}");
    }
}
