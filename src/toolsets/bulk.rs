//! Toolset `bulk`: many issues in one call, with a per-issue report at the end.
//!
//! Creation uses Jira's own bulk endpoint (one request; Jira reports failures by position).
//! Transitions and edits have no such endpoint for apps: they run issue by issue, at most
//! [`CONCURRENCY`] at a time (Jira's rate limits count requests), with MCP progress
//! notifications after each. Nothing is retried blindly: the HTTP layer retries only what is
//! safe (429s, and 5xx on idempotent edits), and a failure is reported for its issue.

use futures::{StreamExt, stream};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Access, Ctx, Out, ToolDef, ToolError, ToolsetDef, handler,
    issues::{CreateIssueParams, IssueFieldsParams, set_resolution, transition_one},
    params,
};
use crate::jira::{IssueInput, ops, ops::On};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "bulk",
    description: "Create, transition or edit many issues in one call, with a per-issue report",
    default: false,
    tools: &[&BULK_CREATE, &BULK_TRANSITION, &BULK_EDIT],
};

static BULK_CREATE: ToolDef = ToolDef {
    name: "jira_bulk_create",
    description: "Create up to 50 issues in one request; the report says which were created and why others failed.",
    access: Access::ADD,
    on: On::Both,
    ops: &[ops::ISSUE_BULK_CREATE, ops::FIELDS, ops::USER_SEARCH, ops::MYSELF],
    handler: handler!(bulk_create),
};

static BULK_TRANSITION: ToolDef = ToolDef {
    name: "jira_bulk_transition",
    description: "Move up to 100 issues through a transition (name or target status); per-issue report, progress.",
    access: Access::ADD,
    on: On::Both,
    ops: &[ops::TRANSITIONS_GET, ops::TRANSITION_DO],
    handler: handler!(bulk_transition),
};

static BULK_EDIT: ToolDef = ToolDef {
    name: "jira_bulk_edit",
    description: "Set the same fields on up to 100 issues; per-issue report, progress.",
    access: Access::UPDATE,
    on: On::Both,
    ops: &[ops::ISSUE_EDIT, ops::FIELDS, ops::USER_SEARCH, ops::MYSELF],
    handler: handler!(bulk_edit),
};

