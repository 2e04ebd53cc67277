//! Toolset `jsm_ops`: JSM Operations on Cloud — alerts (search, read with notes, create, act,
//! tag), on-call schedules (rotations, overrides, who is on call at a time or next) and teams.
//! Hidden on Data Center, which has no Operations API.
//!
//! Alert writes are asynchronous in this API: a write answers a request id, and its outcome
//! (including "alert does not exist") is known only once processed. [`follow`] reads it within
//! a bounded time, reporting progress, so a tool answers with what happened, not "accepted".
//! Alerts, schedules and teams can be named the way people do (`#1234`, an alias, a schedule
//! or team name); the ids the API needs are looked up first.

use std::{collections::BTreeMap, time::Instant};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Access, Ctx, Out, ToolDef, ToolError, ToolsetDef, handler, params};
use crate::{
    adf::truncate_chars,
    http::ErrorKind,
    jira::{
        JiraError,
        jsm_ops::{self as api, Alert, AlertAction, NewAlert, NoteAdded, Receipt, RequestStatus},
        models::Shown,
        ops,
        ops::On,
    },
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "jsm_ops",
    description: "JSM Operations (Cloud): alerts, on-call schedules, overrides, teams",
    default: false,
    tools: &[
        &LIST_ALERTS,
        &CREATE_ALERT,
        &ALERT_ACTION,
        &LIST_SCHEDULES,
        &ON_CALL,
        &OVERRIDE,
    ],
};

static LIST_ALERTS: ToolDef = ToolDef {
    name: "jsm_ops_list_alerts",
    description: "Search alerts (`status:open AND priority:P1`); or one alert with notes; or an action's outcome.",
    access: Access::READ,
    on: On::CloudOnly,
    ops: &[
        api::ALERTS,
        api::ALERT,
        api::ALERT_BY_ALIAS,
        api::NOTES,
        api::REQUEST_STATUS,
    ],
    handler: handler!(list_alerts),
};

static CREATE_ALERT: ToolDef = ToolDef {
    name: "jsm_ops_create_alert",
    description: "Create an alert; waits for its id.",
    access: Access::ADD,
    on: On::CloudOnly,
    ops: &[
        api::ALERT_CREATE,
        api::REQUEST_STATUS,
        api::TEAMS,
        api::SCHEDULES,
        ops::USER_SEARCH,
        ops::MYSELF,
    ],
    handler: handler!(create_alert),
};

static ALERT_ACTION: ToolDef = ToolDef {
    name: "jsm_ops_alert_action",
    description: "Act on an alert; waits for the outcome.",
    access: Access::SAVE,
    on: On::CloudOnly,
    ops: &[
        api::ALERTS,
        api::ALERT_BY_ALIAS,
        api::ACK,
        api::UNACK,
        api::CLOSE,
        api::SNOOZE,
        api::ESCALATE,
        api::ASSIGN,
        api::NOTE_ADD,
        api::TAGS_ADD,
        api::TAGS_REMOVE,
        api::REQUEST_STATUS,
        ops::USER_SEARCH,
        ops::MYSELF,
    ],
    handler: handler!(alert_action),
};

static LIST_SCHEDULES: ToolDef = ToolDef {
    name: "jsm_ops_list_schedules",
    description: "On-call schedules; one with rotations and overrides; teams; a team's roles, schedules, people.",
    access: Access::READ,
    on: On::CloudOnly,
    ops: &[
        api::SCHEDULES,
        api::SCHEDULE,
        api::OVERRIDES,
        api::TEAMS,
        api::TEAM_ROLES,
        api::USERS_BULK,
    ],
    handler: handler!(list_schedules),
};

static ON_CALL: ToolDef = ToolDef {
    name: "jsm_ops_on_call",
    description: "Who is on call now, at a time, or next.",
    access: Access::READ,
    on: On::CloudOnly,
    ops: &[api::SCHEDULES, api::ON_CALLS, api::NEXT_ON_CALLS, api::USERS_BULK],
    handler: handler!(on_call),
};

static OVERRIDE: ToolDef = ToolDef {
    name: "jsm_ops_override",
    description: "Put someone on call for a time range (override), or delete an override.",
    access: Access::SAVE,
    on: On::CloudOnly,
    ops: &[
        api::SCHEDULES,
        api::OVERRIDE_CREATE,
        api::OVERRIDE_DELETE,
        ops::USER_SEARCH,
        ops::MYSELF,
    ],
    handler: handler!(override_shift),
};

// ---- shared --------------------------------------------------------------------------------

/// Explains a failure with what is particular to Operations: a list that answers 404 means
/// the site has no Operations, 402 a plan without the feature, 403 Operations' own roles.
fn fail(cx: &Ctx, subject: impl Into<String>, err: JiraError) -> ToolError {
    let status = match &err {
        JiraError::Api(a) if !a.is_scope_mismatch() => a.status(),
        _ => None,
    };
    let subject = subject.into();
    let e = cx.fail(Some(subject.clone()), err);
    let hint = match status {
        Some(404) if subject.starts_with("the JSM Operations") => {
            return ToolError::new(
                ErrorKind::Unsupported,
                format!(
                    "JSM Operations answered 404 to {subject}: this site has no JSM Operations (alerts and on-call need Jira Service \
                     Management with Operations turned on; sites moving from Opsgenie get it once the migration is \
                     done). Ask a site admin to check Jira Service Management › Operations."
                ),
            );
        }
        Some(402) => "Your Jira Service Management plan does not include this feature (402); it needs a higher plan.",
        Some(403) => {
            "JSM Operations permissions are its own: you see alerts and schedules of teams you belong to, and \
             changes need the team role's rights (or the Operations admin role). A portal-only customer account \
             cannot use Operations at all: sign in with a licensed agent."
        }
        Some(404) if subject.starts_with("Alert ") => {
            "An alert id must be the full id; a #tiny id or an alias is looked up for you."
        }
        _ => return e,
    };
    e.with_hint(hint)
}

