//! The multi-user server (`serve --transport http --multi-user`) with real parts: the built
//! binary, the MCP Python SDK's OAuth client (discovery, dynamic registration, PKCE, token
//! exchange; only the browser is scripted), a real OAuth server standing in for Atlassian
//! (oauth2-mock-server, which rotates refresh tokens as Atlassian does), and a Jira whose
//! `/myself` answers with the account the token was issued to.

use std::{process::Stdio, time::Duration};

use base64::Engine;
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, Request, Respond, ResponseTemplate,
    matchers::{method, path, path_regex},
};

use crate::{
    oauth::{AuthServer, SECRET, node_ready},
    support::{fixture, free_port},
};

/// Jira's `/myself` for whoever the bearer token (a JWT from the stand-in) names.
struct Myself;

impl Respond for Myself {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let sub = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .and_then(|jwt| jwt.split('.').nth(1))
            .and_then(|p| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p).ok())
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|p| p["sub"].as_str().map(str::to_string));
        match sub {
            Some(sub) => ResponseTemplate::new(200).set_body_json(json!({
                "accountId": format!("acc-{sub}"),
                "displayName": format!("User {sub}"),
                "emailAddress": format!("{sub}@example.com"),
                "active": true,
                "timeZone": "UTC"
            })),
            None => ResponseTemplate::new(401),
        }
    }
}

/// One multi-user server with its Atlassian stand-ins.
struct Deployment {
    auth: AuthServer,
    _atlassian: MockServer,
    home: tempfile::TempDir,
    child: tokio::process::Child,
    url: String,
    log: std::path::PathBuf,
}

impl Drop for Deployment {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

impl Deployment {
    async fn start(token_ttl: &str) -> Deployment {
        let auth = AuthServer::start_with("ok", &[("OAUTH_TOKEN_TTL", token_ttl)]);
        let atlassian = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/oauth/token/accessible-resources"))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/resources-one.json")))
            .mount(&atlassian)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(
                "^/ex/jira/11111111-2222-3333-4444-555555555555/rest/api/3/myself$",
            ))
            .respond_with(Myself)
            .mount(&atlassian)
            .await;
        let home = tempfile::tempdir().unwrap();
        let port = free_port();
        let log = home.path().join("server.log");
        let a = format!("http://127.0.0.1:{}", auth.port);
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_jira-mcp"))
            .args([
                "serve",
                "--transport",
                "http",
                "--multi-user",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("JIRA_MCP_HOME", home.path())
            .env("JIRA_MCP_TOOLSETS", "default,users")
            .env("ATLASSIAN_CLIENT_ID", "test-client")
            .env("ATLASSIAN_CLIENT_SECRET", SECRET)
            .env("JIRA_MCP_AUTH_URL", format!("{a}/authorize"))
            .env("JIRA_MCP_TOKEN_URL", format!("{a}/token"))
            .env(
                "JIRA_MCP_RESOURCES_URL",
                format!("{}/oauth/token/accessible-resources", atlassian.uri()),
            )
            .env("JIRA_MCP_API_BASE", format!("{}/ex/jira/{{cloudId}}", atlassian.uri()))
            .env("JIRA_MCP_RETRY_BASE_MS", "1")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..200 {
            if reqwest::get(format!("{url}/healthz")).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Deployment {
            auth,
            _atlassian: atlassian,
            home,
            child,
            url,
            log,
        }
    }

    /// Signs `user` in with the Python SDK's OAuth client and calls `jira_get_myself`; the
    /// client's id and tokens.
    async fn python_sign_in(&self, python: &std::path::Path, user: &str) -> (Value, Value) {
        let script = format!("{}/tests/python/oauth_client.py", env!("CARGO_MANIFEST_DIR"));
        let tokens = self.home.path().join(format!("{user}-tokens.json"));
        let out = tokio::time::timeout(
            Duration::from_secs(60),
            tokio::process::Command::new(python)
                .args([
                    script.as_str(),
                    &format!("{}/mcp", self.url),
                    user,
                    &tokens.display().to_string(),
                ])
                .output(),
        )
        .await
        .expect("the Python client finishes")
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{user}: {stderr}\nserver: {}", self.logs());
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
        let t: Value = serde_json::from_slice(&std::fs::read(&tokens).unwrap()).unwrap();
        (v, t)
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn cli(&self, args: &[&str]) -> (i32, String) {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_jira-mcp"))
            .args(args)
            .env_clear()
            .env("JIRA_MCP_HOME", self.home.path())
            .output()
            .await
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
        )
    }
}

/// A bare Streamable HTTP exchange with a bearer token: (status, session id, body).
async fn post(url: &str, token: &str, session: Option<&str>, body: Value) -> (u16, Option<String>, String) {
    let mut rb = reqwest::Client::new()
        .post(format!("{url}/mcp"))
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .json(&body);
    if let Some(s) = session {
        rb = rb.header("mcp-session-id", s);
    }
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    let sid = r
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, sid, r.text().await.unwrap_or_default())
}

