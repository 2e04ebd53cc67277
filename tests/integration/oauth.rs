//! OAuth 2.0 (3LO) end to end, with real components: `oauth2-mock-server` (npm) as the
//! authorization server (rotating refresh tokens, checked client secret), wiremock for
//! accessible-resources and Jira, the built binary as MCP clients spawn it, and a `BROWSER`
//! script that follows the consent redirect like a browser would.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use rmcp::{
    RoleClient, ServiceExt, model::CallToolRequestParams, service::RunningService, transport::TokioChildProcess,
};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path, path_regex},
};

use crate::support::{fixture, free_port};

pub const SECRET: &str = "test-secret-9f2c";

pub fn node_ready() -> bool {
    let ok = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/node/node_modules/oauth2-mock-server")
        .exists();
    if !ok {
        assert!(
            std::env::var("JIRA_MCP_REQUIRE_TEST_SERVERS").is_err(),
            "oauth2-mock-server is required but not installed: run `npm ci` in tests/node"
        );
        eprintln!("skipping: oauth2-mock-server not installed (npm ci in tests/node)");
    }
    ok
}

/// The authorization server, killed on drop.
pub struct AuthServer {
    child: Child,
    pub port: u16,
    state: tempfile::TempDir,
}

impl Drop for AuthServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl AuthServer {
    pub fn start(mode: &str) -> AuthServer {
        Self::start_with(mode, &[])
    }

    /// With more settings of `oauth-server.mjs` (`OAUTH_TOKEN_TTL`).
    pub fn start_with(mode: &str, env: &[(&str, &str)]) -> AuthServer {
        let state = tempfile::tempdir().unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node/oauth-server.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .env("OAUTH_PORT", "0")
            .env("OAUTH_CLIENT_SECRET", SECRET)
            .env("OAUTH_MODE", mode)
            .env("OAUTH_STATE_DIR", state.path())
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("oauth server: {line}"))
            .parse()
            .unwrap();
        AuthServer { child, port, state }
    }

    pub fn stats(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.state.path().join("stats.json")).unwrap()).unwrap()
    }
}

/// Everything one scenario needs: the servers, a home folder and a browser script.
pub struct World {
    pub auth: AuthServer,
    pub atlassian: MockServer,
    pub home: tempfile::TempDir,
    pub browser_log: PathBuf,
    browser: PathBuf,
    redirect_port: u16,
    _scripts: tempfile::TempDir,
}

impl World {
    /// `browser_delay`: seconds the fake browser waits before following the consent page.
    pub async fn new(mode: &str, browser_delay: u32) -> World {
        let auth = AuthServer::start(mode);
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
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/myself.json")))
            .mount(&atlassian)
            .await;
        let scripts = tempfile::tempdir().unwrap();
        let browser_log = scripts.path().join("browser.log");
        let browser = scripts.path().join("browser.sh");
        std::fs::write(
            &browser,
            format!(
                "#!/bin/sh\necho \"$1\" >> '{}'\n(sleep {browser_delay}; node -e 'fetch(process.argv[1]).then(r => r.text()).catch(() => {{}})' \"$1\") >/dev/null 2>&1 &\n",
                browser_log.display()
            ),
        )
        .unwrap();
        make_executable(&browser);
        World {
            auth,
            atlassian,
            home: tempfile::tempdir().unwrap(),
            browser_log,
            browser,
            redirect_port: free_port(),
            _scripts: scripts,
        }
    }

    pub fn env(&self) -> Vec<(String, String)> {
        let a = format!("http://127.0.0.1:{}", self.auth.port);
        vec![
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("JIRA_MCP_HOME".into(), self.home.path().display().to_string()),
            // The tests call jira_get_myself, which is not in the default toolsets.
            ("JIRA_MCP_TOOLSETS".into(), "default,users".into()),
            ("ATLASSIAN_CLIENT_ID".into(), "test-client".into()),
            ("ATLASSIAN_CLIENT_SECRET".into(), SECRET.into()),
            ("JIRA_MCP_AUTH_URL".into(), format!("{a}/authorize")),
            ("JIRA_MCP_TOKEN_URL".into(), format!("{a}/token")),
            (
                "JIRA_MCP_RESOURCES_URL".into(),
                format!("{}/oauth/token/accessible-resources", self.atlassian.uri()),
            ),
            (
                "JIRA_MCP_API_BASE".into(),
                format!("{}/ex/jira/{{cloudId}}", self.atlassian.uri()),
            ),
            (
                "JIRA_MCP_REDIRECT_URI".into(),
                format!("http://127.0.0.1:{}/callback", self.redirect_port),
            ),
            ("BROWSER".into(), self.browser.display().to_string()),
            ("JIRA_MCP_LOGIN_WAIT_SECS".into(), "20".into()),
            ("JIRA_MCP_LOGIN_TIMEOUT_SECS".into(), "30".into()),
            ("RUST_LOG".into(), "trace".into()),
        ]
    }

