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
                // Data Center names users by key and name.
                "key": format!("key-{sub}"),
                "name": sub,
                "displayName": format!("User {sub}"),
                "emailAddress": format!("{sub}@example.com"),
                "active": true,
                "timeZone": "UTC"
            })),
            None => ResponseTemplate::new(401),
        }
    }
}

/// One multi-user deployment: replicas of the server sharing a store, with Atlassian's
/// stand-ins. The first replica's URL is the public one (as behind a proxy).
struct Deployment {
    auth: AuthServer,
    _atlassian: MockServer,
    home: tempfile::TempDir,
    replicas: Vec<tokio::process::Child>,
    /// Each replica's own URL.
    urls: Vec<String>,
    url: String,
    log: std::path::PathBuf,
    /// The shared store's settings, for the CLI (PostgreSQL).
    store_env: Vec<(String, String)>,
}

impl Deployment {
    async fn start(token_ttl: &str) -> Deployment {
        Self::start_replicas(token_ttl, 1, Vec::new(), &[]).await
    }

    async fn start_replicas(
        token_ttl: &str,
        count: usize,
        store_env: Vec<(String, String)>,
        args: &[&str],
    ) -> Deployment {
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
        Mock::given(method("GET"))
            .and(path("/rest/api/2/myself"))
            .respond_with(Myself)
            .mount(&atlassian)
            .await;
        let mut store_env = store_env;
        if store_env
            .iter()
            .any(|(k, v)| k == "JIRA_MCP_FLAVOR" && v == "datacenter")
        {
            // The site is the stand-in, and so is its REST API.
            store_env.push(("JIRA_MCP_SITE".into(), atlassian.uri()));
            store_env.push(("JIRA_MCP_API_BASE".into(), atlassian.uri()));
        }
        let home = tempfile::tempdir().unwrap();
        let log = home.path().join("server.log");
        let ports: Vec<u16> = (0..count).map(|_| free_port()).collect();
        let urls: Vec<String> = ports.iter().map(|p| format!("http://127.0.0.1:{p}")).collect();
        let a = format!("http://127.0.0.1:{}", auth.port);
        let mut replicas = Vec::new();
        for port in &ports {
            let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_jira-mcp"))
                .args([
                    "serve",
                    "--transport",
                    "http",
                    "--multi-user",
                    "--listen",
                    &format!("127.0.0.1:{port}"),
                ])
                .args(args)
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("JIRA_MCP_HOME", home.path())
                .env("JIRA_MCP_PUBLIC_URL", &urls[0])
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
                .envs(store_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::from(
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&log)
                        .unwrap(),
                ))
                .kill_on_drop(true)
                .spawn()
                .unwrap();
            replicas.push(child);
        }
        for url in &urls {
            let mut up = false;
            for _ in 0..200 {
                if reqwest::get(format!("{url}/readyz"))
                    .await
                    .is_ok_and(|r| r.status() == 200)
                {
                    up = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            assert!(
                up,
                "{url} did not become ready: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        Deployment {
            auth,
            _atlassian: atlassian,
            home,
            replicas,
            url: urls[0].clone(),
            urls,
            log,
            store_env,
        }
    }

    /// Signs `user` in with the Python SDK's OAuth client and calls `jira_get_myself`; the
    /// client's id and tokens.
    async fn python_sign_in(&self, python: &std::path::Path, user: &str) -> (Value, Value) {
        self.python_sign_in_as(python, user, None).await
    }

    /// The same, the client identified by the client ID metadata document at `document`.
    async fn python_sign_in_as(&self, python: &std::path::Path, user: &str, document: Option<&str>) -> (Value, Value) {
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
                .args(document)
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
            .envs(self.store_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
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
    // Browser-based clients reach the OAuth endpoints from their own origin (CORS), which the
    // MCP endpoint's Origin check would refuse.
    let preflight = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{url}/token"))
        .header("origin", "https://inspector.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let cross = reqwest::Client::new()
        .get(&metadata_url)
        .header("origin", "https://inspector.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 200);
    assert_eq!(cross.headers()["access-control-allow-origin"], "*");
    let mcp_cross = reqwest::Client::new()
        .post(format!("{url}/mcp"))
        .header("origin", "https://evil.example.com")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(mcp_cross.status(), 403, "the MCP endpoint still checks Origin");

    // Two people sign in through the SDK's OAuth client; each call runs as its user.
    let (alice, alice_tokens) = d.python_sign_in(&python, "alice").await;
    assert_eq!(alice["is_error"], false, "{alice}");
    assert!(alice["text"].as_str().unwrap().contains("User alice"), "{alice}");
    assert_eq!(alice["token_type"].as_str().unwrap().to_lowercase(), "bearer");
    assert_eq!(alice["has_refresh"], true);
    // The browser went through our /authorize, Atlassian's consent page and our callback.
    assert_eq!(
        alice["hops"],
        json!(["/authorize", "/authorize/consent", "/authorize", "/oauth/callback"]),
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

    // A token this server issued for another resource (audience) is refused at the endpoint.
    {
        use sha2::Digest;
        let db = format!("sqlite://{}", d.home.path().join("multi-user.db").display());
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db).await.unwrap();
        let hash: String = sha2::Sha256::digest(b"jmcp_at_elsewhere")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        sqlx::query(
            "INSERT INTO tokens (hash, kind, user_id, client_id, resource, family, expires) \
             VALUES ($1, 'access', 'acc-alice', 'c', 'https://other.example.com/mcp', 'f', 9999999999)",
        )
        .bind(hash)
        .execute(&pool)
        .await
        .unwrap();
        assert_eq!(
            whoami(&url, "jmcp_at_elsewhere", &sa).await.0,
            401,
            "a token for another resource"
        );
    }

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

/// A sign-in the way a client makes it, scripted: registration, `/authorize` with PKCE,
/// Atlassian's consent (as `user`), the callback, and the token exchange. The access token.
async fn sign_in_raw(url: &str, user: &str) -> String {
    use sha2::Digest;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = "http://127.0.0.1:9/cb";
    let reg: Value = http
        .post(format!("{url}/register"))
        .json(&json!({"redirect_uris": [redirect], "client_name": format!("raw-{user}")}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client_id = reg["client_id"].as_str().unwrap().to_string();
    let verifier = format!("{user}-verifier-{}", "x".repeat(50));
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let next = format!(
        "{url}/authorize?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("response_type", "code"),
                ("client_id", &client_id),
                ("redirect_uri", redirect),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
                ("state", "s1"),
                ("resource", &format!("{url}/mcp")),
            ])
            .finish()
    );
    let back = follow(&http, &next, user, url, redirect).await;
    let u = url::Url::parse(&back).unwrap();
    let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
    assert_eq!(q.get("state").map(String::as_str), Some("s1"), "{back}");
    let code = q.get("code").unwrap_or_else(|| panic!("no code: {back}")).clone();
    let (status, t) = token_request(
        url,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect),
            ("client_id", &client_id),
            ("code_verifier", &verifier),
            ("resource", &format!("{url}/mcp")),
        ],
    )
    .await;
    assert_eq!(status, 200, "{t}");
    t["access_token"].as_str().unwrap().to_string()
}

/// The browser's part of a sign-in, from `start` (the server's `/authorize`) until a redirect
/// to `until`, which is returned: the server's consent page is approved (with the cookie it
/// set, as a browser keeps it), the stand-in's consent page signs in as `user`.
async fn follow(http: &reqwest::Client, start: &str, user: &str, server: &str, until: &str) -> String {
    let mut next = start.to_string();
    let mut cookie = String::new();
    for _ in 0..10 {
        if next.starts_with(until) {
            return next;
        }
        if next.contains("/authorize?") && !next.starts_with(server) {
            next.push_str(&format!("&test_user={user}"));
        }
        let mut r = http.get(&next).header("cookie", &cookie).send().await.unwrap();
        if r.status() == 200 && next.starts_with(server) {
            if let Some(c) = r.headers().get("set-cookie") {
                cookie = c.to_str().unwrap().split(';').next().unwrap().to_string();
            }
            let page = r.text().await.unwrap();
            let request = page
                .split("name=request value=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or_else(|| panic!("no consent form: {page}"))
                .to_string();
            let form = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("request", request.as_str()), ("decision", "allow")])
                .finish();
            r = http
                .post(format!("{server}/authorize/consent"))
                .header("cookie", &cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
                .send()
                .await
                .unwrap();
        }
        assert_eq!(r.status(), 302, "{next}: {}", r.text().await.unwrap_or_default());
        next = r.headers()["location"].to_str().unwrap().to_string();
    }
    panic!("never reached {until}");
}

/// A tool call as `token` on replica `url`, in a session of its own: the HTTP status (0 when
/// the replica cannot be reached) and the answer.
async fn call_on(url: &str, token: &str) -> (u16, String) {
    // One client for all calls: its connections are reused, as a proxy's would be, and a
    // burst of calls does not open a socket each (the test process has a descriptor limit).
    static HTTP: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    let http = HTTP.get_or_init(reqwest::Client::new);
    let send = |body: Value, session: Option<String>| {
        let mut rb = http
            .post(format!("{url}/mcp"))
            .bearer_auth(token)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25")
            .json(&body);
        if let Some(s) = session {
            rb = rb.header("mcp-session-id", s);
        }
        rb.send()
    };
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}});
    let Ok(r) = send(init, None).await else {
        return (0, String::new());
    };
    if r.status() != 200 {
        return (r.status().as_u16(), r.text().await.unwrap_or_default());
    }
    let sid = r
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let _ = r.text().await;
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "jira_get_myself", "arguments": {}}});
    match send(call, sid).await {
        Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
        Err(_) => (0, String::new()),
    }
}

