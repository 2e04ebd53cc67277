//! The authorization server MCP clients sign in through, and the metadata that leads them
//! to it:
//!
//! - `/.well-known/oauth-protected-resource[/mcp]` (RFC 9728) names this server as the
//!   resource's authorization server; `/.well-known/oauth-authorization-server` (RFC 8414)
//!   lists its endpoints;
//! - `/register`: dynamic client registration (RFC 7591), public clients by default;
//! - `/authorize`: checks the client, its redirect URI, the PKCE S256 challenge and the
//!   resource (RFC 8707), then sends the user to Atlassian's consent page with the server's
//!   own state;
//! - `/oauth/callback`: Atlassian's redirect. The server exchanges Atlassian's code, keeps
//!   the user's tokens (sealed), and redirects to the client with a code of its own
//!   (and `iss`, RFC 9207);
//! - `/token`: that code (with the PKCE verifier) or a refresh token, for the server's own
//!   tokens. Refresh tokens rotate; presenting a spent one revokes its family.
//!
//! Only hashes of codes, states and tokens are stored. Nothing here is logged but outcomes.

use std::sync::Arc;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::Engine;
use serde_json::{Value, json};
use url::Url;

use super::{
    ACCESS_TTL, REFRESH_TTL, Remote, new_token, sha256_hex, short_id,
    store::{ClientRecord, Code, Grant, NewPair, Pending, Rotation},
    users::Sealed,
};

/// How long a user may take at Atlassian's consent page, and a client to redeem its code.
const PENDING_TTL: u64 = 10 * 60;
const CODE_TTL: u64 = 5 * 60;

pub fn routes(remote: Arc<Remote>) -> Router {
    // Browser-based clients (the MCP Inspector, web apps) read the metadata, register and
    // redeem codes from their own origin: any origin may, without credentials.
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([http::Method::GET, http::Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            http::HeaderName::from_static("mcp-protocol-version"),
        ]);
    let cross_origin = Router::new()
        .route("/.well-known/oauth-protected-resource", get(resource_metadata))
        .route("/.well-known/oauth-protected-resource/mcp", get(resource_metadata))
        .route("/.well-known/oauth-authorization-server", get(server_metadata))
        .route("/register", post(register))
        .route("/token", post(token))
        .layer(cors);
    // Navigations of the user's browser.
    Router::new()
        .route("/authorize", get(authorize))
        .route("/authorize/consent", post(consent))
        .route("/oauth/callback", get(callback))
        .merge(cross_origin)
        .with_state(remote)
}

async fn resource_metadata(State(r): State<Arc<Remote>>) -> Json<Value> {
    Json(json!({
        "resource": r.resource,
        "authorization_servers": [r.issuer()],
        "bearer_methods_supported": ["header"],
        "resource_name": "jira-mcp",
    }))
}

async fn server_metadata(State(r): State<Arc<Remote>>) -> Json<Value> {
    let issuer = r.issuer();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "registration_endpoint": format!("{issuer}/register"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "authorization_response_iss_parameter_supported": true,
        "client_id_metadata_document_supported": true,
    }))
}

// ---- registration ------------------------------------------------------------------------------

/// An error of the registration endpoint (RFC 7591 §3.2.2).
fn registration_error(code: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": code, "error_description": description})),
    )
        .into_response()
}

/// A redirect URI a client may register: https anywhere, http only to this machine (native
/// apps' loopback redirect), or a private-use scheme (`com.example.app:/cb`); no fragment.
pub(super) fn redirect_uri_ok(uri: &str) -> bool {
    let Ok(u) = Url::parse(uri) else { return false };
    if uri.len() > 2_000 || u.fragment().is_some() {
        return false;
    }
    match u.scheme() {
        "https" => u.host().is_some(),
        "http" => matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")),
        "javascript" | "data" | "file" | "vbscript" => false,
        other => other.contains('.'),
    }
}

/// Registrations accepted per minute: each adds a row that stays, so a flood of them is
/// refused (429) rather than stored. Real clients register once per user and device.
const REGISTRATIONS_PER_MINUTE: u32 = 60;

