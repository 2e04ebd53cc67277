//! Toolset `comments`: read and add comments (Markdown in and out).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Access, Ctx, Out, ToolDef, ToolError, ToolsetDef, handler, paging, params};
use crate::{
    jira::{ops, ops::On, views::CommentView},
    render,
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "comments",
    description: "Read, add, edit and delete issue comments",
    default: true,
    tools: &[&GET_COMMENTS, &ADD_COMMENT, &EDIT_COMMENT, &DELETE_COMMENT],
};

static GET_COMMENTS: ToolDef = ToolDef {
    name: "jira_get_comments",
    description: "Read an issue's comments as Markdown, newest first, paged.",
    access: Access::READ,
    on: On::Both,
    ops: &[ops::COMMENTS_GET],
    handler: handler!(get_comments),
};

static ADD_COMMENT: ToolDef = ToolDef {
    name: "jira_add_comment",
    description: "Add a comment (Markdown) to an issue.",
    access: Access::ADD,
    on: On::Both,
    ops: &[ops::COMMENT_ADD],
    handler: handler!(add_comment),
};

static EDIT_COMMENT: ToolDef = ToolDef {
    name: "jira_edit_comment",
    description: "Replace the text (Markdown) of a comment, optionally its visibility.",
    access: Access::UPDATE,
    on: On::Both,
    ops: &[ops::COMMENT_EDIT],
    handler: handler!(edit_comment),
};

static DELETE_COMMENT: ToolDef = ToolDef {
    name: "jira_delete_comment",
    description: "Delete a comment of an issue.",
    access: Access::UPDATE,
    on: On::Both,
    ops: &[ops::COMMENT_DELETE],
    handler: handler!(delete_comment),
};

/// Comment bodies are shown in full here (up to this many characters each).
const BODY_CHARS: usize = 20_000;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetCommentsParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// Per page (default 10, max 100).
    pub max_results: Option<u32>,
    /// Offset: `next_start_at` of the previous page.
    pub start_at: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddCommentParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// The comment, in Markdown.
    pub body: String,
    /// Restrict to `role:NAME` or `group:NAME`; default: all who see the issue.
    pub visibility: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct EditCommentParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// Comment id, e.g. `10001`.
    pub comment_id: String,
    /// The new text, in Markdown.
    pub body: String,
    /// `role:NAME` or `group:NAME`.
    pub visibility: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeleteCommentParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// Comment id, e.g. `10001`.
    pub comment_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CommentChanged {
    pub issue_key: String,
    pub id: String,
    /// `edited` or `deleted`.
    pub action: String,
}

/// `role:NAME` / `group:NAME` as Jira's (type, value).
fn visibility(input: Option<&str>) -> Result<Option<(&'static str, String)>, ToolError> {
    let Some(v) = input.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let (kind, name) = v.split_once(':').unwrap_or(("", v));
    let name = name.trim();
    let kind = match kind.trim().to_ascii_lowercase().as_str() {
        "role" => "role",
        "group" => "group",
        _ => {
            return Err(ToolError::invalid(format!(
                "visibility `{v}` must be `role:NAME` (a project role) or `group:NAME`"
            )));
        }
    };
    if name.is_empty() {
        return Err(ToolError::invalid(
            "visibility needs a role or group name after the colon",
        ));
    }
    Ok(Some((kind, name.to_string())))
}

fn comment_id(input: &str) -> Result<String, ToolError> {
    params::numeric_id("comment_id", input.trim().trim_start_matches('#'))
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CommentsPage {
    pub issue_key: String,
    /// Newest first.
    pub comments: Vec<CommentView>,
    pub total: u64,
    /// Pass as `start_at` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CommentAdded {
    pub issue_key: String,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
}

async fn get_comments(cx: Ctx, p: GetCommentsParams) -> Result<Out<CommentsPage>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let max = params::page_size("max_results", p.max_results, 10, 100)?;
    let start = p.start_at.unwrap_or(0);
    let page = cx
        .jira
        .comments(&key, u64::from(start), max)
        .await
        .map_err(|e| cx.fail(Some(format!("Issue {key}")), e))?;
    let rich = cx.jira.rich();
    let (page, comments) = crate::jira::offload(move || {
        let views: Vec<CommentView> = page
            .items
            .iter()
            .map(|c| CommentView::new(c, BODY_CHARS, rich))
            .collect();
        (page, views)
    })
    .await;
    let total = page.total_known().unwrap_or(comments.len() as u64);
    let next = u64::from(start) + comments.len() as u64;
    let next_start_at = paging::next_start(&page);
    let mut text = if comments.is_empty() {
        if start == 0 {
            format!("{key} has no comments.")
        } else {
            format!("No comments after {start} of {total}.")
        }
    } else {
        let head = format!(
            "{key}: comments {}–{} of {total}, newest first:\n",
            u64::from(start) + 1,
            next
        );
        head + &comments.iter().map(render::comment).collect::<String>()
    };
    if let Some(n) = next_start_at {
        text.push_str(&format!("\nMore: call jira_get_comments with start_at {n}."));
    }
    Ok(Out {
        text: text.trim_end().to_string(),
        data: CommentsPage {
            issue_key: key,
            comments,
            total,
            next_start_at,
        },
    })
}

async fn add_comment(cx: Ctx, p: AddCommentParams) -> Result<Out<CommentAdded>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let body = params::non_empty("body", &p.body)?;
    let vis = visibility(p.visibility.as_deref())?;
    let added = cx
        .jira
        .add_comment(&key, &body, vis.as_ref().map(|(k, n)| (*k, n.as_str())))
        .await
        .map_err(|e| cx.fail(Some(format!("Issue {key}")), e))?;
    let id = added.id.or_empty();
    let created = added.created.get();
    let text = match &vis {
        Some((kind, name)) => format!("Added comment #{id} to {key}, visible to {kind} {name} only."),
        None => format!("Added comment #{id} to {key}."),
    };
    Ok(Out {
        text,
        data: CommentAdded {
            issue_key: key,
            id,
            created,
        },
    })
}

async fn edit_comment(cx: Ctx, p: EditCommentParams) -> Result<Out<CommentChanged>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let id = comment_id(&p.comment_id)?;
    let body = params::non_empty("body", &p.body)?;
    let vis = visibility(p.visibility.as_deref())?;
    cx.jira
        .edit_comment(&key, &id, &body, vis.as_ref().map(|(k, n)| (*k, n.as_str())))
        .await
        .map_err(|e| cx.fail(Some(format!("Comment #{id} of {key}")), e))?;
    Ok(Out {
        text: format!("Edited comment #{id} of {key}."),
        data: CommentChanged {
            issue_key: key,
            id,
            action: "edited".into(),
        },
    })
}

async fn delete_comment(cx: Ctx, p: DeleteCommentParams) -> Result<Out<CommentChanged>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let id = comment_id(&p.comment_id)?;
    cx.jira
        .delete_comment(&key, &id)
        .await
        .map_err(|e| cx.fail(Some(format!("Comment #{id} of {key}")), e))?;
    Ok(Out {
        text: format!("Deleted comment #{id} of {key}."),
        data: CommentChanged {
            issue_key: key,
            id,
            action: "deleted".into(),
        },
    })
}