/// Forces every user's Atlassian access token to count as expired, as an hour without a call
/// would: opens each user's sealed tokens with the store key, backdates them, seals them again.
async fn expire_atlassian_tokens(db: &str, key: &str) {
    use sqlx::Row;
    let keys = jira_mcp::remote::KeyRing::parse(key).unwrap();
    let pool = sqlx::AnyPool::connect(db).await.unwrap();
    for row in sqlx::query("SELECT id, sealed FROM users")
        .fetch_all(&pool)
        .await
        .unwrap()
    {
        let (id, sealed): (String, String) = (row.get("id"), row.get("sealed"));
        let mut tokens: Value = serde_json::from_slice(&keys.open(&sealed, &id).unwrap()).unwrap();
        tokens["expires_at"] = json!(0);
        let resealed = keys.seal(&serde_json::to_vec(&tokens).unwrap(), &id);
        sqlx::query("UPDATE users SET sealed = $1 WHERE id = $2")
            .bind(resealed)
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
    }
}

/// A new, empty database on the test PostgreSQL; `None` when there is none (skipped).
async fn postgres_database() -> Option<String> {
    let Ok(admin) = std::env::var("JIRA_MCP_TEST_POSTGRES") else {
        assert!(
            std::env::var("JIRA_MCP_REQUIRE_TEST_SERVERS").is_err(),
            "PostgreSQL is required: ./test.sh starts one (JIRA_MCP_TEST_POSTGRES)"
        );
        eprintln!("skipping: no PostgreSQL (JIRA_MCP_TEST_POSTGRES)");
        return None;
    };
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&admin)
        .await
        .expect("the test PostgreSQL answers");
    let name = format!(
        "mcp_{}",
        jira_mcp::remote::short_id(&format!("{:?}", std::time::Instant::now()))
    );
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    Some(format!("{base}/{name}"))
}

