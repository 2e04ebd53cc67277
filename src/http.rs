//! The one HTTP client every Jira and JSM call goes through.
//!
//! It knows no endpoint. It adds the credential from the [`TokenProvider`], applies timeouts,
//! retries what is safe to retry, and decodes failures into [`ApiError`]:
//!
//! - `429` is retried for every method (the request was not applied), honouring `Retry-After`,
//!   at most `max_retries` times, waiting at most `max_delay` each time.
//! - `5xx` and transport errors are retried only for idempotent methods (GET, PUT, DELETE); a
//!   POST that may have been applied is never sent twice. A connection that could not be
//!   established at all is retried for any method, since nothing reached Jira.
//! - `401` asks the provider for a fresh credential once (`on_rejected`); a refreshing provider
//!   refreshes, a static one declines and the error is returned.

use std::{sync::Arc, time::Duration};

use reqwest::{Method, StatusCode, header};
use serde_json::Value;
use url::Url;

use crate::{
    auth::{AuthError, AuthKind, TokenProvider},
    config::RetryPolicy,
};

/// A failed call, decoded so that callers can explain it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Jira (or the gateway) answered with a non-success status.
    #[error("HTTP {status}: {}", messages.join("; "))]
    Status {
        status: u16,
        /// `errorMessages` and `errors` of Jira's ErrorCollection (or the gateway's `message`),
        /// already joined into readable sentences.
        messages: Vec<String>,
        /// Seconds from `Retry-After`, for 429/503.
        retry_after: Option<u64>,
        /// How many times the call was retried before giving up.
        retries: u32,
    },
    #[error("could not reach {host}: {message}")]
    Network {
        host: String,
        message: String,
        timeout: bool,
        #[source]
        source: Option<Arc<reqwest::Error>>,
    },
    #[error("unexpected response from Jira ({context}): {message}")]
    Decode {
        context: String,
        message: String,
        #[source]
        source: Option<Arc<serde_json::Error>>,
    },
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// What kind of failure a call met: what the explanation and the caller's next step depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input was refused (by us before any request, or by Jira with a 400).
    InvalidInput,
    /// The item does not exist or the user cannot see it (404).
    NotFound,
    /// The user may not do this (403).
    Permission,
    /// The token lacks an OAuth scope.
    Scope,
    /// Jira is rate-limiting (429).
    RateLimited,
    /// Worth retrying later: 5xx, timeouts, network.
    Transient,
    /// The credential is missing, expired, revoked or rejected (401).
    Auth,
    /// The profile is not configured well enough to call Jira (site, cloud id).
    Config,
    /// The operation or tool does not exist on this flavor.
    Unsupported,
    /// Jira answered in a way jira-mcp cannot read, or conflicted (409, 410, 413).
    Other,
    /// A defect in jira-mcp.
    Bug,
}

