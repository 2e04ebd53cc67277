//! Toolset `search`: JQL search with cursor paging.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Access, Ctx, Out, ToolDef, ToolError, ToolsetDef, handler, params};
use crate::{
    config::Flavor,
    jira::{ops, ops::On, search, views::IssueLine},
    render,
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "search",
    description: "Find issues with JQL",
    default: true,
    tools: &[&SEARCH, &CHECK_JQL],
};

static SEARCH: ToolDef = ToolDef {
    name: "jira_search",
    description: "Find issues with JQL: one line each, paged with `next_page_token`, with an approximate total.",
    access: Access::READ,
    on: On::Both,
    ops: &[ops::SEARCH_JQL, ops::SEARCH_DC, ops::SEARCH_COUNT, ops::FIELDS],
    handler: handler!(search),
};

static CHECK_JQL: ToolDef = ToolDef {
    name: "jira_check_jql",
    description: "Check JQL with Jira's own parser without running it: its exact errors and warnings (Cloud).",
    access: Access::READ,
    on: On::CloudOnly,
    ops: &[search::JQL_PARSE],
    handler: handler!(check_jql),
};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CheckJqlParams {
    /// The JQL to check, e.g. `project = PROJ AND assignee = currentUser()`.
    pub jql: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct JqlCheck {
    pub valid: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

async fn check_jql(cx: Ctx, p: CheckJqlParams) -> Result<Out<JqlCheck>, ToolError> {
    let jql = params::non_empty("jql", &p.jql)?.trim().to_string();
    let parsed = cx.jira.parse_jql(std::slice::from_ref(&jql)).await;
    let parsed = parsed.map_err(|e| cx.fail(Some("The query".into()), e))?;
    let first = parsed.into_iter().next().unwrap_or_default();
    let check = JqlCheck {
        valid: first.errors.is_empty(),
        errors: first.errors,
        warnings: first.warnings,
    };
    let mut text = if check.valid {
        format!("Valid JQL: `{jql}`.")
    } else {
        format!("Invalid JQL: {}", check.errors.join("; "))
    };
    if !check.warnings.is_empty() {
        text.push_str(&format!("\nWarnings: {}", check.warnings.join("; ")));
    }
    Ok(Out { text, data: check })
}

/// What every result line shows.
/// What a list of issue lines asks Jira for: the fields every line shows, and the extra
/// ones requested by id or display name, as (display name, id, holds rich text).
pub(super) async fn line_fields(
    cx: &Ctx,
    wanted: &[String],
) -> Result<(Vec<(String, String, bool)>, Vec<String>), crate::jira::JiraError> {
    let extra: Vec<(String, String, bool)> = if wanted.is_empty() {
        Vec::new()
    } else {
        cx.jira
            .resolve_fields(wanted)
            .await?
            .into_iter()
            .map(|m| {
                let rich_text = m.is_rich_text();
                (m.name, m.id, rich_text)
            })
            .collect()
    };
    let mut ids: Vec<String> = LINE_FIELDS.iter().map(|s| s.to_string()).collect();
    ids.extend(
        extra
            .iter()
            .map(|(_, id, _)| id.clone())
            .filter(|id| !LINE_FIELDS.contains(&id.as_str())),
    );
    Ok((extra, ids))
}

pub(super) const LINE_FIELDS: &[&str] = &["summary", "status", "issuetype", "priority", "assignee", "updated"];

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchParams {
    /// JQL, e.g. `assignee = currentUser() AND statusCategory != Done ORDER BY updated DESC`.
    pub jql: String,
    /// More fields per issue, by id or display name.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Per page (default 20, max 100).
    pub max_results: Option<u32>,
    /// From the previous page, for the next one.
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

async fn search(cx: Ctx, p: SearchParams) -> Result<Out<SearchResult>, ToolError> {
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
    let cursor = token
        .map(|t| cx.jira.cursor_from_token(t))
        .transpose()
        .map_err(|e| cx.fail(None, e))?;
    let wanted = params::clean_field_list(&p.fields);
    let fail = |e| cx.fail(Some("The search".into()), e);
    let (extra, ids) = line_fields(&cx, &wanted).await.map_err(fail)?;
    let page = cx.jira.search(jql, &ids, max, cursor.as_ref()).await.map_err(fail)?;
    let rich = cx.jira.rich();
    let (page, issues) = crate::jira::offload(move || {
        let lines: Vec<IssueLine> = page.items.iter().map(|i| IssueLine::new(i, &extra, rich)).collect();
        (page, lines)
    })
    .await;
    let next_page_token = page.next().map(|c| c.to_string());
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
    // later pages were counted by the first. Data Center counts exactly on every page. A
    // failed count only leaves the estimate out.
    let approximate_total = match (&next_page_token, token) {
        _ if cx.jira.flavor() == Flavor::DataCenter => page.total.filter(|_| next_page_token.is_some()),
        (Some(_), None) => match cx.jira.approximate_count(jql).await {
            Ok(n) => Some(n),
            Err(e) => {
                tracing::debug!(error = %e, "approximate count unavailable");
                None
            }
        },
        _ => None,
    };
    if let Some(next) = &next_page_token {
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
            next_page_token,
            approximate_total,
        },
    })
}
