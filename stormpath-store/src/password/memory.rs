//! Argon2 working memory, allocated once per hashing permit and reused.
//!
//! Each argon2 hash needs `m` KiB of working memory (19 MiB with the OWASP parameters). Left to
//! the argon2 crate, every hash allocates a fresh block on whichever blocking thread runs it,
//! and the allocator keeps those blocks per thread: a login storm spread over the blocking
//! pool's threads grows the process by one block per thread, far past the number of hashes
//! allowed to run at once. Here the [`Hasher`](super::Hasher) takes a block from a
//! [`MemoryPool`] for each hash and gives it back, so at most one block per permit ever exists.
//! The PHC strings are the ones the argon2 crate's `PasswordHasher` writes, byte for byte.

use std::sync::{Mutex, PoisonError};

use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::{Output, ParamsString, SaltString},
};
use subtle::ConstantTimeEq;

/// The longest salt a PHC string may carry (the `password-hash` crate's limit, 64 bytes
/// once decoded).
const MAX_SALT_LEN: usize = 64;

/// Blocks of argon2 working memory, each `blocks` long, handed out one per running hash.
///
/// Blocks are allocated on first use and kept; the hashing semaphore bounds how many are out
/// at once, so the pool never holds more than one block per permit.
pub(crate) struct MemoryPool {
    blocks: usize,
    free: Mutex<Vec<Box<[Block]>>>,
}

impl MemoryPool {
    /// A pool of blocks sized for `params`.
    pub(crate) fn new(params: &Params) -> Self {
        Self {
            blocks: params.block_count(),
            free: Mutex::new(Vec::new()),
        }
    }

    /// A block to hash in: a kept one, or a new one when every kept block is in use.
    pub(crate) fn take(&self) -> Box<[Block]> {
        let kept = self
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        kept.unwrap_or_else(|| vec![Block::new(); self.blocks].into_boxed_slice())
    }

    /// Gives a block back for the next hash.
    pub(crate) fn give_back(&self, block: Box<[Block]>) {
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(block);
    }

    /// How many blocks the pool keeps (the ones in use are not counted).
    #[cfg(test)]
    pub(crate) fn kept(&self) -> usize {
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// Hashes `password` with `argon`'s parameters and `salt` into `memory`, as a PHC string
/// (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), identical to what
/// `argon.hash_password(password, &salt)` gives.
pub(crate) fn hash_into(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: &SaltString,
    memory: &mut [Block],
) -> Result<String, argon2::password_hash::Error> {
    let params = argon.params();
    let mut salt_bytes = [0u8; MAX_SALT_LEN];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let hash = Output::init_with(len, |out| {
        Ok(argon.hash_password_into_with_memory(password, salt_bytes, out, &mut *memory)?)
    })?;
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params)?,
        salt: Some(salt.as_salt()),
        hash: Some(hash),
    }
    .to_string())
}

/// Checks `password` against a parsed argon2 PHC string (any variant and version), computing
/// the hash with the stored salt and parameters into `memory` when they fit in it, else in a
/// fresh allocation; the outputs are compared in constant time. `None` when the string is
/// not an argon2 hash this crate can compute.
pub(crate) fn verify_in(
    password: &[u8],
    stored: &PasswordHash<'_>,
    memory: &mut [Block],
) -> Option<bool> {
    let algorithm = Algorithm::try_from(stored.algorithm).ok()?;
    let version = stored
        .version
        .map_or(Ok(Version::default()), Version::try_from)
        .ok()?;
    let params = Params::try_from(stored).ok()?;
    let (salt, expected) = (stored.salt?, stored.hash?);
    let mut salt_bytes = [0u8; MAX_SALT_LEN];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).ok()?;
    let argon = Argon2::new(algorithm, version, params);
    let mut computed = [0u8; Output::MAX_LENGTH];
    let computed = computed.get_mut(..expected.len())?;
    // Blocks are written before they are read, so a larger block serves a smaller `m`.
    let done = if argon.params().block_count() <= memory.len() {
        argon.hash_password_into_with_memory(password, salt_bytes, computed, memory)
    } else {
        argon.hash_password_into(password, salt_bytes, computed)
    };
    done.ok()?;
    Some(bool::from(computed.ct_eq(expected.as_bytes())))
}

#[cfg(test)]
mod tests {
    use argon2::{PasswordHasher, PasswordVerifier};

    use super::*;

    fn argon(m: u32, t: u32, p: u32) -> Argon2<'static> {
        Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(m, t, p, None).unwrap(),
        )
    }

    #[test]
    fn phc_strings_are_the_argon2_crates() {
        for (m, t, p) in [(64, 1, 1), (256, 2, 2), (1024, 3, 1)] {
            let argon = argon(m, t, p);
            let salt = SaltString::from_b64("c29tZXNhbHRzb21lc2FsdA").unwrap();
            let mut memory = vec![Block::new(); argon.params().block_count()];
            let ours = hash_into(&argon, b"P@ssw0rd!", &salt, &mut memory).unwrap();
            let theirs = argon
                .hash_password(b"P@ssw0rd!", &salt)
                .unwrap()
                .to_string();
            assert_eq!(ours, theirs);
            assert!(ours.starts_with(&format!("$argon2id$v=19$m={m},t={t},p={p}$")));
        }
    }

    #[test]
    fn verifies_what_the_argon2_crate_hashed_in_any_memory() {
        let salt = SaltString::from_b64("c29tZXNhbHRzb21lc2FsdA").unwrap();
        for (m, t, p) in [(64, 1, 1), (512, 2, 2)] {
            let phc = argon(m, t, p)
                .hash_password(b"right", &salt)
                .unwrap()
                .to_string();
            let parsed = PasswordHash::new(&phc).unwrap();
            // Exactly the block, a larger block, and one too small (a fresh allocation).
            for blocks in [m as usize, 4 * m as usize, 8] {
                let mut memory = vec![Block::new(); blocks];
                assert_eq!(verify_in(b"right", &parsed, &mut memory), Some(true));
                assert_eq!(verify_in(b"wrong", &parsed, &mut memory), Some(false));
            }
        }
        // Other argon2 variants and versions go through the same path.
        let legacy = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x10,
            Params::new(64, 1, 1, None).unwrap(),
        )
        .hash_password(b"right", &salt)
        .unwrap()
        .to_string();
        let parsed = PasswordHash::new(&legacy).unwrap();
        let mut memory = vec![Block::new(); 64];
        assert_eq!(verify_in(b"right", &parsed, &mut memory), Some(true));
        assert!(Argon2::default().verify_password(b"right", &parsed).is_ok());
    }

    #[test]
    fn a_string_of_another_scheme_is_not_ours() {
        let mut memory = vec![Block::new(); 64];
        let pbkdf2 =
            PasswordHash::new("$pbkdf2-sha256$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA").unwrap();
        assert_eq!(verify_in(b"x", &pbkdf2, &mut memory), None);
    }

    #[test]
    fn the_pool_keeps_what_it_is_given_back() {
        let pool = MemoryPool::new(&Params::new(64, 1, 1, None).unwrap());
        let (a, b) = (pool.take(), pool.take());
        assert_eq!(a.len(), 64);
        pool.give_back(a);
        pool.give_back(b);
        assert_eq!(pool.kept(), 2);
        let again = pool.take();
        assert_eq!(pool.kept(), 1);
        pool.give_back(again);
    }
}
