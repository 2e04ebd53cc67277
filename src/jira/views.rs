//! What a person wants to see of Jira's JSON: compact, typed views.
//!
//! Jira's issue JSON is large and loosely typed (custom fields of any shape, nulls, ADF). The
//! views keep the fields people ask about, with rich text converted to Markdown and nested
//! objects flattened to their display names. Builders read the JSON defensively: a field of an
//! unexpected shape is shown as best it can be, never a reason to fail the whole call.
//! Empty values are omitted from the serialized form to save the model's context.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::adf;

/// One issue, as `jira_get_issue` returns it.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct IssueView {
    pub key: String,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub labels: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub components: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub fix_versions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<IssueRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// The description as Markdown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Extra fields that were asked for, keyed by display name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub fields: BTreeMap<String, Value>,
    /// Latest comments, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub comments: Vec<CommentView>,
    /// How many comments the issue has in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_total: Option<u64>,
}

#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct IssueRef {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct CommentView {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The comment as Markdown.
    pub body: String,
}

/// One line of a search result.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct IssueLine {
    pub key: String,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// Further fields that were asked for, keyed by display name or id.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub fields: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct ProjectView {
    pub key: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct UserView {
    pub account_id: String,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

// ---- reading Jira's JSON ---------------------------------------------------------------------

/// The human name of a Jira value: users (`displayName`), options (`value`), named objects
/// (`name`), issues (`key`), or the scalar itself.
pub fn display(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(_) if adf::is_adf(v) => Some(adf::to_markdown(v)).filter(|s| !s.is_empty()),
        Value::Object(o) => ["displayName", "value", "name", "key", "emailAddress", "id"]
            .iter()
            .find_map(|k| {
                o.get(*k).and_then(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .or_else(|| x.as_i64().map(|n| n.to_string()))
                })
            })
            .map(|s| match o.get("child").and_then(display) {
                Some(child) => format!("{s} / {child}"),
                None => s,
            }),
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().filter_map(display).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
    }
}

fn names(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(display).collect())
        .unwrap_or_default()
}

fn string(v: Option<&Value>) -> Option<String> {
    v.and_then(display)
}

/// A value fit for structured output: ADF as Markdown, objects reduced to display names.
pub fn simplify(v: &Value) -> Value {
    match v {
        Value::Object(_) if adf::is_adf(v) => Value::String(adf::to_markdown(v)),
        Value::Object(_) => display(v).map(Value::String).unwrap_or(Value::Null),
        Value::Array(a) => Value::Array(a.iter().map(simplify).filter(|x| !x.is_null()).collect()),
        other => other.clone(),
    }
}

/// Sprint fields hold an array of sprints; the current one is the active (or the last) one.
fn sprint_name(v: Option<&Value>) -> Option<String> {
    let arr = v?.as_array()?;
    let active = arr
        .iter()
        .find(|s| s.get("state").and_then(Value::as_str) == Some("active"));
    active
        .or_else(|| arr.last())
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Options for building an [`IssueView`].
pub struct IssueViewOptions<'a> {
    /// Latest comments to include.
    pub comments: usize,
    /// Longest comment body in characters (longer ones are cut with `…`).
    pub comment_max_chars: usize,
    /// Extra fields: (display label, field id).
    pub extra: &'a [(String, String)],
    pub sprint_field: Option<&'a str>,
    pub site_url: Option<&'a str>,
}

