//! Toolset `jsm_ops` (JSM Operations, Cloud only): an alert's life with its asynchronous
//! writes followed to their outcome, on-call at a time across a rotation boundary, schedules,
//! teams and overrides, both Ops bases with their auth, the explanations specific to
//! Operations, input refused before any request, and Prism serving the Operations document.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{body_json, header, method, path, query_param},
};

use crate::{
    contract,
    support::{Harness, Setup, TOKEN, err_text, mount, ok_text, snapshot},
};

const O: &str = "/jsm/ops/api/v1";
const ALERT_ID: &str = "9b251e07-73c9-4907-9996-8cb53a6a20d0-1704440650350";
const TEAM_ID: &str = "85f14c10-2b4b-4c3b-9a8e-0123456789ab";
const SCHED: &str = "d8751234-0000-4000-8000-000000000001";

fn setup() -> Setup {
    Setup::new().env("JIRA_MCP_OPS_POLL_MS", "5")
}

fn alert(status: &str, acked: bool) -> Value {
    json!({"id": ALERT_ID, "tinyId": "42", "message": "DB connections exhausted", "status": status,
        "acknowledged": acked, "priority": "P1", "owner": "Olga Oncall", "count": 3,
        "createdAt": "2026-12-01T02:00:00Z", "lastOccuredAt": "2026-12-01T02:10:00Z",
        "tags": ["db", "prod"], "alias": "db-pool", "entity": "db-1",
        "responders": [{"id": TEAM_ID, "type": "team"}],
        "extraProperties": {"runbook": "https://runbooks.example.com/db"}})
}

/// A receipt, then 404 while queued, then the outcome.
async fn accept(h: &Harness, m: &str, p: &str, request_id: &str, outcome: Value) {
    mount(
        h,
        m,
        p,
        202,
        json!({"result": "Request will be processed", "requestId": request_id, "took": 0.195}),
    )
    .await;
    let status_path = format!("{O}/alerts/requests/{request_id}");
    Mock::given(method("GET"))
        .and(path(status_path.clone()))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "request is not found"})))
        .up_to_n_times(1)
        .mount(&h.jira)
        .await;
    mount(h, "GET", &status_path, 200, outcome).await;
}

