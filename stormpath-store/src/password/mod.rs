//! Password hashing (argon2id off the async threads, with a bound on concurrent hashes) and
//! the password-strength policy.

use std::sync::Arc;

use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::{SaltString, rand_core::OsRng},
};
use stormpath_client::Error as ClientError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use unicode_normalization::UnicodeNormalization;

mod guessable;
pub(crate) mod legacy;
mod memory;

pub use guessable::{CHECKED_PREFIX, MIN_GUESSES, PasswordContext, check_guessable};

use memory::MemoryPool;

/// Checks a password against a directory's strength policy (see
/// [`PasswordStrength::check`](stormpath_client::PasswordStrength::check)).
///
/// # Errors
/// The first rule broken, as an [`Invalid`](stormpath_client::Invalid) on `password`.
pub fn check_strength(
    policy: &stormpath_client::PasswordStrength,
    password: &str,
) -> Result<(), stormpath_client::Invalid> {
    policy.check(password)
}

/// Argon2id cost parameters.
///
/// The [`Default`] is OWASP's recommendation and the argon2 crate's default: 19 MiB of memory,
/// two passes, one lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Number of passes.
    pub iterations: u32,
    /// Degree of parallelism.
    pub parallelism: u32,
}

impl HashParams {
    /// OWASP's minimum for argon2id: m = 19456 KiB, t = 2, p = 1.
    pub const OWASP: Self = Self {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };

    /// Tiny parameters that make test suites fast. Never use them in production: the store
    /// refuses them unless `allow_weak_hashing` is set explicitly.
    pub const INSECURE_FAST: Self = Self {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    /// Whether these parameters meet OWASP's minimum.
    #[must_use]
    pub fn meets_owasp_minimum(&self) -> bool {
        self.memory_kib >= Self::OWASP.memory_kib
            && self.iterations >= Self::OWASP.iterations
            && self.parallelism >= 1
    }
}

impl Default for HashParams {
    fn default() -> Self {
        Self::OWASP
    }
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verified {
    /// The password matched.
    pub(crate) ok: bool,
    /// The stored hash used weaker (or other) parameters than the current ones.
    pub(crate) needs_rehash: bool,
}

/// A place among the hashes running or waiting for a permit, taken before any work on a
/// request ([`Hasher::admit`]), so that a request refused for overload has cost nothing and
/// said nothing about the account it named.
pub(crate) struct Admission {
    _place: OwnedSemaphorePermit,
}

/// Hashes and verifies passwords on the blocking pool, at most `permits` at a time, each in one
/// of `permits` reused blocks of argon2 memory ([`memory`]), so that a login storm costs a
/// bounded amount of memory; at most `max_queued` more wait for a permit, and any beyond are
/// refused at once with [`ClientError::Unavailable`] (503, `Retry-After`).
pub(crate) struct Hasher {
    argon: Argon2<'static>,
    params: HashParams,
    permits: Arc<Semaphore>,
    /// Places for the hashes running or waiting: `permits + max_queued`.
    admissions: Arc<Semaphore>,
    memory: Arc<MemoryPool>,
    /// A hash of a random password, verified against when no account matches a login so that
    /// unknown logins cost the same time as wrong passwords.
    dummy: String,
}

impl Hasher {
    pub(crate) fn new(
        params: HashParams,
        permits: usize,
        max_queued: usize,
    ) -> Result<Self, crate::Error> {
        let argon_params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|_| crate::Error::WeakHashing)?;
        let memory = Arc::new(MemoryPool::new(&argon_params));
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
        let mut block = memory.take();
        let dummy = hash_now(&argon, &crate::util::random_token(24), &mut block)
            .map_err(|_| crate::Error::WeakHashing)?;
        memory.give_back(block);
        let permits = permits.max(1);
        Ok(Self {
            argon,
            params,
            permits: Arc::new(Semaphore::new(permits)),
            admissions: Arc::new(Semaphore::new(permits.saturating_add(max_queued))),
            memory,
            dummy,
        })
    }

