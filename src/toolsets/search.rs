//! Toolset `search`: JQL search with cursor paging.

use rmcp::{handler::server::wrapper::Parameters, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Out, ToolError, params,
    result::{input, schema},
};
use crate::{jira::views::IssueLine, render, server::JiraMcp};

pub(super) const OPERATIONS: &[(&str, &[&str])] = &[(
    "jira_search",
    &[
        "GET /rest/api/3/search/jql",
        "POST /rest/api/3/search/approximate-count",
        "GET /rest/api/3/field",
    ],
)];

/// What every result line shows.
const LINE_FIELDS: &[&str] = &["summary", "status", "issuetype", "priority", "assignee", "updated"];

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchParams {
    /// JQL with at least one condition, e.g. `assignee = currentUser() AND statusCategory != Done ORDER BY updated DESC`.
    pub jql: String,
    /// More fields per issue, by id or display name.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Issues per page (default 20, at most 100).
    pub max_results: Option<u32>,
    /// `next_page_token` of the previous page, to get the next one.
    pub next_page_token: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchResult {
    pub issues: Vec<IssueLine>,
    /// Pass this as `next_page_token` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    /// About how many issues match in all: given with a first page that is not the last
    /// (Jira's estimate; a single page is counted exactly by `issues`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approximate_total: Option<u64>,
}

#[tool_router(router = search_router, vis = "pub(crate)")]
impl JiraMcp {
    /// Find issues with JQL; one line per issue, paged with `next_page_token`; the first page
    /// of several says about how many match.
    #[tool(
        name = "jira_search",
        input_schema = input::<SearchParams>(),
        output_schema = schema::<SearchResult>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    pub async fn search(&self, Parameters(p): Parameters<SearchParams>) -> Result<Out<SearchResult>, ToolError> {
        const TOOL: &str = "jira_search";
        let jql = p.jql.trim();
        if jql.is_empty() {
            return Err(ToolError::invalid(
                "jql is empty; e.g. `project = PROJ AND statusCategory != Done`",
            ));
        }
        if jql.to_ascii_lowercase().starts_with("order by") {
            return Err(ToolError::invalid(format!(
                "`{jql}` has no condition, and Jira only runs bounded queries; add one, e.g. `project = PROJ {jql}`"
            )));
        }
        let max = params::page_size("max_results", p.max_results, 20, 100)?;
        let token = p.next_page_token.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let wanted = params::clean_field_list(&p.fields);
        let fail = |e| self.fail(TOOL, Some("The search".into()), e);
        let extra: Vec<(String, String)> = if wanted.is_empty() {
            Vec::new()
        } else {
            self.jira
                .resolve_fields(&wanted)
                .await
                .map_err(fail)?
                .into_iter()
                .map(|m| (m.name, m.id))
                .collect()
        };
        let mut ids: Vec<String> = LINE_FIELDS.iter().map(|s| s.to_string()).collect();
        ids.extend(
            extra
                .iter()
                .map(|(_, id)| id.clone())
                .filter(|id| !LINE_FIELDS.contains(&id.as_str())),
        );
        let page = self.jira.search_jql(jql, &ids, max, token).await.map_err(fail)?;
        let issues: Vec<IssueLine> = page.issues.iter().map(|i| IssueLine::from_json(i, &extra)).collect();
        let mut text = if issues.is_empty() {
            if token.is_some() {
                "No more issues.".to_string()
            } else {
                format!("No issues match `{jql}`.")
            }
        } else {
            issues.iter().map(render::issue_line).collect::<Vec<_>>().join("\n")
        };
        // Only a first page with more to come needs a count: a single page counts itself, and
        // later pages were counted by the first. A failed count only leaves the estimate out.
        let approximate_total = match (&page.next_page_token, token) {
            (Some(_), None) => match self.jira.approximate_count(jql).await {
                Ok(n) => Some(n),
                Err(e) => {
                    tracing::debug!(error = %e, "approximate count unavailable");
                    None
                }
            },
            _ => None,
        };
        if let Some(next) = &page.next_page_token {
            let shown = match approximate_total {
                Some(total) if total >= issues.len() as u64 => {
                    format!("{} of about {total} issues shown", issues.len())
                }
                _ => format!("{} issues shown; more match", issues.len()),
            };
            text.push_str(&format!(
                "\n\n{shown}. Next page: call jira_search with the same jql and next_page_token \"{next}\"."
            ));
        } else if !issues.is_empty() {
            text.push_str(&format!("\n\n{} issues (last page).", issues.len()));
        }
        Ok(Out {
            text,
            data: SearchResult {
                issues,
                next_page_token: page.next_page_token,
                approximate_total,
            },
        })
    }
}
