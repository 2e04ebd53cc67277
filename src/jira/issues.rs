//! Issues: read, create, edit, transition, comment.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{JiraClient, JiraError, fields::FieldMeta};
use crate::adf;

/// The fields a user may set when creating or editing an issue. `None` leaves a field alone.
#[derive(Debug, Default, Clone)]
pub struct IssueInput {
    pub project: Option<String>,
    pub issue_type: Option<String>,
    pub summary: Option<String>,
    /// Markdown; sent as ADF. An empty string clears the description.
    pub description: Option<String>,
    /// `me`, an account id, an email or a name; empty or `unassigned` clears it.
    pub assignee: Option<String>,
    pub labels: Option<Vec<String>>,
    pub priority: Option<String>,
    pub parent: Option<String>,
    pub components: Option<Vec<String>>,
    pub due_date: Option<String>,
    /// Other fields by display name or id.
    pub custom: BTreeMap<String, Value>,
}

/// A workflow transition available from the issue's current status.
#[derive(Debug, Clone)]
pub struct Transition {
    pub id: String,
    pub name: String,
    pub to: String,
}

impl JiraClient {
    /// `GET /rest/api/3/issue/{key}` with the given field ids.
    pub async fn get_issue(&self, key: &str, fields: &[String]) -> Result<Value, JiraError> {
        let req = self
            .request(Method::GET, &format!("/rest/api/3/issue/{key}"))
            .await?
            .query("fields", fields.join(","));
        self.call(req).await
    }

    /// `POST /rest/api/3/issue`; returns Jira's `{id, key, self}`.
    pub async fn create_issue(&self, fields: Map<String, Value>) -> Result<Value, JiraError> {
        let req = self
            .request(Method::POST, "/rest/api/3/issue")
            .await?
            .json(json!({ "fields": fields }));
        self.call(req).await
    }

    /// `PUT /rest/api/3/issue/{key}`: changes only the given fields.
    pub async fn edit_issue(&self, key: &str, fields: Map<String, Value>) -> Result<(), JiraError> {
        let req = self
            .request(Method::PUT, &format!("/rest/api/3/issue/{key}"))
            .await?
            .query("returnIssue", "false")
            .json(json!({ "fields": fields }));
        self.call(req).await.map(|_| ())
    }

    pub async fn transitions(&self, key: &str) -> Result<Vec<Transition>, JiraError> {
        let req = self
            .request(Method::GET, &format!("/rest/api/3/issue/{key}/transitions"))
            .await?;
        let v = self.call(req).await?;
        let list = v
            .get("transitions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(list
            .iter()
            .filter_map(|t| {
                Some(Transition {
                    id: t.get("id").and_then(|i| {
                        i.as_str()
                            .map(str::to_string)
                            .or_else(|| i.as_i64().map(|n| n.to_string()))
                    })?,
                    name: t.get("name").and_then(Value::as_str).unwrap_or("").to_string(),
                    to: t
                        .get("to")
                        .and_then(|to| to.get("name"))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                })
            })
            .collect())
    }

    pub async fn do_transition(
        &self,
        key: &str,
        transition_id: &str,
        fields: Map<String, Value>,
        comment_markdown: Option<&str>,
    ) -> Result<(), JiraError> {
        let mut body = json!({ "transition": { "id": transition_id } });
        if !fields.is_empty() {
            body["fields"] = Value::Object(fields);
        }
        if let Some(c) = comment_markdown {
            body["update"] = json!({ "comment": [ { "add": { "body": adf::from_markdown(c) } } ] });
        }
        let req = self
            .request(Method::POST, &format!("/rest/api/3/issue/{key}/transitions"))
            .await?
            .json(body);
        self.call(req).await.map(|_| ())
    }

    /// One page of comments, newest first.
    pub async fn comments(&self, key: &str, start_at: u32, max_results: u32) -> Result<Value, JiraError> {
        let req = self
            .request(Method::GET, &format!("/rest/api/3/issue/{key}/comment"))
            .await?
            .query("startAt", start_at)
            .query("maxResults", max_results)
            .query("orderBy", "-created");
        self.call(req).await
    }

    pub async fn add_comment(&self, key: &str, markdown: &str) -> Result<Value, JiraError> {
        let req = self
            .request(Method::POST, &format!("/rest/api/3/issue/{key}/comment"))
            .await?
            .json(json!({ "body": adf::from_markdown(markdown) }));
        self.call(req).await
    }

    /// The issue types that can be created in a project (for explaining a bad type name).
    pub async fn create_issue_types(&self, project: &str) -> Result<Vec<String>, JiraError> {
        let req = self
            .request(
                Method::GET,
                &format!("/rest/api/3/issue/createmeta/{project}/issuetypes"),
            )
            .await?
            .query("maxResults", 100);
        let v = self.call(req).await?;
        let list = v
            .get("issueTypes")
            .or_else(|| v.get("values"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(list
            .iter()
            .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_string))
            .collect())
    }

    /// Turns an [`IssueInput`] into the `fields` object of a create or edit request, resolving
    /// users and custom field names through Jira.
    pub async fn build_fields(&self, input: &IssueInput) -> Result<Map<String, Value>, JiraError> {
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
                adf::from_markdown(d)
            };
            f.insert("description".into(), v);
        }
        if let Some(a) = &input.assignee {
            let v = match a.trim().to_ascii_lowercase().as_str() {
                "" | "unassigned" | "none" | "null" => Value::Null,
                _ => json!({ "accountId": self.resolve_user(a).await? }),
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
                let v = self.field_value(meta, value).await.map_err(|e| match e {
                    JiraError::Input(m) => JiraError::Input(format!("field `{name}`: {m}")),
                    other => other,
                })?;
                f.insert(meta.id.clone(), v);
            }
        }
        Ok(f)
    }

    /// Converts a user-given value to the shape Jira expects for the field's type.
    async fn field_value(&self, meta: &FieldMeta, value: &Value) -> Result<Value, JiraError> {
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
                Value::String(s) => adf::from_markdown(s),
                other => adf::from_markdown(&other.to_string()),
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
            (Some("user"), _) => Ok(json!({ "accountId": self.resolve_user(&scalar_string(value)).await? })),
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
                    out.push(json!({ "accountId": self.resolve_user(&s).await? }));
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

fn scalar_string(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
}
