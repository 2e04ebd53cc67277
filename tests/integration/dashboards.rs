//! Dashboards: list (paged), get (gadgets on Cloud; a note on Data Center), create (Cloud).

use serde_json::{Value, json};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path, query_param},
};

use crate::support::{Setup, err_text, ok_text};

fn dashboard(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "isFavourite": id == "10000", "owner": {"displayName": "Ada Lovelace"},
           "sharePermissions": [{"type": "loggedin"}], "view": format!("https://acme.atlassian.net/jira/dashboards/{id}")})
}

#[tokio::test]
async fn list_is_paged_to_the_end_and_filtered() {
    let h = Setup::new().start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/dashboard"))
        .and(query_param("filter", "my"))
        .and(query_param("startAt", "0"))
        .and(query_param("maxResults", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "dashboards": [dashboard("10000", "Team"), dashboard("10001", "Ops")], "startAt": 0, "maxResults": 2, "total": 3
        })))
        .mount(&h.jira)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/dashboard"))
        .and(query_param("startAt", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "dashboards": [dashboard("10002", "Release")], "startAt": 2, "maxResults": 2, "total": 3
        })))
        .mount(&h.jira)
        .await;
    let r = h
        .call("jira_list_dashboards", json!({"filter": "my", "max_results": 2}))
        .await;
    assert_eq!(
        ok_text(&r),
        "10000 \"Team\" (owner Ada Lovelace, favourite)\n10001 \"Ops\" (owner Ada Lovelace)\n\n\
         2 dashboards shown of 3. More: call jira_list_dashboards with the same arguments and start_at 2."
    );
    assert_eq!(r.structured_content.unwrap()["next_start_at"], 2);
    let r = h
        .call(
            "jira_list_dashboards",
            json!({"filter": "my", "max_results": 2, "start_at": 2}),
        )
        .await;
    assert_eq!(ok_text(&r), "10002 \"Release\" (owner Ada Lovelace)");
    assert!(r.structured_content.unwrap().get("next_start_at").is_none());
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn get_shows_the_gadgets_on_cloud() {
    let h = Setup::new().start().await;
    h.ok("GET", "/rest/api/3/dashboard/10000", dashboard("10000", "Team"))
        .await;
    h.ok(
        "GET",
        "/rest/api/3/dashboard/10000/gadget",
        json!({"gadgets": [
            {"id": 10001, "title": "Assigned to me", "moduleKey": "com.atlassian.jira.gadgets:assigned-to-me-gadget", "position": {"row": 0, "column": 0}},
            {"id": 10002, "uri": "rest/gadgets/1.0/g/com.atlassian.jira.gadgets:filter-results-gadget/gadgets/filter-results-gadget.xml", "position": {"row": 1, "column": 0}}
        ]}),
    )
    .await;
    let r = h.call("jira_get_dashboard", json!({"id": "10000"})).await;
    let text = ok_text(&r);
    assert_eq!(
        text,
        "Dashboard 10000 \"Team\" (owner Ada Lovelace, favourite)\nShared with: any signed-in user\n\nGadgets:\n\
         - 10001 Assigned to me (row 0, column 0)\n\
         - 10002 rest/gadgets/1.0/g/com.atlassian.jira.gadgets:filter-results-gadget/gadgets/filter-results-gadget.xml (row 1, column 0)"
    );
    let data = r.structured_content.unwrap();
    assert_eq!(data["gadgets"][0]["title"], "Assigned to me");
    assert_eq!(data["name"], "Team");
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn data_center_shows_the_dashboard_and_says_gadgets_cannot_be_listed() {
    let h = Setup::new().env("JIRA_MCP_FLAVOR", "datacenter").start().await;
    h.ok(
        "GET",
        "/rest/api/2/dashboard/10100",
        json!({"id": "10100", "name": "Ops", "view": "https://jira.example.com/secure/Dashboard.jspa?selectPageId=10100"}),
    )
    .await;
    let r = h.call("jira_get_dashboard", json!({"id": "10100"})).await;
    let text = ok_text(&r);
    assert_eq!(
        text,
        "Dashboard 10100 \"Ops\"\n\nJira Data Center has no API for a dashboard's gadgets; open the dashboard to see them."
    );
    let data = r.structured_content.unwrap();
    assert!(data.get("gadgets").is_none() && data["note"].as_str().unwrap().contains("no API"));
    assert_eq!(h.requests().await.len(), 1);
    // Creating is Cloud only: not listed, and a call by name says why.
    let text = err_text(&h.call("jira_create_dashboard", json!({"name": "x"})).await);
    assert!(text.contains("works only on Jira Cloud"), "{text}");
    assert_eq!(h.requests().await.len(), 1);
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn create_sends_name_description_and_sharing() {
    let h = Setup::new().start().await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/dashboard"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "10010", "name": "Auditors", "sharePermissions": [{"type": "group", "group": {"name": "auditors"}}]
        })))
        .expect(1)
        .mount(&h.jira)
        .await;
    let text = ok_text(
        &h.call(
            "jira_create_dashboard",
            json!({"name": " Auditors ", "description": "Samples to check", "share_with": [{"type": "group", "value": "auditors"}]}),
        )
        .await,
    );
    assert_eq!(
        text,
        "Created dashboard 10010 \"Auditors\"\nShared with: group auditors"
    );
    assert_eq!(
        h.last_body("POST", "/rest/api/3/dashboard").await,
        json!({"name": "Auditors", "description": "Samples to check", "editPermissions": [],
               "sharePermissions": [{"type": "group", "group": {"name": "auditors"}}]})
    );
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn a_missing_dashboard_is_explained_and_bad_input_costs_nothing() {
    let h = Setup::new().start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/dashboard/404"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"errorMessages": ["The dashboard with id '404' does not exist."]})),
        )
        .mount(&h.jira)
        .await;
    let text = err_text(&h.call("jira_get_dashboard", json!({"id": "404"})).await);
    assert!(
        text.starts_with("Dashboard 404 does not exist or you cannot see it (404)"),
        "{text}"
    );
    assert_eq!(h.requests().await.len(), 1);
    for (tool, args) in [
        ("jira_get_dashboard", json!({"id": "ten"})),
        ("jira_list_dashboards", json!({"filter": "all"})),
        ("jira_list_dashboards", json!({"max_results": 0})),
        ("jira_create_dashboard", json!({"name": "  "})),
        (
            "jira_create_dashboard",
            json!({"name": "x", "share_with": [{"type": "user"}]}),
        ),
    ] {
        let text = err_text(&h.call(tool, args.clone()).await);
        assert!(text.starts_with("Invalid input"), "{tool} {args}: {text}");
    }
    assert_eq!(h.requests().await.len(), 1);
}