/// Three stateless replicas on one PostgreSQL (as `deploy/compose.yaml` runs them): a sign-in
/// made through one works on all; after an Atlassian expiry, 50 users × 20 concurrent calls
/// spread over the replicas make exactly one Atlassian refresh per user and never present a
/// refresh token twice; a revocation stops a user on every replica at their next request; a
/// replica killed mid-load fails only the calls sent to it, and clients carry on against the
/// others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_postgresql_share_sign_ins_refresh_once_per_expiry_and_survive_a_lost_replica() {
    if !node_ready() {
        return;
    }
    let Some(db) = postgres_database().await else {
        return;
    };
    let key = jira_mcp::remote::KeyRing::generate();
    let store_env = vec![
        ("JIRA_MCP_STORE_URL".to_string(), db.clone()),
        ("JIRA_MCP_STORE_KEY".to_string(), key.clone()),
    ];
    let mut d = Deployment::start_replicas("3600", 3, store_env, &["--stateless"]).await;
    let users: Vec<String> = (0..50).map(|i| format!("u{i}")).collect();
    let mut tokens = Vec::new();
    for u in &users {
        tokens.push(sign_in_raw(&d.url, u).await);
    }
    expire_atlassian_tokens(&db, &key).await;
    let before = d.auth.stats()["refreshes"].as_u64().unwrap();
    let started = std::time::Instant::now();
    let mut calls = Vec::new();
    // At most 128 calls in flight: still every user's calls overlap across the replicas.
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(128));
    for (u, t) in users.iter().zip(&tokens) {
        for i in 0..20 {
            let (url, t, u) = (d.urls[i % 3].clone(), t.clone(), u.clone());
            let permits = permits.clone();
            calls.push(tokio::spawn(async move {
                let _permit = permits.acquire_owned().await.unwrap();
                (u, call_on(&url, &t).await)
            }));
        }
    }
    for c in calls {
        let (u, (status, body)) = c.await.unwrap();
        assert_eq!(status, 200, "{u}: {body}");
        assert!(body.contains(&format!("User {u}")), "{u}: {body}");
    }
    eprintln!(
        "{} calls of {} users through 3 replicas: {} ms",
        users.len() * 20,
        users.len(),
        started.elapsed().as_millis()
    );
    let stats = d.auth.stats();
    assert_eq!(stats["rejected_reuse"], 0, "{stats}");
    assert_eq!(
        stats["refreshes"].as_u64().unwrap() - before,
        users.len() as u64,
        "one refresh per user across the replicas: {stats}"
    );

    // Revoked through the shared store: every replica refuses at the next request.
    let (code, out) = d.cli(&["users", "revoke", "acc-u0"]).await;
    assert_eq!(code, 0, "{out}");
    for url in &d.urls {
        assert_eq!(call_on(url, &tokens[0]).await.0, 401, "{url}");
        assert_eq!(call_on(url, &tokens[1]).await.0, 200, "{url}");
    }

    // A replica dies mid-load: only what was sent to it fails.
    let deadline = std::time::Instant::now() + Duration::from_millis(1_500);
    let mut load = Vec::new();
    for (n, t) in tokens.iter().enumerate().skip(1) {
        let (urls, t) = (d.urls.clone(), t.clone());
        load.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            let mut i = n;
            while std::time::Instant::now() < deadline {
                let replica = i % 3;
                outcomes.push((replica, call_on(&urls[replica], &t).await.0));
                i += 1;
            }
            outcomes
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    d.replicas[2].kill().await.unwrap();
    let mut per_replica = [(0, 0); 3];
    for l in load {
        for (replica, status) in l.await.unwrap() {
            if status == 200 {
                per_replica[replica].0 += 1;
            } else {
                per_replica[replica].1 += 1;
            }
        }
    }
    eprintln!("calls (ok, failed) per replica while replica 2 was killed: {per_replica:?}");
    assert_eq!((per_replica[0].1, per_replica[1].1), (0, 0), "{per_replica:?}");
    assert!(per_replica[0].0 > 0 && per_replica[1].0 > 0, "{per_replica:?}");
    assert!(per_replica[2].1 > 0, "the killed replica's calls fail: {per_replica:?}");
}

