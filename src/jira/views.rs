//! What a person wants to see of Jira's data: compact, typed views built from the models.
//!
//! The views keep the fields people ask about, with rich text converted to Markdown through
//! the flavor's [`RichText`] and nested objects flattened to their display names. A field of
//! an unexpected shape is shown as best it can be, never a reason to fail the whole call.
//! Empty values are omitted from the serialized form to save the model's context.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::{
    adf,
    jira::models::{Body, Comment, Issue, LinkedIssue, Project, User, display},
    richtext::{self, RichText},
};

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
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub subtasks: Vec<LinkedView>,
    /// Links to other issues; `id` is what jira_unlink_issues takes.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub links: Vec<LinkedView>,
    /// `include: transitions`: what jira_transition_issue can do now, `Name → Status`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transitions: Option<Vec<String>>,
    /// `include: changelog`: the latest changes, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryView>>,
    /// `include: watchers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watchers: Option<Vec<String>>,
}

/// Another issue as this one relates to it.
#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct LinkedView {
    pub key: String,
    /// The link's phrase from this issue's side (`blocks`, `is cloned by`); absent for sub-tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    /// The link id (for removing the link).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct HistoryView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// `field: from → to`.
    pub changes: Vec<String>,
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
    /// Who may see it, when restricted: `role Developers`, `group jira-users`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visible_to: Option<String>,
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
    /// Cloud: the account id (for JQL and assignees).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Data Center: the user name (for JQL, assignees and `[~name]` mentions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

// ---- from the models --------------------------------------------------------------------------

/// The longest value of a requested field shown, in characters, and the most items of a
/// list-valued one: what Jira (or a proxy) sends is not trusted to be of a sensible size.
const FIELD_CHARS: usize = 20_000;
const FIELD_ITEMS: usize = 200;
/// Jira's summaries hold 255 characters; anything longer did not come from Jira's rules.
const SUMMARY_CHARS: usize = 1_000;

/// A value fit for structured output: bodies as Markdown, objects reduced to display names,
/// strings and lists within [`FIELD_CHARS`] and [`FIELD_ITEMS`].
pub fn simplify(v: &Value, rich: &dyn RichText) -> Value {
    match v {
        Value::Object(_) if richtext::is_body(v) => Value::String(capped(rich.to_markdown(v), FIELD_CHARS)),
        Value::Object(_) => display(v)
            .map(|s| Value::String(capped(s, FIELD_CHARS)))
            .unwrap_or(Value::Null),
        Value::Array(a) => Value::Array(
            a.iter()
                .take(FIELD_ITEMS)
                .map(|x| simplify(x, rich))
                .filter(|x| !x.is_null())
                .collect(),
        ),
        Value::String(s) => Value::String(capped(s.clone(), FIELD_CHARS)),
        other => other.clone(),
    }
}

/// A requested field's value: a rich-text field's body as Markdown (on Data Center it is a
/// wiki-markup string, indistinguishable from plain text without the field's type).
fn extra_value(v: Option<&Value>, rich_text: bool, rich: &dyn RichText) -> Value {
    match v {
        Some(body @ Value::String(_)) if rich_text => Value::String(capped(rich.to_markdown(body), FIELD_CHARS)),
        Some(v) => simplify(v, rich),
        None => Value::Null,
    }
}

/// Sprint fields hold an array of sprints (objects on Cloud; on older Data Center versions,
/// strings like `com.atlassian…Sprint@1[id=1,state=ACTIVE,name=Sprint 4,…]`); the current one
/// is the active (or the last) one.
fn sprint_name(v: Option<&Value>) -> Option<String> {
    let arr = v?.as_array()?;
    let state = |s: &Value| match s {
        Value::String(text) => dc_sprint_part(text, "state").map(|x| x.eq_ignore_ascii_case("active")),
        other => other.get("state").and_then(Value::as_str).map(|x| x == "active"),
    };
    let name = |s: &Value| match s {
        Value::String(text) => dc_sprint_part(text, "name").map(str::to_string),
        other => other.get("name").and_then(Value::as_str).map(str::to_string),
    };
    arr.iter()
        .find(|s| state(s) == Some(true))
        .or_else(|| arr.last())
        .and_then(name)
}

/// `key=value` out of Data Center's legacy sprint strings.
fn dc_sprint_part<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let inner = text.split_once('[')?.1.trim_end_matches(']');
    inner.split(',').find_map(|part| {
        let (k, v) = part.split_once('=')?;
        (k.trim() == key)
            .then_some(v.trim())
            .filter(|v| !v.is_empty() && *v != "<null>")
    })
}

