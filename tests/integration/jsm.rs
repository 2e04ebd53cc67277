//! Toolset `jsm` (Jira Service Management's service desk API, `/rest/servicedeskapi`): a
//! request's whole life against wiremock on Cloud and on Data Center (their bodies and how
//! they name people differ), the explanations of agent-only failures, input refused before any
//! request, and Prism serving Atlassian's JSM document.

use serde_json::{Value, json};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{body_partial_json, method, path, query_param},
};

use crate::{
    contract,
    support::{Setup, err_text, mount, ok_text, snapshot},
};

const S: &str = "/rest/servicedeskapi";

fn form() -> Value {
    json!({"canRaiseOnBehalfOf": true, "canAddRequestParticipants": true, "requestTypeFields": [
        {"fieldId": "summary", "name": "Summary", "required": true, "validValues": [], "jiraSchema": {"type": "string", "system": "summary"}},
        {"fieldId": "description", "name": "Description", "required": false, "validValues": [], "jiraSchema": {"type": "string", "system": "description"}},
        {"fieldId": "customfield_10100", "name": "Affected system", "required": true,
         "validValues": [{"value": "20", "label": "VPN", "children": []}, {"value": "21", "label": "Email", "children": []}],
         "jiraSchema": {"type": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select"}},
        {"fieldId": "customfield_10101", "name": "Steps taken", "required": false, "validValues": [],
         "jiraSchema": {"type": "string", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:textarea"}}
    ]})
}

fn request(status_history: &[&str]) -> Value {
    let statuses: Vec<Value> = status_history
        .iter()
        .enumerate()
        .map(|(i, s)| json!({"status": s, "statusCategory": "INDETERMINATE", "statusDate": {"iso8601": format!("2026-12-0{}T09:00:00+0000", i + 1)}}))
        .collect();
    json!({
        "issueId": "10007", "issueKey": "HELP-7", "summary": "VPN drops every hour",
        "requestTypeId": "10", "serviceDeskId": "1",
        "requestType": {"id": "10", "name": "Get IT help"},
        "createdDate": {"iso8601": "2026-12-01T09:00:00+0000", "friendly": "Today 09:00"},
        "reporter": {"accountId": "qm:cust-1", "displayName": "Carla Customer", "emailAddress": "carla@example.com"},
        "currentStatus": {"status": status_history.last().unwrap(), "statusCategory": "INDETERMINATE"},
        "requestFieldValues": [
            {"fieldId": "summary", "label": "Summary", "value": "VPN drops every hour"},
            {"fieldId": "description", "label": "Description", "value": "It drops *every* hour.\n\n* office\n* home"},
            {"fieldId": "customfield_10100", "label": "Affected system", "value": {"id": "20", "value": "VPN"}}
        ],
        "participants": {"start": 0, "limit": 50, "size": 1, "isLastPage": true, "values": [{"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Pat Participant"}]},
        "status": {"start": 0, "limit": 50, "size": statuses.len(), "isLastPage": true, "values": statuses},
        "sla": {"start": 0, "limit": 50, "size": 2, "isLastPage": true, "values": [
            {"id": "1", "name": "Time to resolution", "ongoingCycle": {
                "breached": false, "paused": false, "withinCalendarHours": true,
                "goalDuration": {"millis": 28_800_000, "friendly": "8h"},
                "elapsedTime": {"millis": 10_800_000, "friendly": "3h"},
                "remainingTime": {"millis": 18_000_000, "friendly": "5h"},
                "breachTime": {"iso8601": "2026-12-01T17:00:00+0000"}}, "completedCycles": []},
            {"id": "2", "name": "Time to first response", "completedCycles": [{
                "breached": true, "goalDuration": {"friendly": "1h"}, "elapsedTime": {"friendly": "1h 20m"},
                "remainingTime": {"friendly": "-20m"}, "stopTime": {"iso8601": "2026-12-01T10:20:00+0000"}}]}
        ]}
    })
}

fn approvals(decision: Option<&str>) -> Value {
    let mut a = json!({"id": "5", "name": "Manager approval", "canAnswerApproval": decision.is_none(),
        "approvers": [{"approver": {"accountId": "me-1", "displayName": "Mia Manager"},
                       "approverDecision": decision.unwrap_or("pending")}]});
    if let Some(d) = decision {
        a["finalDecision"] = json!(d);
    }
    a
}

/// A request created on behalf of a customer, an internal and a public comment, an approval,
/// a transition, its SLAs read back, and the queue's count going down.
#[tokio::test]
async fn a_request_lives_from_creation_to_resolution() {
    let h = Setup::new().start().await;
    mount(
        &h,
        "GET",
        &format!("{S}/servicedesk/1/requesttype/10/field"),
        200,
        form(),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/user/search"))
        .and(query_param("query", "carla@example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"accountId": "qm:cust-1", "displayName": "Carla Customer", "emailAddress": "carla@example.com", "accountType": "customer"}
        ])))
        .mount(&h.jira)
        .await;
    mount(
        &h,
        "POST",
        &format!("{S}/request"),
        201,
        json!({"issueId": "10007", "issueKey": "HELP-7", "currentStatus": {"status": "Waiting for support"}}),
    )
    .await;
    // Queue counts: 4 open requests, then 3 once this one is resolved.
    Mock::given(method("GET"))
        .and(path(format!("{S}/servicedesk/1/queue")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"start": 0, "size": 2, "isLastPage": true, "values": [
            {"id": "3", "name": "Open requests", "jql": "resolution = EMPTY", "issueCount": 4},
            {"id": "4", "name": "Waiting for customer", "issueCount": 0}]}),
        ))
        .up_to_n_times(1)
        .mount(&h.jira)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{S}/servicedesk/1/queue")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"start": 0, "size": 2, "isLastPage": true, "values": [
            {"id": "3", "name": "Open requests", "jql": "resolution = EMPTY", "issueCount": 3},
            {"id": "4", "name": "Waiting for customer", "issueCount": 0}]}),
        ))
        .mount(&h.jira)
        .await;

    mount(
        &h,
        "GET",
        &format!("{S}/servicedesk/1/requesttype"),
        200,
        json!({"start": 0, "size": 1, "isLastPage": true, "values": [{"id": "10", "name": "Get IT help", "description": "Ask for help"}]}),
    )
    .await;
    let desk = ok_text(&h.call("jsm_list_service_desks", json!({"service_desk_id": "1"})).await);
    assert_eq!(
        desk,
        "10 Get IT help — Ask for help\nA type's form fields: call again with request_type_id.\nQueues (issue count; \
         jsm_list_requests with queue_id lists them):\n3 Open requests (4)\n4 Waiting for customer (0)"
    );

    let r = h
        .call(
            "jsm_create_request",
            json!({"service_desk_id": "1", "request_type_id": "10", "summary": "VPN drops every hour",
                   "description": "It drops **every** hour.", "on_behalf_of": "carla@example.com",
                   "participants": ["5b10ac8d82e05b22cc7d4ef5"],
                   "fields": {"affected system": "vpn", "Steps taken": "1. rebooted\n2. `ping` works"}}),
        )
        .await;
    assert!(
        ok_text(&r).starts_with("Created HELP-7 (Waiting for support)"),
        "{}",
        ok_text(&r)
    );
    let body = h.last_body("POST", &format!("{S}/request")).await;
    assert_eq!(
        body,
        json!({"serviceDeskId": "1", "requestTypeId": "10", "raiseOnBehalfOf": "qm:cust-1",
               "requestParticipants": ["5b10ac8d82e05b22cc7d4ef5"],
               "requestFieldValues": {"summary": "VPN drops every hour", "description": "It drops *every* hour.",
                                      "customfield_10100": {"id": "20"},
                                      "customfield_10101": "# rebooted\n# {{ping}} works"}})
    );

    // Comments: the visibility is what was asked, and the result says who sees it.
    let comment = |public: bool, id: &str| {
        Mock::given(method("POST"))
            .and(path(format!("{S}/request/HELP-7/comment")))
            .and(body_partial_json(json!({"public": public})))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": id, "public": public, "body": "x"})))
    };
    comment(false, "900").mount(&h.jira).await;
    comment(true, "901").mount(&h.jira).await;
    let internal = h
        .call(
            "jsm_add_comment",
            json!({"issue_key": "help-7", "body": "Checked the **logs**.", "public": false}),
        )
        .await;
    assert_eq!(
        ok_text(&internal),
        "Added an internal comment 900 to HELP-7 (agents only)."
    );
    assert_eq!(
        h.last_body("POST", &format!("{S}/request/HELP-7/comment")).await,
        json!({"body": "Checked the *logs*.", "public": false})
    );
    let public = h
        .call(
            "jsm_add_comment",
            json!({"issue_key": "HELP-7", "body": "We are on it.", "public": true}),
        )
        .await;
    assert_eq!(
        ok_text(&public),
        "Added a public comment 901 to HELP-7 (visible to the customer)."
    );

    // Approve the one pending approval, then resolve.
    Mock::given(method("GET"))
        .and(path(format!("{S}/request/HELP-7/approval")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"start": 0, "size": 1, "isLastPage": true, "values": [approvals(None)]})),
        )
        .up_to_n_times(1)
        .mount(&h.jira)
        .await;
    mount(
        &h,
        "POST",
        &format!("{S}/request/HELP-7/approval/5"),
        200,
        approvals(Some("approved")),
    )
    .await;
    mount(
        &h,
        "GET",
        &format!("{S}/request/HELP-7/transition"),
        200,
        json!({"start": 0, "size": 2, "isLastPage": true, "values": [{"id": "761", "name": "Resolve this issue"}, {"id": "771", "name": "Pending"}]}),
    )
    .await;
    Mock::given(method("POST"))
        .and(path(format!("{S}/request/HELP-7/transition")))
        .respond_with(ResponseTemplate::new(204))
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jsm_update_request",
            json!({"issue_key": "HELP-7", "approval": "approve", "transition": "resolve this issue"}),
        )
        .await;
    assert_eq!(
        ok_text(&r),
        "HELP-7: approved approval 5; it is now approved.\nHELP-7: transition `Resolve this issue` done."
    );
    assert_eq!(
        h.last_body("POST", &format!("{S}/request/HELP-7/approval/5")).await,
        json!({"decision": "approve"})
    );
    assert_eq!(
        h.last_body("POST", &format!("{S}/request/HELP-7/transition")).await,
        json!({"id": "761"})
    );

    // The request as JSM computes it: SLAs from the SLA API, status history, approvals.
    mount(
        &h,
        "GET",
        &format!("{S}/request/HELP-7"),
        200,
        request(&["Waiting for support", "Resolved"]),
    )
    .await;
    mount(
        &h,
        "GET",
        &format!("{S}/request/HELP-7/approval"),
        200,
        json!({"start": 0, "size": 1, "isLastPage": true, "values": [approvals(Some("approved"))]}),
    )
    .await;
    mount(
        &h,
        "GET",
        &format!("{S}/request/HELP-7/comment"),
        200,
        json!({"start": 0, "size": 2, "limit": 2, "isLastPage": false, "values": [
            {"id": "900", "public": false, "body": "Checked the *logs*.", "author": {"displayName": "Alex Agent"}, "created": {"iso8601": "2026-12-01T09:30:00+0000"}},
            {"id": "901", "public": true, "body": "We are on it.", "author": {"displayName": "Alex Agent"}, "created": {"iso8601": "2026-12-01T09:31:00+0000"}}]}),
    )
    .await;
    let r = h
        .call("jsm_get_request", json!({"issue_key": "HELP-7", "comments": "all"}))
        .await;
    let text = ok_text(&r);
    assert!(
        text.contains(
            "- Time to resolution: running, 5h remaining of 8h (elapsed 3h), breaches at 2026-12-01T17:00:00+0000"
        ),
        "{text}"
    );
    assert!(
        text.contains("- Time to first response: BREACHED (completed), -20m remaining of 1h (elapsed 1h 20m)"),
        "{text}"
    );
    assert!(text.contains("Status history: Waiting for support ("), "{text}");
    assert!(
        text.contains("- 5 Manager approval: approved; approvers: Mia Manager (approved)"),
        "{text}"
    );
    assert!(
        text.contains("Description:\nIt drops **every** hour.\n\n- office\n- home"),
        "{text}"
    );
    assert!(text.contains("(internal):\nChecked the **logs**."), "{text}");
    assert!(
        text.contains("More: call jsm_get_request with the same arguments and start_at 2."),
        "{text}"
    );
    let data = r.structured_content.clone().unwrap();
    assert_eq!(data["slas"][0]["remaining"], "5h");
    assert_eq!(data["slas"][1]["breached"], true);
    assert_eq!(data["comments"][0]["public"], false);
    assert_eq!(data["next_start_at"], 2);
    assert_eq!(data["transitions"], json!(["Resolve this issue", "Pending"]));
    snapshot("jsm_get_request", &r);

    let r = h.call("jsm_list_service_desks", json!({"service_desk_id": "1"})).await;
    assert!(ok_text(&r).ends_with("3 Open requests (3)\n4 Waiting for customer (0)"));
    assert_eq!(r.structured_content.unwrap()["queues"][0]["issue_count"], 3);
    h.assert_declared_operations_only();
}

