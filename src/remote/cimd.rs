//! Client ID metadata documents: a client whose `client_id` is an `https://` URL is
//! described by the JSON document at that URL (its name and redirect URIs), with no
//! registration beforehand. The MCP revision of 2026-07-28 prefers this to dynamic
//! registration.
//!
//! Fetching a URL a stranger chose is a server-side request forgery risk. The checks below
//! apply before anything is read:
//! - only `https` URLs with a path are accepted;
//! - the host must resolve to public addresses only, unless `JIRA_MCP_CIMD_ALLOW_PRIVATE` is set
//!   (for clients hosted on an intranet, and tests). The connection then goes to the address
//!   that was checked, so a second DNS answer cannot redirect it;
//! - no redirects are followed, the wait is 5 s, and at most 16 KB is read.
//!
//! A document is valid when its `client_id` is its own URL, it lists redirect URIs, and it
//! asks for no client secret (these clients are public). Documents are kept for 10 minutes.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    time::{Duration, Instant},
};

use serde_json::Value;
use url::Url;

use super::store::ClientRecord;

const MAX_BYTES: usize = 16 << 10;
const KEEP: Duration = Duration::from_secs(600);

/// `id` is a client ID metadata document URL (rather than a registered client's id).
pub fn is_document_url(id: &str) -> bool {
    id.starts_with("https://")
}

/// The documents read recently.
#[derive(Default)]
pub struct Cache(std::sync::Mutex<HashMap<String, (Instant, ClientRecord)>>);

impl Cache {
    fn get(&self, url: &str) -> Option<ClientRecord> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(url)
            .filter(|(at, _)| at.elapsed() < KEEP)
            .map(|(_, c)| c.clone())
    }

    fn put(&self, url: &str, c: &ClientRecord) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: a flood of made-up URLs cannot grow it without end.
        if map.len() >= 1_000 {
            map.retain(|_, (at, _)| at.elapsed() < KEEP);
            if map.len() >= 1_000 {
                map.clear();
            }
        }
        map.insert(url.to_string(), (Instant::now(), c.clone()));
    }
}

/// True for addresses a stranger's URL must not make us reach.
fn private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || a == 100 && (64..128).contains(&b)
                || a == 198 && (18..20).contains(&b)
                || a == 192 && b == 0 && c == 0
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                // NAT64 (64:ff9b::/96), 6to4 (2002::/16) and IPv4-compatible (::/96) embed an
                // IPv4 address that may be private.
                || s[0] == 0x64 && s[1] == 0xff9b
                || s[0] == 0x2002
                || s[..6] == [0; 6]
                || v6.to_ipv4_mapped().is_some_and(|v4| private(IpAddr::V4(v4)))
        }
    }
}

/// The client described at `url`, read (or recalled) and checked; `Err` says what is wrong,
/// for the user's page or the client's error.
pub async fn client(cache: &Cache, url: &str, allow_private: bool) -> Result<ClientRecord, String> {
    if let Some(c) = cache.get(url) {
        return Ok(c);
    }
    let parsed = Url::parse(url).map_err(|_| "the client_id is not a URL".to_string())?;
    if parsed.scheme() != "https" || matches!(parsed.path(), "" | "/") || parsed.fragment().is_some() {
        return Err("a client_id URL must be https with a path".into());
    }
    let host = parsed.host_str().ok_or("the client_id URL has no host")?.to_string();
    let port = parsed.port_or_known_default().unwrap_or(443);
    // Another port would let a client probe services that are not web servers.
    if port != 443 && !allow_private {
        return Err("a client_id URL must use the https port (443)".into());
    }
    let addrs: Vec<SocketAddr> =
        tokio::time::timeout(Duration::from_secs(5), tokio::net::lookup_host((host.as_str(), port)))
            .await
            .map_err(|_| format!("looking up {host} took too long"))?
            .map_err(|e| format!("{host} cannot be resolved: {e}"))?
            .collect();
    let addr = addrs
        .iter()
        .copied()
        .find(|a| allow_private || !private(a.ip()))
        .ok_or_else(|| format!("{host} resolves only to private addresses, which client_id URLs may not name"))?;
    if !allow_private && addrs.iter().any(|a| private(a.ip())) {
        return Err(format!(
            "{host} resolves to private addresses, which client_id URLs may not name"
        ));
    }
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        // A proxy would resolve the name itself, past the address checked above.
        .no_proxy()
        .resolve(&host, addr)
        .user_agent(concat!("jira-mcp/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("the HTTP client: {e}"))?;
    let mut resp = http
        .get(url)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| {
            // The cause goes to the log only: told to the caller, it would map the network.
            tracing::info!(client = %url, error = %chain(&e), "a client metadata document could not be read");
            "the client's metadata document could not be read".to_string()
        })?;
    if !resp.status().is_success() {
        return Err(format!("the client's metadata document answered {}", resp.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| format!("the client's metadata document could not be read: {e}"))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BYTES {
            return Err("the client's metadata document is larger than 16 KB".into());
        }
    }
    let doc: Value =
        serde_json::from_slice(&body).map_err(|_| "the client's metadata document is not JSON".to_string())?;
    let record = validate(url, &doc)?;
    cache.put(url, &record);
    Ok(record)
}

/// An error with its causes (reqwest's own message omits why a connection failed).
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(&format!(": {c}"));
        cause = c.source();
    }
    out
}

