//! Issues: get, create, update, transition against a wiremock Jira.

use serde_json::json;
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{header, method, path, query_param},
};

use crate::support::{Setup, TOKEN, err_text, fixture, ok_text};

#[tokio::test]
async fn get_issue_renders_a_typical_issue_compactly_from_one_request() {
    let h = Setup::new().start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/field"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/fields.json")))
        .expect(1)
        .mount(&h.jira)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/PROJ-123"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/issue-typical.json")))
        .expect(2)
        .mount(&h.jira)
        .await;

    let r = h.call("jira_get_issue", json!({"issue_key": "proj-123"})).await;
    crate::support::snapshot("cloud_jira_get_issue", &r);
    let text = ok_text(&r);
    for needle in [
        "PROJ-123: SSO users loop back to the login page after 30 minutes",
        "Bug | In Progress | High priority | assignee Ada Lovelace | reporter Grace Hopper",
        "parent PROJ-100 Authentication revamp",
        "sprint Sprint 42",
        "labels sso, auth, customer-reported",
        "components Auth service",
        "fix versions 2.4.0",
        "due 2026-12-05",
        "### Steps to reproduce",
        "1. Sign in with Okta and wait 31 minutes.",
        "```text",
        "[the runbook](https://wiki.example.com/runbooks/sso)",
        "Comments (3 of 5, latest; jira_get_comments for more)",
        "Review done, two small remarks",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
    assert!(!text.contains("Reproduced on staging"), "only the latest 3 comments");
    let data = r.structured_content.clone().expect("structured content");
    assert_eq!(data["key"], "PROJ-123");
    assert_eq!(data["status"], "In Progress");
    assert_eq!(data["comment_total"], 5);
    assert_eq!(data["comments"].as_array().unwrap().len(), 3);
    assert!(text.len() <= 2048, "text result is {} bytes", text.len());

    // The requested fields are the compact set, the sprint field included.
    let q = h.last_query("/rest/api/3/issue/PROJ-123").await;
    let fields = &q["fields"];
    assert!(
        fields.contains("summary") && fields.contains("comment") && fields.contains("customfield_10020"),
        "{fields}"
    );

    // A second call reuses the cached field list: one Jira request.
    let r = h
        .call("jira_get_issue", json!({"issue_key": "PROJ-123", "comments": 0}))
        .await;
    let text = ok_text(&r);
    assert!(
        text.contains("5 comments (jira_get_comments to read them)") || !text.contains("Comments ("),
        "{text}"
    );
    let n = h
        .requests()
        .await
        .iter()
        .filter(|(_, p)| p == "/rest/api/3/field")
        .count();
    assert_eq!(n, 1, "field list fetched once");
    // Every request was one the tool declares (its scopes cover it).
    assert_eq!(h.assert_declared_operations_only(), 3);
}

#[tokio::test]
async fn get_issue_resolves_custom_fields_by_display_name() {
    let h = Setup::new().start().await;
    h.ok("GET", "/rest/api/3/field", fixture("jira/fields.json")).await;
    h.ok("GET", "/rest/api/3/issue/PROJ-123", fixture("jira/issue-typical.json"))
        .await;
    let r = h
        .call(
            "jira_get_issue",
            json!({"issue_key": "PROJ-123", "fields": ["story points"]}),
        )
        .await;
    let text = ok_text(&r);
    assert!(text.contains("Story Points: 5"), "{text}");
    assert_eq!(r.structured_content.unwrap()["fields"]["Story Points"], 5.0);
    assert!(h.last_query("/rest/api/3/issue/PROJ-123").await["fields"].contains("customfield_10016"));
}

#[tokio::test]
async fn unknown_field_name_lists_the_closest_and_makes_no_issue_request() {
    let h = Setup::new().start().await;
    h.ok("GET", "/rest/api/3/field", fixture("jira/fields.json")).await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/PROJ-1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_get_issue",
            json!({"issue_key": "PROJ-1", "fields": ["Story Pionts"]}),
        )
        .await;
    let text = err_text(&r);
    assert!(
        text.contains("unknown field `Story Pionts`") && text.contains("Story Points (customfield_10016)"),
        "{text}"
    );

    // Two fields named "Team": the ids are listed, nothing guessed.
    let r = h
        .call("jira_get_issue", json!({"issue_key": "PROJ-1", "fields": ["Team"]}))
        .await;
    let text = err_text(&r);
    assert!(
        text.contains("customfield_10042") && text.contains("customfield_10043"),
        "{text}"
    );
}