/// Whether a reply reaches the customer is always the caller's explicit choice.
#[tokio::test]
async fn a_comment_without_public_is_refused_before_any_request() {
    let h = Setup::new().start().await;
    let r = h
        .call("jsm_add_comment", json!({"issue_key": "HELP-7", "body": "hi"}))
        .await;
    assert!(err_text(&r).contains("public"), "{}", err_text(&r));
    for (tool, args, says) in [
        ("jsm_list_customers", json!({}), "service_desk_id"),
        ("jsm_list_requests", json!({"service_desk_id": "../1"}), "not an id"),
        (
            "jsm_list_requests",
            json!({"queue_id": "3"}),
            "queue_id needs its service_desk_id",
        ),
        ("jsm_update_request", json!({"issue_key": "HELP-7"}), "give transition"),
        (
            "jsm_add_customers",
            json!({"email": "not-an-email", "name": "X"}),
            "not an email",
        ),
        (
            "jsm_add_customers",
            json!({"users": ["a"]}),
            "users need service_desk_id or organization_id",
        ),
        (
            "jsm_list_service_desks",
            json!({"request_type_id": "3"}),
            "needs its service_desk_id",
        ),
    ] {
        let r = h.call(tool, args).await;
        assert!(err_text(&r).contains(says), "{tool}: {}", err_text(&r));
    }
    assert!(h.requests().await.is_empty());
}