/// `Some(seconds to wait)` when this minute's registrations are used up.
fn registration_wait(r: &Remote) -> Option<u64> {
    let mut window = r.registrations.lock().unwrap_or_else(|p| p.into_inner());
    if window.0.elapsed() >= std::time::Duration::from_secs(60) {
        *window = (std::time::Instant::now(), 0);
    }
    if window.1 >= REGISTRATIONS_PER_MINUTE {
        return Some(60u64.saturating_sub(window.0.elapsed().as_secs()).max(1));
    }
    window.1 += 1;
    None
}

async fn register(State(r): State<Arc<Remote>>, body: Bytes) -> Response {
    if let Some(wait) = registration_wait(&r) {
        tracing::warn!("client registrations are arriving faster than {REGISTRATIONS_PER_MINUTE} a minute");
        let mut resp = registration_error("temporarily_unavailable", "too many registrations; try again shortly");
        *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        if let Ok(v) = http::HeaderValue::from_str(&wait.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return resp;
    }
    let Ok(meta) = serde_json::from_slice::<Value>(&body) else {
        return registration_error("invalid_client_metadata", "the body is not a JSON object");
    };
    let uris: Vec<String> = match meta.get("redirect_uris").and_then(Value::as_array) {
        Some(a) if !a.is_empty() && a.len() <= 10 => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => return registration_error("invalid_redirect_uri", "give 1 to 10 redirect_uris"),
    };
    if let Some(bad) = uris.iter().find(|u| !redirect_uri_ok(u)) {
        let shown: String = bad.chars().take(100).collect();
        return registration_error(
            "invalid_redirect_uri",
            &format!("`{shown}` is not allowed: use https, http to 127.0.0.1 or localhost, or an app's own scheme"),
        );
    }
    let method = meta
        .get("token_endpoint_auth_method")
        .and_then(Value::as_str)
        .unwrap_or("none");
    if !matches!(method, "none" | "client_secret_post" | "client_secret_basic") {
        return registration_error(
            "invalid_client_metadata",
            "token_endpoint_auth_method must be none, client_secret_post or client_secret_basic",
        );
    }
    let name: String = meta
        .get("client_name")
        .and_then(Value::as_str)
        .unwrap_or("MCP client")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let secret = (method != "none").then(|| new_token("jmcp_cs_"));
    let record = ClientRecord {
        id: new_token("jmcp_client_"),
        name: name.clone(),
        redirect_uris: uris.clone(),
        secret_hash: secret.as_ref().map(|s| sha256_hex(s.as_bytes())),
    };
    if let Err(e) = r.store.add_client(&record).await {
        return store_down_page("registering a client", &e);
    }
    tracing::info!(client = %record.id, name = %name, "registered an MCP client");
    let mut out = json!({
        "client_id": record.id,
        "client_id_issued_at": crate::auth::store::now(),
        "client_name": name,
        "redirect_uris": uris,
        "token_endpoint_auth_method": method,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    });
    if let Some(s) = secret {
        out["client_secret"] = json!(s);
        out["client_secret_expires_at"] = json!(0);
    }
    (StatusCode::CREATED, Json(out)).into_response()
}

// ---- clients -----------------------------------------------------------------------------------

/// Why a client could not be found.
enum Unfound {
    /// Its metadata document is unreadable or invalid (the text says how).
    Document(String),
    Store(super::StoreError),
}

/// A registered client, or one described by the metadata document at its `client_id` URL.
async fn find_client(r: &Remote, id: &str) -> Result<Option<ClientRecord>, Unfound> {
    if super::cimd::is_document_url(id) {
        return super::cimd::client(&r.documents, id, r.cimd_private)
            .await
            .map(Some)
            .map_err(|why| {
                tracing::info!(client = %id, reason = %why, "a client metadata document was refused");
                Unfound::Document(why)
            });
    }
    r.store.client(id).await.map_err(Unfound::Store)
}

// ---- authorization -----------------------------------------------------------------------------

/// Query or form parameters; a parameter given twice is refused (RFC 6749 §3.1).
fn params(raw: &[u8]) -> Result<std::collections::HashMap<String, String>, String> {
    let mut out = std::collections::HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(format!("the parameter `{k}` is given twice"));
        }
    }
    Ok(out)
}

