//! Projects, the current user, and finding the site behind an OAuth token.

use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path},
};

use crate::support::{Setup, TOKEN, err_text, fixture, ok_text};

#[tokio::test]
async fn list_projects_and_myself() {
    let h = Setup::new().start().await;
    h.ok("GET", "/rest/api/3/project/search", fixture("jira/projects.json"))
        .await;
    h.ok("GET", "/rest/api/3/myself", fixture("jira/myself.json")).await;
    let r = h.call("jira_list_projects", json!({"query": "plat"})).await;
    crate::support::snapshot("cloud_jira_list_projects", &r);
    let text = ok_text(&r);
    assert!(text.contains("PROJ Platform (software, lead Ada Lovelace)"), "{text}");
    assert_eq!(h.last_query("/rest/api/3/project/search").await["query"], "plat");
    let r = h.call("jira_get_myself", json!({})).await;
    crate::support::snapshot("cloud_jira_get_myself", &r);
    let text = ok_text(&r);
    assert!(
        text.starts_with("Ada Lovelace (ada@example.com, Europe/London, account id 557058:"),
        "{text}"
    );
}

/// With a bearer token and a site, the cloud id is looked up once, kept in the profile, and
/// calls go to `…/ex/jira/{cloudId}`.
#[tokio::test]
async fn cloud_id_is_discovered_and_kept_in_the_profile() {
    let atlassian = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/oauth/token/accessible-resources"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/resources-two.json")))
        .expect(1)
        .mount(&atlassian)
        .await;
    Mock::given(method("GET"))
        .and(path("/ex/jira/99999999-2222-3333-4444-555555555555/rest/api/3/myself"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/myself.json")))
        .expect(2)
        .mount(&atlassian)
        .await;
    let base = format!("{}/ex/jira/{{cloudId}}", atlassian.uri());
    let resources = format!("{}/oauth/token/accessible-resources", atlassian.uri());
    let h = Setup::new()
        .env("JIRA_MCP_API_BASE", &base)
        .env("JIRA_MCP_RESOURCES_URL", &resources)
        .env("JIRA_MCP_SITE", "https://beta.atlassian.net")
        .start_with(atlassian)
        .await;
    ok_text(&h.call("jira_get_myself", json!({})).await);
    ok_text(&h.call("jira_get_myself", json!({})).await);
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(h.home.path().join("profiles/default.json")).unwrap()).unwrap();
    assert_eq!(state["cloud_id"], "99999999-2222-3333-4444-555555555555");
    assert_eq!(state["site_url"], "https://beta.atlassian.net");
    assert!(
        !std::fs::read_to_string(h.home.path().join("profiles/default.json"))
            .unwrap()
            .contains(TOKEN)
    );
}

#[tokio::test]
async fn several_sites_without_a_choice_fail_with_the_list() {
    let atlassian = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/oauth/token/accessible-resources"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/resources-two.json")))
        .mount(&atlassian)
        .await;
    let h = Setup::new()
        .env("JIRA_MCP_API_BASE", &format!("{}/ex/jira/{{cloudId}}", atlassian.uri()))
        .env(
            "JIRA_MCP_RESOURCES_URL",
            &format!("{}/oauth/token/accessible-resources", atlassian.uri()),
        )
        .start_with(atlassian)
        .await;
    let text = err_text(&h.call("jira_get_myself", json!({})).await);
    assert!(
        text.contains("several Jira sites") && text.contains("acme (https://acme.atlassian.net)"),
        "{text}"
    );
    assert!(text.contains("JIRA_MCP_SITE"), "{text}");
    assert!(
        h.requests().await.iter().all(|(_, p)| !p.contains("/rest/api")),
        "no Jira call on a guessed site"
    );
}

#[tokio::test]
async fn read_only_lists_only_read_tools() {
    let mut setup = Setup::new();
    setup.read_only = true;
    let h = setup.start().await;
    let names: Vec<String> = h
        .client
        .list_all_tools()
        .await
        .unwrap()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(names.contains(&"jira_get_issue".into()) && names.contains(&"jira_search".into()));
    assert!(
        !names.iter().any(|n| n.contains("create_issue")
            || n.contains("update")
            || n.contains("add_comment")
            || n.contains("delete")),
        "{names:?}"
    );
}

