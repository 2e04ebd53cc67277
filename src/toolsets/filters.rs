//! Toolset `filters`: saved JQL filters: list, read (and run), create or update.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Access, Ctx, Out, ToolDef, ToolError, ToolsetDef, handler, paging, params};
use crate::{
    config::Flavor,
    jira::{
        filters::{self, Filter},
        ops,
        ops::On,
        views::IssueLine,
    },
    render,
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "filters",
    description: "Saved JQL filters",
    default: false,
    tools: &[&LIST_FILTERS, &GET_FILTER, &SAVE_FILTER],
};

static LIST_FILTERS: ToolDef = ToolDef {
    name: "jira_list_filters",
    description: "List your own or your favourite saved filters: id, name, owner, JQL.",
    access: Access::READ,
    on: On::Both,
    ops: &[filters::FILTER_SEARCH, ops::MYSELF, filters::FILTER_FAVOURITES],
    handler: handler!(list_filters),
};

static GET_FILTER: ToolDef = ToolDef {
    name: "jira_get_filter",
    description: "Show a saved filter (owner, JQL, sharing); `run` adds its first page of issues.",
    access: Access::READ,
    on: On::Both,
    ops: &[filters::FILTER_GET, ops::SEARCH_JQL, ops::SEARCH_DC],
    handler: handler!(get_filter),
};

static SAVE_FILTER: ToolDef = ToolDef {
    name: "jira_save_filter",
    description: "Create a saved filter, or update the one with `id` (only the fields given change).",
    access: Access::SAVE,
    on: On::Both,
    ops: &[filters::FILTER_CREATE, filters::FILTER_UPDATE, filters::FILTER_GET],
    handler: handler!(save_filter),
};

#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum Which {
    Mine,
    #[default]
    Favourite,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListFiltersParams {
    /// `mine` (Cloud only) or `favourite` (default).
    #[serde(default)]
    pub which: Which,
    /// Per page (default 50, at most 100).
    pub max_results: Option<u32>,
    /// Offset (`next_start_at` of the previous page).
    pub start_at: Option<u32>,
}

/// A filter as the tools show it.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(inline)]
pub struct FilterView {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jql: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub favourite: Option<bool>,
    /// Empty: private.
    pub shared_with: Vec<String>,
}

impl FilterView {
    fn new(f: &Filter) -> FilterView {
        FilterView {
            id: f.id.or_empty(),
            name: f.name.or_empty(),
            owner: f.owner.get(),
            jql: f.jql.get(),
            description: f.description.get(),
            favourite: f.favourite,
            shared_with: f.share_permissions.iter().map(filters::share_text).collect(),
        }
    }

    /// `10000 "Open bugs" (owner Ada, favourite): type = Bug`
    fn line(&self) -> String {
        let mut meta = Vec::new();
        if let Some(o) = &self.owner {
            meta.push(format!("owner {o}"));
        }
        if self.favourite == Some(true) {
            meta.push("favourite".to_string());
        }
        let meta = if meta.is_empty() {
            String::new()
        } else {
            format!(" ({})", meta.join(", "))
        };
        let jql = self.jql.as_deref().map(|j| format!(": {j}")).unwrap_or_default();
        format!("{} \"{}\"{meta}{jql}", self.id, self.name)
    }

