//! The fair ceiling of a login: the best rate at which this machine verifies argon2id
//! passwords, with nothing else around them — one verifying thread per core, each in its own
//! reused block of memory, no HTTP, no database, no async runtime.
//!
//! Usage: `raw-ceiling SECONDS` with the stored hash in `BENCH_HASH` and its password in
//! `BENCH_PASSWORD` (default `Sup3rSecret!`); `BENCH_THREADS` overrides the thread count
//! (default: the cores). Prints the verifies per second, summed over the threads.

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};

use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secs: f64 = std::env::args()
        .nth(1)
        .map_or(Ok(5.0), |s| s.parse())
        .map_err(|_| "usage: raw-ceiling SECONDS")?;
    let phc = std::env::var("BENCH_HASH").map_err(|_| "BENCH_HASH is not set")?;
    let password = std::env::var("BENCH_PASSWORD").unwrap_or_else(|_| "Sup3rSecret!".into());
    let threads = std::env::var("BENCH_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let stored = PasswordHash::new(&phc).map_err(|e| format!("BENCH_HASH: {e}"))?;
    let params = Params::try_from(&stored).map_err(|e| format!("BENCH_HASH: {e}"))?;
    let version = Version::try_from(stored.version.unwrap_or(0x13))?;
    let argon = Argon2::new(Algorithm::Argon2id, version, params);
    let (salt, expected) = (
        stored.salt.ok_or("BENCH_HASH has no salt")?,
        stored.hash.ok_or("BENCH_HASH has no hash")?,
    );
    let mut salt_buf = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_buf)?;

    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let counts = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut memory = vec![Block::new(); argon.params().block_count()];
                    let mut out = vec![0u8; expected.len()];
                    let mut done = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        if argon
                            .hash_password_into_with_memory(
                                password.as_bytes(),
                                salt,
                                &mut out,
                                &mut memory,
                            )
                            .is_ok()
                            && out == expected.as_bytes()
                        {
                            done += 1;
                        }
                    }
                    done
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs_f64(secs));
        stop.store(true, Ordering::Relaxed);
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return Err("no verify succeeded: BENCH_HASH is not a hash of BENCH_PASSWORD".into());
    }
    println!("{:.2}", total as f64 / elapsed);
    Ok(())
}
