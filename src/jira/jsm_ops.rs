//! Jira Service Management Operations (the former Opsgenie): alerts, schedules, on-call,
//! overrides and teams, on Cloud only. The operations are declared here, beside the client
//! methods that call them; every path is under the Ops base, which `JiraClient::ops_base`
//! builds for OAuth or API-token auth.
//!
//! The model of this API, and where it differs from the rest of Jira:
//! - Alert writes are asynchronous: they answer a receipt (`requestId`), and the outcome —
//!   including "alert does not exist" — only shows in `GET /alerts/requests/{id}`, which
//!   answers 404 until the request is processed. [`JiraClient::ops_outcome`] reads it once;
//!   the toolset follows it within a time budget.
//! - Alerts are addressed by their full id only: a tiny id (`#1234`) is found with the query
//!   `tinyId:1234`, an alias with `GET /alerts/alias` (open alerts only).
//! - Lists are `{values, count?, links.next}`; `next` comes in several URL forms, so only its
//!   `offset` is read ([`OpsPage`]).
//! - People are Atlassian account ids; names come from Jira's `user/bulk`.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    JiraClient, JiraError,
    models::{Page, Shown, User, lenient},
    ops::{
        Api::{Ops, Platform},
        Method::{Delete, Get, Post},
        On::CloudOnly,
        Op,
    },
};
use crate::http::ApiRequest;

pub const ALERTS: Op = Op::new(Get, Ops, "/alerts", CloudOnly);
pub const ALERT_CREATE: Op = Op::new(Post, Ops, "/alerts", CloudOnly);
pub const ALERT_BY_ALIAS: Op = Op::new(Get, Ops, "/alerts/alias", CloudOnly);
pub const ALERT: Op = Op::new(Get, Ops, "/alerts/{id}", CloudOnly);
pub const REQUEST_STATUS: Op = Op::new(Get, Ops, "/alerts/requests/{id}", CloudOnly);
pub const ACK: Op = Op::new(Post, Ops, "/alerts/{id}/acknowledge", CloudOnly);
pub const UNACK: Op = Op::new(Post, Ops, "/alerts/{id}/unacknowledge", CloudOnly);
pub const CLOSE: Op = Op::new(Post, Ops, "/alerts/{id}/close", CloudOnly);
pub const SNOOZE: Op = Op::new(Post, Ops, "/alerts/{id}/snooze", CloudOnly);
pub const ESCALATE: Op = Op::new(Post, Ops, "/alerts/{id}/escalate", CloudOnly);
pub const ASSIGN: Op = Op::new(Post, Ops, "/alerts/{id}/assign", CloudOnly);
pub const NOTES: Op = Op::new(Get, Ops, "/alerts/{id}/notes", CloudOnly);
pub const NOTE_ADD: Op = Op::new(Post, Ops, "/alerts/{id}/notes", CloudOnly);
pub const TAGS_ADD: Op = Op::new(Post, Ops, "/alerts/{id}/tags", CloudOnly);
pub const TAGS_REMOVE: Op = Op::new(Delete, Ops, "/alerts/{id}/tags", CloudOnly);
pub const SCHEDULES: Op = Op::new(Get, Ops, "/schedules", CloudOnly);
pub const SCHEDULE: Op = Op::new(Get, Ops, "/schedules/{id}", CloudOnly);
pub const ON_CALLS: Op = Op::new(Get, Ops, "/schedules/{scheduleId}/on-calls", CloudOnly);
pub const NEXT_ON_CALLS: Op = Op::new(Get, Ops, "/schedules/{scheduleId}/next-on-calls", CloudOnly);
pub const OVERRIDES: Op = Op::new(Get, Ops, "/schedules/{scheduleId}/overrides", CloudOnly);
pub const OVERRIDE_CREATE: Op = Op::new(Post, Ops, "/schedules/{scheduleId}/overrides", CloudOnly);
pub const OVERRIDE_DELETE: Op = Op::new(Delete, Ops, "/schedules/{scheduleId}/overrides/{alias}", CloudOnly);
pub const TEAMS: Op = Op::new(Get, Ops, "/teams", CloudOnly);
pub const TEAM_ROLES: Op = Op::new(Get, Ops, "/teams/{teamId}/roles", CloudOnly);
/// Jira's own lookup of account ids, for the names of people on call.
pub const USERS_BULK: Op = Op::new(Get, Platform, "/user/bulk", CloudOnly);

/// The most alerts the API lets anyone page through (`offset + size` stays below it).
pub const ALERT_WINDOW: u64 = 20_000;

