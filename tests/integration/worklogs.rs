//! Worklogs: paged reads, time in Jira notation checked before any request, both flavors.

use serde_json::{Value, json};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path, query_param},
};

use crate::support::{Setup, err_text, ok_text};

fn worklog(id: u32, comment: Value) -> Value {
    json!({
        "id": id.to_string(),
        "author": {"accountId": "a1", "displayName": "Ada Lovelace"},
        "started": "2026-12-01T10:00:00.000+0000",
        "timeSpent": "3h 30m",
        "timeSpentSeconds": 12600,
        "comment": comment
    })
}

fn adf(text: &str) -> Value {
    json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]})
}

#[tokio::test]
async fn get_worklogs_pages_to_the_end() {
    let h = Setup::new().start().await;
    let wl = "/rest/api/3/issue/PROJ-7/worklog";
    Mock::given(method("GET"))
        .and(path(wl))
        .and(query_param("startAt", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "startAt": 0, "maxResults": 2, "total": 3,
            "worklogs": [worklog(100, json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
                {"type": "text", "text": "Reviewed "},
                {"type": "text", "text": "the", "marks": [{"type": "strong"}]},
                {"type": "text", "text": " spec"}
            ]}]})), worklog(101, Value::Null)]
        })))
        .mount(&h.jira)
        .await;
    Mock::given(method("GET"))
        .and(path(wl))
        .and(query_param("startAt", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "startAt": 2, "maxResults": 2, "total": 3, "worklogs": [worklog(102, adf("Done"))]
        })))
        .mount(&h.jira)
        .await;
    let r = h
        .call("jira_get_worklogs", json!({"issue_key": "proj-7", "max_results": 2}))
        .await;
    let text = ok_text(&r);
    assert!(text.starts_with("PROJ-7: worklogs 1–2 of 3:"), "{text}");
    assert!(
        text.contains("- #100 Ada Lovelace, 2026-12-01 10:00, 3h 30m: Reviewed **the** spec"),
        "{text}"
    );
    assert!(
        text.contains("- #101 Ada Lovelace, 2026-12-01 10:00, 3h 30m\n"),
        "{text}"
    );
    assert!(
        text.ends_with("More: call jira_get_worklogs with start_at 2."),
        "{text}"
    );
    let s = r.structured_content.unwrap();
    assert_eq!(s["next_start_at"], 2);
    assert_eq!(s["worklogs"][0]["comment"], "Reviewed **the** spec");
    assert_eq!(s["worklogs"][0]["time_spent_seconds"], 12600);
    assert_eq!(h.last_query(wl).await["maxResults"], "2");

    let r = h
        .call(
            "jira_get_worklogs",
            json!({"issue_key": "PROJ-7", "max_results": 2, "start_at": 2}),
        )
        .await;
    let text = ok_text(&r);
    assert!(text.starts_with("PROJ-7: worklogs 3–3 of 3:"), "{text}");
    assert!(!text.contains("More:"), "{text}");
    assert!(r.structured_content.unwrap().get("next_start_at").is_none());
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn add_worklog_sends_jira_time_and_adf() {
    let h = Setup::new().start().await;
    let wl = "/rest/api/3/issue/PROJ-7/worklog";
    Mock::given(method("POST"))
        .and(path(wl))
        .respond_with(ResponseTemplate::new(201).set_body_json(worklog(200, adf("Pairing"))))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_add_worklog",
            json!({
                "issue_key": "PROJ-7", "time_spent": "3h 30m", "started": "2026-12-01T10:00",
                "comment": "Pairing with **Grace**", "adjust_estimate": "new", "new_estimate": "2d"
            }),
        )
        .await;
    assert_eq!(
        ok_text(&r),
        "Logged 3h 30m on PROJ-7 (worklog #200, started 2026-12-01 10:00)."
    );
    let body = h.last_body("POST", wl).await;
    assert_eq!(body["timeSpent"], "3h 30m");
    assert_eq!(body["started"], "2026-12-01T10:00:00.000+0000");
    crate::adf::assert_valid_adf(&body["comment"]);
    let q = h.last_query(wl).await;
    assert_eq!(q["adjustEstimate"], "new");
    assert_eq!(q["newEstimate"], "2d");
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn update_and_delete_worklog() {
    let h = Setup::new().start().await;
    let one = "/rest/api/3/issue/PROJ-7/worklog/200";
    Mock::given(method("PUT"))
        .and(path(one))
        .respond_with(ResponseTemplate::new(200).set_body_json(worklog(200, adf("Longer"))))
        .expect(1)
        .mount(&h.jira)
        .await;
    Mock::given(method("DELETE"))
        .and(path(one))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_update_worklog",
            json!({"issue_key": "PROJ-7", "worklog_id": "200", "time_spent": "1h", "adjust_estimate": "leave"}),
        )
        .await;
    assert_eq!(
        ok_text(&r),
        "Updated worklog #200 on PROJ-7: 3h 30m, started 2026-12-01 10:00."
    );
    assert_eq!(h.last_body("PUT", one).await, json!({"timeSpent": "1h"}));
    assert_eq!(h.last_query(one).await["adjustEstimate"], "leave");

    let r = h
        .call(
            "jira_delete_worklog",
            json!({"issue_key": "PROJ-7", "worklog_id": "200"}),
        )
        .await;
    assert_eq!(ok_text(&r), "Deleted worklog #200 from PROJ-7.");
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn bad_input_is_rejected_without_any_request() {
    let h = Setup::new().start().await;
    let cases = [
        (
            "jira_add_worklog",
            json!({"issue_key": "PROJ-7", "time_spent": "3x"}),
            "unknown unit `x`",
        ),
        (
            "jira_add_worklog",
            json!({"issue_key": "PROJ-7", "time_spent": "1h", "started": "yesterday"}),
            "started `yesterday` is not a time",
        ),
        (
            "jira_add_worklog",
            json!({"issue_key": "PROJ-7", "time_spent": "1h", "adjust_estimate": "new"}),
            "needs new_estimate",
        ),
        (
            "jira_update_worklog",
            json!({"issue_key": "PROJ-7", "worklog_id": "200"}),
            "nothing to change",
        ),
        (
            "jira_delete_worklog",
            json!({"issue_key": "PROJ-7", "worklog_id": "../1"}),
            "is not an id",
        ),
    ];
    for (tool, args, expected) in cases {
        let text = err_text(&h.call(tool, args).await);
        assert!(text.starts_with("Invalid input:"), "{text}");
        assert!(text.contains(expected), "{tool}: {text}");
    }
    assert!(h.requests().await.is_empty(), "bad input must cost no request");
}

