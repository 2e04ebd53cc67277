//! Toolset `worklogs`: read, log, change and delete time spent on issues.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Access, Ctx, Out, ToolDef, ToolError, ToolsetDef, handler, paging, params};
use crate::{
    jira::{
        ops::On,
        worklogs::{self, Estimate, Worklog, WorklogInput},
    },
    render,
    richtext::RichText,
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "worklogs",
    description: "Read and log time spent on issues",
    default: false,
    tools: &[&GET_WORKLOGS, &ADD_WORKLOG, &UPDATE_WORKLOG, &DELETE_WORKLOG],
};

static GET_WORKLOGS: ToolDef = ToolDef {
    name: "jira_get_worklogs",
    description: "List an issue's worklogs, oldest first, paged.",
    access: Access::READ,
    on: On::Both,
    ops: &[worklogs::WORKLOGS_GET],
    handler: handler!(get_worklogs),
};

static ADD_WORKLOG: ToolDef = ToolDef {
    name: "jira_add_worklog",
    description: "Log time spent on an issue.",
    access: Access::ADD,
    on: On::Both,
    ops: &[worklogs::WORKLOG_ADD],
    handler: handler!(add_worklog),
};

static UPDATE_WORKLOG: ToolDef = ToolDef {
    name: "jira_update_worklog",
    description: "Change a worklog's time, start or comment.",
    access: Access::UPDATE,
    on: On::Both,
    ops: &[worklogs::WORKLOG_UPDATE],
    handler: handler!(update_worklog),
};

static DELETE_WORKLOG: ToolDef = ToolDef {
    name: "jira_delete_worklog",
    description: "Delete a worklog.",
    access: Access::UPDATE,
    on: On::Both,
    ops: &[worklogs::WORKLOG_DELETE],
    handler: handler!(delete_worklog),
};

/// Worklog comments are shown up to this many characters each.
const COMMENT_CHARS: usize = 2_000;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetWorklogsParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// Per page (default 20, at most 100).
    pub max_results: Option<u32>,
    /// Offset: `next_start_at` of the previous page.
    pub start_at: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddWorklogParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// Time spent, e.g. `3h 30m` (w d h m).
    pub time_spent: String,
    /// Start, `YYYY-MM-DDTHH:MM` (UTC) or ISO 8601; default now.
    pub started: Option<String>,
    /// Comment, in Markdown.
    pub comment: Option<String>,
    /// Remaining estimate: `auto` (default), `leave` or `new`.
    pub adjust_estimate: Option<String>,
    /// For `new`: the remaining estimate, e.g. `2d`.
    pub new_estimate: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdateWorklogParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// Worklog id (digits).
    pub worklog_id: String,
    /// New time spent, e.g. `2h` (w d h m).
    pub time_spent: Option<String>,
    /// New start, `YYYY-MM-DDTHH:MM` (UTC) or ISO 8601.
    pub started: Option<String>,
    /// New comment (Markdown).
    pub comment: Option<String>,
    /// Remaining estimate: `auto` (default), `leave` or `new`.
    pub adjust_estimate: Option<String>,
    /// For `new`: the remaining estimate, e.g. `2d`.
    pub new_estimate: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteWorklogParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// Worklog id (digits).
    pub worklog_id: String,
    /// Remaining estimate: `auto` (default), `leave` or `new`.
    pub adjust_estimate: Option<String>,
    /// For `new`: the remaining estimate, e.g. `2d`.
    pub new_estimate: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct WorklogView {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_spent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_spent_seconds: Option<u64>,
    /// Markdown.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub comment: String,
}

impl WorklogView {
    fn new(w: &Worklog, rich: &dyn RichText) -> WorklogView {
        let comment = rich.to_markdown(&w.comment.0);
        WorklogView {
            id: w.id.or_empty(),
            author: w.author.as_ref().and_then(|a| a.display_name.get()),
            started: w.started.get(),
            time_spent: w.time_spent.get(),
            time_spent_seconds: w.time_spent_seconds,
            comment: crate::adf::truncate_chars(comment.trim(), COMMENT_CHARS),
        }
    }