/// `{id, type}`: a responder, participant or visibility entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Party {
    pub id: Shown,
    #[serde(rename = "type")]
    pub kind: Shown,
    /// Escalations and teams on call expand to the people behind them.
    #[serde(
        rename = "onCallParticipants",
        alias = "nextOnCallParticipants",
        deserialize_with = "lenient"
    )]
    pub members: Vec<Party>,
    #[serde(rename = "forwardedFrom", deserialize_with = "lenient")]
    pub forwarded_from: Option<Box<Party>>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Alert {
    pub id: Shown,
    pub tiny_id: Shown,
    pub alias: Shown,
    pub message: Shown,
    pub description: Shown,
    pub status: Shown,
    pub acknowledged: Option<bool>,
    pub snoozed: Option<bool>,
    pub snoozed_until: Shown,
    pub priority: Shown,
    pub owner: Shown,
    pub entity: Shown,
    pub source: Shown,
    pub count: Shown,
    pub created_at: Shown,
    pub updated_at: Shown,
    /// The spec spells it `lastOccuredAt`, its sort value `lastOccurredAt`: either may come,
    /// or both (an alias would refuse both as a duplicate).
    pub last_occurred_at: Shown,
    #[serde(rename = "lastOccuredAt")]
    pub last_occured_at: Shown,
    #[serde(deserialize_with = "lenient")]
    pub tags: Vec<Shown>,
    #[serde(deserialize_with = "lenient")]
    pub responders: Vec<Party>,
    #[serde(deserialize_with = "lenient")]
    pub extra_properties: Map<String, Value>,
    pub integration_name: Shown,
}

impl Alert {
    pub fn last_occurred(&self) -> Option<String> {
        self.last_occurred_at.get().or_else(|| self.last_occured_at.get())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AlertNote {
    pub id: Shown,
    pub note: Shown,
    pub owner: Shown,
    pub created_at: Shown,
}

/// What an asynchronous write answers.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Receipt {
    pub request_id: Shown,
    pub result: Shown,
}

/// The outcome of an asynchronous write, once processed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestStatus {
    pub action: Shown,
    pub processed_at: Shown,
    pub is_success: Option<bool>,
    pub status: Shown,
    pub alert_id: Shown,
    pub alias: Shown,
}

