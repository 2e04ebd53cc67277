//! Toolset `agile` (Jira Software, `/rest/agile/1.0`): boards, sprints, epics, backlog, rank;
//! wiremock per tool, Data Center, and Prism on Atlassian's Jira Software document.

use serde_json::{Value, json};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{body_json, method, path, query_param},
};

use crate::support::{Harness, Setup, err_text, ok_text};

const A: &str = "/rest/agile/1.0";

fn issue(key: &str, summary: &str, status: &str) -> Value {
    json!({"id": "1", "key": key, "fields": {
        "summary": summary, "status": {"name": status}, "issuetype": {"name": "Story"},
        "assignee": {"displayName": "Ada Lovelace"}, "updated": "2026-11-20T10:00:00.000+0000"
    }})
}

/// Mounts `GET path` answering the page at `startAt`.
async fn page(h: &Harness, p: &str, start: u64, body: Value) {
    Mock::given(method("GET"))
        .and(path(p))
        .and(query_param("startAt", start.to_string()))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&h.jira)
        .await;
}

#[tokio::test]
async fn boards_are_listed_filtered_and_paged_to_the_end() {
    let h = Setup::new().start().await;
    let board = |id: u64, name: &str, kind: &str| json!({"id": id, "name": name, "type": kind, "location": {"projectKey": "PROJ", "displayName": "Project"}});
    let p = format!("{A}/board");
    page(
        &h,
        &p,
        0,
        json!({"startAt": 0, "maxResults": 2, "total": 3, "isLast": false,
               "values": [board(1, "Team board", "scrum"), board(2, "Ops flow", "kanban")]}),
    )
    .await;
    page(
        &h,
        &p,
        2,
        json!({"startAt": 2, "maxResults": 2, "total": 3, "isLast": true, "values": [board(3, "Old", "scrum")]}),
    )
    .await;
    let r = h
        .call(
            "jira_list_boards",
            json!({"project": "proj", "name": "team", "type": "scrum", "max_results": 2}),
        )
        .await;
    let text = ok_text(&r);
    assert_eq!(
        text,
        "board 1 Team board (scrum, project PROJ)\nboard 2 Ops flow (kanban, project PROJ)\n\n2 boards shown of 3. More: call jira_list_boards with the same arguments and start_at 2."
    );
    let q = h.last_query(&p).await;
    assert_eq!(
        (q["projectKeyOrId"].as_str(), q["name"].as_str(), q["type"].as_str()),
        ("PROJ", "team", "scrum")
    );
    assert_eq!(r.structured_content.unwrap()["next_start_at"], 2);
    let r = h
        .call("jira_list_boards", json!({"start_at": 2, "max_results": 2}))
        .await;
    assert_eq!(ok_text(&r), "board 3 Old (scrum, project PROJ)");
    let data = r.structured_content.unwrap();
    assert!(data.get("next_start_at").is_none(), "{data}");
    assert_eq!(data["boards"][0]["id"], 3);
    assert_eq!(h.assert_declared_operations_only(), 2);
}

