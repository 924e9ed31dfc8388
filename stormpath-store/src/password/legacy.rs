//! Password hashes made elsewhere and kept as they were imported (`stormpath-server import`):
//! recognised and bounded at import, verified at login, then replaced by the current argon2id
//! hash on the first successful login (the caller sees `needs_rehash`).
//!
//! | format | example |
//! |---|---|
//! | bcrypt | `$2a$`, `$2b$`, `$2y$` + cost + 53 characters |
//! | argon2id / argon2i (PHC) | `$argon2i$v=19$m=…,t=…,p=…$salt$hash` (verified by the argon2 path) |
//! | scrypt (PHC) | `$scrypt$ln=…,r=…,p=…$salt$hash` |
//! | PBKDF2-SHA256 (PHC) | `$pbkdf2-sha256$i=…,l=…$salt$hash`, or passlib's `$pbkdf2-sha256$ROUNDS$salt$hash` |
//! | PBKDF2-SHA256 (Django) | `pbkdf2_sha256$ITERATIONS$salt$base64 hash` |
//! | Stormpath export | `$stormpath2$ALGORITHM$ITERATIONS$base64 salt$base64 hash` |
//!
//! `$stormpath2$` is Apache Shiro's crypt format under another name: the digest (`MD5`,
//! `SHA-1`, `SHA-256`, `SHA-384`, `SHA-512`) of the salt bytes followed by the password's
//! UTF-8 bytes, then digested again `ITERATIONS - 1` times. `$stormpath1$` (Stormpath's own
//! internal scheme) has no public definition and is refused like any unknown format.
//!
//! Every comparison is constant-time (the crates' own verify, or `subtle`), and cost
//! parameters are bounded so that one imported hash cannot make a login cost minutes or
//! gigabytes ([`check`] at import; [`verify`] refuses the same hashes at login).

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, STANDARD_NO_PAD},
};
use sha2::Digest;
use subtle::ConstantTimeEq;

/// bcrypt costs above this are refused (2^16 rounds: several seconds per login).
pub(crate) const MAX_BCRYPT_COST: u32 = 16;
/// PBKDF2 (and `$stormpath2$`) iteration counts above this are refused.
pub(crate) const MAX_ITERATIONS: u32 = 10_000_000;
/// scrypt `ln` (log2 N) above this is refused.
pub(crate) const MAX_SCRYPT_LOG_N: u8 = 20;
/// scrypt and argon2 hashes needing more memory than this (bytes) are refused.
pub(crate) const MAX_MEMORY_BYTES: u64 = 256 * 1024 * 1024;
/// argon2 passes above this are refused.
const MAX_ARGON2_PASSES: u32 = 64;
/// Parallelism (argon2 lanes, scrypt `p`) above this is refused.
const MAX_PARALLELISM: u32 = 16;

/// Why an imported password hash is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HashRejection {
    /// Not one of the formats above.
    Unknown,
    /// A known format whose text is malformed (the detail says where).
    Malformed(&'static str),
    /// A known format whose cost would make every login too slow or too large.
    TooCostly(String),
}

impl std::fmt::Display for HashRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unknown => f.write_str("unknown password hash format"),
            Self::Malformed(what) => write!(f, "malformed password hash: {what}"),
            Self::TooCostly(what) => write!(f, "password hash cost too high: {what}"),
        }
    }
}

/// The formats recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashFormat {
    /// argon2id, PHC (the store's own).
    Argon2id,
    /// argon2i (or argon2d), PHC.
    Argon2i,
    /// bcrypt `$2a$`/`$2b$`/`$2y$`.
    Bcrypt,
    /// scrypt, PHC.
    Scrypt,
    /// PBKDF2-HMAC-SHA256, PHC or passlib.
    Pbkdf2Sha256,
    /// PBKDF2-HMAC-SHA256, Django's format.
    Django,
    /// Stormpath's export format.
    Stormpath2,
}

