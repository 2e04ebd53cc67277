//! Projects.

use reqwest::Method;
use serde_json::Value;

use super::{JiraClient, JiraError};

impl JiraClient {
    /// `GET /rest/api/3/project/search`: one page of projects the user can browse.
    pub async fn search_projects(
        &self,
        query: Option<&str>,
        start_at: u32,
        max_results: u32,
    ) -> Result<Value, JiraError> {
        let mut req = self
            .request(Method::GET, "/rest/api/3/project/search")
            .await?
            .query("startAt", start_at)
            .query("maxResults", max_results)
            .query("orderBy", "key")
            .query("expand", "lead");
        if let Some(q) = query.filter(|q| !q.trim().is_empty()) {
            req = req.query("query", q.trim());
        }
        self.call(req).await
    }
}