/// Opens a session as the token's user; its id.
async fn open_session(url: &str, token: &str) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}});
    let (status, sid, body) = post(url, token, None, init).await;
    assert_eq!(status, 200, "{body}");
    let sid = sid.expect("a session id");
    post(
        url,
        token,
        Some(&sid),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .await;
    sid
}

async fn whoami(url: &str, token: &str, session: &str) -> (u16, String) {
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "jira_get_myself", "arguments": {}}});
    let (status, _, body) = post(url, token, Some(session), call).await;
    (status, body)
}

async fn token_request(url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form.iter().copied())
        .finish();
    let r = reqwest::Client::new()
        .post(format!("{url}/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Discovery, two users signing in through a real client, each calling as themself, a token
/// that cannot use another user's session, refresh rotation with replay detection, revocation
/// from the command line, the audit lines, and no secret in the logs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_sign_in_through_their_client_and_call_as_themselves() {
    let Some(python) = crate::http::python_sdk() else {
        return;
    };
    if !node_ready() {
        return;
    }
    let d = Deployment::start("3600").await;
    let url = d.url.clone();

    // A client without a token is told where to sign in (RFC 9728).
    let r = reqwest::Client::new()
        .post(format!("{url}/mcp"))
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_string();
    let metadata_url = format!("{url}/.well-known/oauth-protected-resource/mcp");
    assert!(
        challenge.contains(&format!("resource_metadata=\"{metadata_url}\"")),
        "{challenge}"
    );
    let prm: Value = reqwest::get(&metadata_url).await.unwrap().json().await.unwrap();
    assert_eq!(prm["resource"], format!("{url}/mcp"));
    assert_eq!(prm["authorization_servers"][0], url);
    let asm: Value = reqwest::get(format!("{url}/.well-known/oauth-authorization-server"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(asm["code_challenge_methods_supported"], json!(["S256"]));

    // Two people sign in through the SDK's OAuth client; each call runs as its user.
    let (alice, alice_tokens) = d.python_sign_in(&python, "alice").await;
    assert_eq!(alice["is_error"], false, "{alice}");
    assert!(alice["text"].as_str().unwrap().contains("User alice"), "{alice}");
    assert_eq!(alice["token_type"].as_str().unwrap().to_lowercase(), "bearer");
    assert_eq!(alice["has_refresh"], true);
    // The browser went through our /authorize, Atlassian's consent page and our callback.
    assert_eq!(
        alice["hops"],
        json!(["/authorize", "/authorize", "/oauth/callback"]),
        "{alice}"
    );
    let (bob, bob_tokens) = d.python_sign_in(&python, "bob").await;
    assert!(bob["text"].as_str().unwrap().contains("User bob"), "{bob}");
    let (a_at, b_at) = (
        alice_tokens["access_token"].as_str().unwrap(),
        bob_tokens["access_token"].as_str().unwrap(),
    );

    // Isolation: each token acts as its user; a token cannot use another user's session.
    let sa = open_session(&url, a_at).await;
    let sb = open_session(&url, b_at).await;
    assert!(whoami(&url, a_at, &sa).await.1.contains("User alice"));
    assert!(whoami(&url, b_at, &sb).await.1.contains("User bob"));
    assert_eq!(whoami(&url, b_at, &sa).await.0, 404, "bob on alice's session");
    assert!(
        whoami(&url, a_at, &sa).await.1.contains("User alice"),
        "alice's session still hers"
    );
    let (status, _, _) = post(
        &url,
        "jmcp_at_forged",
        Some(&sa),
        json!({"jsonrpc": "2.0", "id": 3, "method": "ping"}),
    )
    .await;
    assert_eq!(status, 401);

    // A token for another resource is not issued; a code cannot be replayed.
    let (status, body) = token_request(
        &url,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", alice_tokens["client_id"].as_str().unwrap()),
            ("refresh_token", alice_tokens["refresh_token"].as_str().unwrap()),
            ("resource", "https://other.example.com/mcp"),
        ],
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_target")));

    // Revocation from the command line: bob's tokens stop at once, alice's go on.
    let (code, out) = d.cli(&["users", "revoke", "acc-bob"]).await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(whoami(&url, b_at, &sb).await.0, 401, "a revoked user's token");
    assert!(whoami(&url, a_at, &sa).await.1.contains("User alice"));
    let (code, out) = d.cli(&["users", "list"]).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("acc-alice  User alice") && out.contains("acc-bob  User bob"),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("acc-bob") && l.ends_with("revoked")),
        "{out}"
    );

    // Refresh tokens rotate; replaying a spent one revokes the whole sign-in.
    let (client_id, spent) = (
        alice_tokens["client_id"].as_str().unwrap(),
        alice_tokens["refresh_token"].as_str().unwrap(),
    );
    let (status, fresh) = token_request(
        &url,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("refresh_token", spent),
        ],
    )
    .await;
    assert_eq!(status, 200, "{fresh}");
    let new_at = fresh["access_token"].as_str().unwrap().to_string();
    assert_ne!(fresh["refresh_token"].as_str().unwrap(), spent);
    let s2 = open_session(&url, &new_at).await;
    assert!(whoami(&url, &new_at, &s2).await.1.contains("User alice"));
    let (status, replay) = token_request(
        &url,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("refresh_token", spent),
        ],
    )
    .await;
    assert_eq!(
        (status, replay["error"].as_str()),
        (400, Some("invalid_grant")),
        "{replay}"
    );
    assert_eq!(whoami(&url, &new_at, &s2).await.0, 401, "the family is revoked");

    // One audit line per call, naming no account; no token in the logs.
    let logs = d.logs();
    assert!(
        logs.contains("tool call") && logs.contains("tool=\"jira_get_myself\"") && logs.contains("outcome=\"ok\""),
        "{logs}"
    );
    for secret in [a_at, b_at, spent, &new_at, SECRET, "acc-alice"] {
        assert!(!logs.contains(secret), "the logs show a secret or an account: {secret}");
    }
}

