//! The built binary, spawned over stdio as an MCP client does: initialize, list, call every
//! tool on Jira Cloud and on Jira Data Center; stdout carries only protocol messages; no token
//! reaches the logs.

use std::process::Stdio;

use rmcp::{ServiceExt, model::CallToolRequestParams, transport::TokioChildProcess};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path, path_regex},
};

use crate::support::{TOKEN, fixture};

fn command(jira: &MockServer, home: &std::path::Path, flavor: &str) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_jira-mcp"));
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("JIRA_MCP_HOME", home)
        .env("JIRA_MCP_ACCESS_TOKEN", TOKEN)
        .env("JIRA_MCP_API_BASE", jira.uri())
        .env("JIRA_MCP_FLAVOR", flavor)
        .env("JIRA_MCP_TOOLSETS", "all")
        .env("JIRA_MCP_OPS_POLL_MS", "10");
    cmd
}

/// Answers every request the tools make, on the flavor's own paths only: a call to the other
/// flavor's API would get a 404 and fail the test.
async fn mock_everything(jira: &MockServer, flavor: &str) {
    let (v, issue, projects) = match flavor {
        "cloud" => (
            "3",
            fixture("jira/issue-typical.json"),
            ("/project/search", fixture("jira/projects.json")),
        ),
        _ => (
            "2",
            fixture("jira-dc/issue.json"),
            ("/project", json!([{"key": "OPS", "name": "Operations"}])),
        ),
    };
    let worklog = json!({"id": "100", "timeSpent": "1h", "started": "2026-12-01T10:00:00.000+0000"});
    let mut routes: Vec<(&str, String, Value)> = vec![
        ("GET", "/field".into(), fixture("jira/fields.json")),
        ("GET", "/issue/PROJ-123".into(), issue),
        (
            "GET",
            "/issue/PROJ-123/transitions".into(),
            fixture("jira/transitions.json"),
        ),
        (
            "GET",
            "/issue/PROJ-123/comment".into(),
            fixture("jira/comments-page1.json"),
        ),
        ("GET", projects.0.into(), projects.1),
        ("GET", "/myself".into(), fixture("jira/myself.json")),
        (
            "POST",
            "/issue".into(),
            json!({"id": "1", "key": "PROJ-200", "self": "x"}),
        ),
        ("POST", "/issue/PROJ-123/comment".into(), json!({"id": "555"})),
        (
            "GET",
            "/issue/PROJ-123/worklog".into(),
            json!({"startAt": 0, "total": 1, "worklogs": [worklog.clone()]}),
        ),
        ("POST", "/issue/PROJ-123/worklog".into(), worklog.clone()),
        ("PUT", "/issue/PROJ-123/worklog/100".into(), worklog),
        ("DELETE", "/issue/PROJ-123/worklog/100".into(), json!(null)),
        (
            "GET",
            "/attachment/10002".into(),
            json!({"id": "10002", "filename": "n.txt", "mimeType": "text/plain", "size": 5,
                   "content": format!("{}/secure/attachment/10002/n.txt", jira.uri())}),
        ),
        (
            "POST",
            "/issue/PROJ-123/attachments".into(),
            json!([{"id": "10010", "filename": "n.txt"}]),
        ),
        ("GET", "/filter/favourite".into(), json!([])),
        (
            "GET",
            "/filter/10000".into(),
            json!({"id": "10000", "name": "Open bugs", "jql": "type = Bug"}),
        ),
        ("POST", "/filter".into(), json!({"id": "10001", "name": "E2E"})),
        (
            "GET",
            "/dashboard".into(),
            json!({"dashboards": [], "startAt": 0, "total": 0}),
        ),
        ("GET", "/dashboard/10000".into(), json!({"id": "10000", "name": "Team"})),
        (
            "POST",
            "/field".into(),
            json!({"id": "customfield_10500", "name": "E2E", "custom": true}),
        ),
        ("GET", "/priority".into(), json!([{"id": "1", "name": "High"}])),
        (
            "GET",
            "/issue/createmeta/OPS/issuetypes/3".into(),
            json!({"values": [{"fieldId": "customfield_10020", "name": "Team", "allowedValues": [{"id": "1", "value": "A"}]}]}),
        ),
        (
            "GET",
            "/issue/createmeta/PROJ/issuetypes".into(),
            json!({"values": [{"id": "3", "name": "Task"}], "issueTypes": [{"id": "3", "name": "Task"}]}),
        ),
        (
            "GET",
            "/issueLinkType".into(),
            json!({"issueLinkTypes": [{"id": "1", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
                                      {"id": "2", "name": "Cloners", "inward": "is cloned by", "outward": "clones"}]}),
        ),
        ("POST", "/issueLink".into(), json!(null)),
        ("DELETE", "/issueLink/10042".into(), json!(null)),
        ("POST", "/issue/PROJ-123/remotelink".into(), json!({"id": 10000})),
        ("POST", "/issue/PROJ-123/watchers".into(), json!(null)),
        ("PUT", "/issue/PROJ-123/comment/555".into(), json!({"id": "555"})),
        ("DELETE", "/issue/PROJ-123/comment/555".into(), json!(null)),
        ("DELETE", "/issue/PROJ-124".into(), json!(null)),
        ("GET", "/user/assignable/search".into(), json!([])),
        ("GET", "/user/search".into(), fixture("jira/users-search.json")),
        (
            "GET",
            "/project/PROJ".into(),
            json!({"id": "10000", "key": "PROJ", "name": "Platform"}),
        ),
        ("POST", "/project".into(), json!({"id": 10001, "key": "NEW"})),
        ("PUT", "/project/PROJ".into(), json!({"key": "PROJ"})),
        ("POST", "/component".into(), json!({"id": "7", "name": "Auth"})),
        ("POST", "/version".into(), json!({"id": "9", "name": "2.4"})),
        (
            "POST",
            "/issue/bulk".into(),
            json!({"issues": [{"id": "2", "key": "PROJ-201"}], "errors": []}),
        ),
    ];
    // The bytes: Cloud's content endpoint, Data Center's `content` URL on the same host.
    let content = if flavor == "cloud" {
        format!("/rest/api/{v}/attachment/content/10002")
    } else {
        "/secure/attachment/10002/n.txt".to_string()
    };
    Mock::given(method("GET"))
        .and(path(content))
        .respond_with(ResponseTemplate::new(200).set_body_raw(b"hello".to_vec(), "text/plain"))
        .mount(jira)
        .await;
    if flavor == "cloud" {
        routes.push(("GET", "/dashboard/10000/gadget".into(), json!({"gadgets": []})));
        routes.push(("POST", "/dashboard".into(), json!({"id": "10002", "name": "E2E"})));
        routes.push((
            "GET",
            "/field/customfield_10020/context".into(),
            json!({"values": [], "startAt": 0, "total": 0, "isLast": true}),
        ));
        routes.push(("GET", "/search/jql".into(), fixture("jira/search-page2.json")));
        routes.push((
            "POST",
            "/jql/parse".into(),
            json!({"queries": [{"query": "project = PROJ", "errors": []}]}),
        ));
    } else {
        routes.push((
            "GET",
            "/search".into(),
            json!({"startAt": 0, "total": 1, "issues": [fixture("jira-dc/issue.json")]}),
        ));
    }
    for (m, p, body) in routes {
        Mock::given(method(m))
            .and(path_regex(format!("^/rest/api/{v}{p}$")))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(jira)
            .await;
    }
    let agile: Vec<(&str, &str, u16, Value)> = vec![
        (
            "GET",
            "/board",
            200,
            json!({"isLast": true, "values": [{"id": 5, "name": "Team", "type": "scrum"}]}),
        ),
        (
            "GET",
            "/board/5/issue",
            200,
            json!({"startAt": 0, "total": 0, "issues": []}),
        ),
        (
            "GET",
            "/board/5/sprint",
            200,
            json!({"isLast": true, "values": [{"id": 37, "name": "Sprint 4", "state": "active"}]}),
        ),
        (
            "GET",
            "/board/5/epic",
            200,
            json!({"isLast": true, "values": [{"id": 7, "key": "PROJ-7", "name": "Login"}]}),
        ),
        (
            "POST",
            "/sprint",
            201,
            json!({"id": 38, "name": "Sprint 5", "state": "future"}),
        ),
        ("POST", "/sprint/37/issue", 204, Value::Null),
        ("PUT", "/issue/rank", 204, Value::Null),
    ];
    for (m, p, status, body) in agile {
        let mut answer = ResponseTemplate::new(status);
        if !body.is_null() {
            answer = answer.set_body_json(body);
        }
        Mock::given(method(m))
            .and(path(format!("/rest/agile/1.0{p}")))
            .respond_with(answer)
            .mount(jira)
            .await;
    }
    // Jira Service Management: the same paths on both flavors.
    let page = |values: Value| json!({"start": 0, "size": 1, "isLastPage": true, "values": values});
    let servicedesk: Vec<(&str, &str, u16, Value)> = vec![
        (
            "GET",
            "/servicedesk",
            200,
            page(json!([{"id": "1", "projectKey": "HELP", "projectName": "Help"}])),
        ),
        (
            "GET",
            "/servicedesk/1/requesttype/10/field",
            200,
            json!({"requestTypeFields": [{"fieldId": "summary", "name": "Summary", "required": true, "validValues": []}]}),
        ),
        ("POST", "/request", 201, json!({"issueKey": "HELP-7"})),
        ("GET", "/request", 200, page(json!([]))),
        (
            "GET",
            "/request/HELP-7",
            200,
            json!({"issueKey": "HELP-7", "summary": "e2e", "currentStatus": {"status": "Open"}}),
        ),
        ("GET", "/request/HELP-7/approval", 200, page(json!([]))),
        (
            "GET",
            "/request/HELP-7/transition",
            200,
            page(json!([{"id": "1", "name": "Resolve"}])),
        ),
        ("POST", "/request/HELP-7/transition", 204, Value::Null),
        (
            "POST",
            "/request/HELP-7/comment",
            201,
            json!({"id": "9", "public": false}),
        ),
        ("POST", "/request/HELP-7/participant", 200, page(json!([]))),
        (
            "GET",
            "/servicedesk/1/queue",
            200,
            page(json!([{"id": "3", "name": "Open", "issueCount": 1}])),
        ),
        ("GET", "/organization", 200, page(json!([]))),
        ("POST", "/servicedesk/1/customer", 204, Value::Null),
        (
            "GET",
            "/servicedesk/1/requesttype",
            200,
            page(json!([{"id": "10", "name": "Help"}])),
        ),
        ("GET", "/knowledgebase/article", 200, page(json!([]))),
    ];
    for (m, p, status, body) in servicedesk {
        let mut answer = ResponseTemplate::new(status);
        if !body.is_null() {
            answer = answer.set_body_json(body);
        }
        Mock::given(method(m))
            .and(path(format!("/rest/servicedeskapi{p}")))
            .respond_with(answer)
            .mount(jira)
            .await;
    }
    // JSM Operations (Cloud only): receipts answered at once by their outcome.
    let alert = "9b251e07-73c9-4907-9996-8cb53a6a20d0-1704440650350";
    let sched = "d8751234-0000-4000-8000-000000000001";
    let receipt = json!({"result": "Request will be processed", "requestId": "r-1", "took": 0.1});
    let ops: Vec<(&str, String, u16, Value)> = vec![
        (
            "GET",
            "/alerts".into(),
            200,
            json!({"values": [{"id": alert, "tinyId": "42", "message": "DB down", "status": "open", "priority": "P1"}], "count": 1}),
        ),
        ("POST", "/alerts".into(), 202, receipt.clone()),
        ("POST", format!("/alerts/{alert}/acknowledge"), 202, receipt.clone()),
        (
            "GET",
            "/alerts/requests/r-1".into(),
            200,
            json!({"action": "Acknowledge", "isSuccess": true, "status": "Done", "alertId": alert}),
        ),
        (
            "GET",
            "/schedules".into(),
            200,
            json!({"values": [{"id": sched, "name": "Primary"}]}),
        ),
        (
            "GET",
            format!("/schedules/{sched}"),
            200,
            json!({"id": sched, "name": "Primary", "rotations": []}),
        ),
        (
            "GET",
            format!("/schedules/{sched}/overrides"),
            200,
            json!({"values": []}),
        ),
        (
            "GET",
            format!("/schedules/{sched}/on-calls"),
            200,
            json!({"onCallParticipants": [{"id": "5b10ac8d82e05b22cc7d4ef5", "type": "user"}]}),
        ),
        (
            "POST",
            format!("/schedules/{sched}/overrides"),
            201,
            json!({"alias": "ov-1"}),
        ),
        (
            "GET",
            "/teams".into(),
            200,
            json!({"platformTeams": [{"teamId": "t-1", "teamName": "Payments"}]}),
        ),
    ];
    for (m, p, status, body) in ops {
        Mock::given(method(m))
            .and(path(format!("/jsm/ops/api/v1{p}")))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(jira)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/rest/api/3/user/bulk"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"values": [{"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Olga Oncall"}]}),
        ))
        .mount(jira)
        .await;
    for m in ["PUT", "POST"] {
        let p = if m == "PUT" {
            "/issue/PROJ-123"
        } else {
            "/issue/PROJ-123/transitions"
        };
        Mock::given(method(m))
            .and(path(format!("/rest/api/{v}{p}")))
            .respond_with(ResponseTemplate::new(204))
            .mount(jira)
            .await;
    }
}