/// A form is filled from its own metadata: unknown fields, invalid options and missing required
/// fields are named with what is valid, and nothing is created.
#[tokio::test]
async fn form_mistakes_are_explained_with_the_valid_choices() {
    let h = Setup::new().start().await;
    mount(
        &h,
        "GET",
        &format!("{S}/servicedesk/1/requesttype/10/field"),
        200,
        form(),
    )
    .await;
    let base = json!({"service_desk_id": "1", "request_type_id": "10", "summary": "x"});
    let with = |fields: Value| {
        let mut a = base.clone();
        a["fields"] = fields;
        a
    };
    let r = h.call("jsm_create_request", with(json!({"Colour": "red"}))).await;
    assert!(
        err_text(&r).contains("has no field `Colour`; its fields: Summary, Description, Affected system, Steps taken")
    );
    let r = h
        .call("jsm_create_request", with(json!({"Affected system": "Printer"})))
        .await;
    assert!(err_text(&r).contains("`Printer` is not a valid value of field `Affected system`; use one of: VPN, Email"));
    let r = h.call("jsm_create_request", base.clone()).await;
    assert!(err_text(&r).contains("requires Affected system (`customfield_10100`)"));
    assert!(h.requests().await.iter().all(|(m, _)| m == "GET"));

    let fields = ok_text(
        &h.call(
            "jsm_list_service_desks",
            json!({"service_desk_id": "1", "request_type_id": "10"}),
        )
        .await,
    );
    assert!(
        fields.contains("- Affected system (`customfield_10100`, option) required: one of VPN, Email"),
        "{fields}"
    );
    assert!(fields.contains("You can raise requests on behalf of customers."));
}