/// Follows a consent URL as a browser would, signing in at the Atlassian stand-in as `user`,
/// until the redirect to `until`, which it opens too.
async fn browse(start: &str, user: &str, server: &str, until: &str) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let back = follow(&http, start, user, server, until).await;
    http.get(&back).send().await.unwrap();
}

/// The official conformance suite's authorization-server scenarios (metadata, and the
/// authorization code grant with PKCE and the resource indicator) against the server's own
/// authorization server; the browser step is scripted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conformance_suites_authorization_server_scenarios_pass() {
    use tokio::io::AsyncBufReadExt;
    let Some((bin, node)) = crate::conformance::suite() else {
        return;
    };
    if !node_ready() {
        return;
    }
    let d = Deployment::start("3600").await;
    let port = free_port();
    let callback = format!("http://127.0.0.1:{port}/callback");
    let reg: Value = reqwest::Client::new()
        .post(format!("{}/register", d.url))
        .json(&json!({"redirect_uris": [callback], "client_name": "conformance"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let mut suite = tokio::process::Command::new(bin)
        .args([
            "authorization",
            "--url",
            &d.url,
            "--resource",
            &format!("{}/mcp", d.url),
        ])
        .args([
            "--client-id",
            reg["client_id"].as_str().unwrap(),
            "-p",
            &port.to_string(),
        ])
        .arg("-o")
        .arg(out_dir.path())
        .env(
            "PATH",
            format!("{}:{}", node.display(), std::env::var("PATH").unwrap_or_default()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(suite.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    let authorize = format!("{}/authorize?", d.url);
    let run = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            printed.push_str(&line);
            printed.push('\n');
            if line.starts_with(&authorize) {
                // The suite's callback server starts just after it prints the URL.
                tokio::time::sleep(Duration::from_millis(300)).await;
                browse(&line, "conformance", &d.url, &callback).await;
            }
        }
        suite.wait().await.unwrap()
    };
    let status = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the suite finishes");
    let mut checks = Vec::new();
    for entry in std::fs::read_dir(out_dir.path()).unwrap() {
        let file = entry.unwrap().path().join("checks.json");
        let v: Value = serde_json::from_slice(&std::fs::read(&file).unwrap_or_default()).unwrap_or(json!([]));
        checks.extend(v.as_array().cloned().unwrap_or_default());
    }
    let summary: Vec<String> = checks
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["id"].as_str().unwrap_or("?"),
                c["status"].as_str().unwrap_or("?")
            )
        })
        .collect();
    eprintln!("authorization scenarios: {summary:?}");
    assert!(status.success(), "{printed}\n{checks:#?}");
    assert_eq!(
        checks.len(),
        3,
        "metadata, its client ID metadata document support, the code grant: {printed}"
    );
    assert!(
        checks.iter().all(|c| c["status"] == "SUCCESS"),
        "{checks:#?}\nserver: {}",
        d.logs()
    );
}