/// Options for building an [`IssueView`].
pub struct IssueViewOptions<'a> {
    /// Latest comments to include.
    pub comments: usize,
    /// Longest comment body in characters (longer ones are cut with `…`).
    pub comment_max_chars: usize,
    /// Extra fields: (display label, field id, whether it holds rich text).
    pub extra: &'a [(String, String, bool)],
    pub sprint_field: Option<&'a str>,
    pub site_url: Option<&'a str>,
    pub rich: &'a dyn RichText,
}

fn body_markdown(body: &Body, rich: &dyn RichText) -> Option<String> {
    Some(rich.to_markdown(&body.0)).filter(|s| !s.trim().is_empty())
}

/// The longest description shown, in characters (about 25,000 tokens): a description pasted
/// from a log would otherwise fill the model's context.
pub const DESCRIPTION_CHARS: usize = 100_000;

/// `text` cut at `max` characters, with a note that says how much is not shown.
fn capped(text: String, max: usize) -> String {
    let total = text.chars().count();
    if total <= max {
        return text;
    }
    let mut out: String = text.chars().take(max).collect();
    out.push_str(&format!("\n\n… (cut here: {max} of {total} characters shown)"));
    out
}

impl IssueView {
    pub fn new(issue: &Issue, opts: &IssueViewOptions<'_>) -> IssueView {
        let f = &issue.fields;
        let key = issue.key.or_empty();
        let all_comments: &[Comment] = f.comment.as_ref().map(|p| p.items.as_slice()).unwrap_or_default();
        let skip = all_comments.len().saturating_sub(opts.comments);
        let comments = all_comments[skip..]
            .iter()
            .map(|c| CommentView::new(c, opts.comment_max_chars, opts.rich))
            .collect();
        let comment_total = f.comment.as_ref().map(|p| p.total.unwrap_or(all_comments.len() as u64));
        let mut fields = BTreeMap::new();
        for (label, id, rich_text) in opts.extra {
            fields.insert(label.clone(), extra_value(f.other.get(id), *rich_text, opts.rich));
        }
        IssueView {
            url: opts
                .site_url
                .filter(|_| !key.is_empty())
                .map(|s| format!("{}/browse/{key}", s.trim_end_matches('/'))),
            key,
            summary: adf::truncate_chars(&f.summary.or_empty(), SUMMARY_CHARS),
            issue_type: f.issuetype.get(),
            status: f.status.get(),
            priority: f.priority.get(),
            resolution: f.resolution.get(),
            assignee: f.assignee.get(),
            reporter: f.reporter.get(),
            labels: f.labels.0.clone(),
            components: f.components.0.clone(),
            fix_versions: f.fix_versions.0.clone(),
            parent: f.parent.as_ref().and_then(|p| {
                Some(IssueRef {
                    key: p.key.get()?,
                    summary: p.fields.summary.get(),
                })
            }),
            sprint: opts.sprint_field.and_then(|id| sprint_name(f.other.get(id))),
            due: f.duedate.get(),
            created: f.created.get(),
            updated: f.updated.get(),
            description: body_markdown(&f.description, opts.rich).map(|d| capped(d, DESCRIPTION_CHARS)),
            fields,
            comments,
            comment_total,
            subtasks: f.subtasks.iter().filter_map(|s| linked(s, None, None)).collect(),
            links: f
                .links
                .iter()
                .filter_map(|l| match (&l.outward_issue, &l.inward_issue) {
                    (Some(other), _) => linked(other, l.link_type.outward.get(), l.id.get()),
                    (None, Some(other)) => linked(other, l.link_type.inward.get(), l.id.get()),
                    (None, None) => None,
                })
                .collect(),
            transitions: None,
            history: None,
            watchers: None,
        }
    }

    /// The available transitions, from an issue read with `expand=transitions`.
    pub fn transitions_of(issue: &Issue) -> Vec<String> {
        issue
            .transitions
            .iter()
            .map(|t| match t.to.as_ref().and_then(|to| to.name.get()) {
                Some(to) => format!("{} → {to}", t.name.or_empty()),
                None => t.name.or_empty(),
            })
            .collect()
    }

