//! How clients reach the server: stdio (the client spawns us) and HTTP. Both serve the same
//! [`JiraMcp`]; tools do not know how they were reached.
//!
//! HTTP serves, on one listener:
//! - `/mcp`: Streamable HTTP (rmcp's `StreamableHttpService`; replies stream as SSE, shaped by
//!   `reply.rs`: priming events only for clients that expect them, headers sent with the first
//!   event), with sessions by default or stateless (`--stateless`);
//! - `GET /sse` + `POST /messages?sessionId=…`: the 2024-11-05 HTTP+SSE transport (`sse.rs`);
//! - `GET /healthz`: liveness and session counts, for process managers.
//!
//! A session may narrow the tools with query parameters on its URL (`/mcp?toolsets=search&read_only=true`,
//! `/sse?tools=jira_get_issue`): each distinct choice gets its own service over the shared
//! session manager, so one session's choice never changes another's tools.
//!
//! Secure by default: loopback unless told otherwise; `Host`, `Origin` and (when configured)
//! a bearer secret are checked on every request (`guard.rs`); a non-loopback listener refuses to
//! start without a secret unless explicitly told to. Request bodies are capped (413), requests
//! that take too long to start answering time out, sessions are capped and expire when idle,
//! and shutdown lets in-flight tool calls finish.

mod guard;
mod reply;
mod sse;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{Json, Router, extract::State, middleware, routing::get};
use http::StatusCode;
use rmcp::{
    ServiceExt,
    transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
    },
};
use tokio_util::sync::CancellationToken;

pub use guard::constant_time_eq;

use crate::{auth::Secret, server::JiraMcp};

/// Serves MCP over stdin/stdout until the client closes the stream.
pub async fn serve_stdio(server: JiraMcp) -> Result<(), TransportError> {
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| TransportError::Io(e.to_string()))?;
    running.waiting().await.map_err(|e| TransportError::Io(e.to_string()))?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error(
        "refusing to listen on {0} without a bearer secret: anyone who can reach it could use your Jira. Set \
         JIRA_MCP_HTTP_TOKEN or --auth-token-file, listen on 127.0.0.1, or pass \
         --dangerously-allow-unauthenticated-network-access"
    )]
    Unprotected(SocketAddr),
    #[error("cannot listen on {addr}: {message}")]
    Bind { addr: SocketAddr, message: String },
    #[error("{0}")]
    Io(String),
}

/// Settings of the HTTP transport.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    pub listen: SocketAddr,
    /// No sessions: every request stands alone.
    pub stateless: bool,
    /// Bearer secret clients must send (`JIRA_MCP_HTTP_TOKEN`, `--auth-token-file`).
    pub auth_token: Option<Secret>,
    /// Allow a non-loopback listener without a secret.
    pub allow_unauthenticated: bool,
    /// Extra allowed `Origin` values (loopback origins are always allowed).
    pub allowed_origins: Vec<String>,
    /// Extra allowed `Host` names (loopback names and the listen address always are).
    pub allowed_hosts: Vec<String>,
    pub max_sessions: usize,
    pub idle_timeout: Duration,
    pub max_body_bytes: usize,
    /// Longest wait for a response to start.
    pub request_timeout: Duration,
    /// How long shutdown waits for in-flight tool calls.
    pub shutdown_grace: Duration,
    /// How long a client may take to send a request's headers (slow clients hold a connection).
    pub header_read_timeout: Duration,
    /// Open connections at most; further clients wait to be accepted.
    pub max_connections: usize,
    /// `--multi-user`: clients sign in (OAuth) and each call runs as its user.
    pub remote: Option<Arc<crate::remote::Remote>>,
}

impl HttpOptions {
    pub fn new(listen: SocketAddr) -> Self {
        HttpOptions {
            listen,
            stateless: false,
            auth_token: None,
            allow_unauthenticated: false,
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            max_sessions: 256,
            idle_timeout: Duration::from_secs(600),
            max_body_bytes: 1 << 20,
            request_timeout: Duration::from_secs(120),
            shutdown_grace: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            remote: None,
        }
    }

    fn policy(&self) -> guard::Policy {
        let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if !self.listen.ip().is_unspecified() {
            hosts.push(self.listen.ip().to_string());
        }
        hosts.extend(self.allowed_hosts.iter().cloned());
        hosts.extend(self.remote.as_ref().and_then(|r| r.public_host()));
        let mut origins: Vec<String> = ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        origins.extend(self.allowed_origins.iter().cloned());
        guard::Policy {
            allowed_hosts: hosts,
            allowed_origins: origins,
            bearer: self.auth_token.clone(),
        }
    }
}

