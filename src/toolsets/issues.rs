//! Toolset `issues`: read, create, edit and transition issues.

use std::collections::BTreeMap;

use rmcp::{handler::server::wrapper::Parameters, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    Out, ToolError, params,
    result::{input, schema},
};
use crate::{
    jira::{
        IssueInput, JiraError,
        views::{IssueView, IssueViewOptions},
    },
    render,
    server::JiraMcp,
};

pub(super) const OPERATIONS: &[(&str, &[&str])] = &[
    (
        "jira_get_issue",
        &["GET /rest/api/3/issue/{issueIdOrKey}", "GET /rest/api/3/field"],
    ),
    (
        "jira_create_issue",
        &[
            "POST /rest/api/3/issue",
            "GET /rest/api/3/field",
            "GET /rest/api/3/user/search",
            "GET /rest/api/3/myself",
            "GET /rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes",
        ],
    ),
    (
        "jira_update_issue",
        &[
            "PUT /rest/api/3/issue/{issueIdOrKey}",
            "GET /rest/api/3/field",
            "GET /rest/api/3/user/search",
            "GET /rest/api/3/myself",
        ],
    ),
    (
        "jira_transition_issue",
        &[
            "GET /rest/api/3/issue/{issueIdOrKey}/transitions",
            "POST /rest/api/3/issue/{issueIdOrKey}/transitions",
            "GET /rest/api/3/field",
        ],
    ),
];

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
    /// `me`, an account id, an email or a display name; empty to unassign.
    pub assignee: Option<String>,
    /// Replaces all labels.
    pub labels: Option<Vec<String>>,
    /// Priority name, e.g. `High`.
    pub priority: Option<String>,
    /// Parent issue key (an epic, or the parent of a sub-task).
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

/// Jira field ids of what an input sets, for the "changed" list.
fn changed_names(fields: &serde_json::Map<String, Value>) -> Vec<String> {
    fields.keys().cloned().collect()
}