    /// The latest `max` history entries, from an issue read with `expand=changelog`.
    pub fn history_of(issue: &Issue, max: usize) -> Vec<HistoryView> {
        let all = &issue.changelog;
        all[all.len().saturating_sub(max)..]
            .iter()
            .map(|h| HistoryView {
                author: h.author.as_ref().and_then(|a| a.display_name.get()),
                created: h.created.get(),
                changes: h
                    .items
                    .iter()
                    .map(|i| {
                        let cut = |s: Option<String>| adf::truncate_chars(&s.unwrap_or_else(|| "∅".into()), 80);
                        format!(
                            "{}: {} → {}",
                            i.field.or_empty(),
                            cut(i.from_string.get()),
                            cut(i.to_string.get())
                        )
                    })
                    .collect(),
            })
            .collect()
    }
}

fn linked(i: &LinkedIssue, relation: Option<String>, id: Option<String>) -> Option<LinkedView> {
    Some(LinkedView {
        key: i.key.get()?,
        relation,
        id,
        summary: i.fields.summary.get(),
        status: i.fields.status.get(),
    })
}

impl CommentView {
    pub fn new(c: &Comment, max_chars: usize, rich: &dyn RichText) -> CommentView {
        let body = body_markdown(&c.body, rich).unwrap_or_default();
        CommentView {
            id: c.id.or_empty(),
            author: c.author.as_ref().and_then(|a| a.display_name.get()),
            created: c.created.get(),
            body: adf::truncate_chars(&body, max_chars),
            visible_to: c
                .visibility
                .as_ref()
                .and_then(|v| Some(format!("{} {}", v.kind.get()?, v.value.get()?))),
        }
    }
}

impl IssueLine {
    pub fn new(issue: &Issue, extra: &[(String, String, bool)], rich: &dyn RichText) -> IssueLine {
        let f = &issue.fields;
        let mut fields = BTreeMap::new();
        for (label, id, rich_text) in extra {
            fields.insert(label.clone(), extra_value(f.other.get(id), *rich_text, rich));
        }
        IssueLine {
            key: issue.key.or_empty(),
            summary: adf::truncate_chars(&f.summary.or_empty(), SUMMARY_CHARS),
            issue_type: f.issuetype.get(),
            status: f.status.get(),
            priority: f.priority.get(),
            assignee: f.assignee.get(),
            updated: f.updated.get(),
            fields,
        }
    }
}

impl ProjectView {
    pub fn new(p: &Project) -> ProjectView {
        ProjectView {
            key: p.key.or_empty(),
            name: p.name.or_empty(),
            project_type: p.project_type_key.get(),
            lead: p.lead.get(),
            style: p.style.get(),
        }
    }
}

