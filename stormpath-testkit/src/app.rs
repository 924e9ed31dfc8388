//! Instances of an application as separate processes: the `conformance` example of
//! `stormpath-actix` (or another of its examples) on a free port of 127.0.0.1, configured by environment variables only
//! (database, Redis, public base URL), killed when dropped.

use std::{
    net::TcpStream,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A running instance.
pub struct AppInstance {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl AppInstance {
    /// Starts the conformance example with `env` (e.g. `STORMPATH_DATABASE_URL`,
    /// `STORMPATH_REDIS_URL`, `STORMPATH_BASE_URL`, `SECRET_KEY`), fast test hashing, and
    /// waits until it listens.
    ///
    /// # Panics
    /// When it exits or does not listen within 30 s.
    #[must_use]
    pub fn start(env: &[(&str, &str)]) -> Self {
        Self::try_start(env).unwrap_or_else(|output| panic!("the app did not start: {output}"))
    }

    /// Like [`start`](Self::start), but a process that exits at once gives back what it
    /// printed on stderr (a startup error).
    ///
    /// # Errors
    /// The exit status and stderr of an instance that stopped before listening.
    ///
    /// # Panics
    /// When it neither exits nor listens within 30 s.
    pub fn try_start(env: &[(&str, &str)]) -> Result<Self, String> {
        Self::try_start_example("conformance", env)
    }

    /// Starts another example of `stormpath-actix` (e.g. `remote`) the same way, on a free
    /// port it is told in `PORT`.
    ///
    /// # Panics
    /// When it exits or does not listen within 30 s.
    #[must_use]
    pub fn start_example(example: &str, env: &[(&str, &str)]) -> Self {
        Self::try_start_example(example, env)
            .unwrap_or_else(|output| panic!("the {example} example did not start: {output}"))
    }

    fn try_start_example(example: &str, env: &[(&str, &str)]) -> Result<Self, String> {
        let bin = crate::build::fresh(
            &crate::build::profile_dir().join("examples").join(example),
            &["-p", "stormpath-actix", "--example", example],
            &[
                "stormpath-actix/src",
                "stormpath-actix/examples",
                "examples",
                "templates",
                "stormpath-store/src",
                "stormpath-store/migrations",
                "stormpath-client/src",
            ],
        );
        let port = crate::rest_server::free_port();
        let mut command = Command::new(bin);
        command
            .env("PORT", port.to_string())
            .env("STORMPATH_PASSWORD_HASHING_INSECUREALLOWWEAK", "true")
            .env("STORMPATH_PASSWORD_HASHING_MEMORYKIB", "64")
            .env("STORMPATH_PASSWORD_HASHING_ITERATIONS", "1")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|err| panic!("spawn the {example} example: {err}"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let mut err = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
                }
                return Err(format!("{status}: {err}"));
            }
            assert!(Instant::now() < deadline, "the app did not listen in 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        // Keep reading its log so that a chatty instance never blocks on a full pipe.
        if let Some(stderr) = child.stderr.take() {
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut { stderr }, &mut std::io::sink());
            });
        }
        Ok(Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        })
    }
}

impl Drop for AppInstance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