/// `jira-mcp scopes` says what to add in the developer console, per API, and keeps
/// `offline_access` apart (it is requested at sign-in, not added to the app).
#[tokio::test]
async fn scopes_command_separates_console_scopes_from_offline_access() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_jira-mcp"))
        .args(["scopes", "--toolsets", "issues,jsm_ops"])
        .env_clear()
        .env("JIRA_MCP_HOME", tempfile::tempdir().unwrap().path())
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line in:\n{text}"))
            .to_string()
    };
    let jira = line("Jira API:");
    assert!(
        jira.contains("read:jira-work") && jira.contains("write:jira-work"),
        "{jira}"
    );
    assert!(
        !jira.contains("offline_access") && !jira.contains("ops-alert"),
        "{jira}"
    );
    let ops = line("Jira Service Management Operations");
    assert!(ops.contains("read:ops-alert:jira-service-management"), "{ops}");
    assert!(ops.contains("delete:ops-config:jira-service-management"), "{ops}");
    assert!(line("offline_access").contains("requests it at sign-in"));
}

/// `mcp.json.example` is valid JSON with an entry per client, and no entry carries a secret:
/// secrets come from jira-mcp's own config or are expanded from the environment or prompts.
#[test]
fn mcp_json_example_is_valid_and_holds_no_secret() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/mcp.json.example")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let clients: Vec<&String> = v.as_object().unwrap().keys().filter(|k| !k.starts_with('_')).collect();
    for name in ["Claude Desktop", "Claude Code", "Cursor", "VS Code"] {
        assert!(clients.iter().any(|k| k.starts_with(name)), "no entry for {name}");
    }
    fn walk(v: &serde_json::Value, key: &str, found: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => m.iter().for_each(|(k, x)| walk(x, k, found)),
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, key, found)),
            serde_json::Value::String(s) => {
                let secret_key = ["TOKEN", "SECRET", "Authorization"].iter().any(|w| key.contains(w));
                if secret_key && !s.contains("${") {
                    found.push(format!("{key}: {s}"));
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    for k in clients {
        walk(&v[k.as_str()], k, &mut found);
    }
    assert!(found.is_empty(), "secrets pasted into the example: {found:?}");
}

/// A Cloud API token created with scopes is refused by the site: with
/// `JIRA_MCP_API_TOKEN_SCOPED` calls go through the gateway with the cloud id, Basic auth.
#[tokio::test]
async fn scoped_api_tokens_go_through_the_gateway() {
    use wiremock::{
        Mock, ResponseTemplate,
        matchers::{header, method, path},
    };
    let jira = wiremock::MockServer::start().await;
    let site = jira.uri();
    let h = crate::support::Setup::new()
        .without("JIRA_MCP_ACCESS_TOKEN")
        .env("JIRA_MCP_EMAIL", "me@example.com")
        .env("JIRA_MCP_API_TOKEN", "scoped-token")
        .env("JIRA_MCP_API_TOKEN_SCOPED", "1")
        .env("JIRA_MCP_SITE", &site)
        .env("JIRA_MCP_FLAVOR", "cloud")
        .env("JIRA_MCP_API_BASE", &format!("{site}/ex/jira/{{cloudId}}"))
        .start_with(jira)
        .await;
    h.ok("GET", "/_edge/tenant_info", serde_json::json!({"cloudId": "c-42"}))
        .await;
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "me@example.com:scoped-token"
        )
    );
    Mock::given(method("GET"))
        .and(path("/ex/jira/c-42/rest/api/3/myself"))
        .and(header("authorization", basic.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(crate::support::fixture("jira/myself.json")))
        .mount(&h.jira)
        .await;
    let text = crate::support::ok_text(&h.call("jira_get_myself", serde_json::json!({})).await);
    assert!(text.contains("Ada Lovelace"), "{text}");
}