/// The client a document describes, if it is a valid document for `url`.
fn validate(url: &str, doc: &Value) -> Result<ClientRecord, String> {
    if doc.get("client_id").and_then(Value::as_str) != Some(url) {
        return Err("the metadata document's client_id is not its own URL".into());
    }
    if doc.get("client_secret").is_some() || doc.get("client_secret_expires_at").is_some() {
        return Err("a client metadata document may not carry a client secret".into());
    }
    match doc.get("token_endpoint_auth_method").and_then(Value::as_str) {
        None | Some("none") => {}
        Some(m) => return Err(format!("token_endpoint_auth_method {m} is not supported; use none")),
    }
    let uris: Vec<String> = doc
        .get("redirect_uris")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    if uris.is_empty() || uris.len() > 10 || uris.iter().any(|u| !super::grant::redirect_uri_ok(u)) {
        return Err("the metadata document's redirect_uris are missing or not allowed".into());
    }
    let name = doc
        .get("client_name")
        .and_then(Value::as_str)
        .unwrap_or(url)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    Ok(ClientRecord {
        id: url.to_string(),
        name,
        redirect_uris: uris,
        secret_hash: None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn documents_are_checked() {
        let url = "https://app.example.com/oauth/client.json";
        let good = json!({"client_id": url, "client_name": "App", "redirect_uris": ["https://app.example.com/cb"]});
        assert_eq!(
            validate(url, &good).unwrap().redirect_uris,
            vec!["https://app.example.com/cb"]
        );
        let mut other = good.clone();
        other["client_id"] = json!("https://evil.example.com/c.json");
        assert!(validate(url, &other).is_err());
        let mut secret = good.clone();
        secret["client_secret"] = json!("s");
        assert!(validate(url, &secret).is_err());
        let mut jwt = good.clone();
        jwt["token_endpoint_auth_method"] = json!("private_key_jwt");
        assert!(validate(url, &jwt).is_err());
        let mut bad_uri = good;
        bad_uri["redirect_uris"] = json!(["http://evil.example.com/cb"]);
        assert!(validate(url, &bad_uri).is_err());
    }

    #[test]
    fn private_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.1.2.3",
            "198.18.0.1",
            "240.0.0.1",
            "224.0.0.1",
            "64:ff9b::a00:1",
            "2002:a00:1::",
            "::a00:1",
            "::1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "2606:4700::1111"] {
            assert!(!private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn urls_are_refused_before_any_request() {
        let cache = Cache::default();
        assert!(client(&cache, "http://app.example.com/c.json", false).await.is_err());
        assert!(client(&cache, "https://app.example.com/", false).await.is_err());
        let e = client(&cache, "https://127.0.0.1/c.json", false).await.unwrap_err();
        assert!(e.contains("private"), "{e}");
        let e = client(&cache, "https://app.example.com:22/c.json", false)
            .await
            .unwrap_err();
        assert!(e.contains("443"), "{e}");
    }
}