/// Create → the request followed to the new alert's id → ack by tiny id → note → close with
/// a note; the alert read back with its notes.
#[tokio::test]
async fn an_alert_lives_from_creation_to_close() {
    let h = setup().start().await;
    h.ok(
        "GET",
        &format!("{O}/teams"),
        json!({"platformTeams": [{"teamId": TEAM_ID, "teamName": "Payments"}]}),
    )
    .await;
    accept(
        &h,
        "POST",
        &format!("{O}/alerts"),
        "req-create",
        json!({"action": "Create", "processedAt": "2026-12-01T02:00:01Z", "isSuccess": true,
               "status": "Created alert", "alertId": ALERT_ID, "alias": "db-pool"}),
    )
    .await;
    let created = h
        .call(
            "jsm_ops_create_alert",
            json!({"message": "DB connections exhausted", "priority": "p1", "alias": "db-pool",
                   "tags": ["db", "prod", "db"], "responders": ["team:payments"],
                   "extra_properties": {"runbook": "https://runbooks.example.com/db"}}),
        )
        .await;
    assert_eq!(
        ok_text(&created),
        format!("Created alert {ALERT_ID} (DB connections exhausted).")
    );
    let sc = created.structured_content.clone().unwrap();
    assert_eq!(sc["done"], true);
    assert_eq!(sc["alert_id"], ALERT_ID);
    assert_eq!(
        h.last_body("POST", &format!("{O}/alerts")).await,
        json!({"message": "DB connections exhausted", "alias": "db-pool", "priority": "P1",
               "tags": ["db", "prod"], "responders": [{"type": "team", "id": TEAM_ID}],
               "extraProperties": {"runbook": "https://runbooks.example.com/db"}})
    );

    // #42 is found through the search, then acknowledged.
    Mock::given(method("GET"))
        .and(path(format!("{O}/alerts")))
        .and(query_param("query", "tinyId:42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"values": [alert("open", false)], "count": 1})))
        .mount(&h.jira)
        .await;
    accept(
        &h,
        "POST",
        &format!("{O}/alerts/{ALERT_ID}/acknowledge"),
        "req-ack",
        json!({"action": "Acknowledge", "isSuccess": true, "status": "Acknowledged", "alertId": ALERT_ID}),
    )
    .await;
    let acked = ok_text(
        &h.call("jsm_ops_alert_action", json!({"alert": "#42", "action": "ack"}))
            .await,
    );
    assert_eq!(acked, format!("Acknowledge alert {ALERT_ID}: done (Acknowledged)."));

    // The note endpoint answers the note itself (synchronous, as documented).
    mount(
        &h,
        "POST",
        &format!("{O}/alerts/{ALERT_ID}/notes"),
        200,
        json!({"id": "n1", "note": "Failing over to the replica", "owner": "olga@example.com"}),
    )
    .await;
    accept(
        &h,
        "POST",
        &format!("{O}/alerts/{ALERT_ID}/close"),
        "req-close",
        json!({"action": "Close", "isSuccess": true, "status": "Closed", "alertId": ALERT_ID}),
    )
    .await;
    let closed = ok_text(
        &h.call(
            "jsm_ops_alert_action",
            json!({"alert": ALERT_ID, "action": "close", "note": "Failing over to the replica"}),
        )
        .await,
    );
    assert_eq!(
        closed,
        format!("Close alert {ALERT_ID}: done (Closed). Add a note to alert {ALERT_ID}: done.")
    );
    assert_eq!(
        h.last_body("POST", &format!("{O}/alerts/{ALERT_ID}/notes")).await,
        json!({"note": "Failing over to the replica"})
    );
    // Each outcome was read after a 404 (still queued), not taken from the 202.
    let reqs = h.requests().await;
    for id in ["req-create", "req-ack", "req-close"] {
        let polls = reqs.iter().filter(|(_, p)| p.ends_with(id)).count();
        assert_eq!(polls, 2, "{id} polled {polls} times");
    }

    // Read back with its notes.
    mount(&h, "GET", &format!("{O}/alerts/{ALERT_ID}"), 200, alert("closed", true)).await;
    mount(
        &h,
        "GET",
        &format!("{O}/alerts/{ALERT_ID}/notes"),
        200,
        json!({"values": [{"id": "n1", "note": "Failing over to the replica", "owner": "olga@example.com",
                           "createdAt": "2026-12-01T02:20:00Z"}], "links": {"next": null}}),
    )
    .await;
    let read = h.call("jsm_ops_list_alerts", json!({"alert": ALERT_ID})).await;
    snapshot("jsm_ops_get_alert", &read);
    assert_eq!(h.assert_declared_operations_only(), 14);
}

/// Following a write sends progress notifications to a client that asked for them.
#[tokio::test]
async fn following_a_write_reports_progress() {
    let w = crate::bulk::world(Some("jsm_ops"), false).await;
    let receipt = json!({"requestId": "req-p"});
    Mock::given(method("POST"))
        .and(path(format!("{O}/alerts/{ALERT_ID}/acknowledge")))
        .respond_with(ResponseTemplate::new(202).set_body_json(receipt))
        .mount(&w.jira)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{O}/alerts/requests/req-p")))
        .respond_with(ResponseTemplate::new(404))
        .up_to_n_times(1)
        .mount(&w.jira)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{O}/alerts/requests/req-p")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"isSuccess": true, "status": "Acknowledged"})))
        .mount(&w.jira)
        .await;
    let r = crate::bulk::call(
        &w,
        "jsm_ops_alert_action",
        json!({"alert": ALERT_ID, "action": "ack"}),
        true,
    )
    .await;
    assert!(ok_text(&r).ends_with("done (Acknowledged)."), "{}", ok_text(&r));
    for _ in 0..50 {
        if w.handler.progress.lock().unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let seen = w.handler.progress.lock().unwrap().clone();
    assert_eq!(
        seen.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        vec![1.0, 2.0],
        "{seen:?}"
    );
}

/// The outcome decides: an action the API accepted but could not do is an error, and one
/// still queued when the wait ends says how to check, within the time budget.
#[tokio::test]
async fn outcomes_are_reported_not_acceptance() {
    let h = setup().start().await;
    accept(
        &h,
        "POST",
        &format!("{O}/alerts/{ALERT_ID}/close"),
        "req-gone",
        json!({"action": "Close", "isSuccess": false, "status": "Alert does not exist", "processedAt": "2026-12-01T02:00:00Z"}),
    )
    .await;
    let gone = err_text(
        &h.call("jsm_ops_alert_action", json!({"alert": ALERT_ID, "action": "close"}))
            .await,
    );
    assert_eq!(gone, format!("Close alert {ALERT_ID} failed: Alert does not exist."));

    // Never processed: 404 forever.
    mount(
        &h,
        "POST",
        &format!("{O}/alerts/{ALERT_ID}/snooze"),
        202,
        json!({"requestId": "req-slow"}),
    )
    .await;
    mount(&h, "GET", &format!("{O}/alerts/requests/req-slow"), 404, json!({})).await;
    let t = Instant::now();
    let slow = h
        .call(
            "jsm_ops_alert_action",
            json!({"alert": ALERT_ID, "action": "snooze", "until": "2026-12-01T08:00+01:00"}),
        )
        .await;
    let elapsed = t.elapsed();
    let text = ok_text(&slow);
    assert!(
        text.contains("accepted, not processed yet (request req-slow)"),
        "{text}"
    );
    assert!(text.contains("jsm_ops_list_alerts request_id"), "{text}");
    assert_eq!(slow.structured_content.unwrap()["done"], false);
    // 20 × 5 ms budget: well under a second even on a loaded machine.
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(
        h.last_body("POST", &format!("{O}/alerts/{ALERT_ID}/snooze")).await,
        json!({"endTime": "2026-12-01T08:00:00.000+01:00"})
    );
    // A 2xx that is no receipt: the outcome is unknown, and said so.
    mount(
        &h,
        "POST",
        &format!("{O}/alerts/{ALERT_ID}/unacknowledge"),
        200,
        json!({}),
    )
    .await;
    let blank = err_text(
        &h.call("jsm_ops_alert_action", json!({"alert": ALERT_ID, "action": "unack"}))
            .await,
    );
    assert!(
        blank.contains("sent no request id, so its outcome is unknown"),
        "{blank}"
    );
    // Later: the outcome by request id.
    mount(
        &h,
        "GET",
        &format!("{O}/alerts/requests/req-later"),
        200,
        json!({"action": "Snooze", "isSuccess": true, "status": "Snoozed", "alertId": ALERT_ID}),
    )
    .await;
    let later = ok_text(&h.call("jsm_ops_list_alerts", json!({"request_id": "req-later"})).await);
    assert_eq!(later, format!("Request req-later: done (Snoozed). Alert {ALERT_ID}."));
}

/// Who is on call just before and just after a rotation hand-over, with names.
#[tokio::test]
async fn on_call_at_a_time_across_a_rotation_boundary() {
    let h = setup().start().await;
    Mock::given(method("GET"))
        .and(path(format!("{O}/schedules")))
        .and(query_param("size", "5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"values": [{"id": SCHED, "name": "Payments primary", "timezone": "Europe/Berlin", "teamId": TEAM_ID}]}),
        ))
        .mount(&h.jira)
        .await;
    for (date, who) in [
        ("2026-12-07T08:59:00.000+00:00", "acc-anna"),
        ("2026-12-07T09:00:00.000+00:00", "acc-ben"),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("{O}/schedules/{SCHED}/on-calls")))
            .and(query_param("date", date))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"onCallParticipants": [
                {"id": "esc-1", "type": "escalation", "onCallParticipants": [{"id": who, "type": "user"}]}]})))
            .mount(&h.jira)
            .await;
    }
    h.ok(
        "GET",
        "/rest/api/3/user/bulk",
        json!({"startAt": 0, "maxResults": 50, "total": 2, "isLast": true, "values": [
            {"accountId": "acc-anna", "displayName": "Anna Early"},
            {"accountId": "acc-ben", "displayName": "Ben Late"}]}),
    )
    .await;
    let before = ok_text(
        &h.call(
            "jsm_ops_on_call",
            json!({"schedule": "payments primary", "at": "2026-12-07T08:59Z"}),
        )
        .await,
    );
    assert_eq!(
        before,
        "Payments primary (at 2026-12-07T08:59:00.000+00:00): Anna Early (acc-anna)"
    );
    let after = ok_text(
        &h.call(
            "jsm_ops_on_call",
            json!({"schedule": "Payments primary", "at": "2026-12-07T09:00:00Z"}),
        )
        .await,
    );
    assert_eq!(
        after,
        "Payments primary (at 2026-12-07T09:00:00.000+00:00): Ben Late (acc-ben)"
    );

    // Next on call, flat shape, and names unavailable (the lookup failing is not fatal).
    mount(
        &h,
        "GET",
        &format!("{O}/schedules/{SCHED}/next-on-calls"),
        200,
        json!({"nextOnCallUsers": ["acc-carl"]}),
    )
    .await;
    let next = ok_text(
        &h.call("jsm_ops_on_call", json!({"schedule": SCHED, "next": true}))
            .await,
    );
    assert_eq!(next, format!("{SCHED} (next): acc-carl"));
    h.assert_declared_operations_only();
}