/// Issues handled at once by the one-by-one tools.
pub const CONCURRENCY: usize = 4;
const MAX_CREATE: usize = 50;
const MAX_KEYS: usize = 100;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct BulkCreateParams {
    /// The issues, each like jira_create_issue's arguments.
    pub issues: Vec<CreateIssueParams>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct BulkTransitionParams {
    /// Issue keys, e.g. `["PROJ-1","PROJ-2"]`.
    pub issue_keys: Vec<String>,
    /// Transition name (`Done`) or target status.
    pub transition: String,
    /// Resolution to set, e.g. `Done`.
    pub resolution: Option<String>,
    /// Comment added to each issue (Markdown).
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct BulkEditParams {
    /// Issue keys, e.g. `["PROJ-1","PROJ-2"]`.
    pub issue_keys: Vec<String>,
    #[serde(flatten)]
    pub fields: IssueFieldsParams,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BulkReport {
    pub succeeded: usize,
    pub failed: usize,
    /// One entry per issue, in the order given.
    pub results: Vec<BulkItem>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BulkItem {
    /// The issue key (for creation: the new key, or `#n` for the n-th issue given).
    pub issue: String,
    pub ok: bool,
    /// What happened, or why it failed.
    pub detail: String,
}

fn report(results: Vec<BulkItem>, what: &str) -> Out<BulkReport> {
    let succeeded = results.iter().filter(|r| r.ok).count();
    let failed = results.len() - succeeded;
    let mut text = format!("{what}: {succeeded} succeeded, {failed} failed.\n");
    for r in &results {
        text.push_str(&format!(
            "- {} {}: {}\n",
            if r.ok { "ok" } else { "FAILED" },
            r.issue,
            r.detail
        ));
    }
    Out {
        text: text.trim_end().to_string(),
        data: BulkReport {
            succeeded,
            failed,
            results,
        },
    }
}

/// Runs `one` for each issue, at most [`CONCURRENCY`] at a time, with a progress
/// notification as each ends; the report keeps the order the keys were given in. `one`
/// says what it did, or why it failed.
async fn each_issue<F, Fut>(cx: &Ctx, keys: &[String], one: F) -> Vec<BulkItem>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<String, ToolError>>,
{
    let total = keys.len();
    let mut done = 0usize;
    let mut by_key = std::collections::HashMap::new();
    let mut runs = stream::iter(keys.iter().cloned())
        .map(|key| {
            let run = one(key.clone());
            async move { (key, run.await) }
        })
        .buffer_unordered(CONCURRENCY);
    while let Some((key, r)) = runs.next().await {
        done += 1;
        cx.progress(done, total, &key).await;
        let (ok, detail) = match r {
            Ok(d) => (true, d),
            Err(e) => (false, e.message),
        };
        by_key.insert(key.clone(), BulkItem { issue: key, ok, detail });
    }
    keys.iter().filter_map(|k| by_key.remove(k)).collect()
}

async fn bulk_create(cx: Ctx, p: BulkCreateParams) -> Result<Out<BulkReport>, ToolError> {
    if p.issues.is_empty() {
        return Err(ToolError::invalid("issues is empty"));
    }
    if p.issues.len() > MAX_CREATE {
        return Err(ToolError::invalid(format!(
            "{} issues given; at most {MAX_CREATE} per call",
            p.issues.len()
        )));
    }
    // Every issue is checked before anything is sent: bad input changes nothing.
    let mut inputs = Vec::with_capacity(p.issues.len());
    for (n, issue) in p.issues.into_iter().enumerate() {
        let at = |e: ToolError| {
            ToolError::invalid(format!(
                "issue #{}: {}",
                n + 1,
                e.message.trim_start_matches("Invalid input: ")
            ))
        };
        let project = params::project_key(&issue.project).map_err(at)?;
        let issue_type = params::non_empty("issue_type", &issue.issue_type).map_err(at)?;
        let summary = params::summary(&issue.summary).map_err(at)?;
        let mut input: IssueInput = issue.rest.into_input().map_err(at)?;
        input.project = Some(project);
        input.issue_type = Some(issue_type.trim().to_string());
        input.summary = Some(summary);
        inputs.push(input);
    }
    let mut fields = Vec::with_capacity(inputs.len());
    for (n, input) in inputs.iter().enumerate() {
        let f = cx
            .jira
            .build_fields(input)
            .await
            .map_err(|e| cx.fail(Some(format!("Issue #{}", n + 1)), e))?;
        fields.push(f);
    }
    let total = fields.len();
    cx.progress(0, total, "creating issues").await;
    let created = cx
        .jira
        .create_issues(fields)
        .await
        .map_err(|e| cx.fail(Some("The bulk create".into()), e))?;
    cx.progress(total, total, "created").await;
    // Jira lists the created issues in request order, skipping the failed positions.
    let failed: std::collections::BTreeMap<u64, String> = created
        .errors
        .iter()
        .filter_map(|e| {
            let n = e.failed_element_number?;
            let messages = crate::http::decode_messages(e.element_errors.to_string().as_bytes());
            Some((
                n,
                if messages.is_empty() {
                    "rejected".to_string()
                } else {
                    messages.join("; ")
                },
            ))
        })
        .collect();
    let mut made = created.issues.iter();
    let mut results = Vec::with_capacity(total);
    for n in 0..total as u64 {
        match failed.get(&n) {
            Some(why) => results.push(BulkItem {
                issue: format!("#{}", n + 1),
                ok: false,
                detail: why.clone(),
            }),
            None => match made.next() {
                Some(i) => results.push(BulkItem {
                    issue: i.key.or_empty(),
                    ok: true,
                    detail: format!("created (#{})", n + 1),
                }),
                None => results.push(BulkItem {
                    issue: format!("#{}", n + 1),
                    ok: false,
                    detail: "Jira reported neither a key nor an error for it".into(),
                }),
            },
        }
    }
    Ok(report(results, "Bulk create"))
}

async fn bulk_transition(cx: Ctx, p: BulkTransitionParams) -> Result<Out<BulkReport>, ToolError> {
    let keys = params::issue_keys("issue_keys", &p.issue_keys, MAX_KEYS)?;
    let wanted = params::non_empty("transition", &p.transition)?.trim().to_string();
    if let Some(c) = &p.comment {
        params::non_empty("comment", c)?;
    }
    // Nothing to look up: the resolution is a system field.
    let mut fields = crate::jira::FieldValues::default();
    set_resolution(&mut fields, p.resolution.as_deref());
    let results = each_issue(&cx, &keys, |key| {
        let (cx, fields, wanted, comment) = (&cx, fields.clone(), &wanted, p.comment.as_deref());
        async move {
            let (name, to) = transition_one(cx, &key, wanted, fields, comment).await?;
            Ok(format!("`{name}` done; now {to}"))
        }
    })
    .await;
    Ok(report(results, "Bulk transition"))
}

async fn bulk_edit(cx: Ctx, p: BulkEditParams) -> Result<Out<BulkReport>, ToolError> {
    let keys = params::issue_keys("issue_keys", &p.issue_keys, MAX_KEYS)?;
    let input = p.fields.into_input()?;
    let fields = cx.jira.build_fields(&input).await.map_err(|e| cx.fail(None, e))?;
    if fields.is_empty() {
        return Err(ToolError::invalid("nothing to change: give at least one field"));
    }
    let changed = fields.names().join(", ");
    let results = each_issue(&cx, &keys, |key| {
        let (cx, fields, changed) = (&cx, fields.clone(), &changed);
        async move {
            cx.jira
                .edit_issue(&key, fields)
                .await
                .map_err(|e| cx.fail(Some(format!("Issue {key}")), e))?;
            Ok(format!("set {changed}"))
        }
    })
    .await;
    Ok(report(results, "Bulk edit"))
}
