//! A counting HTTP/1.1 proxy in front of a real `stormpath-server`: it records the path of
//! every request it forwards (so that a test can count the server calls a back end makes) and
//! can be cut off (every connection refused at once, as a server that is down), then
//! restored. It forwards bytes as they are, one request per connection (`Connection:
//! close` upstream and downstream), so SAuthc1 signatures stay valid.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

pub struct Proxy {
    /// `http://127.0.0.1:PORT`: the server's public base URL must be this.
    pub base_url: String,
    upstream: Arc<Mutex<Option<SocketAddr>>>,
    paths: Arc<Mutex<Vec<String>>>,
    down: Arc<AtomicBool>,
}

impl Proxy {
    /// Listens on a free port; forwards nowhere until [`Proxy::forward_to`].
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let proxy = Self {
            base_url,
            upstream: Arc::new(Mutex::new(None)),
            paths: Arc::new(Mutex::new(Vec::new())),
            down: Arc::new(AtomicBool::new(false)),
        };
        let (upstream, paths, down) = (
            Arc::clone(&proxy.upstream),
            Arc::clone(&proxy.paths),
            Arc::clone(&proxy.down),
        );
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                if down.load(Ordering::SeqCst) {
                    drop(stream);
                    continue;
                }
                let Some(target) = *upstream.lock().unwrap() else {
                    continue;
                };
                let paths = Arc::clone(&paths);
                tokio::spawn(async move {
                    let _ = forward(stream, target, paths).await;
                });
            }
        });
        proxy
    }

    /// Forwards to the server at `base_url` (`http://127.0.0.1:PORT`).
    pub fn forward_to(&self, base_url: &str) {
        let addr = base_url.trim_start_matches("http://").parse().unwrap();
        *self.upstream.lock().unwrap() = Some(addr);
    }

    /// `{base_url}/v1`.
    pub fn api(&self) -> String {
        format!("{}/v1", self.base_url)
    }

    /// Cuts every new connection off (`true`), or forwards again.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// The paths forwarded since the last call (and forgets them).
    pub fn take_paths(&self) -> Vec<String> {
        std::mem::take(&mut *self.paths.lock().unwrap())
    }
}

/// One request: read it, send it upstream with `Connection: close`, copy the answer back.
async fn forward(
    mut client: TcpStream,
    target: SocketAddr,
    paths: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let target_path = request_line.split(' ').nth(1).unwrap_or_default();
    paths
        .lock()
        .unwrap()
        .push(target_path.split('?').next().unwrap_or_default().to_owned());
    let mut out = format!("{request_line}\r\n");
    for line in lines.filter(|l| !l.is_empty()) {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut upstream = TcpStream::connect(target).await?;
    upstream.write_all(out.as_bytes()).await?;
    upstream.write_all(&buf[head_end..]).await?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer).await?;
    client.write_all(&answer).await?;
    client.shutdown().await
}