#[tokio::test]
async fn board_issues_come_from_exactly_one_source() {
    let h = Setup::new().start().await;
    // A sprint, with a JQL filter.
    h.ok(
        "GET",
        &format!("{A}/sprint/37/issue"),
        json!({"startAt": 0, "maxResults": 20, "total": 1, "issues": [issue("PROJ-1", "Login page", "In Progress")]}),
    )
    .await;
    let r = h
        .call(
            "jira_get_board_issues",
            json!({"sprint_id": 37, "jql": "assignee = currentUser()"}),
        )
        .await;
    assert_eq!(
        ok_text(&r),
        "Issues in sprint 37:\nPROJ-1 [In Progress] Login page (Story, Ada Lovelace, updated 2026-11-20 10:00)"
    );
    let q = h.last_query(&format!("{A}/sprint/37/issue")).await;
    assert_eq!(q["jql"], "assignee = currentUser()");
    assert!(q["fields"].starts_with("summary,status"), "{q:?}");
    assert_eq!(r.structured_content.unwrap()["issues"][0]["key"], "PROJ-1");

    // A board's backlog, and an epic (the key normalized).
    h.ok(
        "GET",
        &format!("{A}/board/5/backlog"),
        json!({"startAt": 0, "total": 0, "issues": []}),
    )
    .await;
    let r = h
        .call("jira_get_board_issues", json!({"board_id": 5, "backlog": true}))
        .await;
    assert_eq!(ok_text(&r), "No issues in the backlog of board 5.");
    h.ok(
        "GET",
        &format!("{A}/epic/PROJ-7/issue"),
        json!({"startAt": 0, "total": 1, "issues": [issue("PROJ-8", "Child", "Done")]}),
    )
    .await;
    let r = h.call("jira_get_board_issues", json!({"epic_key": "proj-7"})).await;
    assert!(ok_text(&r).starts_with("Issues in epic PROJ-7:\nPROJ-8 [Done] Child"));

    // Paged to the end on a board.
    let p = format!("{A}/board/5/issue");
    page(
        &h,
        &p,
        0,
        json!({"startAt": 0, "maxResults": 2, "total": 3, "issues": [issue("PROJ-1", "One", "To Do"), issue("PROJ-2", "Two", "To Do")]}),
    )
    .await;
    page(
        &h,
        &p,
        2,
        json!({"startAt": 2, "maxResults": 2, "total": 3, "issues": [issue("PROJ-3", "Three", "Done")]}),
    )
    .await;
    let r = h
        .call("jira_get_board_issues", json!({"board_id": 5, "max_results": 2}))
        .await;
    let text = ok_text(&r);
    assert!(
        text.ends_with("2 issues shown of 3. More: call jira_get_board_issues with the same arguments and start_at 2."),
        "{text}"
    );
    assert_eq!(r.structured_content.unwrap()["next_start_at"], 2);
    let r = h
        .call(
            "jira_get_board_issues",
            json!({"board_id": 5, "max_results": 2, "start_at": 2}),
        )
        .await;
    let text = ok_text(&r);
    assert!(
        text.contains("PROJ-3 [Done] Three") && !text.contains("More:"),
        "{text}"
    );
    assert!(r.structured_content.unwrap().get("next_start_at").is_none());
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn a_missing_board_is_explained() {
    let h = Setup::new().start().await;
    Mock::given(path(format!("{A}/board/999/sprint")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "errorMessages": ["Board does not exist or you do not have permission to see it."], "errors": {}
        })))
        .mount(&h.jira)
        .await;
    let text = err_text(&h.call("jira_list_sprints", json!({"board_id": 999})).await);
    assert!(
        text.starts_with("Board 999 does not exist or you cannot see it (404)")
            && text.contains("Jira says: Board does not exist or you do not have permission to see it"),
        "{text}"
    );
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn invalid_input_is_rejected_before_any_request() {
    let h = Setup::new().start().await;
    let too_many: Vec<String> = (1..=51).map(|n| format!("PROJ-{n}")).collect();
    let cases = [
        ("jira_get_board_issues", json!({})),
        ("jira_get_board_issues", json!({"board_id": 1, "sprint_id": 2})),
        ("jira_get_board_issues", json!({"sprint_id": 2, "backlog": true})),
        ("jira_get_board_issues", json!({"epic_key": "not a key"})),
        ("jira_get_board_issues", json!({"board_id": 1, "max_results": 0})),
        ("jira_list_boards", json!({"project": "no such"})),
        ("jira_list_boards", json!({"type": "simple"})),
        ("jira_list_sprints", json!({"board_id": -1})),
        ("jira_list_sprints", json!({"board_id": 1, "state": ["open"]})),
        ("jira_list_sprints", json!({})),
        ("jira_list_sprints", json!({"board_id": 1, "sprint_id": 2})),
        ("jira_list_epics", json!({"board_id": "x"})),
        ("jira_save_sprint", json!({"name": "S1"})),
        ("jira_save_sprint", json!({"board_id": 1})),
        ("jira_save_sprint", json!({"sprint_id": 3})),
        (
            "jira_save_sprint",
            json!({"sprint_id": 3, "state": "active", "start_date": "2026-12-01"}),
        ),
        ("jira_save_sprint", json!({"sprint_id": 3, "start_date": "next monday"})),
        (
            "jira_save_sprint",
            json!({"sprint_id": 3, "start_date": "2026-12-10", "end_date": "2026-12-01"}),
        ),
        ("jira_move_issues", json!({"issues": [], "backlog": true})),
        ("jira_move_issues", json!({"issues": too_many, "sprint_id": 1})),
        ("jira_move_issues", json!({"issues": ["PROJ-1"]})),
        (
            "jira_move_issues",
            json!({"issues": ["PROJ-1"], "sprint_id": 1, "backlog": true}),
        ),
        ("jira_move_issues", json!({"issues": ["PROJ-1/../x"], "backlog": true})),
        ("jira_rank_issues", json!({"issues": ["PROJ-1"]})),
        (
            "jira_rank_issues",
            json!({"issues": ["PROJ-1"], "rank_before": "PROJ-2", "rank_after": "PROJ-3"}),
        ),
        (
            "jira_rank_issues",
            json!({"issues": ["PROJ-1"], "rank_before": "PROJ-1"}),
        ),
    ];
    for (tool, args) in cases {
        let text = err_text(&h.call(tool, args.clone()).await);
        assert!(text.starts_with("Invalid input"), "{tool} {args}: {text}");
    }
    let text = err_text(
        &h.call("jira_save_sprint", json!({"sprint_id": 3, "state": "active"}))
            .await,
    );
    assert!(text.contains("needs start_date and end_date"), "{text}");
    let text = err_text(
        &h.call("jira_get_board_issues", json!({"board_id": 1, "epic_key": "A-1"}))
            .await,
    );
    assert!(text.contains("exactly one of board_id"), "{text}");
    assert!(h.requests().await.is_empty(), "{:?}", h.requests().await);
}