impl UserView {
    pub fn new(u: &User) -> UserView {
        UserView {
            account_id: u.account_id.clone(),
            name: u.name.clone().filter(|_| u.account_id.is_none()),
            display_name: u.display_name.or_empty(),
            email: u.email_address.get(),
            time_zone: u.time_zone.get(),
            active: u.active,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        jira::models::Page,
        richtext::{Adf, Wiki},
    };
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn issue_view_survives_odd_shapes() {
        let v: Issue = serde_json::from_value(
            json!({"key": "A-1", "fields": {"summary": 7, "labels": "oops", "status": [], "comment": {"comments": "x"}}}),
        )
        .unwrap();
        let opts = IssueViewOptions {
            comments: 3,
            comment_max_chars: 100,
            extra: &[],
            sprint_field: None,
            site_url: None,
            rich: &Adf,
        };
        let view = IssueView::new(&v, &opts);
        assert_eq!(view.key, "A-1");
        assert_eq!(view.summary, "7");
        assert!(view.labels.is_empty());
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            any::<String>().prop_map(Value::from),
            // Strings that look like what views parse: dates, sprints, ADF and wiki markers.
            "[0-9T:.+é-]{0,30}".prop_map(Value::from),
            "[a-z.@]{0,8}\\[[a-z=,é<>]{0,20}\\]?".prop_map(Value::from),
            "(h[1-6]\\. |\\* |# |\\{code\\}|\\[~|é|\\||!){0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(6, 96, 8, |inner| {
            let keys = prop_oneof![
                Just("type".to_string()),
                Just("doc".to_string()),
                Just("content".to_string()),
                Just("text".to_string()),
                Just("fields".to_string()),
                Just("key".to_string()),
                Just("summary".to_string()),
                Just("comment".to_string()),
                Just("comments".to_string()),
                Just("body".to_string()),
                Just("description".to_string()),
                Just("created".to_string()),
                Just("updated".to_string()),
                Just("name".to_string()),
                Just("displayName".to_string()),
                Just("state".to_string()),
                Just("customfield_1".to_string()),
                Just("parent".to_string()),
                Just("marks".to_string()),
                Just("attrs".to_string()),
                Just("total".to_string()),
                any::<String>(),
            ];
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(keys, inner, 0..8).prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Whatever Jira (or a proxy) sends, every model, view and renderer gives an answer:
        /// no panic, whichever the flavor.
        #[test]
        fn any_json_renders_without_panicking(v in any_json(), doc in any_json()) {
            let mut issue_json = v.clone();
            if let Value::Object(o) = &mut issue_json {
                o.insert("fields".into(), doc.clone());
            }
            for rich in [&Adf as &dyn RichText, &Wiki] {
                let issue: Issue = serde_json::from_value(issue_json.clone()).unwrap_or_default();
                let extra = vec![("X".to_string(), "customfield_1".to_string(), true)];
                let view = IssueView::new(&issue, &IssueViewOptions {
                    comments: 5, comment_max_chars: 50, extra: &extra,
                    sprint_field: Some("customfield_1"), site_url: Some("https://é.example"), rich,
                });
                let _ = crate::render::issue(&view);
                let _ = crate::render::issue_line(&IssueLine::new(&issue, &extra, rich));
                let page: Page<Comment> = serde_json::from_value(v.clone()).unwrap_or_default();
                for c in &page.items {
                    let _ = crate::render::comment(&CommentView::new(c, 10, rich));
                }
                let _ = page.next();
                let _ = page.total_known();
                let user: User = serde_json::from_value(v.clone()).unwrap_or_default();
                let _ = crate::render::user(&UserView::new(&user));
                let project: Project = serde_json::from_value(v.clone()).unwrap_or_default();
                let _ = crate::render::project(&ProjectView::new(&project));
                let _ = rich.to_markdown(&doc);
                let _ = simplify(&v, rich);
                let _ = sprint_name(Some(&v));
                if let Some(s) = v.as_str() {
                    let _ = crate::render::short_time(s);
                    let _ = rich.to_markdown(&Value::from(s));
                }
            }
        }
    }

    /// Oversized values from Jira are cut in what reaches the model: a summary, a custom
    /// field's text, a list field, a description.
    #[test]
    fn oversized_values_are_cut() {
        let huge = "x".repeat(1 << 20);
        let issue: Issue = serde_json::from_value(json!({
            "key": "A-1",
            "fields": {
                "summary": huge,
                "customfield_1": huge,
                "customfield_2": vec!["label"; 100_000],
                "description": {"type": "doc", "version": 1, "content": [
                    {"type": "paragraph", "content": [{"type": "text", "text": huge}]}
                ]}
            }
        }))
        .unwrap();
        let extra = vec![
            ("Text".to_string(), "customfield_1".to_string(), false),
            ("List".to_string(), "customfield_2".to_string(), false),
        ];
        let line = IssueLine::new(&issue, &extra, &Adf);
        assert_eq!(line.summary.chars().count(), SUMMARY_CHARS);
        assert!(line.fields["Text"].as_str().unwrap().chars().count() < FIELD_CHARS + 100);
        assert_eq!(line.fields["List"].as_array().unwrap().len(), FIELD_ITEMS);
        let view = IssueView::new(
            &issue,
            &IssueViewOptions {
                comments: 0,
                comment_max_chars: 10,
                extra: &extra,
                sprint_field: None,
                site_url: None,
                rich: &Adf,
            },
        );
        let d = view.description.clone().unwrap();
        assert!(
            d.chars().count() < DESCRIPTION_CHARS + 100 && d.ends_with("characters shown)"),
            "{}",
            &d[d.len() - 80..]
        );
        assert!(crate::render::issue(&view).len() < 200_000);
    }

    #[test]
    fn data_center_sprint_strings_are_read() {
        let v = json!([
            "com.atlassian.greenhopper.service.sprint.Sprint@1a[id=1,rapidViewId=2,state=CLOSED,name=Sprint 3,startDate=<null>]",
            "com.atlassian.greenhopper.service.sprint.Sprint@1b[id=2,rapidViewId=2,state=ACTIVE,name=Sprint 4,goal=]"
        ]);
        assert_eq!(sprint_name(Some(&v)).as_deref(), Some("Sprint 4"));
        assert_eq!(sprint_name(Some(&json!(["garbage", "é[=,]"]))), None);
        let _ = Wiki;
    }
}
