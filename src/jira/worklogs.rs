//! Worklogs: time logged on an issue. The comment is rich text (ADF on Cloud, wiki markup on
//! Data Center); `started` is Jira's `2026-12-01T10:00:00.000+0000`. Cloud pages the list by
//! offset; Data Center's v2 endpoint takes no paging parameters and answers the whole list,
//! which [`JiraClient::worklogs`] pages locally, so both come back as the same [`Page`].

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    JiraClient, JiraError, Op,
    models::{Body, Page, Shown, User, lenient},
    ops::{Api, Method, On},
};
use crate::config::Flavor;

pub const WORKLOGS_GET: Op = Op::new(Method::Get, Api::Platform, "/issue/{issueIdOrKey}/worklog", On::Both);
pub const WORKLOG_ADD: Op = Op::new(Method::Post, Api::Platform, "/issue/{issueIdOrKey}/worklog", On::Both);
pub const WORKLOG_UPDATE: Op = Op::new(
    Method::Put,
    Api::Platform,
    "/issue/{issueIdOrKey}/worklog/{id}",
    On::Both,
);
pub const WORKLOG_DELETE: Op = Op::new(
    Method::Delete,
    Api::Platform,
    "/issue/{issueIdOrKey}/worklog/{id}",
    On::Both,
);

/// One worklog entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Worklog {
    pub id: Shown,
    #[serde(deserialize_with = "lenient")]
    pub author: Option<User>,
    pub started: Shown,
    pub time_spent: Shown,
    #[serde(deserialize_with = "lenient")]
    pub time_spent_seconds: Option<u64>,
    pub comment: Body,
}

/// How the remaining estimate changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Estimate {
    /// Jira's default: reduce (or, on delete, increase) by the time logged.
    Auto,
    Leave,
    /// Set the remaining estimate to this duration (Jira notation).
    New(String),
}

/// What to write in a worklog; `None` leaves a field as it is (on update).
#[derive(Debug, Clone, Default)]
pub struct WorklogInput {
    /// Jira notation, e.g. `3h 30m`.
    pub time_spent: Option<String>,
    /// Jira's format, `2026-12-01T10:00:00.000+0000`.
    pub started: Option<String>,
    /// Markdown.
    pub comment: Option<String>,
}

impl JiraClient {
    /// The worklogs from offset `start_at`, at most `max_results`, oldest first.
    pub async fn worklogs(&self, key: &str, start_at: u64, max_results: u32) -> Result<Page<Worklog>, JiraError> {
        let mut req = self.request(WORKLOGS_GET, &[key]).await?;
        if self.flavor() == Flavor::Cloud {
            req = req.query("startAt", start_at).query("maxResults", max_results);
        }
        let page: Page<Worklog> = self.call(req).await?;
        Ok(window(page, start_at, max_results))
    }

    pub async fn add_worklog(
        &self,
        key: &str,
        input: &WorklogInput,
        estimate: &Estimate,
    ) -> Result<Worklog, JiraError> {
        let req = self.request(WORKLOG_ADD, &[key]).await?.json(self.worklog_body(input));
        let w: Worklog = self.call(estimate_query(req, estimate)).await?;
        if w.id.0.is_none() {
            return Err(JiraError::Api(crate::http::ApiError::Decode {
                context: WORKLOG_ADD.id(self.flavor()),
                message: "the answer has no worklog id".into(),
                source: None,
            }));
        }
        Ok(w)
    }

    pub async fn update_worklog(
        &self,
        key: &str,
        id: &str,
        input: &WorklogInput,
        estimate: &Estimate,
    ) -> Result<Worklog, JiraError> {
        let req = self
            .request(WORKLOG_UPDATE, &[key, id])
            .await?
            .json(self.worklog_body(input));
        self.call(estimate_query(req, estimate)).await
    }

    pub async fn delete_worklog(&self, key: &str, id: &str, estimate: &Estimate) -> Result<(), JiraError> {
        let req = self.request(WORKLOG_DELETE, &[key, id]).await?;
        self.send(estimate_query(req, estimate)).await
    }

    fn worklog_body(&self, input: &WorklogInput) -> Value {
        let mut body = Map::new();
        if let Some(t) = &input.time_spent {
            body.insert("timeSpent".into(), json!(t));
        }
        if let Some(s) = &input.started {
            body.insert("started".into(), json!(s));
        }
        if let Some(c) = &input.comment {
            body.insert("comment".into(), self.rich().to_body(c));
        }
        Value::Object(body)
    }
}

fn estimate_query(req: crate::http::ApiRequest, estimate: &Estimate) -> crate::http::ApiRequest {
    match estimate {
        Estimate::Auto => req,
        Estimate::Leave => req.query("adjustEstimate", "leave"),
        Estimate::New(e) => req.query("adjustEstimate", "new").query("newEstimate", e),
    }
}

/// Cuts a page to `[start_at, start_at + max)`, whether Jira paged it (Cloud) or sent the
/// whole list (Data Center); the total stays what Jira said, else the list's length.
fn window(mut page: Page<Worklog>, start_at: u64, max: u32) -> Page<Worklog> {
    let skip = usize::try_from(start_at.saturating_sub(page.start_at)).unwrap_or(usize::MAX);
    let total = page
        .total
        .unwrap_or(page.start_at.saturating_add(page.items.len() as u64));
    page.items = page.items.into_iter().skip(skip).take(max as usize).collect();
    page.start_at = start_at;
    page.total = Some(total);
    page.is_last = None;
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: u64, start: u64, total: u64) -> Page<Worklog> {
        Page {
            items: (start..start + n)
                .map(|i| Worklog {
                    id: Shown(Some(i.to_string())),
                    ..Worklog::default()
                })
                .collect(),
            start_at: start,
            total: Some(total),
            ..Page::default()
        }
    }

    /// A `startAt` from Jira at the top of the range does not wrap the total around.
    #[test]
    fn a_hostile_start_at_does_not_wrap() {
        let mut p = page(2, 0, 2);
        p.start_at = u64::MAX;
        p.total = None;
        assert_eq!(window(p, 0, 10).total, Some(u64::MAX));
    }

    #[test]
    fn a_whole_list_is_paged_locally() {
        let p = window(page(5, 0, 5), 2, 2);
        let ids: Vec<String> = p.items.iter().map(|w| w.id.or_empty()).collect();
        assert_eq!(ids, ["2", "3"]);
        assert_eq!(p.next(), Some(super::super::Cursor::Offset(4)));
        let p = window(page(5, 0, 5), 4, 2);
        assert_eq!(p.next(), None);
        // Already paged by Jira: kept as it is.
        let p = window(page(2, 2, 5), 2, 2);
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.next(), Some(super::super::Cursor::Offset(4)));
    }
}