/// Agent-only endpoints answer 403 to portal-only customers and to agents without the role:
/// the result names the permission and the way out.
#[tokio::test]
async fn forbidden_agent_actions_name_the_permission_and_the_customer_case() {
    let h = Setup::new().start().await;
    let denied = json!({"errorMessage": "You do not have permission to view queues", "i18nErrorMessage": {"i18nKey": "sd.queue.permission", "parameters": []}});
    mount(
        &h,
        "GET",
        &format!("{S}/servicedesk/1/queue/3/issue"),
        403,
        denied.clone(),
    )
    .await;
    let e = err_text(
        &h.call("jsm_list_requests", json!({"service_desk_id": "1", "queue_id": "3"}))
            .await,
    );
    assert_eq!(
        e,
        "Permission denied (403) for Queue 3 of service desk 1: jsm_list_requests needs to be an agent of this \
         service desk to read its queues (a Jira Service Management licence and the project's Service Desk Team \
         role). Jira says: You do not have permission to view queues. If you signed in with a portal-only customer account (no agent licence), \
         agent features answer 403 and OAuth apps cannot be authorized: sign in with a licensed agent account."
    );
    // A customer looking at a desk sees its request types; the queues are said to be agents' only.
    mount(&h, "GET", &format!("{S}/servicedesk/1/queue"), 403, denied).await;
    mount(
        &h,
        "GET",
        &format!("{S}/servicedesk/1/requesttype"),
        200,
        json!({"start": 0, "size": 1, "isLastPage": true, "values": [{"id": "10", "name": "Get IT help"}]}),
    )
    .await;
    let t = ok_text(&h.call("jsm_list_service_desks", json!({"service_desk_id": "1"})).await);
    assert!(t.ends_with("Queues: not visible to you (agents only)."), "{t}");
    mount(
        &h,
        "GET",
        &format!("{S}/request/HELP-9"),
        404,
        json!({"errorMessage": "Request does not exist"}),
    )
    .await;
    let e = err_text(&h.call("jsm_get_request", json!({"issue_key": "HELP-9"})).await);
    assert!(
        e.starts_with("Request HELP-9 does not exist or you cannot see it (404)"),
        "{e}"
    );
}

