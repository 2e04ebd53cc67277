//! Toolset `issues`: read, create, edit and transition issues.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Access, Ctx, Out, ToolDef, ToolError, ToolsetDef, handler, params};
use crate::{
    jira::{
        IssueInput, JiraError, ops,
        ops::On,
        views::{IssueView, IssueViewOptions},
    },
    render,
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "issues",
    description: "Read, create, edit and transition issues",
    default: true,
    tools: &[&GET_ISSUE, &CREATE_ISSUE, &UPDATE_ISSUE, &TRANSITION_ISSUE],
};

static GET_ISSUE: ToolDef = ToolDef {
    name: "jira_get_issue",
    description: "Get one issue: status, type, priority, people, labels, components, versions, parent,\nsprint, dates, the description as Markdown and the latest comments.",
    access: Access::READ,
    on: On::Both,
    ops: &[ops::ISSUE_GET, ops::FIELDS],
    handler: handler!(get_issue),
};

static CREATE_ISSUE: ToolDef = ToolDef {
    name: "jira_create_issue",
    description: "Create an issue. The description is Markdown; custom fields go in `fields` by name.",
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
    description: "Change fields of an issue; only the fields given change.",
    access: Access::UPDATE,
    on: On::Both,
    ops: &[ops::ISSUE_EDIT, ops::FIELDS, ops::USER_SEARCH, ops::MYSELF],
    handler: handler!(update_issue),
};

static TRANSITION_ISSUE: ToolDef = ToolDef {
    name: "jira_transition_issue",
    description: "Move an issue through its workflow, by transition name or target status; unknown or\nambiguous names get the list of available transitions.",
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
];

const DEFAULT_COMMENTS: u32 = 3;
const COMMENT_PREVIEW_CHARS: usize = 400;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetIssueParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// More fields to include, by id (`customfield_10016`) or display name (`Story Points`).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Latest comments to include (default 3, 0 for none, at most 50).
    pub comments: Option<u32>,
}

/// Fields shared by create and update. All optional here; create requires some.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct IssueFieldsParams {
    /// Markdown.
    pub description: Option<String>,
    /// `me`, an account id (Cloud) or user name (Data Center), an email or a display name;
    /// empty to unassign.
    pub assignee: Option<String>,
    /// Replaces all labels.
    pub labels: Option<Vec<String>>,
    /// Priority name, e.g. `High`.
    pub priority: Option<String>,
    /// Parent issue key: the parent of a sub-task, or (Cloud) an epic. On Data Center an
    /// epic is set with `fields: {"Epic Link": "PROJ-1"}`.
    pub parent: Option<String>,
    /// Component names; replaces all components.
    pub components: Option<Vec<String>>,
    /// `YYYY-MM-DD`; empty to clear.
    pub due_date: Option<String>,
    /// Other fields by display name or id, e.g. `{"Story Points": 5}`. Values in Jira's own
    /// JSON shape are sent as given.
    pub fields: Option<BTreeMap<String, Value>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateIssueParams {
    /// Project key, e.g. `PROJ`.
    pub project: String,
    /// Issue type name, e.g. `Task`, `Bug`, `Story`, `Epic`, `Subtask`.
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
    /// Transition name (`Start Progress`) or target status (`In Progress`).
    pub transition: String,
    /// Comment to add with the transition (Markdown).
    pub comment: Option<String>,
    /// Fields the transition screen asks for, by display name or id, e.g. `{"Resolution": {"name": "Done"}}`.
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
    fn into_input(self) -> Result<IssueInput, ToolError> {
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
    let issue = cx.jira.get_issue(&key, &ids).await.map_err(fail)?;
    let site = cx.jira.site_url().await;
    let view = IssueView::new(
        &issue,
        &IssueViewOptions {
            comments: comments as usize,
            comment_max_chars: COMMENT_PREVIEW_CHARS,
            extra: &extra,
            sprint_field: sprint_field.as_deref(),
            site_url: site.as_deref(),
            rich: cx.jira.rich(),
        },
    );
    Ok(Out {
        text: render::issue(&view),
        data: view,
    })
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
            if mentions_type && let Ok(types) = cx.jira.create_issue_types(&project).await {
                err = err.with_hint(&format!("Issue types in {project}: {}.", types.join(", ")));
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

async fn transition_issue(cx: Ctx, p: TransitionIssueParams) -> Result<Out<IssueChanged>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let wanted = params::non_empty("transition", &p.transition)?.trim().to_string();
    if let Some(c) = &p.comment {
        params::non_empty("comment", c)?;
    }
    let subject = Some(format!("Issue {key}"));
    let fail = |e| cx.fail(subject.clone(), e);
    let available: Vec<(String, String, String)> = cx
        .jira
        .transitions(&key)
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
        .filter(|(_, name, _)| name.eq_ignore_ascii_case(&wanted))
        .collect();
    let by_status: Vec<_> = available
        .iter()
        .filter(|(_, _, to)| to.eq_ignore_ascii_case(&wanted))
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
    let input = IssueInput {
        custom: p.fields.unwrap_or_default(),
        ..IssueInput::default()
    };
    let fields = cx.jira.build_fields(&input).await.map_err(fail)?;
    cx.jira
        .do_transition(&key, id, fields, p.comment.as_deref())
        .await
        .map_err(fail)?;
    let text = format!("{key}: `{name}` done; status is now {to}");
    let url = cx.browse_url(&key).await;
    Ok(Out {
        text,
        data: IssueChanged {
            key,
            url,
            changed: vec![],
            status: Some(to.clone()),
        },
    })
}
