//! Toolset `comments`: read and add comments (Markdown in and out).

use rmcp::{handler::server::wrapper::Parameters, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    Out, ToolError, params,
    result::{input, schema},
};
use crate::{jira::views::CommentView, render, server::JiraMcp};

pub(super) const OPERATIONS: &[(&str, &[&str])] = &[
    ("jira_get_comments", &["GET /rest/api/3/issue/{issueIdOrKey}/comment"]),
    ("jira_add_comment", &["POST /rest/api/3/issue/{issueIdOrKey}/comment"]),
];

/// Comment bodies are shown in full here (up to this many characters each).
const BODY_CHARS: usize = 20_000;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetCommentsParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// Comments per page, newest first (default 10, at most 100).
    pub max_results: Option<u32>,
    /// Offset of the first comment (`next_start_at` of the previous page).
    pub start_at: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddCommentParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// The comment, in Markdown.
    pub body: String,
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

#[tool_router(router = comments_router, vis = "pub(crate)")]
impl JiraMcp {
    /// Read an issue's comments as Markdown, newest first, paged.
    #[tool(
        name = "jira_get_comments",
        input_schema = input::<GetCommentsParams>(),
        output_schema = schema::<CommentsPage>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    pub async fn get_comments(
        &self,
        Parameters(p): Parameters<GetCommentsParams>,
    ) -> Result<Out<CommentsPage>, ToolError> {
        const TOOL: &str = "jira_get_comments";
        let key = params::issue_key(&p.issue_key)?;
        let max = params::page_size("max_results", p.max_results, 10, 100)?;
        let start = p.start_at.unwrap_or(0);
        let v = self
            .jira
            .comments(&key, start, max)
            .await
            .map_err(|e| self.fail(TOOL, Some(format!("Issue {key}")), e))?;
        let comments: Vec<CommentView> = v
            .get("comments")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|c| CommentView::from_json(c, BODY_CHARS)).collect())
            .unwrap_or_default();
        let total = v.get("total").and_then(Value::as_u64).unwrap_or(comments.len() as u64);
        let next = start as u64 + comments.len() as u64;
        let next_start_at = (next < total && !comments.is_empty()).then_some(next as u32);
        let mut text = if comments.is_empty() {
            if start == 0 {
                format!("{key} has no comments.")
            } else {
                format!("No comments after {start} of {total}.")
            }
        } else {
            let head = format!("{key}: comments {}–{} of {total}, newest first:\n", start + 1, next);
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

    /// Add a comment (Markdown) to an issue.
    #[tool(
        name = "jira_add_comment",
        input_schema = input::<AddCommentParams>(),
        output_schema = schema::<CommentAdded>(),
        annotations(read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = true)
    )]
    pub async fn add_comment(
        &self,
        Parameters(p): Parameters<AddCommentParams>,
    ) -> Result<Out<CommentAdded>, ToolError> {
        const TOOL: &str = "jira_add_comment";
        let key = params::issue_key(&p.issue_key)?;
        let body = params::non_empty("body", &p.body)?;
        let v = self
            .jira
            .add_comment(&key, &body)
            .await
            .map_err(|e| self.fail(TOOL, Some(format!("Issue {key}")), e))?;
        let id = v.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        let created = v.get("created").and_then(Value::as_str).map(str::to_string);
        let text = format!("Added comment #{id} to {key}.");
        Ok(Out {
            text,
            data: CommentAdded {
                issue_key: key,
                id,
                created,
            },
        })
    }
}
