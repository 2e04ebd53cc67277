//! Each signed-in user's own Jira client: their Atlassian tokens, their site, their caches.
//!
//! A client is built on a user's first call and kept (the most recently used
//! [`MAX_CLIENTS`]); it holds nothing that another user's client could see. Its
//! [`UserTokens`] reads the user's sealed tokens from the store and refreshes them there,
//! serialised across replicas (`Store::serialised`), re-reading after the lock so that a
//! refresh another replica just made is used, not repeated.

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::{Remote, store::User};
use crate::{
    auth::{
        AuthError, AuthKind, Credential, REFRESH_MARGIN, Secret, TokenProvider,
        oauth::TokenError,
        store::{TokenKind, TokenSet},
    },
    config::Config,
    jira::JiraClient,
};

/// Users whose clients are kept at once.
pub const MAX_CLIENTS: usize = 1_000;

/// The Atlassian tokens of a user, as sealed in the store.
#[derive(Serialize, Deserialize)]
pub(super) struct Sealed {
    pub access: String,
    pub refresh: Option<String>,
    pub expires_at: u64,
    pub scopes: Vec<String>,
}

impl Sealed {
    pub fn of(t: &TokenSet) -> Sealed {
        Sealed {
            access: t.access_token.expose().to_string(),
            refresh: t.refresh_token.as_ref().map(|r| r.expose().to_string()),
            expires_at: t.expires_at,
            scopes: t.scopes.clone(),
        }
    }

    fn tokens(self, client_id: &str) -> TokenSet {
        TokenSet {
            access_token: Secret::new(self.access),
            refresh_token: self.refresh.map(Secret::new),
            expires_at: self.expires_at,
            scopes: self.scopes,
            client_id: Some(client_id.to_string()),
            kind: TokenKind::Oauth,
        }
    }
}

/// The configuration a user's client runs with: the server's, on the user's site, with its
/// own profile (so its caches and state are the user's alone).
pub(super) fn user_config(base: &Config, user: &User) -> Config {
    let mut c = base.clone();
    let short = &super::sha256_hex(user.id.as_bytes())[..16];
    c.profile = format!("user-{short}");
    c.data_dir = base.data_dir.join("users");
    c.site = url::Url::parse(&user.site_url).ok();
    if base.flavor == crate::config::Flavor::DataCenter {
        // The site itself (or the configured base, for proxies): no gateway, no cloud id.
        c.api_base = Some(base.api_base.clone().unwrap_or_else(|| user.site_url.clone()));
        return c;
    }
    c.cloud_id = Some(user.cloud_id.clone());
    let template = base
        .api_base
        .clone()
        .unwrap_or_else(|| format!("{}/{{cloudId}}", crate::config::DEFAULT_GATEWAY));
    c.api_base = Some(template.replace("{cloudId}", &user.cloud_id));
    c
}

pub(super) fn client_for(remote: &Arc<Remote>, user: &User) -> Arc<JiraClient> {
    let config = user_config(&remote.config, user);
    let tokens = Arc::new(UserTokens {
        remote: remote.clone(),
        user: user.id.clone(),
        cached: Mutex::new(None),
    });
    JiraClient::new(remote.jira_http.with_auth(tokens), config)
}

/// One user's Atlassian tokens, from the store.
pub struct UserTokens {
    remote: Arc<Remote>,
    user: String,
    /// The last tokens read (scopes, and the access token while it is fresh).
    cached: Mutex<Option<TokenSet>>,
}

impl UserTokens {
    fn ended(&self) -> AuthError {
        AuthError::LoginRequired(
            "your Atlassian sign-in has ended (revoked, or unused for 90 days): your MCP client will ask you to sign \
             in again on its next request"
                .into(),
        )
    }

    async fn load(&self) -> Result<TokenSet, AuthError> {
        self.load_sealed().await.map(|(t, _)| t)
    }

