//! JQL search through `/rest/api/3/search/jql`, paged with `nextPageToken`.

use serde_json::json;
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{body_json, method, path, query_param, query_param_is_missing},
};

use crate::support::{Setup, err_text, fixture, ok_text};

#[tokio::test]
async fn pages_with_next_page_token_and_says_how() {
    let h = Setup::new().start().await;
    // The removed endpoint must never be called.
    Mock::given(path("/rest/api/3/search"))
        .respond_with(ResponseTemplate::new(410))
        .expect(0)
        .mount(&h.jira)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/search/jql"))
        .and(query_param_is_missing("nextPageToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/search-page1.json")))
        .mount(&h.jira)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/search/jql"))
        .and(query_param("nextPageToken", "CAEaAggD"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/search-page2.json")))
        .mount(&h.jira)
        .await;
    // Counted once, for the first page only.
    Mock::given(method("POST"))
        .and(path("/rest/api/3/search/approximate-count"))
        .and(body_json(
            json!({"jql": "assignee = currentUser() ORDER BY updated DESC"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 3})))
        .expect(1)
        .mount(&h.jira)
        .await;

    let jql = "assignee = currentUser() ORDER BY updated DESC";
    let r = h.call("jira_search", json!({"jql": jql, "max_results": 2})).await;
    crate::support::snapshot("cloud_jira_search", &r);
    let text = ok_text(&r);
    assert!(
        text.contains("PROJ-1 [To Do] First task (Task, Medium, Ada Lovelace, updated 2026-11-20 10:00)"),
        "{text}"
    );
    assert!(
        text.contains("PROJ-2 [In Progress] Second task (Task, Medium, unassigned"),
        "{text}"
    );
    assert!(text.contains("next_page_token \"CAEaAggD\""), "{text}");
    assert!(text.contains("2 of about 3 issues shown"), "{text}");
    let data = r.structured_content.unwrap();
    assert_eq!(data["next_page_token"], "CAEaAggD");
    assert_eq!(data["approximate_total"], 3);
    let q = h.last_query("/rest/api/3/search/jql").await;
    assert_eq!(q["jql"], jql);
    assert_eq!(q["maxResults"], "2");
    assert!(q["fields"].contains("summary"));

    let r = h
        .call("jira_search", json!({"jql": jql, "next_page_token": "CAEaAggD"}))
        .await;
    let text = ok_text(&r);
    assert!(
        text.contains("PROJ-3 [Done] Third task") && text.contains("(last page)"),
        "{text}"
    );
    let data = r.structured_content.unwrap();
    assert!(data.get("next_page_token").is_none());
    assert!(data.get("approximate_total").is_none());
}

/// The count is a courtesy: when Jira cannot give it, the page is still served.
#[tokio::test]
async fn a_failed_count_leaves_only_the_estimate_out() {
    let h = Setup::new().start().await;
    h.ok("GET", "/rest/api/3/search/jql", fixture("jira/search-page1.json"))
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/search/approximate-count"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&h.jira)
        .await;
    let r = h
        .call("jira_search", json!({"jql": "project = PROJ", "max_results": 2}))
        .await;
    let text = ok_text(&r);
    assert!(text.contains("2 issues shown; more match"), "{text}");
    assert!(r.structured_content.unwrap().get("approximate_total").is_none());
}

#[tokio::test]
async fn an_empty_result_is_truly_empty_and_says_so() {
    let h = Setup::new().start().await;
    h.ok("GET", "/rest/api/3/search/jql", json!({"issues": [], "isLast": true}))
        .await;
    let r = h.call("jira_search", json!({"jql": "project = NONE"})).await;
    assert_eq!(ok_text(&r), "No issues match `project = NONE`.");
}

#[tokio::test]
async fn invalid_jql_reports_jiras_message() {
    let h = Setup::new().start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/search/jql"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "errorMessages": ["Field 'asignee' does not exist or you do not have permission to view it."],
            "errors": {}
        })))
        .mount(&h.jira)
        .await;
    let text = err_text(&h.call("jira_search", json!({"jql": "asignee = x"})).await);
    assert!(text.contains("Field 'asignee' does not exist"), "{text}");
}

#[tokio::test]
async fn unbounded_or_empty_jql_and_bad_page_sizes_are_rejected_locally() {
    let h = Setup::new().start().await;
    for args in [
        json!({"jql": ""}),
        json!({"jql": "ORDER BY created DESC"}),
        json!({"jql": "project = A", "max_results": 0}),
        json!({"jql": "project = A", "max_results": 1000}),
    ] {
        let text = err_text(&h.call("jira_search", args.clone()).await);
        assert!(text.starts_with("Invalid input"), "{args}: {text}");
    }
    assert!(h.requests().await.is_empty());
}

#[tokio::test]
async fn check_jql_returns_jiras_own_complaint_and_is_cloud_only() {
    let h = Setup::new().start().await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/jql/parse"))
        .and(query_param("validation", "strict"))
        .and(wiremock::matchers::body_json(json!({"queries": ["projct = PROJ"]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"queries": [
            {"query": "projct = PROJ", "errors": ["Field 'projct' does not exist or you do not have permission to view it."]}
        ]})))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h.call("jira_check_jql", json!({"jql": " projct = PROJ "})).await;
    crate::support::snapshot("cloud_jira_check_jql", &r);
    let text = ok_text(&r);
    assert_eq!(
        text,
        "Invalid JQL: Field 'projct' does not exist or you do not have permission to view it."
    );
    assert_eq!(r.structured_content.unwrap()["valid"], false);
    h.assert_declared_operations_only();

    // Data Center has no JQL parser: the tool is not listed, and a call by name says why.
    let dc = Setup::new().env("JIRA_MCP_FLAVOR", "datacenter").start().await;
    let names: Vec<String> = dc
        .client
        .list_all_tools()
        .await
        .unwrap()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(!names.contains(&"jira_check_jql".to_string()) && names.contains(&"jira_search".to_string()));
    let text = crate::support::err_text(&dc.call("jira_check_jql", json!({"jql": "project = OPS"})).await);
    assert_eq!(
        text,
        "jira_check_jql works only on Jira Cloud; this profile uses Jira Data Center, where Jira has no such API."
    );
    assert!(dc.requests().await.is_empty());
}