#[tokio::test]
async fn a_missing_worklog_is_explained() {
    let h = Setup::new().start().await;
    Mock::given(method("DELETE"))
        .and(path("/rest/api/3/issue/PROJ-7/worklog/999"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"errorMessages": ["Cannot find worklog with id: 999"]})),
        )
        .mount(&h.jira)
        .await;
    let text = err_text(
        &h.call(
            "jira_delete_worklog",
            json!({"issue_key": "PROJ-7", "worklog_id": "999"}),
        )
        .await,
    );
    assert!(
        text.starts_with("Worklog 999 of PROJ-7 does not exist or you cannot see it (404)"),
        "{text}"
    );
    assert!(text.contains("Cannot find worklog with id: 999"), "{text}");
}

#[tokio::test]
async fn data_center_pages_locally_and_writes_wiki() {
    let h = Setup::new().env("JIRA_MCP_FLAVOR", "datacenter").start().await;
    let wl = "/rest/api/2/issue/OPS-3/worklog";
    // Data Center answers every worklog at once.
    let all: Vec<Value> = (0..5).map(|i| worklog(300 + i, json!("Fixed *it*"))).collect();
    Mock::given(method("GET"))
        .and(path(wl))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"startAt": 0, "maxResults": 5, "total": 5, "worklogs": all})),
        )
        .mount(&h.jira)
        .await;
    Mock::given(method("POST"))
        .and(path(wl))
        .respond_with(ResponseTemplate::new(201).set_body_json(worklog(310, json!("x"))))
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_get_worklogs",
            json!({"issue_key": "OPS-3", "max_results": 2, "start_at": 2}),
        )
        .await;
    let text = ok_text(&r);
    assert!(text.starts_with("OPS-3: worklogs 3–4 of 5:"), "{text}");
    assert!(
        text.contains("- #302 Ada Lovelace, 2026-12-01 10:00, 3h 30m: Fixed **it**"),
        "{text}"
    );
    assert!(text.contains("- #303 "), "{text}");
    assert!(text.ends_with("start_at 4."), "{text}");
    let q = h.last_query(wl).await;
    assert!(!q.contains_key("startAt"), "DC takes no paging parameters: {q:?}");

    let r = h
        .call(
            "jira_add_worklog",
            json!({"issue_key": "OPS-3", "time_spent": "1w 2d", "started": "2026-12-01T10:00:00+01:00", "comment": "Fixed **it**"}),
        )
        .await;
    ok_text(&r);
    let body = h.last_body("POST", wl).await;
    assert_eq!(body["comment"], "Fixed *it*");
    assert_eq!(body["started"], "2026-12-01T10:00:00.000+0100");
    assert_eq!(body["timeSpent"], "1w 2d");
    h.assert_declared_operations_only();
}