/// A client identified by a client ID metadata document (the 2026-07-28 revision's preferred
/// way) signs in through the Python SDK: the server reads the document over HTTPS, checks the
/// redirect URI against it, and issues tokens to that client id. No registration happens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_id_metadata_document_stands_in_for_registration() {
    let Some(python) = crate::http::python_sdk() else {
        return;
    };
    if !node_ready() {
        return;
    }
    // The document, served over HTTPS with a certificate from a test CA the server trusts.
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = (
        dir.path().join("ca.pem"),
        dir.path().join("cert.pem"),
        dir.path().join("key.pem"),
    );
    std::fs::write(
        dir.path().join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=jira-mcp test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "key.pem",
        "-out",
        "leaf.csr",
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "leaf.ext",
        "-out",
        "cert.pem",
    ]);
    let port = free_port();
    let document_url = format!("https://127.0.0.1:{port}/client.json");
    std::fs::write(
        dir.path().join("client.json"),
        json!({
            "client_id": document_url,
            "client_name": "python-sdk-cimd",
            "redirect_uris": ["http://127.0.0.1:9/callback"],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none"
        })
        .to_string(),
    )
    .unwrap();
    let serve = format!(
        "import http.server, ssl, functools\n\
         h = functools.partial(http.server.SimpleHTTPRequestHandler, directory='{dir}')\n\
         s = http.server.ThreadingHTTPServer(('127.0.0.1', {port}), h)\n\
         c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain('{cert}', '{key}')\n\
         s.socket = c.wrap_socket(s.socket, server_side=True)\n\
         s.serve_forever()\n",
        dir = dir.path().display(),
        cert = cert.display(),
        key = key.display()
    );
    let _documents = tokio::process::Command::new(&python)
        .args(["-c", &serve])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let env = vec![
        ("SSL_CERT_FILE".to_string(), ca.display().to_string()),
        ("JIRA_MCP_CIMD_ALLOW_PRIVATE".to_string(), "true".to_string()),
    ];
    let d = Deployment::start_replicas("3600", 1, env, &[]).await;
    let (erin, tokens) = d.python_sign_in_as(&python, "erin", Some(&document_url)).await;
    assert_eq!(erin["is_error"], false, "{erin}\n{}", d.logs());
    assert!(erin["text"].as_str().unwrap().contains("User erin"), "{erin}");
    assert_eq!(tokens["client_id"], document_url, "the document's URL is the client id");
    // The URL and the redirect URI are all the client brought: nothing was registered.
    let (code, out) = d.cli(&["users", "list"]).await;
    assert!(code == 0 && out.contains("acc-erin"), "{out}");
}

