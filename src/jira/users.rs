//! Users: the signed-in user, and turning "me", an email or a name into the id Jira wants:
//! an account id on Cloud, a user name on Data Center (which has no account ids).

use serde_json::{Value, json};

use super::{JiraClient, JiraError, models::User, ops};
use crate::config::Flavor;

impl JiraClient {
    pub async fn myself(&self) -> Result<User, JiraError> {
        let req = self.request(ops::MYSELF, &[]).await?;
        self.call(req).await
    }

    /// The Data Center's version and title (`status` shows it).
    pub async fn server_info(&self) -> Result<super::models::ServerInfo, JiraError> {
        let req = self.request(ops::SERVER_INFO, &[]).await?;
        self.call(req).await
    }

    pub(crate) async fn my_id(&self) -> Result<String, JiraError> {
        self.myself
            .get_or_try_init(|| async {
                let me = self.myself().await?;
                me.id()
                    .map(str::to_string)
                    .ok_or_else(|| JiraError::Input("Jira did not say who you are (no account id or user name)".into()))
            })
            .await
            .cloned()
    }

    /// People matching `query`; with `scope` (`project` or `issueKey`, value) only those who
    /// can be assigned there.
    pub async fn find_users(
        &self,
        query: &str,
        scope: Option<(&str, &str)>,
        max_results: u32,
    ) -> Result<Vec<User>, JiraError> {
        let cloud = self.flavor() == Flavor::Cloud;
        let op = if scope.is_some() {
            ops::USER_ASSIGNABLE
        } else {
            ops::USER_SEARCH
        };
        let mut req = self
            .request(op, &[])
            .await?
            .query(if cloud { "query" } else { "username" }, query)
            .query("maxResults", max_results);
        if let Some((k, v)) = scope {
            req = req.query(k, v);
        }
        Ok(self.call::<super::Page<User>>(req).await?.items)
    }

    /// How a user is referenced in a request body.
    pub fn user_ref(&self, id: &str) -> Value {
        match self.flavor() {
            Flavor::Cloud => json!({ "accountId": id }),
            Flavor::DataCenter => json!({ "name": id }),
        }
    }

    /// Resolves `me`, an account id (Cloud), a user name (Data Center), an email address or a
    /// (part of a) display name. Several candidates are never guessed between: the error
    /// lists them.
    pub async fn resolve_user(&self, who: &str) -> Result<String, JiraError> {
        let w = who.trim();
        if matches!(
            w.to_ascii_lowercase().as_str(),
            "me" | "myself" | "currentuser()" | "currentuser"
        ) {
            return self.my_id().await;
        }
        let cloud = self.flavor() == Flavor::Cloud;
        if cloud && looks_like_account_id(w) {
            return Ok(w.to_string());
        }
        let req = self
            .request(ops::USER_SEARCH, &[])
            .await?
            .query(if cloud { "query" } else { "username" }, w)
            .query("maxResults", 10);
        let found: Vec<User> = self.call::<super::Page<User>>(req).await?.items;
        let users: Vec<&User> = found.iter().filter(|u| u.active != Some(false)).collect();
        let same = |a: Option<String>| a.is_some_and(|a| a.eq_ignore_ascii_case(w));
        let exact: Vec<&&User> = users
            .iter()
            .filter(|u| same(u.display_name.get()) || same(u.email_address.get()) || same(u.name.clone()))
            .collect();
        let chosen = match (exact.len(), users.len()) {
            (1, _) => Some(*exact[0]),
            (0, 1) => Some(users[0]),
            _ => None,
        };
        let id_word = if cloud { "account id" } else { "user name" };
        match chosen.and_then(|u| u.id()) {
            Some(id) => Ok(id.to_string()),
            None if users.is_empty() => Err(JiraError::Input(format!(
                "no active Jira user matches `{w}`; use an {id_word}, an email address or an exact display name"
            ))),
            None => Err(JiraError::Input(format!(
                "`{w}` matches several users: {}; use one of their {id_word}s",
                users
                    .iter()
                    .map(|u| format!("{} ({})", u.display_name.or_empty(), u.id().unwrap_or("?")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }
}

/// Cloud account ids are `557058:uuid`, 24 hex digits, or `qm:…`-style ids; never contain
/// spaces or `@`.
fn looks_like_account_id(s: &str) -> bool {
    let no_space = !s.contains(char::is_whitespace) && !s.contains('@');
    let hex24 = s.len() == 24 && s.chars().all(|c| c.is_ascii_hexdigit());
    no_space && (hex24 || (s.contains(':') && s.len() >= 10))
}

#[cfg(test)]
mod tests {
    #[test]
    fn account_ids_are_recognised() {
        assert!(super::looks_like_account_id(
            "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077"
        ));
        assert!(super::looks_like_account_id(
            "5b10a2844c20165700ede21g".replace('g', "f").as_str()
        ));
        assert!(!super::looks_like_account_id("ada@example.com"));
        assert!(!super::looks_like_account_id("Ada Lovelace"));
    }
}