#[tokio::test]
async fn a_real_client_lists_and_calls_every_tool_over_stdio_on_both_flavors() {
    for flavor in ["cloud", "datacenter"] {
        every_tool_over_stdio(flavor).await;
    }
}

async fn every_tool_over_stdio(flavor: &str) {
    let jira = MockServer::start().await;
    mock_everything(&jira, flavor).await;
    let home = tempfile::tempdir().unwrap();
    let mut cmd = command(&jira, home.path(), flavor);
    cmd.env("RUST_LOG", "trace");
    let (transport, stderr) = TokioChildProcess::builder(cmd).stderr(Stdio::piped()).spawn().unwrap();
    let mut stderr = stderr.expect("stderr piped");
    let logs = tokio::spawn(async move {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s).await;
        s
    });
    let client = ().serve(transport).await.expect("initialize");
    let info = client.peer_info().expect("server info");
    assert_eq!(info.server_info.as_ref().map(|s| s.name.as_str()), Some("jira-mcp"));

    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    let mut calls: Vec<(&str, Value)> = vec![
        ("jira_get_issue", json!({"issue_key": "PROJ-123"})),
        ("jira_search", json!({"jql": "project = PROJ"})),
        (
            "jira_create_issue",
            json!({"project": "PROJ", "issue_type": "Task", "summary": "From e2e", "description": "**bold**"}),
        ),
        ("jira_update_issue", json!({"issue_key": "PROJ-123", "labels": ["e2e"]})),
        (
            "jira_transition_issue",
            json!({"issue_key": "PROJ-123", "transition": "Start Progress"}),
        ),
        (
            "jira_add_comment",
            json!({"issue_key": "PROJ-123", "body": "From **e2e**"}),
        ),
        ("jira_get_comments", json!({"issue_key": "PROJ-123"})),
        ("jira_list_projects", json!({})),
        ("jira_get_myself", json!({})),
        ("jira_get_worklogs", json!({"issue_key": "PROJ-123"})),
        (
            "jira_add_worklog",
            json!({"issue_key": "PROJ-123", "time_spent": "1h", "comment": "From **e2e**"}),
        ),
        (
            "jira_update_worklog",
            json!({"issue_key": "PROJ-123", "worklog_id": "100", "time_spent": "2h"}),
        ),
        (
            "jira_delete_worklog",
            json!({"issue_key": "PROJ-123", "worklog_id": "100"}),
        ),
        ("jira_get_attachments", json!({"issue_key": "PROJ-123"})),
        ("jira_download_attachment", json!({"attachment_id": "10002"})),
        (
            "jira_upload_attachment",
            json!({"issue_key": "PROJ-123", "content_base64": "aGVsbG8=", "file_name": "n.txt"}),
        ),
    ];
    calls.extend([
        ("jira_list_filters", json!({})),
        ("jira_get_filter", json!({"id": "10000"})),
        ("jira_save_filter", json!({"name": "E2E", "jql": "project = PROJ"})),
        ("jira_list_dashboards", json!({})),
        ("jira_get_dashboard", json!({"id": "10000"})),
        ("jira_find_fields", json!({"query": "story"})),
        (
            "jira_get_field_options",
            json!({"field": "customfield_10020", "project": "OPS", "issue_type": "3"}),
        ),
        ("jira_create_field", json!({"name": "E2E", "type": "text"})),
        ("jira_get_metadata", json!({"kind": "priorities"})),
        ("jira_list_boards", json!({})),
        ("jira_get_board_issues", json!({"board_id": 5})),
        ("jira_list_sprints", json!({"board_id": 5})),
        ("jira_save_sprint", json!({"board_id": 5, "name": "Sprint 5"})),
        ("jira_move_issues", json!({"issues": ["PROJ-123"], "sprint_id": 37})),
        ("jira_list_epics", json!({"board_id": 5})),
        (
            "jira_rank_issues",
            json!({"issues": ["PROJ-123"], "rank_before": "PROJ-1"}),
        ),
        ("jira_delete_issue", json!({"issue_key": "PROJ-124"})),
        ("jira_get_create_fields", json!({"project": "PROJ"})),
        (
            "jira_link_issues",
            json!({"issue_key": "PROJ-123", "to_issue": "PROJ-1", "link_type": "blocks"}),
        ),
        ("jira_unlink_issues", json!({"link_id": "10042"})),
        ("jira_watch_issue", json!({"issue_key": "PROJ-123"})),
        ("jira_clone_issue", json!({"issue_key": "PROJ-123", "link": false})),
        (
            "jira_edit_comment",
            json!({"issue_key": "PROJ-123", "comment_id": "555", "body": "Edited"}),
        ),
        (
            "jira_delete_comment",
            json!({"issue_key": "PROJ-123", "comment_id": "555"}),
        ),
        ("jira_find_users", json!({"query": "ada", "assignable_to": "PROJ"})),
        ("jira_get_project", json!({"project": "PROJ"})),
        (
            "jira_create_project",
            json!({"key": "NEW", "name": "New", "project_type": "software", "lead": "me"}),
        ),
        ("jira_update_project", json!({"project": "PROJ", "name": "Platform 2"})),
        ("jira_save_component", json!({"project": "PROJ", "name": "Auth"})),
        ("jira_save_version", json!({"project": "PROJ", "name": "2.4"})),
        (
            "jira_bulk_create",
            json!({"issues": [{"project": "PROJ", "issue_type": "Task", "summary": "Bulk"}]}),
        ),
        (
            "jira_bulk_transition",
            json!({"issue_keys": ["PROJ-123"], "transition": "Start Progress"}),
        ),
        ("jira_bulk_edit", json!({"issue_keys": ["PROJ-123"], "labels": ["e2e"]})),
    ]);
    calls.extend([
        ("jsm_list_service_desks", json!({"service_desk_id": "1"})),
        (
            "jsm_create_request",
            json!({"service_desk_id": "1", "request_type_id": "10", "summary": "e2e"}),
        ),
        ("jsm_get_request", json!({"issue_key": "HELP-7"})),
        ("jsm_list_requests", json!({})),
        (
            "jsm_add_comment",
            json!({"issue_key": "HELP-7", "body": "**e2e**", "public": false}),
        ),
        (
            "jsm_update_request",
            json!({"issue_key": "HELP-7", "add_participants": ["me"], "transition": "Resolve"}),
        ),
        ("jsm_list_customers", json!({"organizations": true})),
        ("jsm_add_customers", json!({"users": ["me"], "service_desk_id": "1"})),
        ("jsm_search_knowledge_base", json!({"query": "vpn"})),
    ]);
    if flavor == "cloud" {
        calls.push(("jira_check_jql", json!({"jql": "project = PROJ"})));
        calls.push(("jira_create_dashboard", json!({"name": "E2E"})));
        let sched = "d8751234-0000-4000-8000-000000000001";
        calls.extend([
            ("jsm_ops_list_alerts", json!({})),
            ("jsm_ops_create_alert", json!({"message": "DB down", "priority": "P1"})),
            ("jsm_ops_alert_action", json!({"alert": "#42", "action": "ack"})),
            ("jsm_ops_list_schedules", json!({"schedule": sched})),
            ("jsm_ops_on_call", json!({"schedule": sched, "at": "2026-12-02T03:00Z"})),
            (
                "jsm_ops_override",
                json!({"schedule": sched, "user": "5b10ac8d82e05b22cc7d4ef5",
                       "start": "2026-12-24T00:00Z", "end": "2026-12-25T00:00Z"}),
            ),
        ]);
    }
    assert_eq!(
        names.len(),
        calls.len(),
        "{flavor}: every listed tool is called here: {names:?}"
    );
    for (tool, args) in calls {
        assert!(names.contains(&tool.to_string()), "{flavor}: {tool} not listed");
        let r = client
            .call_tool(CallToolRequestParams::new(tool).with_arguments(args.as_object().unwrap().clone()))
            .await
            .unwrap();
        assert_ne!(r.is_error, Some(true), "{flavor}: {tool}: {:?}", r.content);
        assert!(
            r.structured_content.is_some(),
            "{flavor}: {tool}: no structured content"
        );
    }
    client.cancel().await.unwrap();
    let logs = logs.await.unwrap();
    assert!(
        logs.contains("jira call"),
        "trace logs were captured: {}",
        &logs[..logs.len().min(500)]
    );
    assert!(!logs.contains(TOKEN), "the token appeared in the logs");
    // Each flavor used only its own REST version.
    let other = if flavor == "cloud" {
        "/rest/api/2/"
    } else {
        "/rest/api/3/"
    };
    let sent = jira.received_requests().await.unwrap();
    assert!(
        sent.iter().all(|r| !r.url.path().starts_with(other)),
        "{flavor} called {other}"
    );
}

