//! Links between issues, links to web pages (remote links), watchers, and deleting issues.
//! Link types are named three ways (`Blocks`, `blocks`, `is blocked by`): a name matches the
//! type or one of its two phrases, and the phrase decides the direction.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    JiraClient, JiraError,
    models::{Shown, User, lenient},
    ops::{Api::Platform, Method, On::Both, Op},
};
use crate::config::Flavor;

pub const LINK_CREATE: Op = Op::new(Method::Post, Platform, "/issueLink", Both);
pub const LINK_DELETE: Op = Op::new(Method::Delete, Platform, "/issueLink/{linkId}", Both);
pub const REMOTE_LINK_CREATE: Op = Op::new(Method::Post, Platform, "/issue/{issueIdOrKey}/remotelink", Both);
pub const REMOTE_LINK_DELETE: Op = Op::new(
    Method::Delete,
    Platform,
    "/issue/{issueIdOrKey}/remotelink/{linkId}",
    Both,
);
pub const WATCHERS_GET: Op = Op::new(Method::Get, Platform, "/issue/{issueIdOrKey}/watchers", Both);
pub const WATCHER_ADD: Op = Op::new(Method::Post, Platform, "/issue/{issueIdOrKey}/watchers", Both);
pub const WATCHER_REMOVE: Op = Op::new(Method::Delete, Platform, "/issue/{issueIdOrKey}/watchers", Both);
pub const ISSUE_DELETE: Op = Op::new(Method::Delete, Platform, "/issue/{issueIdOrKey}", Both);
pub const ISSUE_ASSIGN: Op = Op::new(Method::Put, Platform, "/issue/{issueIdOrKey}/assignee", Both);

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct LinkType {
    pub id: Shown,
    pub name: Shown,
    pub inward: Shown,
    pub outward: Shown,
}

/// How a link type name given by a user resolved: the type's name, and whether the issue
/// the user named first is the inward one (`is blocked by`).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkChoice {
    pub type_name: String,
    pub phrase: String,
    pub reversed: bool,
}