/// A schedule with rotations and overrides, the teams, a team with its roles, schedules and
/// people, and an override created then deleted.
#[tokio::test]
async fn schedules_teams_and_overrides() {
    let h = setup().start().await;
    let schedule = json!({"id": SCHED, "name": "Payments primary", "timezone": "Europe/Berlin", "teamId": TEAM_ID,
        "enabled": true, "rotations": [{"id": "rot-1", "name": "Weekly", "type": "weekly", "startDate": "2026-11-30T09:00:00Z",
        "participants": [{"id": "acc-anna", "type": "user"}, {"id": "acc-ben", "type": "user"}, {"type": "noone"}]}]});
    mount(&h, "GET", &format!("{O}/schedules/{SCHED}"), 200, schedule.clone()).await;
    Mock::given(method("GET"))
        .and(path(format!("{O}/schedules")))
        .and(query_param("offset", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"values": [schedule,
            {"id": "other", "name": "Search", "teamId": "another-team"}], "links": {}})))
        .mount(&h.jira)
        .await;
    mount(
        &h,
        "GET",
        &format!("{O}/schedules/{SCHED}/overrides"),
        200,
        json!({"values": [{"alias": "ov-1", "responder": {"type": "user", "id": "acc-ben"},
            "startDate": "2026-12-24T00:00:00Z", "endDate": "2026-12-27T00:00:00Z"}]}),
    )
    .await;
    h.ok(
        "GET",
        "/rest/api/3/user/bulk",
        json!({"values": [{"accountId": "acc-anna", "displayName": "Anna Early"}, {"accountId": "acc-ben", "displayName": "Ben Late"}]}),
    )
    .await;
    let detail = ok_text(&h.call("jsm_ops_list_schedules", json!({"schedule": SCHED})).await);
    assert_eq!(
        detail,
        format!(
            "Schedule Payments primary ({SCHED}) — Europe/Berlin, team {TEAM_ID}\nRotations:\n- Weekly (rot-1) — weekly \
             from 2026-11-30T09:00:00Z: Anna Early (acc-anna), Ben Late (acc-ben), no one\nOverrides (alias, who, \
             when):\n- ov-1: Ben Late (acc-ben), 2026-12-24T00:00:00Z to 2026-12-27T00:00:00Z"
        )
    );

    h.ok(
        "GET",
        &format!("{O}/teams"),
        json!({"platformTeams": [{"teamId": TEAM_ID, "teamName": "Payments"}]}),
    )
    .await;
    mount(
        &h,
        "GET",
        &format!("{O}/teams/{TEAM_ID}/roles"),
        200,
        json!([{"id": "r1", "name": "Responder", "rights": [{"right": "edit-schedules", "granted": true},
            {"right": "delete-alerts", "granted": false}]}]),
    )
    .await;
    let teams = ok_text(&h.call("jsm_ops_list_schedules", json!({"team": "*"})).await);
    assert_eq!(teams, format!("- Payments ({TEAM_ID})"));
    let team = ok_text(&h.call("jsm_ops_list_schedules", json!({"team": "payments"})).await);
    assert_eq!(
        team,
        format!(
            "Team Payments ({TEAM_ID})\nRoles:\n- Responder (r1) — edit-schedules\nSchedules:\n- Payments primary \
             ({SCHED}) — Europe/Berlin, team {TEAM_ID}\nIn its rotations (the Operations API lists no team members): \
             Anna Early (acc-anna), Ben Late (acc-ben)"
        )
    );

    Mock::given(method("POST"))
        .and(path(format!("{O}/schedules/{SCHED}/overrides")))
        .and(body_json(
            json!({"responder": {"type": "user", "id": "5b10ac8d82e05b22cc7d4ef6"},
            "startDate": "2026-12-31T18:00:00.000+00:00", "endDate": "2027-01-01T08:00:00.000+00:00"}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"alias": "ov-2",
            "responder": {"type": "user", "id": "acc-ben"}})))
        .mount(&h.jira)
        .await;
    let made = ok_text(
        &h.call(
            "jsm_ops_override",
            json!({"schedule": SCHED, "user": "5b10ac8d82e05b22cc7d4ef6", "start": "2026-12-31T18:00Z", "end": "2027-01-01T08:00Z"}),
        )
        .await,
    );
    assert!(made.contains("override ov-2"), "{made}");
    mount(
        &h,
        "DELETE",
        &format!("{O}/schedules/{SCHED}/overrides/ov-2"),
        204,
        json!(null),
    )
    .await;
    let deleted = h
        .call("jsm_ops_override", json!({"schedule": SCHED, "delete_alias": "ov-2"}))
        .await;
    assert_eq!(ok_text(&deleted), format!("Deleted override ov-2 of schedule {SCHED}."));
    h.assert_declared_operations_only();
}

