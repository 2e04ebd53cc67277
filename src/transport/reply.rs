//! The shape of a Streamable HTTP reply to a POST, adjusted before hyper writes it.
//!
//! rmcp answers every POST that carries a request with an SSE stream. Two things about that
//! stream are ours to decide:
//!
//! - **Priming events** (SEP-1699: an event id with empty data, so that a client can resume a
//!   dropped stream) exist since protocol 2025-11-25. rmcp sends them whatever the client
//!   speaks; clients of older revisions parse the empty data as JSON and fail, which is why the
//!   TypeScript, Python and Go SDKs send them only to 2025-11-25 clients. So do we: the event is
//!   dropped from the streams of older clients.
//! - **When the headers leave.** hyper writes the status line and headers as soon as the
//!   response exists, then each event as it comes. A tool call that answers quickly would then
//!   cost two writes and two wake-ups of the client for one reply. The headers wait for the
//!   first event instead, so that a quick reply leaves in one write (headers, event, end of
//!   stream). The wait is bounded: a slow call still gets its first event at once if it is a
//!   priming event, else a progress notification or rmcp's keep-alive (every 15 s).

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use axum::body::{Body, Bytes};
use http::{HeaderMap, Response, header};
use http_body::{Body as _, Frame, SizeHint};

/// The first protocol revision whose clients expect priming events.
const PRIMING_SINCE: &str = "2025-11-25";

/// Whether the client that sent `headers` expects priming events. rmcp has already rejected
/// unknown revisions, so comparing the dates as text is sound.
pub(super) fn wants_priming(headers: &HeaderMap) -> bool {
    headers
        .get("mcp-protocol-version")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v >= PRIMING_SINCE)
}

/// Applies both adjustments to an SSE reply; any other response passes unchanged.
pub(super) async fn shape(resp: Response<Body>, keep_priming: bool) -> Response<Body> {
    let is_sse = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if !is_sse {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let mut reply = Reply {
        inner: body,
        drop_priming: !keep_priming,
        first: None,
        done: false,
    };
    // Hold the headers until there is something to send with them.
    let first = std::future::poll_fn(|cx| Pin::new(&mut reply).poll_frame(cx)).await;
    match first {
        Some(frame) => reply.first = Some(frame),
        None => reply.done = true,
    }
    Response::from_parts(parts, Body::new(reply))
}

/// The reply's body: the event already read, then the rest, without priming events for
/// clients that do not expect them.
struct Reply {
    inner: Body,
    drop_priming: bool,
    first: Option<Result<Frame<Bytes>, axum::Error>>,
    done: bool,
}

impl http_body::Body for Reply {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(first));
        }
        if self.done {
            return Poll::Ready(None);
        }
        loop {
            match Pin::new(&mut self.inner).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame)))
                    if self.drop_priming && frame.data_ref().is_some_and(|d| is_priming(d)) =>
                {
                    continue;
                }
                Poll::Ready(None) => {
                    self.done = true;
                    return Poll::Ready(None);
                }
                other => return other,
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.first.is_none() && (self.done || self.inner.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

/// An SSE event with an id and nothing but empty `data` lines: a priming event.
fn is_priming(event: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(event) else {
        return false;
    };
    let mut has_id = false;
    let mut has_data = false;
    for line in text.lines() {
        if let Some(value) = line.strip_prefix("data:") {
            if !value.trim_start_matches(' ').is_empty() {
                return false;
            }
            has_data = true;
        } else if line.starts_with("id:") {
            has_id = true;
        }
    }
    has_id && has_data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_priming_events_only() {
        assert!(is_priming(b"data: \nid: 0/3\nretry: 3000\n\n"));
        assert!(is_priming(b"id: 7\ndata:\n\n"));
        assert!(!is_priming(
            b"data: {\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}\nid: 0/1\n\n"
        ));
        assert!(!is_priming(b": keep-alive\n\n"));
        assert!(
            !is_priming(b"data: \n\n"),
            "no id: nothing to resume from, not ours to drop"
        );
    }

    #[test]
    fn priming_only_for_2025_11_25_and_later() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert("mcp-protocol-version", v.parse().unwrap());
            wants_priming(&h)
        };
        assert!(with("2025-11-25"));
        assert!(with("2026-07-28"));
        assert!(!with("2025-06-18"));
        assert!(!with("2025-03-26"));
        assert!(!wants_priming(&HeaderMap::new()));
    }

    fn sse(events: &'static [&'static str]) -> Response<Body> {
        let stream = futures::stream::iter(
            events
                .iter()
                .map(|e| Ok::<_, std::io::Error>(Bytes::from_static(e.as_bytes()))),
        );
        Response::builder()
            .header(header::CONTENT_TYPE, "text/event-stream")
            .body(Body::from_stream(stream))
            .unwrap()
    }

    async fn collect(resp: Response<Body>) -> String {
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    const PRIMING: &str = "data: \nid: 0/1\nretry: 3000\n\n";
    const RESULT: &str = "data: {\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}\nid: 0/2\n\n";

    #[tokio::test]
    async fn old_clients_get_the_result_without_the_priming_event() {
        let out = collect(shape(sse(&[PRIMING, RESULT]), false).await).await;
        assert_eq!(out, RESULT);
    }

    #[tokio::test]
    async fn new_clients_keep_the_priming_event() {
        let out = collect(shape(sse(&[PRIMING, RESULT]), true).await).await;
        assert_eq!(out, format!("{PRIMING}{RESULT}"));
    }

    #[tokio::test]
    async fn other_responses_pass_unchanged() {
        let resp = Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(PRIMING))
            .unwrap();
        assert_eq!(collect(shape(resp, false).await).await, PRIMING);
        assert_eq!(collect(shape(sse(&[]), false).await).await, "");
    }
}