/// A page for the user when the client cannot be told (unknown client or redirect URI).
fn page(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_string(),
    )
        .into_response()
}

/// Back to the client with an error (RFC 6749 §4.1.2.1).
fn redirect_error(redirect_uri: &str, state: Option<&str>, error: &str, description: &str, issuer: &str) -> Response {
    let Ok(mut u) = Url::parse(redirect_uri) else {
        return page(StatusCode::BAD_REQUEST, description);
    };
    {
        let mut q = u.query_pairs_mut();
        q.append_pair("error", error)
            .append_pair("error_description", description);
        if let Some(s) = state {
            q.append_pair("state", s);
        }
        q.append_pair("iss", issuer);
    }
    found(u.as_str())
}

fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_string())]).into_response()
}

/// `a` and `b` name the same resource (a trailing `/` aside).
fn same_resource(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

async fn authorize(State(r): State<Arc<Remote>>, RawQuery(query): RawQuery) -> Response {
    let p = match params(query.unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(e) => return page(StatusCode::BAD_REQUEST, &e),
    };
    let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(client_id) = get("client_id") else {
        return page(StatusCode::BAD_REQUEST, "client_id is missing");
    };
    let client = match find_client(&r, client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return page(
                StatusCode::BAD_REQUEST,
                "This MCP client is not registered with this server (or was registered with another one): remove \
                 the server from the client and add it again.",
            );
        }
        Err(Unfound::Document(why)) => return page(StatusCode::BAD_REQUEST, &format!("The client: {why}.")),
        Err(Unfound::Store(e)) => return store_down_page("reading a client", &e),
    };
    let redirect_uri = match get("redirect_uri") {
        Some(u) if client.redirect_uris.iter().any(|x| x == u) => u.to_string(),
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        _ => {
            return page(
                StatusCode::BAD_REQUEST,
                "The redirect_uri is not one this client registered; the sign-in stops here.",
            );
        }
    };
    let state = get("state");
    let issuer = r.issuer();
    let fail = |error: &str, why: &str| redirect_error(&redirect_uri, state, error, why, &issuer);
    if get("response_type") != Some("code") {
        return fail("unsupported_response_type", "only response_type=code is supported");
    }
    let challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (Some(c), Some("S256")) if (43..=128).contains(&c.len()) => c.to_string(),
        (Some(_), Some(m)) if m != "S256" => {
            return fail("invalid_request", "only the S256 code_challenge_method is supported");
        }
        _ => {
            return fail(
                "invalid_request",
                "PKCE is required: send code_challenge with code_challenge_method=S256",
            );
        }
    };
    if let Some(res) = get("resource")
        && !same_resource(res, &r.resource)
    {
        return fail(
            "invalid_target",
            "this server issues tokens for its own MCP endpoint only",
        );
    }
    if state.is_some_and(|s| s.len() > 2_000) {
        return fail("invalid_request", "state is too long");
    }
    let ours = new_token("");
    // The browser that starts a sign-in is the only one that may approve it and come back
    // through the callback: a link to Atlassian's consent page, made by someone else and
    // sent to a victim, leads nowhere.
    let browser = new_token("");
    let pending = Pending {
        client_id: client.id.clone(),
        redirect_uri: redirect_uri.clone(),
        client_state: state.map(str::to_string),
        code_challenge: challenge,
        resource: r.resource.clone(),
        upstream_verifier: None,
        browser: sha256_hex(browser.as_bytes()),
        consented: false,
    };
    if let Err(e) = r
        .store
        .put_pending(&sha256_hex(ours.as_bytes()), &pending, PENDING_TTL)
        .await
    {
        tracing::error!(error = %e, "saving an authorization failed");
        return fail("temporarily_unavailable", "the server's store is unavailable");
    }
    consent_page(&r, &client, &redirect_uri, &ours, &browser)
}