/// OAuth goes through the REST base (`…/ex/jira/{cloudId}/jsm/ops/api/v1`) with the bearer
/// token; an API token goes to `{root}/jsm/ops/api/{cloudId}/v1` with Basic auth, the cloud
/// id read once from the site's tenant info.
#[tokio::test]
async fn both_ops_bases_with_their_auth() {
    // OAuth-style bearer token, REST base with the cloud id in it.
    let jira = wiremock::MockServer::start().await;
    let h = setup()
        .env("JIRA_MCP_API_BASE", &format!("{}/ex/jira/cloud-123", jira.uri()))
        .start_with(jira)
        .await;
    Mock::given(method("GET"))
        .and(path("/ex/jira/cloud-123/jsm/ops/api/v1/alerts"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"values": [], "count": 0})))
        .mount(&h.jira)
        .await;
    let none = ok_text(&h.call("jsm_ops_list_alerts", json!({})).await);
    assert!(none.starts_with("No alert matches `status:open`"), "{none}");
    assert!(none.contains("can also mean no access"), "{none}");

    // API token: Basic auth on the other base.
    let jira = wiremock::MockServer::start().await;
    let site = jira.uri();
    let h = setup()
        .without("JIRA_MCP_ACCESS_TOKEN")
        .env("JIRA_MCP_EMAIL", "ops@example.com")
        .env("JIRA_MCP_API_TOKEN", "api-token-1")
        .env("JIRA_MCP_SITE", &site)
        .env("JIRA_MCP_FLAVOR", "cloud")
        .env("JIRA_MCP_OPS_API_ROOT", &site)
        .start_with(jira)
        .await;
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "ops@example.com:api-token-1"
        )
    );
    h.ok("GET", "/_edge/tenant_info", json!({"cloudId": "cloud-456"})).await;
    Mock::given(method("GET"))
        .and(path("/jsm/ops/api/cloud-456/v1/schedules"))
        .and(header("authorization", basic.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"values": [{"id": SCHED, "name": "Primary"}]})))
        .mount(&h.jira)
        .await;
    for _ in 0..2 {
        let listed = ok_text(&h.call("jsm_ops_list_schedules", json!({})).await);
        assert_eq!(listed, format!("- Primary ({SCHED})"));
    }
    // API tokens have no delete scopes: removing a tag says so, not "bad token".
    mount(
        &h,
        "DELETE",
        &format!("/jsm/ops/api/cloud-456/v1/alerts/{ALERT_ID}/tags"),
        401,
        json!({"code": 401, "message": "Unauthorized"}),
    )
    .await;
    let untag = err_text(
        &h.call(
            "jsm_ops_alert_action",
            json!({"alert": ALERT_ID, "action": "untag", "tags": ["db"]}),
        )
        .await,
    );
    assert!(
        untag.contains("API tokens carry its read and write scopes but not the delete ones"),
        "{untag}"
    );
    assert!(!untag.contains("api-token-1"), "{untag}");
    let tenant_lookups = h
        .requests()
        .await
        .iter()
        .filter(|(_, p)| p == "/_edge/tenant_info")
        .count();
    assert_eq!(tenant_lookups, 1, "the cloud id is looked up once");
}

