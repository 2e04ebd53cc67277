//! Typed models of what Jira sends, read defensively.
//!
//! Jira's JSON is loosely typed (custom fields of any shape, nulls, ADF or wiki bodies) and,
//! like everything from the network, hostile. A model field of an unexpected shape reads as
//! empty ([`lenient`]) instead of failing the call; names are read the way people see them
//! ([`Shown`]); rich-text bodies stay raw ([`Body`]) until a view renders them through the
//! flavor's [`crate::richtext::RichText`]. Lists come as [`Page`], with one paging rule for
//! every endpoint, whether it pages by offset or by cursor. Toolsets read these models and
//! the views built from them, never `serde_json::Value`.

use serde::{Deserialize, Deserializer, de::DeserializeOwned};
use serde_json::{Map, Value};

/// Reads `T`, or its default when the JSON has another shape.
pub fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(d: D) -> Result<T, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(serde_json::from_value(v).unwrap_or_default())
}

/// A value as a person reads it: users by display name, options by value, named objects by
/// name, numbers and strings as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shown(pub Option<String>);

impl<'de> Deserialize<'de> for Shown {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Shown(display(&Value::deserialize(d)?)))
    }
}

impl Shown {
    pub fn of(v: &Value) -> Shown {
        Shown(display(v))
    }

    pub fn get(&self) -> Option<String> {
        self.0.clone()
    }

    pub fn or_empty(&self) -> String {
        self.0.clone().unwrap_or_default()
    }
}

/// A list of names (labels, components, versions).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names(pub Vec<String>);

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Names::of(&Value::deserialize(d)?))
    }
}

impl Names {
    pub fn of(v: &Value) -> Names {
        Names(
            v.as_array()
                .map(|a| a.iter().filter_map(display).collect())
                .unwrap_or_default(),
        )
    }
}

/// A rich-text body exactly as Jira sent it (ADF on Cloud, wiki markup on Data Center).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct Body(pub Value);

/// The human name of a Jira value (see [`Shown`]). Bodies are not rendered here.
pub fn display(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
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

/// A Jira user. Cloud identifies users by `accountId`; Data Center by `name` (the user
/// name, what mentions and assignments use) and `key`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct User {
    #[serde(deserialize_with = "lenient")]
    pub account_id: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub key: Option<String>,
    pub display_name: Shown,
    pub email_address: Shown,
    pub time_zone: Shown,
    #[serde(deserialize_with = "lenient")]
    pub active: Option<bool>,
}

impl User {
    /// The id to use in requests and JQL: the account id on Cloud, the user name on DC.
    pub fn id(&self) -> Option<&str> {
        self.account_id
            .as_deref()
            .or(self.name.as_deref())
            .or(self.key.as_deref())
    }
}

/// One issue.
///
/// Issues are the largest thing Jira sends (tens of kilobytes, mostly custom fields), so they
/// are read in one pass into a JSON tree whose parts are then moved, not copied, into the
/// model: no field is parsed twice.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Issue {
    pub id: Shown,
    pub key: Shown,
    pub fields: IssueFields,
    /// With `expand=transitions`.
    pub transitions: Vec<Transition>,
    /// With `expand=changelog`: the change history, oldest first.
    pub changelog: Vec<History>,
}

/// One entry of an issue's change history: who changed what, when.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct History {
    #[serde(deserialize_with = "lenient")]
    pub author: Option<User>,
    pub created: Shown,
    #[serde(deserialize_with = "lenient")]
    pub items: Vec<HistoryItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HistoryItem {
    pub field: Shown,
    pub from_string: Shown,
    pub to_string: Shown,
}

/// An issue as other issues mention it (sub-tasks, links).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct LinkedIssue {
    pub key: Shown,
    #[serde(deserialize_with = "lenient")]
    pub fields: LinkedFields,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct LinkedFields {
    pub summary: Shown,
    pub status: Shown,
}

/// One link of an issue: the other issue, and the phrase that relates them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IssueLink {
    pub id: Shown,
    #[serde(rename = "type", deserialize_with = "lenient")]
    pub link_type: LinkPhrases,
    #[serde(deserialize_with = "lenient")]
    pub inward_issue: Option<LinkedIssue>,
    #[serde(deserialize_with = "lenient")]
    pub outward_issue: Option<LinkedIssue>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct LinkPhrases {
    pub name: Shown,
    pub inward: Shown,
    pub outward: Shown,
}

impl<'de> Deserialize<'de> for Issue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Issue::from_value(Value::deserialize(d)?))
    }
}