/// Misconfigurations of the multi-user mode stop `serve` with what to set: a network address
/// without a public URL, no OAuth app, a shared store without a key, and a bearer secret that
/// would stand in front of the sign-in.
#[tokio::test]
async fn a_multi_user_server_without_what_it_needs_says_so() {
    let home = tempfile::tempdir().unwrap();
    let app = [("ATLASSIAN_CLIENT_ID", "id"), ("ATLASSIAN_CLIENT_SECRET", "secret")];
    /// Arguments, environment, and what the error must say.
    type Case<'a> = (&'a [&'a str], Vec<(&'a str, &'a str)>, &'a str);
    let cases: [Case; 5] = [
        (&["--listen", "0.0.0.0:0"], app.to_vec(), "needs JIRA_MCP_PUBLIC_URL"),
        (
            &["--listen", "127.0.0.1:0"],
            vec![],
            "set ATLASSIAN_CLIENT_ID and ATLASSIAN_CLIENT_SECRET",
        ),
        (
            &["--listen", "127.0.0.1:0"],
            [app.as_slice(), &[("JIRA_MCP_STORE_URL", "postgres://db/x")]].concat(),
            "set JIRA_MCP_STORE_KEY",
        ),
        (
            &["--listen", "127.0.0.1:0"],
            [app.as_slice(), &[("JIRA_MCP_HTTP_TOKEN", "0123456789abcdef0123")]].concat(),
            "unset JIRA_MCP_HTTP_TOKEN",
        ),
        (
            &["--listen", "127.0.0.1:0", "--transport", "stdio"],
            app.to_vec(),
            "--multi-user needs --transport http",
        ),
    ];
    for (args, env, expected) in cases {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_jira-mcp"));
        cmd.args(["serve", "--multi-user"]);
        if !args.contains(&"--transport") {
            cmd.args(["--transport", "http"]);
        }
        let out = cmd
            .args(args)
            .env_clear()
            .env("JIRA_MCP_HOME", home.path())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: started");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

/// Data Center: users sign in at the site's OAuth 2.0 provider (with PKCE of the server's own,
/// its verifier kept sealed between the authorization and the callback), and call as
/// themselves through the site's REST API v2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_center_users_sign_in_at_the_site() {
    if !node_ready() {
        return;
    }
    let d = Deployment::start_replicas("3600", 1, vec![("JIRA_MCP_FLAVOR".into(), "datacenter".into())], &[]).await;
    let frank = sign_in_raw(&d.url, "frank").await;
    let grace = sign_in_raw(&d.url, "grace").await;
    let (status, body) = call_on(&d.url, &frank).await;
    assert_eq!(status, 200, "{body}\n{}", d.logs());
    assert!(body.contains("User frank"), "{body}");
    assert!(call_on(&d.url, &grace).await.1.contains("User grace"));
    let (code, out) = d.cli(&["users", "list"]).await;
    assert!(
        code == 0 && out.contains("key-frank") && out.contains("key-grace"),
        "{out}"
    );

    // A flood of registrations is refused, not stored: 60 a minute (2 were used above).
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..60 {
        let r = http
            .post(format!("{}/register", d.url))
            .json(&json!({"redirect_uris": ["http://127.0.0.1:9/cb"]}))
            .send()
            .await
            .unwrap();
        statuses.push((r.status().as_u16(), r.headers().contains_key("retry-after")));
    }
    assert_eq!(statuses.iter().filter(|s| s.0 == 201).count(), 58, "{statuses:?}");
    assert!(statuses[58..].iter().all(|s| *s == (429, true)), "{statuses:?}");
}

/// The server's consent page, and the cookie that binds a sign-in to the browser that started
/// it: it names the client (escaped) and where the sign-in goes back to, cannot be framed; a
/// decline goes back to the client as `access_denied`; and an Atlassian consent link made by
/// someone else and opened by a victim leads nowhere (no code for the attacker's client).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consent_page_binds_a_sign_in_to_one_browser() {
    if !node_ready() {
        return;
    }
    let d = Deployment::start("3600").await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let evil = "https://attacker.example.net/cb";
    let reg: Value = http
        .post(format!("{}/register", d.url))
        .json(&json!({"redirect_uris": [evil], "client_name": "<script>alert(1)</script> Helper"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client = reg["client_id"].as_str().unwrap();
    let authorize = format!(
        "{}/authorize?response_type=code&client_id={client}&redirect_uri={}&state=st&code_challenge={}&code_challenge_method=S256",
        d.url,
        url::form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    let consent_form = |page: &str| {
        page.split("name=request value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string()
    };
    let post_consent = |cookie: String, request: String, decision: &'static str| {
        let http = http.clone();
        let url = d.url.clone();
        async move {
            let form = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("request", request.as_str()), ("decision", decision)])
                .finish();
            http.post(format!("{url}/authorize/consent"))
                .header("cookie", cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
                .send()
                .await
                .unwrap()
        }
    };

    // The page names the client, escaped, and where the sign-in goes back to; no framing.
    let r = http.get(&authorize).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_string();
    let page = r.text().await.unwrap();
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt; Helper") && !page.contains("<script>"),
        "{page}"
    );
    assert!(page.contains("https://attacker.example.net"), "{page}");

    // Declined: back to the client with access_denied.
    let r = post_consent(cookie.clone(), consent_form(&page), "deny").await;
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(evil) && location.contains("error=access_denied") && location.contains("state=st"),
        "{location}"
    );

    // The attack: the attacker approves in their own browser, then sends Atlassian's consent
    // link to a victim, who signs in there. The callback comes from the victim's browser,
    // without the attacker's cookie: it stops, and no code reaches the attacker's client.
    let r = http.get(&authorize).send().await.unwrap();
    let attacker_cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = r.text().await.unwrap();
    let r = post_consent(attacker_cookie.clone(), consent_form(&page), "allow").await;
    assert_eq!(r.status(), 302);
    let atlassian = format!("{}&test_user=victim", r.headers()["location"].to_str().unwrap());
    let victim = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = victim.get(&atlassian).send().await.unwrap();
    let callback = r.headers()["location"].to_str().unwrap().to_string();
    assert!(callback.starts_with(&format!("{}/oauth/callback", d.url)), "{callback}");
    let r = victim.get(&callback).send().await.unwrap();
    assert_eq!(r.status(), 400, "the victim's browser did not start this sign-in");
    assert!(r.headers().get("location").is_none());
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("not started and approved in this browser")
    );
    // Nor can the attacker's consent be replayed with another browser's cookie.
    let r = http.get(&authorize).send().await.unwrap();
    let page = r.text().await.unwrap();
    let r = post_consent("jmcp_signin=forged".into(), consent_form(&page), "allow").await;
    assert_eq!(r.status(), 400);
    let (code, out) = d.cli(&["users", "list"]).await;
    assert!(code == 0 && !out.contains("acc-victim"), "nobody signed in: {out}");
}
