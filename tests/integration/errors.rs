//! Every failure class becomes an `isError` result that says what happened and what to do,
//! and the server keeps serving afterwards.

use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path},
};

use crate::support::{Setup, err_text, fixture, ok_text};

async fn get_issue_error(status: u16, body: serde_json::Value) -> String {
    let h = Setup::new().start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/ABC-9"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&h.jira)
        .await;
    let r = h
        .call("jira_get_issue", json!({"issue_key": "ABC-9", "comments": 0}))
        .await;
    err_text(&r)
}

#[tokio::test]
async fn scope_mismatch_names_the_scope_and_the_fix() {
    let text = get_issue_error(
        401,
        json!({"code": 401, "message": "Unauthorized; scope does not match"}),
    )
    .await;
    assert!(
        text.contains("lacks an OAuth scope that jira_get_issue needs"),
        "{text}"
    );
    assert!(text.contains("`read:jira-work`"), "{text}");
    assert!(text.contains("developer console"), "{text}");
}

#[tokio::test]
async fn expired_token_is_not_confused_with_a_scope_problem() {
    let text = get_issue_error(401, json!({"code": 401, "message": "Unauthorized"})).await;
    assert!(text.contains("rejected the credentials (401)"), "{text}");
    assert!(text.contains("JIRA_MCP_ACCESS_TOKEN is expired or invalid"), "{text}");
    assert!(!text.contains("scope"), "{text}");
}

#[tokio::test]
async fn api_token_401_points_at_the_api_token() {
    let jira = wiremock::MockServer::start().await;
    let h = Setup::new()
        .without("JIRA_MCP_ACCESS_TOKEN")
        .env("JIRA_MCP_EMAIL", "ada@example.com")
        .env("JIRA_MCP_API_TOKEN", "api-token-secret")
        .env("JIRA_MCP_SITE", &jira.uri())
        // The mock's loopback address would make it a Data Center site.
        .env("JIRA_MCP_FLAVOR", "cloud")
        .start_with(jira)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/myself"))
        .and(wiremock::matchers::header(
            "authorization",
            "Basic YWRhQGV4YW1wbGUuY29tOmFwaS10b2tlbi1zZWNyZXQ=",
        ))
        .respond_with(ResponseTemplate::new(401).set_body_string(""))
        .expect(1)
        .mount(&h.jira)
        .await;
    let text = err_text(&h.call("jira_get_myself", json!({})).await);
    assert!(text.contains("JIRA_MCP_API_TOKEN"), "{text}");
    assert!(!text.contains("api-token-secret"));
}

#[tokio::test]
async fn forbidden_says_permission() {
    let text = get_issue_error(
        403,
        json!({"errorMessages": ["You do not have permission to view this issue."], "errors": {}}),
    )
    .await;
    assert!(
        text.contains("Permission denied (403)") && text.contains("You do not have permission"),
        "{text}"
    );
}

#[tokio::test]
async fn not_found_says_missing_or_invisible() {
    let text = get_issue_error(
        404,
        json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}),
    )
    .await;
    assert!(
        text.starts_with("Issue ABC-9 does not exist or you cannot see it"),
        "{text}"
    );
    assert!(text.contains("Browse Projects"), "{text}");
}

#[tokio::test]
async fn bad_request_joins_jira_messages() {
    let h = Setup::new().start().await;
    Mock::given(method("PUT"))
        .and(path("/rest/api/3/issue/ABC-9"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "errorMessages": ["Field edits failed."],
            "errors": {"priority": "Priority name 'Urgent' is not valid", "summary": "Summary is required"}
        })))
        .mount(&h.jira)
        .await;
    let text = err_text(
        &h.call("jira_update_issue", json!({"issue_key": "ABC-9", "priority": "Urgent"}))
            .await,
    );
    assert!(text.contains("Jira rejected the request (400)"), "{text}");
    assert!(text.contains("Field edits failed"), "{text}");
    assert!(text.contains("priority: Priority name 'Urgent' is not valid"), "{text}");
    assert!(text.contains("summary: Summary is required"), "{text}");
}

#[tokio::test]
async fn gone_is_explained() {
    let text = get_issue_error(
        410,
        json!({"errorMessages": ["The requested API has been removed."], "errors": {}}),
    )
    .await;
    assert!(text.contains("removed (410)"), "{text}");
}

#[tokio::test]
async fn rate_limit_is_retried_with_retry_after_then_succeeds() {
    let h = Setup::new().start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/myself"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&h.jira)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/myself"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/myself.json")))
        .expect(1)
        .mount(&h.jira)
        .await;
    let text = ok_text(&h.call("jira_get_myself", json!({})).await);
    assert!(text.contains("Ada Lovelace"), "{text}");
}

#[tokio::test]
async fn rate_limit_gives_up_after_bounded_retries() {
    let h = Setup::new().env("JIRA_MCP_MAX_RETRIES", "2").start().await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/ABC-9/comment"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .expect(3)
        .mount(&h.jira)
        .await;
    let text = err_text(
        &h.call("jira_add_comment", json!({"issue_key": "ABC-9", "body": "hi"}))
            .await,
    );
    assert!(
        text.contains("rate-limiting") && text.contains("after 2 retries"),
        "{text}"
    );
}

