//! Saved filters: list (mine, favourites), get (and run), save (create, update).

use serde_json::{Value, json};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path, query_param},
};

use crate::support::{Setup, err_text, fixture, ok_text};

fn filter(id: &str, name: &str, jql: &str) -> Value {
    json!({
        "id": id, "name": name, "jql": jql, "favourite": true,
        "owner": {"displayName": "Ada Lovelace", "accountId": "557058:ada"},
        "sharePermissions": [{"type": "project", "project": {"id": "10000", "key": "PROJ"}}, {"type": "group", "group": {"name": "devs"}}],
        "viewUrl": "https://acme.atlassian.net/issues/?filter=".to_string() + id
    })
}

#[tokio::test]
async fn favourites_are_paged_to_the_end() {
    let h = Setup::new().start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/filter/favourite"))
        .and(query_param(
            "expand",
            "description,favourite,jql,owner,sharePermissions",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            filter("10000", "Open bugs", "type = Bug AND resolution is EMPTY"),
            filter("10001", "My work", "assignee = currentUser()"),
            filter("10002", "Done lately", "status = Done AND updated > -7d"),
        ])))
        .mount(&h.jira)
        .await;
    let r = h
        .call("jira_list_filters", json!({"which": "favourite", "max_results": 2}))
        .await;
    let text = ok_text(&r);
    assert_eq!(
        text,
        "10000 \"Open bugs\" (owner Ada Lovelace, favourite): type = Bug AND resolution is EMPTY\n\
         10001 \"My work\" (owner Ada Lovelace, favourite): assignee = currentUser()\n\n\
         2 filters shown of 3. More: call jira_list_filters with the same arguments and start_at 2."
    );
    let data = r.structured_content.unwrap();
    assert_eq!(data["next_start_at"], 2);
    assert_eq!(data["filters"][0]["shared_with"], json!(["project PROJ", "group devs"]));
    let r = h
        .call("jira_list_filters", json!({"start_at": 2, "max_results": 2}))
        .await;
    let text = ok_text(&r);
    assert!(
        text.starts_with("10002 \"Done lately\"") && !text.contains("More:"),
        "{text}"
    );
    assert!(r.structured_content.unwrap().get("next_start_at").is_none());
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn my_filters_are_searched_by_account_id_page_by_page() {
    let h = Setup::new().start().await;
    h.ok(
        "GET",
        "/rest/api/3/myself",
        json!({"accountId": "557058:ada", "displayName": "Ada Lovelace"}),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/filter/search"))
        .and(query_param("accountId", "557058:ada"))
        .and(query_param("startAt", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "values": [filter("10000", "Open bugs", "type = Bug")], "startAt": 0, "maxResults": 1, "total": 2, "isLast": false
        })))
        .mount(&h.jira)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/filter/search"))
        .and(query_param("startAt", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "values": [filter("10001", "My work", "assignee = currentUser()")], "startAt": 1, "maxResults": 1, "total": 2, "isLast": true
        })))
        .mount(&h.jira)
        .await;
    let text = ok_text(
        &h.call("jira_list_filters", json!({"which": "mine", "max_results": 1}))
            .await,
    );
    assert!(
        text.contains("10000 \"Open bugs\"") && text.contains("start_at 1"),
        "{text}"
    );
    let text = ok_text(
        &h.call("jira_list_filters", json!({"which": "mine", "start_at": 1}))
            .await,
    );
    assert!(
        text.starts_with("10001 \"My work\"") && !text.contains("More:"),
        "{text}"
    );
    // The account id is looked up once.
    let myself = h
        .requests()
        .await
        .iter()
        .filter(|(_, p)| p == "/rest/api/3/myself")
        .count();
    assert_eq!(myself, 1);
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn get_filter_shows_it_and_runs_its_first_page_with_a_hint_for_jira_search() {
    let h = Setup::new().start().await;
    h.ok(
        "GET",
        "/rest/api/3/filter/10000",
        filter("10000", "Open bugs", "project = PROJ"),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/search/jql"))
        .and(query_param("jql", "project = PROJ"))
        .and(query_param("maxResults", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/search-page1.json")))
        .mount(&h.jira)
        .await;
    let text = ok_text(&h.call("jira_get_filter", json!({"id": "10000"})).await);
    assert_eq!(
        text,
        "Filter 10000 \"Open bugs\" (owner Ada Lovelace, favourite): project = PROJ\nShared with: project PROJ, group devs"
    );
    let r = h
        .call("jira_get_filter", json!({"id": "10000", "run": true, "max_results": 2}))
        .await;
    let text = ok_text(&r);
    assert!(
        text.contains("Issues:\nPROJ-1 [To Do] First task (Task, Medium, Ada Lovelace"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "2 issues shown; more match. Next page: call jira_search with jql \"project = PROJ\" and next_page_token \"CAEaAggD\"."
        ),
        "{text}"
    );
    let data = r.structured_content.unwrap();
    assert_eq!(data["next_page_token"], "CAEaAggD");
    assert_eq!(data["jql"], "project = PROJ");
    assert_eq!(data["issues"].as_array().unwrap().len(), 2);
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn a_missing_filter_is_explained() {
    let h = Setup::new().start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/filter/99"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "errorMessages": ["The selected filter is not available to you, perhaps it has been deleted or had its permissions changed."]
        })))
        .mount(&h.jira)
        .await;
    let text = err_text(&h.call("jira_get_filter", json!({"id": "99", "run": true})).await);
    assert!(
        text.starts_with("Filter 99 does not exist or you cannot see it (404)")
            && text.contains("not available to you"),
        "{text}"
    );
    // The search never ran.
    assert_eq!(h.requests().await.len(), 1);
}