#[derive(Clone)]
struct Health {
    server: JiraMcp,
    streamable: Arc<LocalSessionManager>,
    sse: sse::SseSessions,
}

async fn healthz(State(h): State<Health>) -> (StatusCode, Json<serde_json::Value>) {
    let streamable = h.streamable.sessions.read().await.len();
    (
        StatusCode::OK,
        Json(serde_json::json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "sessions": { "streamable_http": streamable, "sse": h.sse.count() },
            "in_flight_calls": h.server.in_flight(),
        })),
    )
}

/// Readiness of the multi-user server: its store answers.
async fn readyz(State(remote): State<Arc<crate::remote::Remote>>) -> (StatusCode, Json<serde_json::Value>) {
    match remote.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(serde_json::json!({"status": "ready", "store": "ok"})),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the store does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "not ready", "store": "unavailable"})),
            )
        }
    }
}

async fn no_legacy_sse() -> (StatusCode, &'static str) {
    (
        StatusCode::NOT_FOUND,
        "The legacy HTTP+SSE transport is not offered by the multi-user server: connect to /mcp (Streamable HTTP).",
    )
}

/// `?toolsets=a,b&tools=x,y&read_only=true` on a session URL: `None` when absent.
pub(crate) fn selection_from_query(
    query: Option<&str>,
) -> Result<Option<(String, crate::toolsets::Selection)>, String> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let (toolsets, tools, read_only) = (get("toolsets"), get("tools"), get("read_only"));
    if toolsets.is_none() && tools.is_none() && read_only.is_none() {
        return Ok(None);
    }
    let ro = matches!(read_only.as_deref(), Some("1" | "true" | "yes"));
    let sel = crate::toolsets::Selection::parse(toolsets.as_deref(), tools.as_deref(), ro)?;
    let key = format!("{}|{:?}|{ro}", sel.toolsets.join(","), sel.tools);
    Ok(Some((key, sel)))
}

type McpService = StreamableHttpService<JiraMcp, LocalSessionManager>;

/// The Streamable HTTP services: the default one, and one per tool selection asked for.
struct McpServices {
    base: JiraMcp,
    default: McpService,
    manager: Arc<LocalSessionManager>,
    config: StreamableHttpServerConfig,
    by_selection: std::sync::Mutex<SelectionCache>,
}

/// At most this many distinct tool selections are kept (each is a small router).
const MAX_SELECTIONS: usize = 64;

/// The services of the tool selections clients asked for on the URL, the least recently
/// used evicted beyond [`MAX_SELECTIONS`]. Evicting loses nothing: sessions live in the
/// shared session manager, and a later request with the same selection builds its service
/// again.
type SelectionCache = crate::recent::Recent<McpService>;

async fn mcp(State(s): State<Arc<McpServices>>, req: axum::extract::Request) -> axum::response::Response {
    use tower::ServiceExt as _;
    let service = match selection_from_query(req.uri().query()) {
        Ok(None) => s.default.clone(),
        Ok(Some((key, sel))) => {
            let Ok(mut cache) = s.by_selection.lock() else {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            };
            match cache.get(&key) {
                Some(svc) => svc,
                None => {
                    let server = s.base.with_selection(&sel);
                    let svc = StreamableHttpService::new(
                        move || Ok(server.for_session()),
                        s.manager.clone(),
                        s.config.clone(),
                    );
                    cache.insert(key, svc.clone());
                    svc
                }
            }
        }
        Err(msg) => return (StatusCode::BAD_REQUEST, msg).into_response(),
    };
    // A POST's reply is shaped (`reply.rs`); the GET stream's headers must leave at once.
    let shape = (req.method() == http::Method::POST).then(|| reply::wants_priming(req.headers()));
    let deleting = req.method() == http::Method::DELETE;
    let mut resp = match service.oneshot(req).await {
        Ok(resp) => resp.map(axum::body::Body::new),
        Err(never) => match never {},
    };
    // rmcp answers a session's DELETE with 202, though the session is already gone; the
    // Python SDK warns "Session termination failed: 202" on anything but 200 and 204, which
    // every SDK accepts.
    if deleting && resp.status() == StatusCode::ACCEPTED {
        *resp.status_mut() = StatusCode::NO_CONTENT;
        *resp.body_mut() = axum::body::Body::empty();
    }
    match shape {
        Some(keep_priming) => reply::shape(resp, keep_priming).await,
        None => resp,
    }
}