impl ApiError {
    pub fn decode(context: String, e: serde_json::Error) -> ApiError {
        ApiError::Decode {
            context,
            message: e.to_string(),
            source: Some(Arc::new(e)),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            _ if self.is_scope_mismatch() => ErrorKind::Scope,
            ApiError::Status { status, .. } => match status {
                400 | 422 => ErrorKind::InvalidInput,
                401 => ErrorKind::Auth,
                403 => ErrorKind::Permission,
                404 => ErrorKind::NotFound,
                429 => ErrorKind::RateLimited,
                500.. => ErrorKind::Transient,
                _ => ErrorKind::Other,
            },
            ApiError::Network { .. } => ErrorKind::Transient,
            ApiError::Decode { .. } => ErrorKind::Other,
            ApiError::Auth(_) => ErrorKind::Auth,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The gateway's answer when the token lacks an OAuth scope the operation needs.
    pub fn is_scope_mismatch(&self) -> bool {
        matches!(self, ApiError::Status { status: 401, messages, .. }
            if messages.iter().any(|m| m.to_ascii_lowercase().contains("scope does not match")))
    }

    pub fn messages(&self) -> &[String] {
        match self {
            ApiError::Status { messages, .. } => messages,
            _ => &[],
        }
    }
}

/// One request, described independently of reqwest so it can be retried.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    pub url: Url,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// A file sent as `multipart/form-data` (field `file`), instead of a JSON body.
    pub upload: Option<Upload>,
    pub headers: Vec<(&'static str, String)>,
    /// The most bytes of answer read; a longer answer is an error, not a bigger process.
    pub max_bytes: usize,
}

/// A file to upload. The bytes are shared: each attempt sends them without a copy.
#[derive(Clone)]
pub struct Upload {
    pub file_name: String,
    pub mime: String,
    pub bytes: bytes::Bytes,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Upload({}, {} bytes)", self.file_name, self.bytes.len())
    }
}

/// What Jira may send in one answer by default (JSON lists of a few hundred issues stay far
/// below it).
pub const DEFAULT_MAX_BYTES: usize = 32 << 20;

impl ApiRequest {
    pub fn new(method: Method, url: Url) -> Self {
        ApiRequest {
            method,
            url,
            query: Vec::new(),
            body: None,
            upload: None,
            headers: Vec::new(),
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn upload(mut self, upload: Upload) -> Self {
        self.upload = Some(upload);
        self
    }

    pub fn max_bytes(mut self, max: usize) -> Self {
        self.max_bytes = max;
        self
    }

    pub fn query(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// The shared client: one connection pool per process.
#[derive(Clone)]
pub struct Http {
    /// Built on the first request: loading the system's root certificates reads every file
    /// of `SSL_CERT_DIR` when that is set, which would double the time to answer
    /// `tools/list`, and a server that never calls Jira (listing tools, a bad argument)
    /// should not pay for it.
    client: Arc<std::sync::OnceLock<reqwest::Client>>,
    timeout: Duration,
    auth: Arc<dyn TokenProvider>,
    retry: RetryPolicy,
}

impl Http {
    pub fn new(auth: Arc<dyn TokenProvider>, retry: RetryPolicy, timeout: Duration) -> Self {
        Http {
            client: Arc::new(std::sync::OnceLock::new()),
            timeout,
            auth,
            retry,
        }
    }

    /// The same connection pool with another credential source: the multi-user server's
    /// users share one pool (credentials travel per request), so a user's first call does not
    /// load the root certificates again.
    pub fn with_auth(&self, auth: Arc<dyn TokenProvider>) -> Http {
        Http {
            client: self.client.clone(),
            timeout: self.timeout,
            auth,
            retry: self.retry.clone(),
        }
    }

    fn client(&self) -> &reqwest::Client {
        self.client.get_or_init(|| {
            reqwest::Client::builder()
                .user_agent(concat!("jira-mcp/", env!("CARGO_PKG_VERSION")))
                // An unreachable Jira is reported within seconds, not after a long wait.
                .connect_timeout(Duration::from_secs(3))
                .timeout(self.timeout)
                .pool_idle_timeout(Duration::from_secs(90))
                // Redirects could carry the Authorization header to another host; Jira's REST
                // API does not redirect, so a redirect is reported rather than followed.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("TLS backend initialises")
        })
    }

    pub fn auth_kind(&self) -> AuthKind {
        self.auth.kind()
    }

    pub fn granted_scopes(&self) -> Option<Vec<String>> {
        self.auth.granted_scopes()
    }

    /// Makes sure a credential is available, signing in through `ui` if the source needs it.
    pub async fn prepare(&self, ui: &dyn crate::auth::LoginUi) -> Result<(), AuthError> {
        self.auth.prepare(ui).await
    }

    /// Sends the request and parses a JSON body (`Value::Null` for an empty 2xx body).
    pub async fn json(&self, req: ApiRequest) -> Result<Value, ApiError> {
        let bytes = self.send(&req).await?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| ApiError::decode(format!("{} {}", req.method, req.url.path()), e))
    }

    /// Sends the request with retries; returns the body of a 2xx response.
    pub async fn send(&self, req: &ApiRequest) -> Result<Vec<u8>, ApiError> {
        self.send_typed(req).await.map(|(body, _)| body)
    }

    /// [`Http::send`], with the answer's `Content-Type`.
    pub async fn send_typed(&self, req: &ApiRequest) -> Result<(Vec<u8>, Option<String>), ApiError> {
        let idempotent = matches!(req.method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE);
        let mut retries = 0u32;
        let mut waited = Duration::ZERO;
        let mut refreshed = false;
        loop {
            let credential = self.auth.credential().await?;
            let mut rb = self
                .client()
                .request(req.method.clone(), req.url.clone())
                .header(header::AUTHORIZATION, credential.header_value());
            // JSON unless the request asks for something else (a file download).
            if !req.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("accept")) {
                rb = rb.header(header::ACCEPT, "application/json");
            }
            if !req.query.is_empty() {
                rb = rb.query(&req.query);
            }
            for (name, value) in &req.headers {
                rb = rb.header(*name, value.as_str());
            }
            if let Some(body) = &req.body {
                rb = rb.json(body);
            }
            if let Some(up) = &req.upload {
                let body = reqwest::Body::from(up.bytes.clone());
                let part = reqwest::multipart::Part::stream_with_length(body, up.bytes.len() as u64)
                    .file_name(up.file_name.clone());
                // A type Jira would refuse is left out rather than failing the upload.
                let part = match part.mime_str(&up.mime) {
                    Ok(typed) => typed,
                    Err(_) => reqwest::multipart::Part::stream_with_length(
                        reqwest::Body::from(up.bytes.clone()),
                        up.bytes.len() as u64,
                    )
                    .file_name(up.file_name.clone()),
                };
                rb = rb.multipart(reqwest::multipart::Form::new().part("file", part));
            }
            let started = std::time::Instant::now();
            let outcome = rb.send().await;
            let resp = match outcome {
                Ok(r) => r,
                Err(e) => {
                    // A timeout already cost the whole timeout, and a host that is not found or
                    // refuses the connection will do the same again: neither is retried. A
                    // connection lost mid-way is, when resending cannot apply a change twice.
                    let lasting = e.is_timeout() || e.is_connect();
                    if !lasting && idempotent && retries < self.retry.max_retries {
                        let wait = self.backoff(retries);
                        if waited + wait <= self.retry.wait_budget {
                            tracing::debug!(method = %req.method, path = req.url.path(), ?wait, "transport error, retrying");
                            tokio::time::sleep(wait).await;
                            waited += wait;
                            retries += 1;
                            continue;
                        }
                    }
                    let err = network_error(&req.url, e);
                    tracing::info!(method = %req.method, path = req.url.path(), error = %err, "Jira not reached");
                    return Err(err);
                }
            };
            let status = resp.status();
            let retry_after = resp
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
            let content_type = resp
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let cap = if status.is_success() {
                req.max_bytes
            } else {
                MAX_ERROR_BYTES
            };
            let body = read_capped(resp, cap, !status.is_success()).await;
            tracing::debug!(
                method = %req.method,
                path = req.url.path(),
                status = status.as_u16(),
                us = started.elapsed().as_micros() as u64,
                "jira call"
            );
            if status.is_success() {
                return match body {
                    Ok(b) => Ok((b, content_type)),
                    Err(Capped::TooLarge(_)) => Err(ApiError::Decode {
                        context: format!("{} {}", req.method, req.url.path()),
                        message: format!("the answer is larger than {} MB", req.max_bytes >> 20),
                        source: None,
                    }),
                    Err(Capped::Failed(e)) => Err(network_error(&req.url, e)),
                };
            }
            // An error's text is for people: its first bytes are enough.
            let body = match body {
                Ok(b) | Err(Capped::TooLarge(b)) => b,
                Err(Capped::Failed(_)) => Vec::new(),
            };
            let retryable = status == StatusCode::TOO_MANY_REQUESTS || (status.is_server_error() && idempotent);
            if retryable && retries < self.retry.max_retries {
                let wait = match retry_after {
                    Some(secs) => Duration::from_secs(secs),
                    None => self.backoff(retries),
                };
                // Beyond the budget the caller hears at once how long to wait.
                if waited + wait <= self.retry.wait_budget {
                    tracing::info!(
                        status = status.as_u16(),
                        ?wait,
                        path = req.url.path(),
                        "Jira asked us to wait; retrying"
                    );
                    tokio::time::sleep(wait).await;
                    waited += wait;
                    retries += 1;
                    continue;
                }
            }
            if status == StatusCode::UNAUTHORIZED && !refreshed {
                refreshed = true;
                let messages = decode_messages(&body);
                let scope_problem = messages.iter().any(|m| m.to_ascii_lowercase().contains("scope"));
                // A scope problem is not cured by a new token of the same grant.
                if !scope_problem && self.auth.on_rejected(&credential).await? {
                    continue;
                }
                return Err(ApiError::Status {
                    status: 401,
                    messages,
                    retry_after,
                    retries,
                });
            }
            return Err(ApiError::Status {
                status: status.as_u16(),
                messages: decode_messages(&body),
                retry_after,
                retries,
            });
        }
    }

    /// "Full jitter": a random wait up to the exponential bound, so that callers who failed
    /// together do not retry together.
    fn backoff(&self, attempt: u32) -> Duration {
        let bound = self
            .retry
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.min(16)))
            .min(self.retry.max_delay);
        bound.mul_f64(random_unit())
    }
}

/// A number in [0, 1) from the standard library's randomly seeded hasher (no generator
/// crate for one number per retry).
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// `Retry-After` in seconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3);
/// a date in the past is 0; a week at most.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<u64> {
    const WEEK: u64 = 7 * 24 * 3600;
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(v.parse::<u64>().unwrap_or(WEEK).min(WEEK));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    let secs = at
        .duration_since(now)
        .map_or(0, |d| d.as_secs() + u64::from(d.subsec_nanos() > 0));
    Some(secs.min(WEEK))
}