    fn details(&self) -> String {
        let mut s = format!("Filter {}", self.line());
        let shared = if self.shared_with.is_empty() {
            "nobody (private)".to_string()
        } else {
            self.shared_with.join(", ")
        };
        s.push_str(&format!("\nShared with: {shared}"));
        if let Some(d) = &self.description {
            s.push_str(&format!("\nDescription: {d}"));
        }
        s
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FiltersPage {
    pub filters: Vec<FilterView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u32>,
}

async fn list_filters(cx: Ctx, p: ListFiltersParams) -> Result<Out<FiltersPage>, ToolError> {
    let max = params::page_size("max_results", p.max_results, 50, 100)?;
    let start = u64::from(p.start_at.unwrap_or(0));
    if matches!(p.which, Which::Mine) && cx.jira.flavor() == Flavor::DataCenter {
        return Err(ToolError::invalid(
            "Jira Data Center has no list of your own filters; use which \"favourite\", or jira_get_filter with an id",
        ));
    }
    let page = match p.which {
        Which::Mine => cx.jira.my_filters(start, max).await,
        Which::Favourite => cx.jira.favourite_filters(start, max).await,
    }
    .map_err(|e| cx.fail(Some("The filter list".into()), e))?;
    let filters: Vec<FilterView> = page.items.iter().map(FilterView::new).collect();
    let next_start_at = paging::next_start(&page);
    let total = page.total;
    let mut text = if filters.is_empty() {
        match p.which {
            Which::Mine => "You own no saved filters.".to_string(),
            Which::Favourite => "You have no favourite filters.".to_string(),
        }
    } else {
        filters.iter().map(FilterView::line).collect::<Vec<_>>().join("\n")
    };
    paging::more_hint(
        &mut text,
        "jira_list_filters",
        filters.len(),
        total,
        next_start_at,
        "filter",
    );
    Ok(Out {
        text,
        data: FiltersPage {
            filters,
            total,
            next_start_at,
        },
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetFilterParams {
    /// Filter id, digits, e.g. `10000`.
    pub id: String,
    /// Also run its JQL and return the first page of issues.
    #[serde(default)]
    pub run: bool,
    /// Issues on that page (default 20, at most 100).
    pub max_results: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FilterResult {
    #[serde(flatten)]
    pub filter: FilterView,
    /// With `run`: one line per issue, as jira_search shows them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issues: Option<Vec<String>>,
    /// For jira_search with the filter's JQL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

async fn get_filter(cx: Ctx, p: GetFilterParams) -> Result<Out<FilterResult>, ToolError> {
    let id = params::numeric_id("id", &p.id)?;
    let max = params::page_size("max_results", p.max_results, 20, 100)?;
    let subject = format!("Filter {id}");
    let f = cx.jira.filter(&id).await.map_err(cx.failing(subject.clone()))?;
    let filter = FilterView::new(&f);
    let mut text = filter.details();
    let (mut issues, mut next_page_token) = (None, None);
    if p.run {
        let jql = filter.jql.clone().unwrap_or_default();
        if jql.trim().is_empty() {
            text.push_str("\n\nThe filter has no JQL to run.");
        } else {
            let ids: Vec<String> = super::search::LINE_FIELDS.iter().map(|s| s.to_string()).collect();
            let page = cx
                .jira
                .search(&jql, &ids, max, None)
                .await
                .map_err(cx.failing(format!("The search of filter {id}")))?;
            let rich = cx.jira.rich();
            let lines: Vec<IssueLine> = page.items.iter().map(|i| IssueLine::new(i, &[], rich)).collect();
            next_page_token = page.next().map(|c| c.to_string());
            let lines: Vec<String> = lines.iter().map(render::issue_line).collect();
            if lines.is_empty() {
                text.push_str("\n\nNo issues match.");
            } else {
                text.push_str("\n\nIssues:\n");
                text.push_str(&lines.join("\n"));
            }
            if let Some(t) = &next_page_token {
                text.push_str(&format!(
                    "\n\n{} issues shown; more match. Next page: call jira_search with jql {} and next_page_token \"{t}\".",
                    lines.len(),
                    json!(jql)
                ));
            }
            issues = Some(lines);
        }
    }
    Ok(Out {
        text,
        data: FilterResult {
            filter,
            issues,
            next_page_token,
        },
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SaveFilterParams {
    /// Filter id to update (digits); none: create.
    pub id: Option<String>,
    /// One line; needed to create.
    pub name: Option<String>,
    /// JQL; needed to create.
    pub jql: Option<String>,
    /// Plain text.
    pub description: Option<String>,
    /// Favourite it or not.
    pub favourite: Option<bool>,
    /// Who sees it; `[]`: private; none: unchanged.
    pub share_with: Option<Vec<params::ShareParam>>,
}

async fn save_filter(cx: Ctx, p: SaveFilterParams) -> Result<Out<FilterView>, ToolError> {
    let id = p.id.as_deref().map(|i| params::numeric_id("id", i)).transpose()?;
    let name = p.name.as_deref().map(|n| params::name("name", n)).transpose()?;
    let jql = p.jql.as_deref().map(|j| params::non_empty("jql", j)).transpose()?;
    let shares = p.share_with.as_deref().map(params::shares).transpose()?;
    if id.is_none() && (name.is_none() || jql.is_none()) {
        return Err(ToolError::invalid(
            "a new filter needs a name and jql (or pass the id of a filter to update)",
        ));
    }
    let subject = match &id {
        Some(id) => format!("Filter {id}"),
        None => "The new filter".to_string(),
    };
    // Jira wants the name with every update: keep the current one when none is given.
    let name = match (&id, name) {
        (Some(id), None) if !nothing_to_change(&p, jql.as_deref(), shares.as_deref()) => {
            let current = cx.jira.filter(id).await.map_err(cx.failing(subject.clone()))?;
            Some(current.name.or_empty())
        }
        (_, name) => name,
    };
    let mut body = serde_json::Map::new();
    if let Some(n) = &name {
        body.insert("name".into(), json!(n));
    }
    if let Some(j) = &jql {
        body.insert("jql".into(), json!(j.trim()));
    }
    if let Some(d) = &p.description {
        body.insert("description".into(), json!(d));
    }
    if let Some(f) = p.favourite {
        body.insert("favourite".into(), json!(f));
    }
    if let Some(s) = &shares {
        let list: Vec<_> = s.iter().map(|s| cx.jira.share_json(s)).collect();
        body.insert("sharePermissions".into(), json!(list));
    }
    if body.is_empty() {
        return Err(ToolError::invalid(
            "nothing to change: pass name, jql, description, favourite or share_with",
        ));
    }
    let saved = cx
        .jira
        .save_filter(id.as_deref(), serde_json::Value::Object(body))
        .await
        .map_err(cx.failing(subject))?;
    let view = FilterView::new(&saved);
    let verb = if id.is_some() { "Updated" } else { "Created" };
    Ok(Out {
        text: format!("{verb} {}", view.details().replacen("Filter ", "filter ", 1)),
        data: view,
    })
}

fn nothing_to_change(p: &SaveFilterParams, jql: Option<&str>, shares: Option<&[filters::Share]>) -> bool {
    jql.is_none() && shares.is_none() && p.description.is_none() && p.favourite.is_none()
}
