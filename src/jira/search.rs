//! JQL search. Cloud: the enhanced search API (`/rest/api/3/search/jql`), paged with
//! `nextPageToken` (the old endpoint answers 410 Gone there), and no total, which
//! `/rest/api/3/search/approximate-count` estimates. Data Center: `/rest/api/2/search`, paged
//! by offset, with an exact total. Both come back as one [`Page`]; on Data Center its cursor is
//! the next offset.

use serde_json::json;

use super::{
    JiraClient, JiraError,
    models::{Cursor, Issue, Page},
    ops,
};
use crate::config::Flavor;

impl JiraClient {
    /// One page of issues matching `jql`, from `cursor` (a `next()` of the previous page).
    pub async fn search(
        &self,
        jql: &str,
        fields: &[String],
        max_results: u32,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Issue>, JiraError> {
        let op = match self.flavor() {
            Flavor::Cloud => ops::SEARCH_JQL,
            Flavor::DataCenter => ops::SEARCH_DC,
        };
        let mut req = self
            .request(op, &[])
            .await?
            .query("jql", jql)
            .query("maxResults", max_results)
            .query("fields", fields.join(","));
        match cursor {
            Some(Cursor::Token(t)) => req = req.query("nextPageToken", t),
            Some(Cursor::Offset(n)) => req = req.query("startAt", n),
            None => {}
        }
        self.call(req).await
    }

    /// Reads a page token the model passed back: a cursor on Cloud, an offset on Data Center.
    pub fn cursor_from_token(&self, token: &str) -> Result<Cursor, JiraError> {
        match self.flavor() {
            Flavor::Cloud => Ok(Cursor::Token(token.to_string())),
            Flavor::DataCenter => token.parse::<u64>().map(Cursor::Offset).map_err(|_| {
                JiraError::Input(format!(
                    "next_page_token `{token}` is not one this server gave out; pass the value from the previous page"
                ))
            }),
        }
    }

    /// An estimate of how many issues match (Cloud; recent changes may be missing).
    pub async fn approximate_count(&self, jql: &str) -> Result<u64, JiraError> {
        #[derive(serde::Deserialize)]
        struct Count {
            count: u64,
        }
        let req = self.request(ops::SEARCH_COUNT, &[]).await?.json(json!({ "jql": jql }));
        let count: Count = self.call(req).await?;
        Ok(count.count)
    }
}

/// Jira's own JQL parser (Cloud only): errors and warnings exactly as Jira words them.
pub const JQL_PARSE: super::Op = super::Op::new(
    super::ops::Method::Post,
    super::ops::Api::Platform,
    "/jql/parse",
    super::ops::On::CloudOnly,
);

/// What Jira's parser says about one query.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub struct ParsedJql {
    pub query: super::models::Shown,
    #[serde(deserialize_with = "super::models::lenient")]
    pub errors: Vec<String>,
    #[serde(deserialize_with = "super::models::lenient")]
    pub warnings: Vec<String>,
}

impl JiraClient {
    /// Parses queries without running them (`validation=strict`: unknown fields and values
    /// are errors too).
    pub async fn parse_jql(&self, queries: &[String]) -> Result<Vec<ParsedJql>, JiraError> {
        #[derive(serde::Deserialize)]
        struct Parsed {
            #[serde(default, deserialize_with = "super::models::lenient")]
            queries: Vec<ParsedJql>,
        }
        let req = self
            .request(JQL_PARSE, &[])
            .await?
            .query("validation", "strict")
            .json(json!({ "queries": queries }));
        let parsed: Parsed = self.call(req).await?;
        Ok(parsed.queries)
    }
}