impl Issue {
    pub fn from_value(v: Value) -> Issue {
        let Value::Object(mut m) = v else {
            return Issue::default();
        };
        let histories = match m.remove("changelog") {
            Some(Value::Object(mut c)) => c.remove("histories").unwrap_or(Value::Null),
            _ => Value::Null,
        };
        let mut changelog: Vec<History> = Page::from_value(histories).items;
        // Cloud sends the newest first, Data Center the oldest first: one order for both.
        changelog.sort_by(|a, b| a.created.0.cmp(&b.created.0));
        Issue {
            id: Shown::of(m.get("id").unwrap_or(&Value::Null)),
            key: Shown::of(m.get("key").unwrap_or(&Value::Null)),
            fields: IssueFields::from_value(m.remove("fields").unwrap_or(Value::Null)),
            transitions: Page::from_value(m.remove("transitions").unwrap_or(Value::Null)).items,
            changelog,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct IssueFields {
    pub summary: Shown,
    pub status: Shown,
    pub issuetype: Shown,
    pub priority: Shown,
    pub resolution: Shown,
    pub assignee: Shown,
    pub reporter: Shown,
    pub labels: Names,
    pub components: Names,
    pub fix_versions: Names,
    pub parent: Option<ParentRef>,
    pub duedate: Shown,
    pub created: Shown,
    pub updated: Shown,
    pub description: Body,
    pub comment: Option<Page<Comment>>,
    pub subtasks: Vec<LinkedIssue>,
    pub links: Vec<IssueLink>,
    /// Every other field (custom fields, the sprint field), by id, as sent.
    pub other: Map<String, Value>,
}

impl IssueFields {
    /// Takes the known fields out of Jira's `fields` object; the rest stay in `other`. A
    /// field of another shape reads as empty.
    pub fn from_value(v: Value) -> IssueFields {
        let Value::Object(mut m) = v else {
            return IssueFields::default();
        };
        let mut take = |k: &str| m.remove(k).unwrap_or(Value::Null);
        let shown = |v: Value| Shown::of(&v);
        IssueFields {
            summary: shown(take("summary")),
            status: shown(take("status")),
            issuetype: shown(take("issuetype")),
            priority: shown(take("priority")),
            resolution: shown(take("resolution")),
            assignee: shown(take("assignee")),
            reporter: shown(take("reporter")),
            labels: Names::of(&take("labels")),
            components: Names::of(&take("components")),
            fix_versions: Names::of(&take("fixVersions")),
            parent: serde_json::from_value(take("parent")).ok(),
            duedate: shown(take("duedate")),
            created: shown(take("created")),
            updated: shown(take("updated")),
            description: Body(take("description")),
            subtasks: Page::from_value(take("subtasks")).items,
            links: Page::from_value(take("issuelinks")).items,
            comment: match take("comment") {
                Value::Null => None,
                v => Some(Page::from_value(v)),
            },
            other: m,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ParentRef {
    pub key: Shown,
    #[serde(deserialize_with = "lenient")]
    pub fields: ParentFields,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ParentFields {
    pub summary: Shown,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Comment {
    pub id: Shown,
    #[serde(deserialize_with = "lenient")]
    pub author: Option<User>,
    pub created: Shown,
    pub body: Body,
    #[serde(deserialize_with = "lenient")]
    pub visibility: Option<Visibility>,
}

/// Who may see a comment or worklog: a project role or a group.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Visibility {
    #[serde(rename = "type")]
    pub kind: Shown,
    pub value: Shown,
}

/// What Jira answers to a create: the new issue's key and id. Both must be there.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Created {
    pub id: String,
    pub key: String,
}

/// A workflow transition available from the issue's current status.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Transition {
    pub id: Shown,
    pub name: Shown,
    #[serde(deserialize_with = "lenient")]
    pub to: Option<Named>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Named {
    pub name: Shown,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Project {
    pub key: Shown,
    pub name: Shown,
    pub project_type_key: Shown,
    pub lead: Shown,
    pub style: Shown,
}

/// `GET …/serverInfo`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServerInfo {
    pub version: Shown,
    pub deployment_type: Shown,
    pub server_title: Shown,
    pub base_url: Shown,
}

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    Offset(u64),
    Token(String),
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cursor::Offset(n) => write!(f, "{n}"),
            Cursor::Token(t) => f.write_str(t),
        }
    }
}

/// One page of a list, from any of Jira's list shapes: `{values|issues|comments, startAt,
/// total, isLast}`, `{issues, nextPageToken, isLast}`, or a bare array (a complete list).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub start_at: u64,
    pub total: Option<u64>,
    pub is_last: Option<bool>,
    pub next_page_token: Option<String>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            start_at: 0,
            total: None,
            is_last: None,
            next_page_token: None,
        }
    }
}

impl<T> Page<T> {
    /// The one paging rule. A cursor wins when Jira sends one; otherwise the next page starts
    /// after this one, unless this one is empty, says it is the last, or reaches the total.
    /// A bare array is complete.
    pub fn next(&self) -> Option<Cursor> {
        if self.is_last == Some(true) {
            return None;
        }
        if let Some(t) = &self.next_page_token {
            return Some(Cursor::Token(t.clone()));
        }
        if self.items.is_empty() || (self.total.is_none() && self.is_last.is_none()) {
            return None;
        }
        let next = self.start_at.checked_add(self.items.len() as u64)?;
        match self.total {
            Some(total) if next >= total => None,
            _ => Some(Cursor::Offset(next)),
        }
    }

    /// How many in all: the total when Jira says, else what this page shows is all there is
    /// only when it is the last page.
    pub fn total_known(&self) -> Option<u64> {
        self.total.or_else(|| {
            (self.next().is_none() && self.next_page_token.is_none())
                .then(|| self.start_at.saturating_add(self.items.len() as u64))
        })
    }
}

