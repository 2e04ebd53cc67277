//! Issues: read, create, edit, transition, comment.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{
    JiraClient, JiraError,
    fields::FieldMeta,
    models::{Comment, Created, Issue, Page, Transition},
    ops,
};
use crate::config::Flavor;

/// The fields a user may set when creating or editing an issue. `None` leaves a field alone.
#[derive(Debug, Default, Clone)]
pub struct IssueInput {
    pub project: Option<String>,
    pub issue_type: Option<String>,
    pub summary: Option<String>,
    /// Markdown; sent in the flavor's rich-text format. An empty string clears it.
    pub description: Option<String>,
    /// `me`, an account id (Cloud) or user name (Data Center), an email or a display name;
    /// empty or `unassigned` clears it.
    pub assignee: Option<String>,
    pub labels: Option<Vec<String>>,
    pub priority: Option<String>,
    pub parent: Option<String>,
    pub components: Option<Vec<String>>,
    pub due_date: Option<String>,
    /// Other fields by display name or id.
    pub custom: BTreeMap<String, Value>,
}

impl IssueInput {
    /// True when it sets nothing.
    pub fn is_empty(&self) -> bool {
        self.project.is_none()
            && self.issue_type.is_none()
            && self.summary.is_none()
            && self.description.is_none()
            && self.assignee.is_none()
            && self.labels.is_none()
            && self.priority.is_none()
            && self.parent.is_none()
            && self.components.is_none()
            && self.due_date.is_none()
            && self.custom.is_empty()
    }
}

/// The `fields` object of a create, edit or transition, in Jira's shapes, ready to send.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldValues(Map<String, Value>);

impl FieldValues {
    /// The Jira field ids it sets (for "changed: …").
    pub fn names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets a system field by its id (`resolution`), in Jira's shape, without a field-list
    /// lookup: system ids are the same on every site.
    pub fn set(&mut self, id: &str, value: Value) {
        self.0.insert(id.to_string(), value);
    }
}

impl JiraClient {
    /// One issue with the given field ids.
    pub async fn get_issue(&self, key: &str, fields: &[String]) -> Result<Issue, JiraError> {
        self.get_issue_expanded(key, fields, &[]).await
    }

    /// One issue, with `expand` parts (`transitions`, `changelog`) when asked for.
    pub async fn get_issue_expanded(&self, key: &str, fields: &[String], expand: &[&str]) -> Result<Issue, JiraError> {
        let mut req = self
            .request(ops::ISSUE_GET, &[key])
            .await?
            .query("fields", fields.join(","));
        if !expand.is_empty() {
            req = req.query("expand", expand.join(","));
        }
        self.call(req).await
    }

    /// Creates an issue; Jira answers with its key and id.
    pub async fn create_issue(&self, fields: FieldValues) -> Result<Created, JiraError> {
        let fields = fields.0;
        let req = self
            .request(ops::ISSUE_CREATE, &[])
            .await?
            .json(json!({ "fields": fields }));
        self.call(req).await
    }

    /// Changes only the given fields.
    pub async fn edit_issue(&self, key: &str, fields: FieldValues) -> Result<(), JiraError> {
        let fields = fields.0;
        let mut req = self
            .request(ops::ISSUE_EDIT, &[key])
            .await?
            .json(json!({ "fields": fields }));
        if self.flavor() == Flavor::Cloud {
            req = req.query("returnIssue", "false");
        }
        self.send(req).await
    }

    pub async fn transitions(&self, key: &str) -> Result<Vec<Transition>, JiraError> {
        let req = self.request(ops::TRANSITIONS_GET, &[key]).await?;
        let page: Page<Transition> = self.call(req).await?;
        Ok(page.items)
    }

    pub async fn do_transition(
        &self,
        key: &str,
        transition_id: &str,
        fields: FieldValues,
        comment_markdown: Option<&str>,
    ) -> Result<(), JiraError> {
        let mut body = json!({ "transition": { "id": transition_id } });
        if !fields.is_empty() {
            body["fields"] = Value::Object(fields.0);
        }
        if let Some(c) = comment_markdown {
            body["update"] = json!({ "comment": [ { "add": { "body": self.rich().to_body(c) } } ] });
        }
        let req = self.request(ops::TRANSITION_DO, &[key]).await?.json(body);
        self.send(req).await
    }

    /// One page of comments, newest first.
    pub async fn comments(&self, key: &str, start_at: u64, max_results: u32) -> Result<Page<Comment>, JiraError> {
        let req = self
            .request(ops::COMMENTS_GET, &[key])
            .await?
            .query("startAt", start_at)
            .query("maxResults", max_results)
            .query("orderBy", "-created");
        self.call(req).await
    }

