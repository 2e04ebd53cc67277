//! Toolset `issues`: read, create, edit and transition issues.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Access, Ctx, Out, ToolDef, ToolError, ToolsetDef, handler, params};
use crate::{
    jira::{
        IssueInput, JiraError, links, ops,
        ops::On,
        views::{IssueView, IssueViewOptions},
    },
    render,
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "issues",
    description: "Read, create, edit, assign, transition and delete issues; create screens",
    default: true,
    tools: &[
        &GET_ISSUE,
        &CREATE_ISSUE,
        &UPDATE_ISSUE,
        &TRANSITION_ISSUE,
        &DELETE_ISSUE,
        &GET_CREATE_FIELDS,
    ],
};

static DELETE_ISSUE: ToolDef = ToolDef {
    name: "jira_delete_issue",
    description: "Delete an issue for good (with its sub-tasks only if `delete_subtasks`).",
    access: Access::UPDATE,
    on: On::Both,
    ops: &[links::ISSUE_DELETE],
    handler: handler!(delete_issue),
};

static GET_CREATE_FIELDS: ToolDef = ToolDef {
    name: "jira_get_create_fields",
    description: "A project's issue types, or one type's create fields (required, allowed values).",
    access: Access::READ,
    on: On::Both,
    ops: &[ops::CREATE_META_TYPES, ops::CREATE_META_FIELDS],
    handler: handler!(get_create_fields),
};

static GET_ISSUE: ToolDef = ToolDef {
    name: "jira_get_issue",
    description: "One issue: status, people, dates, parent, sprint, sub-tasks, links, description (Markdown), latest comments.",
    access: Access::READ,
    on: On::Both,
    ops: &[ops::ISSUE_GET, ops::FIELDS, links::WATCHERS_GET],
    handler: handler!(get_issue),
};

static CREATE_ISSUE: ToolDef = ToolDef {
    name: "jira_create_issue",
    description: "Create an issue; description in Markdown, custom fields in `fields` by name.",
    access: Access::ADD,
    on: On::Both,
    ops: &[
        ops::ISSUE_CREATE,
        ops::FIELDS,
        ops::USER_SEARCH,
        ops::MYSELF,
        ops::CREATE_META_TYPES,
    ],
    handler: handler!(create_issue),
};

static UPDATE_ISSUE: ToolDef = ToolDef {
    name: "jira_update_issue",
    description: "Change fields of an issue (only those given), or assign it.",
    access: Access::UPDATE,
    on: On::Both,
    ops: &[
        ops::ISSUE_EDIT,
        links::ISSUE_ASSIGN,
        ops::FIELDS,
        ops::USER_SEARCH,
        ops::MYSELF,
    ],
    handler: handler!(update_issue),
};

static TRANSITION_ISSUE: ToolDef = ToolDef {
    name: "jira_transition_issue",
    description: "Move an issue through its workflow by transition or target status name.",
    access: Access::ADD,
    on: On::Both,
    ops: &[
        ops::TRANSITIONS_GET,
        ops::TRANSITION_DO,
        ops::FIELDS,
        ops::USER_SEARCH,
        ops::MYSELF,
    ],
    handler: handler!(transition_issue),
};

/// The standard fields `jira_get_issue` always shows.
const ISSUE_FIELDS: &[&str] = &[
    "summary",
    "status",
    "issuetype",
    "priority",
    "resolution",
    "assignee",
    "reporter",
    "labels",
    "components",
    "fixVersions",
    "parent",
    "duedate",
    "created",
    "updated",
    "description",
    "subtasks",
    "issuelinks",
];