/// Recognises an imported hash and checks its syntax and cost.
///
/// # Errors
/// [`HashRejection`]: an unknown format, a malformed hash, or absurd cost parameters.
pub(crate) fn check(hash: &str) -> Result<HashFormat, HashRejection> {
    if hash.starts_with("$argon2") {
        return check_argon2(hash);
    }
    if is_bcrypt(hash) {
        bcrypt_cost(hash)?;
        return Ok(HashFormat::Bcrypt);
    }
    if hash.starts_with("$scrypt$") {
        scrypt_params(hash)?;
        return Ok(HashFormat::Scrypt);
    }
    if hash.starts_with("$pbkdf2-sha256$") {
        pbkdf2_phc(hash)?;
        return Ok(HashFormat::Pbkdf2Sha256);
    }
    if hash.starts_with("pbkdf2_sha256$") {
        django(hash)?;
        return Ok(HashFormat::Django);
    }
    if hash.starts_with("$stormpath2$") {
        stormpath2(hash)?;
        return Ok(HashFormat::Stormpath2);
    }
    Err(HashRejection::Unknown)
}

/// Verifies `password` against a stored hash of one of the other formats (everything but
/// the argon2 PHC strings, which the caller verifies): `None` when the hash is not of those
/// formats. A malformed or too costly hash never matches.
///
/// `raw` is the password as typed, `normalized` its NFKC form (how the store hashes): a hash
/// made elsewhere was made from the raw bytes, so both are tried when they differ.
pub(crate) fn verify(hash: &str, raw: &str, normalized: &str) -> Option<bool> {
    let check = |password: &str| -> Option<bool> {
        Some(if is_bcrypt(hash) {
            // bcrypt reads 72 bytes: a longer password would match on its first 72 alone,
            // so it never matches (its owner resets it, as with Kratos). The crate's
            // `non_truncating_verify` also refuses exactly 72 bytes, which bcrypt does read.
            password.len() <= BCRYPT_MAX_BYTES
                && bcrypt_cost(hash).is_ok()
                && bcrypt::verify(password, hash).unwrap_or(false)
        } else if hash.starts_with("$scrypt$") {
            scrypt_params(hash).is_ok()
                && PasswordHash::new(hash).is_ok_and(|parsed| {
                    scrypt::Scrypt
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
        } else if hash.starts_with("$pbkdf2-sha256$") {
            pbkdf2_phc(hash).is_ok_and(|p| p.matches(password))
        } else if hash.starts_with("pbkdf2_sha256$") {
            django(hash).is_ok_and(|p| p.matches(password))
        } else if hash.starts_with("$stormpath2$") {
            stormpath2(hash).is_ok_and(|p| p.matches(password))
        } else {
            return None;
        })
    };
    let first = check(raw)?;
    Some(first || (raw != normalized && check(normalized) == Some(true)))
}

fn check_argon2(hash: &str) -> Result<HashFormat, HashRejection> {
    let parsed = PasswordHash::new(hash).map_err(|_| HashRejection::Malformed("argon2 PHC"))?;
    let format = match parsed.algorithm.as_str() {
        "argon2id" => HashFormat::Argon2id,
        "argon2i" | "argon2d" => HashFormat::Argon2i,
        _ => return Err(HashRejection::Unknown),
    };
    let params = argon2::Params::try_from(&parsed)
        .map_err(|_| HashRejection::Malformed("argon2 parameters"))?;
    if parsed.hash.is_none() {
        return Err(HashRejection::Malformed("argon2 hash missing"));
    }
    if u64::from(params.m_cost()) * 1024 > MAX_MEMORY_BYTES
        || params.t_cost() > MAX_ARGON2_PASSES
        || params.p_cost() > MAX_PARALLELISM
    {
        return Err(HashRejection::TooCostly(format!(
            "argon2 m={} t={} p={}",
            params.m_cost(),
            params.t_cost(),
            params.p_cost()
        )));
    }
    Ok(format)
}

fn is_bcrypt(hash: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"].iter().any(|p| hash.starts_with(p))
}

/// The bytes of a password bcrypt reads; the rest it ignores.
const BCRYPT_MAX_BYTES: usize = 72;

fn bcrypt_cost(hash: &str) -> Result<u32, HashRejection> {
    // `$2b$` + two-digit cost + `$` + 22 salt + 31 hash characters.
    let malformed = HashRejection::Malformed("bcrypt");
    if hash.len() != 60 || !hash.is_ascii() || hash.as_bytes().get(6) != Some(&b'$') {
        return Err(malformed);
    }
    let cost: u32 = hash
        .get(4..6)
        .and_then(|c| c.parse().ok())
        .ok_or(malformed)?;
    if !(4..=31).contains(&cost) {
        return Err(HashRejection::Malformed("bcrypt cost"));
    }
    if cost > MAX_BCRYPT_COST {
        return Err(HashRejection::TooCostly(format!(
            "bcrypt cost {cost} (at most {MAX_BCRYPT_COST})"
        )));
    }
    Ok(cost)
}

fn scrypt_params(hash: &str) -> Result<(), HashRejection> {
    let parsed = PasswordHash::new(hash).map_err(|_| HashRejection::Malformed("scrypt PHC"))?;
    let params = scrypt::Params::try_from(&parsed)
        .map_err(|_| HashRejection::Malformed("scrypt parameters"))?;
    if parsed.hash.is_none() || parsed.salt.is_none() {
        return Err(HashRejection::Malformed("scrypt salt or hash missing"));
    }
    let memory = 128u64
        .saturating_mul(u64::from(params.r()))
        .saturating_mul(1u64 << params.log_n().min(63));
    if params.log_n() > MAX_SCRYPT_LOG_N
        || params.p() > MAX_PARALLELISM
        || memory > MAX_MEMORY_BYTES
    {
        return Err(HashRejection::TooCostly(format!(
            "scrypt ln={} r={} p={}",
            params.log_n(),
            params.r(),
            params.p()
        )));
    }
    Ok(())
}

/// A PBKDF2-HMAC-SHA256 hash taken apart.
struct Pbkdf2 {
    iterations: u32,
    salt: Vec<u8>,
    expected: Vec<u8>,
}

impl Pbkdf2 {
    fn new(iterations: &str, salt: Vec<u8>, expected: Vec<u8>) -> Result<Self, HashRejection> {
        let iterations: u32 = iterations
            .parse()
            .map_err(|_| HashRejection::Malformed("PBKDF2 iterations"))?;
        if iterations == 0 {
            return Err(HashRejection::Malformed("PBKDF2 iterations"));
        }
        if iterations > MAX_ITERATIONS {
            return Err(HashRejection::TooCostly(format!(
                "PBKDF2 {iterations} iterations (at most {MAX_ITERATIONS})"
            )));
        }
        if expected.is_empty() || expected.len() > 64 {
            return Err(HashRejection::Malformed("PBKDF2 hash length"));
        }
        Ok(Self {
            iterations,
            salt,
            expected,
        })
    }

    fn matches(&self, password: &str) -> bool {
        let mut out = vec![0u8; self.expected.len()];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(
            password.as_bytes(),
            &self.salt,
            self.iterations,
            &mut out,
        );
        out.ct_eq(&self.expected).into()
    }
}

/// `$pbkdf2-sha256$i=ROUNDS,l=LEN$B64SALT$B64HASH` (PHC, RustCrypto) or passlib's
/// `$pbkdf2-sha256$ROUNDS$AB64SALT$AB64HASH` (`.` for `+`, no padding).
fn pbkdf2_phc(hash: &str) -> Result<Pbkdf2, HashRejection> {
    let malformed = || HashRejection::Malformed("PBKDF2-SHA256 PHC");
    let parts: Vec<&str> = hash.split('$').collect();
    let [_, _, params, salt, value] = parts.as_slice() else {
        return Err(malformed());
    };
    if params.bytes().all(|b| b.is_ascii_digit()) {
        // passlib: the salt is the decoded bytes, both in "adapted" base64.
        let ab64 = |s: &str| STANDARD_NO_PAD.decode(s.replace('.', "+"));
        let salt = ab64(salt).map_err(|_| malformed())?;
        let expected = ab64(value).map_err(|_| malformed())?;
        return Pbkdf2::new(params, salt, expected);
    }
    let iterations = params
        .split(',')
        .find_map(|kv| kv.strip_prefix("i="))
        .ok_or_else(malformed)?;
    // RustCrypto's PHC form hashes the salt's decoded bytes (B64, no padding).
    let salt = STANDARD_NO_PAD.decode(salt).map_err(|_| malformed())?;
    let expected = STANDARD_NO_PAD.decode(value).map_err(|_| malformed())?;
    Pbkdf2::new(iterations, salt, expected)
}

/// Django: `pbkdf2_sha256$ITERATIONS$SALT$BASE64HASH`, the salt used as its text.
fn django(hash: &str) -> Result<Pbkdf2, HashRejection> {
    let malformed = || HashRejection::Malformed("Django pbkdf2_sha256");
    let parts: Vec<&str> = hash.split('$').collect();
    let [_, iterations, salt, value] = parts.as_slice() else {
        return Err(malformed());
    };
    if salt.is_empty() {
        return Err(malformed());
    }
    let expected = STANDARD.decode(value).map_err(|_| malformed())?;
    Pbkdf2::new(iterations, salt.as_bytes().to_vec(), expected)
}

/// The digests `$stormpath2$` names.
#[derive(Clone, Copy)]
enum ShiroDigest {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

/// A `$stormpath2$` hash taken apart.
struct Stormpath2 {
    digest: ShiroDigest,
    iterations: u32,
    salt: Vec<u8>,
    expected: Vec<u8>,
}

fn stormpath2(hash: &str) -> Result<Stormpath2, HashRejection> {
    let malformed = |what| HashRejection::Malformed(what);
    let parts: Vec<&str> = hash.split('$').collect();
    let [_, _, algorithm, iterations, salt, value] = parts.as_slice() else {
        return Err(malformed(
            "$stormpath2$ needs ALGORITHM$ITERATIONS$SALT$HASH",
        ));
    };
    let (digest, len) = match algorithm.to_ascii_uppercase().as_str() {
        "MD5" => (ShiroDigest::Md5, 16),
        "SHA-1" | "SHA1" => (ShiroDigest::Sha1, 20),
        "SHA-256" | "SHA256" => (ShiroDigest::Sha256, 32),
        "SHA-384" | "SHA384" => (ShiroDigest::Sha384, 48),
        "SHA-512" | "SHA512" => (ShiroDigest::Sha512, 64),
        _ => return Err(malformed("$stormpath2$ algorithm")),
    };
    let iterations: u32 = iterations
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or(malformed("$stormpath2$ iterations"))?;
    if iterations > MAX_ITERATIONS {
        return Err(HashRejection::TooCostly(format!(
            "$stormpath2$ {iterations} iterations (at most {MAX_ITERATIONS})"
        )));
    }
    let salt = STANDARD
        .decode(salt)
        .map_err(|_| malformed("$stormpath2$ salt"))?;
    let expected = STANDARD
        .decode(value)
        .map_err(|_| malformed("$stormpath2$ hash"))?;
    if expected.len() != len {
        return Err(malformed("$stormpath2$ hash length"));
    }
    Ok(Stormpath2 {
        digest,
        iterations,
        salt,
        expected,
    })
}

impl Stormpath2 {
    fn matches(&self, password: &str) -> bool {
        let out = match self.digest {
            ShiroDigest::Md5 => self.run::<md5::Md5>(password),
            ShiroDigest::Sha1 => self.run::<sha1::Sha1>(password),
            ShiroDigest::Sha256 => self.run::<sha2::Sha256>(password),
            ShiroDigest::Sha384 => self.run::<sha2::Sha384>(password),
            ShiroDigest::Sha512 => self.run::<sha2::Sha512>(password),
        };
        out.ct_eq(&self.expected).into()
    }

    /// Shiro's `SimpleHash`: digest(salt ‖ password), then digest(previous) the remaining
    /// iterations.
    fn run<D: Digest>(&self, password: &str) -> Vec<u8> {
        let mut hashed = D::new()
            .chain_update(&self.salt)
            .chain_update(password.as_bytes())
            .finalize();
        for _ in 1..self.iterations {
            hashed = D::digest(&hashed);
        }
        hashed.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published `$stormpath2$` vectors (Stormpath's SDK test suites and a Shiro check).
    #[test]
    fn stormpath2_published_vectors_verify() {
        for (password, hash) in [
            (
                "123456",
                "$stormpath2$MD5$1$OWI3OTQwYjEwODEwOTdkNTcwZDY5NjQ2ZDNlNmZjNzM=$ULWTW74NXPyLYj3VfYHWrg==",
            ),
            (
                "password",
                "$stormpath2$MD5$1$NzEyN2ZhYzdkZTAyMjJlMGQyMWYxMWRmZmY2YjA1MWI=$K18Ak0YikAFrqgglhIaY5g==",
            ),
            ("monkey", "$stormpath2$MD5$1$$0HY+2qnZvSqVFigOkETYhQ=="),
            (
                "testing12",
                "$stormpath2$SHA-512$1$ZFhBRmpFSnEwVEx2ekhKS0JTMDJBNTNmcg==$Q+sGFg9e+pe9QsUdfnbJUMDtrQNf27ezTnnGllBVkQpMRc9bqH6WkyE3y0svD/7cBk8uJW9Wb3dolWwDtDLFjg==",
            ),
        ] {
            assert_eq!(check(hash), Ok(HashFormat::Stormpath2), "{hash}");
            assert_eq!(verify(hash, password, password), Some(true), "{hash}");
            assert_eq!(verify(hash, "wrong", "wrong"), Some(false), "{hash}");
        }
    }

    #[test]
    fn a_bcrypt_hash_never_matches_a_password_longer_than_72_bytes() {
        let first = "a".repeat(72);
        let hash = bcrypt::hash(&first, 4).expect("hash");
        assert_eq!(verify(&hash, &first, &first), Some(true));
        let longer = format!("{first}and-anything-after");
        assert_eq!(
            verify(&hash, &longer, &longer),
            Some(false),
            "the first 72 bytes alone must not let a longer password in"
        );
    }

    #[test]
    fn unknown_and_absurd_hashes_are_refused() {
        assert_eq!(
            check("5f4dcc3b5aa765d61d8327deb882cf99"),
            Err(HashRejection::Unknown)
        );
        assert_eq!(check("$stormpath1$abc$def"), Err(HashRejection::Unknown));
        assert!(check("$argon2x$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA").is_err());
        let slow = "$2b$17$abcdefghijklmnopqrstuuXoGrPLKk2wYSM4D1VYhGKe0pQBvnrXS";
        assert!(
            matches!(check(slow), Err(HashRejection::TooCostly(_))),
            "{slow}"
        );
        assert_eq!(verify(slow, "x", "x"), Some(false));
        assert!(matches!(
            check("pbkdf2_sha256$10000001$salt$AAAA"),
            Err(HashRejection::TooCostly(_))
        ));
        assert!(matches!(
            check("$scrypt$ln=21,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"),
            Err(HashRejection::TooCostly(_))
        ));
        assert!(matches!(
            check("$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"),
            Err(HashRejection::TooCostly(_))
        ));
        assert!(matches!(
            check("$2b$12$short"),
            Err(HashRejection::Malformed(_))
        ));
        assert!(matches!(
            check("$stormpath2$MD4$1$$AAAA"),
            Err(HashRejection::Malformed(_))
        ));
        assert_eq!(verify("$argon2id$whatever", "x", "x"), None);
    }
}