/// The cookie that ties a sign-in to the browser that started it.
const BROWSER_COOKIE: &str = "jmcp_signin";

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn html_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '&' => "&amp;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// Asks the user whether this client may act as them. Anyone can register a client, so the
/// page names it and, above all, where the sign-in will be sent back to. This server signs in
/// to Atlassian with one app for every client, and Atlassian's own consent page names only
/// that app, so this is the user's one chance to see which client is asking (MCP's security
/// guidance for such proxies).
fn consent_page(r: &Remote, client: &ClientRecord, redirect_uri: &str, request: &str, browser: &str) -> Response {
    let destination = Url::parse(redirect_uri)
        .ok()
        .map(|u| match u.host_str() {
            Some(h) => format!("{}://{h}", u.scheme()),
            None => u.scheme().to_string(),
        })
        .unwrap_or_default();
    let site = match r.config.flavor {
        crate::config::Flavor::Cloud => "Atlassian",
        crate::config::Flavor::DataCenter => "Jira",
    };
    let body = format!(
        "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content=\"width=device-width\">\
         <title>Allow access to Jira</title>\
         <body style=\"font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;line-height:1.5\">\
         <h1>Allow <em>{name}</em> to use Jira as you?</h1>\
         <p><strong>{name}</strong> asks to use Jira through jira-mcp at {issuer}, with your permissions. After \
         you sign in with {site}, you will be sent back to <strong>{destination}</strong>.</p>\
         <p>Continue only if you just connected this server from an application you trust, and that address is \
         the one you expect.</p>\
         <form method=post action=\"/authorize/consent\">\
         <input type=hidden name=request value=\"{request}\">\
         <button name=decision value=allow>Continue to {site}</button> \
         <button name=decision value=deny>Cancel</button></form></body></html>",
        name = html_escape(&client.name),
        issuer = html_escape(&r.issuer()),
        destination = html_escape(&destination),
        request = html_escape(request),
    );
    let secure = if r.public.scheme() == "https" { "; Secure" } else { "" };
    let set_cookie =
        format!("{BROWSER_COOKIE}={browser}; Path=/; HttpOnly; SameSite=Lax; Max-Age={PENDING_TTL}{secure}");
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            (header::SET_COOKIE, set_cookie),
            (header::CACHE_CONTROL, "no-store".to_string()),
            // Not in a frame: a page framing it could trick the click.
            (header::X_FRAME_OPTIONS, "DENY".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'".to_string(),
            ),
        ],
        body,
    )
        .into_response()
}

/// The consent page's answer: on to Atlassian, or back to the client with `access_denied`.
async fn consent(State(r): State<Arc<Remote>>, headers: HeaderMap, body: Bytes) -> Response {
    let p = match params(&body) {
        Ok(p) => p,
        Err(e) => return page(StatusCode::BAD_REQUEST, &e),
    };
    let (Some(request), Some(browser)) = (p.get("request"), cookie(&headers, BROWSER_COOKIE)) else {
        return page(
            StatusCode::BAD_REQUEST,
            "This page must be used in the browser the sign-in started in, with cookies allowed.",
        );
    };
    let state_hash = sha256_hex(request.as_bytes());
    if p.get("decision").map(String::as_str) != Some("allow") {
        return match r.store.take_pending(&state_hash).await {
            Ok(Some(pending)) if pending.browser == sha256_hex(browser.as_bytes()) => redirect_error(
                &pending.redirect_uri,
                pending.client_state.as_deref(),
                "access_denied",
                "the user declined",
                &r.issuer(),
            ),
            _ => page(StatusCode::OK, "Cancelled. You can close this page."),
        };
    }
    // Data Center's provider wants PKCE of its own: its verifier waits for the callback, sealed.
    let upstream = r.app.authorize(&r.scopes, request);
    let sealed = upstream.verifier.map(|v| r.keys.seal(v.expose().as_bytes(), request));
    match r
        .store
        .consent(&state_hash, &sha256_hex(browser.as_bytes()), sealed)
        .await
    {
        Ok(Some(client)) => {
            tracing::info!(client = %client, "a user approved a client; on to the sign-in");
            found(upstream.url.as_str())
        }
        Ok(None) => page(
            StatusCode::BAD_REQUEST,
            "This sign-in has expired, was already approved, or was started in another browser. Start again from \
             your MCP client.",
        ),
        Err(e) => store_down_page("recording a consent", &e),
    }
}