/// Rejects a new Streamable HTTP session beyond the cap (503), before rmcp creates it.
async fn session_cap(
    State(cap): State<Arc<SessionCap>>,
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let opens_session = req.method() == http::Method::POST && !req.headers().contains_key("mcp-session-id");
    if !opens_session {
        return next.run(req).await;
    }
    // One opening at a time: the count and the creation are one step, so concurrent
    // initializes cannot pass the cap together. An initialize is answered at once (the
    // session exists when its response starts), so this costs little.
    let _opening = cap.opening.lock().await;
    if cap.sessions.sessions.read().await.len() >= cap.max {
        return (StatusCode::SERVICE_UNAVAILABLE, "too many sessions; try again later").into_response();
    }
    next.run(req).await
}

/// A body without `Content-Length` (chunked) is read whole here, up to the limit: past it the
/// answer is 413, as for a declared length, rather than the 500 a handler reading a cut-off
/// body would give.
async fn chunked_body_limit(
    State(max): State<usize>,
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    if req.headers().contains_key(http::header::CONTENT_LENGTH) || req.method() == http::Method::GET {
        return next.run(req).await;
    }
    use futures::StreamExt as _;
    let (parts, body) = req.into_parts();
    let mut chunks = body.into_data_stream();
    let mut bytes = Vec::new();
    let mut read = 0usize;
    // Past the limit the rest is read and dropped (up to eight times the limit), so that the
    // client finishes sending and reads the 413, instead of meeting a closed connection.
    while let Some(chunk) = chunks.next().await {
        let Ok(chunk) = chunk else {
            return (StatusCode::BAD_REQUEST, "the request body could not be read").into_response();
        };
        read = read.saturating_add(chunk.len());
        if read <= max {
            bytes.extend_from_slice(&chunk);
        } else if read > max.saturating_mul(8) {
            break;
        }
    }
    if read > max {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    }
    next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// The session cap, and the lock that makes checking it and opening a session one step.
struct SessionCap {
    sessions: Arc<LocalSessionManager>,
    max: usize,
    opening: tokio::sync::Mutex<()>,
}

use axum::response::IntoResponse;

/// A bound HTTP server, ready to run.
pub struct HttpServer {
    listener: tokio::net::TcpListener,
    app: Router,
    ct: CancellationToken,
    server: JiraMcp,
    grace: Duration,
    limits: ConnectionLimits,
}

/// What one connection may cost: time to send its headers, and how many may be open.
#[derive(Clone, Copy, Debug)]
struct ConnectionLimits {
    header_read_timeout: Duration,
    max_connections: usize,
}

/// Accepts connections until `shutdown` completes, then asks every connection to close
/// (after its current response) and waits for them, briefly. Each connection holds a permit
/// of the connection cap; a client that does not finish its headers in time is dropped.
async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    limits: ConnectionLimits,
) {
    use hyper_util::{
        rt::{TokioExecutor, TokioIo, TokioTimer},
        server::conn::auto::Builder,
        service::TowerToHyperService,
    };
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let closing = CancellationToken::new();
    let connections = tokio_util::task::TaskTracker::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Replies stream as several small SSE writes (a priming event, then the result):
        // without TCP_NODELAY, Nagle's algorithm holds the result until the client's delayed
        // ACK, ~40 ms.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let service = TowerToHyperService::new(app.clone());
        let closing = closing.clone();
        connections.spawn(async move {
            let _permit = permit;
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                () = closing.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
                }
            }
        });
    }
    drop(listener);
    closing.cancel();
    connections.close();
    let _ = tokio::time::timeout(Duration::from_secs(10), connections.wait()).await;
}

