//! Credentials given as they are: no login, no refresh.

use futures::future::BoxFuture;

use super::{AuthError, AuthKind, Credential, Secret, TokenProvider};

/// `JIRA_MCP_ACCESS_TOKEN`: an OAuth access token (bots, CI) or a Data Center personal access
/// token, sent as `Authorization: Bearer`.
pub struct StaticBearer {
    credential: Credential,
    kind: AuthKind,
}

impl StaticBearer {
    pub fn new(token: Secret) -> Self {
        StaticBearer {
            credential: Credential::bearer(&token),
            kind: AuthKind::AccessToken,
        }
    }

    /// A Data Center personal access token stored by `jira-mcp login --pat`.
    pub fn stored_pat(token: Secret) -> Self {
        StaticBearer {
            credential: Credential::bearer(&token),
            kind: AuthKind::Pat,
        }
    }
}

impl TokenProvider for StaticBearer {
    fn credential(&self) -> BoxFuture<'_, Result<Credential, AuthError>> {
        let c = self.credential.clone();
        Box::pin(async move { Ok(c) })
    }

    fn kind(&self) -> AuthKind {
        self.kind
    }
}

/// A Cloud API token (`JIRA_MCP_EMAIL` + `JIRA_MCP_API_TOKEN`), sent as Basic auth to the site.
pub struct ApiTokenBasic {
    credential: Credential,
}

impl ApiTokenBasic {
    pub fn new(email: &str, token: Secret) -> Self {
        ApiTokenBasic {
            credential: Credential::basic(email, &token),
        }
    }
}

impl TokenProvider for ApiTokenBasic {
    fn credential(&self) -> BoxFuture<'_, Result<Credential, AuthError>> {
        let c = self.credential.clone();
        Box::pin(async move { Ok(c) })
    }

    fn kind(&self) -> AuthKind {
        AuthKind::ApiToken
    }
}

/// A profile with nothing to sign in with: every call says what to set up.
pub struct NoCredential {
    message: String,
}

impl NoCredential {
    /// A Data Center profile without a personal access token.
    pub fn data_center(profile: &str) -> Self {
        let profile_arg = if profile == "default" {
            String::new()
        } else {
            format!(" --profile {profile}")
        };
        NoCredential {
            message: format!(
                "no credentials for this Data Center profile: run `jira-mcp login --pat{profile_arg}` and paste a \
                 personal access token (Jira: your profile › Personal Access Tokens), or set JIRA_MCP_ACCESS_TOKEN; \
                 for OAuth 2.0, set ATLASSIAN_CLIENT_ID and ATLASSIAN_CLIENT_SECRET of the site's incoming \
                 application link"
            ),
        }
    }
}

impl TokenProvider for NoCredential {
    fn credential(&self) -> BoxFuture<'_, Result<Credential, AuthError>> {
        let m = self.message.clone();
        Box::pin(async move { Err(AuthError::LoginRequired(m)) })
    }

    fn prepare<'a>(&'a self, _ui: &'a dyn super::LoginUi) -> BoxFuture<'a, Result<(), AuthError>> {
        let m = self.message.clone();
        Box::pin(async move { Err(AuthError::LoginRequired(m)) })
    }

    fn kind(&self) -> AuthKind {
        AuthKind::Pat
    }
}