#[tokio::test]
async fn save_creates_with_sharing_and_updates_only_what_is_given() {
    let h = Setup::new().start().await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/filter"))
        .respond_with(ResponseTemplate::new(200).set_body_json(filter("10005", "Open bugs", "type = Bug")))
        .expect(1)
        .mount(&h.jira)
        .await;
    Mock::given(method("PUT"))
        .and(path("/rest/api/3/filter/10005"))
        .respond_with(ResponseTemplate::new(200).set_body_json(filter("10005", "Open bugs", "type = Bug")))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_save_filter",
            json!({"name": "Open bugs", "jql": " type = Bug ", "favourite": true, "share_with": [
                {"type": "project", "value": "proj"}, {"type": "project", "value": "10000"},
                {"type": "group", "value": "devs"}, {"type": "authenticated"},
                {"type": "user", "value": "557058:ada"}
            ]}),
        )
        .await;
    let text = ok_text(&r);
    assert!(text.starts_with("Created filter 10005 \"Open bugs\""), "{text}");
    assert_eq!(
        h.last_body("POST", "/rest/api/3/filter").await,
        json!({"name": "Open bugs", "jql": "type = Bug", "favourite": true, "sharePermissions": [
            {"type": "project", "project": {"key": "PROJ"}},
            {"type": "project", "project": {"id": "10000"}},
            {"type": "group", "group": {"name": "devs"}},
            {"type": "authenticated"},
            {"type": "user", "user": {"accountId": "557058:ada"}}
        ]})
    );
    // Jira wants the name with every update: the current one is read and sent back.
    h.ok(
        "GET",
        "/rest/api/3/filter/10005",
        filter("10005", "Open bugs", "type = Bug"),
    )
    .await;
    let text = ok_text(
        &h.call("jira_save_filter", json!({"id": "10005", "share_with": []}))
            .await,
    );
    assert!(text.starts_with("Updated filter 10005"), "{text}");
    assert_eq!(
        h.last_body("PUT", "/rest/api/3/filter/10005").await,
        json!({"name": "Open bugs", "sharePermissions": []})
    );
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn invalid_input_is_rejected_without_any_request() {
    let h = Setup::new().start().await;
    for (tool, args) in [
        ("jira_get_filter", json!({"id": "abc"})),
        ("jira_get_filter", json!({"id": "../10000"})),
        ("jira_get_filter", json!({"id": "1", "run": true, "max_results": 0})),
        ("jira_list_filters", json!({"which": "everyone"})),
        ("jira_list_filters", json!({"max_results": 101})),
        ("jira_save_filter", json!({"name": "No JQL"})),
        ("jira_save_filter", json!({"id": "1"})),
        (
            "jira_save_filter",
            json!({"name": "x", "jql": "y", "share_with": [{"type": "global", "value": "x"}]}),
        ),
        (
            "jira_save_filter",
            json!({"name": "x", "jql": "y", "share_with": [{"type": "group"}]}),
        ),
        (
            "jira_save_filter",
            json!({"name": "x", "jql": "y", "share_with": [{"type": "project", "value": "no such"}]}),
        ),
        ("jira_save_filter", json!({"name": "two\nlines", "jql": "y"})),
    ] {
        let text = err_text(&h.call(tool, args.clone()).await);
        assert!(text.starts_with("Invalid input"), "{tool} {args}: {text}");
    }
    assert!(h.requests().await.is_empty());
}

#[tokio::test]
async fn data_center_lists_favourites_and_shares_with_user_names() {
    let h = Setup::new().env("JIRA_MCP_FLAVOR", "datacenter").start().await;
    h.ok(
        "GET",
        "/rest/api/2/filter/favourite",
        json!([{"id": "20000", "name": "Ops queue", "jql": "project = OPS", "owner": {"name": "ada", "displayName": "Ada"}, "sharePermissions": [{"type": "global"}]}]),
    )
    .await;
    h.ok(
        "POST",
        "/rest/api/2/filter",
        json!({"id": "20001", "name": "Mine", "jql": "assignee = currentUser()"}),
    )
    .await;
    let text = ok_text(&h.call("jira_list_filters", json!({})).await);
    assert_eq!(text, "20000 \"Ops queue\" (owner Ada): project = OPS");
    // Data Center has no list of one's own filters: said before any request.
    let text = err_text(&h.call("jira_list_filters", json!({"which": "mine"})).await);
    assert!(text.contains("Data Center has no list of your own filters"), "{text}");
    let text = ok_text(
        &h.call(
            "jira_save_filter",
            json!({"name": "Mine", "jql": "assignee = currentUser()", "share_with": [{"type": "user", "value": "grace"}]}),
        )
        .await,
    );
    assert!(text.contains("Shared with: nobody (private)"), "{text}");
    assert_eq!(
        h.last_body("POST", "/rest/api/2/filter").await["sharePermissions"],
        json!([{"type": "user", "user": {"name": "grace"}}])
    );
    assert_eq!(h.requests().await.len(), 2);
    h.assert_declared_operations_only();
}