    /// Takes a place among the hashes running or waiting for a permit.
    ///
    /// # Errors
    /// [`ClientError::Unavailable`] when every permit is taken and `max_queued` requests
    /// already wait for one.
    pub(crate) fn admit(&self) -> Result<Admission, ClientError> {
        Arc::clone(&self.admissions)
            .try_acquire_owned()
            .map(|place| Admission { _place: place })
            .map_err(|_| ClientError::Unavailable)
    }

    /// Hashes a password into a PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
    pub(crate) async fn hash(&self, password: &str) -> Result<String, ClientError> {
        let admission = self.admit()?;
        let argon = self.argon.clone();
        let password = normalize(password);
        self.run(admission, move |memory| hash_now(&argon, &password, memory))
            .await?
            .map_err(ClientError::backend)
    }

    /// Runs the blocklist check ([`check_guessable`]) on the blocking pool in a place among
    /// the hashes (it costs a millisecond at most, far less than a hash, but is CPU work all
    /// the same).
    pub(crate) async fn screen(
        &self,
        password: &str,
        context: &PasswordContext<'_>,
    ) -> Result<(), ClientError> {
        let admission = self.admit()?;
        let check = guessable::prepare(password, context);
        self.run(admission, move |_| check())
            .await?
            .map_err(ClientError::from)
    }

    /// Checks a password against a stored PHC string; `None` checks against the dummy hash
    /// and always fails, taking the same time.
    pub(crate) async fn verify(
        &self,
        password: &str,
        phc: Option<&str>,
    ) -> Result<Verified, ClientError> {
        self.verify_admitted(self.admit()?, password, phc).await
    }

    /// [`verify`](Self::verify) in a place taken earlier with [`admit`](Self::admit).
    pub(crate) async fn verify_admitted(
        &self,
        admission: Admission,
        password: &str,
        phc: Option<&str>,
    ) -> Result<Verified, ClientError> {
        // An imported account without a password (`""`) is checked like an unknown login.
        let phc = phc.filter(|p| !p.is_empty());
        let known = phc.is_some();
        let phc = phc.unwrap_or(&self.dummy).to_owned();
        let raw = password.to_owned();
        let password = normalize(password);
        let current = self.params;
        let verified = self
            .run(admission, move |memory| {
                // Hashes imported from elsewhere (bcrypt, scrypt, PBKDF2, `$stormpath2$`):
                // verified as they are, then replaced by argon2id on success.
                if let Some(ok) = legacy::verify(&phc, &raw, &password) {
                    return Verified {
                        ok,
                        needs_rehash: ok,
                    };
                }
                let Ok(parsed) = PasswordHash::new(&phc) else {
                    return Verified {
                        ok: false,
                        needs_rehash: false,
                    };
                };
                // Verification uses the parameters recorded in the stored hash, in the reused
                // block when they fit in it. `None`: not an argon2 hash (another scheme's
                // verifier goes there).
                let ok = memory::verify_in(password.as_bytes(), &parsed, memory).unwrap_or(false);
                Verified {
                    ok,
                    needs_rehash: ok && !same_params(&parsed, current),
                }
            })
            .await?;
        Ok(Verified {
            ok: verified.ok && known,
            needs_rehash: verified.needs_rehash && known,
        })
    }

    /// Runs `job` on the blocking pool once a permit is free, with a block of argon2 memory.
    /// The permit and the block go with the job: a caller that goes away (a client that hung
    /// up) does not free its permit before its hash is done.
    async fn run<T: Send + 'static>(
        &self,
        admission: Admission,
        job: impl FnOnce(&mut [Block]) -> T + Send + 'static,
    ) -> Result<T, ClientError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(ClientError::backend)?;
        let memory = Arc::clone(&self.memory);
        tokio::task::spawn_blocking(move || {
            let _held = (permit, admission);
            let mut block = memory.take();
            let out = job(&mut block);
            memory.give_back(block);
            out
        })
        .await
        .map_err(ClientError::backend)
    }
}