#[tokio::test]
async fn malformed_keys_are_rejected_before_any_request() {
    let h = Setup::new().start().await;
    for (tool, args) in [
        ("jira_get_issue", json!({"issue_key": "not a key"})),
        ("jira_get_issue", json!({"issue_key": "PROJ-1/../../admin"})),
        ("jira_update_issue", json!({"issue_key": "PROJ", "summary": "x"})),
        (
            "jira_transition_issue",
            json!({"issue_key": "-1", "transition": "Done"}),
        ),
        (
            "jira_create_issue",
            json!({"project": "PROJ", "issue_type": "Task", "summary": "  "}),
        ),
        (
            "jira_create_issue",
            json!({"project": "P R", "issue_type": "Task", "summary": "x"}),
        ),
        (
            "jira_create_issue",
            json!({"project": "PROJ", "issue_type": "Task", "summary": "x", "labels": ["two words"]}),
        ),
        (
            "jira_create_issue",
            json!({"project": "PROJ", "issue_type": "Task", "summary": "x", "due_date": "tomorrow"}),
        ),
        ("jira_update_issue", json!({"issue_key": "PROJ-1"})),
    ] {
        let r = h.call(tool, args.clone()).await;
        let text = err_text(&r);
        assert!(text.starts_with("Invalid input"), "{tool} {args}: {text}");
    }
    assert!(h.requests().await.is_empty(), "no HTTP request for invalid input");
}

#[tokio::test]
async fn create_issue_sends_adf_and_resolves_names() {
    let h = Setup::new().start().await;
    h.ok("GET", "/rest/api/3/field", fixture("jira/fields.json")).await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/myself"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/myself.json")))
        .expect(1)
        .mount(&h.jira)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "10077", "key": "PROJ-77", "self": "x"})))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_create_issue",
            json!({
                "project": "proj", "issue_type": "Bug", "summary": "Login loops",
                "description": "## Steps\n\n1. sign in\n2. wait\n\n```rust\nfn main() {}\n```",
                "assignee": "me", "labels": ["sso"], "priority": "High", "parent": "PROJ-100",
                "components": ["Auth service"], "due_date": "2026-12-31",
                "fields": {"Story Points": "3", "Severity": "Sev 2", "Acceptance Criteria": "- works\n- **fast**"}
            }),
        )
        .await;
    crate::support::snapshot("cloud_jira_create_issue", &r);
    let text = ok_text(&r);
    assert!(text.starts_with("Created PROJ-77 (Bug in PROJ)"), "{text}");
    let body = h.last_body("POST", "/rest/api/3/issue").await;
    let f = &body["fields"];
    assert_eq!(f["project"], json!({"key": "PROJ"}));
    assert_eq!(f["issuetype"], json!({"name": "Bug"}));
    assert_eq!(
        f["assignee"]["accountId"],
        "557058:0b1c2d3e-1111-4a4a-9b9b-000000000001"
    );
    assert_eq!(f["priority"], json!({"name": "High"}));
    assert_eq!(f["parent"], json!({"key": "PROJ-100"}));
    assert_eq!(f["components"], json!([{"name": "Auth service"}]));
    assert_eq!(f["duedate"], "2026-12-31");
    assert_eq!(f["customfield_10016"], json!(3.0));
    assert_eq!(f["customfield_10041"], json!({"value": "Sev 2"}));
    assert_eq!(f["description"]["type"], "doc");
    assert_eq!(f["description"]["content"][0]["type"], "heading");
    assert_eq!(f["description"]["content"][2]["attrs"]["language"], "rust");
    assert_eq!(f["customfield_10040"]["content"][0]["type"], "bulletList");
    crate::adf::assert_valid_adf(&f["description"]);
    crate::adf::assert_valid_adf(&f["customfield_10040"]);
}

#[tokio::test]
async fn create_with_a_bad_issue_type_lists_the_valid_ones() {
    let h = Setup::new().start().await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"errorMessages": [], "errors": {"issuetype": "Specify a valid issue type"}})),
        )
        .mount(&h.jira)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/createmeta/PROJ/issuetypes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"issueTypes": [{"id": "1", "name": "Task"}, {"id": "2", "name": "Bug"}], "total": 2}),
        ))
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_create_issue",
            json!({"project": "PROJ", "issue_type": "Defect", "summary": "x"}),
        )
        .await;
    let text = err_text(&r);
    assert!(text.contains("issuetype: Specify a valid issue type"), "{text}");
    assert!(text.contains("Issue types in PROJ: Task, Bug"), "{text}");
}