/// What is particular to Operations: no Operations on the site, a plan without the feature,
/// Operations' own permissions, a missing ops scope named; Data Center hides the toolset.
#[tokio::test]
async fn operations_failures_explain_themselves() {
    let h = setup().start().await;
    mount(&h, "GET", &format!("{O}/alerts"), 404, json!({"message": "Not Found"})).await;
    let off = err_text(&h.call("jsm_ops_list_alerts", json!({"query": "status:open"})).await);
    assert!(off.contains("this site has no JSM Operations"), "{off}");
    assert!(off.contains("Opsgenie"), "{off}");

    mount(
        &h,
        "GET",
        &format!("{O}/teams"),
        403,
        json!({"errors": [{"title": "Forbidden"}]}),
    )
    .await;
    let denied = err_text(&h.call("jsm_ops_list_schedules", json!({"team": "*"})).await);
    assert!(denied.contains("JSM Operations permissions are its own"), "{denied}");
    assert!(denied.contains("licensed agent"), "{denied}");

    mount(
        &h,
        "GET",
        &format!("{O}/schedules"),
        401,
        json!({"code": 401, "message": "Unauthorized; scope does not match"}),
    )
    .await;
    let scope = err_text(&h.call("jsm_ops_on_call", json!({})).await);
    assert!(scope.contains("read:ops-config:jira-service-management"), "{scope}");

    mount(
        &h,
        "POST",
        &format!("{O}/alerts/{ALERT_ID}/escalate"),
        402,
        json!({"errors": [{"title": "Payment required"}]}),
    )
    .await;
    let plan = err_text(
        &h.call(
            "jsm_ops_alert_action",
            json!({"alert": ALERT_ID, "action": "escalate", "escalation_id": "esc-1"}),
        )
        .await,
    );
    assert!(plan.contains("plan does not include this feature (402)"), "{plan}");

    mount(
        &h,
        "GET",
        &format!("{O}/alerts/alias"),
        404,
        json!({"message": "Alert not found"}),
    )
    .await;
    let alias = err_text(
        &h.call("jsm_ops_alert_action", json!({"alert": "db-pool", "action": "ack"}))
            .await,
    );
    assert!(alias.contains("No open alert has the alias `db-pool`"), "{alias}");

    let dc = Setup::new().env("JIRA_MCP_FLAVOR", "datacenter").start().await;
    let tools = dc.client.list_all_tools().await.unwrap();
    assert!(!tools.iter().any(|t| t.name.starts_with("jsm_ops_")));
    let hidden = err_text(&dc.call("jsm_ops_list_alerts", json!({})).await);
    assert!(hidden.contains("Cloud"), "{hidden}");
    assert!(dc.requests().await.is_empty());
}

