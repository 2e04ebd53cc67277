//! Toolset `links`: relate issues to each other and to web pages, watch them, clone them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Access, Ctx, Out, ToolDef, ToolError, ToolsetDef, handler, params};
use crate::jira::{
    IssueInput, links,
    links::{LINK_CREATE, LINK_DELETE, REMOTE_LINK_CREATE, REMOTE_LINK_DELETE},
    metadata::LINK_TYPES,
    ops,
    ops::On,
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "links",
    description: "Link issues to issues and web pages, watch and clone issues",
    default: false,
    tools: &[&LINK_ISSUES, &UNLINK, &WATCH, &CLONE],
};

static LINK_ISSUES: ToolDef = ToolDef {
    name: "jira_link_issues",
    description: "Link an issue to another (`blocks`, `relates to`, …) or to a web page (`url`).",
    access: Access::ADD,
    on: On::Both,
    ops: &[LINK_TYPES, LINK_CREATE, REMOTE_LINK_CREATE],
    handler: handler!(link_issues),
};

static UNLINK: ToolDef = ToolDef {
    name: "jira_unlink_issues",
    description: "Remove an issue link (`link_id` from jira_get_issue) or a web link.",
    access: Access::UPDATE,
    on: On::Both,
    ops: &[LINK_DELETE, REMOTE_LINK_DELETE],
    handler: handler!(unlink),
};

static WATCH: ToolDef = ToolDef {
    name: "jira_watch_issue",
    description: "Add or remove a watcher of an issue (default: you).",
    access: Access::UPDATE,
    on: On::Both,
    ops: &[links::WATCHER_ADD, links::WATCHER_REMOVE, ops::USER_SEARCH, ops::MYSELF],
    handler: handler!(watch),
};

static CLONE: ToolDef = ToolDef {
    name: "jira_clone_issue",
    description: "Copy an issue (summary, description, type, priority, labels, components, parent) and link the copy.",
    access: Access::ADD,
    on: On::Both,
    ops: &[ops::ISSUE_GET, ops::ISSUE_CREATE, LINK_TYPES, LINK_CREATE, ops::FIELDS],
    handler: handler!(clone_issue),
};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct LinkParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// The other issue, e.g. `PROJ-7` (with `link_type`).
    pub to_issue: Option<String>,
    /// Type or phrase from `issue_key`'s side: `blocks`, `is blocked by`, `relates to`, `Duplicate`.
    pub link_type: Option<String>,
    /// A web page to link instead of an issue.
    pub url: Option<String>,
    /// The web link's title (default: the URL).
    pub title: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct UnlinkParams {
    /// Issue link id (`link 10042` in jira_get_issue).
    pub link_id: Option<String>,
    /// Web link id, with `issue_key`.
    pub remote_link_id: Option<String>,
    /// Issue key, for `remote_link_id`.
    pub issue_key: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct WatchParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// `me` (default), an email, a display name, an account id (Cloud) or user name (DC).
    pub watcher: Option<String>,
    /// Remove instead of add.
    #[serde(default)]
    pub remove: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CloneParams {
    /// Issue key to copy, e.g. `PROJ-123`.
    pub issue_key: String,
    /// The copy's summary (default: `CLONE - ` + the original's).
    pub summary: Option<String>,
    /// Another project key for the copy.
    pub project: Option<String>,
    /// Link the copy to the original with `Cloners` (default true).
    pub link: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct LinkResult {
    pub issue_key: String,
    /// What was done, e.g. `PROJ-1 blocks PROJ-2`.
    pub done: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

fn url_param(input: &str) -> Result<String, ToolError> {
    let u = url::Url::parse(input.trim())
        .map_err(|_| ToolError::invalid(format!("`{input}` is not a URL; give a full `https://…` address")))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(ToolError::invalid("url must start with http:// or https://"));
    }
    Ok(u.to_string())
}

async fn link_issues(cx: Ctx, p: LinkParams) -> Result<Out<LinkResult>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    match (&p.to_issue, &p.url) {
        (Some(_), Some(_)) => return Err(ToolError::invalid("give either to_issue or url, not both")),
        (None, None) => return Err(ToolError::invalid("give to_issue (with link_type) or url")),
        (None, Some(url)) => {
            let url = url_param(url)?;
            let title = p
                .title
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .unwrap_or(&url);
            let id = cx
                .jira
                .add_remote_link(&key, &url, title)
                .await
                .map_err(|e| cx.fail(Some(format!("Issue {key}")), e))?;
            let done = format!("{key} links to {url}");
            return Ok(Out {
                text: format!("Linked: {done} (web link {id})."),
                data: LinkResult {
                    issue_key: key,
                    done,
                    id: Some(id).filter(|i| !i.is_empty()),
                },
            });
        }
        (Some(_), None) => {}
    }
    let other = params::issue_key(p.to_issue.as_deref().unwrap_or_default())?;
    let wanted = params::non_empty("link_type", p.link_type.as_deref().unwrap_or(""))?;
    let fail = |e| cx.fail(Some(format!("Issue {key}")), e);
    let types = cx.jira.link_types().await.map_err(fail)?;
    let choice = links::choose_link_type(&types, &wanted).map_err(fail)?;
    let (outward, inward) = if choice.reversed {
        (other.as_str(), key.as_str())
    } else {
        (key.as_str(), other.as_str())
    };
    cx.jira
        .link_issues(&choice.type_name, outward, inward)
        .await
        .map_err(fail)?;
    let done = format!("{key} {} {other}", choice.phrase);
    Ok(Out {
        text: format!("Linked: {done}."),
        data: LinkResult {
            issue_key: key,
            done,
            id: None,
        },
    })
}

async fn unlink(cx: Ctx, p: UnlinkParams) -> Result<Out<LinkResult>, ToolError> {
    match (&p.link_id, &p.remote_link_id) {
        (Some(id), None) => {
            let id = params::numeric_id("link_id", id)?;
            cx.jira
                .delete_link(&id)
                .await
                .map_err(|e| cx.fail(Some(format!("Issue link {id}")), e))?;
            Ok(Out {
                text: format!("Removed issue link {id}."),
                data: LinkResult {
                    issue_key: p.issue_key.unwrap_or_default(),
                    done: "removed".into(),
                    id: Some(id),
                },
            })
        }
        (None, Some(id)) => {
            let id = params::numeric_id("remote_link_id", id)?;
            let key = params::issue_key(
                p.issue_key
                    .as_deref()
                    .ok_or_else(|| ToolError::invalid("remote_link_id needs issue_key"))?,
            )?;
            cx.jira
                .delete_remote_link(&key, &id)
                .await
                .map_err(|e| cx.fail(Some(format!("Web link {id} of {key}")), e))?;
            Ok(Out {
                text: format!("Removed web link {id} from {key}."),
                data: LinkResult {
                    issue_key: key,
                    done: "removed".into(),
                    id: Some(id),
                },
            })
        }
        _ => Err(ToolError::invalid("give exactly one of link_id or remote_link_id")),
    }
}

async fn watch(cx: Ctx, p: WatchParams) -> Result<Out<LinkResult>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let who = p
        .watcher
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .unwrap_or("me");
    let fail = |e| cx.fail(Some(format!("Issue {key}")), e);
    let id = cx.jira.resolve_user(who).await.map_err(fail)?;
    if p.remove {
        cx.jira.remove_watcher(&key, &id).await.map_err(fail)?;
    } else {
        cx.jira.add_watcher(&key, &id).await.map_err(fail)?;
    }
    let done = format!("{who} {} {key}", if p.remove { "no longer watches" } else { "watches" });
    Ok(Out {
        text: format!("Done: {done}."),
        data: LinkResult {
            issue_key: key,
            done,
            id: Some(id),
        },
    })
}

