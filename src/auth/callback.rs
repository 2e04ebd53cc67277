//! The one-shot loopback listener that catches Atlassian's redirect after consent.
//!
//! It binds exactly the host, port and path of the registered redirect URI (Atlassian
//! compares them verbatim), answers the browser with a short page, and hands the first
//! redirect that carries the expected `state` to the login. A request with another `state`
//! (a stale tab, a forged link) is refused with 400 and does not end the login.

use std::{collections::HashMap, net::SocketAddr, sync::Arc};

use axum::{Router, extract::Query, response::Html, routing::get};
use tokio::sync::{Mutex, mpsc};
use url::Url;

/// What the redirect brought back.
#[derive(Debug, Clone, PartialEq)]
pub enum Redirect {
    Code(String),
    /// `error` and `error_description` from Atlassian.
    Error {
        error: String,
        description: String,
    },
    /// Neither code nor error: what Jira Service Management customers get.
    Empty,
}

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("the redirect URI {0} is not a loopback http URL with a port; use e.g. http://localhost:8765/callback")]
    NotLoopback(String),
    #[error(
        "port {port} is already in use, so the sign-in redirect cannot be received (is another `jira-mcp login` \
         waiting?). Finish or stop it, or register another callback URL and set JIRA_MCP_REDIRECT_URI to it"
    )]
    PortInUse { port: u16 },
    #[error("cannot listen on {addr} for the sign-in redirect: {message}")]
    Other { addr: String, message: String },
}

/// A bound listener; dropping it stops listening.
pub struct Listener {
    rx: mpsc::Receiver<Redirect>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

const PAGE_OK: &str = "<!doctype html><meta charset=utf-8><title>jira-mcp</title><body style=\"font-family:sans-serif\">\
<h2>Signed in to Jira</h2><p>You can close this tab and return to your assistant.</p>";

fn page_err(msg: &str) -> String {
    let esc = msg.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    format!(
        "<!doctype html><meta charset=utf-8><title>jira-mcp</title><body style=\"font-family:sans-serif\">\
         <h2>Sign-in did not complete</h2><p>{esc}</p><p>Return to your assistant or terminal for what to do next.</p>"
    )
}

impl Listener {
    /// Binds the redirect URI's loopback address. `localhost` binds 127.0.0.1 and, when it
    /// can, ::1 (browsers may resolve either).
    pub async fn bind(redirect: &Url, state: String) -> Result<Listener, BindError> {
        let host = redirect.host_str().unwrap_or("");
        let port = redirect
            .port()
            .ok_or_else(|| BindError::NotLoopback(redirect.to_string()))?;
        let addrs: Vec<SocketAddr> = match host {
            "localhost" => vec![
                ([127, 0, 0, 1], port).into(),
                (std::net::Ipv6Addr::LOCALHOST, port).into(),
            ],
            "127.0.0.1" => vec![([127, 0, 0, 1], port).into()],
            "[::1]" | "::1" => vec![(std::net::Ipv6Addr::LOCALHOST, port).into()],
            _ => return Err(BindError::NotLoopback(redirect.to_string())),
        };
        if redirect.scheme() != "http" {
            return Err(BindError::NotLoopback(redirect.to_string()));
        }
        let (tx, rx) = mpsc::channel(1);
        let tx = Arc::new(Mutex::new(Some(tx)));
        let path = redirect.path().to_string();
        let handler = move |Query(q): Query<HashMap<String, String>>| {
            let tx = tx.clone();
            let state = state.clone();
            async move {
                if q.get("state").map(String::as_str) != Some(state.as_str()) {
                    tracing::warn!("sign-in redirect with a wrong state was refused");
                    return (
                        http::StatusCode::BAD_REQUEST,
                        Html(page_err(
                            "This sign-in response does not belong to the sign-in in progress (state mismatch).",
                        )),
                    );
                }
                let outcome = match (q.get("code"), q.get("error")) {
                    (Some(code), _) if !code.is_empty() => Redirect::Code(code.clone()),
                    (_, Some(error)) => Redirect::Error {
                        error: error.clone(),
                        description: q.get("error_description").cloned().unwrap_or_default(),
                    },
                    _ => Redirect::Empty,
                };
                let page = match &outcome {
                    Redirect::Code(_) => (http::StatusCode::OK, Html(PAGE_OK.to_string())),
                    Redirect::Error { error, description } => (
                        http::StatusCode::OK,
                        Html(page_err(&format!("Atlassian said: {error} {description}"))),
                    ),
                    Redirect::Empty => (
                        http::StatusCode::OK,
                        Html(page_err("Atlassian sent no authorization code.")),
                    ),
                };
                if let Some(tx) = tx.lock().await.take() {
                    let _ = tx.send(outcome).await;
                }
                page
            }
        };
        let app = Router::new().route(&path, get(handler));
        let mut tasks = Vec::new();
        for (i, addr) in addrs.iter().enumerate() {
            match tokio::net::TcpListener::bind(addr).await {
                Ok(l) => {
                    let app = app.clone();
                    tasks.push(tokio::spawn(async move {
                        let _ = axum::serve(l, app).await;
                    }));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => return Err(BindError::PortInUse { port }),
                // The IPv6 twin of `localhost` is optional (no IPv6 on the machine).
                Err(_) if i > 0 => {}
                Err(e) => {
                    return Err(BindError::Other {
                        addr: addr.to_string(),
                        message: e.to_string(),
                    });
                }
            }
        }
        Ok(Listener { rx, tasks })
    }

    /// Waits for the redirect; `None` when the listener closed.
    pub async fn next(&mut self) -> Option<Redirect> {
        self.rx.recv().await
    }
}