const DEFAULT_COMMENTS: u32 = 3;
const COMMENT_PREVIEW_CHARS: usize = 400;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetIssueParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// More fields, by id or name (`Story Points`).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Latest comments to include (default 3, 0 for none, at most 50).
    pub comments: Option<u32>,
    /// Also show `transitions`, `changelog` (latest 20), `watchers`.
    #[serde(default)]
    pub include: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteIssueParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// Also delete its sub-tasks (needed if it has any).
    #[serde(default)]
    pub delete_subtasks: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateFieldsParams {
    /// Project key, e.g. `PROJ`.
    pub project: String,
    /// Issue type name or id; leave out to list the project's issue types.
    pub issue_type: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CreateScreen {
    pub project: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_type: Option<String>,
    /// Without an issue type: the types, `name (id)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issue_types: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<CreateFieldView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CreateFieldView {
    pub id: String,
    pub name: String,
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// At most 50 allowed values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
}

/// Fields shared by create and update. All optional here; create requires some.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct IssueFieldsParams {
    /// Markdown.
    pub description: Option<String>,
    /// `me`, an email, a name or an account id; empty unassigns.
    pub assignee: Option<String>,
    /// Replaces all labels.
    pub labels: Option<Vec<String>>,
    /// Priority name, e.g. `High`.
    pub priority: Option<String>,
    /// Parent key: of a sub-task, or an epic (Data Center: `fields: {"Epic Link": "PROJ-1"}`).
    pub parent: Option<String>,
    /// Component names; replaces all components.
    pub components: Option<Vec<String>>,
    /// `YYYY-MM-DD`; empty to clear.
    pub due_date: Option<String>,
    /// Other fields by name or id, e.g. `{"Story Points": 5}`.
    pub fields: Option<BTreeMap<String, Value>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateIssueParams {
    /// Project key, e.g. `PROJ`.
    pub project: String,
    /// Issue type, e.g. `Task`, `Bug`, `Story`.
    pub issue_type: String,
    /// One-line title.
    pub summary: String,
    #[serde(flatten)]
    pub rest: IssueFieldsParams,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdateIssueParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// New one-line title.
    pub summary: Option<String>,
    #[serde(flatten)]
    pub rest: IssueFieldsParams,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct TransitionIssueParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// Transition (`Start Progress`) or target status (`In Progress`).
    pub transition: String,
    /// Comment to add with the transition (Markdown).
    pub comment: Option<String>,
    /// Resolution, e.g. `Done`.
    pub resolution: Option<String>,
    /// Other fields of the transition screen, by name or id.
    pub fields: Option<BTreeMap<String, Value>>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IssueChanged {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Fields that were set (create, update) or the new status (transition).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl IssueFieldsParams {
    pub(super) fn into_input(self) -> Result<IssueInput, ToolError> {
        Ok(IssueInput {
            description: self.description,
            assignee: self.assignee,
            labels: self.labels.as_deref().map(params::labels).transpose()?,
            priority: self.priority.map(|p| params::non_empty("priority", &p)).transpose()?,
            parent: self.parent.as_deref().map(params::issue_key).transpose()?,
            components: self.components,
            due_date: self.due_date.as_deref().map(params::date).transpose()?,
            custom: self.fields.unwrap_or_default(),
            ..IssueInput::default()
        })
    }
}

async fn get_issue(cx: Ctx, p: GetIssueParams) -> Result<Out<IssueView>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let comments = p.comments.unwrap_or(DEFAULT_COMMENTS);
    if comments > 50 {
        return Err(ToolError::invalid(
            "comments is at most 50; use jira_get_comments to page through more",
        ));
    }
    let mut expand: Vec<&str> = Vec::new();
    let mut watchers = false;
    for part in &p.include {
        match part.trim().to_ascii_lowercase().as_str() {
            "transitions" => expand.push("transitions"),
            "changelog" | "history" => expand.push("changelog"),
            "watchers" => watchers = true,
            "" => {}
            other => {
                return Err(ToolError::invalid(format!(
                    "include `{other}` is not known; use transitions, changelog or watchers"
                )));
            }
        }
    }
    let subject = Some(format!("Issue {key}"));
    let wanted = params::clean_field_list(&p.fields);
    let fail = |e: JiraError| cx.fail(subject.clone(), e);
    // Custom fields by name, and the sprint field, need the (cached) field list.
    let extra = if wanted.is_empty() {
        Vec::new()
    } else {
        let metas = cx.jira.resolve_fields(&wanted).await.map_err(fail)?;
        metas
            .into_iter()
            .map(|m| (m.name.clone(), m.id.clone(), m.is_rich_text()))
            .collect::<Vec<_>>()
    };
    // The sprint field's id differs per site; the field list is cached per profile for a
    // day, so this costs a request only on the first call. Its failure only hides the sprint.
    let sprint_field = match cx.jira.field_index(false).await {
        Ok(idx) => idx.sprint_field().map(|f| f.id.clone()),
        Err(e) => {
            tracing::debug!(error = %e, "field list unavailable; sprint not shown");
            None
        }
    };
    let mut ids: Vec<String> = ISSUE_FIELDS.iter().map(|s| s.to_string()).collect();
    if comments > 0 {
        ids.push("comment".into());
    }
    ids.extend(sprint_field.iter().cloned());
    for (_, id, _) in &extra {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    let issue = cx.jira.get_issue_expanded(&key, &ids, &expand).await.map_err(fail)?;
    let site = cx.jira.site_url().await;
    let watchers = match watchers {
        true => Some(cx.jira.watchers(&key).await.map_err(fail)?),
        false => None,
    };
    let rich = cx.jira.rich();
    let (transitions, history) = (expand.contains(&"transitions"), expand.contains(&"changelog"));
    // Converting the description and comments is linear in their size, which Jira decides.
    Ok(crate::jira::offload(move || {
        let mut view = IssueView::new(
            &issue,
            &IssueViewOptions {
                comments: comments as usize,
                comment_max_chars: COMMENT_PREVIEW_CHARS,
                extra: &extra,
                sprint_field: sprint_field.as_deref(),
                site_url: site.as_deref(),
                rich,
            },
        );
        if transitions {
            view.transitions = Some(IssueView::transitions_of(&issue));
        }
        if history {
            view.history = Some(IssueView::history_of(&issue, 20));
        }
        view.watchers = watchers.map(|list| list.iter().filter_map(|u| u.display_name.get()).collect());
        Out {
            text: render::issue(&view),
            data: view,
        }
    })
    .await)
}

async fn create_issue(cx: Ctx, p: CreateIssueParams) -> Result<Out<IssueChanged>, ToolError> {
    let project = params::project_key(&p.project)?;
    let issue_type = params::non_empty("issue_type", &p.issue_type)?.trim().to_string();
    let summary = params::summary(&p.summary)?;
    let mut input = p.rest.into_input()?;
    input.project = Some(project.clone());
    input.issue_type = Some(issue_type.clone());
    input.summary = Some(summary);
    let subject = Some(format!("Project {project}"));
    let fields = cx
        .jira
        .build_fields(&input)
        .await
        .map_err(|e| cx.fail(subject.clone(), e))?;
    let created = match cx.jira.create_issue(fields.clone()).await {
        Ok(v) => v,
        Err(e) => {
            // A bad issue type is the most common mistake: list the valid ones.
            let mentions_type = matches!(&e, JiraError::Api(api) if api.status() == Some(400)
                && api.messages().iter().any(|m| m.starts_with("issuetype")));
            let mut err = cx.fail(subject.clone(), e);
            if mentions_type && let Ok(types) = cx.jira.create_types(&project).await {
                let names: Vec<String> = types.into_iter().map(|(_, name)| name).collect();
                err = err.with_hint(&format!("Issue types in {project}: {}.", names.join(", ")));
            }
            return Err(err);
        }
    };
    let key = created.key;
    let url = cx.browse_url(&key).await;
    let text = format!(
        "Created {key} ({issue_type} in {project}){}",
        url.as_deref().map(|u| format!(": {u}")).unwrap_or_default()
    );
    Ok(Out {
        text,
        data: IssueChanged {
            key,
            url,
            changed: fields.names(),
            status: None,
        },
    })
}

async fn update_issue(cx: Ctx, p: UpdateIssueParams) -> Result<Out<IssueChanged>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let summary = p.summary.as_deref().map(params::summary).transpose()?;
    let mut input = p.rest.into_input()?;
    input.summary = summary;
    let subject = Some(format!("Issue {key}"));
    // Unassigning stays an edit: the assignee endpoint's `accountId: null` is not what
    // Atlassian's own document allows.
    let only_assignee = input.assignee.as_deref().is_some_and(|a| {
        !matches!(
            a.trim().to_ascii_lowercase().as_str(),
            "" | "unassigned" | "none" | "null"
        )
    }) && IssueInput {
        assignee: None,
        ..input.clone()
    }
    .is_empty();
    if only_assignee {
        return assign(&cx, key, input.assignee.as_deref().unwrap_or_default()).await;
    }
    let fields = cx
        .jira
        .build_fields(&input)
        .await
        .map_err(|e| cx.fail(subject.clone(), e))?;
    if fields.is_empty() {
        return Err(ToolError::invalid("nothing to change: give at least one field"));
    }
    cx.jira
        .edit_issue(&key, fields.clone())
        .await
        .map_err(|e| cx.fail(subject.clone(), e))?;
    let changed = fields.names();
    let url = cx.browse_url(&key).await;
    let text = format!("Updated {key}: {}", changed.join(", "));
    Ok(Out {
        text,
        data: IssueChanged {
            key,
            url,
            changed,
            status: None,
        },
    })
}

/// Assigning alone goes through the assignee endpoint: it needs only the Assign Issues
/// permission, not Edit Issues.
async fn assign(cx: &Ctx, key: String, who: &str) -> Result<Out<IssueChanged>, ToolError> {
    let fail = |e| cx.fail(Some(format!("Issue {key}")), e);
    let id = cx.jira.resolve_user(who).await.map_err(fail)?;
    cx.jira.assign(&key, &id).await.map_err(fail)?;
    let url = cx.browse_url(&key).await;
    Ok(Out {
        text: format!("Assigned {key} to {}.", who.trim()),
        data: IssueChanged {
            key,
            url,
            changed: vec!["assignee".into()],
            status: None,
        },
    })
}

async fn delete_issue(cx: Ctx, p: DeleteIssueParams) -> Result<Out<IssueChanged>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let result = cx.jira.delete_issue(&key, p.delete_subtasks).await;
    if let Err(e) = result {
        let has_subtasks = matches!(&e, JiraError::Api(api) if api.status() == Some(400)
            && api.messages().iter().any(|m| m.to_lowercase().contains("subtask") || m.to_lowercase().contains("sub-task")));
        let mut err = cx.fail(Some(format!("Issue {key}")), e);
        if has_subtasks && !p.delete_subtasks {
            err = err.with_hint("Pass delete_subtasks: true to delete its sub-tasks with it.");
        }
        return Err(err);
    }
    Ok(Out {
        text: format!(
            "Deleted {key}{}.",
            if p.delete_subtasks { " and its sub-tasks" } else { "" }
        ),
        data: IssueChanged {
            key,
            url: None,
            changed: vec!["deleted".into()],
            status: None,
        },
    })
}

async fn get_create_fields(cx: Ctx, p: CreateFieldsParams) -> Result<Out<CreateScreen>, ToolError> {
    let project = params::project_key(&p.project)?;
    let wanted = p.issue_type.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let fail = |e| cx.fail(Some(format!("Project {project}")), e);
    let types = cx.jira.create_types(&project).await.map_err(fail)?;
    let listed: Vec<String> = types.iter().map(|(id, name)| format!("{name} ({id})")).collect();
    let Some(wanted) = wanted else {
        let text = if listed.is_empty() {
            format!("You cannot create issues in {project} (no issue types on its create screen).")
        } else {
            format!(
                "Issue types you can create in {project}: {}.\nFields of one: call jira_get_create_fields with issue_type.",
                listed.join(", ")
            )
        };
        return Ok(Out {
            text,
            data: CreateScreen {
                project,
                issue_type: None,
                issue_types: listed,
                fields: vec![],
            },
        });
    };
    let Some((type_id, type_name)) = types
        .iter()
        .find(|(id, name)| name.eq_ignore_ascii_case(wanted) || id == wanted)
        .cloned()
    else {
        return Err(ToolError::invalid(format!(
            "{project} has no issue type `{wanted}`; its types: {}",
            listed.join(", ")
        )));
    };
    let fields = cx.jira.create_fields(&project, &type_id).await.map_err(fail)?;
    let mut views: Vec<CreateFieldView> = fields
        .iter()
        .map(|f| {
            let id = f.field_id.get().or(f.key.get()).unwrap_or_default();
            let kind = f.schema.get("type").and_then(Value::as_str).map(|t| {
                match f.schema.get("items").and_then(Value::as_str) {
                    Some(items) => format!("{t} of {items}"),
                    None => t.to_string(),
                }
            });
            CreateFieldView {
                name: f.name.get().unwrap_or_else(|| id.clone()),
                id,
                required: f.required,
                kind,
                allowed: f
                    .allowed_values
                    .iter()
                    .take(50)
                    .filter_map(crate::jira::models::display)
                    .collect(),
            }
        })
        .collect();
    views.sort_by_key(|f| !f.required);
    let mut text = format!("Create {type_name} in {project}; fields (* required):\n");
    for f in &views {
        let allowed = if f.allowed.is_empty() {
            String::new()
        } else {
            format!(": {}", f.allowed.join(", "))
        };
        text.push_str(&format!(
            "- {}{} `{}`{}{allowed}\n",
            f.name,
            if f.required { " *" } else { "" },
            f.id,
            f.kind.as_deref().map(|k| format!(" ({k})")).unwrap_or_default()
        ));
    }
    Ok(Out {
        text: text.trim_end().to_string(),
        data: CreateScreen {
            project,
            issue_type: Some(type_name),
            issue_types: vec![],
            fields: views,
        },
    })
}

async fn transition_issue(cx: Ctx, p: TransitionIssueParams) -> Result<Out<IssueChanged>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let wanted = params::non_empty("transition", &p.transition)?.trim().to_string();
    if let Some(c) = &p.comment {
        params::non_empty("comment", c)?;
    }
    let input = IssueInput {
        custom: p.fields.unwrap_or_default(),
        ..IssueInput::default()
    };
    let subject = Some(format!("Issue {key}"));
    let mut fields = cx
        .jira
        .build_fields(&input)
        .await
        .map_err(|e| cx.fail(subject.clone(), e))?;
    set_resolution(&mut fields, p.resolution.as_deref());
    let (name, to) = transition_one(&cx, &key, &wanted, fields, p.comment.as_deref()).await?;
    let text = format!("{key}: `{name}` done; status is now {to}");
    let url = cx.browse_url(&key).await;
    Ok(Out {
        text,
        data: IssueChanged {
            key,
            url,
            changed: vec![],
            status: Some(to),
        },
    })
}