#[tokio::test]
async fn server_errors_are_retried_for_reads_only() {
    let h = Setup::new().start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/myself"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&h.jira)
        .await;
    h.ok("GET", "/rest/api/3/myself", fixture("jira/myself.json")).await;
    ok_text(&h.call("jira_get_myself", json!({})).await);

    // A POST that may have been applied is never sent twice.
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/ABC-9/comment"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&h.jira)
        .await;
    let text = err_text(
        &h.call("jira_add_comment", json!({"issue_key": "ABC-9", "body": "hi"}))
            .await,
    );
    assert!(text.contains("server error (502)"), "{text}");
}

#[tokio::test]
async fn unreachable_jira_is_explained_and_the_server_keeps_serving() {
    // A port nothing listens on: refused, said so, and not retried as if it were transient.
    let dead = format!("http://127.0.0.1:{}", crate::support::free_port());
    let h = Setup::new().env("JIRA_MCP_API_BASE", &dead).start().await;
    let t = Instant::now();
    let text = err_text(&h.call("jira_get_myself", json!({})).await);
    assert!(text.contains("Could not reach Jira at 127.0.0.1"), "{text}");
    assert!(text.contains("the connection was refused"), "{text}");
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    // Still serving: listing tools works.
    assert!(!h.client.list_all_tools().await.unwrap().is_empty());

    // A host name that does not exist (`.invalid` never resolves).
    let h = Setup::new()
        .env("JIRA_MCP_API_BASE", "http://jira.invalid")
        .start()
        .await;
    let text = err_text(&h.call("jira_get_myself", json!({})).await);
    assert!(text.contains("the host name was not found (DNS)"), "{text}");
}

/// A `Retry-After` longer than one call waits is answered at once with the time to wait, in
/// either of its forms; shorter ones are waited for.
#[tokio::test]
async fn long_retry_after_is_answered_at_once_with_the_wait() {
    let h = Setup::new().start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/myself"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
        .expect(1)
        .mount(&h.jira)
        .await;
    let t = Instant::now();
    let text = err_text(&h.call("jira_get_myself", json!({})).await);
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert!(text.contains("asks to wait 2 minutes"), "{text}");

    let h = Setup::new().start().await;
    let at = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(95));
    Mock::given(method("GET"))
        .and(path("/rest/api/3/myself"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", at.as_str()))
        .expect(1)
        .mount(&h.jira)
        .await;
    let text = err_text(&h.call("jira_get_myself", json!({})).await);
    assert!(
        text.contains("asks to wait 9") && text.contains(" seconds before trying again"),
        "{text}"
    );
}

/// A Jira that accepts the connection and never answers costs one timeout, not one per retry.
#[tokio::test]
async fn a_silent_jira_costs_one_timeout() {
    let h = Setup::new().env("JIRA_MCP_TIMEOUT_SECS", "1").start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/myself"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
        .mount(&h.jira)
        .await;
    let t = Instant::now();
    let text = err_text(&h.call("jira_get_myself", json!({})).await);
    let elapsed = t.elapsed();
    assert!(text.contains("did not answer in time"), "{text}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(h.requests().await.len(), 1);
}

/// However slowly Jira answers, a tool call ends within its budget, and says what it means.
#[tokio::test]
async fn a_tool_call_ends_within_its_budget() {
    let h = Setup::new()
        .env("JIRA_MCP_CALL_TIMEOUT_SECS", "1")
        .env("JIRA_MCP_TIMEOUT_SECS", "20")
        .start()
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/ABC-9/comment"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(10)))
        .mount(&h.jira)
        .await;
    let t = Instant::now();
    let text = err_text(
        &h.call("jira_add_comment", json!({"issue_key": "ABC-9", "body": "hi"}))
            .await,
    );
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert!(text.contains("did not finish within 1 seconds"), "{text}");
    assert!(text.contains("may be partly applied"), "{text}");
    // The server goes on serving.
    assert!(!h.client.list_all_tools().await.unwrap().is_empty());
}

/// A huge error answer is read only in part, and its text is bounded in the result.
#[tokio::test]
async fn huge_error_answers_stay_small() {
    let many: Vec<String> = (0..5_000).map(|i| format!("problem {i} {}", "x".repeat(400))).collect();
    let text = get_issue_error(400, json!({"errorMessages": many})).await;
    assert!(text.len() < 8_000, "{} bytes", text.len());
    let text = get_issue_error(400, json!({"errorMessages": ["y".repeat(2_000_000)]})).await;
    assert!(text.len() < 2_000, "{} bytes", text.len());
}

#[tokio::test]
async fn no_credentials_is_explained_per_call() {
    let h = Setup::new().without("JIRA_MCP_ACCESS_TOKEN").start().await;
    let text = err_text(&h.call("jira_get_myself", json!({})).await);
    assert!(
        text.contains("ATLASSIAN_CLIENT_ID") && text.contains("JIRA_MCP_ACCESS_TOKEN"),
        "{text}"
    );
    assert!(h.requests().await.is_empty());
}

#[tokio::test]
async fn missing_arguments_are_tool_errors_not_protocol_errors() {
    let h = Setup::new().start().await;
    let r = h.call("jira_get_issue", json!({})).await;
    let text = err_text(&r);
    assert!(text.contains("issue_key"), "{text}");
}