    /// Adds a comment; `visibility` is (`role` | `group`, name) to restrict who sees it.
    pub async fn add_comment(
        &self,
        key: &str,
        markdown: &str,
        visibility: Option<(&str, &str)>,
    ) -> Result<Comment, JiraError> {
        let req = self
            .request(ops::COMMENT_ADD, &[key])
            .await?
            .json(self.comment_body(markdown, visibility));
        let c: Comment = self.call(req).await?;
        if c.id.0.is_none() {
            return Err(JiraError::Api(crate::http::ApiError::Decode {
                context: ops::COMMENT_ADD.id(self.flavor()),
                message: "the answer has no comment id".into(),
                source: None,
            }));
        }
        Ok(c)
    }

    /// Replaces a comment's body (and its visibility when given).
    pub async fn edit_comment(
        &self,
        key: &str,
        id: &str,
        markdown: &str,
        visibility: Option<(&str, &str)>,
    ) -> Result<(), JiraError> {
        let req = self
            .request(ops::COMMENT_EDIT, &[key, id])
            .await?
            .json(self.comment_body(markdown, visibility));
        self.send(req).await
    }

    pub async fn delete_comment(&self, key: &str, id: &str) -> Result<(), JiraError> {
        let req = self.request(ops::COMMENT_DELETE, &[key, id]).await?;
        self.send(req).await
    }

    fn comment_body(&self, markdown: &str, visibility: Option<(&str, &str)>) -> Value {
        let mut body = json!({ "body": self.rich().to_body(markdown) });
        if let Some((kind, name)) = visibility {
            body["visibility"] = json!({ "type": kind, "value": name });
        }
        body
    }

    /// The issue types of a project's create screen, as (id, name): what `jira_get_create_fields`
    /// lists, and what explains a bad type name.
    pub async fn create_types(&self, project: &str) -> Result<Vec<(String, String)>, JiraError> {
        #[derive(serde::Deserialize, Default)]
        #[serde(default)]
        struct T {
            id: super::models::Shown,
            name: super::models::Shown,
        }
        let req = self
            .request(ops::CREATE_META_TYPES, &[project])
            .await?
            .query("maxResults", 200);
        let page: Page<T> = self.call(req).await?;
        Ok(page
            .items
            .into_iter()
            .filter_map(|t| Some((t.id.get()?, t.name.get()?)))
            .collect())
    }

    /// The fields of a project's create screen for one issue type: required or not, and the
    /// allowed values where Jira lists them.
    pub async fn create_fields(&self, project: &str, type_id: &str) -> Result<Vec<CreateField>, JiraError> {
        let req = self
            .request(ops::CREATE_META_FIELDS, &[project, type_id])
            .await?
            .query("maxResults", 200);
        let page: Page<CreateField> = self.call(req).await?;
        Ok(page.items)
    }

    /// Turns an [`IssueInput`] into the `fields` object of a create or edit request, resolving
    /// users and custom field names through Jira.
    pub async fn build_fields(&self, input: &IssueInput) -> Result<FieldValues, JiraError> {
        // The same person named in several fields is looked up once.
        let mut users = Users::new();
        let mut f = Map::new();
        if let Some(p) = &input.project {
            f.insert("project".into(), json!({ "key": p }));
        }
        if let Some(t) = &input.issue_type {
            let v = if t.chars().all(|c| c.is_ascii_digit()) {
                json!({ "id": t })
            } else {
                json!({ "name": t })
            };
            f.insert("issuetype".into(), v);
        }
        if let Some(s) = &input.summary {
            f.insert("summary".into(), Value::String(s.clone()));
        }
        if let Some(d) = &input.description {
            let v = if d.trim().is_empty() {
                Value::Null
            } else {
                // A clone's description comes from Jira, and may be large.
                let (rich, d) = (self.rich(), d.clone());
                super::offload_sized(d.len(), move || rich.to_body(&d)).await
            };
            f.insert("description".into(), v);
        }
        if let Some(a) = &input.assignee {
            let v = match a.trim().to_ascii_lowercase().as_str() {
                "" | "unassigned" | "none" | "null" => Value::Null,
                _ => self.user_ref(&self.resolve_user_once(a, &mut users).await?),
            };
            f.insert("assignee".into(), v);
        }
        if let Some(l) = &input.labels {
            f.insert("labels".into(), json!(l));
        }
        if let Some(p) = &input.priority {
            f.insert("priority".into(), json!({ "name": p }));
        }
        if let Some(p) = &input.parent {
            f.insert("parent".into(), json!({ "key": p }));
        }
        if let Some(c) = &input.components {
            f.insert(
                "components".into(),
                Value::Array(c.iter().map(|n| json!({ "name": n })).collect()),
            );
        }
        if let Some(d) = &input.due_date {
            let v = if d.trim().is_empty() {
                Value::Null
            } else {
                Value::String(d.clone())
            };
            f.insert("duedate".into(), v);
        }
        if !input.custom.is_empty() {
            let names: Vec<String> = input.custom.keys().cloned().collect();
            let metas = self.resolve_fields(&names).await?;
            for (meta, (name, value)) in metas.iter().zip(input.custom.iter()) {
                let v = self.field_value(meta, value, &mut users).await.map_err(|e| match e {
                    JiraError::Input(m) => JiraError::Input(format!("field `{name}`: {m}")),
                    other => other,
                })?;
                f.insert(meta.id.clone(), v);
            }
        }
        Ok(FieldValues(f))
    }

