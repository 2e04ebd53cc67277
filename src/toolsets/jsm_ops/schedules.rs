//! The schedule tools: schedules with rotations and overrides, teams with their roles and
//! people, who is on call, and overrides.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    NAMED_PEOPLE, account_id, fail, fail_delete, find_schedule, find_team, given, names, opt, person, user_ids,
};
use crate::{
    adf::truncate_chars,
    jira::{jsm_ops as api, ops, ops::On},
    toolsets::{Access, Ctx, Out, ToolDef, ToolError, handler, paging, params},
};

pub(super) static LIST_SCHEDULES: ToolDef = ToolDef {
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

pub(super) static ON_CALL: ToolDef = ToolDef {
    name: "jsm_ops_on_call",
    description: "Who is on call now, at a time, or next.",
    access: Access::READ,
    on: On::CloudOnly,
    ops: &[api::SCHEDULES, api::ON_CALLS, api::NEXT_ON_CALLS, api::USERS_BULK],
    handler: handler!(on_call),
};

pub(super) static OVERRIDE: ToolDef = ToolDef {
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

/// A heading and one line per item, or what the emptiness is.
fn section(text: &mut String, items: &[Named], heading: &str, empty: &str) {
    text.push('\n');
    text.push_str(if items.is_empty() { empty } else { heading });
    for item in items {
        text.push('\n');
        text.push_str(&named_line(item));
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
    paging::more_hint(&mut text, cx.tool.name, schedules.len(), None, next, "schedule");
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
    let ids: Vec<String> = user_ids(
        s.rotations
            .iter()
            .flat_map(|r| r.participants.iter())
            .chain(overrides.items.iter().map(|o| &o.responder)),
    )
    .collect();
    let names = names(cx, ids).await;
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
    section(&mut text, &rotations, "Rotations:", "No rotations.");
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
    let ids: std::collections::BTreeSet<String> = user_ids(
        schedules
            .iter()
            .flat_map(|s| s.rotations.iter())
            .flat_map(|r| r.participants.iter()),
    )
    .collect();
    let names = names(cx, ids.iter().cloned().collect()).await;
    let members: Vec<String> = ids.iter().take(NAMED_PEOPLE).map(|i| person(i, &names)).collect();
    let schedules: Vec<Named> = schedules.iter().map(schedule_view).collect();
    let title = if team_name.is_empty() {
        team_id.clone()
    } else {
        format!("{team_name} ({team_id})")
    };
    let mut text = format!("Team {title}");
    section(&mut text, &roles, "Roles:", "No roles.");
    section(&mut text, &schedules, "Schedules:", "No schedules.");
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
    let ids: Vec<String> = found
        .iter()
        .flat_map(|(_, _, p)| p.iter().flat_map(|(a, b)| std::iter::once(a.clone()).chain(b.clone())))
        .collect();
    let names = names(&cx, ids).await;
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
            .map_err(|e| fail_delete(&cx, format!("Override {alias} of schedule {id}"), e))?;
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