/// Ids in this API are UUIDs (alerts add `-<epoch ms>`): hex digits and dashes.
fn looks_like_id(s: &str) -> bool {
    (20..=80).contains(&s.len()) && s.contains('-') && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// A name or id given by the model, trimmed and bounded.
fn given(name: &str, input: &str, max: usize) -> Result<String, ToolError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(ToolError::invalid(format!("{name} is empty")));
    }
    if s.chars().count() > max {
        return Err(ToolError::invalid(format!("{name} is over {max} characters")));
    }
    Ok(s.to_string())
}

fn opt(input: &Option<String>) -> Option<&str> {
    input.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// An alert named by id, `#tiny id` or alias.
enum Found {
    Id(String),
    Alert(Box<Alert>),
}

impl Found {
    fn id(&self) -> String {
        match self {
            Found::Id(id) => id.clone(),
            Found::Alert(a) => a.id.or_empty(),
        }
    }
}

async fn find_alert(cx: &Ctx, input: &str) -> Result<Found, ToolError> {
    let s = given("alert", input, 512)?;
    let tiny = s.strip_prefix('#').unwrap_or(&s);
    if !tiny.is_empty() && tiny.len() <= 12 && tiny.bytes().all(|b| b.is_ascii_digit()) {
        // Tiny ids roll over: the newest alert with the number is the one people mean.
        let page = cx
            .jira
            .alerts(Some(&format!("tinyId:{tiny}")), 0, 20)
            .await
            .map_err(|e| fail(cx, "the JSM Operations alert search", e))?;
        return page
            .items
            .into_iter()
            .find(|a| a.tiny_id.get().as_deref() == Some(tiny))
            .map(|a| Found::Alert(Box::new(a)))
            .ok_or_else(|| ToolError::new(ErrorKind::NotFound, format!("No alert #{tiny} is visible to you.")));
    }
    if looks_like_id(&s) {
        return Ok(Found::Id(s));
    }
    match cx.jira.alert_by_alias(&s).await {
        Ok(a) if a.id.get().is_some() => Ok(Found::Alert(Box::new(a))),
        Ok(_) => Err(ToolError::new(
            ErrorKind::NotFound,
            format!("No open alert has the alias `{}`.", truncate_chars(&s, 80)),
        )),
        Err(JiraError::Api(e)) if e.status() == Some(404) => Err(ToolError::new(
            ErrorKind::NotFound,
            format!(
                "No open alert has the alias `{}` (aliases find open alerts only; for a closed one use its id or \
                 #tiny id).",
                truncate_chars(&s, 80)
            ),
        )),
        Err(e) => Err(fail(cx, format!("Alert `{}`", truncate_chars(&s, 80)), e)),
    }
}

/// A schedule named by id or name (exact, case-insensitive; a prefix with `*`).
async fn find_schedule(cx: &Ctx, input: &str) -> Result<(String, String), ToolError> {
    let s = given("schedule", input, 200)?;
    if looks_like_id(&s) {
        return Ok((s, String::new()));
    }
    let page = cx
        .jira
        .schedules(Some(&s), 0, 5)
        .await
        .map_err(|e| fail(cx, "the JSM Operations schedules", e))?;
    match page.items.as_slice() {
        [one] => Ok((one.id.or_empty(), one.name.or_empty())),
        [] => Err(ToolError::new(
            ErrorKind::NotFound,
            format!(
                "No schedule named `{s}` is visible to you (names match exactly, ignoring case; end with * for a \
                 prefix). jsm_ops_list_schedules lists them."
            ),
        )),
        many => Err(ToolError::invalid(format!(
            "schedule `{s}` matches {}: {}; give one id",
            many.len(),
            many.iter()
                .map(|x| format!("{} ({})", x.name.or_empty(), x.id.or_empty()))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// An Operations team by id or name.
async fn find_team(cx: &Ctx, input: &str) -> Result<(String, String), ToolError> {
    let s = given("team", input, 200)?;
    let teams = cx
        .jira
        .ops_teams()
        .await
        .map_err(|e| fail(cx, "the JSM Operations teams", e))?;
    let hit = teams.iter().find(|t| {
        t.team_id.get().as_deref() == Some(&s) || t.team_name.get().is_some_and(|n| n.eq_ignore_ascii_case(&s))
    });
    match hit {
        Some(t) => Ok((t.team_id.or_empty(), t.team_name.or_empty())),
        None if looks_like_id(&s) => Ok((s, String::new())),
        None => Err(ToolError::new(
            ErrorKind::NotFound,
            format!(
                "No team `{s}` among the {} teams visible to you (you see the teams you belong to; admins see all).",
                teams.len()
            ),
        )),
    }
}

async fn account_id(cx: &Ctx, name: &str, who: &str) -> Result<String, ToolError> {
    let who = given(name, who, 200)?;
    cx.jira
        .resolve_user(&who)
        .await
        .map_err(|e| fail(cx, format!("User `{}`", truncate_chars(&who, 60)), e))
}

/// Display names for account ids; ids stand in when the lookup is not possible (it is a
/// nicety: the answer does not fail for it).
async fn names(cx: &Ctx, ids: &[String]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(50) {
        match cx.jira.users_by_id(chunk).await {
            Ok(users) => {
                for u in users {
                    if let (Some(id), Some(name)) = (u.id(), u.display_name.get()) {
                        out.insert(id.to_string(), name);
                    }
                }
            }
            Err(e) => tracing::info!(error = %e, "names of on-call people not available"),
        }
    }
    out
}

fn person(id: &str, names: &BTreeMap<String, String>) -> String {
    match names.get(id) {
        Some(n) => format!("{n} ({id})"),
        None => id.to_string(),
    }
}

// ---- following asynchronous writes ------------------------------------------------------

/// What became of an asynchronous write.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Outcome {
    pub request_id: String,
    /// False: still queued when the wait ended; check later with jsm_ops_list_alerts.
    pub done: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub alert_id: String,
}

impl Outcome {
    fn of(request_id: String, s: Option<RequestStatus>) -> Outcome {
        match s {
            Some(s) => Outcome {
                request_id,
                done: true,
                success: s.is_success,
                status: s.status.or_empty(),
                alert_id: s.alert_id.or_empty(),
            },
            None => Outcome {
                request_id,
                done: false,
                success: None,
                status: String::new(),
                alert_id: String::new(),
            },
        }
    }

    /// `…: done` / `…: failed: <why>` / the hint to check later.
    fn sentence(&self, what: &str) -> String {
        match (self.done, self.success) {
            (true, Some(false)) => format!("{what} failed: {}.", self.status.trim_end_matches('.')),
            (true, _) if self.status.is_empty() => format!("{what}: done."),
            (true, _) => format!("{what}: done ({}).", self.status.trim_end_matches('.')),
            (false, _) => format!(
                "{what}: accepted, not processed yet (request {}). Check with jsm_ops_list_alerts request_id.",
                self.request_id
            ),
        }
    }
}

/// Reads the outcome of `receipt` until it is processed or the poll budget is spent: waits
/// double from `JIRA_MCP_OPS_POLL_MS` up to four times it, with a progress notification each.
async fn follow(cx: &Ctx, receipt: Receipt, what: &str) -> Result<Outcome, ToolError> {
    let Some(id) = receipt.request_id.get() else {
        // No receipt: the API processed it at once.
        return Ok(Outcome {
            request_id: String::new(),
            done: true,
            success: Some(true),
            status: receipt.result.or_empty(),
            alert_id: String::new(),
        });
    };
    let settings = &cx.jira.config().ops;
    let (first, budget) = (settings.poll, settings.poll_budget());
    let started = Instant::now();
    let mut wait = first;
    let mut step = 0;
    loop {
        tokio::time::sleep(wait).await;
        step += 1;
        cx.progress(step, 8, &format!("{what}: waiting for JSM Operations"))
            .await;
        let status = cx
            .jira
            .ops_outcome(&id)
            .await
            .map_err(|e| fail(cx, format!("Request {id}"), e))?;
        if status.is_some() || started.elapsed() + wait >= budget {
            return Ok(Outcome::of(id, status));
        }
        wait = (wait * 2).min(first * 4);
    }
}

/// An outcome as a result: a failed action is an error (nothing changed).
fn outcome_out(what: &str, o: Outcome) -> Result<Out<Outcome>, ToolError> {
    let text = o.sentence(what);
    if o.success == Some(false) {
        let kind = if o.status.to_ascii_lowercase().contains("not exist") {
            ErrorKind::NotFound
        } else {
            ErrorKind::Other
        };
        return Err(ToolError::new(kind, text));
    }
    Ok(Out { text, data: o })
}

// ---- jsm_ops_list_alerts ------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListAlertsParams {
    /// Default `status:open`.
    pub query: Option<String>,
    /// Id, #tiny id or alias: that alert with notes.
    pub alert: Option<String>,
    /// An action's request id: its outcome.
    pub request_id: Option<String>,
    /// From `next_start_at`.
    pub start_at: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AlertView {
    pub id: String,
    pub tiny_id: String,
    pub message: String,
    pub status: String,
    pub priority: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<bool>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub owner: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub created: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// One alert only: description, alias, entity, source, responders, extra properties.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AlertsOut {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<AlertView>,
    /// Notes of the one alert.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u64>,
}

const ALERTS_PER_PAGE: u32 = 20;

fn alert_view(a: &Alert, detailed: bool) -> AlertView {
    let mut details = BTreeMap::new();
    if detailed {
        let mut put = |k: &str, v: &Shown| {
            if let Some(v) = v.get() {
                details.insert(k.to_string(), truncate_chars(&v, 4_000));
            }
        };
        put("description", &a.description);
        put("alias", &a.alias);
        put("entity", &a.entity);
        put("source", &a.source);
        put("count", &a.count);
        put("last_occurred", &Shown(a.last_occurred()));
        put("snoozed_until", &a.snoozed_until);
        put("integration", &a.integration_name);
        let responders: Vec<String> = a
            .responders
            .iter()
            .take(50)
            .map(|r| format!("{}:{}", r.kind.or_empty(), r.id.or_empty()))
            .collect();
        if !responders.is_empty() {
            details.insert("responders".into(), responders.join(", "));
        }
        for (k, v) in a.extra_properties.iter().take(50) {
            let v = crate::jira::models::display(v).unwrap_or_default();
            details.insert(format!("extra.{}", truncate_chars(k, 100)), truncate_chars(&v, 1_000));
        }
    }
    AlertView {
        id: a.id.or_empty(),
        tiny_id: a.tiny_id.or_empty(),
        message: truncate_chars(&a.message.or_empty(), 300),
        status: a.status.or_empty(),
        priority: a.priority.or_empty(),
        acknowledged: a.acknowledged,
        owner: a.owner.or_empty(),
        created: a.created_at.or_empty(),
        tags: a.tags.iter().take(50).filter_map(Shown::get).collect(),
        details,
    }
}

fn alert_line(a: &AlertView) -> String {
    let mut flags = vec![a.status.clone()];
    if a.acknowledged == Some(true) && a.status != "acked" {
        flags.push("acked".into());
    }
    let mut line = format!(
        "#{} {} [{}] {}",
        a.tiny_id,
        if a.priority.is_empty() { "P?" } else { &a.priority },
        flags.join(", "),
        a.message
    );
    let mut about = Vec::new();
    if !a.owner.is_empty() {
        about.push(format!("owner {}", a.owner));
    }
    if !a.created.is_empty() {
        about.push(a.created.clone());
    }
    if !a.tags.is_empty() {
        about.push(format!("tags {}", a.tags.join(",")));
    }
    about.push(format!("id {}", a.id));
    line.push_str(&format!(" — {}", about.join(" · ")));
    line
}

async fn list_alerts(cx: Ctx, p: ListAlertsParams) -> Result<Out<AlertsOut>, ToolError> {
    let empty = |outcome| AlertsOut {
        alerts: Vec::new(),
        notes: Vec::new(),
        total: None,
        outcome,
        next_start_at: None,
    };
    if let Some(rid) = opt(&p.request_id) {
        let rid = given("request_id", rid, 100)?;
        let status = cx
            .jira
            .ops_outcome(&rid)
            .await
            .map_err(|e| fail(&cx, format!("Request {rid}"), e))?;
        let o = Outcome::of(rid.clone(), status);
        let mut text = o.sentence(&format!("Request {rid}"));
        if !o.alert_id.is_empty() {
            text.push_str(&format!(" Alert {}.", o.alert_id));
        }
        return Ok(Out {
            text,
            data: empty(Some(o)),
        });
    }
    if let Some(input) = opt(&p.alert) {
        let alert = match find_alert(&cx, input).await? {
            Found::Alert(a) => *a,
            Found::Id(id) => cx
                .jira
                .alert(&id)
                .await
                .map_err(|e| fail(&cx, format!("Alert {id}"), e))?,
        };
        let id = alert.id.or_empty();
        let notes = cx
            .jira
            .alert_notes(&id, 20)
            .await
            .map_err(|e| fail(&cx, format!("Alert {id}"), e))?;
        let view = alert_view(&alert, true);
        let mut text = alert_line(&view);
        for (k, v) in &view.details {
            text.push_str(&format!("\n{k}: {v}"));
        }
        let notes: Vec<String> = notes
            .items
            .iter()
            .map(|n| {
                format!(
                    "{} {}: {}",
                    n.created_at.or_empty(),
                    n.owner.get().unwrap_or_else(|| "?".into()),
                    truncate_chars(&n.note.or_empty(), 2_000)
                )
            })
            .collect();
        if notes.is_empty() {
            text.push_str("\nNo notes.");
        } else {
            text.push_str("\nNotes:");
            for n in &notes {
                text.push_str(&format!("\n- {n}"));
            }
        }
        let mut out = empty(None);
        out.alerts.push(view);
        out.notes = notes;
        return Ok(Out { text, data: out });
    }
    let offset = u64::from(p.start_at.unwrap_or(0));
    if offset + u64::from(ALERTS_PER_PAGE) >= api::ALERT_WINDOW {
        return Err(ToolError::invalid(
            "JSM Operations pages through the first 20,000 alerts only; narrow the query (e.g. a createdAt range) \
             instead of a start_at this high",
        ));
    }
    let query = match opt(&p.query) {
        Some(q) => given("query", q, 2_000)?,
        None => "status:open".to_string(),
    };
    let page = cx
        .jira
        .alerts(Some(&query), offset, ALERTS_PER_PAGE)
        .await
        .map_err(|e| fail(&cx, "the JSM Operations alert search", e))?;
    let alerts: Vec<AlertView> = page.items.iter().map(|a| alert_view(a, false)).collect();
    let next = page.next.filter(|n| *n > offset && !alerts.is_empty());
    let mut text = if alerts.is_empty() {
        if offset > 0 {
            "No more alerts.".to_string()
        } else {
            format!(
                "No alert matches `{query}` among those visible to you (you see the alerts of your teams; an empty \
                 list can also mean no access)."
            )
        }
    } else {
        alerts.iter().map(alert_line).collect::<Vec<_>>().join("\n")
    };
    super::paging::more_hint(&mut text, cx.tool.name, alerts.len(), page.total, next, "alert");
    Ok(Out {
        text,
        data: AlertsOut {
            alerts,
            notes: Vec::new(),
            total: page.total,
            outcome: None,
            next_start_at: next,
        },
    })
}

// ---- jsm_ops_create_alert -----------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateAlertParams {
    /// ≤130 characters.
    pub message: String,
    /// Details.
    pub description: Option<String>,
    /// P1 to P5 (default P3).
    pub priority: Option<String>,
    /// Dedup key.
    pub alias: Option<String>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// `team:`, `user:`, `schedule:` + name or id; `escalation:` + id.
    pub responders: Option<Vec<String>>,
    /// Affected host or service.
    pub entity: Option<String>,
    /// A first note.
    pub note: Option<String>,
    /// String values.
    pub extra_properties: Option<BTreeMap<String, String>>,
}

fn priority(input: Option<&str>) -> Result<Option<String>, ToolError> {
    match input.map(|p| p.trim().to_ascii_uppercase()).filter(|p| !p.is_empty()) {
        None => Ok(None),
        Some(p) if matches!(p.as_str(), "P1" | "P2" | "P3" | "P4" | "P5") => Ok(Some(p)),
        Some(p) => Err(ToolError::invalid(format!(
            "priority `{}` is not P1, P2, P3, P4 or P5",
            truncate_chars(&p, 20)
        ))),
    }
}

/// Checks a length the API limits.
fn bounded(name: &str, v: Option<&str>, max: usize) -> Result<Option<String>, ToolError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if s.chars().count() > max => Err(ToolError::invalid(format!("{name} is over {max} characters"))),
        Some(s) => Ok(Some(s.to_string())),
        None => Ok(None),
    }
}

fn tag_list(input: &[String]) -> Result<Vec<String>, ToolError> {
    let mut out: Vec<String> = Vec::new();
    for t in input {
        let t = t.trim();
        if t.is_empty() {
            continue;
        }
        if t.chars().count() > 50 {
            return Err(ToolError::invalid("a tag is over 50 characters"));
        }
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    if out.len() > 20 {
        return Err(ToolError::invalid("at most 20 tags per call"));
    }
    Ok(out)
}

async fn responders(cx: &Ctx, input: &[String]) -> Result<Vec<(String, String)>, ToolError> {
    if input.len() > 50 {
        return Err(ToolError::invalid("responders: at most 50"));
    }
    let mut out = Vec::new();
    for r in input {
        let (kind, who) = r.split_once(':').ok_or_else(|| {
            ToolError::invalid(format!(
                "responder `{}` has no type; write team:…, user:…, schedule:… or escalation:…",
                truncate_chars(r, 60)
            ))
        })?;
        let kind = kind.trim().to_ascii_lowercase();
        let id = match kind.as_str() {
            "team" => find_team(cx, who).await?.0,
            "user" => account_id(cx, "responder", who).await?,
            "schedule" => find_schedule(cx, who).await?.0,
            "escalation" => given("escalation", who, 100)?,
            other => {
                return Err(ToolError::invalid(format!(
                    "responder type `{}` is not team, user, schedule or escalation",
                    truncate_chars(other, 30)
                )));
            }
        };
        out.push((kind, id));
    }
    Ok(out)
}

async fn create_alert(cx: Ctx, p: CreateAlertParams) -> Result<Out<Outcome>, ToolError> {
    let message = given("message", &p.message, 130)?;
    let extra = p.extra_properties.unwrap_or_default();
    if extra.len() > 50 || extra.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() > 8_000 {
        return Err(ToolError::invalid(
            "extra_properties: at most 50 entries and 8,000 characters in all",
        ));
    }
    let mut alert = NewAlert {
        message,
        description: bounded("description", p.description.as_deref(), 15_000)?,
        alias: bounded("alias", p.alias.as_deref(), 512)?,
        priority: priority(p.priority.as_deref())?,
        tags: tag_list(&p.tags.unwrap_or_default())?,
        responders: Vec::new(),
        entity: bounded("entity", p.entity.as_deref(), 512)?,
        source: None,
        note: bounded("note", p.note.as_deref(), 25_000)?,
        extra_properties: extra.into_iter().map(|(k, v)| (k, Value::String(v))).collect(),
    };
    alert.responders = responders(&cx, &p.responders.unwrap_or_default()).await?;
    let receipt = cx
        .jira
        .create_alert(&alert)
        .await
        .map_err(|e| fail(&cx, "the JSM Operations alert creation", e))?;
    let o = follow(&cx, receipt, "Create alert").await?;
    let mut out = outcome_out("Create alert", o)?;
    if !out.data.alert_id.is_empty() {
        out.text = format!(
            "Created alert {} ({}).",
            out.data.alert_id,
            truncate_chars(&alert.message, 80)
        );
    }
    Ok(out)
}

// ---- jsm_ops_alert_action -----------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum Action {
    Ack,
    Unack,
    Close,
    Snooze,
    Escalate,
    Assign,
    Note,
    Tag,
    Untag,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AlertActionParams {
    /// Alert id, #tiny id or alias.
    pub alert: String,
    /// What to do.
    pub action: Action,
    /// Note text; with another action, added too.
    pub note: Option<String>,
    /// snooze: ISO 8601 end time.
    pub until: Option<String>,
    /// escalate: escalation id.
    pub escalation_id: Option<String>,
    /// assign: account id, email, name or `me`.
    pub user: Option<String>,
    /// tag, untag.
    pub tags: Option<Vec<String>>,
}

async fn alert_action(cx: Ctx, p: AlertActionParams) -> Result<Out<Outcome>, ToolError> {
    // Everything the model wrote is checked before any request.
    let note = bounded("note", p.note.as_deref(), 25_000)?;
    let needs = |what: &str| ToolError::invalid(format!("{:?} needs {what}", p.action).to_lowercase());
    let action = match p.action {
        Action::Ack => Some(AlertAction::Acknowledge),
        Action::Unack => Some(AlertAction::Unacknowledge),
        Action::Close => Some(AlertAction::Close),
        Action::Snooze => Some(AlertAction::Snooze {
            until: params::instant("until", opt(&p.until).ok_or_else(|| needs("until"))?)?,
        }),
        Action::Escalate => Some(AlertAction::Escalate {
            escalation_id: given(
                "escalation_id",
                opt(&p.escalation_id).ok_or_else(|| needs("escalation_id"))?,
                100,
            )?,
        }),
        Action::Assign => None,
        Action::Note if note.is_none() => return Err(needs("note")),
        Action::Note => None,
        Action::Tag | Action::Untag => {
            let tags = tag_list(p.tags.as_deref().unwrap_or_default())?;
            if tags.is_empty() {
                return Err(needs("tags"));
            }
            Some(if p.action == Action::Tag {
                AlertAction::AddTags(tags)
            } else {
                AlertAction::RemoveTags(tags)
            })
        }
    };
    let user = match p.action {
        Action::Assign => Some(opt(&p.user).ok_or_else(|| needs("user"))?.to_string()),
        _ => None,
    };
    let found = find_alert(&cx, &p.alert).await?;
    let id = found.id();
    let action = match (action, user) {
        (Some(a), _) => Some(a),
        (None, Some(u)) => Some(AlertAction::Assign {
            account_id: account_id(&cx, "user", &u).await?,
        }),
        (None, None) => None,
    };
    let subject = format!("Alert {id}");
    let mut sentences = Vec::new();
    let mut last = None;
    if let Some(action) = &action {
        let receipt = cx
            .jira
            .alert_action(&id, action)
            .await
            .map_err(|e| fail(&cx, subject.clone(), e))?;
        let what = format!("{} alert {id}", verb(p.action));
        let o = follow(&cx, receipt, &what).await?;
        let out = outcome_out(&what, o)?;
        sentences.push(out.text);
        last = Some(out.data);
    }
    if let Some(note) = note {
        let added = cx
            .jira
            .add_alert_note(&id, &note)
            .await
            .map_err(|e| fail(&cx, subject.clone(), e))?;
        let what = format!("Add a note to alert {id}");
        let o = match added {
            NoteAdded::Note(_) => Outcome::of(
                String::new(),
                Some(RequestStatus {
                    is_success: Some(true),
                    alert_id: Shown(Some(id.clone())),
                    ..RequestStatus::default()
                }),
            ),
            NoteAdded::Receipt(r) => follow(&cx, r, &what).await?,
        };
        let out = outcome_out(&what, o)?;
        sentences.push(out.text);
        last.get_or_insert(out.data);
    }
    let mut data = last.ok_or_else(|| ToolError::internal("an alert action without a step"))?;
    if data.alert_id.is_empty() {
        data.alert_id = id;
    }
    Ok(Out {
        text: sentences.join(" "),
        data,
    })
}

fn verb(a: Action) -> &'static str {
    match a {
        Action::Ack => "Acknowledge",
        Action::Unack => "Unacknowledge",
        Action::Close => "Close",
        Action::Snooze => "Snooze",
        Action::Escalate => "Escalate",
        Action::Assign => "Assign",
        Action::Note => "Note",
        Action::Tag => "Tag",
        Action::Untag => "Untag",
    }
}

// ---- jsm_ops_list_schedules ---------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SchedulesParams {
    /// Id or name: its rotations and overrides.
    pub schedule: Option<String>,
    /// Name filter; end with * for a prefix.
    pub query: Option<String>,
    /// `*`: teams; a team name or id: that team.
    pub team: Option<String>,
    /// From `next_start_at`.
    pub start_at: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Named {
    pub id: String,
    pub name: String,
    /// Schedule: timezone and team; rotation: type and people; role: rights.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub about: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SchedulesOut {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<Named>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rotations: Vec<Named>,
    /// Ongoing and future overrides: alias, who, from, to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<Named>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<Named>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Named>,
    /// People in the team's rotations (the API lists no team members).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u64>,
}

impl SchedulesOut {
    fn empty() -> Self {
        SchedulesOut {
            schedules: Vec::new(),
            rotations: Vec::new(),
            overrides: Vec::new(),
            teams: Vec::new(),
            roles: Vec::new(),
            members: Vec::new(),
            next_start_at: None,
        }
    }
}

fn schedule_view(s: &api::Schedule) -> Named {
    let mut about = Vec::new();
    if let Some(tz) = s.timezone.get() {
        about.push(tz);
    }
    if let Some(t) = s.team_id.get() {
        about.push(format!("team {t}"));
    }
    if s.enabled == Some(false) {
        about.push("disabled".into());
    }
    Named {
        id: s.id.or_empty(),
        name: s.name.or_empty(),
        about: about.join(", "),
    }
}

fn named_line(n: &Named) -> String {
    if n.about.is_empty() {
        format!("- {} ({})", n.name, n.id)
    } else {
        format!("- {} ({}) — {}", n.name, n.id, n.about)
    }
}

fn rotation_people(r: &api::Rotation) -> Vec<String> {
    r.participants
        .iter()
        .take(100)
        .map(|p| match (p.kind.or_empty().as_str(), p.id.get()) {
            ("noone", _) => "no one".to_string(),
            ("user", Some(id)) => id,
            (kind, Some(id)) => format!("{kind}:{id}"),
            (kind, None) => kind.to_string(),
        })
        .collect()
}

async fn list_schedules(cx: Ctx, p: SchedulesParams) -> Result<Out<SchedulesOut>, ToolError> {
    if let Some(team) = opt(&p.team) {
        return if team == "*" {
            teams(&cx).await
        } else {
            team_detail(&cx, team).await
        };
    }
    if let Some(s) = opt(&p.schedule) {
        return schedule_detail(&cx, s).await;
    }
    let offset = u64::from(p.start_at.unwrap_or(0));
    let query = opt(&p.query).map(|q| given("query", q, 200)).transpose()?;
    let page = cx
        .jira
        .schedules(query.as_deref(), offset, 50)
        .await
        .map_err(|e| fail(&cx, "the JSM Operations schedules", e))?;
    let schedules: Vec<Named> = page.items.iter().map(schedule_view).collect();
    let next = page.next.filter(|n| *n > offset && !schedules.is_empty());
    let mut text = if schedules.is_empty() {
        "No schedule visible to you (you see your teams' schedules and those you are on; an empty list can also \
         mean no access)."
            .to_string()
    } else {
        schedules.iter().map(named_line).collect::<Vec<_>>().join("\n")
    };
    super::paging::more_hint(&mut text, cx.tool.name, schedules.len(), None, next, "schedule");
    let mut out = SchedulesOut::empty();
    out.schedules = schedules;
    out.next_start_at = next;
    Ok(Out { text, data: out })
}

async fn schedule_detail(cx: &Ctx, input: &str) -> Result<Out<SchedulesOut>, ToolError> {
    let (id, _) = find_schedule(cx, input).await?;
    let s = cx
        .jira
        .schedule(&id)
        .await
        .map_err(|e| fail(cx, format!("Schedule {id}"), e))?;
    let overrides = cx
        .jira
        .overrides(&id)
        .await
        .map_err(|e| fail(cx, format!("Schedule {id}"), e))?;
    let mut ids: Vec<String> = s
        .rotations
        .iter()
        .flat_map(|r| r.participants.iter())
        .chain(overrides.items.iter().map(|o| &o.responder))
        .filter(|p| p.kind.get().as_deref() == Some("user"))
        .filter_map(|p| p.id.get())
        .collect();
    ids.sort();
    ids.dedup();
    let names = names(cx, &ids).await;
    let rotations: Vec<Named> = s
        .rotations
        .iter()
        .map(|r| Named {
            id: r.id.or_empty(),
            name: r.name.or_empty(),
            about: format!(
                "{} from {}{}: {}",
                r.kind.get().unwrap_or_else(|| "rotation".into()),
                r.start_date.or_empty(),
                r.end_date.get().map(|e| format!(" to {e}")).unwrap_or_default(),
                rotation_people(r)
                    .iter()
                    .map(|p| person(p, &names))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
        .collect();
    let overrides: Vec<Named> = overrides
        .items
        .iter()
        .map(|o| {
            let who = o
                .responder
                .id
                .get()
                .map_or_else(|| "no one".to_string(), |i| person(&i, &names));
            Named {
                id: o.alias.or_empty(),
                name: who,
                about: format!("{} to {}", o.start_date.or_empty(), o.end_date.or_empty()),
            }
        })
        .collect();
    let head = schedule_view(&s);
    let mut text = format!("Schedule {}", named_line(&head).trim_start_matches("- "));
    text.push_str(if rotations.is_empty() {
        "\nNo rotations."
    } else {
        "\nRotations:"
    });
    for r in &rotations {
        text.push('\n');
        text.push_str(&named_line(r));
    }
    if overrides.is_empty() {
        text.push_str("\nNo ongoing or future overrides.");
    } else {
        text.push_str("\nOverrides (alias, who, when):");
        for o in &overrides {
            text.push_str(&format!("\n- {}: {}, {}", o.id, o.name, o.about));
        }
    }
    let mut out = SchedulesOut::empty();
    out.schedules.push(head);
    out.rotations = rotations;
    out.overrides = overrides;
    Ok(Out { text, data: out })
}

async fn teams(cx: &Ctx) -> Result<Out<SchedulesOut>, ToolError> {
    let teams: Vec<Named> = cx
        .jira
        .ops_teams()
        .await
        .map_err(|e| fail(cx, "the JSM Operations teams", e))?
        .iter()
        .take(500)
        .map(|t| Named {
            id: t.team_id.or_empty(),
            name: t.team_name.or_empty(),
            about: String::new(),
        })
        .collect();
    let text = if teams.is_empty() {
        "No team visible to you (you see the teams you belong to; Operations admins see all).".to_string()
    } else {
        teams.iter().map(named_line).collect::<Vec<_>>().join("\n")
    };
    let mut out = SchedulesOut::empty();
    out.teams = teams;
    Ok(Out { text, data: out })
}

async fn team_detail(cx: &Ctx, input: &str) -> Result<Out<SchedulesOut>, ToolError> {
    let (team_id, team_name) = find_team(cx, input).await?;
    let roles = cx
        .jira
        .team_roles(&team_id)
        .await
        .map_err(|e| fail(cx, format!("Team {team_id}"), e))?;
    let roles: Vec<Named> = roles
        .iter()
        .take(100)
        .map(|r| Named {
            id: r.id.or_empty(),
            name: r.name.or_empty(),
            about: r
                .rights
                .iter()
                .filter(|x| x.granted == Some(true))
                .filter_map(|x| x.right.get())
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    // The team's schedules are found among the first 200 visible ones.
    let mut schedules = Vec::new();
    let mut offset = 0;
    for _ in 0..4 {
        let page = cx
            .jira
            .schedules(None, offset, 50)
            .await
            .map_err(|e| fail(cx, "the JSM Operations schedules", e))?;
        schedules.extend(
            page.items
                .into_iter()
                .filter(|s| s.team_id.get().as_deref() == Some(&team_id)),
        );
        match page.next {
            Some(n) if n > offset => offset = n,
            _ => break,
        }
    }
    let mut ids: Vec<String> = schedules
        .iter()
        .flat_map(|s| s.rotations.iter())
        .flat_map(|r| r.participants.iter())
        .filter(|p| p.kind.get().as_deref() == Some("user"))
        .filter_map(|p| p.id.get())
        .collect();
    ids.sort();
    ids.dedup();
    ids.truncate(200);
    let names = names(cx, &ids).await;
    let members: Vec<String> = ids.iter().map(|i| person(i, &names)).collect();
    let schedules: Vec<Named> = schedules.iter().map(schedule_view).collect();
    let title = if team_name.is_empty() {
        team_id.clone()
    } else {
        format!("{team_name} ({team_id})")
    };
    let mut text = format!("Team {title}");
    text.push_str(if roles.is_empty() { "\nNo roles." } else { "\nRoles:" });
    for r in &roles {
        text.push('\n');
        text.push_str(&named_line(r));
    }
    text.push_str(if schedules.is_empty() {
        "\nNo schedules."
    } else {
        "\nSchedules:"
    });
    for s in &schedules {
        text.push('\n');
        text.push_str(&named_line(s));
    }
    if members.is_empty() {
        text.push_str("\nNo one in its rotations (the Operations API lists no team members).");
    } else {
        text.push_str(&format!(
            "\nIn its rotations (the Operations API lists no team members): {}",
            members.join(", ")
        ));
    }
    let mut out = SchedulesOut::empty();
    out.teams.push(Named {
        id: team_id,
        name: team_name,
        about: String::new(),
    });
    out.roles = roles;
    out.schedules = schedules;
    out.members = members;
    Ok(Out { text, data: out })
}

// ---- jsm_ops_on_call ----------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct OnCallParams {
    /// Id or name; default all (first 20).
    pub schedule: Option<String>,
    /// ISO 8601; default now.
    pub at: Option<String>,
    /// Who is next instead.
    pub next: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct OnCallEntry {
    pub schedule_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub schedule: String,
    /// `Name (account id)`, with `forwarded from …` when forwarded.
    pub people: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct OnCallOut {
    pub on_call: Vec<OnCallEntry>,
}

async fn on_call(cx: Ctx, p: OnCallParams) -> Result<Out<OnCallOut>, ToolError> {
    let at = opt(&p.at).map(|a| params::instant("at", a)).transpose()?;
    let next = p.next.unwrap_or(false);
    let schedules: Vec<(String, String)> = match opt(&p.schedule) {
        Some(s) => vec![find_schedule(&cx, s).await?],
        None => cx
            .jira
            .schedules(None, 0, 20)
            .await
            .map_err(|e| fail(&cx, "the JSM Operations schedules", e))?
            .items
            .iter()
            .map(|s| (s.id.or_empty(), s.name.or_empty()))
            .collect(),
    };
    let mut found = Vec::new();
    for (id, name) in &schedules {
        let who = cx
            .jira
            .on_calls(id, at.as_deref(), next)
            .await
            .map_err(|e| fail(&cx, format!("Schedule {id}"), e))?;
        found.push((id, name, who.people()));
    }
    let mut ids: Vec<String> = found
        .iter()
        .flat_map(|(_, _, p)| p.iter().flat_map(|(a, b)| std::iter::once(a.clone()).chain(b.clone())))
        .collect();
    ids.sort();
    ids.dedup();
    let names = names(&cx, &ids).await;
    let when = match (&at, next) {
        (Some(a), true) => format!("next after {a}"),
        (Some(a), false) => format!("at {a}"),
        (None, true) => "next".to_string(),
        (None, false) => "now".to_string(),
    };
    let mut lines = Vec::new();
    let mut entries = Vec::new();
    for (id, name, people) in found {
        let people: Vec<String> = people
            .iter()
            .map(|(who, from)| match from {
                Some(f) => format!("{} (forwarded from {})", person(who, &names), person(f, &names)),
                None => person(who, &names),
            })
            .collect();
        let label = if name.is_empty() { id.clone() } else { name.clone() };
        lines.push(format!(
            "{label} ({when}): {}",
            if people.is_empty() {
                "no one".to_string()
            } else {
                people.join(", ")
            }
        ));
        entries.push(OnCallEntry {
            schedule_id: id.clone(),
            schedule: name.clone(),
            people,
        });
    }
    let text = if lines.is_empty() {
        "No schedule visible to you, so no one on call to show.".to_string()
    } else {
        lines.join("\n")
    };
    Ok(Out {
        text,
        data: OnCallOut { on_call: entries },
    })
}

// ---- jsm_ops_override ---------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct OverrideParams {
    /// Schedule id or name.
    pub schedule: String,
    /// Account id, email, name or `me`.
    pub user: Option<String>,
    /// ISO 8601.
    pub start: Option<String>,
    /// ISO 8601.
    pub end: Option<String>,
    /// Default all.
    pub rotation_ids: Option<Vec<String>>,
    /// Delete this override instead.
    pub delete_alias: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct OverrideOut {
    pub schedule_id: String,
    pub alias: String,
    pub deleted: bool,
}

async fn override_shift(cx: Ctx, p: OverrideParams) -> Result<Out<OverrideOut>, ToolError> {
    if let Some(alias) = opt(&p.delete_alias) {
        if p.user.is_some() || p.start.is_some() || p.end.is_some() {
            return Err(ToolError::invalid(
                "give delete_alias alone, or user, start and end to create",
            ));
        }
        let alias = given("delete_alias", alias, 200)?;
        let (id, _) = find_schedule(&cx, &p.schedule).await?;
        cx.jira
            .delete_override(&id, &alias)
            .await
            .map_err(|e| fail(&cx, format!("Override {alias} of schedule {id}"), e))?;
        return Ok(Out {
            text: format!("Deleted override {alias} of schedule {id}."),
            data: OverrideOut {
                schedule_id: id,
                alias,
                deleted: true,
            },
        });
    }
    let missing = |w: &str| ToolError::invalid(format!("an override needs {w} (or delete_alias to delete one)"));
    let user = opt(&p.user).ok_or_else(|| missing("user"))?.to_string();
    let start = params::instant("start", opt(&p.start).ok_or_else(|| missing("start"))?)?;
    let end = params::instant("end", opt(&p.end).ok_or_else(|| missing("end"))?)?;
    // Both carry the same fixed-width UTC-or-offset form only when the offsets agree; compare
    // the instants that are comparable as text (same offset) and leave the rest to Jira.
    if start[23..] == end[23..] && end[..23] <= start[..23] {
        return Err(ToolError::invalid("end is not after start"));
    }
    let rotations: Vec<String> = p
        .rotation_ids
        .unwrap_or_default()
        .iter()
        .map(|r| given("rotation_ids", r, 100))
        .collect::<Result<_, _>>()?;
    if rotations.len() > 50 {
        return Err(ToolError::invalid("rotation_ids: at most 50"));
    }
    let (id, name) = find_schedule(&cx, &p.schedule).await?;
    let account = account_id(&cx, "user", &user).await?;
    let o = cx
        .jira
        .create_override(&id, &account, &start, &end, &rotations)
        .await
        .map_err(|e| fail(&cx, format!("Schedule {id}"), e))?;
    let alias = o.alias.or_empty();
    let label = if name.is_empty() { id.clone() } else { name };
    Ok(Out {
        text: format!(
            "{} is on call in {label} from {start} to {end} (override {alias}; delete it with delete_alias).",
            truncate_chars(&user, 80)
        ),
        data: OverrideOut {
            schedule_id: id,
            alias,
            deleted: false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_told_from_names() {
        assert!(looks_like_id("9b251e07-73c9-4907-9996-8cb53a6a20d0-1704440650350"));
        assert!(looks_like_id("85f14c10-2b4b-4c3b-9a8e-111111111111"));
        assert!(!looks_like_id("Payments on-call"));
        assert!(!looks_like_id("db-down"));
    }

    #[test]
    fn outcomes_read_as_sentences() {
        let done = Outcome::of(
            "r1".into(),
            Some(RequestStatus {
                is_success: Some(false),
                status: Shown(Some("Alert does not exist".into())),
                ..RequestStatus::default()
            }),
        );
        assert_eq!(
            done.sentence("Close alert x"),
            "Close alert x failed: Alert does not exist."
        );
        let Err(err) = outcome_out("Close alert x", done) else {
            panic!("a failed outcome is an error")
        };
        assert_eq!(err.kind, ErrorKind::NotFound);
        let pending = Outcome::of("r2".into(), None);
        assert!(pending.sentence("Ack").contains("request r2"));
    }
}
