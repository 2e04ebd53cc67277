//! Bulk tools: per-issue reports with partial failures, progress notifications received by a
//! real MCP client; and `--dynamic-toolsets`: enabling a toolset sends `tools/list_changed`
//! and its tools become callable.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicUsize, Ordering},
};

use jira_mcp::{
    app,
    config::{Config, Overrides},
    toolsets::Selection,
};
use rmcp::{
    RoleClient, ServiceExt,
    model::{CallToolRequestParams, CallToolResult},
    service::RunningService,
};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::support::{TOKEN, err_text, ok_text};

/// Progress notifications received: (progress, total).
pub(crate) type Seen = Arc<Mutex<Vec<(f64, Option<f64>)>>>;

/// A client that records progress notifications and tool-list changes.
#[derive(Clone, Default)]
pub(crate) struct Recording {
    pub(crate) progress: Seen,
    list_changed: Arc<AtomicUsize>,
}

impl rmcp::ClientHandler for Recording {
    async fn on_progress(
        &self,
        params: rmcp::model::ProgressNotificationParam,
        _context: rmcp::service::NotificationContext<RoleClient>,
    ) {
        self.progress.lock().unwrap().push((params.progress, params.total));
    }

    async fn on_tool_list_changed(&self, _context: rmcp::service::NotificationContext<RoleClient>) {
        self.list_changed.fetch_add(1, Ordering::SeqCst);
    }
}

pub(crate) struct World {
    pub(crate) jira: MockServer,
    client: RunningService<RoleClient, Recording>,
    pub(crate) handler: Recording,
    _home: tempfile::TempDir,
}

pub(crate) async fn world(toolsets: Option<&str>, dynamic: bool) -> World {
    let jira = MockServer::start().await;
    let home = tempfile::tempdir().unwrap();
    let env: std::collections::HashMap<&str, String> = [
        ("JIRA_MCP_ACCESS_TOKEN", TOKEN.to_string()),
        ("JIRA_MCP_RETRY_BASE_MS", "1".to_string()),
        ("JIRA_MCP_HOME", home.path().display().to_string()),
        ("JIRA_MCP_API_BASE", jira.uri()),
    ]
    .into_iter()
    .collect();
    let config = Config::load(&Overrides::default(), &|k| env.get(k).cloned()).unwrap();
    let mut selection = Selection::parse(toolsets, None, false).unwrap();
    selection.dynamic = dynamic;
    let server = app::build_server(&config, &selection);
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    let handler = Recording::default();
    let client = handler.clone().serve(client_io).await.unwrap();
    World {
        jira,
        client,
        handler,
        _home: home,
    }
}

pub(crate) async fn call(w: &World, tool: &str, args: Value, progress: bool) -> CallToolResult {
    let Value::Object(args) = args else { panic!() };
    let mut params = CallToolRequestParams::new(tool.to_string()).with_arguments(args);
    if progress {
        params.meta = Some(rmcp::model::RequestMetaObject::with_progress_token(
            rmcp::model::ProgressToken(rmcp::model::NumberOrString::Number(1)),
        ));
    }
    w.client.call_tool(params).await.unwrap()
}

fn transitions() -> Value {
    json!({"transitions": [{"id": "31", "name": "Done", "to": {"name": "Done"}}]})
}

#[tokio::test]
async fn bulk_transition_reports_each_issue_and_sends_progress() {
    let w = world(Some("bulk"), false).await;
    for key in ["PROJ-1", "PROJ-2", "PROJ-3"] {
        Mock::given(method("GET"))
            .and(path(format!("/rest/api/3/issue/{key}/transitions")))
            .respond_with(ResponseTemplate::new(200).set_body_json(transitions()))
            .mount(&w.jira)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/PROJ-4/transitions"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"errorMessages": ["Issue does not exist"]})))
        .mount(&w.jira)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/PROJ-2/transitions"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"errors": {"resolution": "Resolution is required."}})),
        )
        .expect(1)
        .mount(&w.jira)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/PROJ-1/transitions"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&w.jira)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/PROJ-3/transitions"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&w.jira)
        .await;
    let r = call(
        &w,
        "jira_bulk_transition",
        json!({"issue_keys": ["PROJ-1", "PROJ-2", "proj-3", "PROJ-4", "PROJ-1"], "transition": "done"}),
        true,
    )
    .await;
    let t = ok_text(&r);
    assert!(t.starts_with("Bulk transition: 2 succeeded, 2 failed."), "{t}");
    let lines: Vec<&str> = t.lines().skip(1).collect();
    assert!(lines[0].starts_with("- ok PROJ-1: `Done` done"), "{t}");
    assert!(
        lines[1].starts_with("- FAILED PROJ-2:") && lines[1].contains("Resolution is required"),
        "{t}"
    );
    assert!(lines[2].starts_with("- ok PROJ-3"), "{t}");
    assert!(
        lines[3].starts_with("- FAILED PROJ-4:") && lines[3].contains("does not exist"),
        "{t}"
    );
    let s = r.structured_content.unwrap();
    assert_eq!((s["succeeded"].as_u64(), s["failed"].as_u64()), (Some(2), Some(2)));
    assert_eq!(s["results"][1]["ok"], false);
    // Notifications may trail the result by a moment.
    for _ in 0..50 {
        if w.handler.progress.lock().unwrap().len() >= 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let progress = w.handler.progress.lock().unwrap().clone();
    assert_eq!(progress.len(), 4, "{progress:?}");
    assert_eq!(progress.last().unwrap(), &(4.0, Some(4.0)));
}