/// Bad input is refused before any request, and changes nothing.
#[tokio::test]
async fn invalid_input_sends_nothing() {
    let h = setup().start().await;
    let cases = [
        (
            "jsm_ops_alert_action",
            json!({"alert": ALERT_ID, "action": "snooze"}),
            "snooze needs until",
        ),
        (
            "jsm_ops_alert_action",
            json!({"alert": ALERT_ID, "action": "snooze", "until": "next tuesday"}),
            "until `next tuesday` is not a time",
        ),
        (
            "jsm_ops_alert_action",
            json!({"alert": ALERT_ID, "action": "tag", "tags": [" "]}),
            "tag needs tags",
        ),
        (
            "jsm_ops_alert_action",
            json!({"alert": ALERT_ID, "action": "reboot"}),
            "unknown variant",
        ),
        (
            "jsm_ops_alert_action",
            json!({"alert": " ", "action": "ack"}),
            "alert is empty",
        ),
        (
            "jsm_ops_create_alert",
            json!({"message": "x".repeat(131)}),
            "message is over 130",
        ),
        (
            "jsm_ops_create_alert",
            json!({"message": "m", "priority": "urgent"}),
            "priority `URGENT`",
        ),
        (
            "jsm_ops_create_alert",
            json!({"message": "m", "responders": ["payments"]}),
            "has no type",
        ),
        (
            "jsm_ops_create_alert",
            json!({"message": "m", "responders": ["robot:x"]}),
            "type `robot`",
        ),
        (
            "jsm_ops_list_alerts",
            json!({"start_at": 19_990}),
            "first 20,000 alerts",
        ),
        ("jsm_ops_on_call", json!({"at": "soon"}), "at `soon` is not a time"),
        (
            "jsm_ops_override",
            json!({"schedule": SCHED, "user": "me"}),
            "needs start",
        ),
        (
            "jsm_ops_override",
            json!({"schedule": SCHED, "user": "me", "start": "2026-12-02T10:00Z", "end": "2026-12-02T09:00Z"}),
            "end is not after start",
        ),
        (
            "jsm_ops_override",
            json!({"schedule": SCHED, "delete_alias": "a", "user": "me"}),
            "delete_alias alone",
        ),
        ("jsm_ops_list_alerts", json!({"surprise": 1}), "surprise"),
    ];
    for (tool, args, expected) in cases {
        let e = err_text(&h.call(tool, args.clone()).await);
        assert!(e.contains(expected), "{tool} {args}: {e}");
    }
    assert!(h.requests().await.is_empty(), "{:?}", h.requests().await);
}

