//! A real OpenID Connect provider for the social-login tests: the npm `oidc-provider` (pinned by
//! `stormpath-testkit/oidc/package-lock.json`; `npm ci` there, which `.ci/run` does and
//! [`OidcProvider::start`] does when `node_modules` is missing) in a `node` process on a free
//! port of 127.0.0.1, killed when the value is dropped.
//!
//! Interactions complete by themselves with the account named by [`OidcProvider::set_user`];
//! [`OidcProvider::tamper`] makes the token endpoint hand out a broken ID token (see
//! `oidc/provider.mjs`).

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::PathBuf,
    process::{Child, Command, Stdio},
};

/// A running provider.
pub struct OidcProvider {
    child: Child,
    /// `http://127.0.0.1:PORT`: the issuer.
    pub issuer: String,
    port: u16,
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc")
}

impl OidcProvider {
    /// Starts a provider signing ID tokens with `alg` (`RS256` or `ES256`).
    ///
    /// # Panics
    /// When node or the npm packages are missing and cannot be installed, or the provider does
    /// not start.
    #[must_use]
    pub fn start(alg: &str) -> Self {
        Self::script("provider.mjs", &format!(r#"{{"alg":"{alg}"}}"#))
    }

    /// Starts `oidc/apis.mjs` instead: GitHub's and Facebook's OAuth APIs in their documented
    /// shapes (`issuer` is then their base URL), accepting `client_secret`. Choose the next
    /// user with [`set_user`](Self::set_user): `{"user": {…}, "emails": […]}`.
    ///
    /// # Panics
    /// As [`start`](Self::start).
    #[must_use]
    pub fn start_apis(client_secret: &str) -> Self {
        Self::script(
            "apis.mjs",
            &format!(r#"{{"client_secret":"{client_secret}"}}"#),
        )
    }

    fn script(script: &str, options: &str) -> Self {
        let dir = dir();
        if !dir.join("node_modules/oidc-provider").exists() {
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--silent"])
                .current_dir(&dir)
                .status()
                .expect("npm ci in stormpath-testkit/oidc");
            assert!(status.success(), "npm ci in stormpath-testkit/oidc failed");
        }
        let mut child = Command::new("node")
            .arg(script)
            .arg(options)
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node provider.mjs");
        let stdout = child.stdout.take().expect("provider stdout");
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).expect("provider output");
        // Keep reading what it prints: a closed pipe would kill it at its next line.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        let port: u16 = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the OIDC provider did not start: {line:?}"));
        Self {
            child,
            issuer: format!("http://127.0.0.1:{port}"),
            port,
        }
    }

    fn post(&self, path: &str, body: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect provider");
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("write");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        assert!(answer.starts_with("HTTP/1.1 200"), "{path}: {answer}");
        answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default()
    }

    /// Registers a client (confidential, `client_secret_basic`) with one redirect URI.
    pub fn register_client(&self, id: &str, secret: &str, redirect_uri: &str) {
        self.post(
            "/_test/client",
            &format!(
                r#"{{"client_id":"{id}","client_secret":"{secret}","redirect_uris":["{redirect_uri}"]}}"#
            ),
        );
    }

    /// The account that signs in next (a JSON object: `sub`, `email` — `null` to leave it
    /// out —, `email_verified`, `name`).
    pub fn set_user(&self, user_json: &str) {
        self.post("/_test/user", user_json);
    }

    /// Breaks the next ID tokens one way (`badsig`, `aud`, `expired`, `nonce`, `none`, `kid`,
    /// `slow`), or stops breaking them (`""`).
    pub fn tamper(&self, mode: &str) {
        self.post("/_test/tamper", &format!(r#"{{"mode":"{mode}"}}"#));
    }

    /// Replaces the signing key (a `kid` the relying party has not seen).
    pub fn rotate_key(&self) {
        self.post("/_test/rotate", "");
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
