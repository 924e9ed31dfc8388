//! The encryption of API-key secrets in responses, `encryptSecret=true` (rest-api.md §5.8).
//!
//! A client that asks for it gets the `secret` of an API key as
//! `base64(IV (16 bytes) || AES-CBC-PKCS7(key, IV, UTF-8 secret))`, where
//! `key = PBKDF2-HMAC-SHA1(password, salt, iterations, keySize / 8)` and the password is the
//! **calling** tenant API key's secret. The parameters travel in the query string
//! ([`EncryptionParams::from_query`] on the server, [`EncryptionParams::to_query`] on the
//! client). This is the format the Node SDK decrypts (`aes-128-cbc` / `aes-256-cbc`, IV first).
//!
//! # Examples
//! ```
//! use stormpath_client::secret_crypt::{EncryptionParams, decrypt_secret, encrypt_secret};
//!
//! let params = EncryptionParams::random();
//! let sealed = encrypt_secret("the api key secret", "caller's secret", &params).unwrap();
//! assert_eq!(decrypt_secret(&sealed, "caller's secret", &params).unwrap(), "the api key secret");
//! ```

use std::fmt;

use aes::cipher::{
    BlockCipher, BlockDecryptMut, BlockEncryptMut, KeyInit, KeyIvInit, block_padding::Pkcs7,
};
use base64::Engine as _;
use base64::alphabet::{self, Alphabet};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::{Error, Invalid, InvalidKind, Result};

/// The key size when `encryptionKeySize` is absent, in bits.
pub const DEFAULT_KEY_SIZE: u16 = 128;
/// The PBKDF2 iterations when `encryptionKeyIterations` is absent.
pub const DEFAULT_ITERATIONS: u32 = 1024;
/// The most PBKDF2 iterations a request may ask for.
pub const MAX_ITERATIONS: u32 = 65536;
/// The length of the IV in front of the ciphertext, and of the salt [`EncryptionParams::random`]
/// makes.
const BLOCK: usize = 16;

/// Standard or URL-safe base64 with or without padding, for decoding what others produced.
const fn lenient(alphabet: &Alphabet) -> GeneralPurpose {
    GeneralPurpose::new(
        alphabet,
        GeneralPurposeConfig::new()
            .with_encode_padding(true)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent),
    )
}
/// URL-safe base64, padding optional.
const LENIENT_URL_SAFE: GeneralPurpose = lenient(&alphabet::URL_SAFE);
/// Standard base64, padding optional.
const LENIENT_STANDARD: GeneralPurpose = lenient(&alphabet::STANDARD);

/// How a secret is encrypted: the PBKDF2 salt, key size and iterations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptionParams {
    /// The PBKDF2 salt, decoded (16 bytes in the official SDKs).
    pub salt: Vec<u8>,
    /// The AES key size in bits: 128, 192 or 256.
    pub key_size: u16,
    /// The PBKDF2 iterations, 1 to [`MAX_ITERATIONS`].
    pub iterations: u32,
}

impl EncryptionParams {
    /// Reads the query parameters `encryptSecret`, `encryptionKeySalt`, `encryptionKeySize`
    /// and `encryptionKeyIterations` from the (decoded) query pairs; other pairs are ignored,
    /// and of a repeated parameter the last one counts.
    ///
    /// `Ok(None)` when `encryptSecret` is absent or `false` (in any case). The salt is decoded
    /// leniently: URL-safe or standard base64, padding optional, and a space taken for the `+`
    /// that an unencoded standard-alphabet salt turns into. The size defaults to
    /// [`DEFAULT_KEY_SIZE`] and the iterations to [`DEFAULT_ITERATIONS`] when absent or empty.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the parameter: `encryptSecret` other than `true`/`false`,
    /// a missing, undecodable or empty salt, a size other than 128, 192 or 256, iterations
    /// outside 1 to 65536.
    ///
    /// # Examples
    /// ```
    /// use stormpath_client::secret_crypt::EncryptionParams;
    /// let params = EncryptionParams::from_query([
    ///     ("encryptSecret", "true"),
    ///     ("encryptionKeySalt", "AAECAwQFBgcICQoLDA0ODw"),
    ///     ("encryptionKeySize", "256"),
    /// ])
    /// .unwrap()
    /// .unwrap();
    /// assert_eq!((params.salt.len(), params.key_size, params.iterations), (16, 256, 1024));
    /// assert_eq!(EncryptionParams::from_query([("nocache", "true")]).unwrap(), None);
    /// ```
    pub fn from_query<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Option<Self>> {
        let (mut enabled, mut salt, mut size, mut iterations) = (None, None, None, None);
        for (name, value) in pairs {
            match name {
                "encryptSecret" => enabled = Some(value),
                "encryptionKeySalt" => salt = Some(value),
                "encryptionKeySize" => size = Some(value),
                "encryptionKeyIterations" => iterations = Some(value),
                _ => {}
            }
        }
        match enabled {
            None => return Ok(None),
            Some(v) if v.eq_ignore_ascii_case("false") => return Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => {}
            Some(_) => {
                return Err(invalid(
                    "encryptSecret",
                    InvalidKind::Format,
                    "encryptSecret must be true or false.",
                ));
            }
        }
        let salt = salt.filter(|s| !s.is_empty()).ok_or_else(|| {
            invalid(
                "encryptionKeySalt",
                InvalidKind::Required,
                "encryptionKeySalt is required when encryptSecret is true.",
            )
        })?;
        let params = Self {
            salt: decode_salt(salt)?,
            key_size: match size.filter(|s| !s.is_empty()) {
                None => DEFAULT_KEY_SIZE,
                Some(s) => s.parse().map_err(|_| bad_key_size())?,
            },
            iterations: match iterations.filter(|s| !s.is_empty()) {
                None => DEFAULT_ITERATIONS,
                Some(s) => s.parse().map_err(|_| bad_iterations())?,
            },
        };
        params.validate()?;
        Ok(Some(params))
    }