/// Contract: every request of the filters, dashboards and fields toolsets is one Atlassian's
/// documents allow (Cloud platform v3; Data Center 10.3 for what exists there), and the read
/// tools turn whatever the schemas allow into a result. One test, Cloud then Data Center, so
/// that at most three Prism servers run at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_filters_dashboards_fields_requests_are_accepted_by_both_specs() {
    use crate::contract::{prism_or_skip, run_contract};
    let Some(bin) = prism_or_skip() else {
        return;
    };
    let cloud_reads = || {
        vec![
            ("jira_list_filters", json!({"which": "favourite", "max_results": 5})),
            ("jira_list_filters", json!({"which": "mine", "start_at": 5})),
            ("jira_get_filter", json!({"id": "10000"})),
            ("jira_get_filter", json!({"id": "10000", "run": true, "max_results": 5})),
            (
                "jira_list_dashboards",
                json!({"filter": "favourite", "max_results": 5, "start_at": 5}),
            ),
            ("jira_list_dashboards", json!({})),
            ("jira_get_dashboard", json!({"id": "10000"})),
            ("jira_find_fields", json!({"query": "a", "custom_only": true})),
            (
                "jira_get_field_options",
                json!({"field": "customfield_10020", "max_results": 5, "start_at": 5}),
            ),
            (
                "jira_get_field_options",
                json!({"field": "customfield_10020", "context_id": "10100"}),
            ),
            ("jira_get_metadata", json!({"kind": "issue_types"})),
            ("jira_get_metadata", json!({"kind": "priorities"})),
            ("jira_get_metadata", json!({"kind": "statuses"})),
            ("jira_get_metadata", json!({"kind": "resolutions"})),
            ("jira_get_metadata", json!({"kind": "link_types"})),
        ]
    };
    let cloud_writes = vec![
        (
            "jira_save_filter",
            json!({"name": "Open bugs", "jql": "type = Bug AND resolution is EMPTY", "description": "Triage", "favourite": true,
                   "share_with": [{"type": "project", "value": "10000"}, {"type": "group", "value": "devs"}, {"type": "authenticated"}]}),
        ),
        (
            "jira_save_filter",
            json!({"id": "10000", "jql": "type = Bug", "share_with": []}),
        ),
        (
            "jira_create_dashboard",
            json!({"name": "Auditors", "description": "Samples", "share_with": [{"type": "global"}]}),
        ),
        (
            "jira_create_field",
            json!({"name": "Release train", "type": "select", "description": "Which train"}),
        ),
        ("jira_create_field", json!({"name": "Estimate", "type": "number"})),
        ("jira_create_field", json!({"name": "Owner", "type": "user"})),
    ];
    run_contract(&bin, "jira-platform-v3.json", "cloud", cloud_writes, cloud_reads).await;

    let dc_reads = || {
        vec![
            ("jira_list_filters", json!({"max_results": 5})),
            ("jira_get_filter", json!({"id": "10000"})),
            ("jira_get_filter", json!({"id": "10000", "run": true, "max_results": 5})),
            (
                "jira_list_dashboards",
                json!({"filter": "my", "max_results": 5, "start_at": 5}),
            ),
            ("jira_get_dashboard", json!({"id": "10000"})),
            ("jira_find_fields", json!({"query": "a"})),
            ("jira_get_metadata", json!({"kind": "issue_types"})),
            ("jira_get_metadata", json!({"kind": "priorities"})),
            ("jira_get_metadata", json!({"kind": "statuses"})),
            ("jira_get_metadata", json!({"kind": "resolutions"})),
            ("jira_get_metadata", json!({"kind": "link_types"})),
        ]
    };
    let dc_writes = vec![
        (
            "jira_save_filter",
            json!({"name": "Ops queue", "jql": "project = OPS", "share_with": [{"type": "user", "value": "grace"}]}),
        ),
        ("jira_save_filter", json!({"id": "10000", "name": "Renamed"})),
        ("jira_create_field", json!({"name": "Rack", "type": "text"})),
        // Generated create screens never hold the asked field, so this one is checked for its
        // requests only (static mode).
        (
            "jira_get_field_options",
            json!({"field": "Team", "project": "OPS", "issue_type": "Bug"}),
        ),
    ];
    run_contract(&bin, "jira-dc-10.3.json", "datacenter", dc_writes, dc_reads).await;
}