/// Atlassian's redirect after the user consented (or not).
async fn callback(State(r): State<Arc<Remote>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let p = match params(query.unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(e) => return page(StatusCode::BAD_REQUEST, &e),
    };
    let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let pending = match get("state") {
        Some(s) => r.store.take_pending(&sha256_hex(s.as_bytes())).await,
        None => Ok(None),
    };
    let pending = match pending {
        Ok(Some(p)) => p,
        Ok(None) => {
            return page(
                StatusCode::BAD_REQUEST,
                "This sign-in has expired or was already used. Start again from your MCP client.",
            );
        }
        Err(e) => return store_down_page("reading an authorization", &e),
    };
    let same_browser = cookie(&headers, BROWSER_COOKIE).is_some_and(|c| sha256_hex(c.as_bytes()) == pending.browser);
    if !pending.consented || !same_browser {
        tracing::warn!(client = %pending.client_id, "a callback came from a browser that did not start or approve the sign-in");
        return page(
            StatusCode::BAD_REQUEST,
            "This sign-in was not started and approved in this browser, so it stops here. If you did start it, start \
             again from your MCP client, in one browser.",
        );
    }
    let issuer = r.issuer();
    let state = pending.client_state.as_deref();
    let fail = |error: &str, why: &str| redirect_error(&pending.redirect_uri, state, error, why, &issuer);
    let Some(code) = get("code") else {
        let why = get("error_description").or(get("error")).unwrap_or("no code came back");
        let why: String = why.chars().take(300).collect();
        return fail("access_denied", &format!("Atlassian: {why}"));
    };
    let verifier = match (&pending.upstream_verifier, get("state")) {
        (Some(sealed), Some(s)) => match r.keys.open(sealed, s) {
            Ok(v) => Some(crate::auth::Secret::new(String::from_utf8_lossy(&v).to_string())),
            Err(_) => return fail("server_error", "the sign-in's PKCE verifier could not be read"),
        },
        _ => None,
    };
    let user = match sign_in(&r, code, verifier.as_ref()).await {
        Ok(u) => u,
        Err(why) => {
            tracing::warn!(reason = %why, "a user's Atlassian sign-in failed");
            return fail("access_denied", &why);
        }
    };
    let ours = new_token("jmcp_code_");
    let c = Code {
        user_id: user,
        client_id: pending.client_id.clone(),
        redirect_uri: pending.redirect_uri.clone(),
        code_challenge: pending.code_challenge.clone(),
        resource: pending.resource.clone(),
    };
    if let Err(e) = r.store.put_code(&sha256_hex(ours.as_bytes()), &c, CODE_TTL).await {
        tracing::error!(error = %e, "saving a code failed");
        return fail("temporarily_unavailable", "the server's store is unavailable");
    }
    let Ok(mut back) = Url::parse(&pending.redirect_uri) else {
        return page(StatusCode::BAD_REQUEST, "the client's redirect URI is not a URL");
    };
    {
        let mut q = back.query_pairs_mut();
        q.append_pair("code", &ours);
        if let Some(s) = state {
            q.append_pair("state", s);
        }
        q.append_pair("iss", &issuer);
    }
    found(back.as_str())
}