/// Contract (Prism, the Cloud platform v3 document) for both new toolsets: every request the
/// worklog and attachment tools send is one the spec allows; writes against the static mock,
/// reads against generated answers (two seeds), which every read tool must turn into a result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worklog_and_attachment_requests_are_accepted_by_atlassians_spec() {
    use crate::contract::{call_checked, harness_of, prism_or_skip, start_prisms};
    let Some(bin) = prism_or_skip() else {
        return;
    };
    let (static_prism, dynamic) = start_prisms(&bin, "jira-platform-v3.json");
    let h = harness_of(&static_prism, "cloud").await;
    let writes = [
        (
            "jira_add_worklog",
            json!({"issue_key": "PROJ-1", "time_spent": "3h 30m", "started": "2026-12-01T10:00",
                   "comment": "Paired on **the** fix.", "adjust_estimate": "new", "new_estimate": "2d"}),
        ),
        (
            "jira_update_worklog",
            json!({"issue_key": "PROJ-1", "worklog_id": "100", "time_spent": "1h", "comment": "Less.", "adjust_estimate": "leave"}),
        ),
        (
            "jira_delete_worklog",
            json!({"issue_key": "PROJ-1", "worklog_id": "100", "adjust_estimate": "auto"}),
        ),
    ];
    for (tool, args) in writes {
        call_checked(&h, &static_prism, tool, args, true).await;
    }
    // Uploads are not checked here: Prism cannot validate a multipart body against this
    // operation's schema (`array` of `MultipartFile`): it reads the form as an object and
    // answers 422 "Request body must be array" to any multipart request. The upload's request
    // is checked by the wiremock tests instead (field, file name, type, bytes, no-check header).
    let dir = tempfile::tempdir().unwrap();
    // The spec's example metadata is a small file, so the bytes are fetched here.
    let save_to = dir.path().join("static.bin").display().to_string();
    call_checked(
        &h,
        &static_prism,
        "jira_download_attachment",
        json!({"attachment_id": "10001", "save_to": save_to}),
        true,
    )
    .await;
    assert!(
        static_prism.log_text().contains("/rest/api/3/attachment/content/10001"),
        "the content request went unchecked"
    );
    for (i, prism) in dynamic.iter().enumerate() {
        let h = harness_of(prism, "cloud").await;
        let reads = [
            (
                "jira_get_worklogs",
                json!({"issue_key": "PROJ-1", "max_results": 5, "start_at": 5}),
                true,
            ),
            ("jira_get_worklogs", json!({"issue_key": "PROJ-1"}), true),
            ("jira_get_attachments", json!({"issue_key": "PROJ-1"}), true),
            // The generated metadata has a random type and size: the result may be an
            // explained refusal, but every request must be valid.
            ("jira_download_attachment", json!({"attachment_id": "10001"}), false),
            (
                "jira_download_attachment",
                json!({"attachment_id": "10001", "save_to": dir.path().join(format!("a{i}.bin")).display().to_string()}),
                false,
            ),
        ];
        for (tool, args, ok) in reads {
            call_checked(&h, prism, tool, args, ok).await;
        }
        h.assert_declared_operations_only();
    }
}