/// Raw JSON-RPC over the pipes: every line on stdout is a JSON-RPC message, even at trace level.
#[tokio::test]
async fn stdout_carries_only_protocol_messages() {
    let jira = MockServer::start().await;
    mock_everything(&jira, "cloud").await;
    let home = tempfile::tempdir().unwrap();
    let mut cmd = command(&jira, home.path(), "cloud");
    cmd.env("RUST_LOG", "trace")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Drained while the server runs: trace logs (the whole tools/list among them) would fill
    // the pipe and block the server.
    let mut stderr = child.stderr.take().unwrap();
    let stderr = tokio::spawn(async move {
        let mut err = String::new();
        let _ = stderr.read_to_string(&mut err).await;
        err
    });
    let messages = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "jira_get_myself", "arguments": {}}}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "jira_get_issue", "arguments": {"issue_key": "bad key"}}}),
    ];
    for m in &messages {
        stdin.write_all(format!("{m}\n").as_bytes()).await.unwrap();
    }
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut answered = std::collections::BTreeSet::new();
    while answered.len() < 4 {
        let line = tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line())
            .await
            .expect("answer in time")
            .unwrap()
            .expect("stdout open");
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON on stdout: {line}"));
        assert_eq!(v["jsonrpc"], "2.0", "{line}");
        if let Some(id) = v["id"].as_i64() {
            answered.insert(id);
            if id == 1 {
                assert_eq!(v["result"]["protocolVersion"], "2025-06-18");
            }
            if id == 4 {
                assert_eq!(v["result"]["isError"], true);
            }
        }
    }
    drop(stdin); // EOF: the server exits
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), child.wait())
        .await
        .expect("exits on EOF")
        .unwrap();
    assert!(status.success());
    let err = stderr.await.unwrap();
    assert!(!err.contains(TOKEN));
}

