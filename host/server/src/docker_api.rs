//! A small client of the Docker Engine API, for what the authorization plugin must know about the
//! daemon it guards: the containers it already has (for the host budgets), one container's
//! configuration (for `update`), and the machine (`/info`, for a host profile).
//!
//! `unix://PATH` (the default `/var/run/docker.sock`) or `tcp://HOST:PORT`, HTTP/1.1, bounded in
//! time and size. It only reads (`GET`); it never creates, changes or pulls anything.

use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::Value;

/// Largest response read (a daemon with thousands of containers still fits).
const MAX_RESPONSE: usize = 64 << 20;

/// Where the Docker API listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerHost {
    /// A unix socket.
    Unix(std::path::PathBuf),
    /// `host:port` over plain TCP.
    Tcp(String),
}

impl DockerHost {
    /// Parse `unix:///path` or `tcp://host:port` (as `DOCKER_HOST` is written).
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(path) = text.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(format!("`{text}`: the unix socket path is empty"));
            }
            Ok(DockerHost::Unix(path.into()))
        } else if let Some(address) = text.strip_prefix("tcp://") {
            let address = address.trim_end_matches('/');
            if !address.contains(':') {
                return Err(format!("`{text}`: expected tcp://HOST:PORT"));
            }
            Ok(DockerHost::Tcp(address.to_string()))
        } else {
            Err(format!("`{text}`: expected unix:///path/to/docker.sock or tcp://HOST:PORT"))
        }
    }

    /// From `DOCKER_HOST`, else the daemon's default socket.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var("DOCKER_HOST") {
            Ok(text) if !text.is_empty() => DockerHost::parse(&text).map_err(|e| format!("DOCKER_HOST: {e}")),
            _ => Ok(DockerHost::Unix("/var/run/docker.sock".into())),
        }
    }
}

impl std::fmt::Display for DockerHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DockerHost::Unix(p) => write!(f, "unix://{}", p.display()),
            DockerHost::Tcp(a) => write!(f, "tcp://{a}"),
        }
    }
}

/// A container the daemon has, with its configuration.
#[derive(Debug, Clone)]
pub struct Container {
    /// Id.
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    /// `running`, `created`, …
    pub state: String,
    /// `GET /containers/{id}/json`.
    pub inspect: Value,
}

/// A read-only Docker API client.
#[derive(Debug, Clone)]
pub struct DockerApi {
    host: DockerHost,
    timeout: Duration,
}

impl DockerApi {
    /// A client of `host`, each call bounded by `timeout`.
    pub fn new(host: DockerHost, timeout: Duration) -> Self {
        DockerApi { host, timeout }
    }

    /// Where it connects.
    pub fn host(&self) -> &DockerHost {
        &self.host
    }

    /// `GET path` as JSON; an error says what failed, for the log and the deny message.
    pub async fn get(&self, path: &str) -> Result<Value, String> {
        let call = async {
            let request = hyper::Request::get(path)
                .header(hyper::header::HOST, "docker")
                .body(Empty::<Bytes>::new())
                .map_err(|e| e.to_string())?;
            let response = match &self.host {
                DockerHost::Unix(path) => {
                    let stream = tokio::net::UnixStream::connect(path).await.map_err(|e| e.to_string())?;
                    send(stream, request).await?
                }
                DockerHost::Tcp(address) => {
                    let stream = tokio::net::TcpStream::connect(address).await.map_err(|e| e.to_string())?;
                    send(stream, request).await?
                }
            };
            let status = response.status();
            let body = Limited::new(response.into_body(), MAX_RESPONSE)
                .collect()
                .await
                .map_err(|e| format!("reading the answer: {e}"))?
                .to_bytes();
            if !status.is_success() {
                let message = serde_json::from_slice::<Value>(&body)
                    .ok()
                    .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
                    .unwrap_or_default();
                return Err(format!("{status} {message}").trim().to_string());
            }
            serde_json::from_slice(&body).map_err(|e| format!("the answer is not JSON: {e}"))
        };
        match tokio::time::timeout(self.timeout, call).await {
            Ok(result) => result.map_err(|e| format!("Docker API at {} (GET {path}): {e}", self.host)),
            Err(_) => Err(format!("Docker API at {} (GET {path}): no answer within {:?}", self.host, self.timeout)),
        }
    }

    /// The containers that count against the host: running, restarting, paused or created (a
    /// created container is about to run), each inspected.
    pub async fn containers(&self) -> Result<Vec<Container>, String> {
        let list = self.get("/containers/json?all=1").await?;
        let mut out = Vec::new();
        for entry in list.as_array().map(Vec::as_slice).unwrap_or_default() {
            let state = entry.get("State").and_then(Value::as_str).unwrap_or("").to_string();
            if !matches!(state.as_str(), "running" | "restarting" | "paused" | "created") {
                continue;
            }
            let Some(id) = entry.get("Id").and_then(Value::as_str) else { continue };
            let inspect = match self.get(&format!("/containers/{id}/json")).await {
                Ok(inspect) => inspect,
                // Removed between the list and the inspect: it no longer counts.
                Err(e) if e.contains("404") => continue,
                Err(e) => return Err(e),
            };
            let name = inspect.get("Name").and_then(Value::as_str).unwrap_or(id).trim_start_matches('/').to_string();
            out.push(Container { id: id.to_string(), name, state, inspect });
        }
        Ok(out)
    }
}

async fn send<S>(
    stream: S,
    request: hyper::Request<Empty<Bytes>>,
) -> Result<hyper::Response<hyper::body::Incoming>, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    sender.send_request(request).await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hosts_parse_as_docker_writes_them() {
        assert_eq!(DockerHost::parse("unix:///run/d.sock"), Ok(DockerHost::Unix("/run/d.sock".into())));
        assert_eq!(DockerHost::parse("tcp://127.0.0.1:2375/"), Ok(DockerHost::Tcp("127.0.0.1:2375".into())));
        assert!(DockerHost::parse("unix://").is_err());
        assert!(DockerHost::parse("tcp://host").is_err());
        assert!(DockerHost::parse("/run/d.sock").unwrap_err().contains("expected unix://"));
    }

    #[tokio::test]
    async fn an_absent_daemon_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let api = DockerApi::new(DockerHost::Unix(dir.path().join("none.sock")), Duration::from_secs(1));
        let err = api.get("/info").await.unwrap_err();
        assert!(
            err.starts_with(&format!("Docker API at unix://{}/none.sock (GET /info): ", dir.path().display())),
            "{err}"
        );
    }
}
