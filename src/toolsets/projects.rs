//! Toolset `projects`: list the projects the user can browse.

use rmcp::{handler::server::wrapper::Parameters, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    Out, ToolError, params,
    result::{input, schema},
};
use crate::{jira::views::ProjectView, render, server::JiraMcp};

pub(super) const OPERATIONS: &[(&str, &[&str])] = &[("jira_list_projects", &["GET /rest/api/3/project/search"])];

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListProjectsParams {
    /// Filter by text in the project key or name.
    pub query: Option<String>,
    /// Projects per page (default 50, at most 100).
    pub max_results: Option<u32>,
    /// Offset (`next_start_at` of the previous page).
    pub start_at: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectsPage {
    pub projects: Vec<ProjectView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Pass as `start_at` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u32>,
}

#[tool_router(router = projects_router, vis = "pub(crate)")]
impl JiraMcp {
    /// List the projects you can browse (key, name, type, lead), optionally filtered.
    #[tool(
        name = "jira_list_projects",
        input_schema = input::<ListProjectsParams>(),
        output_schema = schema::<ProjectsPage>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    pub async fn list_projects(
        &self,
        Parameters(p): Parameters<ListProjectsParams>,
    ) -> Result<Out<ProjectsPage>, ToolError> {
        const TOOL: &str = "jira_list_projects";
        let max = params::page_size("max_results", p.max_results, 50, 100)?;
        let start = p.start_at.unwrap_or(0);
        let v = self
            .jira
            .search_projects(p.query.as_deref(), start, max)
            .await
            .map_err(|e| self.fail(TOOL, Some("The project list".into()), e))?;
        let projects: Vec<ProjectView> = v
            .get("values")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(ProjectView::from_json).collect())
            .unwrap_or_default();
        let total = v.get("total").and_then(Value::as_u64);
        let is_last = v.get("isLast").and_then(Value::as_bool).unwrap_or(true);
        let next_start_at = (!is_last && !projects.is_empty()).then(|| start + projects.len() as u32);
        let mut text = if projects.is_empty() {
            match p.query.as_deref().filter(|q| !q.trim().is_empty()) {
                Some(q) => format!("No project you can browse matches `{q}`."),
                None => "You cannot browse any project.".to_string(),
            }
        } else {
            projects.iter().map(render::project).collect::<Vec<_>>().join("\n")
        };
        if let Some(n) = next_start_at {
            let of = total.map(|t| format!(" of {t}")).unwrap_or_default();
            text.push_str(&format!(
                "\n\n{} projects shown{of}. More: call jira_list_projects with start_at {n}.",
                projects.len()
            ));
        }
        Ok(Out {
            text,
            data: ProjectsPage {
                projects,
                total,
                next_start_at,
            },
        })
    }
}