impl RequestStatus {
    /// Processed (successfully or not); before that the API answers 404 or an empty status.
    pub fn is_done(&self) -> bool {
        self.is_success.is_some() || self.processed_at.get().is_some()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Rotation {
    pub id: Shown,
    pub name: Shown,
    #[serde(rename = "type")]
    pub kind: Shown,
    pub length: Shown,
    pub start_date: Shown,
    pub end_date: Shown,
    #[serde(deserialize_with = "lenient")]
    pub participants: Vec<Party>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Schedule {
    pub id: Shown,
    pub name: Shown,
    pub description: Shown,
    pub timezone: Shown,
    pub enabled: Option<bool>,
    pub team_id: Shown,
    #[serde(deserialize_with = "lenient")]
    pub rotations: Vec<Rotation>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Override {
    pub alias: Shown,
    pub responder: Party,
    pub start_date: Shown,
    pub end_date: Shown,
    #[serde(deserialize_with = "lenient")]
    pub rotation_ids: Vec<Shown>,
}

/// Who is on call: participants as a tree (teams, escalations, people), or only user ids.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OnCall {
    #[serde(alias = "nextOnCallParticipants", deserialize_with = "lenient")]
    pub on_call_participants: Vec<Party>,
    #[serde(alias = "nextOnCallUsers", deserialize_with = "lenient")]
    pub on_call_users: Vec<Shown>,
}

impl OnCall {
    /// The account ids of the people on call, in order, once each; forwarding noted.
    pub fn people(&self) -> Vec<(String, Option<String>)> {
        fn walk(p: &Party, depth: usize, out: &mut Vec<(String, Option<String>)>) {
            // The API nests escalations in teams at most a few levels; deeper is hostile.
            if depth > 8 {
                return;
            }
            if p.kind.get().as_deref() == Some("user")
                && let Some(id) = p.id.get()
                && !out.iter().any(|(o, _)| *o == id)
            {
                out.push((id, p.forwarded_from.as_ref().and_then(|f| f.id.get())));
            }
            for m in &p.members {
                walk(m, depth + 1, out);
            }
        }
        let mut out = Vec::new();
        for p in &self.on_call_participants {
            walk(p, 0, &mut out);
        }
        for u in &self.on_call_users {
            if let Some(id) = u.get()
                && !out.iter().any(|(o, _)| *o == id)
            {
                out.push((id, None));
            }
        }
        out
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Team {
    pub team_id: Shown,
    pub team_name: Shown,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct TeamRole {
    pub id: Shown,
    pub name: Shown,
    #[serde(deserialize_with = "lenient")]
    pub rights: Vec<Right>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Right {
    pub right: Shown,
    pub granted: Option<bool>,
}

/// One page of an Ops list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpsPage<T> {
    pub items: Vec<T>,
    /// Alerts say how many match; other lists do not.
    pub total: Option<u64>,
    /// The offset of the next page, read from `links.next`.
    pub next: Option<u64>,
    /// `links.next` is there: more follow (also for lists paged by a cursor).
    pub more: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawPage {
    #[serde(deserialize_with = "lenient")]
    values: Vec<Value>,
    #[serde(deserialize_with = "lenient")]
    count: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    links: Links,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Links {
    #[serde(deserialize_with = "lenient")]
    next: Option<String>,
}

impl RawPage {
    /// Items of another shape than `T` (not even an object) are left out.
    fn typed<T: serde::de::DeserializeOwned>(self) -> OpsPage<T> {
        OpsPage {
            more: self.links.next.as_deref().is_some_and(|n| !n.is_empty()),
            next: self.links.next.as_deref().and_then(next_offset),
            items: self
                .values
                .into_iter()
                .filter_map(|v| serde_json::from_value(v).ok())
                .collect(),
            total: self.count,
        }
    }
}

/// The `offset` in a `links.next`, whatever URL form it takes (relative, with the cloud id,
/// absolute): only the query is trusted, never the host or path.
pub fn next_offset(next: &str) -> Option<u64> {
    let base = url::Url::parse("http://next.invalid/").ok()?;
    let url = base.join(next).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == "offset")
        .and_then(|(_, v)| v.parse().ok())
}

/// A new alert.
#[derive(Debug, Clone, Default)]
pub struct NewAlert {
    pub message: String,
    pub description: Option<String>,
    pub alias: Option<String>,
    pub priority: Option<String>,
    pub tags: Vec<String>,
    /// `(type, id)`: team, user, escalation or schedule.
    pub responders: Vec<(String, String)>,
    pub entity: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub extra_properties: Map<String, Value>,
}

/// An action on an alert, each its own endpoint.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertAction {
    Acknowledge,
    Unacknowledge,
    Close,
    Snooze { until: String },
    Escalate { escalation_id: String },
    Assign { account_id: String },
    AddTags(Vec<String>),
    RemoveTags(Vec<String>),
}

impl AlertAction {
    fn op_and_body(&self) -> (Op, Option<Value>) {
        match self {
            AlertAction::Acknowledge => (ACK, None),
            AlertAction::Unacknowledge => (UNACK, None),
            AlertAction::Close => (CLOSE, None),
            AlertAction::Snooze { until } => (SNOOZE, Some(json!({"endTime": until}))),
            AlertAction::Escalate { escalation_id } => (ESCALATE, Some(json!({"escalationId": escalation_id}))),
            AlertAction::Assign { account_id } => (ASSIGN, Some(json!({"accountId": account_id}))),
            AlertAction::AddTags(tags) => (TAGS_ADD, Some(json!({"tags": tags}))),
            AlertAction::RemoveTags(tags) => (TAGS_REMOVE, Some(json!({"tags": tags}))),
        }
    }
}

/// A note's answer: the note itself (as the spec documents), or a receipt (as Opsgenie did).
#[derive(Debug, Clone, PartialEq)]
pub enum NoteAdded {
    Note(AlertNote),
    Receipt(Receipt),
}

impl JiraClient {
    async fn ops_page<T: serde::de::DeserializeOwned>(&self, req: ApiRequest) -> Result<OpsPage<T>, JiraError> {
        let raw: RawPage = self.call(req).await?;
        Ok(raw.typed())
    }

    /// Alerts matching `query` (the alert search syntax), newest first.
    pub async fn alerts(&self, query: Option<&str>, offset: u64, size: u32) -> Result<OpsPage<Alert>, JiraError> {
        let mut req = self
            .request(ALERTS, &[])
            .await?
            .query("offset", offset)
            .query("size", size)
            .query("sort", "createdAt")
            .query("order", "desc");
        if let Some(q) = query {
            req = req.query("query", q);
        }
        self.ops_page(req).await
    }

    pub async fn alert(&self, id: &str) -> Result<Alert, JiraError> {
        let req = self.request(ALERT, &[id]).await?;
        self.call(req).await
    }

    /// The open alert with this alias.
    pub async fn alert_by_alias(&self, alias: &str) -> Result<Alert, JiraError> {
        let req = self.request(ALERT_BY_ALIAS, &[]).await?.query("alias", alias);
        self.call(req).await
    }

    pub async fn alert_notes(&self, id: &str, size: u32) -> Result<OpsPage<AlertNote>, JiraError> {
        let req = self.request(NOTES, &[id]).await?.query("size", size);
        self.ops_page(req).await
    }

    pub async fn create_alert(&self, a: &NewAlert) -> Result<Receipt, JiraError> {
        let mut body = json!({"message": a.message});
        let mut set = |k: &str, v: Option<&String>| {
            if let Some(v) = v {
                body[k] = json!(v);
            }
        };
        set("description", a.description.as_ref());
        set("alias", a.alias.as_ref());
        set("priority", a.priority.as_ref());
        set("entity", a.entity.as_ref());
        set("source", a.source.as_ref());
        set("note", a.note.as_ref());
        if !a.tags.is_empty() {
            body["tags"] = json!(a.tags);
        }
        if !a.responders.is_empty() {
            body["responders"] = a
                .responders
                .iter()
                .map(|(t, id)| json!({"type": t, "id": id}))
                .collect();
        }
        if !a.extra_properties.is_empty() {
            body["extraProperties"] = Value::Object(a.extra_properties.clone());
        }
        let req = self.request(ALERT_CREATE, &[]).await?.json(body);
        self.call(req).await
    }

    /// Sends an action; the receipt's request id tells its outcome later.
    pub async fn alert_action(&self, id: &str, action: &AlertAction) -> Result<Receipt, JiraError> {
        let (op, body) = action.op_and_body();
        let mut req = self.request(op, &[id]).await?;
        if let Some(body) = body {
            req = req.json(body);
        }
        self.call(req).await
    }

    pub async fn add_alert_note(&self, id: &str, note: &str) -> Result<NoteAdded, JiraError> {
        let req = self.request(NOTE_ADD, &[id]).await?.json(json!({"note": note}));
        let v: Value = self.call(req).await?;
        let receipt: Receipt = serde_json::from_value(v.clone()).unwrap_or_default();
        if receipt.request_id.get().is_some() {
            return Ok(NoteAdded::Receipt(receipt));
        }
        Ok(NoteAdded::Note(serde_json::from_value(v).unwrap_or_default()))
    }

    /// The outcome of an asynchronous write; `None` while it is still queued (404).
    pub async fn ops_outcome(&self, request_id: &str) -> Result<Option<RequestStatus>, JiraError> {
        let req = self.request(REQUEST_STATUS, &[request_id]).await?;
        match self.call::<RequestStatus>(req).await {
            Ok(s) if s.is_done() => Ok(Some(s)),
            Ok(_) => Ok(None),
            Err(JiraError::Api(e)) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Schedules, optionally by name (exact, or a prefix ending in `*`), with rotations.
    pub async fn schedules(&self, name: Option<&str>, offset: u64, size: u32) -> Result<OpsPage<Schedule>, JiraError> {
        let mut req = self
            .request(SCHEDULES, &[])
            .await?
            .query("offset", offset)
            .query("size", size)
            .query("expand", "rotation");
        if let Some(n) = name {
            req = req.query("query", n);
        }
        self.ops_page(req).await
    }

    pub async fn schedule(&self, id: &str) -> Result<Schedule, JiraError> {
        let req = self.request(SCHEDULE, &[id]).await?.query("expand", "rotation");
        self.call(req).await
    }

    /// Who is on call at `at` (now when `None`), or next after it.
    pub async fn on_calls(&self, schedule: &str, at: Option<&str>, next: bool) -> Result<OnCall, JiraError> {
        let op = if next { NEXT_ON_CALLS } else { ON_CALLS };
        let mut req = self.request(op, &[schedule]).await?.query("flat", "false");
        if let Some(at) = at {
            req = req.query("date", at);
        }
        self.call(req).await
    }

    /// Ongoing and future overrides.
    pub async fn overrides(&self, schedule: &str) -> Result<OpsPage<Override>, JiraError> {
        let req = self.request(OVERRIDES, &[schedule]).await?.query("size", 50);
        self.ops_page(req).await
    }

    /// Puts `account_id` on call from `start` to `end` (all rotations unless some are named).
    pub async fn create_override(
        &self,
        schedule: &str,
        account_id: &str,
        start: &str,
        end: &str,
        rotations: &[String],
    ) -> Result<Override, JiraError> {
        let mut body = json!({"responder": {"type": "user", "id": account_id}, "startDate": start, "endDate": end});
        if !rotations.is_empty() {
            body["rotationIds"] = json!(rotations);
        }
        let req = self.request(OVERRIDE_CREATE, &[schedule]).await?.json(body);
        self.call(req).await
    }

    pub async fn delete_override(&self, schedule: &str, alias: &str) -> Result<(), JiraError> {
        let req = self.request(OVERRIDE_DELETE, &[schedule, alias]).await?;
        self.send(req).await
    }

    /// The teams the caller belongs to (every team for an admin).
    pub async fn ops_teams(&self) -> Result<Vec<Team>, JiraError> {
        #[derive(Deserialize, Default)]
        #[serde(rename_all = "camelCase", default)]
        struct Teams {
            #[serde(deserialize_with = "lenient")]
            platform_teams: Vec<Team>,
        }
        let req = self.request(TEAMS, &[]).await?;
        Ok(self.call::<Teams>(req).await?.platform_teams)
    }

    /// The roles a team defines, with their rights (a bare array).
    pub async fn team_roles(&self, team: &str) -> Result<Vec<TeamRole>, JiraError> {
        let req = self.request(TEAM_ROLES, &[team]).await?;
        let v: Value = self.call(req).await?;
        Ok(match v {
            Value::Array(_) => serde_json::from_value(v).unwrap_or_default(),
            other => Page::<TeamRole>::from_value(other).items,
        })
    }

    /// Display names of account ids (at most 50 per call; Jira's bulk lookup).
    pub async fn users_by_id(&self, ids: &[String]) -> Result<Vec<User>, JiraError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut req = self.request(USERS_BULK, &[]).await?.query("maxResults", 50);
        for id in ids.iter().take(50) {
            req = req.query("accountId", id);
        }
        let v: Value = self.call(req).await?;
        Ok(Page::<User>::from_value(v).items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_offset_reads_every_form_of_links_next() {
        assert_eq!(next_offset("/v1/alerts?offset=10&size=5"), Some(10));
        assert_eq!(next_offset("/api/abc/v1/schedules?size=25&offset=50"), Some(50));
        assert_eq!(
            next_offset("https://api.atlassian.com/jsm/ops/api/c/v1/alerts?offset=20"),
            Some(20)
        );
        assert_eq!(next_offset("/v1/alerts/x/notes?after=149"), None);
        assert_eq!(next_offset("::::"), None);
    }

    #[test]
    fn on_call_people_come_from_either_shape_once_each() {
        let tree: OnCall = serde_json::from_value(json!({"onCallParticipants": [
            {"id": "t1", "type": "team"},
            {"id": "u1", "type": "user"},
            {"id": "e1", "type": "escalation", "onCallParticipants": [
                {"id": "u2", "type": "user", "forwardedFrom": {"id": "u3", "type": "user"}},
                {"id": "u1", "type": "user"}]}]}))
        .unwrap();
        assert_eq!(
            tree.people(),
            vec![("u1".into(), None), ("u2".into(), Some("u3".into()))]
        );
        let flat: OnCall = serde_json::from_value(json!({"nextOnCallUsers": ["u9", 7, null]})).unwrap();
        assert_eq!(flat.people(), vec![("u9".to_string(), None), ("7".to_string(), None)]);
        let hostile: OnCall = serde_json::from_value(json!({"onCallParticipants": "x"})).unwrap();
        assert!(hostile.people().is_empty());
    }

    #[test]
    fn alerts_read_the_misspelt_field_and_survive_odd_types() {
        let a: Alert = serde_json::from_value(
            json!({"id": "a-1", "tinyId": "12", "lastOccuredAt": "2026-12-01T00:00:00Z",
            "tags": ["x", 3], "responders": {"bad": true}, "count": 4, "extraProperties": [1]}),
        )
        .unwrap();
        assert_eq!(a.last_occurred().as_deref(), Some("2026-12-01T00:00:00Z"));
        let both: Alert = serde_json::from_value(json!({"lastOccuredAt": "a", "lastOccurredAt": "b"})).unwrap();
        assert_eq!(both.last_occurred().as_deref(), Some("b"));
        assert_eq!(a.tags.len(), 2);
        assert!(a.responders.is_empty() && a.extra_properties.is_empty());
        assert_eq!(a.count.get().as_deref(), Some("4"));
    }
}
