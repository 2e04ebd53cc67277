//! Toolset `projects`: list the projects the user can browse.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Access, Ctx, Out, ToolDef, ToolError, ToolsetDef, handler, params};
use crate::{
    jira::{Cursor, ops, ops::On, views::ProjectView},
    render,
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "projects",
    description: "List projects",
    default: true,
    tools: &[&LIST_PROJECTS],
};

static LIST_PROJECTS: ToolDef = ToolDef {
    name: "jira_list_projects",
    description: "List the projects you can browse (key, name, type, lead), optionally filtered.",
    access: Access::READ,
    on: On::Both,
    ops: &[ops::PROJECT_SEARCH, ops::PROJECT_LIST_DC],
    handler: handler!(list_projects),
};

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

async fn list_projects(cx: Ctx, p: ListProjectsParams) -> Result<Out<ProjectsPage>, ToolError> {
    let max = params::page_size("max_results", p.max_results, 50, 100)?;
    let start = p.start_at.unwrap_or(0);
    let page = cx
        .jira
        .search_projects(p.query.as_deref(), u64::from(start), max)
        .await
        .map_err(|e| cx.fail(Some("The project list".into()), e))?;
    let projects: Vec<ProjectView> = page.items.iter().map(ProjectView::new).collect();
    let total = page.total;
    let next_start_at = page.next().and_then(|c| match c {
        Cursor::Offset(n) => u32::try_from(n).ok(),
        Cursor::Token(_) => None,
    });
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