/// Atlassian tokens that expire at once: every call refreshes its user's token, one at a
/// time per user, so no refresh token is ever presented twice at Atlassian, and no call fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_with_expired_atlassian_tokens_never_reuse_a_refresh_token() {
    let Some(python) = crate::http::python_sdk() else {
        return;
    };
    if !node_ready() {
        return;
    }
    let d = Deployment::start("1").await;
    let url = d.url.clone();
    let mut tokens = Vec::new();
    for user in ["carol", "dave"] {
        let (first, t) = d.python_sign_in(&python, user).await;
        assert_eq!(first["is_error"], false, "{first}");
        tokens.push((user, t["access_token"].as_str().unwrap().to_string()));
    }
    let before = d.auth.stats()["refreshes"].as_u64().unwrap();
    let mut calls = Vec::new();
    for (user, token) in &tokens {
        for _ in 0..6 {
            let (url, token, user) = (url.clone(), token.clone(), user.to_string());
            calls.push(tokio::spawn(async move {
                let sid = open_session(&url, &token).await;
                let (status, body) = whoami(&url, &token, &sid).await;
                (user, status, body)
            }));
        }
    }
    for c in calls {
        let (user, status, body) = c.await.unwrap();
        assert_eq!(status, 200);
        assert!(body.contains(&format!("User {user}")), "{user}: {body}");
    }
    let stats = d.auth.stats();
    assert_eq!(
        stats["rejected_reuse"], 0,
        "a refresh token was presented twice: {stats}"
    );
    assert!(stats["refreshes"].as_u64().unwrap() > before, "{stats}");
}