/// The same tools on Data Center: the same paths, people by user name, wiki markup bodies,
/// `fullName` for a new customer.
#[tokio::test]
async fn data_center_names_people_by_user_name() {
    let h = Setup::new().env("JIRA_MCP_FLAVOR", "datacenter").start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/2/user/search"))
        .and(query_param("username", "carla"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([{"name": "carla", "key": "JIRAUSER1", "displayName": "Carla"}])),
        )
        .mount(&h.jira)
        .await;
    mount(
        &h,
        "POST",
        &format!("{S}/request/HELP-7/participant"),
        200,
        json!({"start": 0, "size": 1, "isLastPage": true, "values": [{"name": "carla", "displayName": "Carla"}]}),
    )
    .await;
    let r = h
        .call(
            "jsm_update_request",
            json!({"issue_key": "HELP-7", "add_participants": ["carla"]}),
        )
        .await;
    assert_eq!(ok_text(&r), "HELP-7: 1 added, 0 removed. Participants now: Carla.");
    assert_eq!(
        h.last_body("POST", &format!("{S}/request/HELP-7/participant")).await,
        json!({"usernames": ["carla"]})
    );
    mount(
        &h,
        "POST",
        &format!("{S}/customer"),
        201,
        json!({"name": "dana", "key": "JIRAUSER2", "displayName": "Dana", "emailAddress": "dana@example.com"}),
    )
    .await;
    Mock::given(method("POST"))
        .and(path(format!("{S}/servicedesk/2/customer")))
        .respond_with(ResponseTemplate::new(204))
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jsm_add_customers",
            json!({"email": "dana@example.com", "name": "Dana", "service_desk_id": "2"}),
        )
        .await;
    assert_eq!(
        ok_text(&r),
        "Created customer dana Dana <dana@example.com>.\nAdded dana to service desk 2."
    );
    assert_eq!(
        h.last_body("POST", &format!("{S}/customer")).await,
        json!({"email": "dana@example.com", "fullName": "Dana"})
    );
    assert_eq!(
        h.last_body("POST", &format!("{S}/servicedesk/2/customer")).await,
        json!({"usernames": ["dana"]})
    );
    mount(
        &h,
        "POST",
        &format!("{S}/request/HELP-7/comment"),
        201,
        json!({"id": "5", "public": true}),
    )
    .await;
    ok_text(
        &h.call(
            "jsm_add_comment",
            json!({"issue_key": "HELP-7", "body": "See [the guide](https://example.com/g) and `code`.", "public": true}),
        )
        .await,
    );
    assert_eq!(
        h.last_body("POST", &format!("{S}/request/HELP-7/comment")).await,
        json!({"body": "See [the guide|https://example.com/g] and {{code}}.", "public": true})
    );
    assert!(
        h.requests()
            .await
            .iter()
            .all(|(_, p)| p.starts_with(S) || p.starts_with("/rest/api/2/"))
    );
    h.assert_declared_operations_only();
}

