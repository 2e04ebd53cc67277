//! Benchmark: the multi-user server on PostgreSQL, one replica against three, with the
//! database on the same machine. Users sign in through the server's own authorization server
//! (a stand-in for Atlassian answers the consent and the token exchange), then each makes its
//! calls one after another, all users at once, spread over the replicas by the client (as a
//! proxy would). Prints calls/s, p50 and p99 for each layout.
//!
//! Needs a PostgreSQL to create databases in: `BENCH_POSTGRES=postgres://user@host:port/db`
//! (`./test.sh` starts one for the tests and prints nothing; start your own, e.g. Debian's
//! package). Without it the benchmark says so and stops. `BENCH_USERS` (50) and
//! `BENCH_CALLS` (20) set the load.
//!
//! Run: `BENCH_POSTGRES=… cargo bench --bench multi_user`.

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, Request, Respond, ResponseTemplate,
    matchers::{method, path, path_regex},
};

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Atlassian's consent page: signs in as `test_user` at once.
struct Consent;

impl Respond for Consent {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let q: std::collections::HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        let mut back = url::Url::parse(&q["redirect_uri"]).unwrap();
        back.query_pairs_mut()
            .append_pair("code", &q["test_user"])
            .append_pair("state", &q["state"]);
        ResponseTemplate::new(302).insert_header("location", back.as_str())
    }
}

/// Atlassian's token endpoint: the code names the user; tokens last an hour.
struct Tokens;

impl Respond for Tokens {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let form: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(&req.body).into_owned().collect();
        let user = form.get("code").cloned().unwrap_or_default();
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": format!("at-{user}"), "refresh_token": format!("rt-{user}"),
            "token_type": "Bearer", "expires_in": 3600, "scope": "read:jira-user read:jira-work"
        }))
    }
}

/// Jira's `/myself` for the token's user.
struct Myself;

impl Respond for Myself {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let token = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let user = token.strip_prefix("Bearer at-").unwrap_or("?");
        ResponseTemplate::new(200).set_body_json(json!({
            "accountId": format!("acc-{user}"), "displayName": format!("User {user}"), "active": true
        }))
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let Ok(admin) = std::env::var("BENCH_POSTGRES") else {
        println!(
            "multi-user benchmark: skipped (set BENCH_POSTGRES=postgres://… to a PostgreSQL it may create databases in)"
        );
        return;
    };
    let atlassian = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/authorize"))
        .respond_with(Consent)
        .mount(&atlassian)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(Tokens)
        .mount(&atlassian)
        .await;
    Mock::given(method("GET"))
        .and(path("/oauth/token/accessible-resources"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "id": "c1", "url": "https://acme.atlassian.net", "name": "acme", "scopes": ["read:jira-work"]
        }])))
        .mount(&atlassian)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/ex/jira/c1/rest/api/3/myself$"))
        .respond_with(Myself)
        .mount(&atlassian)
        .await;
    println!(
        "jira-mcp multi-user benchmark ({} users x {} calls of jira_get_myself, release build, PostgreSQL and a mock of Atlassian on the same machine)",
        setting("BENCH_USERS", 50),
        setting("BENCH_CALLS", 20)
    );
    for replicas in [1, 3] {
        scenario(&admin, &atlassian, replicas).await;
    }
}