    /// The user's tokens, and their sealed form as stored (to update them only if unchanged).
    async fn load_sealed(&self) -> Result<(TokenSet, String), AuthError> {
        let user = self
            .remote
            .store
            .user(&self.user)
            .await
            .map_err(|e| AuthError::Other(e.to_string()))?
            .ok_or_else(|| self.ended())?;
        let plain = self
            .remote
            .keys
            .open(&user.sealed, &user.id)
            .map_err(|e| AuthError::Other(e.to_string()))?;
        let sealed: Sealed =
            serde_json::from_slice(&plain).map_err(|_| AuthError::Other("stored tokens unreadable".into()))?;
        Ok((sealed.tokens(&self.remote.app.client_id), user.sealed))
    }

    /// A fresh token: the stored one, or a refresh made under the user's lock.
    async fn fresh(&self) -> Result<TokenSet, AuthError> {
        if let Some(t) = self.cached.lock().unwrap_or_else(|p| p.into_inner()).clone()
            && t.fresh_for(REFRESH_MARGIN)
        {
            return Ok(t);
        }
        let t = self.load().await?;
        if t.fresh_for(REFRESH_MARGIN) {
            *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Some(t.clone());
            return Ok(t);
        }
        self.refresh(None).await
    }

    /// Refreshes unless another replica already has (the stored token then differs from
    /// `rejected`, or is fresh).
    async fn refresh(&self, rejected: Option<&Secret>) -> Result<TokenSet, AuthError> {
        let store = self.remote.store.clone();
        let outcome = store
            .serialised(&self.user, || async {
                let (current, stored) = self.load_sealed().await?;
                let superseded = rejected.is_some_and(|r| r.expose() != current.access_token.expose());
                if superseded || (rejected.is_none() && current.fresh_for(REFRESH_MARGIN)) {
                    return Ok(current);
                }
                let refreshed = self.remote.app.refresh(&self.remote.http, &current).await;
                match refreshed {
                    Ok(new) => {
                        let sealed = self
                            .remote
                            .keys
                            .seal(&serde_json::to_vec(&Sealed::of(&new)).unwrap_or_default(), &self.user);
                        let saved = self
                            .remote
                            .store
                            .save_tokens(&self.user, &stored, &sealed, new.expires_at)
                            .await
                            .map_err(|e| AuthError::Other(e.to_string()))?;
                        if !saved {
                            // Revoked, or signed in again, while Atlassian answered.
                            return Err(self.ended());
                        }
                        tracing::info!(user = %super::short_id(&self.user), "refreshed a user's Atlassian token");
                        Ok(new)
                    }
                    Err(TokenError::InvalidGrant(why)) => {
                        // The grant is gone at Atlassian: so is the user's here, and the
                        // client's next request gets a 401 that starts a new sign-in.
                        tracing::warn!(user = %super::short_id(&self.user), reason = %why, "a user's Atlassian grant ended");
                        if let Ok(true) = self.remote.store.revoke_if_unchanged(&self.user, &stored).await {
                            self.remote.forget(&self.user);
                        }
                        Err(self.ended())
                    }
                    Err(e) => Err(AuthError::Refresh(e.to_string())),
                }
            })
            .await
            .map_err(|e| AuthError::Other(e.to_string()))??;
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome.clone());
        Ok(outcome)
    }
}

impl TokenProvider for UserTokens {
    fn credential(&self) -> BoxFuture<'_, Result<Credential, AuthError>> {
        Box::pin(async move { Ok(Credential::bearer(&self.fresh().await?.access_token)) })
    }

    fn on_rejected<'a>(&'a self, rejected: &'a Credential) -> BoxFuture<'a, Result<bool, AuthError>> {
        Box::pin(async move {
            let token = rejected
                .header_value()
                .strip_prefix("Bearer ")
                .map(Secret::new)
                .unwrap_or_else(|| Secret::new(""));
            self.refresh(Some(&token)).await.map(|_| true)
        })
    }

    fn granted_scopes(&self) -> Option<Vec<String>> {
        self.cached
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|t| t.scopes.clone())
    }

    fn kind(&self) -> AuthKind {
        AuthKind::Remote
    }

    fn prepare<'a>(&'a self, _ui: &'a dyn crate::auth::LoginUi) -> BoxFuture<'a, Result<(), AuthError>> {
        // The user signed in through their MCP client before the call reached us.
        Box::pin(async move { self.fresh().await.map(|_| ()) })
    }
}