async fn clone_issue(cx: Ctx, p: CloneParams) -> Result<Out<LinkResult>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let summary = p.summary.as_deref().map(params::summary).transpose()?;
    let project = p.project.as_deref().map(params::project_key).transpose()?;
    let fail = |e| cx.fail(Some(format!("Issue {key}")), e);
    let wanted: Vec<String> = [
        "summary",
        "description",
        "issuetype",
        "priority",
        "labels",
        "components",
        "parent",
        "project",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let original = cx.jira.get_issue(&key, &wanted).await.map_err(fail)?;
    let rich = cx.jira.rich();
    let (original, description) = crate::jira::offload(move || {
        let d = rich.to_markdown(&original.fields.description.0);
        (original, d)
    })
    .await;
    let f = &original.fields;
    let project = match project {
        Some(p) => p,
        None => f
            .other
            .get("project")
            .and_then(|p| p.get("key"))
            .and_then(|k| k.as_str())
            .map(str::to_string)
            .or_else(|| key.rsplit_once('-').map(|(p, _)| p.to_string()))
            .unwrap_or_default(),
    };
    let input = IssueInput {
        project: Some(project.clone()),
        issue_type: f.issuetype.get(),
        summary: Some(summary.unwrap_or_else(|| {
            let s = format!("CLONE - {}", f.summary.or_empty());
            s.chars().take(255).collect()
        })),
        description: Some(description).filter(|d| !d.trim().is_empty()),
        labels: Some(f.labels.0.clone()).filter(|l| !l.is_empty()),
        priority: f.priority.get(),
        components: Some(f.components.0.clone()).filter(|c| !c.is_empty()),
        parent: f.parent.as_ref().and_then(|p| p.key.get()),
        ..IssueInput::default()
    };
    let fields = cx.jira.build_fields(&input).await.map_err(fail)?;
    let created = cx.jira.create_issue(fields).await.map_err(fail)?;
    let mut done = format!("{} is a copy of {key}", created.key);
    if p.link.unwrap_or(true) {
        let linked = async {
            let types = cx.jira.link_types().await?;
            let choice = links::choose_link_type(&types, "Cloners")?;
            cx.jira.link_issues(&choice.type_name, &created.key, &key).await
        }
        .await;
        match linked {
            Ok(()) => done.push_str(" (linked: clones)"),
            Err(e) => done.push_str(&format!(" (not linked: {e})")),
        }
    }
    Ok(Out {
        text: format!("Cloned: {done}."),
        data: LinkResult {
            issue_key: created.key,
            done,
            id: Some(created.id),
        },
    })
}
