//! Data Center personal access tokens: `login --pat` reads the token from stdin, checks it,
//! stores it (0600, never printed); the server then uses it; a revoked one is explained; and
//! `logout` says where tokens are revoked on the site.

use std::{io::Write, process::Stdio};

use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path},
};

use crate::support::{Setup, err_text, ok_text};

const PAT: &str = "NjE4OTk0MDY3OTkyOpat-secret-value";

fn jira_mcp(home: &std::path::Path, site: &str, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jira-mcp"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("JIRA_MCP_HOME", home)
        .env("JIRA_MCP_SITE", site)
        .env("RUST_LOG", "trace")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

async fn myself_mock(jira: &MockServer, status: u16) {
    let template = if status == 200 {
        ResponseTemplate::new(200)
            .set_body_json(json!({"name": "ada", "key": "JIRAUSER10100", "displayName": "Ada Lovelace"}))
    } else {
        ResponseTemplate::new(status)
    };
    Mock::given(method("GET"))
        .and(path("/rest/api/2/myself"))
        .and(header("authorization", format!("Bearer {PAT}").as_str()))
        .respond_with(template)
        .mount(jira)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_pat_checks_stores_and_serves_with_the_token() {
    let jira = MockServer::start().await;
    myself_mock(&jira, 200).await;
    let home = tempfile::tempdir().unwrap();
    let site = jira.uri();
    let (code, out, err) = jira_mcp(home.path(), &site, &["login", "--pat"], &format!("{PAT}\n"));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("as Ada Lovelace (ada)"), "{out}");
    assert!(!out.contains(PAT) && !err.contains(PAT), "the token was printed");
    let file = home.path().join("tokens/default.json");
    let meta = std::fs::metadata(&file).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);

    let (code, out, _) = jira_mcp(home.path(), &site, &["status"], "");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("flavor:       Jira Data Center"), "{out}");
    assert!(out.contains("personal access token"), "{out}");
    assert!(out.contains("signed in as Ada Lovelace (user name ada)"), "{out}");
    assert!(!out.contains(PAT));

    // The server uses the stored token: no JIRA_MCP_ACCESS_TOKEN needed.
    let h = Setup::new()
        .without("JIRA_MCP_ACCESS_TOKEN")
        .env("JIRA_MCP_HOME", &home.path().display().to_string())
        .env("JIRA_MCP_SITE", &site)
        .start_with(jira)
        .await;
    let text = ok_text(&h.call("jira_get_myself", json!({})).await);
    assert!(text.contains("user name ada"), "{text}");

    let (code, out, _) = jira_mcp(home.path(), &site, &["logout"], "");
    assert_eq!(code, 0);
    assert!(
        out.contains("Personal Access Tokens") && out.contains("Authorized applications"),
        "{out}"
    );
    assert!(out.contains("View OAuth Access Tokens"), "{out}");
    assert!(!file.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_is_explained_and_not_stored() {
    let jira = MockServer::start().await;
    myself_mock(&jira, 401).await;
    let home = tempfile::tempdir().unwrap();
    let (code, out, err) = jira_mcp(home.path(), &jira.uri(), &["login", "--pat"], &format!("{PAT}\n"));
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("revoked, expired or mistyped") && err.contains("personal-access-tokens"),
        "{err}"
    );
    assert!(!err.contains(PAT));
    assert!(!home.path().join("tokens/default.json").exists());
    // Nothing on stdin is refused locally.
    let (code, _, err) = jira_mcp(home.path(), &jira.uri(), &["login", "--pat"], "\n");
    assert_eq!(code, 2, "{err}");
}

#[tokio::test]
async fn a_data_center_profile_without_credentials_says_how_and_picks_up_a_later_login() {
    let h = Setup::new()
        .without("JIRA_MCP_ACCESS_TOKEN")
        .env("JIRA_MCP_SITE", "https://jira.example.com")
        .start()
        .await;
    let text = err_text(&h.call("jira_get_myself", json!({})).await);
    assert!(text.contains("jira-mcp login --pat"), "{text}");
    assert!(h.requests().await.is_empty());
    // `login --pat` in another terminal: the running server uses the token on the next call.
    jira_mcp::auth::store::TokenStore::new(h.home.path(), "default")
        .save(&jira_mcp::auth::store::TokenSet {
            access_token: jira_mcp::auth::Secret::new(PAT),
            refresh_token: None,
            expires_at: u64::MAX,
            scopes: Vec::new(),
            client_id: None,
            kind: jira_mcp::auth::store::TokenKind::Pat,
        })
        .unwrap();
    myself_mock(&h.jira, 200).await;
    let text = ok_text(&h.call("jira_get_myself", json!({})).await);
    assert!(text.contains("user name ada"), "{text}");
}

#[tokio::test]
async fn a_data_center_profile_without_a_site_says_so() {
    let h = Setup::new()
        .without("JIRA_MCP_ACCESS_TOKEN")
        .env("JIRA_MCP_FLAVOR", "datacenter")
        .start()
        .await;
    let text = err_text(&h.call("jira_get_myself", json!({})).await);
    assert!(text.contains("JIRA_MCP_SITE"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_token_that_was_revoked_is_explained_on_a_tool_call() {
    let jira = MockServer::start().await;
    myself_mock(&jira, 200).await;
    let home = tempfile::tempdir().unwrap();
    let (code, ..) = jira_mcp(home.path(), &jira.uri(), &["login", "--pat"], &format!("{PAT}\n"));
    assert_eq!(code, 0);
    jira.reset().await;
    myself_mock(&jira, 401).await;
    let site = jira.uri();
    let h = Setup::new()
        .without("JIRA_MCP_ACCESS_TOKEN")
        .env("JIRA_MCP_HOME", &home.path().display().to_string())
        .env("JIRA_MCP_SITE", &site)
        .start_with(jira)
        .await;
    let text = err_text(&h.call("jira_get_myself", json!({})).await);
    assert!(
        text.contains("jira-mcp login --pat") && text.contains("Personal Access Tokens"),
        "{text}"
    );
}
