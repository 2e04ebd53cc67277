//! Toolset `jsm_ops`: JSM Operations on Cloud — alerts (search, read with notes, create, act,
//! tag), on-call schedules (rotations, overrides, who is on call at a time or next) and teams.
//! Hidden on Data Center, which has no Operations API.
//!
//! Alert writes are asynchronous in this API: a write answers a request id, and its outcome
//! (including "alert does not exist") is known only once processed. [`follow`] reads it within
//! a bounded time, reporting progress, so a tool answers with what happened, not "accepted".
//! Alerts, schedules and teams can be named the way people do (`#1234`, an alias, a schedule
//! or team name); the ids the API needs are looked up first.
//!
//! `alerts.rs` holds the alert tools and the following of asynchronous writes, `schedules.rs`
//! the schedule, on-call, override and team tools; this file the toolset and what both use:
//! the explanation of failures and the lookups of schedules, teams and people by name.

mod alerts;
mod schedules;

use std::collections::BTreeMap;

use super::{Ctx, ToolError, ToolsetDef};
use crate::{adf::truncate_chars, http::ErrorKind, jira::JiraError};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "jsm_ops",
    description: "JSM Operations (Cloud): alerts, on-call schedules, overrides, teams",
    default: false,
    tools: &[
        &alerts::LIST_ALERTS,
        &alerts::CREATE_ALERT,
        &alerts::ALERT_ACTION,
        &schedules::LIST_SCHEDULES,
        &schedules::ON_CALL,
        &schedules::OVERRIDE,
    ],
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

/// [`fail`] for the deletions (tag removal, override deletion): API tokens carry Operations'
/// read and write scopes but not its delete ones, so a 401 there is not a bad token.
fn fail_delete(cx: &Ctx, subject: impl Into<String>, err: JiraError) -> ToolError {
    let refused = matches!(&err, JiraError::Api(a) if a.status() == Some(401));
    if refused && cx.jira.auth_kind() == crate::auth::AuthKind::ApiToken {
        let subject = subject.into();
        tracing::info!(tool = cx.tool.name, "JSM Operations refused a deletion to an API token");
        return ToolError::new(
            ErrorKind::Scope,
            format!(
                "JSM Operations refused to delete ({subject}, 401): API tokens carry its read and write scopes \
                 but not the delete ones (`delete:ops-alert:jira-service-management`, \
                 `delete:ops-config:jira-service-management`). Use OAuth for deletions: set ATLASSIAN_CLIENT_ID \
                 and ATLASSIAN_CLIENT_SECRET instead of the API token, then sign in with `jira-mcp login`."
            ),
        );
    }
    fail(cx, subject, err)
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
/// The account ids among `parties` that are people (not teams, escalations or no one).
fn user_ids<'a>(parties: impl IntoIterator<Item = &'a crate::jira::jsm_ops::Party>) -> impl Iterator<Item = String> {
    parties
        .into_iter()
        .filter(|p| p.kind.get().as_deref() == Some("user"))
        .filter_map(|p| p.id.get())
}

/// The most people named per answer: beyond, ids stand alone (a schedule could list
/// thousands, and each 50 cost a request).
const NAMED_PEOPLE: usize = 200;

async fn names(cx: &Ctx, ids: Vec<String>) -> BTreeMap<String, String> {
    let ids: Vec<String> = ids
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .take(NAMED_PEOPLE)
        .collect();
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
}