    pub fn command(&self, args: &[&str], extra: &[(&str, &str)]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_jira-mcp"));
        cmd.args(args).env_clear();
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd
    }

    /// An MCP client connected to a freshly spawned server; its stderr is collected.
    pub async fn client(
        &self,
        extra: &[(&str, &str)],
    ) -> (RunningService<RoleClient, ()>, tokio::task::JoinHandle<String>) {
        let cmd = self.command(&["serve"], extra);
        let (transport, stderr) = TokioChildProcess::builder(cmd).stderr(Stdio::piped()).spawn().unwrap();
        let mut stderr = stderr.unwrap();
        let logs = tokio::spawn(async move {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s).await;
            s
        });
        (().serve(transport).await.expect("initialize"), logs)
    }

    /// Runs a CLI command to completion: (exit code, stdout, stderr).
    pub async fn run(&self, args: &[&str], extra: &[(&str, &str)]) -> (i32, String, String) {
        let out = self.command(args, extra).stdin(Stdio::null()).output().await.unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    }

    pub fn browser_opens(&self) -> usize {
        std::fs::read_to_string(&self.browser_log)
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    pub fn token_file(&self) -> PathBuf {
        self.home.path().join("tokens/default.json")
    }

    pub fn tokens(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.token_file()).unwrap()).unwrap()
    }

    /// Pretends the access token expired (a forced expiry).
    pub fn expire(&self) {
        let mut t = self.tokens();
        t["expires_at"] = json!(0);
        std::fs::write(self.token_file(), serde_json::to_vec(&t).unwrap()).unwrap();
    }

    /// The secrets that must never appear in logs or output.
    pub fn secrets(&self) -> Vec<String> {
        let t = self.tokens();
        let mut s = vec![SECRET.to_string()];
        for k in ["access_token", "refresh_token"] {
            if let Some(v) = t[k].as_str() {
                s.push(v.to_string());
            }
        }
        s
    }
}

