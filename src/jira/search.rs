//! JQL search through the enhanced search API (`/rest/api/3/search/jql`), paged with
//! `nextPageToken`. The old search endpoint (the same path without `/jql`) answers 410 Gone on
//! Cloud and is never used. It returns no total; `/rest/api/3/search/approximate-count` does.

use reqwest::Method;
use serde_json::{Value, json};

use super::{JiraClient, JiraError};

/// One page of results: the raw issues and the token of the next page, if any.
pub struct SearchPage {
    pub issues: Vec<Value>,
    pub next_page_token: Option<String>,
    pub is_last: bool,
}

impl JiraClient {
    pub async fn search_jql(
        &self,
        jql: &str,
        fields: &[String],
        max_results: u32,
        next_page_token: Option<&str>,
    ) -> Result<SearchPage, JiraError> {
        let mut req = self
            .request(Method::GET, "/rest/api/3/search/jql")
            .await?
            .query("jql", jql)
            .query("maxResults", max_results)
            .query("fields", fields.join(","));
        if let Some(t) = next_page_token {
            req = req.query("nextPageToken", t);
        }
        let v = self.call(req).await?;
        let issues = v.get("issues").and_then(Value::as_array).cloned().unwrap_or_default();
        let next = v
            .get("nextPageToken")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let is_last = v.get("isLast").and_then(Value::as_bool).unwrap_or(next.is_none());
        Ok(SearchPage {
            issues,
            next_page_token: if is_last { None } else { next },
            is_last,
        })
    }

    /// An estimate of how many issues match (recent changes may be missing).
    pub async fn approximate_count(&self, jql: &str) -> Result<u64, JiraError> {
        let req = self
            .request(Method::POST, "/rest/api/3/search/approximate-count")
            .await?
            .json(json!({ "jql": jql }));
        let v = self.call(req).await?;
        v.get("count").and_then(Value::as_u64).ok_or_else(|| {
            JiraError::Api(crate::http::ApiError::Decode {
                context: "POST /rest/api/3/search/approximate-count".into(),
                message: "no count in the answer".into(),
            })
        })
    }
}