/// Exchanges the code from Atlassian (or the Data Center site), finds the user's site and
/// account, and keeps their sealed tokens. The user's id (their Atlassian account id, or Data
/// Center user key), or why it failed, in words for them.
async fn sign_in(r: &Remote, code: &str, verifier: Option<&crate::auth::Secret>) -> Result<String, String> {
    let tokens = r
        .app
        .exchange_code(&r.http, code, verifier, &r.scopes)
        .await
        .map_err(|e| e.to_string())?;
    let (site_url, cloud_id, myself, id_key) = match r.config.flavor {
        crate::config::Flavor::Cloud => {
            let sites =
                crate::auth::sites::fetch(&r.http, &r.config.resources_url, tokens.access_token.expose()).await?;
            let wanted = r
                .config
                .site
                .as_ref()
                .map(|s| s.as_str().trim_end_matches('/').to_string());
            let site = crate::auth::sites::choose_site(&sites, wanted.as_deref())?.clone();
            let template = r
                .config
                .api_base
                .clone()
                .unwrap_or_else(|| format!("{}/{{cloudId}}", crate::config::DEFAULT_GATEWAY));
            let myself = format!(
                "{}/rest/api/3/myself",
                template.replace("{cloudId}", &site.id).trim_end_matches('/')
            );
            (site.url, site.id, myself, "accountId")
        }
        crate::config::Flavor::DataCenter => {
            let site = r.data_center_site().ok_or("JIRA_MCP_SITE is not set")?;
            let base = r.config.api_base.clone().unwrap_or_else(|| site.clone());
            let myself = format!("{}/rest/api/2/myself", base.trim_end_matches('/'));
            (site, String::new(), myself, "key")
        }
    };
    let me: Value = r
        .http
        .get(&myself)
        .bearer_auth(tokens.access_token.expose())
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| format!("could not reach Jira to read your account: {e}"))?
        .error_for_status()
        .map_err(|e| format!("Jira did not tell who you are ({e}); the app needs the read:jira-user scope"))?
        .json()
        .await
        .map_err(|e| format!("Jira's answer about your account was unreadable: {e}"))?;
    let id = me
        .get(id_key)
        .or_else(|| me.get("name"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or("Jira's answer named no account id")?
        .to_string();
    let name = me
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    let sealed = r
        .keys
        .seal(&serde_json::to_vec(&Sealed::of(&tokens)).unwrap_or_default(), &id);
    let user = super::store::User {
        id: id.clone(),
        name,
        site_url: site_url.trim_end_matches('/').to_string(),
        cloud_id,
        sealed,
        expires_at: tokens.expires_at,
    };
    r.store.put_user(&user).await.map_err(|e| e.to_string())?;
    // A new sign-in starts the user's client afresh (new scopes, maybe a new site).
    r.clients.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    tracing::info!(user = %short_id(&id), site = %user.site_url, "a user signed in");
    Ok(id)
}

// ---- tokens ------------------------------------------------------------------------------------

/// The store failed while `doing` something: logged, and a page for the user's browser.
fn store_down_page(doing: &str, e: &super::StoreError) -> Response {
    tracing::error!(error = %e, "{doing} failed");
    page(StatusCode::SERVICE_UNAVAILABLE, "the server's store is unavailable")
}

/// The same for the token endpoint, as an OAuth error.
fn store_down_token(doing: &str, e: &super::StoreError) -> Response {
    tracing::error!(error = %e, "{doing} failed");
    token_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
        "store unavailable",
    )
}

fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// The client of a token request, authenticated as it registered: by its secret (in the body
/// or Basic), or, for a public client, by its id alone.
async fn client_of(
    r: &Remote,
    headers: &HeaderMap,
    p: &std::collections::HashMap<String, String>,
) -> Result<ClientRecord, Response> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            let (id, secret) = s.split_once(':')?;
            let dec = |x: &str| {
                url::form_urlencoded::parse(format!("x={x}").as_bytes())
                    .next()
                    .map(|(_, v)| v.to_string())
            };
            Some((dec(id)?, dec(secret)?))
        });
    let (id, secret) = match (&basic, p.get("client_id")) {
        (Some((id, s)), _) => (id.clone(), Some(s.clone())),
        (None, Some(id)) => (id.clone(), p.get("client_secret").cloned()),
        (None, None) => {
            return Err(token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client_id is missing",
            ));
        }
    };
    let client = match find_client(r, &id).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return Err(token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "unknown client",
            ));
        }
        Err(Unfound::Document(why)) => return Err(token_error(StatusCode::UNAUTHORIZED, "invalid_client", &why)),
        Err(Unfound::Store(e)) => return Err(store_down_token("reading a client", &e)),
    };
    if let Some(hash) = &client.secret_hash {
        let given = secret.map(|s| sha256_hex(s.as_bytes())).unwrap_or_default();
        if !crate::transport::constant_time_eq(given.as_bytes(), hash.as_bytes()) {
            return Err(token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "wrong client secret",
            ));
        }
    }
    Ok(client)
}