    /// `- #id Author, 2026-12-01 10:00, 3h 30m: comment`
    fn line(&self) -> String {
        let meta: Vec<String> = [
            self.author.clone(),
            self.started.as_deref().map(render::short_time),
            self.time_spent.clone(),
        ]
        .into_iter()
        .flatten()
        .collect();
        let head = format!("- #{} {}", self.id, meta.join(", "));
        let head = head.trim_end();
        if self.comment.is_empty() {
            head.to_string()
        } else if self.comment.contains('\n') {
            let indented: Vec<String> = self.comment.lines().map(|l| format!("  {l}")).collect();
            format!("{head}:\n{}", indented.join("\n"))
        } else {
            format!("{head}: {}", self.comment)
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct WorklogsPage {
    pub issue_key: String,
    pub worklogs: Vec<WorklogView>,
    pub total: u64,
    /// Pass as `start_at` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct WorklogSaved {
    pub issue_key: String,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_spent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
}

impl WorklogSaved {
    fn new(issue_key: String, v: WorklogView) -> WorklogSaved {
        WorklogSaved {
            issue_key,
            id: v.id,
            time_spent: v.time_spent,
            started: v.started,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct WorklogDeleted {
    pub issue_key: String,
    pub worklog_id: String,
}

fn estimate(adjust: Option<&str>, new: Option<&str>) -> Result<Estimate, ToolError> {
    let new = new.map(str::trim).filter(|s| !s.is_empty());
    match (adjust.map(|a| a.trim().to_ascii_lowercase()).as_deref(), new) {
        (None | Some("auto" | ""), None) => Ok(Estimate::Auto),
        (Some("leave"), None) => Ok(Estimate::Leave),
        (Some("new") | None, Some(n)) => Ok(Estimate::New(params::duration("new_estimate", n)?)),
        (Some("new"), None) => Err(ToolError::invalid(
            "adjust_estimate `new` needs new_estimate, e.g. `2d`",
        )),
        (Some("auto" | "leave"), Some(_)) => Err(ToolError::invalid(
            "new_estimate is used only with adjust_estimate `new`",
        )),
        (Some(other), _) => Err(ToolError::invalid(format!(
            "adjust_estimate `{}` is not one of auto, leave, new",
            crate::adf::truncate_chars(other, 40)
        ))),
    }
}

fn comment(input: Option<&str>) -> Option<String> {
    input.filter(|c| !c.trim().is_empty()).map(str::to_string)
}

async fn get_worklogs(cx: Ctx, p: GetWorklogsParams) -> Result<Out<WorklogsPage>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let max = params::page_size("max_results", p.max_results, 20, 100)?;
    let start = p.start_at.unwrap_or(0);
    let page = cx
        .jira
        .worklogs(&key, u64::from(start), max)
        .await
        .map_err(cx.failing(format!("Issue {key}")))?;
    let rich = cx.jira.rich();
    let (page, worklogs) = crate::jira::offload(move || {
        let views: Vec<WorklogView> = page.items.iter().map(|w| WorklogView::new(w, rich)).collect();
        (page, views)
    })
    .await;
    let total = page.total_known().unwrap_or(worklogs.len() as u64);
    let next_start_at = paging::next_start(&page);
    let mut text = if worklogs.is_empty() {
        if start == 0 {
            format!("{key} has no worklogs.")
        } else {
            format!("No worklogs after {start} of {total}.")
        }
    } else {
        let lines: Vec<String> = worklogs.iter().map(WorklogView::line).collect();
        format!(
            "{key}: worklogs {}–{} of {total}:\n{}",
            u64::from(start) + 1,
            u64::from(start) + worklogs.len() as u64,
            lines.join("\n")
        )
    };
    if let Some(n) = next_start_at {
        text.push_str(&format!("\nMore: call jira_get_worklogs with start_at {n}."));
    }
    Ok(Out {
        text,
        data: WorklogsPage {
            issue_key: key,
            worklogs,
            total,
            next_start_at,
        },
    })
}

async fn add_worklog(cx: Ctx, p: AddWorklogParams) -> Result<Out<WorklogSaved>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let time_spent = params::duration("time_spent", &p.time_spent)?;
    let started = match p.started.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => params::started(s)?,
        None => params::now_started(),
    };
    let est = estimate(p.adjust_estimate.as_deref(), p.new_estimate.as_deref())?;
    let input = WorklogInput {
        time_spent: Some(time_spent),
        started: Some(started),
        comment: comment(p.comment.as_deref()),
    };
    let w = cx
        .jira
        .add_worklog(&key, &input, &est)
        .await
        .map_err(cx.failing(format!("Issue {key}")))?;
    let rich = cx.jira.rich();
    let view = crate::jira::offload(move || WorklogView::new(&w, rich)).await;
    let text = format!(
        "Logged {} on {key} (worklog #{}, started {}).",
        view.time_spent
            .as_deref()
            .or(input.time_spent.as_deref())
            .unwrap_or("?"),
        view.id,
        render::short_time(view.started.as_deref().or(input.started.as_deref()).unwrap_or("?"))
    );
    Ok(Out {
        text,
        data: WorklogSaved::new(key, view),
    })
}

async fn update_worklog(cx: Ctx, p: UpdateWorklogParams) -> Result<Out<WorklogSaved>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let id = params::numeric_id("worklog_id", &p.worklog_id)?;
    let input = WorklogInput {
        time_spent: p
            .time_spent
            .as_deref()
            .map(|t| params::duration("time_spent", t))
            .transpose()?,
        started: p.started.as_deref().map(params::started).transpose()?,
        comment: p.comment.clone(),
    };
    if input.time_spent.is_none() && input.started.is_none() && input.comment.is_none() {
        return Err(ToolError::invalid(
            "nothing to change; give time_spent, started or comment",
        ));
    }
    let est = estimate(p.adjust_estimate.as_deref(), p.new_estimate.as_deref())?;
    let w = cx
        .jira
        .update_worklog(&key, &id, &input, &est)
        .await
        .map_err(cx.failing(format!("Worklog {id} of {key}")))?;
    let rich = cx.jira.rich();
    let mut view = crate::jira::offload(move || WorklogView::new(&w, rich)).await;
    if view.id.is_empty() {
        view.id = id;
    }
    let text = format!(
        "Updated worklog #{} on {key}: {}, started {}.",
        view.id,
        view.time_spent.as_deref().unwrap_or("?"),
        render::short_time(view.started.as_deref().unwrap_or("?"))
    );
    Ok(Out {
        text,
        data: WorklogSaved::new(key, view),
    })
}

async fn delete_worklog(cx: Ctx, p: DeleteWorklogParams) -> Result<Out<WorklogDeleted>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let id = params::numeric_id("worklog_id", &p.worklog_id)?;
    let est = estimate(p.adjust_estimate.as_deref(), p.new_estimate.as_deref())?;
    cx.jira
        .delete_worklog(&key, &id, &est)
        .await
        .map_err(cx.failing(format!("Worklog {id} of {key}")))?;
    Ok(Out {
        text: format!("Deleted worklog #{id} from {key}."),
        data: WorklogDeleted {
            issue_key: key,
            worklog_id: id,
        },
    })
}