/// An incomplete configuration does not stop `serve`: the client connects, lists the tools,
/// and each call answers with the problem and its fix (bad input first, as always).
#[tokio::test]
async fn an_incomplete_configuration_still_serves_and_explains_itself() {
    for (var, value, expected) in [
        (
            "JIRA_MCP_API_TOKEN",
            "tok-123",
            "JIRA_MCP_API_TOKEN is set but JIRA_MCP_EMAIL is not",
        ),
        ("JIRA_MCP_SITE", "https://", "JIRA_MCP_SITE is not a valid URL"),
        ("JIRA_MCP_TOOLSETS", "isues", "isues"),
    ] {
        let home = tempfile::tempdir().unwrap();
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_jira-mcp"));
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("JIRA_MCP_HOME", home.path())
            .env(var, value);
        let (transport, _) = TokioChildProcess::builder(cmd).stderr(Stdio::null()).spawn().unwrap();
        let client = ().serve(transport).await.expect("initialize");
        let tools = client.list_all_tools().await.unwrap();
        assert!(tools.iter().any(|t| t.name == "jira_get_issue"), "{var}");
        let call = |args: Value| {
            CallToolRequestParams::new("jira_get_issue").with_arguments(args.as_object().unwrap().clone())
        };
        let bad = client.call_tool(call(json!({"issue_key": "not a key"}))).await.unwrap();
        let bad_text = format!("{:?}", bad.content);
        assert!(
            bad.is_error == Some(true) && bad_text.contains("Invalid input"),
            "{var}: {bad_text}"
        );
        let r = client.call_tool(call(json!({"issue_key": "PROJ-1"}))).await.unwrap();
        let text = format!("{:?}", r.content);
        assert_eq!(r.is_error, Some(true), "{var}");
        assert!(
            text.contains("jira-mcp is not configured to reach Jira"),
            "{var}: {text}"
        );
        assert!(text.contains(expected), "{var}: {text}");
        assert!(!text.contains("tok-123"), "{var}: {text}");
        client.cancel().await.unwrap();
    }
}