async fn scenario(admin: &str, atlassian: &MockServer, replicas: usize) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(admin).await.expect("BENCH_POSTGRES answers");
    let db = format!("bench_{}_{}", replicas, std::process::id());
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {db}"))
        .execute(&pool)
        .await;
    sqlx::query(&format!("CREATE DATABASE {db}"))
        .execute(&pool)
        .await
        .unwrap();
    let store = format!("{}/{db}", admin.rsplit_once('/').unwrap().0);
    let home = tempfile::tempdir().unwrap();
    let key = jira_mcp::remote::KeyRing::generate();
    let ports: Vec<u16> = (0..replicas)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let urls: Vec<String> = ports.iter().map(|p| format!("http://127.0.0.1:{p}")).collect();
    let bin = std::env::var("BENCH_SERVER_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_jira-mcp").into());
    let mut children = Vec::new();
    for port in &ports {
        children.push(
            tokio::process::Command::new(&bin)
                .args(["serve", "--transport", "http", "--multi-user", "--stateless"])
                .args(["--listen", &format!("127.0.0.1:{port}")])
                .env_clear()
                .env("JIRA_MCP_HOME", home.path())
                .env("JIRA_MCP_PUBLIC_URL", &urls[0])
                .env("JIRA_MCP_STORE_URL", &store)
                .env("JIRA_MCP_STORE_KEY", &key)
                .env("JIRA_MCP_TOOLSETS", "default,users")
                .env("ATLASSIAN_CLIENT_ID", "bench")
                .env("ATLASSIAN_CLIENT_SECRET", "bench-secret")
                .env("JIRA_MCP_AUTH_URL", format!("{}/authorize", atlassian.uri()))
                .env("JIRA_MCP_TOKEN_URL", format!("{}/token", atlassian.uri()))
                .env(
                    "JIRA_MCP_RESOURCES_URL",
                    format!("{}/oauth/token/accessible-resources", atlassian.uri()),
                )
                .env("JIRA_MCP_API_BASE", format!("{}/ex/jira/{{cloudId}}", atlassian.uri()))
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .unwrap(),
        );
    }
    for url in &urls {
        for _ in 0..200 {
            if reqwest::get(format!("{url}/readyz"))
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    let users = setting("BENCH_USERS", 50);
    let mut tokens = Vec::new();
    for u in 0..users {
        tokens.push(sign_in(&urls[0], &format!("u{u}")).await);
    }
    let calls = setting("BENCH_CALLS", 20);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (n, token) in tokens.into_iter().enumerate() {
        let urls = urls.clone();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut lat = Vec::new();
            let mut errors = 0;
            for i in 0..calls {
                let url = &urls[(n + i) % urls.len()];
                let t = Instant::now();
                let body = json!({"jsonrpc": "2.0", "id": i + 1, "method": "tools/call",
                    "params": {"name": "jira_get_myself", "arguments": {}}});
                let ok = match http
                    .post(format!("{url}/mcp"))
                    .bearer_auth(&token)
                    .header("accept", "application/json, text/event-stream")
                    .header("mcp-protocol-version", "2025-11-25")
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) => r.text().await.is_ok_and(|t| t.contains(&format!("User u{n}"))),
                    Err(_) => false,
                };
                errors += usize::from(!ok);
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    for mut c in children {
        let _ = c.kill().await;
    }
    all.sort_by(|a, b| a.total_cmp(b));
    let p = |q: f64| all[((all.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "  {replicas} replica{}: {:.0} calls/s, p50 {:.2} ms, p99 {:.2} ms, errors {errors}",
        if replicas == 1 { "" } else { "s" },
        all.len() as f64 / elapsed.as_secs_f64(),
        p(0.5),
        p(0.99)
    );
    assert_eq!(errors, 0, "calls failed: the figures would measure errors");
    drop(pool);
}

/// A client's sign-in, scripted: registration, `/authorize` with PKCE, consent, the code
/// exchange. The access token.
async fn sign_in(url: &str, user: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = "http://127.0.0.1:9/cb";
    // The server takes 60 registrations a minute: beyond, it says how long to wait.
    let reg: Value = loop {
        let r = http
            .post(format!("{url}/register"))
            .json(&json!({"redirect_uris": [redirect]}))
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            let wait = r.headers()["retry-after"].to_str().unwrap().parse().unwrap_or(1);
            tokio::time::sleep(Duration::from_secs(wait)).await;
            continue;
        }
        break r.json().await.unwrap();
    };
    let client = reg["client_id"].as_str().unwrap().to_string();
    let verifier = format!("{user}-{}", "v".repeat(60));
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let mut next = format!(
        "{url}/authorize?response_type=code&client_id={client}&redirect_uri={}&code_challenge={challenge}&code_challenge_method=S256&state=s",
        url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
    );
    let mut cookie = String::new();
    let code = loop {
        if next.starts_with(redirect) {
            let u = url::Url::parse(&next).unwrap();
            break u.query_pairs().find(|(k, _)| k == "code").unwrap().1.to_string();
        }
        if next.contains("audience=api.atlassian.com") {
            next.push_str(&format!("&test_user={user}"));
        }
        let mut r = http.get(&next).header("cookie", &cookie).send().await.unwrap();
        if r.status() == 200 {
            // The server's consent page: approve, with the cookie it set.
            if let Some(c) = r.headers().get("set-cookie") {
                cookie = c.to_str().unwrap().split(';').next().unwrap().to_string();
            }
            let page = r.text().await.unwrap();
            let request = page
                .split("name=request value=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_string();
            let form = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("request", request.as_str()), ("decision", "allow")])
                .finish();
            r = http
                .post(format!("{url}/authorize/consent"))
                .header("cookie", &cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
                .send()
                .await
                .unwrap();
        }
        next = r.headers()["location"].to_str().unwrap().to_string();
    };
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &client),
            ("code_verifier", &verifier),
            ("redirect_uri", redirect),
        ])
        .finish();
    let t: Value = http
        .post(format!("{url}/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    t["access_token"].as_str().unwrap().to_string()
}