/// The most bytes of an error answer read (its text goes into a message, not a file).
const MAX_ERROR_BYTES: usize = 64 << 10;

enum Capped {
    /// Longer than allowed: the first bytes, up to the cap.
    TooLarge(Vec<u8>),
    Failed(reqwest::Error),
}

/// Reads a body chunk by chunk, stopping at `max` bytes (memory stays bounded whatever the
/// answer's length, announced or not). An announced length over `max` is refused before
/// reading, unless the first bytes are wanted (`prefix`: an error's text).
async fn read_capped(mut resp: reqwest::Response, max: usize, prefix: bool) -> Result<Vec<u8>, Capped> {
    if !prefix && resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(Capped::TooLarge(Vec::new()));
    }
    let mut out = Vec::with_capacity(resp.content_length().map_or(0, |n| n.min(max as u64) as usize));
    while let Some(chunk) = resp.chunk().await.map_err(Capped::Failed)? {
        if out.len() + chunk.len() > max {
            let room = max - out.len();
            out.extend_from_slice(&chunk[..room]);
            return Err(Capped::TooLarge(out));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn network_error(url: &Url, e: reqwest::Error) -> ApiError {
    ApiError::Network {
        host: url.host_str().unwrap_or("?").to_string(),
        message: transport_message(&e),
        timeout: e.is_timeout(),
        source: Some(Arc::new(e)),
    }
}

fn transport_message(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "the request timed out".to_string();
    }
    // The causes below reqwest's own text say what went wrong (DNS, refused, TLS, proxy).
    let mut chain = String::new();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        src = s.source();
    }
    let cause = crate::adf::truncate_chars(chain.trim_start_matches(": "), 300);
    let lower = chain.to_ascii_lowercase();
    if e.is_connect() {
        let what =
            if lower.contains("dns error") || lower.contains("lookup address") || lower.contains("name or service") {
                "the host name was not found (DNS); check the site URL"
            } else if lower.contains("refused") {
                "the connection was refused: nothing listens at that address and port"
            } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
                "the TLS handshake failed (a certificate the system does not trust, or a proxy intercepting TLS)"
            } else if lower.contains("proxy") {
                "the proxy refused or failed the connection (check HTTPS_PROXY)"
            } else {
                "the connection failed (check the URL, your network or proxy)"
            };
        return format!("{what} ({cause})");
    }
    // reqwest's Display includes the URL, which never carries secrets (tokens travel in headers).
    format!("{e}{chain}")
}

