//! Fields: find, select options (Cloud contexts; Data Center create screens), create, and the
//! cached site metadata.

use serde_json::{Value, json};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path, query_param},
};

use crate::support::{Setup, err_text, ok_text};

fn field_list() -> Value {
    json!([
        {"id": "summary", "name": "Summary", "custom": false, "schema": {"type": "string", "system": "summary"}},
        {"id": "labels", "name": "Labels", "custom": false, "schema": {"type": "array", "items": "string"}},
        {"id": "customfield_10016", "name": "Story Points", "custom": true, "schema": {"type": "number", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float"}},
        {"id": "customfield_10020", "name": "Team", "custom": true, "schema": {"type": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select"}},
        {"id": "customfield_10021", "name": "Story Type", "custom": true, "schema": {"type": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select"}}
    ])
}

#[tokio::test]
async fn find_fields_matches_name_or_id_and_pages_to_the_end() {
    let h = Setup::new().start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/field"))
        .respond_with(ResponseTemplate::new(200).set_body_json(field_list()))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call("jira_find_fields", json!({"query": "story", "max_results": 1}))
        .await;
    assert_eq!(
        ok_text(&r),
        "customfield_10016 \"Story Points\" (float, custom)\n\n\
         1 field shown of 2. More: call jira_find_fields with the same arguments and start_at 1."
    );
    let r = h
        .call("jira_find_fields", json!({"query": "story", "start_at": 1}))
        .await;
    assert_eq!(ok_text(&r), "customfield_10021 \"Story Type\" (select, custom)");
    let data = r.structured_content.unwrap();
    assert_eq!(
        data["fields"][0],
        json!({"id": "customfield_10021", "name": "Story Type", "type": "select", "custom": true})
    );
    assert!(data.get("next_start_at").is_none());
    let text = ok_text(&h.call("jira_find_fields", json!({"query": "LABELS"})).await);
    assert_eq!(text, "labels \"Labels\" (array of string)");
    let text = ok_text(
        &h.call("jira_find_fields", json!({"custom_only": true, "query": "s"}))
            .await,
    );
    assert!(!text.contains("\"Summary\"") && text.contains("Story Points"), "{text}");
    // One field list for all four calls.
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn cloud_options_come_from_the_global_context_page_by_page() {
    let h = Setup::new().start().await;
    h.ok("GET", "/rest/api/3/field", field_list()).await;
    h.ok(
        "GET",
        "/rest/api/3/field/customfield_10020/context",
        json!({"values": [
            {"id": "10200", "name": "Bug teams", "isGlobalContext": false},
            {"id": "10100", "name": "Default", "isGlobalContext": true}
        ], "startAt": 0, "total": 2, "isLast": true}),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/field/customfield_10020/context/10100/option"))
        .and(query_param("startAt", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "values": [{"id": "1", "value": "Red", "disabled": false}, {"id": "2", "value": "Blue", "disabled": true}],
            "startAt": 0, "maxResults": 2, "total": 3, "isLast": false
        })))
        .mount(&h.jira)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/field/customfield_10020/context/10100/option"))
        .and(query_param("startAt", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "values": [{"id": "3", "value": "Dark red", "optionId": "1", "disabled": false}],
            "startAt": 2, "maxResults": 2, "total": 3, "isLast": true
        })))
        .mount(&h.jira)
        .await;
    let r = h
        .call("jira_get_field_options", json!({"field": "team", "max_results": 2}))
        .await;
    assert_eq!(
        ok_text(&r),
        "Options of Team (customfield_10020) in context 10100:\n- Red (id 1)\n- Blue (id 2), disabled\n\n\
         2 options shown of 3. More: call jira_get_field_options with the same arguments and start_at 2.\n\
         Other contexts: Bug teams (10200); pass context_id to see theirs."
    );
    let r = h
        .call(
            "jira_get_field_options",
            json!({"field": "customfield_10020", "context_id": "10100", "start_at": 2}),
        )
        .await;
    // By id: no field list needed, so the id names it.
    assert_eq!(
        ok_text(&r),
        "Options of customfield_10020 in context 10100:\n- Dark red (id 3), under 1"
    );
    assert!(r.structured_content.unwrap().get("next_start_at").is_none());
    // With a context given, the contexts are not read again.
    let contexts = h
        .requests()
        .await
        .iter()
        .filter(|(_, p)| p.ends_with("/context"))
        .count();
    assert_eq!(contexts, 1);
    // A system field has no options: said without asking Jira for contexts.
    let text = err_text(&h.call("jira_get_field_options", json!({"field": "Summary"})).await);
    assert!(text.contains("system field"), "{text}");
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn data_center_reads_options_from_the_create_screen_and_needs_project_and_type() {
    let h = Setup::new().env("JIRA_MCP_FLAVOR", "datacenter").start().await;
    for args in [json!({"field": "Team"}), json!({"field": "Team", "project": "OPS"})] {
        let text = err_text(&h.call("jira_get_field_options", args).await);
        assert!(text.contains("pass project (key) and issue_type"), "{text}");
    }
    assert!(h.requests().await.is_empty());
    h.ok(
        "GET",
        "/rest/api/2/issue/createmeta/OPS/issuetypes",
        json!({"values": [{"id": "1", "name": "Bug"}, {"id": "3", "name": "Task"}], "startAt": 0, "total": 2, "isLast": true}),
    )
    .await;
    h.ok(
        "GET",
        "/rest/api/2/issue/createmeta/OPS/issuetypes/3",
        json!({"values": [
            {"fieldId": "summary", "name": "Summary"},
            {"fieldId": "customfield_10300", "name": "Team", "allowedValues": [
                {"id": "11", "value": "Platform"}, {"id": "12", "value": "Data"}, {"id": "13", "value": "Web", "disabled": true}
            ]}
        ], "startAt": 0, "total": 2, "isLast": true}),
    )
    .await;
    let r = h
        .call(
            "jira_get_field_options",
            json!({"field": "team", "project": "ops", "issue_type": "task", "max_results": 2}),
        )
        .await;
    assert_eq!(
        ok_text(&r),
        "Options of Team (customfield_10300):\n- Platform (id 11)\n- Data (id 12)\n\n\
         2 options shown of 3. More: call jira_get_field_options with the same arguments and start_at 2."
    );
    let r = h
        .call(
            "jira_get_field_options",
            json!({"field": "customfield_10300", "project": "OPS", "issue_type": "3", "start_at": 2}),
        )
        .await;
    assert_eq!(
        ok_text(&r),
        "Options of Team (customfield_10300):\n- Web (id 13), disabled"
    );
    let text = err_text(
        &h.call(
            "jira_get_field_options",
            json!({"field": "Team", "project": "OPS", "issue_type": "Epic"}),
        )
        .await,
    );
    assert!(
        text.contains("no issue type `Epic`") && text.contains("Bug, Task"),
        "{text}"
    );
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn create_field_maps_the_type_and_the_next_lookup_sees_it() {
    let h = Setup::new().start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/field"))
        .respond_with(ResponseTemplate::new(200).set_body_json(field_list()))
        .expect(2)
        .mount(&h.jira)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/field"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "customfield_10101", "name": "Release train", "custom": true,
            "schema": {"type": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select", "customId": 10101}
        })))
        .expect(1)
        .mount(&h.jira)
        .await;
    ok_text(&h.call("jira_find_fields", json!({})).await);
    let r = h
        .call(
            "jira_create_field",
            json!({"name": "Release train", "type": "select", "description": "Which train ships it"}),
        )
        .await;
    assert_eq!(
        ok_text(&r),
        "Created field customfield_10101 \"Release train\" (select, custom). It has no options yet; add them in \
         Jira's field settings. Add it to the projects' screens to use it."
    );
    assert_eq!(
        h.last_body("POST", "/rest/api/3/field").await,
        json!({
            "name": "Release train", "description": "Which train ships it",
            "type": "com.atlassian.jira.plugin.system.customfieldtypes:select",
            "searcherKey": "com.atlassian.jira.plugin.system.customfieldtypes:multiselectsearcher"
        })
    );
    // The cached list was dropped: the next lookup fetches it again.
    ok_text(&h.call("jira_find_fields", json!({})).await);
    for args in [
        json!({"name": "x", "type": "colour"}),
        json!({"name": "", "type": "text"}),
        json!({"type": "text"}),
    ] {
        let text = err_text(&h.call("jira_create_field", args.clone()).await);
        assert!(text.starts_with("Invalid input"), "{args}: {text}");
    }
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn metadata_is_fetched_once_per_kind_and_listed_one_per_line() {
    let h = Setup::new().start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/priority"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "1", "name": "Highest", "description": "This problem will block progress and must be fixed before anything else in the release ships to anyone."},
            {"id": "3", "name": "Medium", "description": "Has the potential to affect progress."}
        ])))
        .expect(1)
        .mount(&h.jira)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issueLinkType"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"issueLinkTypes": [
            {"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"}
        ]})))
        .expect(1)
        .mount(&h.jira)
        .await;
    let first = ok_text(&h.call("jira_get_metadata", json!({"kind": "priorities"})).await);
    assert_eq!(
        first,
        "Highest (id 1): This problem will block progress and must be fixed before anything else in the…\n\
         Medium (id 3): Has the potential to affect progress."
    );
    let second = ok_text(&h.call("jira_get_metadata", json!({"kind": "priorities"})).await);
    assert_eq!(first, second);
    let r = h.call("jira_get_metadata", json!({"kind": "link_types"})).await;
    assert_eq!(ok_text(&r), "Blocks (id 10000) [blocks / is blocked by]");
    assert_eq!(
        r.structured_content.unwrap()["items"][0]["detail"],
        "blocks / is blocked by"
    );
    ok_text(&h.call("jira_get_metadata", json!({"kind": "link_types"})).await);
    assert_eq!(h.requests().await.len(), 2);
    let text = err_text(&h.call("jira_get_metadata", json!({"kind": "sprints"})).await);
    assert!(text.starts_with("Invalid input"), "{text}");
    assert_eq!(h.requests().await.len(), 2);
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn data_center_metadata_and_a_server_error_explained() {
    let h = Setup::new().env("JIRA_MCP_FLAVOR", "datacenter").start().await;
    h.ok(
        "GET",
        "/rest/api/2/status",
        json!([{"id": "10000", "name": "In Progress", "statusCategory": {"key": "indeterminate", "name": "In Progress"}}]),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/2/resolution"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&h.jira)
        .await;
    let text = ok_text(&h.call("jira_get_metadata", json!({"kind": "statuses"})).await);
    assert_eq!(text, "In Progress (id 10000) [category In Progress]");
    let text = err_text(&h.call("jira_get_metadata", json!({"kind": "resolutions"})).await);
    assert!(text.starts_with("Jira had a server error (500)"), "{text}");
    h.assert_declared_operations_only();
}

/// Every type and searcher key jira_create_field sends is one Cloud's document lists.
#[test]
fn create_field_searcher_keys_are_ones_jira_documents() {
    let spec = crate::support::fixture("jira-platform-v3.json");
    let allowed = spec["components"]["schemas"]["CustomFieldDefinitionJsonBean"]["properties"]["searcherKey"]["enum"]
        .as_array()
        .unwrap()
        .clone();
    for (name, _, searcher) in jira_mcp::jira::fields::FIELD_TYPES {
        let key = json!(format!("com.atlassian.jira.plugin.system.customfieldtypes:{searcher}"));
        assert!(allowed.contains(&key), "{name}: {key} is not a documented searcher key");
    }
}