async fn token(State(r): State<Arc<Remote>>, headers: HeaderMap, body: Bytes) -> Response {
    let p = match params(&body) {
        Ok(p) => p,
        Err(e) => return token_error(StatusCode::BAD_REQUEST, "invalid_request", &e),
    };
    let client = match client_of(&r, &headers, &p).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let bad = |e: &str, d: &str| token_error(StatusCode::BAD_REQUEST, e, d);
    if let Some(res) = get("resource")
        && !same_resource(res, &r.resource)
    {
        return bad(
            "invalid_target",
            "this server issues tokens for its own MCP endpoint only",
        );
    }
    let (access, refresh) = (new_token("jmcp_at_"), new_token("jmcp_rt_"));
    let (access_hash, refresh_hash) = (sha256_hex(access.as_bytes()), sha256_hex(refresh.as_bytes()));
    let pair = NewPair {
        access: &access_hash,
        refresh: &refresh_hash,
        access_ttl: ACCESS_TTL,
        refresh_ttl: REFRESH_TTL,
    };
    match get("grant_type") {
        Some("authorization_code") => {
            let (Some(code), Some(verifier)) = (get("code"), get("code_verifier")) else {
                return bad("invalid_request", "code and code_verifier are required");
            };
            let stored = match r.store.take_code(&sha256_hex(code.as_bytes())).await {
                Ok(Some(c)) => c,
                Ok(None) => return bad("invalid_grant", "the code is unknown, used or expired"),
                Err(e) => return store_down_token("reading a code", &e),
            };
            if stored.client_id != client.id {
                return bad("invalid_grant", "the code was issued to another client");
            }
            if get("redirect_uri").is_some_and(|u| u != stored.redirect_uri) {
                return bad("invalid_grant", "redirect_uri differs from the authorization request's");
            }
            if !pkce_matches(verifier, &stored.code_challenge) {
                return bad("invalid_grant", "the code_verifier does not match the code_challenge");
            }
            let grant = Grant {
                user_id: stored.user_id,
                client_id: client.id.clone(),
                resource: stored.resource,
            };
            match r.store.issue(&grant, &new_token(""), &pair).await {
                Ok(true) => {}
                Ok(false) => return bad("invalid_grant", "the user's access was revoked"),
                Err(e) => return store_down_token("saving tokens", &e),
            }
        }
        Some("refresh_token") => {
            let Some(presented) = get("refresh_token") else {
                return bad("invalid_request", "refresh_token is required");
            };
            match r
                .store
                .rotate(&sha256_hex(presented.as_bytes()), &client.id, &pair)
                .await
            {
                Ok(Rotation::Fresh { .. }) => {}
                Ok(Rotation::Reused) => {
                    return bad(
                        "invalid_grant",
                        "the refresh token was already used: every token of this sign-in is revoked; sign in again",
                    );
                }
                Ok(Rotation::Unknown) => {
                    return bad("invalid_grant", "the refresh token is unknown, revoked or expired");
                }
                Err(e) => return store_down_token("rotating a refresh token", &e),
            }
        }
        _ => return bad("unsupported_grant_type", "use authorization_code or refresh_token"),
    };
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ACCESS_TTL,
            "refresh_token": refresh,
        })),
    )
        .into_response()
}

/// `BASE64URL(SHA256(verifier)) == challenge` (RFC 7636 §4.6), for a well-formed verifier.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    use sha2::{Digest, Sha256};
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    well_formed && crate::transport::constant_time_eq(computed.as_bytes(), challenge.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256() {
        // RFC 7636 appendix B.
        assert!(pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches("short", "x"));
    }

    #[test]
    fn redirect_uris() {
        assert!(redirect_uri_ok("https://claude.ai/api/mcp/auth_callback"));
        assert!(redirect_uri_ok("http://127.0.0.1:33418/callback"));
        assert!(redirect_uri_ok("http://localhost:6274/oauth/callback"));
        assert!(redirect_uri_ok("com.example.app:/oauth"));
        assert!(!redirect_uri_ok("http://evil.example/cb"));
        assert!(!redirect_uri_ok("https://x.example/cb#frag"));
        assert!(!redirect_uri_ok("javascript:alert(1)"));
        assert!(!redirect_uri_ok("not a url"));
    }

    #[test]
    fn repeated_parameters_are_refused() {
        assert!(params(b"a=1&b=2").is_ok());
        assert!(params(b"a=1&a=2").is_err());
    }
}
