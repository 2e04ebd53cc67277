//! Credentials given as they are: no login, no refresh.

use futures::future::BoxFuture;

use super::{AuthError, AuthKind, Credential, Secret, TokenProvider};

/// `JIRA_MCP_ACCESS_TOKEN`: an OAuth access token (bots, CI) or a Data Center personal access
/// token, sent as `Authorization: Bearer`.
pub struct StaticBearer {
    credential: Credential,
}

impl StaticBearer {
    pub fn new(token: Secret) -> Self {
        StaticBearer {
            credential: Credential::bearer(&token),
        }
    }
}

impl TokenProvider for StaticBearer {
    fn credential(&self) -> BoxFuture<'_, Result<Credential, AuthError>> {
        let c = self.credential.clone();
        Box::pin(async move { Ok(c) })
    }

    fn kind(&self) -> AuthKind {
        AuthKind::AccessToken
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