#[tokio::test]
async fn bulk_create_maps_jiras_failures_to_their_issues() {
    let w = world(Some("bulk"), false).await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/bulk"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "issues": [{"id": "1", "key": "PROJ-10"}, {"id": "2", "key": "PROJ-11"}],
            "errors": [{"failedElementNumber": 1, "status": 400,
                        "elementErrors": {"errorMessages": [], "errors": {"issuetype": "The issue type selected is invalid."}}}]
        })))
        .expect(1)
        .mount(&w.jira)
        .await;
    let issue = |s: &str, t: &str| json!({"project": "PROJ", "issue_type": t, "summary": s});
    let r = call(
        &w,
        "jira_bulk_create",
        json!({"issues": [issue("One", "Task"), issue("Two", "Nope"), issue("Three", "Bug")]}),
        false,
    )
    .await;
    let t = ok_text(&r);
    assert!(t.contains("2 succeeded, 1 failed"), "{t}");
    assert!(t.contains("- ok PROJ-10: created (#1)"), "{t}");
    assert!(
        t.contains("- FAILED #2: issuetype: The issue type selected is invalid."),
        "{t}"
    );
    assert!(t.contains("- ok PROJ-11: created (#3)"), "{t}");
    // Bad input anywhere: nothing is sent.
    let e = err_text(
        &call(
            &w,
            "jira_bulk_create",
            json!({"issues": [issue("One", "Task"), issue("", "Task")]}),
            false,
        )
        .await,
    );
    assert!(e.contains("issue #2"), "{e}");
    assert_eq!(w.jira.received_requests().await.unwrap().len(), 1);
}

/// When every issue fails Jira answers 400 with the same positional report: each failure is
/// still told by its position.
#[tokio::test]
async fn bulk_create_where_all_fail_says_why_for_each() {
    let w = world(Some("bulk"), false).await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/bulk"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "issues": [],
            "errors": [
                {"failedElementNumber": 0, "status": 400, "elementErrors": {"errors": {"project": "valid project is required"}}},
                {"failedElementNumber": 1, "status": 400, "elementErrors": {"errorMessages": ["Summary too long"]}}
            ]
        })))
        .mount(&w.jira)
        .await;
    let issue = json!({"project": "NOPE", "issue_type": "Task", "summary": "x"});
    let e = err_text(&call(&w, "jira_bulk_create", json!({"issues": [issue, issue]}), false).await);
    assert!(
        e.contains("#1: project: valid project is required") && e.contains("#2: Summary too long"),
        "{e}"
    );
}

#[tokio::test]
async fn enabling_a_toolset_notifies_the_client_and_its_tools_work() {
    let w = world(None, true).await;
    let names = |tools: Vec<rmcp::model::Tool>| tools.into_iter().map(|t| t.name.to_string()).collect::<Vec<_>>();
    let before = names(w.client.list_all_tools().await.unwrap());
    assert!(before.contains(&"jira_toolsets".to_string()));
    assert!(before.contains(&"jira_get_issue".to_string()));
    assert!(!before.contains(&"jira_bulk_edit".to_string()));
    let list = ok_text(&call(&w, "jira_toolsets", json!({}), false).await);
    assert!(
        list.contains("- bulk: ") && list.contains("- issues (enabled)"),
        "{list}"
    );
    let e = err_text(
        &call(
            &w,
            "jira_bulk_edit",
            json!({"issue_keys": ["A-1"], "labels": ["x"]}),
            false,
        )
        .await,
    );
    assert!(e.contains("not enabled"), "{e}");
    let t = ok_text(&call(&w, "jira_toolsets", json!({"enable": "bulk"}), false).await);
    assert!(
        t.contains("Enabled toolset bulk") && t.contains("jira_bulk_edit"),
        "{t}"
    );
    for _ in 0..50 {
        if w.handler.list_changed.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(w.handler.list_changed.load(Ordering::SeqCst), 1);
    let after = names(w.client.list_all_tools().await.unwrap());
    assert!(after.contains(&"jira_bulk_edit".to_string()));
    Mock::given(method("PUT"))
        .and(path("/rest/api/3/issue/A-1"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&w.jira)
        .await;
    let t = ok_text(
        &call(
            &w,
            "jira_bulk_edit",
            json!({"issue_keys": ["A-1"], "labels": ["x"]}),
            false,
        )
        .await,
    );
    assert!(t.contains("1 succeeded, 0 failed"), "{t}");
    let e = err_text(&call(&w, "jira_toolsets", json!({"enable": "nope"}), false).await);
    assert!(e.contains("no toolset `nope`"), "{e}");
}