#[tokio::test]
async fn sprints_are_listed_by_state_and_paged() {
    let h = Setup::new().start().await;
    let p = format!("{A}/board/5/sprint");
    let s1 = json!({"id": 36, "state": "closed", "name": "Sprint 3", "startDate": "2026-11-01T09:00:00.000Z",
                    "endDate": "2026-11-14T17:00:00.000Z", "completeDate": "2026-11-14T16:00:00.000Z", "originBoardId": 5, "goal": ""});
    let s2 = json!({"id": 37, "state": "active", "name": "Sprint 4", "startDate": "2026-11-15T09:00:00.000Z",
                    "endDate": "2026-11-28T17:00:00.000Z", "originBoardId": 5, "goal": "Ship login"});
    let s3 = json!({"id": 38, "state": "future", "name": "Sprint 5"});
    page(
        &h,
        &p,
        0,
        json!({"startAt": 0, "maxResults": 2, "isLast": false, "values": [s1, s2]}),
    )
    .await;
    page(
        &h,
        &p,
        2,
        json!({"startAt": 2, "maxResults": 2, "isLast": true, "values": [s3]}),
    )
    .await;
    let r = h
        .call(
            "jira_list_sprints",
            json!({"board_id": 5, "state": ["closed", "active", "future"], "max_results": 2}),
        )
        .await;
    assert_eq!(
        ok_text(&r),
        "sprint 36 Sprint 3 [closed] 2026-11-01 09:00 → 2026-11-14 17:00, completed 2026-11-14 16:00\n\
         sprint 37 Sprint 4 [active] 2026-11-15 09:00 → 2026-11-28 17:00; goal: Ship login\n\n\
         2 sprints shown. More: call jira_list_sprints with the same arguments and start_at 2."
    );
    assert_eq!(h.last_query(&p).await["state"], "closed,active,future");
    let data = r.structured_content.unwrap();
    assert_eq!(data["sprints"][1]["goal"], "Ship login");
    assert!(data["sprints"][0].get("goal").is_none());
    let r = h.call("jira_list_sprints", json!({"board_id": 5, "start_at": 2})).await;
    assert_eq!(ok_text(&r), "sprint 38 Sprint 5 [future] no dates");
    assert!(r.structured_content.unwrap().get("next_start_at").is_none());
    // One sprint by id.
    h.ok("GET", &format!("{A}/sprint/37"), s2.clone()).await;
    let r = h.call("jira_list_sprints", json!({"sprint_id": 37})).await;
    assert!(
        ok_text(&r).starts_with("sprint 37 Sprint 4 [active]"),
        "{}",
        ok_text(&r)
    );
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn sprints_are_created_started_changed_and_closed() {
    let h = Setup::new().start().await;
    Mock::given(method("POST"))
        .and(path(format!("{A}/sprint")))
        .and(body_json(
            json!({"name": "Sprint 5", "goal": "Ship search", "originBoardId": 5}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"id": 38, "state": "future", "name": "Sprint 5", "originBoardId": 5, "goal": "Ship search"}),
        ))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_save_sprint",
            json!({"board_id": 5, "name": " Sprint 5 ", "goal": "Ship search"}),
        )
        .await;
    assert_eq!(
        ok_text(&r),
        "Created sprint 38 Sprint 5 [future] no dates; goal: Ship search"
    );
    assert_eq!(r.structured_content.unwrap()["created"], true);

    Mock::given(method("POST"))
        .and(path(format!("{A}/sprint/38")))
        .and(body_json(json!({"state": "active", "startDate": "2026-12-01T00:00:00.000Z", "endDate": "2026-12-14T17:00:00.000+01:00"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 38, "state": "active", "name": "Sprint 5",
            "startDate": "2026-12-01T00:00:00.000Z", "endDate": "2026-12-14T17:00:00.000+01:00"})))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_save_sprint",
            json!({"sprint_id": 38, "state": "active", "start_date": "2026-12-01", "end_date": "2026-12-14T17:00:00.000+01:00"}),
        )
        .await;
    assert_eq!(
        ok_text(&r),
        "Started sprint 38 Sprint 5 [active] 2026-12-01 00:00 → 2026-12-14 17:00"
    );

    Mock::given(method("POST"))
        .and(path(format!("{A}/sprint/37")))
        .and(body_json(json!({"state": "closed"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": 37, "state": "closed", "name": "Sprint 4",
            "completeDate": "2026-11-28T16:00:00.000Z"})),
        )
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call("jira_save_sprint", json!({"sprint_id": 37, "state": "closed"}))
        .await;
    assert_eq!(
        ok_text(&r),
        "Closed sprint 37 Sprint 4 [closed] no dates, completed 2026-11-28 16:00"
    );

    // Created, then refused the start: the sprint exists, and the error says so.
    Mock::given(method("POST"))
        .and(path(format!("{A}/sprint")))
        .and(body_json(json!({"name": "Sprint 9", "originBoardId": 5, "startDate": "2026-12-01T00:00:00.000Z", "endDate": "2026-12-14T00:00:00.000Z"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 40, "state": "future", "name": "Sprint 9"})))
        .expect(1)
        .mount(&h.jira)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{A}/sprint/40")))
        .and(body_json(
            json!({"state": "active", "startDate": "2026-12-01T00:00:00.000Z", "endDate": "2026-12-14T00:00:00.000Z"}),
        ))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"errorMessages": ["Sprint cannot be started: another sprint is active."]})),
        )
        .expect(1)
        .mount(&h.jira)
        .await;
    let text = err_text(
        &h.call(
            "jira_save_sprint",
            json!({"board_id": 5, "name": "Sprint 9", "state": "active", "start_date": "2026-12-01", "end_date": "2026-12-14"}),
        )
        .await,
    );
    assert!(
        text.starts_with("Created sprint 40 but could not start it: Jira rejected the request (400). Jira says: Sprint cannot be started: another sprint is active."),
        "{text}"
    );
    assert_eq!(h.assert_declared_operations_only(), 5);
}

