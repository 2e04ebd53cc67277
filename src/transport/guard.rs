//! The checks every HTTP request passes before it reaches MCP: `Host` (against DNS
//! rebinding), `Origin` (the MCP spec's MUST: 403 for a present, disallowed Origin), and the
//! bearer secret when one is configured (401, compared in constant time). `/healthz` needs no
//! bearer, so process managers can probe it.

use std::sync::Arc;

use axum::{
    body::Body,
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{StatusCode, header};

use crate::auth::Secret;

/// What the guard allows.
#[derive(Clone)]
pub struct Policy {
    /// Hostnames (or `host:port`) accepted in `Host`.
    pub allowed_hosts: Vec<String>,
    /// Origins accepted in `Origin`, `scheme://host[:port|:*]`.
    pub allowed_origins: Vec<String>,
    pub bearer: Option<Secret>,
}

fn reject(status: StatusCode, msg: &str) -> Response {
    let mut r = (status, msg.to_string()).into_response();
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, http::HeaderValue::from_static("Bearer"));
    }
    r
}

/// `a == b` without an early exit, so the time taken says nothing about where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

/// `Host: example.com:8000` → `example.com`; `[::1]:8000` → `::1`.
fn host_name(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.rsplit_once(':').map_or(authority, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            authority
        }
    })
}

impl Policy {
    fn host_ok(&self, host: &str) -> bool {
        let name = host_name(host);
        self.allowed_hosts
            .iter()
            .any(|a| a.eq_ignore_ascii_case(host) || a.eq_ignore_ascii_case(name))
    }

    fn origin_ok(&self, origin: &str) -> bool {
        let Ok(o) = url::Url::parse(origin) else { return false };
        let (scheme, host, port) = (o.scheme(), o.host_str().unwrap_or(""), o.port_or_known_default());
        self.allowed_origins.iter().any(|allowed| {
            if allowed == origin {
                return true;
            }
            let (base, any_port) = match allowed.strip_suffix(":*") {
                Some(b) => (b, true),
                None => (allowed.as_str(), false),
            };
            let Ok(a) = url::Url::parse(base) else { return false };
            a.scheme() == scheme
                && a.host_str()
                    .unwrap_or("")
                    .trim_matches(['[', ']'])
                    .eq_ignore_ascii_case(host.trim_matches(['[', ']']))
                && (any_port || a.port_or_known_default() == port)
        })
    }
}

pub async fn check(State(policy): State<Arc<Policy>>, req: Request<Body>, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    match host {
        Some(h) if policy.host_ok(&h) => {}
        _ => return reject(StatusCode::FORBIDDEN, "Forbidden: Host header is not allowed"),
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let ok = origin.to_str().is_ok_and(|o| policy.origin_ok(o));
        if !ok {
            return reject(StatusCode::FORBIDDEN, "Forbidden: Origin header is not allowed");
        }
    }
    if let Some(secret) = &policy.bearer
        && req.uri().path() != "/healthz"
    {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !constant_time_eq(given.trim().as_bytes(), secret.expose().as_bytes()) {
            return reject(
                StatusCode::UNAUTHORIZED,
                "Unauthorized: a valid bearer token is required",
            );
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            allowed_origins: vec!["http://localhost:*".into(), "https://app.example.com".into()],
            bearer: None,
        }
    }

    #[test]
    fn hosts() {
        let p = policy();
        assert!(p.host_ok("127.0.0.1:8000"));
        assert!(p.host_ok("localhost"));
        assert!(p.host_ok("[::1]:8000"));
        assert!(!p.host_ok("evil.example:8000"));
        assert!(!p.host_ok("127.0.0.1.evil.example"));
    }

    #[test]
    fn origins() {
        let p = policy();
        assert!(p.origin_ok("http://localhost:5173"));
        assert!(p.origin_ok("https://app.example.com"));
        assert!(!p.origin_ok("https://app.example.com:8443"));
        assert!(!p.origin_ok("https://evil.example"));
        assert!(!p.origin_ok("null"));
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