fn make_executable(p: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

async fn call(client: &RunningService<RoleClient, ()>, tool: &str) -> (bool, String) {
    let r = client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(Default::default()))
        .await
        .unwrap();
    let text = r
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n");
    (r.is_error != Some(true), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_tool_call_signs_in_and_a_second_process_reuses_the_cache() {
    if !node_ready() {
        return;
    }
    let w = World::new("ok", 0).await;
    let (client, logs1) = w.client(&[]).await;
    let (ok, text) = call(&client, "jira_get_myself").await;
    assert!(ok, "{text}");
    assert!(text.contains("Ada Lovelace"), "{text}");
    client.cancel().await.unwrap();
    assert_eq!(w.browser_opens(), 1);
    let consent = std::fs::read_to_string(&w.browser_log).unwrap();
    for p in [
        "audience=api.atlassian.com",
        "prompt=consent",
        "response_type=code",
        "offline_access",
        "state=",
    ] {
        assert!(consent.contains(p), "consent URL lacks {p}: {consent}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(w.token_file()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "token file mode");
    }
    let state: Value =
        serde_json::from_slice(&std::fs::read(w.home.path().join("profiles/default.json")).unwrap()).unwrap();
    assert_eq!(state["cloud_id"], "11111111-2222-3333-4444-555555555555");

    // A second process: the cache, no browser, no new code.
    let (client, logs2) = w.client(&[]).await;
    let (ok, text) = call(&client, "jira_get_myself").await;
    assert!(ok, "{text}");
    client.cancel().await.unwrap();
    assert_eq!(w.browser_opens(), 1, "no second browser");
    assert_eq!(w.auth.stats()["codes"], 1);

    // `status` shows the sign-in, never a secret.
    let (code, out, err) = w.run(&["status"], &[]).await;
    assert_eq!(code, 0, "{out}{err}");
    for needle in [
        "OAuth 2.0 (3LO)",
        "11111111-2222-3333-4444-555555555555",
        "read:jira-work",
        "usable",
        "signed in as Ada Lovelace",
    ] {
        assert!(out.contains(needle), "status lacks {needle}:\n{out}");
    }
    let all_logs = format!("{}{}{out}{err}", logs1.await.unwrap(), logs2.await.unwrap());
    assert!(all_logs.contains("signed in"), "trace logs captured");
    for secret in w.secrets() {
        assert!(!all_logs.contains(&secret), "a secret reached the logs or output");
    }
}

/// 8 processes call concurrently across a forced expiry, twice: every call succeeds, there is
/// one refresh per expiry, and the cached refresh token is the last one issued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_processes_refresh_once_per_expiry_with_rotating_tokens() {
    if !node_ready() {
        return;
    }
    let w = World::new("ok", 0).await;
    let (code, out, err) = w.run(&["login"], &[]).await;
    assert_eq!(code, 0, "{out}{err}");
    for round in 1..=2u64 {
        w.expire();
        let mut clients = Vec::new();
        for _ in 0..8 {
            clients.push(w.client(&[]).await);
        }
        let mut calls = Vec::new();
        for (client, _) in &clients {
            for _ in 0..3 {
                calls.push(call(client, "jira_get_myself"));
            }
        }
        for (ok, text) in futures::future::join_all(calls).await {
            assert!(ok, "round {round}: {text}");
        }
        for (client, logs) in clients {
            client.cancel().await.unwrap();
            let logs = logs.await.unwrap();
            assert!(!logs.contains(SECRET));
        }
        let stats = w.auth.stats();
        assert_eq!(stats["refreshes"], round, "one refresh per expiry: {stats}");
        assert_eq!(stats["rejected_reuse"], 0, "no refresh token was reused: {stats}");
        assert_eq!(
            w.tokens()["refresh_token"],
            stats["last_refresh_token"],
            "the newest refresh token is cached"
        );
    }
    assert_eq!(w.browser_opens(), 1, "nobody had to sign in again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_refresh_token_asks_for_a_new_sign_in_and_keeps_the_profile() {
    if !node_ready() {
        return;
    }
    let w = World::new("ok", 0).await;
    let (code, _, err) = w.run(&["login"], &[]).await;
    assert_eq!(code, 0, "{err}");
    let mut t = w.tokens();
    t["expires_at"] = json!(0);
    t["refresh_token"] = json!("revoked-elsewhere");
    std::fs::write(w.token_file(), serde_json::to_vec(&t).unwrap()).unwrap();
    // No browser can be opened here: the call answers with the URL and the command.
    let (client, _) = w.client(&[("BROWSER", "/nonexistent/browser")]).await;
    let (ok, text) = call(&client, "jira_get_myself").await;
    assert!(!ok);
    assert!(
        text.contains("no browser could be opened") && text.contains("/authorize?"),
        "{text}"
    );
    assert!(text.contains("jira-mcp login"), "{text}");
    client.cancel().await.unwrap();
    let state: Value =
        serde_json::from_slice(&std::fs::read(w.home.path().join("profiles/default.json")).unwrap()).unwrap();
    assert_eq!(
        state["cloud_id"], "11111111-2222-3333-4444-555555555555",
        "the profile is kept"
    );
    assert_eq!(w.auth.stats()["rejected_reuse"], 1);
}

/// The client gives up on a slow call; the login goes on in the background and the next call
/// finds the token. Two calls during one login share it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_outlives_the_call_that_started_it_and_is_shared() {
    if !node_ready() {
        return;
    }
    let w = World::new("ok", 3).await;
    let (client, _) = w.client(&[("JIRA_MCP_LOGIN_WAIT_SECS", "1")]).await;
    let (ok, text) = call(&client, "jira_get_myself").await;
    assert!(!ok);
    assert!(text.contains("waiting for you to finish signing in"), "{text}");
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (ok, text) = call(&client, "jira_get_myself").await;
    assert!(ok, "{text}");
    client.cancel().await.unwrap();
    assert_eq!(w.browser_opens(), 1);

    let w = World::new("ok", 2).await;
    let (client, _) = w.client(&[]).await;
    let (a, b) = tokio::join!(call(&client, "jira_get_myself"), call(&client, "jira_list_projects"));
    assert!(a.0, "{}", a.1);
    // jira_list_projects is not mocked: what matters is that it got past the sign-in.
    assert!(!b.1.contains("Not signed in"), "{}", b.1);
    client.cancel().await.unwrap();
    assert_eq!(w.browser_opens(), 1, "one login for both calls");
    assert_eq!(w.auth.stats()["codes"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_login_failure_is_explained() {
    if !node_ready() {
        return;
    }
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 5] = [
        (
            "ok",
            &[("ATLASSIAN_CLIENT_SECRET", "wrong")],
            "rejected the app's credentials",
        ),
        ("deny", &[], "declined the consent"),
        ("invalid_scope", &[], "did not accept the requested scopes"),
        ("bad_redirect", &[], "Register exactly http://127.0.0.1:"),
        ("no_code", &[], "Jira Service Management customers"),
    ];
    for (mode, extra, needle) in cases {
        let w = World::new(mode, 0).await;
        let (code, out, err) = w.run(&["login"], extra).await;
        assert_eq!(code, 1, "{mode}: {out}{err}");
        assert!(err.contains(needle), "{mode}: expected `{needle}` in:\n{err}");
        assert!(!w.token_file().exists(), "{mode}: no tokens saved");
        assert!(!err.contains(SECRET));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_port_in_use_and_several_sites_are_explained() {
    if !node_ready() {
        return;
    }
    let w = World::new("ok", 0).await;
    let port = w
        .env()
        .iter()
        .find(|(k, _)| k == "JIRA_MCP_REDIRECT_URI")
        .unwrap()
        .1
        .clone();
    let port: u16 = port
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches("/callback")
        .parse()
        .unwrap();
    let taken = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let (code, _, err) = w.run(&["login"], &[]).await;
    assert_eq!(code, 1);
    assert!(err.contains(&format!("port {port} is already in use")), "{err}");
    drop(taken);

    let w = World::new("ok", 0).await;
    w.atlassian.reset().await;
    Mock::given(method("GET"))
        .and(path("/oauth/token/accessible-resources"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/resources-two.json")))
        .mount(&w.atlassian)
        .await;
    let (code, _, err) = w.run(&["login"], &[]).await;
    assert_eq!(code, 1);
    assert!(
        err.contains("several Jira sites") && err.contains("beta (https://beta.atlassian.net)"),
        "{err}"
    );
    let (code, out, err) = w.run(&["login", "--site", "https://beta.atlassian.net"], &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Signed in to beta"), "{out}");
}

/// Two servers of one profile need a sign-in at once (an editor starting several): the first
/// opens the browser and listens; the second waits for its tokens instead of failing on the
/// taken callback port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_waits_for_the_sign_in_of_the_first() {
    if !node_ready() {
        return;
    }
    let w = World::new("ok", 3).await;
    let (a, _) = w.client(&[]).await;
    let (b, _) = w.client(&[]).await;
    let first = tokio::spawn(async move {
        let r = call(&a, "jira_get_myself").await;
        a.cancel().await.unwrap();
        r
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (ok, text) = call(&b, "jira_get_myself").await;
    assert!(ok, "the second process: {text}");
    let (ok, text) = first.await.unwrap();
    assert!(ok, "the first process: {text}");
    b.cancel().await.unwrap();
    assert_eq!(w.browser_opens(), 1, "one browser");
    assert_eq!(w.auth.stats()["codes"], 1, "one sign-in");
}

#[tokio::test]
async fn the_callback_refuses_a_wrong_state_and_keeps_waiting() {
    use jira_mcp::auth::callback::{Listener, Redirect};
    let port = free_port();
    let redirect = url::Url::parse(&format!("http://127.0.0.1:{port}/callback")).unwrap();
    let mut listener = Listener::bind(&redirect, "expected-state".into()).await.unwrap();
    let http = reqwest::Client::new();
    let forged = http
        .get(format!("{redirect}?code=evil&state=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    let missing = http.get(format!("{redirect}?code=evil")).send().await.unwrap();
    assert_eq!(missing.status(), 400);
    let good = http
        .get(format!("{redirect}?code=c0de&state=expected-state"))
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), 200);
    assert_eq!(listener.next().await, Some(Redirect::Code("c0de".into())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_browser_login_reads_the_pasted_url_and_checks_its_state() {
    if !node_ready() {
        return;
    }
    let w = World::new("ok", 0).await;
    let mut child = w
        .command(&["login", "--no-browser"], &[])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use tokio::io::AsyncWriteExt;
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"http://127.0.0.1:1/callback?code=x&state=not-the-one\n")
        .await
        .unwrap();
    let out = child.wait_with_output().await.unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("state mismatch"), "{err}");
    assert!(err.contains("/authorize?"), "the URL was printed: {err}");
    assert_eq!(w.auth.stats()["codes"], 0, "nothing was exchanged");
}

#[tokio::test]
async fn logout_deletes_tokens_and_says_where_to_revoke() {
    let home = tempfile::tempdir().unwrap();
    let store = jira_mcp::auth::store::TokenStore::new(home.path(), "work");
    store
        .save(&jira_mcp::auth::store::TokenSet {
            access_token: jira_mcp::auth::Secret::new("a"),
            refresh_token: None,
            expires_at: 1,
            scopes: vec![],
            client_id: None,
            kind: jira_mcp::auth::store::TokenKind::Oauth,
        })
        .unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_jira-mcp"))
        .args(["logout", "--profile", "work"])
        .env_clear()
        .env("JIRA_MCP_HOME", home.path())
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("Deleted the saved tokens of profile `work`") && text.contains("connected apps"),
        "{text}"
    );
    assert!(store.load().unwrap().is_none());
}

/// Child half of the crash test: rewrites the token file in a loop until killed.
#[test]
fn crash_writer_child() {
    let Ok(dir) = std::env::var("JIRA_MCP_CRASH_WRITER") else {
        return;
    };
    let store = jira_mcp::auth::store::TokenStore::new(Path::new(&dir), "crash");
    for i in 0u64.. {
        store.save(&crash_set(i % 2)).unwrap();
    }
}

fn crash_set(n: u64) -> jira_mcp::auth::store::TokenSet {
    jira_mcp::auth::store::TokenSet {
        access_token: jira_mcp::auth::Secret::new(format!("access-{n}-{}", "x".repeat(4096))),
        refresh_token: Some(jira_mcp::auth::Secret::new(format!("refresh-{n}"))),
        expires_at: 4_000_000_000 + n,
        scopes: (0..200).map(|i| format!("scope-{n}-{i}")).collect(),
        client_id: Some("c".into()),
        kind: jira_mcp::auth::store::TokenKind::Oauth,
    }
}

/// Killing a process in the middle of writing the token file leaves the old or the new file,
/// never a broken one.
#[test]
fn a_kill_during_a_write_leaves_the_old_or_the_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = jira_mcp::auth::store::TokenStore::new(dir.path(), "crash");
    store.save(&crash_set(0)).unwrap();
    for round in 0..15u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "oauth::crash_writer_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("JIRA_MCP_CRASH_WRITER", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(30 + round * 7));
        child.kill().unwrap(); // SIGKILL: no cleanup runs
        child.wait().unwrap();
        let loaded = store.load().expect("the token file is never broken").expect("present");
        assert!(
            loaded == crash_set(0) || loaded == crash_set(1),
            "round {round}: a mixed file"
        );
    }
}

/// A client that supports URL-mode elicitation: it "opens" the consent URL itself (the way a
/// client hands it to the user's browser), and counts progress notifications.
#[derive(Clone, Default)]
struct ElicitingClient {
    urls: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    progress: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    delay_secs: u64,
}

impl rmcp::ClientHandler for ElicitingClient {
    fn get_info(&self) -> rmcp::model::ClientConfig {
        let mut caps = rmcp::model::ClientCapabilities::default();
        caps.elicitation =
            Some(rmcp::model::ElicitationCapability::new().with_url(rmcp::model::UrlElicitationCapability::new()));
        rmcp::model::ClientConfig::new(caps, rmcp::model::Implementation::new("eliciting-test-client", "0"))
    }

    async fn create_elicitation(
        &self,
        request: rmcp::model::ElicitRequestParams,
        _context: rmcp::service::RequestContext<RoleClient>,
    ) -> Result<rmcp::model::ElicitResult, rmcp::ErrorData> {
        if let rmcp::model::ElicitRequestParams::UrlElicitationParams { url, .. } = request {
            self.urls.lock().unwrap().push(url.clone());
            let delay = self.delay_secs;
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(delay)).await;
                let _ = reqwest::get(url).await;
            });
            return Ok(rmcp::model::ElicitResult::new(rmcp::model::ElicitationAction::Accept));
        }
        Ok(rmcp::model::ElicitResult::new(rmcp::model::ElicitationAction::Decline))
    }

    async fn on_progress(
        &self,
        _params: rmcp::model::ProgressNotificationParam,
        _context: rmcp::service::NotificationContext<RoleClient>,
    ) {
        self.progress.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_with_url_elicitation_gets_the_consent_url_and_progress() {
    if !node_ready() {
        return;
    }
    let w = World::new("ok", 0).await;
    let cmd = w.command(&["serve"], &[]);
    let (transport, _) = TokioChildProcess::builder(cmd).stderr(Stdio::null()).spawn().unwrap();
    let handler = ElicitingClient {
        delay_secs: 6,
        ..Default::default()
    };
    let client = handler.clone().serve(transport).await.unwrap();
    let mut params = CallToolRequestParams::new("jira_get_myself").with_arguments(Default::default());
    params.meta = Some(rmcp::model::RequestMetaObject::with_progress_token(
        rmcp::model::ProgressToken(rmcp::model::NumberOrString::Number(7)),
    ));
    let r = client.call_tool(params).await.unwrap();
    client.cancel().await.unwrap();
    assert_signed_in_through(&w, &handler, &r);
    assert!(
        handler.progress.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "progress while waiting"
    );
}

/// A client of MCP 2026-07-28 takes no requests from the server: the consent URL reaches it as
/// an input request in the call's result (URL elicitation), and the call is retried by the
/// client's SDK, which waits for the sign-in and runs the tool. The browser is not opened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2026_07_28_client_gets_the_sign_in_as_an_input_request() {
    if !node_ready() {
        return;
    }
    let w = World::new("ok", 0).await;
    let handler = ElicitingClient {
        delay_secs: 1,
        ..Default::default()
    };
    let client = modern_client(&w, handler.clone()).await;
    let params = CallToolRequestParams::new("jira_get_myself").with_arguments(Default::default());
    // The SDK's call drives the rounds: input required → the client opens the URL → retry.
    let r = client.call_tool(params).await.unwrap();
    client.cancel().await.unwrap();
    assert_signed_in_through(&w, &handler, &r);
    assert!(w.token_file().exists(), "the sign-in was saved");
}

/// A client of MCP 2026-07-28 (no `initialize`, no server-to-client requests) on a new server.
async fn modern_client(w: &World, handler: ElicitingClient) -> RunningService<RoleClient, ElicitingClient> {
    let cmd = w.command(&["serve"], &[]);
    let (transport, _) = TokioChildProcess::builder(cmd).stderr(Stdio::null()).spawn().unwrap();
    let lifecycle = rmcp::service::ClientLifecycleMode::Discover {
        preferred_versions: vec![rmcp::model::ProtocolVersion::V_2026_07_28],
    };
    rmcp::service::ClientServiceExt::serve_with_lifecycle(handler, transport, lifecycle)
        .await
        .unwrap()
}

/// The call succeeded after a sign-in whose one consent URL the client opened, not the
/// system browser.
#[track_caller]
fn assert_signed_in_through(w: &World, handler: &ElicitingClient, r: &rmcp::model::CallToolResult) {
    assert_ne!(r.is_error, Some(true), "{}", crate::support::text(r));
    let urls = handler.urls.lock().unwrap().clone();
    assert_eq!(urls.len(), 1, "one consent URL for the client");
    assert!(
        urls[0].contains("/authorize?") && urls[0].contains("prompt=consent"),
        "{urls:?}"
    );
    assert_eq!(w.browser_opens(), 0, "the client opened it, not the system browser");
}

/// The input-required round by hand: its shape, a declined sign-in (nothing runs, and the
/// message says how to sign in later), then an accepted one that the retry waits for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_input_request_runs_nothing_and_an_accepted_one_waits_for_the_sign_in() {
    use rmcp::model::{CallToolResponse, ElicitRequestParams, InputRequest};
    if !node_ready() {
        return;
    }
    let w = World::new("ok", 0).await;
    let client = modern_client(&w, ElicitingClient::default()).await;
    let params = CallToolRequestParams::new("jira_get_myself").with_arguments(Default::default());
    let CallToolResponse::InputRequired(first) = client.peer().call_tool_once(params.clone()).await.unwrap() else {
        panic!("a sign-in is needed: the first round asks for input");
    };
    let state = first.request_state.clone().expect("a state to echo");
    let requests = first.input_requests.clone().expect("one input request");
    assert_eq!(requests.len(), 1);
    let (key, request) = requests.into_iter().next().unwrap();
    let InputRequest::Elicitation(e) = request else {
        panic!("an elicitation")
    };
    let ElicitRequestParams::UrlElicitationParams { url, message, .. } = e.params else {
        panic!("URL mode")
    };
    assert!(url.contains("/authorize?"), "{url}");
    assert!(message.contains("Sign in to Atlassian"), "{message}");

    let answer = |action: &str| {
        let mut p = params.clone();
        p.request_state = Some(state.clone());
        p.input_responses = Some([(key.clone(), json!({"action": action}))].into_iter().collect());
        p
    };
    let CallToolResponse::Complete(declined) = client.peer().call_tool_once(answer("decline")).await.unwrap() else {
        panic!("a declined sign-in completes the call")
    };
    let text = crate::support::text(&declined);
    assert_eq!(declined.is_error, Some(true));
    assert!(text.contains("declined") && text.contains("jira-mcp login"), "{text}");

    // The user opens the URL a moment after accepting; the retry waits for the sign-in.
    let opener = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        reqwest::get(url).await.map(|r| r.status())
    });
    let CallToolResponse::Complete(done) = client.peer().call_tool_once(answer("accept")).await.unwrap() else {
        panic!("the accepted round completes")
    };
    assert_ne!(done.is_error, Some(true), "{}", crate::support::text(&done));
    assert!(opener.await.unwrap().is_ok());
    assert_eq!(w.browser_opens(), 0);
    client.cancel().await.unwrap();
}

/// A grant without a scope a tool needs: the tool is still listed, and calling it explains the
/// missing scope, what is granted and how to fix it, without asking Jira. `status` shows which
/// toolsets the grant allows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_scopes_are_explained_before_jira_is_called() {
    if !node_ready() {
        return;
    }
    let w = World::new("ok", 0).await;
    let (code, out, err) = w
        .run(&["login", "--scopes", "read:jira-work offline_access"], &[])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    let (client, _) = w.client(&[]).await;
    let names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(names.contains(&"jira_get_myself".to_string()), "tools stay listed");
    let before = w.atlassian.received_requests().await.unwrap().len();
    let (ok, text) = call(&client, "jira_get_myself").await;
    assert!(!ok);
    for needle in [
        "jira_get_myself",
        "`read:jira-user`",
        "The token grants: read:jira-work offline_access",
        "developer console",
        "then run `jira-mcp login` to consent",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in: {text}");
    }
    assert_eq!(
        w.atlassian.received_requests().await.unwrap().len(),
        before,
        "Jira was not called"
    );
    client.cancel().await.unwrap();
    let (_, out, _) = w.run(&["status"], &[]).await;
    assert!(out.contains("users       missing scopes: read:jira-user"), "{out}");
    assert!(out.contains("search      usable"), "{out}");
}

/// Jira answers 401 to a token our clock still thinks valid: one refresh, one retry, success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_for_an_expired_token_refreshes_once_and_retries() {
    if !node_ready() {
        return;
    }
    let w = World::new("ok", 0).await;
    let (code, _, err) = w.run(&["login"], &[]).await;
    assert_eq!(code, 0, "{err}");
    let old = w.tokens()["access_token"].as_str().unwrap().to_string();
    Mock::given(method("GET"))
        .and(path_regex("/rest/api/3/myself$"))
        .and(wiremock::matchers::header(
            "authorization",
            format!("Bearer {old}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"code": 401, "message": "Unauthorized"})))
        .with_priority(1)
        .expect(1)
        .mount(&w.atlassian)
        .await;
    let (client, logs) = w.client(&[]).await;
    let (ok, text) = call(&client, "jira_get_myself").await;
    client.cancel().await.unwrap();
    assert!(ok, "{text}\n{}", logs.await.unwrap());
    assert_eq!(w.auth.stats()["refreshes"], 1);
    assert_ne!(w.tokens()["access_token"].as_str().unwrap(), old);
}

/// Data Center's own OAuth 2.0 provider: the first tool call opens its consent URL, which
/// carries a PKCE (S256) challenge and the `WRITE` level, no Cloud audience; the sign-in needs
/// no site list; calls go to REST v2;
/// refreshes of two processes across an expiry are one refresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_center_oauth_signs_in_with_pkce_and_refreshes_across_processes() {
    if !node_ready() {
        return;
    }
    let w = World::new("ok", 0).await;
    Mock::given(method("GET"))
        .and(path("/rest/api/2/myself"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"name": "ada", "key": "JIRAUSER10100", "displayName": "Ada Lovelace", "active": true}),
        ))
        .mount(&w.atlassian)
        .await;
    let site = w.atlassian.uri();
    let dc = [("JIRA_MCP_SITE", site.as_str())];
    // The first tool call opens the browser at the site's consent page.
    let (client, _) = w.client(&dc).await;
    let (ok, text) = call(&client, "jira_get_myself").await;
    assert!(ok && text.contains("user name ada"), "{text}");
    client.cancel().await.unwrap();
    let consent = std::fs::read_to_string(&w.browser_log).unwrap();
    for p in ["code_challenge_method=S256", "code_challenge=", "scope=WRITE", "state="] {
        assert!(consent.contains(p), "consent URL lacks {p}: {consent}");
    }
    assert!(!consent.contains("audience="), "{consent}");
    assert!(!consent.contains("code_verifier"), "{consent}");
    let (code, out, _) = w.run(&["status"], &dc).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Jira Data Center") && out.contains("signed in as Ada Lovelace (user name ada)"),
        "{out}"
    );

    w.expire();
    let a = w.client(&dc).await;
    let b = w.client(&dc).await;
    let (ra, rb) = tokio::join!(call(&a.0, "jira_get_myself"), call(&b.0, "jira_get_myself"));
    for (ok, text) in [ra, rb] {
        assert!(ok && text.contains("user name ada"), "{text}");
    }
    for (client, logs) in [a, b] {
        client.cancel().await.unwrap();
        let logs = logs.await.unwrap();
        for secret in w.secrets() {
            assert!(!logs.contains(&secret), "a secret reached the logs");
        }
    }
    let stats = w.auth.stats();
    assert_eq!(stats["refreshes"], 1, "one refresh for two processes: {stats}");
    assert_eq!(stats["rejected_reuse"], 0, "{stats}");
    assert_eq!(w.tokens()["refresh_token"], stats["last_refresh_token"]);
    assert_eq!(w.browser_opens(), 1);
}