    /// Converts a user-given value to the shape Jira expects for the field's type.
    async fn field_value(&self, meta: &FieldMeta, value: &Value, users: &mut Users) -> Result<Value, JiraError> {
        // Objects (and arrays of objects) are taken to be in Jira's own shape already.
        let structured = value.is_object() || value.as_array().is_some_and(|a| a.iter().any(Value::is_object));
        if structured || value.is_null() {
            return Ok(value.clone());
        }
        let as_strings = || -> Vec<String> {
            match value {
                Value::Array(a) => a
                    .iter()
                    .map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string()))
                    .collect(),
                Value::String(s) => s
                    .split(',')
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect(),
                other => vec![other.to_string()],
            }
        };
        if meta.is_rich_text() {
            return Ok(match value {
                Value::String(s) => self.rich().to_body(s),
                other => self.rich().to_body(&other.to_string()),
            });
        }
        match (meta.kind.as_deref(), meta.items.as_deref()) {
            (Some("number"), _) => match value {
                Value::Number(_) => Ok(value.clone()),
                Value::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .map(|n| json!(n))
                    .map_err(|_| JiraError::Input(format!("`{s}` is not a number"))),
                _ => Err(JiraError::Input("expected a number".into())),
            },
            (Some("option"), _) => Ok(json!({ "value": scalar_string(value) })),
            (Some("user"), _) => Ok(self.user_ref(&self.resolve_user_once(&scalar_string(value), users).await?)),
            (Some("priority" | "version" | "component" | "issuetype" | "resolution" | "securitylevel"), _) => {
                Ok(json!({ "name": scalar_string(value) }))
            }
            (Some("array"), Some("option")) => Ok(Value::Array(
                as_strings().into_iter().map(|s| json!({ "value": s })).collect(),
            )),
            (Some("array"), Some("version" | "component")) => Ok(Value::Array(
                as_strings().into_iter().map(|s| json!({ "name": s })).collect(),
            )),
            (Some("array"), Some("user")) => {
                let mut out = Vec::new();
                for s in as_strings() {
                    out.push(self.user_ref(&self.resolve_user_once(&s, users).await?));
                }
                Ok(Value::Array(out))
            }
            (Some("array"), Some("string")) => Ok(json!(as_strings())),
            (Some("array"), Some("number")) => Ok(match value {
                Value::Array(_) => value.clone(),
                other => Value::Array(vec![other.clone()]),
            }),
            _ => Ok(value.clone()),
        }
    }
}

/// One field of a create screen.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CreateField {
    pub field_id: super::models::Shown,
    pub key: super::models::Shown,
    pub name: super::models::Shown,
    #[serde(deserialize_with = "super::models::lenient")]
    pub required: bool,
    #[serde(deserialize_with = "super::models::lenient")]
    pub schema: Value,
    #[serde(deserialize_with = "super::models::lenient")]
    pub allowed_values: Vec<Value>,
}

/// People already resolved while building one request.
type Users = BTreeMap<String, String>;

impl JiraClient {
    async fn resolve_user_once(&self, who: &str, users: &mut Users) -> Result<String, JiraError> {
        if let Some(id) = users.get(who) {
            return Ok(id.clone());
        }
        let id = self.resolve_user(who).await?;
        users.insert(who.to_string(), id.clone());
        Ok(id)
    }
}

fn scalar_string(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
}

/// What `POST …/issue/bulk` answers: the issues made, and the failures by position.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct BulkCreated {
    #[serde(deserialize_with = "super::models::lenient")]
    pub issues: Vec<BulkIssue>,
    #[serde(deserialize_with = "super::models::lenient")]
    pub errors: Vec<BulkError>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct BulkIssue {
    pub key: super::models::Shown,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BulkError {
    #[serde(deserialize_with = "super::models::lenient")]
    pub failed_element_number: Option<u64>,
    #[serde(deserialize_with = "super::models::lenient")]
    pub element_errors: Value,
}

impl JiraClient {
    /// Creates several issues in one request. Jira creates the valid ones and reports the
    /// others by their position in the request; a 400 answer may carry the same report.
    pub async fn create_issues(&self, all: Vec<FieldValues>) -> Result<BulkCreated, JiraError> {
        let updates: Vec<Value> = all.into_iter().map(|f| json!({ "fields": f.0 })).collect();
        let req = self
            .request(ops::ISSUE_BULK_CREATE, &[])
            .await?
            .json(json!({ "issueUpdates": updates }));
        self.call(req).await
    }
}
