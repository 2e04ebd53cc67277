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

/// A Data Center profile with no credential yet: every call says what to set up, and the
/// first call after `jira-mcp login --pat` (in another terminal) finds the stored token without
/// a restart.
pub struct NoCredential {
    message: String,
    store: Option<super::store::TokenStore>,
    found: std::sync::OnceLock<Credential>,
}

impl NoCredential {
    /// A Data Center profile without a personal access token or OAuth app.
    pub fn data_center(config: &crate::config::Config) -> Self {
        let message = super::setup::next_step(config);
        NoCredential {
            message,
            store: config
                .site
                .as_ref()
                .map(|_| super::store::TokenStore::for_config(config)),
            found: std::sync::OnceLock::new(),
        }
    }

    fn lookup(&self) -> Result<Credential, AuthError> {
        if let Some(c) = self.found.get() {
            return Ok(c.clone());
        }
        match self.store.as_ref().map(|s| s.load()) {
            Some(Ok(Some(t))) if t.kind == super::store::TokenKind::Pat => {
                Ok(self.found.get_or_init(|| Credential::bearer(&t.access_token)).clone())
            }
            _ => Err(AuthError::LoginRequired(self.message.clone())),
        }
    }
}

impl TokenProvider for NoCredential {
    fn credential(&self) -> BoxFuture<'_, Result<Credential, AuthError>> {
        let r = self.lookup();
        Box::pin(async move { r })
    }

    fn prepare<'a>(&'a self, _ui: &'a dyn super::LoginUi) -> BoxFuture<'a, Result<(), AuthError>> {
        let r = self.lookup().map(|_| ());
        Box::pin(async move { r })
    }

    fn kind(&self) -> AuthKind {
        AuthKind::Pat
    }
}

/// A configuration that cannot authenticate: every call answers with its problem and fix.
pub struct Misconfigured(pub String);

impl TokenProvider for Misconfigured {
    fn credential(&self) -> BoxFuture<'_, Result<Credential, AuthError>> {
        let e = AuthError::Config(self.0.clone());
        Box::pin(async move { Err(e) })
    }

    fn prepare<'a>(&'a self, _ui: &'a dyn super::LoginUi) -> BoxFuture<'a, Result<(), AuthError>> {
        let e = AuthError::Config(self.0.clone());
        Box::pin(async move { Err(e) })
    }

    fn kind(&self) -> AuthKind {
        AuthKind::AccessToken
    }
}