/// Adds the resolution a transition sets, by name.
pub(super) fn set_resolution(fields: &mut crate::jira::FieldValues, resolution: Option<&str>) {
    if let Some(r) = resolution.map(str::trim).filter(|r| !r.is_empty()) {
        fields.set("resolution", serde_json::json!({ "name": r }));
    }
}

/// Finds the transition `wanted` names (transition or target status) and performs it;
/// returns (transition name, new status). Unknown or ambiguous names list what is available.
pub(super) async fn transition_one(
    cx: &Ctx,
    key: &str,
    wanted: &str,
    fields: crate::jira::FieldValues,
    comment: Option<&str>,
) -> Result<(String, String), ToolError> {
    let subject = Some(format!("Issue {key}"));
    let fail = |e| cx.fail(subject.clone(), e);
    let available: Vec<(String, String, String)> = cx
        .jira
        .transitions(key)
        .await
        .map_err(fail)?
        .into_iter()
        .filter_map(|t| {
            let to = t.to.and_then(|to| to.name.get()).unwrap_or_default();
            Some((t.id.get()?, t.name.or_empty(), to))
        })
        .collect();
    let list = || {
        if available.is_empty() {
            "none (the issue has no transitions you may perform)".to_string()
        } else {
            available
                .iter()
                .map(|(_, name, to)| format!("`{name}` → {to}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let by_name: Vec<_> = available
        .iter()
        .filter(|(_, name, _)| name.eq_ignore_ascii_case(wanted))
        .collect();
    let by_status: Vec<_> = available
        .iter()
        .filter(|(_, _, to)| to.eq_ignore_ascii_case(wanted))
        .collect();
    let (id, name, to) = match (by_name.as_slice(), by_status.as_slice()) {
        ([one], _) => *one,
        ([], [one]) => *one,
        ([], []) => {
            return Err(ToolError::invalid(format!(
                "{key} has no transition or target status `{wanted}`. Available: {}",
                list()
            )));
        }
        _ => {
            return Err(ToolError::invalid(format!(
                "`{wanted}` matches several transitions of {key}; name one exactly. Available: {}",
                list()
            )));
        }
    };
    cx.jira.do_transition(key, id, fields, comment).await.map_err(fail)?;
    Ok((name.clone(), to.clone()))
}
