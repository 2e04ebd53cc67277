//! Issue links, watchers, clones, deletes, the assignee path, create screens, comment edits,
//! people search and projects: each against a wiremock Jira, on both flavors where they differ.

use serde_json::json;
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{body_json, method, path, query_param},
};

use crate::support::{Setup, err_text, ok_text};

fn link_types() -> serde_json::Value {
    json!({"issueLinkTypes": [
        {"id": "1", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
        {"id": "2", "name": "Cloners", "inward": "is cloned by", "outward": "clones"}
    ]})
}

#[tokio::test]
async fn links_take_the_direction_of_the_phrase_and_unknown_types_are_listed() {
    let h = Setup::new().start().await;
    h.ok("GET", "/rest/api/3/issueLinkType", link_types()).await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issueLink"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&h.jira)
        .await;
    let t = ok_text(
        &h.call(
            "jira_link_issues",
            json!({"issue_key": "PROJ-1", "to_issue": "proj-2", "link_type": "is blocked by"}),
        )
        .await,
    );
    assert_eq!(t, "Linked: PROJ-1 is blocked by PROJ-2.");
    let body = h.last_body("POST", "/rest/api/3/issueLink").await;
    assert_eq!(
        body,
        json!({"type": {"name": "Blocks"}, "outwardIssue": {"key": "PROJ-2"}, "inwardIssue": {"key": "PROJ-1"}})
    );
    let e = err_text(
        &h.call(
            "jira_link_issues",
            json!({"issue_key": "PROJ-1", "to_issue": "PROJ-2", "link_type": "duplicates"}),
        )
        .await,
    );
    assert!(
        e.contains("no link type `duplicates`") && e.contains("Blocks (blocks / is blocked by)"),
        "{e}"
    );
    // A web link, then removing both kinds.
    h.ok(
        "POST",
        "/rest/api/3/issue/PROJ-1/remotelink",
        json!({"id": 10000, "self": "x"}),
    )
    .await;
    let t = ok_text(
        &h.call(
            "jira_link_issues",
            json!({"issue_key": "PROJ-1", "url": "https://example.com/runbook", "title": "Runbook"}),
        )
        .await,
    );
    assert!(t.contains("web link 10000"), "{t}");
    for p in [
        "/rest/api/3/issueLink/10042",
        "/rest/api/3/issue/PROJ-1/remotelink/10000",
    ] {
        Mock::given(method("DELETE"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(204))
            .mount(&h.jira)
            .await;
    }
    ok_text(&h.call("jira_unlink_issues", json!({"link_id": "10042"})).await);
    ok_text(
        &h.call(
            "jira_unlink_issues",
            json!({"remote_link_id": "10000", "issue_key": "PROJ-1"}),
        )
        .await,
    );
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn bad_link_input_is_rejected_before_any_request() {
    let h = Setup::new().start().await;
    for args in [
        json!({"issue_key": "PROJ-1"}),
        json!({"issue_key": "PROJ-1", "to_issue": "PROJ-2", "url": "https://x.y"}),
        json!({"issue_key": "PROJ-1", "url": "javascript:alert(1)"}),
        json!({"issue_key": "PROJ-1", "to_issue": "PROJ-2"}),
    ] {
        err_text(&h.call("jira_link_issues", args).await);
    }
    err_text(&h.call("jira_unlink_issues", json!({"link_id": "../x"})).await);
    err_text(&h.call("jira_unlink_issues", json!({})).await);
    assert!(h.requests().await.is_empty());
}

#[tokio::test]
async fn unknown_arguments_are_rejected_with_the_valid_ones() {
    let h = Setup::new().start().await;
    let e = err_text(
        &h.call("jira_get_issue", json!({"issue_key": "PROJ-1", "expand": "changelog"}))
            .await,
    );
    assert!(
        e.contains("does not take `expand`") && e.contains("`include`") && e.contains("`issue_key`"),
        "{e}"
    );
    assert!(h.requests().await.is_empty(), "nothing sent");
}

#[tokio::test]
async fn watchers_by_account_id_on_cloud_and_user_name_on_data_center() {
    let h = Setup::new().start().await;
    h.ok(
        "GET",
        "/rest/api/3/myself",
        json!({"accountId": "557058:aa", "displayName": "Ada"}),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/PROJ-1/watchers"))
        .and(body_json(json!("557058:aa")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&h.jira)
        .await;
    assert_eq!(
        ok_text(&h.call("jira_watch_issue", json!({"issue_key": "PROJ-1"})).await),
        "Done: me watches PROJ-1."
    );
    let dc = Setup::new().env("JIRA_MCP_FLAVOR", "datacenter").start().await;
    dc.ok(
        "GET",
        "/rest/api/2/myself",
        json!({"name": "ada", "displayName": "Ada"}),
    )
    .await;
    Mock::given(method("DELETE"))
        .and(path("/rest/api/2/issue/OPS-1/watchers"))
        .and(query_param("username", "ada"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&dc.jira)
        .await;
    ok_text(
        &dc.call("jira_watch_issue", json!({"issue_key": "OPS-1", "remove": true}))
            .await,
    );
    dc.assert_declared_operations_only();
}

#[tokio::test]
async fn clone_copies_the_fields_and_links_the_copy() {
    let h = Setup::new().start().await;
    h.ok(
        "GET",
        "/rest/api/3/issue/PROJ-5",
        json!({"key": "PROJ-5", "fields": {
            "summary": "Login loops", "issuetype": {"name": "Bug"}, "priority": {"name": "High"},
            "labels": ["sso"], "project": {"key": "PROJ"},
            "description": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Steps"}]}]}
        }}),
    )
    .await;
    h.ok("POST", "/rest/api/3/issue", json!({"id": "10100", "key": "PROJ-6"}))
        .await;
    h.ok("GET", "/rest/api/3/issueLinkType", link_types()).await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issueLink"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&h.jira)
        .await;
    let t = ok_text(&h.call("jira_clone_issue", json!({"issue_key": "PROJ-5"})).await);
    assert_eq!(t, "Cloned: PROJ-6 is a copy of PROJ-5 (linked: clones).");
    let created = h.last_body("POST", "/rest/api/3/issue").await;
    assert_eq!(created["fields"]["summary"], "CLONE - Login loops");
    assert_eq!(created["fields"]["labels"], json!(["sso"]));
    assert_eq!(created["fields"]["description"]["type"], "doc");
    let link = h.last_body("POST", "/rest/api/3/issueLink").await;
    assert_eq!(link["outwardIssue"]["key"], "PROJ-6");
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn delete_explains_sub_tasks_and_assign_alone_uses_the_assignee_endpoint() {
    let h = Setup::new().start().await;
    Mock::given(method("DELETE"))
        .and(path("/rest/api/3/issue/PROJ-1"))
        .and(query_param("deleteSubtasks", "false"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"errorMessages": ["The issue has subtasks; delete them first."]})),
        )
        .mount(&h.jira)
        .await;
    let e = err_text(&h.call("jira_delete_issue", json!({"issue_key": "PROJ-1"})).await);
    assert!(e.contains("has subtasks") && e.contains("delete_subtasks: true"), "{e}");
    Mock::given(method("DELETE"))
        .and(path("/rest/api/3/issue/PROJ-1"))
        .and(query_param("deleteSubtasks", "true"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&h.jira)
        .await;
    assert_eq!(
        ok_text(
            &h.call(
                "jira_delete_issue",
                json!({"issue_key": "PROJ-1", "delete_subtasks": true})
            )
            .await
        ),
        "Deleted PROJ-1 and its sub-tasks."
    );
    h.ok(
        "GET",
        "/rest/api/3/myself",
        json!({"accountId": "557058:aa", "displayName": "Ada"}),
    )
    .await;
    Mock::given(method("PUT"))
        .and(path("/rest/api/3/issue/PROJ-2/assignee"))
        .and(body_json(json!({"accountId": "557058:aa"})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&h.jira)
        .await;
    assert_eq!(
        ok_text(
            &h.call("jira_update_issue", json!({"issue_key": "PROJ-2", "assignee": "me"}))
                .await
        ),
        "Assigned PROJ-2 to me."
    );
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn get_issue_shows_subtasks_links_transitions_history_and_watchers_when_asked() {
    let h = Setup::new().start().await;
    h.ok("GET", "/rest/api/3/field", json!([])).await;
    h.ok(
        "GET",
        "/rest/api/3/issue/PROJ-1",
        json!({"key": "PROJ-1", "fields": {
            "summary": "Parent", "status": {"name": "To Do"},
            "subtasks": [{"key": "PROJ-2", "fields": {"summary": "Child", "status": {"name": "Done"}}}],
            "issuelinks": [{"id": "10042", "type": {"name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
                            "inwardIssue": {"key": "PROJ-9", "fields": {"summary": "DB", "status": {"name": "Open"}}}}]
        },
        "transitions": [{"id": "11", "name": "Start", "to": {"name": "In Progress"}}],
        "changelog": {"histories": [
            {"author": {"displayName": "Ada"}, "created": "2026-11-02T10:00:00.000+0000", "items": [{"field": "status", "fromString": "Open", "toString": "To Do"}]},
            {"author": {"displayName": "Bob"}, "created": "2026-11-01T09:00:00.000+0000", "items": [{"field": "priority", "fromString": null, "toString": "High"}]}
        ]}}),
    )
    .await;
    h.ok(
        "GET",
        "/rest/api/3/issue/PROJ-1/watchers",
        json!({"watchers": [{"displayName": "Ada"}]}),
    )
    .await;
    let r = h
        .call(
            "jira_get_issue",
            json!({"issue_key": "PROJ-1", "comments": 0, "include": ["transitions", "changelog", "watchers"]}),
        )
        .await;
    let t = ok_text(&r);
    assert!(t.contains("Sub-tasks: PROJ-2 Child [Done]"), "{t}");
    assert!(t.contains("Links: is blocked by PROJ-9 DB [Open] (link 10042)"), "{t}");
    assert!(t.contains("Transitions: Start → In Progress"), "{t}");
    assert!(t.contains("Watchers: Ada"), "{t}");
    let hist = t.split("History (latest last):").nth(1).unwrap_or_default();
    assert!(
        hist.find("priority: ∅ → High").unwrap() < hist.find("status: Open → To Do").unwrap(),
        "{t}"
    );
    let s = r.structured_content.unwrap();
    assert_eq!(s["links"][0]["id"], "10042");
    assert_eq!(s["transitions"][0], "Start → In Progress");
    assert_eq!(s["watchers"][0], "Ada");
    assert_eq!(
        h.last_query("/rest/api/3/issue/PROJ-1").await["expand"],
        "transitions,changelog"
    );
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn create_fields_list_types_then_the_fields_of_one() {
    let h = Setup::new().start().await;
    h.ok(
        "GET",
        "/rest/api/3/issue/createmeta/PROJ/issuetypes",
        json!({"issueTypes": [{"id": "10001", "name": "Bug"}, {"id": "10002", "name": "Task"}], "total": 2}),
    )
    .await;
    h.ok(
        "GET",
        "/rest/api/3/issue/createmeta/PROJ/issuetypes/10001",
        json!({"fields": [
            {"fieldId": "priority", "name": "Priority", "required": false, "schema": {"type": "priority"},
             "allowedValues": [{"name": "High"}, {"name": "Low"}]},
            {"fieldId": "summary", "name": "Summary", "required": true, "schema": {"type": "string"}}
        ], "total": 2}),
    )
    .await;
    let t = ok_text(&h.call("jira_get_create_fields", json!({"project": "PROJ"})).await);
    assert!(t.contains("Bug (10001), Task (10002)"), "{t}");
    let t = ok_text(
        &h.call(
            "jira_get_create_fields",
            json!({"project": "PROJ", "issue_type": "bug"}),
        )
        .await,
    );
    assert!(t.contains("- Summary * `summary` (string)"), "{t}");
    assert!(t.contains("- Priority `priority` (priority): High, Low"), "{t}");
    let e = err_text(
        &h.call(
            "jira_get_create_fields",
            json!({"project": "PROJ", "issue_type": "Epic"}),
        )
        .await,
    );
    assert!(e.contains("no issue type `Epic`") && e.contains("Task (10002)"), "{e}");
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn comments_are_edited_with_visibility_and_deleted() {
    let h = Setup::new().start().await;
    Mock::given(method("PUT"))
        .and(path("/rest/api/3/issue/PROJ-1/comment/10001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "10001"})))
        .mount(&h.jira)
        .await;
    let t = ok_text(
        &h.call(
            "jira_edit_comment",
            json!({"issue_key": "PROJ-1", "comment_id": "#10001", "body": "**Fixed**", "visibility": "role:Developers"}),
        )
        .await,
    );
    assert_eq!(t, "Edited comment #10001 of PROJ-1.");
    let body = h.last_body("PUT", "/rest/api/3/issue/PROJ-1/comment/10001").await;
    assert_eq!(body["visibility"], json!({"type": "role", "value": "Developers"}));
    assert_eq!(body["body"]["type"], "doc");
    Mock::given(method("DELETE"))
        .and(path("/rest/api/3/issue/PROJ-1/comment/10001"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"errorMessages": ["Can not find a comment for the id: 10001."]})),
        )
        .mount(&h.jira)
        .await;
    let e = err_text(
        &h.call(
            "jira_delete_comment",
            json!({"issue_key": "PROJ-1", "comment_id": "10001"}),
        )
        .await,
    );
    assert!(e.contains("Comment #10001 of PROJ-1 does not exist"), "{e}");
    err_text(
        &h.call(
            "jira_add_comment",
            json!({"issue_key": "PROJ-1", "body": "x", "visibility": "team:x"}),
        )
        .await,
    );
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn people_are_found_and_assignable_ones_by_project_or_issue() {
    let h = Setup::new().start().await;
    h.ok(
        "GET",
        "/rest/api/3/user/assignable/search",
        json!([{"accountId": "557058:aa", "displayName": "Ada Lovelace", "emailAddress": "ada@example.com"}]),
    )
    .await;
    let t = ok_text(
        &h.call("jira_find_users", json!({"query": "ada", "assignable_to": "proj-7"}))
            .await,
    );
    assert!(t.contains("Ada Lovelace"), "{t}");
    let q = h.last_query("/rest/api/3/user/assignable/search").await;
    assert_eq!((q["issueKey"].as_str(), q["query"].as_str()), ("PROJ-7", "ada"));
    let dc = Setup::new().env("JIRA_MCP_FLAVOR", "datacenter").start().await;
    dc.ok("GET", "/rest/api/2/user/search", json!([])).await;
    let t = ok_text(&dc.call("jira_find_users", json!({"query": "zed"})).await);
    assert_eq!(t, "No user matches `zed`.");
    assert_eq!(dc.last_query("/rest/api/2/user/search").await["username"], "zed");
}

#[tokio::test]
async fn projects_are_read_and_versions_created_by_project_id() {
    let h = Setup::new().start().await;
    h.ok(
        "GET",
        "/rest/api/3/project/PROJ",
        json!({"id": "10000", "key": "PROJ", "name": "Platform", "projectTypeKey": "software",
               "lead": {"displayName": "Ada"},
               "issueTypes": [{"id": "1", "name": "Bug"}, {"id": "5", "name": "Sub-task", "subtask": true}],
               "components": [{"id": "7", "name": "Auth"}],
               "versions": [{"id": "9", "name": "2.3", "released": true, "releaseDate": "2026-10-01"}]}),
    )
    .await;
    let t = ok_text(&h.call("jira_get_project", json!({"project": "proj"})).await);
    assert!(t.starts_with("PROJ Platform (software), lead Ada"), "{t}");
    assert!(t.contains("Issue types: Bug (1), Sub-task (5) subtask"), "{t}");
    assert!(t.contains("Versions: 2.3 (9) released 2026-10-01"), "{t}");
    h.ok("POST", "/rest/api/3/version", json!({"id": "11", "name": "2.4"}))
        .await;
    let t = ok_text(
        &h.call(
            "jira_save_version",
            json!({"project": "PROJ", "name": "2.4", "release_date": "2026-12-20"}),
        )
        .await,
    );
    assert_eq!(t, "Created version 2.4 (id 11).");
    let body = h.last_body("POST", "/rest/api/3/version").await;
    assert_eq!(
        body,
        json!({"releaseDate": "2026-12-20", "name": "2.4", "projectId": 10000})
    );
    err_text(
        &h.call("jira_save_version", json!({"id": "11", "release_date": "soon"}))
            .await,
    );
    h.assert_declared_operations_only();
}

/// Prism serves Atlassian's documents (Cloud platform v3, then Data Center 10.3): every request
/// the issue extras, links, comment edits, people search, projects and bulk tools send is one
/// the spec allows (writes against the spec's examples), and every read tool turns whatever
/// the schemas allow into a result (two seeds).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_issue_links_comments_users_projects_bulk_are_accepted_by_both_specs() {
    use crate::contract::{prism_or_skip, run_contract};
    let Some(bin) = prism_or_skip() else {
        return;
    };
    let account = "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077";
    let cloud_reads = || {
        vec![
            (
                "jira_get_issue",
                json!({"issue_key": "PROJ-1", "comments": 0, "include": ["transitions", "changelog", "watchers"]}),
            ),
            ("jira_get_create_fields", json!({"project": "PROJ"})),
            ("jira_find_users", json!({"query": "ada"})),
            ("jira_find_users", json!({"query": "ada", "assignable_to": "PROJ-1"})),
            ("jira_find_users", json!({"query": "ada", "assignable_to": "PROJ"})),
            ("jira_get_project", json!({"project": "PROJ"})),
        ]
    };
    let cloud_writes = vec![
        (
            "jira_delete_issue",
            json!({"issue_key": "PROJ-1", "delete_subtasks": true}),
        ),
        ("jira_update_issue", json!({"issue_key": "PROJ-1", "assignee": account})),
        ("jira_update_issue", json!({"issue_key": "PROJ-1", "assignee": ""})),
        (
            "jira_add_comment",
            json!({"issue_key": "PROJ-1", "body": "Internal note", "visibility": "role:Developers"}),
        ),
        (
            "jira_edit_comment",
            json!({"issue_key": "PROJ-1", "comment_id": "10000", "body": "Edited **text**", "visibility": "group:jira-users"}),
        ),
        (
            "jira_delete_comment",
            json!({"issue_key": "PROJ-1", "comment_id": "10000"}),
        ),
        (
            "jira_link_issues",
            json!({"issue_key": "PROJ-1", "url": "https://example.com/runbook", "title": "Runbook"}),
        ),
        (
            "jira_link_issues",
            json!({"issue_key": "PROJ-1", "to_issue": "PROJ-2", "link_type": "blocked by"}),
        ),
        ("jira_clone_issue", json!({"issue_key": "PROJ-1", "summary": "Copy"})),
        (
            "jira_save_version",
            json!({"project": "PROJ", "name": "2.4", "start_date": "2026-12-01"}),
        ),
        ("jira_unlink_issues", json!({"link_id": "10001"})),
        (
            "jira_unlink_issues",
            json!({"remote_link_id": "10000", "issue_key": "PROJ-1"}),
        ),
        ("jira_watch_issue", json!({"issue_key": "PROJ-1", "watcher": account})),
        (
            "jira_watch_issue",
            json!({"issue_key": "PROJ-1", "watcher": account, "remove": true}),
        ),
        (
            "jira_create_project",
            json!({"key": "OPS", "name": "Operations", "project_type": "software", "lead": account,
                   "description": "On-call work", "template": "com.pyxis.greenhopper.jira:gh-simplified-kanban-classic"}),
        ),
        (
            "jira_update_project",
            json!({"project": "OPS", "name": "Ops", "description": "Renamed", "lead": account}),
        ),
        (
            "jira_save_component",
            json!({"project": "PROJ", "name": "Auth", "description": "Sign-in", "lead": account}),
        ),
        ("jira_save_component", json!({"id": "10000", "name": "Auth service"})),
        (
            "jira_save_version",
            json!({"id": "10000", "release_date": "2026-12-20", "released": true, "archived": false}),
        ),
        (
            "jira_bulk_create",
            json!({"issues": [
                {"project": "PROJ", "issue_type": "Task", "summary": "One", "description": "**Bold** start", "labels": ["a"]},
                {"project": "PROJ", "issue_type": "Bug", "summary": "Two", "assignee": account, "due_date": "2026-12-31"}
            ]}),
        ),
        (
            "jira_bulk_edit",
            json!({"issue_keys": ["PROJ-1", "PROJ-2"], "labels": ["triaged"], "priority": "High"}),
        ),
        // Accepted only (the spec's examples need not be parseable data): read in static mode.
        (
            "jira_get_create_fields",
            json!({"project": "PROJ", "issue_type": "10000"}),
        ),
        (
            "jira_get_issue",
            json!({"issue_key": "PROJ-1", "include": ["watchers"]}),
        ),
    ];
    run_contract(&bin, "jira-platform-v3.json", "cloud", cloud_writes, cloud_reads).await;

    let dc_reads = || {
        vec![
            (
                "jira_get_issue",
                json!({"issue_key": "OPS-1", "comments": 0, "include": ["transitions", "changelog", "watchers"]}),
            ),
            ("jira_get_create_fields", json!({"project": "OPS"})),
            ("jira_find_users", json!({"query": "ada"})),
            ("jira_find_users", json!({"query": "ada", "assignable_to": "OPS"})),
            ("jira_get_project", json!({"project": "OPS"})),
        ]
    };
    let dc_writes = vec![
        ("jira_delete_issue", json!({"issue_key": "OPS-1"})),
        (
            "jira_add_comment",
            json!({"issue_key": "OPS-1", "body": "Internal", "visibility": "group:jira-users"}),
        ),
        (
            "jira_edit_comment",
            json!({"issue_key": "OPS-1", "comment_id": "10000", "body": "Edited"}),
        ),
        (
            "jira_delete_comment",
            json!({"issue_key": "OPS-1", "comment_id": "10000"}),
        ),
        (
            "jira_link_issues",
            json!({"issue_key": "OPS-1", "url": "https://example.com/runbook"}),
        ),
        ("jira_unlink_issues", json!({"link_id": "10001"})),
        ("jira_save_component", json!({"id": "10000", "description": "Renamed"})),
        ("jira_save_version", json!({"id": "10000", "released": true})),
        (
            "jira_bulk_edit",
            json!({"issue_keys": ["OPS-1"], "labels": ["triaged"]}),
        ),
    ];
    run_contract(&bin, "jira-dc-10.3.json", "datacenter", dc_writes, dc_reads).await;
}