/// Reads the error shapes Atlassian uses: Jira's `{"errorMessages":[],"errors":{}}`, the
/// gateway's `{"code":401,"message":"…"}`, JSM's `{"errorMessage":"…"}`, JSM Ops'
/// `{"errors":[{"title":"…"}]}`, OAuth's `{"error_description":"…"}`; else a short text body.
pub fn decode_messages(body: &[u8]) -> Vec<String> {
    const MOST: usize = 10;
    let mut out = decode_all_messages(body);
    // Jira's words go into results and logs: a few, each bounded.
    let more = out.len().saturating_sub(MOST);
    out.truncate(MOST);
    for m in &mut out {
        if m.len() > 500 {
            *m = crate::adf::truncate_chars(m, 500);
        }
    }
    if more > 0 {
        out.push(format!("and {more} more"));
    }
    out
}

fn decode_all_messages(body: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => {
            if let Some(list) = v.get("errorMessages").and_then(Value::as_array) {
                out.extend(list.iter().filter_map(Value::as_str).map(str::to_string));
            }
            match v.get("errors") {
                Some(Value::Object(map)) => {
                    for (field, msg) in map {
                        let m = msg.as_str().map(str::to_string).unwrap_or_else(|| msg.to_string());
                        out.push(format!("{field}: {m}"));
                    }
                }
                Some(Value::Array(list)) => {
                    for e in list {
                        if let Some(t) = e.get("title").or_else(|| e.get("detail")).and_then(Value::as_str) {
                            out.push(t.to_string());
                        } else if let Some(inner) = e.get("elementErrors") {
                            // A bulk request's failure for one element (`/issue/bulk`): its
                            // position, then Jira's own error collection for it.
                            let said = decode_messages(inner.to_string().as_bytes()).join("; ");
                            match e.get("failedElementNumber").and_then(Value::as_u64) {
                                Some(n) => out.push(format!("#{}: {said}", n.saturating_add(1))),
                                None => out.push(said),
                            }
                        }
                    }
                }
                _ => {}
            }
            for key in ["message", "errorMessage", "error_description"] {
                if let Some(m) = v.get(key).and_then(Value::as_str)
                    && !m.is_empty()
                {
                    out.push(m.to_string());
                }
            }
            if let Some(warnings) = v.get("warningMessages").and_then(Value::as_array) {
                out.extend(warnings.iter().filter_map(Value::as_str).map(str::to_string));
            }
        }
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if !text.is_empty() && !text.starts_with('<') {
                out.push(crate::adf::truncate_chars(text, 300));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{decode_messages, parse_retry_after};

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = httpdate::parse_http_date("Wed, 02 Dec 2026 12:00:00 GMT").unwrap();
        assert_eq!(parse_retry_after(" 30 ", now), Some(30));
        assert_eq!(parse_retry_after("Wed, 02 Dec 2026 12:01:30 GMT", now), Some(90));
        assert_eq!(parse_retry_after("Wed, 02 Dec 2026 11:00:00 GMT", now), Some(0));
        assert_eq!(parse_retry_after("99999999999999999999999", now), Some(7 * 24 * 3600));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn error_messages_are_few_and_short() {
        let body = serde_json::json!({"errorMessages": (0..50).map(|i| format!("{i}{}", "z".repeat(900))).collect::<Vec<_>>()});
        let m = decode_messages(body.to_string().as_bytes());
        assert_eq!(m.len(), 11);
        assert_eq!(m.last().unwrap(), "and 40 more");
        assert!(m.iter().all(|x| x.chars().count() <= 501), "{:?}", m[0].len());
    }

    #[test]
    fn decodes_jira_error_collection() {
        let m = decode_messages(br#"{"errorMessages":["Bad JQL"],"errors":{"summary":"required"}}"#);
        assert_eq!(m, vec!["Bad JQL".to_string(), "summary: required".to_string()]);
    }

    #[test]
    fn decodes_gateway_message() {
        let m = decode_messages(br#"{"code":401,"message":"Unauthorized; scope does not match"}"#);
        assert_eq!(m, vec!["Unauthorized; scope does not match".to_string()]);
    }

    #[test]
    fn decodes_bulk_element_errors_by_position() {
        let m = decode_messages(
            br#"{"issues":[],"errors":[{"failedElementNumber":1,"status":400,"elementErrors":{"errorMessages":[],"errors":{"issuetype":"invalid"}}}]}"#,
        );
        assert_eq!(m, vec!["#2: issuetype: invalid".to_string()]);
    }

    #[test]
    fn html_bodies_are_not_quoted() {
        assert!(decode_messages(b"<html>502</html>").is_empty());
    }
}
