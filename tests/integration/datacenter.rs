//! Every tool on Jira Data Center: REST v2 paths, wiki markup in and out, users by name,
//! offset paging; each request declared by the tool that sent it.

use serde_json::json;
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{body_partial_json, method, path, query_param},
};

use crate::support::{Harness, Setup, err_text, fixture, ok_text};

async fn dc() -> Harness {
    let h = Setup::new().env("JIRA_MCP_FLAVOR", "datacenter").start().await;
    h.ok("GET", "/rest/api/2/field", fixture("jira-dc/fields.json")).await;
    h
}

#[tokio::test]
async fn get_issue_reads_v2_with_wiki_markup_as_markdown() {
    let h = dc().await;
    h.ok("GET", "/rest/api/2/issue/OPS-7", fixture("jira-dc/issue.json"))
        .await;
    let r = h.call("jira_get_issue", json!({"issue_key": "ops-7"})).await;
    crate::support::snapshot("dc_jira_get_issue", &r);
    let text = ok_text(&r);
    for needle in [
        "OPS-7: Nightly export fails on the Zürich node",
        "Bug | In Progress | Major priority | assignee Ada Lovelace | reporter Grace Hopper",
        "sprint Ops Sprint 10",
        "labels export, nightly",
        "### Steps to reproduce",
        "1. Wait for the **02:00** run.",
        "[the runbook](https://wiki.example.com/runbooks/export)",
        "```bash\ngrep ERROR /var/log/export.log\n```",
        "[~grace]",
        "Comments (2):",
        "- retry the upload",
        "created 2026-11-28 09:15",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
    let data = r.structured_content.expect("structured");
    assert_eq!(data["sprint"], "Ops Sprint 10");
    // A textarea custom field asked for by name comes back as Markdown too.
    let r = h
        .call(
            "jira_get_issue",
            json!({"issue_key": "OPS-7", "fields": ["Root cause"], "comments": 0}),
        )
        .await;
    assert!(
        ok_text(&r).contains("Root cause: An **expired** key, see `rotate.sh`"),
        "{}",
        ok_text(&r)
    );
    assert_eq!(
        r.structured_content.unwrap()["fields"]["Root cause"],
        "An **expired** key, see `rotate.sh`"
    );
    assert!(data["description"].as_str().unwrap().contains("### Steps to reproduce"));
    assert_eq!(h.assert_declared_operations_only(), 3);
}

#[tokio::test]
async fn search_pages_by_offset_with_an_exact_total() {
    let h = dc().await;
    let issue = |k: &str| json!({"key": k, "fields": {"summary": format!("Issue {k}"), "status": {"name": "Open"}}});
    Mock::given(method("GET"))
        .and(path("/rest/api/2/search"))
        .and(query_param("startAt", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"startAt": 2, "maxResults": 2, "total": 3, "issues": [issue("OPS-3")]})),
        )
        .with_priority(1)
        .mount(&h.jira)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/2/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"startAt": 0, "maxResults": 2, "total": 3, "issues": [issue("OPS-1"), issue("OPS-2")]}),
        ))
        .with_priority(2)
        .mount(&h.jira)
        .await;
    let r = h
        .call("jira_search", json!({"jql": "project = OPS", "max_results": 2}))
        .await;
    crate::support::snapshot("dc_jira_search", &r);
    let text = ok_text(&r);
    assert!(text.contains("OPS-1 [Open] Issue OPS-1"), "{text}");
    assert!(text.contains("2 of about 3 issues shown"), "{text}");
    assert!(text.contains("next_page_token \"2\""), "{text}");
    let data = r.structured_content.unwrap();
    assert_eq!(data["next_page_token"], "2");
    assert_eq!(data["approximate_total"], 3);
    let r = h
        .call(
            "jira_search",
            json!({"jql": "project = OPS", "max_results": 2, "next_page_token": "2"}),
        )
        .await;
    let text = ok_text(&r);
    assert!(text.contains("OPS-3") && text.contains("(last page)"), "{text}");
    // A token this server never gave out is refused before any request.
    let before = h.requests().await.len();
    let err = err_text(
        &h.call("jira_search", json!({"jql": "project = OPS", "next_page_token": "abc"}))
            .await,
    );
    assert!(err.contains("next_page_token"), "{err}");
    assert_eq!(h.requests().await.len(), before);
    // Neither Cloud's enhanced search nor its count was asked.
    assert!(
        h.requests()
            .await
            .iter()
            .all(|(_, p)| !p.contains("/rest/api/3/") && !p.contains("approximate-count"))
    );
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn create_sends_wiki_markup_and_assigns_by_user_name() {
    let h = dc().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/2/user/search"))
        .and(query_param("username", "ada@example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"name": "ada", "key": "JIRAUSER10100", "displayName": "Ada Lovelace", "emailAddress": "ada@example.com", "active": true}
        ])))
        .expect(1)
        .mount(&h.jira)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/api/2/issue"))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"id": "20002", "key": "OPS-8", "self": "https://jira.example.com/rest/api/2/issue/20002"}),
        ))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_create_issue",
            json!({
                "project": "OPS", "issue_type": "Task", "summary": "Rotate the export keys",
                "description": "Steps:\n\n1. **Revoke** the old key\n2. Deploy `v2`",
                "assignee": "ada@example.com",
                "fields": {"Story Points": "3", "Root cause": "An *expired* key", "Reviewer": "ada@example.com"}
            }),
        )
        .await;
    crate::support::snapshot("dc_jira_create_issue", &r);
    let text = ok_text(&r);
    assert!(text.starts_with("Created OPS-8 (Task in OPS)"), "{text}");
    let body = h.last_body("POST", "/rest/api/2/issue").await;
    let f = &body["fields"];
    assert_eq!(f["assignee"], json!({"name": "ada"}));
    assert_eq!(f["customfield_10201"], json!({"name": "ada"}));
    assert_eq!(f["customfield_10106"], json!(3.0));
    let description = f["description"].as_str().expect("wiki markup is a string");
    assert!(description.contains("# *Revoke* the old key"), "{description}");
    assert!(description.contains("{{v2}}"), "{description}");
    assert_eq!(f["customfield_10200"], json!("An _expired_ key"));
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn update_and_transition_use_v2_paths() {
    let h = dc().await;
    Mock::given(method("PUT"))
        .and(path("/rest/api/2/issue/OPS-7"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_update_issue",
            json!({"issue_key": "OPS-7", "summary": "Export fails on Zürich", "labels": ["export"]}),
        )
        .await;
    crate::support::snapshot("dc_jira_update_issue", &r);
    assert!(ok_text(&r).contains("Updated OPS-7"));
    let q = h.last_query("/rest/api/2/issue/OPS-7").await;
    assert!(!q.contains_key("returnIssue"), "Data Center has no returnIssue: {q:?}");

    h.ok(
        "GET",
        "/rest/api/2/issue/OPS-7/transitions",
        json!({"expand": "transitions", "transitions": [
            {"id": "21", "name": "Resolve", "to": {"name": "Resolved"}},
            {"id": "31", "name": "Close", "to": {"name": "Closed"}}
        ]}),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/rest/api/2/issue/OPS-7/transitions"))
        .and(body_partial_json(json!({"transition": {"id": "21"}})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_transition_issue",
            json!({"issue_key": "OPS-7", "transition": "resolved", "comment": "Fixed in **5.2**"}),
        )
        .await;
    crate::support::snapshot("dc_jira_transition_issue", &r);
    assert!(ok_text(&r).contains("status is now Resolved"));
    let body = h.last_body("POST", "/rest/api/2/issue/OPS-7/transitions").await;
    assert_eq!(body["update"]["comment"][0]["add"]["body"], "Fixed in *5.2*");
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn comments_are_read_and_written_as_wiki_markup() {
    let h = dc().await;
    h.ok(
        "GET",
        "/rest/api/2/issue/OPS-7/comment",
        json!({"startAt": 0, "maxResults": 1, "total": 2, "comments": [
            {"id": "30002", "author": {"name": "ada", "displayName": "Ada Lovelace"}, "created": "2026-11-30T08:30:00.000+0100", "body": "h2. Plan\n* retry\n** with backoff"}
        ]}),
    )
    .await;
    let r = h
        .call("jira_get_comments", json!({"issue_key": "OPS-7", "max_results": 1}))
        .await;
    crate::support::snapshot("dc_jira_get_comments", &r);
    let text = ok_text(&r);
    assert!(text.contains("## Plan"), "{text}");
    assert!(text.contains("- retry") && text.contains("  - with backoff"), "{text}");
    assert!(text.contains("start_at 1"), "{text}");

    Mock::given(method("POST"))
        .and(path("/rest/api/2/issue/OPS-7/comment"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": "30003", "body": "x", "created": "2026-12-01T10:00:00.000+0100"})),
        )
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_add_comment",
            json!({"issue_key": "OPS-7", "body": "Thanks [~grace], see [log](https://logs.example.com/1)"}),
        )
        .await;
    crate::support::snapshot("dc_jira_add_comment", &r);
    assert!(ok_text(&r).contains("Added comment #30003 to OPS-7"));
    let body = h.last_body("POST", "/rest/api/2/issue/OPS-7/comment").await;
    let wiki = body["body"].as_str().unwrap();
    assert!(
        wiki.contains("[~grace]") && wiki.contains("[log|https://logs.example.com/1]"),
        "{wiki}"
    );
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn projects_and_myself_on_data_center() {
    let h = dc().await;
    h.ok(
        "GET",
        "/rest/api/2/project",
        json!([
            {"key": "OPS", "name": "Operations", "projectTypeKey": "software", "lead": {"name": "ada", "displayName": "Ada Lovelace"}},
            {"key": "HR", "name": "People", "projectTypeKey": "business"},
            {"key": "OPSX", "name": "Ops experiments", "projectTypeKey": "software"}
        ]),
    )
    .await;
    let r = h
        .call("jira_list_projects", json!({"query": "ops", "max_results": 1}))
        .await;
    crate::support::snapshot("dc_jira_list_projects", &r);
    let text = ok_text(&r);
    assert!(text.contains("OPS Operations (software, lead Ada Lovelace)"), "{text}");
    assert!(
        text.contains("1 project shown of 2") && text.contains("start_at 1"),
        "{text}"
    );
    let r = h
        .call("jira_list_projects", json!({"query": "ops", "start_at": 1}))
        .await;
    let text = ok_text(&r);
    assert!(text.contains("OPSX") && !text.contains("HR"), "{text}");

    h.ok(
        "GET",
        "/rest/api/2/myself",
        json!({"name": "ada", "key": "JIRAUSER10100", "displayName": "Ada Lovelace", "emailAddress": "ada@example.com", "timeZone": "Europe/Zurich", "active": true}),
    )
    .await;
    let r = h.call("jira_get_myself", json!({})).await;
    crate::support::snapshot("dc_jira_get_myself", &r);
    let text = ok_text(&r);
    assert!(
        text.contains("Ada Lovelace (ada@example.com, Europe/Zurich, user name ada)"),
        "{text}"
    );
    let data = r.structured_content.unwrap();
    assert_eq!(data["name"], "ada");
    assert!(data.get("account_id").is_none());
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn a_revoked_personal_access_token_is_explained() {
    let h = dc().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/2/myself"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&h.jira)
        .await;
    let text = err_text(&h.call("jira_get_myself", json!({})).await);
    assert!(text.contains("Personal Access Tokens"), "{text}");
    assert!(!text.contains(crate::support::TOKEN));
}
