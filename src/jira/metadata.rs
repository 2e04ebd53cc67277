//! Site-wide lists that rarely change (issue types, priorities, statuses, resolutions, link
//! types), kept in memory per client for ten minutes, so a task that consults them often
//! fetches each once.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use serde_json::Value;
use tokio::sync::Mutex;

use super::{
    JiraClient, JiraError,
    models::Shown,
    ops::{Api::Platform, Method, On, Op},
};

pub const ISSUE_TYPES: Op = Op::new(Method::Get, Platform, "/issuetype", On::Both);
pub const PRIORITIES: Op = Op::new(Method::Get, Platform, "/priority", On::Both);
pub const STATUSES: Op = Op::new(Method::Get, Platform, "/status", On::Both);
pub const RESOLUTIONS: Op = Op::new(Method::Get, Platform, "/resolution", On::Both);
pub const LINK_TYPES: Op = Op::new(Method::Get, Platform, "/issueLinkType", On::Both);

/// How long a fetched list is reused.
pub const TTL: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetaKind {
    IssueTypes,
    Priorities,
    Statuses,
    Resolutions,
    LinkTypes,
}

impl MetaKind {
    pub fn op(self) -> Op {
        match self {
            MetaKind::IssueTypes => ISSUE_TYPES,
            MetaKind::Priorities => PRIORITIES,
            MetaKind::Statuses => STATUSES,
            MetaKind::Resolutions => RESOLUTIONS,
            MetaKind::LinkTypes => LINK_TYPES,
        }
    }
}

/// One item of a list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetaItem {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// What else identifies it: a status's category, a link type's directions, `sub-task`.
    pub detail: Option<String>,
    /// A link type's phrases: (outward, inward), e.g. (`blocks`, `is blocked by`).
    pub phrases: Option<(String, String)>,
}

impl MetaItem {
    fn from_json(kind: MetaKind, v: &Value) -> Option<MetaItem> {
        let s = |k: &str| Shown::of(v.get(k).unwrap_or(&Value::Null)).get();
        let phrases = match (kind, s("outward"), s("inward")) {
            (MetaKind::LinkTypes, Some(o), Some(i)) => Some((o, i)),
            _ => None,
        };
        let detail = match kind {
            MetaKind::Statuses => s("statusCategory").map(|c| format!("category {c}")),
            MetaKind::LinkTypes => phrases.as_ref().map(|(o, i)| format!("{o} / {i}")),
            MetaKind::IssueTypes => {
                (v.get("subtask").and_then(Value::as_bool) == Some(true)).then(|| "sub-task".into())
            }
            _ => None,
        };
        Some(MetaItem {
            id: s("id")?,
            name: s("name").unwrap_or_default(),
            description: s("description"),
            detail,
            phrases,
        })
    }
}

/// A fetched list and when it was fetched.
type Fetched = (Instant, Arc<Vec<MetaItem>>);

/// The lists fetched so far.
#[derive(Default)]
pub struct MetadataCache {
    lists: Mutex<HashMap<MetaKind, Fetched>>,
}

impl JiraClient {
    /// A site-wide list, from memory when fetched less than [`TTL`] ago.
    pub async fn metadata(&self, kind: MetaKind) -> Result<Arc<Vec<MetaItem>>, JiraError> {
        // Held across the fetch: concurrent calls wait for one request instead of each sending it.
        let mut lists = self.metadata.lists.lock().await;
        if let Some((at, items)) = lists.get(&kind)
            && at.elapsed() < TTL
        {
            return Ok(items.clone());
        }
        let req = self.request(kind.op(), &[]).await?;
        let v: Value = self.call(req).await?;
        let list = match &v {
            Value::Array(a) => a.as_slice(),
            // Link types come wrapped: `{"issueLinkTypes": [...]}`.
            Value::Object(o) => o
                .get("issueLinkTypes")
                .or_else(|| o.get("values"))
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice),
            _ => &[],
        };
        let items = Arc::new(list.iter().filter_map(|i| MetaItem::from_json(kind, i)).collect());
        lists.insert(kind, (Instant::now(), Arc::clone(&items)));
        Ok(items)
    }
}