/// Prism serves the Operations document: every write is a valid request, every read tool
/// turns schema-generated answers into a result.
#[tokio::test(flavor = "multi_thread")]
async fn jsm_ops_contract_against_the_operations_document() {
    let Some(bin) = contract::prism_or_skip() else {
        return;
    };
    let id = "9b251e07-73c9-4907-9996-8cb53a6a20d0-1704440650350";
    let sched = "d8751234-0000-4000-8000-000000000001";
    let writes = vec![
        (
            "jsm_ops_create_alert",
            json!({"message": "Disk full", "description": "on db-1", "priority": "P2", "alias": "disk-db-1",
                   "tags": ["disk"], "responders": ["escalation:e-1"], "entity": "db-1", "note": "first",
                   "extra_properties": {"k": "v"}}),
        ),
        ("jsm_ops_alert_action", json!({"alert": id, "action": "ack"})),
        ("jsm_ops_alert_action", json!({"alert": id, "action": "unack"})),
        (
            "jsm_ops_alert_action",
            json!({"alert": id, "action": "close", "note": "done"}),
        ),
        (
            "jsm_ops_alert_action",
            json!({"alert": id, "action": "snooze", "until": "2026-12-02T10:00Z"}),
        ),
        (
            "jsm_ops_alert_action",
            json!({"alert": id, "action": "escalate", "escalation_id": "e-1"}),
        ),
        (
            "jsm_ops_alert_action",
            json!({"alert": id, "action": "assign", "user": "5b10ac8d82e05b22cc7d4ef5"}),
        ),
        (
            "jsm_ops_alert_action",
            json!({"alert": id, "action": "tag", "tags": ["a"]}),
        ),
        (
            "jsm_ops_alert_action",
            json!({"alert": id, "action": "untag", "tags": ["a"]}),
        ),
        (
            "jsm_ops_override",
            json!({"schedule": sched, "user": "5b10ac8d82e05b22cc7d4ef5", "start": "2026-12-02T10:00Z",
                   "end": "2026-12-02T18:00Z", "rotation_ids": ["r-1"]}),
        ),
    ];
    let reads = move || {
        vec![
            ("jsm_ops_list_alerts", json!({"query": "status:open AND priority:P1"})),
            ("jsm_ops_list_alerts", json!({"alert": id})),
            ("jsm_ops_list_alerts", json!({"alert": "db-pool"})),
            ("jsm_ops_list_alerts", json!({"request_id": "r-1"})),
            ("jsm_ops_list_schedules", json!({"query": "Pay*"})),
            ("jsm_ops_list_schedules", json!({"team": "*"})),
            ("jsm_ops_on_call", json!({"schedule": sched, "at": "2026-12-02T10:00Z"})),
            ("jsm_ops_on_call", json!({"schedule": sched, "next": true})),
        ]
    };
    contract::run_contract(&bin, "jsm-ops-subset.json", "cloud", writes, reads).await;
}

/// An alert's notes come by cursor: when more exist than are shown, text and structured
/// content both say so.
#[tokio::test]
async fn more_notes_than_shown_are_announced() {
    let h = setup().start().await;
    mount(&h, "GET", &format!("{O}/alerts/{ALERT_ID}"), 200, alert("open", false)).await;
    let notes: Vec<Value> = (0..20)
        .map(|i| json!({"id": format!("n{i}"), "note": format!("note {i}")}))
        .collect();
    mount(
        &h,
        "GET",
        &format!("{O}/alerts/{ALERT_ID}/notes"),
        200,
        json!({"values": notes, "links": {"next": format!("/v1/alerts/{ALERT_ID}/notes?after=1492000072838")}}),
    )
    .await;
    let r = h.call("jsm_ops_list_alerts", json!({"alert": ALERT_ID})).await;
    assert!(
        ok_text(&r).contains("only the first 20 notes are shown"),
        "{}",
        ok_text(&r)
    );
    let structured = r.structured_content.unwrap();
    assert!(structured["notes"][20].as_str().unwrap().contains("the alert has more"));
    assert_eq!(
        h.last_query(&format!("{O}/alerts/{ALERT_ID}/notes")).await["size"],
        "20"
    );
}
