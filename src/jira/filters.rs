//! Saved filters. Both flavors read, create and update filters and list favourites; only
//! Cloud searches them (`/filter/search`, paged), which is how "my filters" are listed there.
//! Data Center 10.3 has no list of one's own filters.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    JiraClient, JiraError,
    models::{Page, Shown, lenient},
    ops::{Api::Platform, Method, On, Op},
};
use crate::config::Flavor;

pub const FILTER_GET: Op = Op::new(Method::Get, Platform, "/filter/{id}", On::Both);
pub const FILTER_CREATE: Op = Op::new(Method::Post, Platform, "/filter", On::Both);
pub const FILTER_UPDATE: Op = Op::new(Method::Put, Platform, "/filter/{id}", On::Both);
pub const FILTER_FAVOURITES: Op = Op::new(Method::Get, Platform, "/filter/favourite", On::Both);
/// Cloud only; paged.
pub const FILTER_SEARCH: Op = Op::new(Method::Get, Platform, "/filter/search", On::CloudOnly);

/// What a list asks Jira to include with each filter.
const EXPAND: &str = "description,favourite,jql,owner,sharePermissions";

/// One saved filter.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Filter {
    pub id: Shown,
    pub name: Shown,
    pub description: Shown,
    pub jql: Shown,
    pub owner: Shown,
    #[serde(deserialize_with = "lenient")]
    pub favourite: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub share_permissions: Vec<Value>,
    pub view_url: Shown,
}

/// A share permission as a person reads it: `project PROJ`, `group jira-users`, `everyone`.
pub fn share_text(p: &Value) -> String {
    let kind = p.get("type").and_then(Value::as_str).unwrap_or("?");
    let of = |k: &str| {
        p.get(k).and_then(|v| {
            ["key", "name", "displayName", "accountId", "id"]
                .iter()
                .find_map(|f| Shown::of(v.get(*f).unwrap_or(&Value::Null)).get())
        })
    };
    let detail = match kind {
        "project" | "project-unknown" => {
            let project = of("project");
            match of("role") {
                Some(role) => Some(format!("{} role {role}", project.unwrap_or_default())),
                None => project,
            }
        }
        "projectRole" => of("role"),
        "group" => of("group"),
        "user" => of("user"),
        "global" => return "everyone".to_string(),
        "loggedin" | "authenticated" => return "any signed-in user".to_string(),
        _ => None,
    };
    match detail {
        Some(d) if !d.trim().is_empty() => format!("{kind} {}", d.trim()),
        _ => kind.to_string(),
    }
}

/// What to share with, as the tools take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Share {
    Project(String),
    Group(String),
    Global,
    Authenticated,
    User(String),
}

impl JiraClient {
    /// A share permission in a request body (`user` is an account id on Cloud, a user name on
    /// Data Center; `project` an id or a key).
    pub fn share_json(&self, s: &Share) -> Value {
        match s {
            Share::Project(p) if p.chars().all(|c| c.is_ascii_digit()) => {
                json!({"type": "project", "project": {"id": p}})
            }
            Share::Project(p) => json!({"type": "project", "project": {"key": p}}),
            Share::Group(g) => json!({"type": "group", "group": {"name": g}}),
            Share::Global => json!({"type": "global"}),
            Share::Authenticated => json!({"type": "authenticated"}),
            Share::User(u) => json!({"type": "user", "user": self.user_ref(u)}),
        }
    }

    pub async fn filter(&self, id: &str) -> Result<Filter, JiraError> {
        let req = self.request(FILTER_GET, &[id]).await?;
        self.call(req).await
    }

    /// Your own filters (Cloud: `/filter/search` by your account id, paged).
    pub async fn my_filters(&self, start_at: u64, max_results: u32) -> Result<Page<Filter>, JiraError> {
        if self.flavor() == Flavor::DataCenter {
            return Err(JiraError::Unsupported {
                op: FILTER_SEARCH.canonical_id(),
                flavor: Flavor::DataCenter,
            });
        }
        let me = self.my_id().await?;
        let req = self
            .request(FILTER_SEARCH, &[])
            .await?
            .query("accountId", me)
            .query("expand", EXPAND)
            .query("orderBy", "name")
            .query("startAt", start_at)
            .query("maxResults", max_results);
        self.call(req).await
    }

    /// Your favourite filters: Jira sends them all at once, so the page is cut here.
    pub async fn favourite_filters(&self, start_at: u64, max_results: u32) -> Result<Page<Filter>, JiraError> {
        let req = self.request(FILTER_FAVOURITES, &[]).await?.query("expand", EXPAND);
        let all: Page<Filter> = self.call(req).await?;
        Ok(all.cut(start_at, max_results))
    }

    /// Creates a filter (no `id`) or updates one; `body` holds only what changes.
    pub async fn save_filter(&self, id: Option<&str>, body: Value) -> Result<Filter, JiraError> {
        let req = match id {
            Some(id) => self.request(FILTER_UPDATE, &[id]).await?,
            None => self.request(FILTER_CREATE, &[]).await?,
        };
        self.call(req.json(body)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_permissions_read_as_people_say_them() {
        assert_eq!(share_text(&json!({"type": "global"})), "everyone");
        assert_eq!(
            share_text(&json!({"type": "project", "project": {"key": "PROJ", "id": "1"}})),
            "project PROJ"
        );
        assert_eq!(
            share_text(&json!({"type": "group", "group": {"name": "devs"}})),
            "group devs"
        );
        assert_eq!(
            share_text(&json!({"type": "user", "user": {"displayName": "Ada"}})),
            "user Ada"
        );
        assert_eq!(share_text(&json!({"type": "loggedin"})), "any signed-in user");
    }
}
