//! The HTTP+SSE transport of protocol revision 2024-11-05, for clients that still speak it:
//! `GET /sse` opens a session whose first event (`endpoint`) names the URL to POST messages to,
//! `POST /messages?sessionId=…` delivers a client message (202), and every server message
//! arrives on the SSE stream as a `message` event.
//!
//! rmcp ships no server for it, so each session is rmcp's generic transport over a pair of
//! channels (a sink for server→client, a stream for client→server): the JSON-RPC handling is
//! rmcp's, only the HTTP framing is here. A session ends when its SSE stream is dropped (the
//! client went away), when it is idle too long, or at shutdown.

use std::{
    collections::HashMap,
    convert::Infallible,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Json,
    body::Bytes,
    extract::{Query, State},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::{Stream, StreamExt};
use http::StatusCode;
use rmcp::{
    ServiceExt,
    model::{ClientJsonRpcMessage, ServerJsonRpcMessage},
};
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, PollSender};

use crate::server::JiraMcp;

struct Session {
    to_server: mpsc::Sender<ClientJsonRpcMessage>,
    last_seen: Arc<AtomicU64>,
    ct: CancellationToken,
}

/// All legacy SSE sessions of one HTTP server.
#[derive(Clone)]
pub struct SseSessions {
    server: JiraMcp,
    sessions: Arc<Mutex<HashMap<String, Session>>>,
    max_sessions: usize,
    idle: Duration,
    ct: CancellationToken,
    epoch: Instant,
}

impl SseSessions {
    pub fn new(server: JiraMcp, max_sessions: usize, idle: Duration, ct: CancellationToken) -> Self {
        let this = SseSessions {
            server,
            sessions: Arc::new(Mutex::new(HashMap::new())),
            max_sessions,
            idle,
            ct,
            epoch: Instant::now(),
        };
        this.spawn_reaper();
        this
    }

    pub(crate) fn count(&self) -> usize {
        self.sessions.lock().map(|s| s.len()).unwrap_or(0)
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_secs()
    }

    /// Ends sessions nobody has used for longer than `idle`.
    fn spawn_reaper(&self) {
        let this = self.clone();
        let period = (self.idle / 4).max(Duration::from_millis(200));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            loop {
                tokio::select! {
                    _ = this.ct.cancelled() => break,
                    _ = tick.tick() => {}
                }
                let now = this.now();
                let idle = this.idle.as_secs();
                if let Ok(map) = this.sessions.lock() {
                    for (id, s) in map.iter() {
                        if now.saturating_sub(s.last_seen.load(Ordering::Relaxed)) > idle {
                            tracing::info!(session = %id, "closing idle SSE session");
                            s.ct.cancel();
                        }
                    }
                }
            }
        });
    }
}

#[derive(serde::Deserialize)]
pub struct SessionQuery {
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
}

/// Removes the session when its SSE stream is dropped.
struct SessionGuard {
    id: String,
    sessions: Arc<Mutex<HashMap<String, Session>>>,
    ct: CancellationToken,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.ct.cancel();
        if let Ok(mut m) = self.sessions.lock() {
            m.remove(&self.id);
        }
        tracing::debug!(session = %self.id, "SSE session closed");
    }
}

/// `GET /sse`: opens a session (with the tools of `?toolsets=…`, if given).
pub async fn connect(State(state): State<SseSessions>, uri: http::Uri) -> Response {
    let server = match super::selection_from_query(uri.query()) {
        Ok(None) => state.server.for_session(),
        Ok(Some((_, sel))) => state.server.with_selection(&sel),
        Err(msg) => return (StatusCode::BAD_REQUEST, msg).into_response(),
    };
    if state.ct.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    let id = oauth2::CsrfToken::new_random().secret().clone();
    let (to_server, from_client) = mpsc::channel::<ClientJsonRpcMessage>(64);
    let (to_client, mut from_server) = mpsc::channel::<ServerJsonRpcMessage>(64);
    let ct = state.ct.child_token();
    let last_seen = Arc::new(AtomicU64::new(state.now()));
    {
        let Ok(mut map) = state.sessions.lock() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        if map.len() >= state.max_sessions {
            return (StatusCode::SERVICE_UNAVAILABLE, "too many sessions; try again later").into_response();
        }
        map.insert(
            id.clone(),
            Session {
                to_server,
                last_seen,
                ct: ct.clone(),
            },
        );
    }
    let guard = SessionGuard {
        id: id.clone(),
        sessions: state.sessions.clone(),
        ct: ct.clone(),
    };

    // The MCP session: rmcp's service over the channel pair.
    let service_ct = ct.clone();
    tokio::spawn(async move {
        let mut rx = from_client;
        let stream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));
        let sink = PollSender::new(to_client);
        match server.serve_with_ct((sink, stream), service_ct.clone()).await {
            Ok(running) => {
                let _ = running.waiting().await;
            }
            Err(e) => tracing::info!(error = %e, "SSE session ended before initialization"),
        }
        service_ct.cancel();
    });

    let endpoint = format!("/messages?sessionId={id}");
    let events =
        futures::stream::once(async move { Ok::<_, Infallible>(Event::default().event("endpoint").data(endpoint)) })
            .chain(
                futures::stream::poll_fn(move |cx| from_server.poll_recv(cx)).map(|msg| {
                    let data = serde_json::to_string(&msg).unwrap_or_default();
                    Ok(Event::default().event("message").data(data))
                }),
            )
            .take_until(ct.cancelled_owned());
    let events = GuardedStream {
        inner: Box::pin(events),
        _guard: guard,
    };
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// A stream that owns the session's guard: dropping the response (client gone) ends the session.
struct GuardedStream<S> {
    inner: std::pin::Pin<Box<S>>,
    _guard: SessionGuard,
}

impl<S: Stream> Stream for GuardedStream<S> {
    type Item = S::Item;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<S::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// `POST /messages?sessionId=…`: hands a client message to its session.
pub async fn post(State(state): State<SseSessions>, Query(q): Query<SessionQuery>, body: Bytes) -> Response {
    let Some(id) = q.session_id else {
        return (StatusCode::BAD_REQUEST, "missing sessionId").into_response();
    };
    let msg: ClientJsonRpcMessage = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({"error": format!("not a JSON-RPC message: {e}")})),
            )
                .into_response();
        }
    };
    let sender = {
        let Ok(map) = state.sessions.lock() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        match map.get(&id) {
            Some(s) => {
                s.last_seen.store(state.now(), Ordering::Relaxed);
                s.to_server.clone()
            }
            None => return (StatusCode::NOT_FOUND, "unknown or closed session").into_response(),
        }
    };
    match sender.send(msg).await {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(_) => (StatusCode::GONE, "session closed").into_response(),
    }
}