#[tokio::test]
async fn issues_move_to_a_sprint_or_the_backlog() {
    let h = Setup::new().start().await;
    Mock::given(method("POST"))
        .and(path(format!("{A}/sprint/37/issue")))
        .and(body_json(json!({"issues": ["PROJ-1", "PROJ-2"]})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&h.jira)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{A}/backlog/issue")))
        .and(body_json(json!({"issues": ["PROJ-3"]})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_move_issues",
            json!({"issues": ["proj-1", "PROJ-2", "PROJ-1"], "sprint_id": 37}),
        )
        .await;
    assert_eq!(ok_text(&r), "Moved 2 issues to sprint 37: PROJ-1, PROJ-2.");
    let r = h
        .call("jira_move_issues", json!({"issues": ["PROJ-3"], "backlog": true}))
        .await;
    assert_eq!(ok_text(&r), "Moved 1 issue to the backlog: PROJ-3.");
    assert_eq!(r.structured_content.unwrap()["backlog"], true);
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn epics_are_listed_and_paged() {
    let h = Setup::new().start().await;
    let p = format!("{A}/board/5/epic");
    page(
        &h,
        &p,
        0,
        json!({"startAt": 0, "maxResults": 1, "total": 2, "isLast": false,
               "values": [{"id": 7, "key": "PROJ-7", "name": "Login", "summary": "Single sign-on", "done": false}]}),
    )
    .await;
    page(
        &h,
        &p,
        1,
        json!({"startAt": 1, "maxResults": 1, "total": 2, "isLast": true,
               "values": [{"id": 9, "key": "PROJ-9", "name": "Search", "summary": "Search", "done": true}]}),
    )
    .await;
    let r = h
        .call("jira_list_epics", json!({"board_id": 5, "max_results": 1}))
        .await;
    assert_eq!(
        ok_text(&r),
        "PROJ-7 Login (Single sign-on)\n\n1 epic shown of 2. More: call jira_list_epics with the same arguments and start_at 1."
    );
    let r = h
        .call(
            "jira_list_epics",
            json!({"board_id": 5, "max_results": 1, "start_at": 1}),
        )
        .await;
    assert_eq!(ok_text(&r), "PROJ-9 Search [done]");
    let data = r.structured_content.unwrap();
    assert_eq!(data["epics"][0]["done"], true);
    assert!(data.get("next_start_at").is_none());
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn ranking_reports_each_issue_jira_could_not_rank() {
    let h = Setup::new().start().await;
    Mock::given(method("PUT"))
        .and(path(format!("{A}/issue/rank")))
        .and(body_json(
            json!({"issues": ["PROJ-1", "PROJ-2"], "rankBeforeIssue": "PROJ-4"}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_rank_issues",
            json!({"issues": ["PROJ-1", "proj-2"], "rank_before": "PROJ-4"}),
        )
        .await;
    assert_eq!(ok_text(&r), "Ranked 2 issues before PROJ-4: PROJ-1, PROJ-2.");

    Mock::given(method("PUT"))
        .and(path(format!("{A}/issue/rank")))
        .and(body_json(
            json!({"issues": ["PROJ-1", "PROJ-2", "PROJ-3"], "rankAfterIssue": "PROJ-9"}),
        ))
        .respond_with(ResponseTemplate::new(207).set_body_json(json!({"entries": [
            {"issueId": 10000, "issueKey": "PROJ-1", "status": 200},
            {"issueId": 10001, "issueKey": "PROJ-2", "status": 200},
            {"issueId": 10002, "issueKey": "PROJ-3", "status": 503,
             "errors": ["JIRA Agile cannot execute the rank operation at this time. Please try again later."]}
        ]})))
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_rank_issues",
            json!({"issues": ["PROJ-1", "PROJ-2", "PROJ-3"], "rank_after": "PROJ-9"}),
        )
        .await;
    assert_eq!(
        ok_text(&r),
        "Ranked 2 of 3 issues after PROJ-9: PROJ-1, PROJ-2. Not ranked (1):\n\
         - PROJ-3: JIRA Agile cannot execute the rank operation at this time. Please try again later."
    );
    let data = r.structured_content.unwrap();
    assert_eq!(data["failed"][0]["issue"], "PROJ-3");
    assert_eq!(data["ranked"], json!(["PROJ-1", "PROJ-2"]));

    Mock::given(method("PUT"))
        .and(path(format!("{A}/issue/rank")))
        .and(body_json(json!({"issues": ["PROJ-5"], "rankAfterIssue": "PROJ-9"})))
        .respond_with(ResponseTemplate::new(207).set_body_json(json!({"entries": [
            {"issueId": 10005, "issueKey": "PROJ-5", "status": 400, "errors": ["Issue is not on the board."]}
        ]})))
        .mount(&h.jira)
        .await;
    let text = err_text(
        &h.call(
            "jira_rank_issues",
            json!({"issues": ["PROJ-5"], "rank_after": "PROJ-9"}),
        )
        .await,
    );
    assert_eq!(
        text,
        "Jira ranked none of the issues after PROJ-9:\n- PROJ-5: Issue is not on the board."
    );
    h.assert_declared_operations_only();
}

/// The Jira Software API has the same paths on Data Center.
#[tokio::test]
async fn data_center_uses_the_same_agile_paths() {
    let h = Setup::new().env("JIRA_MCP_FLAVOR", "datacenter").start().await;
    h.ok(
        "GET",
        &format!("{A}/board"),
        json!({"startAt": 0, "maxResults": 50, "total": 1, "isLast": true,
               "values": [{"id": 12, "name": "OPS board", "type": "kanban", "location": {"projectKey": "OPS"}}]}),
    )
    .await;
    let r = h.call("jira_list_boards", json!({"project": "OPS"})).await;
    assert_eq!(ok_text(&r), "board 12 OPS board (kanban, project OPS)");
    h.ok(
        "GET",
        &format!("{A}/board/12/issue"),
        json!({"startAt": 0, "maxResults": 20, "total": 1, "issues": [issue("OPS-1", "Disk full", "Open")]}),
    )
    .await;
    let r = h.call("jira_get_board_issues", json!({"board_id": 12})).await;
    assert!(ok_text(&r).contains("OPS-1 [Open] Disk full"));
    Mock::given(method("POST"))
        .and(path(format!("{A}/backlog/issue")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call("jira_move_issues", json!({"issues": ["OPS-1"], "backlog": true}))
        .await;
    assert_eq!(ok_text(&r), "Moved 1 issue to the backlog: OPS-1.");
    for (_, p) in h.requests().await {
        assert!(p.starts_with("/rest/agile/1.0/"), "{p}");
    }
    h.assert_declared_operations_only();
}

/// Prism serves Atlassian's Jira Software document: every request the agile tools send is one
/// it allows (static mode, the spec's examples, for the writes), and every read tool turns what
/// its schemas allow into a result (dynamic mode, two seeds).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_agile_request_is_accepted_by_the_jira_software_spec() {
    use crate::contract::{call_checked, harness_of, prism_or_skip, start_prisms};
    let Some(bin) = prism_or_skip() else {
        return;
    };
    let (static_prism, dynamic) = start_prisms(&bin, "jira-software.json");
    let reads = || {
        vec![
            ("jira_list_boards", json!({})),
            (
                "jira_list_boards",
                json!({"project": "PROJ", "name": "team", "type": "scrum", "max_results": 10, "start_at": 10}),
            ),
            ("jira_get_board_issues", json!({"board_id": 5, "max_results": 5})),
            (
                "jira_get_board_issues",
                json!({"board_id": 5, "backlog": true, "jql": "assignee = currentUser()", "start_at": 5}),
            ),
            (
                "jira_get_board_issues",
                json!({"sprint_id": 37, "jql": "status = Done"}),
            ),
            ("jira_get_board_issues", json!({"epic_key": "PROJ-7"})),
            ("jira_list_sprints", json!({"board_id": 5})),
            ("jira_list_sprints", json!({"sprint_id": 37})),
            (
                "jira_list_sprints",
                json!({"board_id": 5, "state": ["active", "future"], "max_results": 10, "start_at": 10}),
            ),
            (
                "jira_list_epics",
                json!({"board_id": 5, "max_results": 10, "start_at": 10}),
            ),
        ]
    };
    let writes = vec![
        (
            "jira_save_sprint",
            json!({"board_id": 5, "name": "Sprint 5", "goal": "Ship search", "start_date": "2026-12-01", "end_date": "2026-12-14"}),
        ),
        (
            "jira_save_sprint",
            json!({"board_id": 5, "name": "Sprint 6", "state": "active", "start_date": "2026-12-15", "end_date": "2026-12-28T17:00:00.000+01:00"}),
        ),
        (
            "jira_save_sprint",
            json!({"sprint_id": 37, "name": "Sprint 4b", "goal": ""}),
        ),
        ("jira_save_sprint", json!({"sprint_id": 37, "state": "closed"})),
        (
            "jira_move_issues",
            json!({"issues": ["PROJ-1", "PROJ-2"], "sprint_id": 37}),
        ),
        ("jira_move_issues", json!({"issues": ["PROJ-3"], "backlog": true})),
        (
            "jira_rank_issues",
            json!({"issues": ["PROJ-1", "PROJ-2"], "rank_before": "PROJ-4"}),
        ),
        (
            "jira_rank_issues",
            json!({"issues": ["PROJ-3"], "rank_after": "PROJ-4"}),
        ),
    ];
    let h = harness_of(&static_prism, "cloud").await;
    for (tool, args) in writes {
        call_checked(&h, &static_prism, tool, args, true).await;
    }
    for (tool, args) in reads() {
        call_checked(&h, &static_prism, tool, args, false).await;
    }
    h.assert_declared_operations_only();
    for prism in &dynamic {
        let h = harness_of(prism, "cloud").await;
        for (tool, args) in reads() {
            let text = call_checked(&h, prism, tool, args, true).await;
            eprintln!("{tool}: {}", text.lines().next().unwrap_or(""));
        }
        h.assert_declared_operations_only();
    }
    assert!(
        static_prism.log_text().contains("/rest/agile/1.0/issue/rank"),
        "the rank request went unchecked"
    );
}