impl IssueView {
    pub fn from_json(issue: &Value, opts: &IssueViewOptions<'_>) -> IssueView {
        let empty = Value::Null;
        let f = issue.get("fields").unwrap_or(&empty);
        let key = issue.get("key").and_then(Value::as_str).unwrap_or("").to_string();
        let comment_block = f.get("comment");
        let all_comments: Vec<&Value> = comment_block
            .and_then(|c| c.get("comments"))
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let skip = all_comments.len().saturating_sub(opts.comments);
        let comments = all_comments[skip..]
            .iter()
            .map(|c| CommentView::from_json(c, opts.comment_max_chars))
            .collect();
        let comment_total = comment_block
            .and_then(|c| c.get("total"))
            .and_then(Value::as_u64)
            .or_else(|| comment_block.map(|_| all_comments.len() as u64));
        let mut fields = BTreeMap::new();
        for (label, id) in opts.extra {
            let v = f.get(id).map(simplify).unwrap_or(Value::Null);
            fields.insert(label.clone(), v);
        }
        IssueView {
            url: opts
                .site_url
                .filter(|_| !key.is_empty())
                .map(|s| format!("{}/browse/{key}", s.trim_end_matches('/'))),
            key,
            summary: string(f.get("summary")).unwrap_or_default(),
            issue_type: string(f.get("issuetype")),
            status: string(f.get("status")),
            priority: string(f.get("priority")),
            resolution: string(f.get("resolution")),
            assignee: string(f.get("assignee")),
            reporter: string(f.get("reporter")),
            labels: names(f.get("labels")),
            components: names(f.get("components")),
            fix_versions: names(f.get("fixVersions")),
            parent: f.get("parent").and_then(|p| {
                let key = p.get("key").and_then(Value::as_str)?.to_string();
                let summary = p.get("fields").and_then(|pf| string(pf.get("summary")));
                Some(IssueRef { key, summary })
            }),
            sprint: opts.sprint_field.and_then(|id| sprint_name(f.get(id))),
            due: string(f.get("duedate")),
            created: string(f.get("created")),
            updated: string(f.get("updated")),
            description: f.get("description").and_then(|d| match d {
                Value::String(s) => Some(s.clone()),
                other => display(other),
            }),
            fields,
            comments,
            comment_total,
        }
    }
}

impl CommentView {
    pub fn from_json(c: &Value, max_chars: usize) -> CommentView {
        let body = match c.get("body") {
            Some(Value::String(s)) => s.clone(),
            Some(v) => display(v).unwrap_or_default(),
            None => String::new(),
        };
        CommentView {
            id: string(c.get("id")).unwrap_or_default(),
            author: string(c.get("author")),
            created: string(c.get("created")),
            body: adf::truncate_chars(&body, max_chars),
        }
    }
}

impl IssueLine {
    pub fn from_json(issue: &Value, extra: &[(String, String)]) -> IssueLine {
        let empty = Value::Null;
        let f = issue.get("fields").unwrap_or(&empty);
        let mut fields = BTreeMap::new();
        for (label, id) in extra {
            fields.insert(label.clone(), f.get(id).map(simplify).unwrap_or(Value::Null));
        }
        IssueLine {
            key: issue.get("key").and_then(Value::as_str).unwrap_or("").to_string(),
            summary: string(f.get("summary")).unwrap_or_default(),
            issue_type: string(f.get("issuetype")),
            status: string(f.get("status")),
            priority: string(f.get("priority")),
            assignee: string(f.get("assignee")),
            updated: string(f.get("updated")),
            fields,
        }
    }
}

impl ProjectView {
    pub fn from_json(p: &Value) -> ProjectView {
        ProjectView {
            key: string(p.get("key")).unwrap_or_default(),
            name: string(p.get("name")).unwrap_or_default(),
            project_type: string(p.get("projectTypeKey")),
            lead: string(p.get("lead")),
            style: string(p.get("style")),
        }
    }
}

impl UserView {
    pub fn from_json(u: &Value) -> UserView {
        UserView {
            account_id: string(u.get("accountId")).unwrap_or_default(),
            display_name: string(u.get("displayName")).unwrap_or_default(),
            email: string(u.get("emailAddress")),
            time_zone: string(u.get("timeZone")),
            active: u.get("active").and_then(Value::as_bool),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn display_reads_every_common_shape() {
        assert_eq!(display(&json!({"displayName": "Ada"})).as_deref(), Some("Ada"));
        assert_eq!(
            display(&json!({"value": "Red", "child": {"value": "Dark"}})).as_deref(),
            Some("Red / Dark")
        );
        assert_eq!(display(&json!([{"name": "a"}, {"name": "b"}])).as_deref(), Some("a, b"));
        assert_eq!(display(&json!(5)).as_deref(), Some("5"));
        assert_eq!(display(&json!(null)), None);
    }

    #[test]
    fn issue_view_survives_odd_shapes() {
        let v = json!({"key": "A-1", "fields": {"summary": 7, "labels": "oops", "status": [], "comment": {"comments": "x"}}});
        let opts = IssueViewOptions {
            comments: 3,
            comment_max_chars: 100,
            extra: &[],
            sprint_field: None,
            site_url: None,
        };
        let view = IssueView::from_json(&v, &opts);
        assert_eq!(view.key, "A-1");
        assert_eq!(view.summary, "7");
        assert!(view.labels.is_empty());
    }
}
