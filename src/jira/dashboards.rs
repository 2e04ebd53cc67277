//! Dashboards. Both flavors list and read them (paged by offset); only Cloud has gadgets
//! (`/dashboard/{id}/gadget`) and creates dashboards.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    JiraClient, JiraError,
    models::{Page, Shown, lenient},
    ops::{Api::Platform, Method, On, Op},
};

pub const DASHBOARDS: Op = Op::new(Method::Get, Platform, "/dashboard", On::Both);
pub const DASHBOARD_GET: Op = Op::new(Method::Get, Platform, "/dashboard/{id}", On::Both);
pub const DASHBOARD_GADGETS: Op = Op::new(Method::Get, Platform, "/dashboard/{dashboardId}/gadget", On::CloudOnly);
pub const DASHBOARD_CREATE: Op = Op::new(Method::Post, Platform, "/dashboard", On::CloudOnly);

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Dashboard {
    pub id: Shown,
    pub name: Shown,
    pub description: Shown,
    pub owner: Shown,
    #[serde(deserialize_with = "lenient")]
    pub is_favourite: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub share_permissions: Vec<Value>,
    pub view: Shown,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Gadget {
    pub id: Shown,
    pub title: Shown,
    pub module_key: Shown,
    pub uri: Shown,
    #[serde(deserialize_with = "lenient")]
    pub position: Option<Position>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Position {
    pub row: u32,
    pub column: u32,
}

impl JiraClient {
    /// One page of dashboards: `filter` is `my`, `favourite` or `None` (all you can see).
    pub async fn dashboards(
        &self,
        filter: Option<&str>,
        start_at: u64,
        max_results: u32,
    ) -> Result<Page<Dashboard>, JiraError> {
        let mut req = self
            .request(DASHBOARDS, &[])
            .await?
            .query("startAt", start_at)
            .query("maxResults", max_results);
        if let Some(f) = filter {
            req = req.query("filter", f);
        }
        self.call(req).await
    }

    pub async fn dashboard(&self, id: &str) -> Result<Dashboard, JiraError> {
        let req = self.request(DASHBOARD_GET, &[id]).await?;
        self.call(req).await
    }

    /// The gadgets on a dashboard (Cloud).
    pub async fn gadgets(&self, id: &str) -> Result<Vec<Gadget>, JiraError> {
        #[derive(Deserialize)]
        struct Gadgets {
            #[serde(default, deserialize_with = "lenient")]
            gadgets: Vec<Value>,
        }
        let req = self.request(DASHBOARD_GADGETS, &[id]).await?;
        let g: Gadgets = self.call(req).await?;
        Ok(g.gadgets
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect())
    }

    /// Creates a dashboard (Cloud); only its owner may edit it.
    pub async fn create_dashboard(
        &self,
        name: &str,
        description: Option<&str>,
        share: Vec<Value>,
    ) -> Result<Dashboard, JiraError> {
        let mut body = json!({"name": name, "sharePermissions": share, "editPermissions": []});
        if let Some(d) = description {
            body["description"] = json!(d);
        }
        let req = self.request(DASHBOARD_CREATE, &[]).await?.json(body);
        self.call(req).await
    }
}