/// `status`, `login` and a tool call give the same next step for each setup that cannot sign
/// in yet, and none of them suggests `jira-mcp login` where it cannot work.
#[tokio::test]
async fn status_login_and_calls_agree_on_the_next_step() {
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[("JIRA_MCP_SITE", "https://x.atlassian.net")],
            "no OAuth app is configured for profile `default`: set ATLASSIAN_CLIENT_ID",
        ),
        (
            &[("ATLASSIAN_CLIENT_ID", "app-1")],
            "(ATLASSIAN_CLIENT_ID is set, ATLASSIAN_CLIENT_SECRET is not)",
        ),
        (
            &[
                ("JIRA_MCP_SITE", "https://jira.example.com"),
                ("JIRA_MCP_FLAVOR", "datacenter"),
            ],
            "no credentials for this Data Center profile: run `jira-mcp login --pat`",
        ),
        (
            &[("JIRA_MCP_FLAVOR", "datacenter"), ("JIRA_MCP_PROFILE", "dc")],
            "this Data Center profile has no site: set JIRA_MCP_SITE",
        ),
    ];
    for (env, step) in cases {
        let home = tempfile::tempdir().unwrap();
        let command = |args: &[&str]| {
            let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_jira-mcp"));
            cmd.args(args)
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("JIRA_MCP_HOME", home.path())
                .env("BROWSER", "/bin/false")
                .stdin(Stdio::null());
            for (k, v) in env {
                cmd.env(k, v);
            }
            cmd
        };
        let status = command(&["status"]).output().await.unwrap();
        let status = String::from_utf8_lossy(&status.stdout).to_string();
        let tokens = status.lines().find(|l| l.starts_with("tokens:")).unwrap_or_default();
        assert!(tokens.contains(step), "{env:?}: status says {status}");
        let login = command(&["login", "--no-browser"]).output().await.unwrap();
        let login_err = String::from_utf8_lossy(&login.stderr).to_string();
        assert_eq!(login.status.code(), Some(2), "{env:?}: {login_err}");
        assert!(login_err.contains(step), "{env:?}: login says {login_err}");
        let (transport, _) = TokioChildProcess::builder(command(&["serve"]))
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let client = ().serve(transport).await.expect("initialize");
        let r = client
            .call_tool(
                CallToolRequestParams::new("jira_get_issue")
                    .with_arguments(json!({"issue_key": "PROJ-1"}).as_object().unwrap().clone()),
            )
            .await
            .unwrap();
        let text = format!("{:?}", r.content);
        assert_eq!(r.is_error, Some(true));
        assert!(text.contains(step), "{env:?}: the call says {text}");
        for said in [tokens, &login_err, &text] {
            assert!(
                !said.contains("run `jira-mcp login`"),
                "{env:?}: suggests a sign-in that cannot work: {said}"
            );
        }
        client.cancel().await.unwrap();
    }
}