#[tool_router(router = issues_router, vis = "pub(crate)")]
impl JiraMcp {
    /// Get one issue: status, type, priority, people, labels, components, versions, parent,
    /// sprint, dates, the description as Markdown and the latest comments.
    #[tool(
        name = "jira_get_issue",
        input_schema = input::<GetIssueParams>(),
        output_schema = schema::<IssueView>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    pub async fn get_issue(&self, Parameters(p): Parameters<GetIssueParams>) -> Result<Out<IssueView>, ToolError> {
        const TOOL: &str = "jira_get_issue";
        let key = params::issue_key(&p.issue_key)?;
        let comments = p.comments.unwrap_or(DEFAULT_COMMENTS);
        if comments > 50 {
            return Err(ToolError::invalid(
                "comments is at most 50; use jira_get_comments to page through more",
            ));
        }
        let subject = Some(format!("Issue {key}"));
        let wanted = params::clean_field_list(&p.fields);
        let fail = |e: JiraError| self.fail(TOOL, subject.clone(), e);
        // Custom fields by name, and the sprint field, need the (cached) field list.
        let extra = if wanted.is_empty() {
            Vec::new()
        } else {
            let metas = self.jira.resolve_fields(&wanted).await.map_err(fail)?;
            metas
                .into_iter()
                .map(|m| (m.name.clone(), m.id.clone()))
                .collect::<Vec<_>>()
        };
        // The sprint field's id differs per site; the field list is cached per profile for a
        // day, so this costs a request only on the first call. Its failure only hides the sprint.
        let sprint_field = match self.jira.field_index(false).await {
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
        for (_, id) in &extra {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        let raw = self.jira.get_issue(&key, &ids).await.map_err(fail)?;
        let site = self.jira.site_url().await;
        let view = IssueView::from_json(
            &raw,
            &IssueViewOptions {
                comments: comments as usize,
                comment_max_chars: COMMENT_PREVIEW_CHARS,
                extra: &extra,
                sprint_field: sprint_field.as_deref(),
                site_url: site.as_deref(),
            },
        );
        Ok(Out {
            text: render::issue(&view),
            data: view,
        })
    }

    /// Create an issue. The description is Markdown; custom fields go in `fields` by name.
    #[tool(
        name = "jira_create_issue",
        input_schema = input::<CreateIssueParams>(),
        output_schema = schema::<IssueChanged>(),
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true)
    )]
    pub async fn create_issue(
        &self,
        Parameters(p): Parameters<CreateIssueParams>,
    ) -> Result<Out<IssueChanged>, ToolError> {
        const TOOL: &str = "jira_create_issue";
        let project = params::project_key(&p.project)?;
        let issue_type = params::non_empty("issue_type", &p.issue_type)?.trim().to_string();
        let summary = params::summary(&p.summary)?;
        let mut input = p.rest.into_input()?;
        input.project = Some(project.clone());
        input.issue_type = Some(issue_type.clone());
        input.summary = Some(summary);
        let subject = Some(format!("Project {project}"));
        let fields = self
            .jira
            .build_fields(&input)
            .await
            .map_err(|e| self.fail(TOOL, subject.clone(), e))?;
        let created = match self.jira.create_issue(fields.clone()).await {
            Ok(v) => v,
            Err(e) => {
                // A bad issue type is the most common mistake: list the valid ones.
                let mentions_type = matches!(&e, JiraError::Api(api) if api.status() == Some(400)
                    && api.messages().iter().any(|m| m.starts_with("issuetype")));
                let mut err = self.fail(TOOL, subject.clone(), e);
                if mentions_type && let Ok(types) = self.jira.create_issue_types(&project).await {
                    err.0
                        .push_str(&format!(" Issue types in {project}: {}.", types.join(", ")));
                }
                return Err(err);
            }
        };
        let key = created
            .get("key")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let url = self.jira.site_url().await.map(|s| format!("{s}/browse/{key}"));
        let text = format!(
            "Created {key} ({issue_type} in {project}){}",
            url.as_deref().map(|u| format!(": {u}")).unwrap_or_default()
        );
        Ok(Out {
            text,
            data: IssueChanged {
                key,
                url,
                changed: changed_names(&fields),
                status: None,
            },
        })
    }

    /// Change fields of an issue; only the fields given change.
    #[tool(
        name = "jira_update_issue",
        input_schema = input::<UpdateIssueParams>(),
        output_schema = schema::<IssueChanged>(),
        annotations(read_only_hint = false, destructive_hint = true, idempotent_hint = true, open_world_hint = true)
    )]
    pub async fn update_issue(
        &self,
        Parameters(p): Parameters<UpdateIssueParams>,
    ) -> Result<Out<IssueChanged>, ToolError> {
        const TOOL: &str = "jira_update_issue";
        let key = params::issue_key(&p.issue_key)?;
        let summary = p.summary.as_deref().map(params::summary).transpose()?;
        let mut input = p.rest.into_input()?;
        input.summary = summary;
        let subject = Some(format!("Issue {key}"));
        let fields = self
            .jira
            .build_fields(&input)
            .await
            .map_err(|e| self.fail(TOOL, subject.clone(), e))?;
        if fields.is_empty() {
            return Err(ToolError::invalid("nothing to change: give at least one field"));
        }
        self.jira
            .edit_issue(&key, fields.clone())
            .await
            .map_err(|e| self.fail(TOOL, subject.clone(), e))?;
        let changed = changed_names(&fields);
        let url = self.jira.site_url().await.map(|s| format!("{s}/browse/{key}"));
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

    /// Move an issue through its workflow, by transition name or target status; unknown or
    /// ambiguous names get the list of available transitions.
    #[tool(
        name = "jira_transition_issue",
        input_schema = input::<TransitionIssueParams>(),
        output_schema = schema::<IssueChanged>(),
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true)
    )]
    pub async fn transition_issue(
        &self,
        Parameters(p): Parameters<TransitionIssueParams>,
    ) -> Result<Out<IssueChanged>, ToolError> {
        const TOOL: &str = "jira_transition_issue";
        let key = params::issue_key(&p.issue_key)?;
        let wanted = params::non_empty("transition", &p.transition)?.trim().to_string();
        if let Some(c) = &p.comment {
            params::non_empty("comment", c)?;
        }
        let subject = Some(format!("Issue {key}"));
        let fail = |e| self.fail(TOOL, subject.clone(), e);
        let available = self.jira.transitions(&key).await.map_err(fail)?;
        let list = || {
            if available.is_empty() {
                "none (the issue has no transitions you may perform)".to_string()
            } else {
                available
                    .iter()
                    .map(|t| format!("`{}` → {}", t.name, t.to))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let by_name: Vec<_> = available
            .iter()
            .filter(|t| t.name.eq_ignore_ascii_case(&wanted))
            .collect();
        let by_status: Vec<_> = available
            .iter()
            .filter(|t| t.to.eq_ignore_ascii_case(&wanted))
            .collect();
        let chosen = match (by_name.as_slice(), by_status.as_slice()) {
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
        let fields = self.jira.build_fields(&input).await.map_err(fail)?;
        self.jira
            .do_transition(&key, &chosen.id, fields, p.comment.as_deref())
            .await
            .map_err(fail)?;
        let text = format!("{key}: `{}` done; status is now {}", chosen.name, chosen.to);
        let url = self.jira.site_url().await.map(|s| format!("{s}/browse/{key}"));
        Ok(Out {
            text,
            data: IssueChanged {
                key,
                url,
                changed: vec![],
                status: Some(chosen.to.clone()),
            },
        })
    }
}