    /// The query pairs that ask a server for encrypted secrets with these parameters, the
    /// salt as base64url without padding.
    ///
    /// # Examples
    /// ```
    /// use stormpath_client::secret_crypt::EncryptionParams;
    /// let params = EncryptionParams { salt: vec![0; 16], key_size: 256, iterations: 1024 };
    /// let query = params.to_query();
    /// assert_eq!(query[1], ("encryptionKeySalt", "AAAAAAAAAAAAAAAAAAAAAA".to_owned()));
    /// let pairs = query.iter().map(|(n, v)| (*n, v.as_str()));
    /// assert_eq!(EncryptionParams::from_query(pairs).unwrap(), Some(params));
    /// ```
    #[must_use]
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        vec![
            ("encryptSecret", "true".to_owned()),
            ("encryptionKeySalt", URL_SAFE_NO_PAD.encode(&self.salt)),
            ("encryptionKeySize", self.key_size.to_string()),
            ("encryptionKeyIterations", self.iterations.to_string()),
        ]
    }

    /// Fresh parameters: a random 16-byte salt, a 256-bit key (what the Node SDK asks for)
    /// and [`DEFAULT_ITERATIONS`].
    #[must_use]
    pub fn random() -> Self {
        Self {
            salt: rand::random::<[u8; BLOCK]>().to_vec(),
            key_size: 256,
            iterations: DEFAULT_ITERATIONS,
        }
    }

    /// Checks the ranges: a non-empty salt, a key size of 128, 192 or 256 bits, 1 to
    /// [`MAX_ITERATIONS`] iterations.
    fn validate(&self) -> Result<()> {
        if self.salt.is_empty() {
            return Err(bad_salt());
        }
        if !matches!(self.key_size, 128 | 192 | 256) {
            return Err(bad_key_size());
        }
        if !(1..=MAX_ITERATIONS).contains(&self.iterations) {
            return Err(bad_iterations());
        }
        Ok(())
    }

    /// The AES key: PBKDF2-HMAC-SHA1 of the password, `key_size / 8` bytes.
    fn derive_key(&self, password: &str) -> Result<Vec<u8>> {
        self.validate()?;
        let mut key = vec![0; usize::from(self.key_size / 8)];
        pbkdf2::pbkdf2_hmac::<sha1::Sha1>(
            password.as_bytes(),
            &self.salt,
            self.iterations,
            &mut key,
        );
        Ok(key)
    }
}

/// Encrypts `plain` (an API key secret) for a caller whose own key secret is `password`:
/// `base64(IV || AES-CBC-PKCS7(key, IV, plain))` with a random IV, standard alphabet, padded.
///
/// # Errors
/// [`Error::Validation`] when `params` is out of range (see [`EncryptionParams::from_query`]).
pub fn encrypt_secret(plain: &str, password: &str, params: &EncryptionParams) -> Result<String> {
    let key = params.derive_key(password)?;
    encrypt_with_iv(plain, &key, &rand::random::<[u8; BLOCK]>())
}

