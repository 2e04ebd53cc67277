//! Comments: newest first, paged, Markdown both ways.

use serde_json::json;
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path},
};

use crate::support::{Setup, fixture, ok_text};

#[tokio::test]
async fn get_comments_pages_newest_first_in_markdown() {
    let h = Setup::new().start().await;
    h.ok(
        "GET",
        "/rest/api/3/issue/PROJ-123/comment",
        fixture("jira/comments-page1.json"),
    )
    .await;
    let r = h
        .call("jira_get_comments", json!({"issue_key": "PROJ-123", "max_results": 2}))
        .await;
    crate::support::snapshot("cloud_jira_get_comments", &r);
    let text = ok_text(&r);
    assert!(text.starts_with("PROJ-123: comments 1–2 of 5, newest first"), "{text}");
    assert!(
        text.contains("- Grace Hopper, 2026-11-21 10:02, #10105: Review done"),
        "{text}"
    );
    assert!(text.contains("start_at 2"), "{text}");
    let q = h.last_query("/rest/api/3/issue/PROJ-123/comment").await;
    assert_eq!(q["orderBy"], "-created");
    assert_eq!(q["maxResults"], "2");
    assert_eq!(r.structured_content.unwrap()["next_start_at"], 2);
}

#[tokio::test]
async fn add_comment_sends_valid_adf() {
    let h = Setup::new().start().await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/PROJ-123/comment"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"id": "10200", "created": "2026-11-23T10:00:00.000+0000"})),
        )
        .expect(1)
        .mount(&h.jira)
        .await;
    let md = "Thanks! Fixed in `main`:\n\n- [x] tests\n- [ ] docs\n\n| a | b |\n|---|---|\n| 1 | 2 |";
    let r = h
        .call("jira_add_comment", json!({"issue_key": "PROJ-123", "body": md}))
        .await;
    crate::support::snapshot("cloud_jira_add_comment", &r);
    assert_eq!(ok_text(&r), "Added comment #10200 to PROJ-123.");
    let body = h.last_body("POST", "/rest/api/3/issue/PROJ-123/comment").await;
    crate::adf::assert_valid_adf(&body["body"]);
    assert_eq!(body["body"]["content"][2]["type"], "table");
}