/// Lists page to the end with the service desk API's `start`/`isLastPage`.
#[tokio::test]
async fn lists_page_with_start_and_is_last_page() {
    let h = Setup::new().start().await;
    let req = |key: &str| json!({"issueKey": key, "summary": "s", "currentStatus": {"status": "Open"}, "requestType": {"name": "Get IT help"}});
    for (start, last, keys) in [(0, false, ["HELP-1", "HELP-2"]), (2, true, ["HELP-3", "HELP-4"])] {
        Mock::given(method("GET"))
            .and(path(format!("{S}/request")))
            .and(query_param("start", start.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "start": start, "limit": 2, "size": 2, "isLastPage": last,
                "values": keys.iter().map(|k| req(k)).collect::<Vec<_>>()})))
            .mount(&h.jira)
            .await;
    }
    let first = ok_text(
        &h.call("jsm_list_requests", json!({"service_desk_id": "1", "status": "open"}))
            .await,
    );
    assert!(first.starts_with("HELP-1 [Open] s · Get IT help\nHELP-2"), "{first}");
    assert!(first.ends_with("More: call jsm_list_requests with the same arguments and start_at 2."));
    let q = h.last_query(&format!("{S}/request")).await;
    assert_eq!(q["requestOwnership"], "ALL_REQUESTS");
    assert_eq!(q["requestStatus"], "OPEN_REQUESTS");
    assert_eq!(q["serviceDeskId"], "1");
    let second = ok_text(
        &h.call(
            "jsm_list_requests",
            json!({"service_desk_id": "1", "status": "open", "start_at": 2}),
        )
        .await,
    );
    assert!(!second.contains("More:"), "{second}");
}

/// Prism serves Atlassian's JSM document: every write is a valid request, every read tool
/// turns schema-generated answers into a result.
#[tokio::test(flavor = "multi_thread")]
async fn jsm_contract_against_atlassians_document() {
    let Some(bin) = contract::prism_or_skip() else {
        return;
    };
    let writes = vec![
        (
            "jsm_add_comment",
            json!({"issue_key": "HELP-1", "body": "**hi**", "public": false}),
        ),
        (
            "jsm_update_request",
            json!({"issue_key": "HELP-1", "add_participants": ["5b10ac8d82e05b22cc7d4ef5"],
                   "remove_participants": ["5b10ac8d82e05b22cc7d4ef6"], "approval": "decline", "approval_id": "1"}),
        ),
        (
            "jsm_add_customers",
            json!({"users": ["5b10ac8d82e05b22cc7d4ef5"], "service_desk_id": "1", "organization_id": "2"}),
        ),
        (
            "jsm_add_customers",
            json!({"email": "new@example.com", "name": "New Customer"}),
        ),
        ("jsm_add_customers", json!({"organization": "Acme"})),
    ];
    let reads = || {
        vec![
            ("jsm_list_service_desks", json!({})),
            ("jsm_list_service_desks", json!({"service_desk_id": "1"})),
            (
                "jsm_list_service_desks",
                json!({"service_desk_id": "1", "request_type_id": "2"}),
            ),
            ("jsm_get_request", json!({"issue_key": "HELP-1", "comments": "public"})),
            ("jsm_list_requests", json!({"ownership": "mine", "search": "vpn"})),
            ("jsm_list_requests", json!({"service_desk_id": "1", "queue_id": "2"})),
            ("jsm_list_customers", json!({"service_desk_id": "1", "query": "a"})),
            ("jsm_list_customers", json!({"organization_id": "1"})),
            ("jsm_list_customers", json!({"organizations": true})),
            ("jsm_search_knowledge_base", json!({"query": "vpn"})),
            (
                "jsm_search_knowledge_base",
                json!({"query": "vpn", "service_desk_id": "1"}),
            ),
        ]
    };
    contract::run_contract(&bin, "jsm-servicedesk.json", "cloud", writes, reads).await;
}