/// Decrypts what [`encrypt_secret`] (or a Stormpath server) produced.
///
/// # Errors
/// [`Error::Validation`] when `params` is out of range; [`Error::Backend`] when the text is
/// not base64, too short, not whole blocks, or does not decrypt to UTF-8 text under this
/// password and these parameters (one error for all of these: a wrong password is told apart
/// from nothing else).
pub fn decrypt_secret(
    encrypted: &str,
    password: &str,
    params: &EncryptionParams,
) -> Result<String> {
    let key = params.derive_key(password)?;
    let bytes = LENIENT_STANDARD
        .decode(encrypted.trim())
        .map_err(|_| Error::backend(DecryptError))?;
    if bytes.len() < 2 * BLOCK || bytes.len() % BLOCK != 0 {
        return Err(Error::backend(DecryptError));
    }
    let (iv, sealed) = bytes.split_at(BLOCK);
    let plain = match key.len() {
        16 => decrypt::<aes::Aes128>(&key, iv, sealed),
        24 => decrypt::<aes::Aes192>(&key, iv, sealed),
        _ => decrypt::<aes::Aes256>(&key, iv, sealed),
    }
    .ok_or_else(|| Error::backend(DecryptError))?;
    String::from_utf8(plain).map_err(|_| Error::backend(DecryptError))
}

/// Encrypts with a given IV (the public function draws it at random).
fn encrypt_with_iv(plain: &str, key: &[u8], iv: &[u8; BLOCK]) -> Result<String> {
    let sealed = match key.len() {
        16 => encrypt::<aes::Aes128>(key, iv, plain.as_bytes()),
        24 => encrypt::<aes::Aes192>(key, iv, plain.as_bytes()),
        _ => encrypt::<aes::Aes256>(key, iv, plain.as_bytes()),
    }
    .ok_or_else(bad_key_size)?;
    let mut out = Vec::with_capacity(BLOCK + sealed.len());
    out.extend_from_slice(iv);
    out.extend_from_slice(&sealed);
    Ok(STANDARD.encode(out))
}

/// AES-CBC-PKCS7 encryption with cipher `C`; `None` for a key or IV of the wrong length.
fn encrypt<C>(key: &[u8], iv: &[u8], plain: &[u8]) -> Option<Vec<u8>>
where
    C: BlockCipher + BlockEncryptMut + KeyInit,
{
    let cipher = cbc::Encryptor::<C>::new_from_slices(key, iv).ok()?;
    Some(cipher.encrypt_padded_vec_mut::<Pkcs7>(plain))
}

/// AES-CBC-PKCS7 decryption with cipher `C`; `None` for a bad key, IV or padding.
fn decrypt<C>(key: &[u8], iv: &[u8], sealed: &[u8]) -> Option<Vec<u8>>
where
    C: BlockCipher + BlockDecryptMut + KeyInit,
{
    let cipher = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
    cipher.decrypt_padded_vec_mut::<Pkcs7>(sealed).ok()
}

/// Decodes the salt: URL-safe or standard base64, padding optional.
fn decode_salt(text: &str) -> Result<Vec<u8>> {
    // A standard-alphabet salt sent without percent-encoding arrives with `+` decoded to ` `.
    let text = text.replace(' ', "+");
    let text = text.trim();
    LENIENT_URL_SAFE
        .decode(text)
        .or_else(|_| LENIENT_STANDARD.decode(text))
        .ok()
        .filter(|salt| !salt.is_empty())
        .ok_or_else(bad_salt)
}

/// A validation error on a query parameter.
fn invalid(field: &'static str, kind: InvalidKind, message: &str) -> Error {
    Invalid::new(field, kind, message).into()
}

/// The error for a bad `encryptionKeySalt`.
fn bad_salt() -> Error {
    invalid(
        "encryptionKeySalt",
        InvalidKind::Format,
        "encryptionKeySalt must be non-empty base64url.",
    )
}

/// The error for a bad `encryptionKeySize`.
fn bad_key_size() -> Error {
    invalid(
        "encryptionKeySize",
        InvalidKind::Other,
        "encryptionKeySize must be 128, 192 or 256.",
    )
}

/// The error for a bad `encryptionKeyIterations`.
fn bad_iterations() -> Error {
    invalid(
        "encryptionKeyIterations",
        InvalidKind::Other,
        "encryptionKeyIterations must be between 1 and 65536.",
    )
}

/// The one failure of [`decrypt_secret`] on bad ciphertext or a wrong password.
#[derive(Debug)]
struct DecryptError;

