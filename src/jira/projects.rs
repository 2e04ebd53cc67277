//! Projects. Cloud pages them (`/project/search`); Data Center lists them all at once
//! (`/project`), so the page is cut here, with the same paging rule.

use serde::Deserialize;
use serde_json::Value;

use super::{
    JiraClient, JiraError,
    models::{Page, Project, Shown, lenient},
    ops,
    ops::{Api::Platform, Method, On::Both, Op},
};
use crate::config::Flavor;

impl JiraClient {
    /// One page of the projects the user can browse, optionally filtered by key or name.
    pub async fn search_projects(
        &self,
        query: Option<&str>,
        start_at: u64,
        max_results: u32,
    ) -> Result<Page<Project>, JiraError> {
        let query = query.map(str::trim).filter(|q| !q.is_empty());
        if self.flavor() == Flavor::DataCenter {
            let req = self.request(ops::PROJECT_LIST_DC, &[]).await?.query("expand", "lead");
            let all: Page<Project> = self.call(req).await?;
            let wanted = |p: &Project| {
                query.is_none_or(|q| {
                    let q = q.to_lowercase();
                    p.key.or_empty().to_lowercase().contains(&q) || p.name.or_empty().to_lowercase().contains(&q)
                })
            };
            let matching: Vec<Project> = all.items.into_iter().filter(wanted).collect();
            let total = matching.len() as u64;
            let items: Vec<Project> = matching
                .into_iter()
                .skip(usize::try_from(start_at).unwrap_or(usize::MAX))
                .take(max_results as usize)
                .collect();
            return Ok(Page {
                items,
                start_at,
                total: Some(total),
                is_last: None,
                next_page_token: None,
            });
        }
        let mut req = self
            .request(ops::PROJECT_SEARCH, &[])
            .await?
            .query("startAt", start_at)
            .query("maxResults", max_results)
            .query("orderBy", "key")
            .query("expand", "lead");
        if let Some(q) = query {
            req = req.query("query", q);
        }
        self.call(req).await
    }
}

pub const PROJECT_GET: Op = Op::new(Method::Get, Platform, "/project/{projectIdOrKey}", Both);
pub const PROJECT_CREATE: Op = Op::new(Method::Post, Platform, "/project", Both);
pub const PROJECT_UPDATE: Op = Op::new(Method::Put, Platform, "/project/{projectIdOrKey}", Both);
pub const COMPONENT_CREATE: Op = Op::new(Method::Post, Platform, "/component", Both);
pub const COMPONENT_UPDATE: Op = Op::new(Method::Put, Platform, "/component/{id}", Both);
pub const VERSION_CREATE: Op = Op::new(Method::Post, Platform, "/version", Both);
pub const VERSION_UPDATE: Op = Op::new(Method::Put, Platform, "/version/{id}", Both);

/// One project with its components, versions and issue types (one request on both flavors).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProjectDetails {
    pub id: Shown,
    pub key: Shown,
    pub name: Shown,
    pub description: Shown,
    pub lead: Shown,
    pub project_type_key: Shown,
    #[serde(deserialize_with = "lenient")]
    pub components: Vec<Part>,
    #[serde(deserialize_with = "lenient")]
    pub versions: Vec<Part>,
    #[serde(deserialize_with = "lenient")]
    pub issue_types: Vec<Part>,
}

/// A component, version or issue type of a project.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Part {
    pub id: Shown,
    pub name: Shown,
    pub description: Shown,
    #[serde(deserialize_with = "lenient")]
    pub released: bool,
    #[serde(deserialize_with = "lenient")]
    pub archived: bool,
    #[serde(deserialize_with = "lenient")]
    pub subtask: bool,
    pub release_date: Shown,
    pub lead: Shown,
}

impl JiraClient {
    pub async fn project(&self, key: &str) -> Result<ProjectDetails, JiraError> {
        let req = self
            .request(PROJECT_GET, &[key])
            .await?
            .query("expand", "description,lead,issueTypes");
        self.call(req).await
    }

    /// Creates a project; `body` is Jira's own shape (the tool fills it per flavor).
    pub async fn create_project(&self, body: Value) -> Result<Shown, JiraError> {
        #[derive(Deserialize)]
        struct Made {
            #[serde(default)]
            key: Shown,
        }
        let req = self.request(PROJECT_CREATE, &[]).await?.json(body);
        let made: Made = self.call(req).await?;
        Ok(made.key)
    }

    pub async fn update_project(&self, key: &str, body: Value) -> Result<(), JiraError> {
        let req = self.request(PROJECT_UPDATE, &[key]).await?.json(body);
        self.send(req).await
    }

    /// Creates (`id` none) or updates a component or version. A create answers with what
    /// Jira stored (its new id must be there); an update's answer is not needed (Data Center
    /// may send none), so the result then names what was sent.
    pub async fn save_part(&self, version: bool, id: Option<&str>, body: Value) -> Result<Part, JiraError> {
        let Some(id) = id else {
            let op = if version { VERSION_CREATE } else { COMPONENT_CREATE };
            let part: Part = self.call(self.request(op, &[]).await?.json(body)).await?;
            if part.id.0.is_none() {
                return Err(JiraError::Api(crate::http::ApiError::Decode {
                    context: op.id(self.flavor()),
                    message: "the answer has no id".into(),
                    source: None,
                }));
            }
            return Ok(part);
        };
        let op = if version { VERSION_UPDATE } else { COMPONENT_UPDATE };
        let name = Shown::of(body.get("name").unwrap_or(&Value::Null));
        self.send(self.request(op, &[id]).await?.json(body)).await?;
        Ok(Part {
            id: Shown(Some(id.to_string())),
            name,
            ..Part::default()
        })
    }
}