/// The authorization server really checks PKCE: the code of a consent URL is exchanged only
/// with that URL's verifier.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_pkce_verifier_is_refused_and_the_right_one_signs_in() {
    if !node_ready() {
        return;
    }
    let auth = AuthServer::start("ok");
    let base = format!("http://127.0.0.1:{}", auth.port);
    let app = jira_mcp::auth::oauth::OAuthApp {
        client_id: "test-client".into(),
        client_secret: jira_mcp::auth::Secret::new(SECRET),
        auth_url: url::Url::parse(&format!("{base}/authorize")).unwrap(),
        token_url: url::Url::parse(&format!("{base}/token")).unwrap(),
        redirect_uri: url::Url::parse(&format!("http://127.0.0.1:{}/callback", free_port())).unwrap(),
        flavor: jira_mcp::config::Flavor::DataCenter,
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let code_of = |auth: &jira_mcp::auth::oauth::Authorization| {
        let (http, url) = (http.clone(), auth.url.clone());
        async move {
            let resp = http.get(url).send().await.unwrap();
            let location = resp.headers()["location"].to_str().unwrap().to_string();
            let to = url::Url::parse(&location).unwrap();
            to.query_pairs().find(|(k, _)| k == "code").unwrap().1.to_string()
        }
    };
    let scopes = ["WRITE".to_string()];
    let first = app.authorize(&scopes, "s1");
    let code = code_of(&first).await;
    let wrong = jira_mcp::auth::Secret::new("x".repeat(64));
    assert!(app.exchange_code(&http, &code, Some(&wrong), &scopes).await.is_err());
    let second = app.authorize(&scopes, "s2");
    let code = code_of(&second).await;
    let tokens = app
        .exchange_code(&http, &code, second.verifier.as_ref(), &scopes)
        .await
        .expect("the right verifier signs in");
    assert!(tokens.refresh_token.is_some());
    // The refresh sends the redirect URI, as Data Center requires, and rotates.
    let refreshed = app.refresh(&http, &tokens).await.expect("refresh");
    assert_ne!(refreshed.refresh_token, tokens.refresh_token);
}

/// A Data Center JSM customer (unlicensed) is sent back without a code: said plainly, with
/// what works instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_center_customer_without_a_licence_is_told_why() {
    if !node_ready() {
        return;
    }
    let w = World::new("no_code", 0).await;
    let site = w.atlassian.uri();
    let (code, out, err) = w.run(&["login"], &[("JIRA_MCP_SITE", site.as_str())]).await;
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("customers") && err.contains("licensed"), "{err}");
    assert!(err.contains("jira-mcp login --pat"), "{err}");
    assert!(!w.token_file().exists());
}