impl HttpServer {
    /// Checks the options and binds the listener.
    pub async fn bind(server: JiraMcp, opts: HttpOptions) -> Result<HttpServer, TransportError> {
        if opts.remote.is_some() && opts.auth_token.is_some() {
            return Err(TransportError::Io(
                "--multi-user signs each client in with OAuth; unset JIRA_MCP_HTTP_TOKEN (and --auth-token-file), \
                 which would stand in front of it"
                    .into(),
            ));
        }
        let protected = opts.auth_token.is_some() || opts.remote.is_some();
        if !opts.listen.ip().is_loopback() && !protected && !opts.allow_unauthenticated {
            return Err(TransportError::Unprotected(opts.listen));
        }
        if !opts.listen.ip().is_loopback() && !protected {
            tracing::warn!(addr = %opts.listen, "serving MCP on a network interface WITHOUT authentication");
        }
        let policy = opts.policy();
        let ct = CancellationToken::new();
        let mut manager = LocalSessionManager::default();
        manager.session_config.keep_alive = Some(opts.idle_timeout);
        let manager = Arc::new(manager);
        let mcp_config = StreamableHttpServerConfig::default()
            .with_allowed_hosts(policy.allowed_hosts.clone())
            .with_allowed_origins(policy.allowed_origins.clone())
            .with_legacy_session_mode(!opts.stateless)
            .with_max_request_body_bytes(opts.max_body_bytes)
            .with_cancellation_token(ct.child_token());
        let factory_server = server.clone();
        let default = StreamableHttpService::new(
            move || Ok(factory_server.for_session()),
            manager.clone(),
            mcp_config.clone(),
        );
        let mcp_services = Arc::new(McpServices {
            base: server.clone(),
            default,
            manager: manager.clone(),
            config: mcp_config,
            by_selection: std::sync::Mutex::new(SelectionCache::new(MAX_SELECTIONS)),
        });
        let sse_sessions =
            sse::SseSessions::new(server.clone(), opts.max_sessions, opts.idle_timeout, ct.child_token());
        let health = Health {
            server: server.clone(),
            streamable: manager.clone(),
            sse: sse_sessions.clone(),
        };

        let mut mcp_routes = Router::new()
            .route("/mcp", axum::routing::any(mcp))
            .with_state(mcp_services)
            .layer(middleware::from_fn_with_state(
                Arc::new(SessionCap {
                    sessions: manager.clone(),
                    max: opts.max_sessions,
                    opening: tokio::sync::Mutex::new(()),
                }),
                session_cap,
            ));
        let sse_routes = match &opts.remote {
            // The legacy transport's sessions are not bound to users: not offered.
            Some(_) => Router::new()
                .route("/sse", get(no_legacy_sse))
                .route("/messages", axum::routing::post(no_legacy_sse)),
            None => Router::new()
                .route("/sse", get(sse::connect))
                .route("/messages", axum::routing::post(sse::post))
                .with_state(sse_sessions),
        };
        let mut app = Router::new().route("/healthz", get(healthz)).with_state(health);
        if let Some(remote) = &opts.remote {
            mcp_routes = mcp_routes.layer(middleware::from_fn_with_state(
                remote.clone(),
                crate::remote::Remote::authenticate,
            ));
            app = app.merge(Router::new().route("/readyz", get(readyz)).with_state(remote.clone()));
        }
        let mut app = app
            .merge(mcp_routes)
            .merge(sse_routes)
            .layer(middleware::from_fn_with_state(Arc::new(policy), guard::check));
        // The OAuth endpoints are outside the Host and Origin checks, which guard the MCP
        // endpoint against DNS rebinding: they carry no ambient authority (no cookies; codes
        // and tokens travel in the request), and browser-based clients call them across origins.
        if let Some(remote) = &opts.remote {
            app = app.merge(remote.routes());
        }
        let app = app
            .layer(tower_http::limit::RequestBodyLimitLayer::new(opts.max_body_bytes))
            // Outside the limit layer: it sees the body as sent, to drain what is too much.
            .layer(middleware::from_fn_with_state(opts.max_body_bytes, chunked_body_limit))
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                opts.request_timeout,
            ));
        let listener = tokio::net::TcpListener::bind(opts.listen)
            .await
            .map_err(|e| TransportError::Bind {
                addr: opts.listen,
                message: e.to_string(),
            })?;
        Ok(HttpServer {
            listener,
            app,
            ct,
            server,
            grace: opts.shutdown_grace,
            limits: ConnectionLimits {
                header_read_timeout: opts.header_read_timeout,
                max_connections: opts.max_connections,
            },
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    /// Serves until `shutdown` resolves; then stops accepting, lets in-flight tool calls finish
    /// (at most the grace period), and closes every session.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), TransportError> {
        let HttpServer {
            listener,
            app,
            ct,
            server,
            grace,
            limits,
        } = self;
        let drain_ct = ct.clone();
        let graceful = async move {
            shutdown.await;
            tracing::info!(
                in_flight = server.in_flight(),
                "shutting down: letting in-flight calls finish"
            );
            let deadline = tokio::time::Instant::now() + grace;
            while server.in_flight() > 0 && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            drain_ct.cancel();
        };
        serve_connections(listener, app, graceful, limits).await;
        ct.cancel();
        Ok(())
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
