//! Users: the signed-in user, and turning "me", an email or a name into an account id.

use reqwest::Method;
use serde_json::Value;

use super::{JiraClient, JiraError};

impl JiraClient {
    /// `GET /rest/api/3/myself`.
    pub async fn myself(&self) -> Result<Value, JiraError> {
        let req = self.request(Method::GET, "/rest/api/3/myself").await?;
        self.call(req).await
    }

    async fn my_account_id(&self) -> Result<String, JiraError> {
        self.myself
            .get_or_try_init(|| async {
                let me = self.myself().await?;
                me.get("accountId")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| JiraError::Input("Jira did not return your account id".into()))
            })
            .await
            .cloned()
    }

    /// Resolves `me`, an account id, an email address or a (part of a) display name.
    /// Several candidates are never guessed between: the error lists them.
    pub async fn resolve_user(&self, who: &str) -> Result<String, JiraError> {
        let w = who.trim();
        if matches!(
            w.to_ascii_lowercase().as_str(),
            "me" | "myself" | "currentuser()" | "currentuser"
        ) {
            return self.my_account_id().await;
        }
        if looks_like_account_id(w) {
            return Ok(w.to_string());
        }
        let req = self
            .request(Method::GET, "/rest/api/3/user/search")
            .await?
            .query("query", w)
            .query("maxResults", 10);
        let v = self.call(req).await?;
        let users: Vec<&Value> = v
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|u| u.get("active").and_then(Value::as_bool) != Some(false))
                    .collect()
            })
            .unwrap_or_default();
        let field = |u: &Value, k: &str| u.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let exact: Vec<&&Value> = users
            .iter()
            .filter(|u| {
                field(u, "displayName").eq_ignore_ascii_case(w) || field(u, "emailAddress").eq_ignore_ascii_case(w)
            })
            .collect();
        let chosen = match (exact.len(), users.len()) {
            (1, _) => Some(*exact[0]),
            (0, 1) => Some(users[0]),
            _ => None,
        };
        match chosen {
            Some(u) => Ok(field(u, "accountId")),
            None if users.is_empty() => Err(JiraError::Input(format!(
                "no active Jira user matches `{w}`; use an account id, an email address or an exact display name"
            ))),
            None => Err(JiraError::Input(format!(
                "`{w}` matches several users: {}; use one of their account ids",
                users
                    .iter()
                    .map(|u| format!("{} ({})", field(u, "displayName"), field(u, "accountId")))
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