/// Picks the link type `wanted` names (type name or phrase, any case).
pub fn choose_link_type(types: &[LinkType], wanted: &str) -> Result<LinkChoice, JiraError> {
    let w = wanted.trim();
    let eq = |s: &Shown| s.0.as_deref().is_some_and(|x| x.trim().eq_ignore_ascii_case(w));
    let found = types
        .iter()
        .find(|t| eq(&t.name) || eq(&t.outward))
        .map(|t| (t, false))
        .or_else(|| types.iter().find(|t| eq(&t.inward)).map(|t| (t, true)));
    match found {
        Some((t, reversed)) => Ok(LinkChoice {
            type_name: t.name.or_empty(),
            phrase: if reversed {
                t.inward.or_empty()
            } else {
                t.outward.or_empty()
            },
            reversed,
        }),
        None => Err(JiraError::Input(format!(
            "there is no link type `{w}`; link types: {}",
            types
                .iter()
                .map(|t| format!(
                    "{} ({} / {})",
                    t.name.or_empty(),
                    t.outward.or_empty(),
                    t.inward.or_empty()
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

impl JiraClient {
    /// The site's link types, from the metadata cache (fetched at most every ten minutes).
    pub async fn link_types(&self) -> Result<Vec<LinkType>, JiraError> {
        let items = self.metadata(super::metadata::MetaKind::LinkTypes).await?;
        Ok(items
            .iter()
            .map(|t| {
                let (outward, inward) = t.phrases.clone().unwrap_or_default();
                LinkType {
                    id: Shown(Some(t.id.clone())),
                    name: Shown(Some(t.name.clone())),
                    inward: Shown(Some(inward)),
                    outward: Shown(Some(outward)),
                }
            })
            .collect())
    }

    /// Links `outward` → `inward` with type `type_name` (`A blocks B`: outward A, inward B).
    pub async fn link_issues(&self, type_name: &str, outward: &str, inward: &str) -> Result<(), JiraError> {
        let body = json!({
            "type": { "name": type_name },
            "outwardIssue": { "key": outward },
            "inwardIssue": { "key": inward },
        });
        let req = self.request(LINK_CREATE, &[]).await?.json(body);
        self.send(req).await
    }

    pub async fn delete_link(&self, link_id: &str) -> Result<(), JiraError> {
        let req = self.request(LINK_DELETE, &[link_id]).await?;
        self.send(req).await
    }

    /// Adds a web link; Jira answers with its id.
    pub async fn add_remote_link(&self, key: &str, url: &str, title: &str) -> Result<String, JiraError> {
        #[derive(Deserialize)]
        struct Made {
            #[serde(default)]
            id: Shown,
        }
        let body = json!({ "object": { "url": url, "title": title } });
        let req = self.request(REMOTE_LINK_CREATE, &[key]).await?.json(body);
        let made: Made = self.call(req).await?;
        Ok(made.id.or_empty())
    }

    pub async fn delete_remote_link(&self, key: &str, link_id: &str) -> Result<(), JiraError> {
        let req = self.request(REMOTE_LINK_DELETE, &[key, link_id]).await?;
        self.send(req).await
    }

    pub async fn watchers(&self, key: &str) -> Result<Vec<User>, JiraError> {
        #[derive(Deserialize)]
        struct Watchers {
            #[serde(default, deserialize_with = "lenient")]
            watchers: Vec<User>,
        }
        let req = self.request(WATCHERS_GET, &[key]).await?;
        let w: Watchers = self.call(req).await?;
        Ok(w.watchers)
    }

    /// Adds a watcher: the body is the bare account id (Cloud) or user name (Data Center), as
    /// a JSON string.
    pub async fn add_watcher(&self, key: &str, user_id: &str) -> Result<(), JiraError> {
        let req = self
            .request(WATCHER_ADD, &[key])
            .await?
            .json(Value::String(user_id.to_string()));
        self.send(req).await
    }

    pub async fn remove_watcher(&self, key: &str, user_id: &str) -> Result<(), JiraError> {
        let param = match self.flavor() {
            Flavor::Cloud => "accountId",
            Flavor::DataCenter => "username",
        };
        let req = self.request(WATCHER_REMOVE, &[key]).await?.query(param, user_id);
        self.send(req).await
    }

    pub async fn delete_issue(&self, key: &str, with_subtasks: bool) -> Result<(), JiraError> {
        let req = self
            .request(ISSUE_DELETE, &[key])
            .await?
            .query("deleteSubtasks", with_subtasks);
        self.send(req).await
    }

    /// Assigns through the assignee endpoint, which needs only the Assign Issues permission
    /// (an edit needs Edit Issues too).
    pub async fn assign(&self, key: &str, user_id: &str) -> Result<(), JiraError> {
        let req = self.request(ISSUE_ASSIGN, &[key]).await?.json(self.user_ref(user_id));
        self.send(req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, outward: &str, inward: &str) -> LinkType {
        LinkType {
            id: Shown(Some("1".into())),
            name: Shown(Some(name.into())),
            inward: Shown(Some(inward.into())),
            outward: Shown(Some(outward.into())),
        }
    }

    #[test]
    fn link_types_match_by_name_or_phrase_and_phrase_sets_direction() {
        let types = [
            t("Blocks", "blocks", "is blocked by"),
            t("Relates", "relates to", "relates to"),
        ];
        assert!(!choose_link_type(&types, "blocks").unwrap().reversed);
        let c = choose_link_type(&types, "Is Blocked By").unwrap();
        assert!(c.reversed);
        assert_eq!(c.type_name, "Blocks");
        assert!(!choose_link_type(&types, "relates to").unwrap().reversed);
        let err = choose_link_type(&types, "duplicates").unwrap_err().to_string();
        assert!(err.contains("Blocks (blocks / is blocked by)"), "{err}");
    }
}
