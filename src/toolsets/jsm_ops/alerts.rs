//! The alert tools: search and read (`jsm_ops_list_alerts`), create, and act on one. Writes
//! answer a receipt; [`follow`] reads its outcome within the poll budget.

use std::{collections::BTreeMap, time::Instant};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{account_id, fail, fail_delete, find_schedule, find_team, given, looks_like_id, opt};
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
    toolsets::{Access, Ctx, Out, ToolDef, ToolError, handler, paging, params},
};

pub(super) static LIST_ALERTS: ToolDef = ToolDef {
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

pub(super) static CREATE_ALERT: ToolDef = ToolDef {
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

pub(super) static ALERT_ACTION: ToolDef = ToolDef {
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
    // A 2xx that is not a receipt claims nothing: saying "done" would be a guess.
    let Some(id) = receipt.request_id.get() else {
        return Err(ToolError::new(
            ErrorKind::Other,
            format!(
                "{what}: JSM Operations accepted the request but sent no request id, so its outcome is unknown; \
                 check with jsm_ops_list_alerts before repeating it."
            ),
        ));
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
/// Notes shown with one alert (the API pages them by cursor; the newest matter most).
const NOTES_SHOWN: u32 = 20;

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
        let notes_page = cx
            .jira
            .alert_notes(&id, NOTES_SHOWN)
            .await
            .map_err(|e| fail(&cx, format!("Alert {id}"), e))?;
        let view = alert_view(&alert, true);
        let mut text = alert_line(&view);
        for (k, v) in &view.details {
            text.push_str(&format!("\n{k}: {v}"));
        }
        let notes: Vec<String> = notes_page
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
        let mut notes = notes;
        if notes_page.more {
            notes.push(format!(
                "(only the first {NOTES_SHOWN} notes are shown; the alert has more)"
            ));
        }
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
    paging::more_hint(&mut text, cx.tool.name, alerts.len(), page.total, next, "alert");
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
        let receipt = cx.jira.alert_action(&id, action).await.map_err(|e| match action {
            AlertAction::RemoveTags(_) => fail_delete(&cx, subject.clone(), e),
            _ => fail(&cx, subject.clone(), e),
        })?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