#[tokio::test]
async fn update_changes_only_the_given_fields() {
    let h = Setup::new().start().await;
    Mock::given(method("PUT"))
        .and(path("/rest/api/3/issue/PROJ-5"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_update_issue",
            json!({"issue_key": "PROJ-5", "summary": "New title", "assignee": "", "due_date": ""}),
        )
        .await;
    crate::support::snapshot("cloud_jira_update_issue", &r);
    let text = ok_text(&r);
    assert!(text.starts_with("Updated PROJ-5"), "{text}");
    let body = h.last_body("PUT", "/rest/api/3/issue/PROJ-5").await;
    assert_eq!(
        body,
        json!({"fields": {"summary": "New title", "assignee": null, "duedate": null}})
    );
}

#[tokio::test]
async fn assignee_by_name_is_never_guessed() {
    let h = Setup::new().start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/user/search"))
        .and(query_param("query", "a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/users-search.json")))
        .mount(&h.jira)
        .await;
    Mock::given(method("PUT"))
        .and(path("/rest/api/3/issue/PROJ-5"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&h.jira)
        .await;
    let r = h
        .call("jira_update_issue", json!({"issue_key": "PROJ-5", "assignee": "a"}))
        .await;
    let text = err_text(&r);
    assert!(
        text.contains("matches several users") && text.contains("Ada Lovelace") && text.contains("Grace Hopper"),
        "{text}"
    );
}

#[tokio::test]
async fn transitions_by_name_or_status_and_unknown_lists_available() {
    let h = Setup::new().start().await;
    h.ok(
        "GET",
        "/rest/api/3/issue/PROJ-9/transitions",
        fixture("jira/transitions.json"),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/PROJ-9/transitions"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&h.jira)
        .await;

    // By target status.
    let r = h
        .call(
            "jira_transition_issue",
            json!({"issue_key": "PROJ-9", "transition": "in progress"}),
        )
        .await;
    assert!(ok_text(&r).contains("status is now In Progress"));
    assert_eq!(
        h.last_body("POST", "/rest/api/3/issue/PROJ-9/transitions").await["transition"]["id"],
        "21"
    );

    // By transition name, with a comment.
    let r = h
        .call(
            "jira_transition_issue",
            json!({"issue_key": "PROJ-9", "transition": "Reject", "comment": "Not a *bug*."}),
        )
        .await;
    crate::support::snapshot("cloud_jira_transition_issue", &r);
    let body = h.last_body("POST", "/rest/api/3/issue/PROJ-9/transitions").await;
    assert_eq!(body["transition"]["id"], "41");
    let adf = &body["update"]["comment"][0]["add"]["body"];
    crate::adf::assert_valid_adf(adf);

    // "Done" is both a transition name and the target of two transitions: the name wins.
    let r = h
        .call(
            "jira_transition_issue",
            json!({"issue_key": "PROJ-9", "transition": "Done"}),
        )
        .await;
    ok_text(&r);
    assert_eq!(
        h.last_body("POST", "/rest/api/3/issue/PROJ-9/transitions").await["transition"]["id"],
        "31"
    );

    // Unknown: the available transitions are listed, nothing is posted.
    let posts_before = h.requests().await.iter().filter(|(m, _)| m == "POST").count();
    let r = h
        .call(
            "jira_transition_issue",
            json!({"issue_key": "PROJ-9", "transition": "Closed"}),
        )
        .await;
    let text = err_text(&r);
    assert!(
        text.contains("`Start Progress` → In Progress") && text.contains("`Reject` → Done"),
        "{text}"
    );
    let posts_after = h.requests().await.iter().filter(|(m, _)| m == "POST").count();
    assert_eq!(posts_before, posts_after);
}

#[tokio::test]
async fn ambiguous_target_status_is_reported() {
    let h = Setup::new().start().await;
    let transitions = json!({"transitions": [
        {"id": "31", "name": "Resolve", "to": {"name": "Done"}},
        {"id": "41", "name": "Reject", "to": {"name": "Done"}}
    ]});
    h.ok("GET", "/rest/api/3/issue/PROJ-9/transitions", transitions).await;
    let r = h
        .call(
            "jira_transition_issue",
            json!({"issue_key": "PROJ-9", "transition": "done"}),
        )
        .await;
    let text = err_text(&r);
    assert!(
        text.contains("matches several transitions") && text.contains("`Resolve` → Done"),
        "{text}"
    );
}