/// Passwords are compared in Unicode NFKC form, so that `Å` typed as one code point or as
/// `A` + combining ring is the same password (NIST 800-63B).
fn normalize(password: &str) -> String {
    password.nfkc().collect()
}

fn hash_now(
    argon: &Argon2<'_>,
    password: &str,
    memory: &mut [Block],
) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    memory::hash_into(argon, password.as_bytes(), &salt, memory)
}

fn same_params(parsed: &PasswordHash<'_>, current: HashParams) -> bool {
    let Ok(stored) = Params::try_from(parsed) else {
        return false;
    };
    parsed.algorithm.as_str() == "argon2id"
        && stored.m_cost() == current.memory_kib
        && stored.t_cost() == current.iterations
        && stored.p_cost() == current.parallelism
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ_per_salt() {
        let hasher = Hasher::new(HashParams::INSECURE_FAST, 2, 0).unwrap();
        let a = hasher.hash("P@ssw0rd!").await.unwrap();
        let b = hasher.hash("P@ssw0rd!").await.unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(hasher.verify("P@ssw0rd!", Some(&a)).await.unwrap().ok);
        assert!(!hasher.verify("P@ssw0rd?", Some(&a)).await.unwrap().ok);
        assert!(!hasher.verify("anything", None).await.unwrap().ok);
    }

    #[tokio::test]
    async fn unicode_forms_of_one_password_match() {
        let hasher = Hasher::new(HashParams::INSECURE_FAST, 1, 0).unwrap();
        let hash = hasher.hash("p\u{00C5}ssword").await.unwrap();
        assert!(
            hasher
                .verify("pA\u{030A}ssword", Some(&hash))
                .await
                .unwrap()
                .ok
        );
    }

    #[tokio::test]
    async fn weaker_stored_params_ask_for_a_rehash() {
        let old = Hasher::new(
            HashParams {
                memory_kib: 32,
                ..HashParams::INSECURE_FAST
            },
            1,
            0,
        )
        .unwrap();
        let hash = old.hash("pw").await.unwrap();
        let current = Hasher::new(HashParams::INSECURE_FAST, 1, 0).unwrap();
        let v = current.verify("pw", Some(&hash)).await.unwrap();
        assert!(v.ok && v.needs_rehash);
    }

    #[tokio::test]
    async fn beyond_the_permits_and_the_queue_hashes_are_refused_at_once() {
        let hasher = Hasher::new(HashParams::INSECURE_FAST, 1, 1).unwrap();
        let running = hasher.admit().unwrap();
        let waiting = hasher.admit().unwrap();
        assert!(matches!(hasher.admit(), Err(ClientError::Unavailable)));
        assert!(matches!(
            hasher.verify("pw", None).await,
            Err(ClientError::Unavailable)
        ));
        assert!(matches!(
            hasher.hash("pw").await,
            Err(ClientError::Unavailable)
        ));
        drop((running, waiting));
        let hash = hasher.hash("pw").await.unwrap();
        assert!(hasher.verify("pw", Some(&hash)).await.unwrap().ok);
    }

    #[tokio::test]
    async fn one_block_of_memory_per_permit_is_kept() {
        let hasher = Arc::new(Hasher::new(HashParams::INSECURE_FAST, 3, 100).unwrap());
        let hash = hasher.hash("pw").await.unwrap();
        let logins = (0..40).map(|_| {
            let (hasher, hash) = (Arc::clone(&hasher), hash.clone());
            tokio::spawn(async move { hasher.verify("pw", Some(&hash)).await.unwrap().ok })
        });
        for login in logins {
            assert!(login.await.unwrap());
        }
        assert!((1..=3).contains(&hasher.memory.kept()));
    }

    #[test]
    fn default_params_are_owasp() {
        assert_eq!(
            HashParams::default(),
            HashParams {
                memory_kib: 19_456,
                iterations: 2,
                parallelism: 1
            }
        );
        assert!(HashParams::default().meets_owasp_minimum());
        assert!(!HashParams::INSECURE_FAST.meets_owasp_minimum());
    }
}