impl<T> Page<T> {
    /// The same page with each item turned into a `U` (a view).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            start_at: self.start_at,
            total: self.total,
            is_last: self.is_last,
            next_page_token: self.next_page_token,
        }
    }

    /// The page `[start_at, start_at + max_results)` of a complete list (one Jira sends all at
    /// once), with the total, so that [`Page::next`] pages it like any other.
    pub fn cut(self, start_at: u64, max_results: u32) -> Page<T> {
        let total = self.items.len() as u64;
        let items = self
            .items
            .into_iter()
            .skip(usize::try_from(start_at).unwrap_or(usize::MAX))
            .take(max_results as usize)
            .collect();
        Page {
            items,
            start_at,
            total: Some(total),
            is_last: None,
            next_page_token: None,
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Page::from_value(Value::deserialize(d)?))
    }
}

impl<T: DeserializeOwned> Page<T> {
    /// Reads a page from any of Jira's list shapes, moving (not copying) each item into its
    /// model; items of another shape are left out.
    pub fn from_value(v: Value) -> Page<T> {
        let items_of = |list: Vec<Value>| -> Vec<T> {
            list.into_iter()
                .filter_map(|item| serde_json::from_value(item).ok())
                .collect()
        };
        match v {
            Value::Array(list) => Page {
                items: items_of(list),
                ..Page::default()
            },
            Value::Object(mut o) => {
                let list = [
                    "values",
                    "issues",
                    "comments",
                    "worklogs",
                    "transitions",
                    "issueTypes",
                    "fields",
                    "dashboards",
                ]
                .iter()
                .find_map(|k| match o.remove(*k) {
                    Some(Value::Array(list)) => Some(list),
                    _ => None,
                });
                Page {
                    items: list.map(items_of).unwrap_or_default(),
                    // Jira's `startAt`/`isLast`; the service desk API's `start`/`isLastPage`.
                    start_at: o
                        .get("startAt")
                        .or_else(|| o.get("start"))
                        .and_then(Value::as_u64)
                        .unwrap_or(0),
                    total: o.get("total").and_then(Value::as_u64),
                    is_last: o.get("isLast").or_else(|| o.get("isLastPage")).and_then(Value::as_bool),
                    next_page_token: o
                        .get("nextPageToken")
                        .and_then(Value::as_str)
                        .filter(|t| !t.is_empty())
                        .map(str::to_string),
                }
            }
            _ => Page::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page(v: Value) -> Page<Comment> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn one_paging_rule_for_every_shape() {
        let c = json!({"id": "1"});
        assert_eq!(
            page(json!({"comments": [c, c], "startAt": 0, "total": 5})).next(),
            Some(Cursor::Offset(2))
        );
        assert_eq!(page(json!({"comments": [c], "startAt": 4, "total": 5})).next(), None);
        assert_eq!(
            page(json!({"values": [c], "startAt": 0, "isLast": false})).next(),
            Some(Cursor::Offset(1))
        );
        assert_eq!(
            page(json!({"issues": [c], "nextPageToken": "abc"})).next(),
            Some(Cursor::Token("abc".into()))
        );
        assert_eq!(
            page(json!({"issues": [c], "nextPageToken": "abc", "isLast": true})).next(),
            None
        );
        assert_eq!(page(json!([c, c])).next(), None);
        // The service desk API's shape.
        assert_eq!(
            page(json!({"values": [c, c], "start": 4, "limit": 2, "size": 2, "isLastPage": false})).next(),
            Some(Cursor::Offset(6))
        );
        assert_eq!(
            page(json!({"values": [c], "start": 6, "size": 1, "isLastPage": true})).next(),
            None
        );
        assert_eq!(page(json!([c, c])).total_known(), Some(2));
        assert_eq!(page(json!({"comments": [], "startAt": 0, "total": 9})).next(), None);
        // A complete list cut into pages pages like the rest.
        assert_eq!(page(json!([c, c, c])).cut(0, 2).next(), Some(Cursor::Offset(2)));
        assert_eq!(page(json!([c, c, c])).cut(2, 2).next(), None);
        assert_eq!(page(json!([c, c, c])).cut(9, 2).items.len(), 0);
        // Offsets cannot wrap around.
        assert_eq!(
            page(json!({"comments": [c], "startAt": u64::MAX, "total": u64::MAX})).next(),
            None
        );
    }

    #[test]
    fn odd_shapes_read_as_empty_not_as_errors() {
        let i: Issue = serde_json::from_value(
            json!({"key": "A-1", "fields": {"summary": 7, "labels": "oops", "status": [], "comment": {"comments": "x"}, "parent": 3}}),
        )
        .unwrap();
        assert_eq!(i.key.or_empty(), "A-1");
        assert_eq!(i.fields.summary.or_empty(), "7");
        assert!(i.fields.labels.0.is_empty());
        assert!(i.fields.parent.is_none());
        let i: Issue = serde_json::from_value(json!({"key": "A-1", "fields": "nope"})).unwrap();
        assert_eq!(i.fields, IssueFields::default());
    }

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
}