impl fmt::Display for DecryptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the encrypted API key secret could not be decrypted")
    }
}

impl std::error::Error for DecryptError {}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "lWxOiKqKPNwJmSldbiSkEbkNjgh2uRSNAb+AEXAMPLE";
    const PLAIN: &str = "zaXCPAzJ1g6RxxnHyAbCdEfGh/IjKlMnOpQrStUv+w0";

    fn params(key_size: u16, iterations: u32) -> EncryptionParams {
        EncryptionParams {
            salt: (0..16).collect(),
            key_size,
            iterations,
        }
    }

    #[test]
    fn known_answers_from_python_cryptography() {
        // Computed independently with Python's `cryptography` (PBKDF2HMAC(SHA1), AES-CBC,
        // PKCS7): salt 00..0f, IV f0..ff; the 256-bit one also decrypted with Node's
        // `crypto.pbkdf2Sync` + `createDecipheriv('aes-256-cbc')`, as the Node SDK does.
        let iv: [u8; 16] = std::array::from_fn(|i| 0xf0 + i as u8);
        for (bits, iterations, expected) in [
            (
                256,
                1024,
                "8PHy8/T19vf4+fr7/P3+/xfUrc5uWA3DcSLTWKCpqyezSmd3ogHaR7xDn0fqaWXvHJTJhknA2cXYCG8e2Y/e5Q==",
            ),
            (
                128,
                1024,
                "8PHy8/T19vf4+fr7/P3+/x0InT6Dgp3KoiyrN+fK61rkaLEty9X/wNTaqP+CFtcPRMOPlCzWeSE2gCeHXQRolw==",
            ),
            (
                192,
                10,
                "8PHy8/T19vf4+fr7/P3+/9OnoaFaIIznck36qqZ3DPjFL5VciqL4r/fiB8ntDhhwZqICSjuruFDgE+y0LOIjRg==",
            ),
        ] {
            let params = params(bits, iterations);
            let key = params.derive_key(PASSWORD).unwrap();
            assert_eq!(
                encrypt_with_iv(PLAIN, &key, &iv).unwrap(),
                expected,
                "{bits}"
            );
            assert_eq!(decrypt_secret(expected, PASSWORD, &params).unwrap(), PLAIN);
        }
    }

    #[test]
    fn round_trips_for_each_key_size() {
        for bits in [128, 192, 256] {
            let params = EncryptionParams {
                key_size: bits,
                ..EncryptionParams::random()
            };
            let sealed = encrypt_secret(PLAIN, PASSWORD, &params).unwrap();
            assert_eq!(decrypt_secret(&sealed, PASSWORD, &params).unwrap(), PLAIN);
            let again = encrypt_secret(PLAIN, PASSWORD, &params).unwrap();
            assert_ne!(sealed, again, "a fresh IV every time");
        }
        let empty = encrypt_secret("", PASSWORD, &params(128, 1)).unwrap();
        assert_eq!(
            decrypt_secret(&empty, PASSWORD, &params(128, 1)).unwrap(),
            ""
        );
        let unicode = encrypt_secret("sécrét ✓", "pässwörd", &params(256, 3)).unwrap();
        assert_eq!(
            decrypt_secret(&unicode, "pässwörd", &params(256, 3)).unwrap(),
            "sécrét ✓"
        );
    }

    #[test]
    fn a_wrong_password_or_bad_text_is_an_error_not_a_panic() {
        let sealed = "8PHy8/T19vf4+fr7/P3+/xfUrc5uWA3DcSLTWKCpqyezSmd3ogHaR7xDn0fqaWXvHJTJhknA2cXYCG8e2Y/e5Q==";
        let err = decrypt_secret(sealed, "not the password", &params(256, 1024)).unwrap_err();
        assert!(err.is_backend());
        assert!(!err.to_string().contains(PASSWORD));
        // The right password with other parameters fails the same way.
        assert!(decrypt_secret(sealed, PASSWORD, &params(128, 1024)).is_err());
        assert!(decrypt_secret(sealed, PASSWORD, &params(256, 1023)).is_err());
        for bad in [
            "",
            "not base64!",
            "AAAA",
            &sealed[..44],
            "8PHy8/T19vf4+fr7/P3+/w==",
        ] {
            let err = decrypt_secret(bad, PASSWORD, &params(256, 1024)).unwrap_err();
            assert!(err.is_backend(), "{bad:?}");
        }
    }

    #[test]
    fn out_of_range_params_are_refused_before_use() {
        for (params, field) in [
            (params(64, 1024), "encryptionKeySize"),
            (params(128, 0), "encryptionKeyIterations"),
            (params(128, 65537), "encryptionKeyIterations"),
            (
                EncryptionParams {
                    salt: vec![],
                    ..params(128, 1)
                },
                "encryptionKeySalt",
            ),
        ] {
            let err = encrypt_secret(PLAIN, PASSWORD, &params).unwrap_err();
            assert_eq!(err.field(), Some(field));
            let err = decrypt_secret("AAAA", PASSWORD, &params).unwrap_err();
            assert_eq!(err.field(), Some(field));
        }
    }

    fn query(pairs: &[(&str, &str)]) -> Result<Option<EncryptionParams>> {
        EncryptionParams::from_query(pairs.iter().copied())
    }

    #[test]
    fn query_parameters_parse_with_defaults() {
        assert_eq!(query(&[]).unwrap(), None);
        assert_eq!(query(&[("encryptSecret", "false")]).unwrap(), None);
        assert_eq!(
            query(&[("encryptSecret", "FALSE"), ("encryptionKeySalt", "!")]).unwrap(),
            None
        );
        let salt = "AAECAwQFBgcICQoLDA0ODw";
        let parsed = query(&[("encryptSecret", "true"), ("encryptionKeySalt", salt)]).unwrap();
        assert_eq!(parsed, Some(params(128, 1024)));
        let parsed = query(&[
            ("nocache", "true"),
            ("encryptSecret", "True"),
            ("encryptionKeySalt", "AAECAwQFBgcICQoLDA0ODw=="),
            ("encryptionKeySize", "192"),
            ("encryptionKeyIterations", "65536"),
        ])
        .unwrap();
        assert_eq!(parsed, Some(params(192, 65536)));
        let round = params(256, 7).to_query();
        let pairs: Vec<(&str, &str)> = round.iter().map(|(n, v)| (*n, v.as_str())).collect();
        assert_eq!(query(&pairs).unwrap(), Some(params(256, 7)));
    }

    #[test]
    fn salts_decode_leniently() {
        // 0xfb 0xff 0xbf: `-_-_` in the URL-safe alphabet, `+/+/` in the standard one.
        let bytes = vec![0xfb, 0xff, 0xbf];
        for salt in ["-_-_", "+/+/", " /+/", "-_-_\n"] {
            assert_eq!(decode_salt(salt).unwrap(), bytes, "{salt:?}");
        }
        assert_eq!(decode_salt("AAECAw").unwrap(), [0, 1, 2, 3]);
        assert_eq!(decode_salt("AAECAw==").unwrap(), [0, 1, 2, 3]);
    }

    #[test]
    fn bad_query_parameters_name_their_field() {
        let salt = ("encryptionKeySalt", "AAECAwQFBgcICQoLDA0ODw");
        let on = ("encryptSecret", "true");
        for (pairs, field) in [
            (vec![("encryptSecret", "yes"), salt], "encryptSecret"),
            (vec![on], "encryptionKeySalt"),
            (vec![on, ("encryptionKeySalt", "")], "encryptionKeySalt"),
            (vec![on, ("encryptionKeySalt", "a$b")], "encryptionKeySalt"),
            (vec![on, ("encryptionKeySalt", "A")], "encryptionKeySalt"),
            (
                vec![on, salt, ("encryptionKeySize", "512")],
                "encryptionKeySize",
            ),
            (
                vec![on, salt, ("encryptionKeySize", "x")],
                "encryptionKeySize",
            ),
            (
                vec![on, salt, ("encryptionKeySize", "-128")],
                "encryptionKeySize",
            ),
            (
                vec![on, salt, ("encryptionKeyIterations", "0")],
                "encryptionKeyIterations",
            ),
            (
                vec![on, salt, ("encryptionKeyIterations", "65537")],
                "encryptionKeyIterations",
            ),
            (
                vec![on, salt, ("encryptionKeyIterations", "1e3")],
                "encryptionKeyIterations",
            ),
        ] {
            let err = query(&pairs).unwrap_err();
            assert_eq!(err.field(), Some(field), "{pairs:?}");
            assert_eq!(err.status(), 400);
        }
    }

    #[test]
    fn random_params_follow_the_node_sdk() {
        let (a, b) = (EncryptionParams::random(), EncryptionParams::random());
        assert_eq!((a.salt.len(), a.key_size, a.iterations), (16, 256, 1024));
        assert_ne!(a.salt, b.salt);
    }
}
