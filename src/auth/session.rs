//! [`OAuthSession`]: the token provider for OAuth 2.0 (3LO) profiles.
//!
//! - Hands out the cached access token while it has more than [`REFRESH_MARGIN`] left.
//! - Refreshes ahead of expiry, and once after Jira answers 401 for an expired token. In a
//!   process, one refresh at a time (an async mutex); across processes, under the token file's
//!   lock, re-reading the file first, because another process may already have rotated the
//!   refresh token.
//! - A dead refresh token (`invalid_grant`) marks the profile as needing a new sign-in; the
//!   rest of the profile (site, cloud id) is kept.
//! - With no usable token, [`TokenProvider::prepare`] starts (or joins) a sign-in and waits
//!   for it, boundedly, reporting progress; see `login.rs`. When another process holds the
//!   callback port (another server of the profile signing in), it waits for the tokens that
//!   process saves instead.

use std::{
    sync::{Arc, RwLock},
    time::Duration,
};

use futures::future::BoxFuture;

use super::{
    AuthError, AuthKind, Credential, LoginUi, Presented, Secret, TokenProvider,
    login::{LoginError, LoginParams, PendingLogin, login_command},
    oauth::{OAuthApp, TokenError},
    store::{TokenSet, TokenStore},
};
use crate::config::Config;

/// Refresh when less than this many seconds of validity are left.
pub const REFRESH_MARGIN: u64 = 300;

pub struct OAuthSession {
    app: Option<OAuthApp>,
    store: TokenStore,
    config: Config,
    scopes: Vec<String>,
    http: reqwest::Client,
    tokens: tokio::sync::Mutex<Option<TokenSet>>,
    granted: RwLock<Option<Vec<String>>>,
    /// The sign-in in progress; the async mutex makes check-and-start atomic, so concurrent
    /// calls join one login instead of racing for the callback port.
    pending: tokio::sync::Mutex<Option<Arc<PendingLogin>>>,
    /// How long one tool call waits for a sign-in before answering with the URL.
    call_wait: Duration,
    /// How long the listener waits for the redirect in all.
    login_timeout: Duration,
}

impl OAuthSession {
    pub fn new(
        app: Option<OAuthApp>,
        config: Config,
        scopes: Vec<String>,
        call_wait: Duration,
        login_timeout: Duration,
    ) -> Self {
        let store = TokenStore::for_config(&config);
        // Cheap (one small file) and lets scope checks work before the first call.
        let loaded = store.load().ok().flatten();
        let granted = RwLock::new(loaded.as_ref().map(|t| t.scopes.clone()));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("jira-mcp/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("TLS backend initialises");
        OAuthSession {
            app,
            store,
            config,
            scopes,
            http,
            tokens: tokio::sync::Mutex::new(loaded),
            granted,
            pending: tokio::sync::Mutex::new(None),
            call_wait,
            login_timeout,
        }
    }

    pub fn store(&self) -> &TokenStore {
        &self.store
    }

    fn remember(&self, t: &TokenSet) {
        if let Ok(mut g) = self.granted.write() {
            *g = Some(t.scopes.clone());
        }
    }

    fn login_required(&self, why: &str) -> AuthError {
        let how = if self.app.is_some() {
            format!(
                "call the tool again to sign in through the browser, or run `{}`",
                login_command(&self.config.profile)
            )
        } else {
            "set ATLASSIAN_CLIENT_ID and ATLASSIAN_CLIENT_SECRET, then sign in".to_string()
        };
        AuthError::LoginRequired(format!("{why}: {how}"))
    }

    /// The current token, refreshed if needed. Holds the in-process mutex throughout.
    async fn current(&self) -> Result<TokenSet, AuthError> {
        let mut guard = self.tokens.lock().await;
        if let Some(t) = guard.as_ref()
            && t.fresh_for(REFRESH_MARGIN)
        {
            return Ok(t.clone());
        }
        // Another process may have signed in or refreshed.
        if let Some(t) = self.store.load().map_err(|e| AuthError::Other(e.to_string()))? {
            self.remember(&t);
            *guard = Some(t);
        }
        match guard.as_ref() {
            Some(t) if t.fresh_for(REFRESH_MARGIN) => Ok(t.clone()),
            Some(t) if t.refresh_token.is_some() => {
                let refreshed = self.refresh_locked(None).await;
                match refreshed {
                    Ok(new) => {
                        self.remember(&new);
                        *guard = Some(new.clone());
                        Ok(new)
                    }
                    // A transient failure while the old token still works: keep using it.
                    Err(AuthError::Refresh(_)) if t.fresh_for(10) => Ok(t.clone()),
                    Err(e) => {
                        *guard = self.store.load().ok().flatten();
                        Err(e)
                    }
                }
            }
            Some(t) if t.fresh_for(0) => Ok(t.clone()),
            Some(_) => Err(self.login_required("the sign-in for this profile has expired and cannot be refreshed")),
            None => Err(self.login_required(&format!(
                "profile `{}` is not signed in to Atlassian",
                self.config.profile
            ))),
        }
    }

    /// lock → re-read → refresh only if still needed → write → unlock. `rejected` is an access
    /// token Jira refused: a copy of it on disk does not count as fresh.
    async fn refresh_locked(&self, rejected: Option<&Secret>) -> Result<TokenSet, AuthError> {
        let _lock = self
            .store
            .lock(Duration::from_secs(60))
            .await
            .map_err(|e| AuthError::Other(e.to_string()))?;
        let on_disk = self.store.load().map_err(|e| AuthError::Other(e.to_string()))?;
        let Some(current) = on_disk else {
            return Err(self.login_required("the profile was signed out"));
        };
        if current.fresh_for(REFRESH_MARGIN) && rejected != Some(&current.access_token) {
            tracing::debug!("another process refreshed the token");
            return Ok(current);
        }
        let Some(app) = &self.app else {
            return Err(AuthError::Other(
                "the access token expired and cannot be refreshed without the app's credentials: set \
                 ATLASSIAN_CLIENT_ID and ATLASSIAN_CLIENT_SECRET"
                    .into(),
            ));
        };
        match app.refresh(&self.http, &current).await {
            Ok(new) => {
                self.store.save(&new).map_err(|e| AuthError::Other(e.to_string()))?;
                tracing::info!(profile = %self.config.profile, "refreshed the access token");
                Ok(new)
            }
            Err(TokenError::InvalidGrant(why)) => {
                // Keep the profile, drop only the dead refresh token.
                let mut dead = current;
                dead.refresh_token = None;
                dead.expires_at = 0;
                let _ = self.store.save(&dead);
                Err(self.login_required(&format!("the saved sign-in was revoked or expired ({why})")))
            }
            Err(e @ TokenError::InvalidClient(_)) => Err(AuthError::Other(e.to_string())),
            Err(e) => Err(AuthError::Refresh(e.to_string())),
        }
    }

    fn login_params(&self) -> Option<LoginParams> {
        Some(LoginParams {
            app: self.app.clone()?,
            scopes: self.scopes.clone(),
            site: self
                .config
                .site
                .as_ref()
                .map(|s| s.as_str().trim_end_matches('/').to_string()),
            config: self.config.clone(),
            store: self.store.clone(),
            timeout: self.login_timeout,
            chooser: None,
        })
    }

    /// The login in progress, or a new one (`true` when started here).
    async fn pending_login(&self) -> Result<(Arc<PendingLogin>, bool), AuthError> {
        let mut slot = self.pending.lock().await;
        if let Some(p) = slot.as_ref()
            && !p.is_finished()
        {
            return Ok((p.clone(), false));
        }
        let params = self.login_params().ok_or_else(|| {
            AuthError::Login(Arc::new(LoginError::NotConfigured(super::setup::next_step(
                &self.config,
            ))))
        })?;
        let p = PendingLogin::start(params)
            .await
            .map_err(|e| AuthError::Login(Arc::new(e)))?;
        *slot = Some(p.clone());
        Ok((p, true))
    }

    async fn ensure(&self, ui: &dyn LoginUi) -> Result<(), AuthError> {
        match self.current().await {
            Ok(_) => return Ok(()),
            Err(AuthError::LoginRequired(_)) if self.app.is_some() => {}
            Err(AuthError::LoginRequired(_)) => {
                return Err(AuthError::Login(Arc::new(LoginError::NotConfigured(
                    super::setup::next_step(&self.config),
                ))));
            }
            Err(e) => return Err(e),
        }
        let (pending, started) = match self.pending_login().await {
            Ok(p) => p,
            // Another process holds the callback port: most likely another jira-mcp of this
            // profile signing in (editors start several servers). Wait for its tokens.
            Err(AuthError::Login(e))
                if matches!(*e, LoginError::Bind(super::callback::BindError::PortInUse { .. })) =>
            {
                return self.wait_for_other_process(ui, &e).await;
            }
            Err(e) => return Err(e),
        };
        let url = pending.url.to_string();
        let command = login_command(&self.config.profile);
        if started {
            match ui.present(&pending.url).await {
                Presented::Declined => {
                    return Err(AuthError::LoginRequired(format!(
                        "signing in to Atlassian was declined; to sign in later, open {url} or run `{command}`"
                    )));
                }
                Presented::NotShown => {
                    return Err(AuthError::LoginRequired(format!(
                        "sign-in to Atlassian is needed and no browser could be opened. Open this URL to sign in \
                         (jira-mcp is waiting for the redirect for {} s), then call the tool again: {url}  — or run \
                         `{command}` in a terminal",
                        self.login_timeout.as_secs()
                    )));
                }
                Presented::ToClient => return Err(AuthError::HandedToClient(url)),
                Presented::Elicited | Presented::Browser => {}
            }
        }
        let started_at = tokio::time::Instant::now();
        let deadline = started_at + self.call_wait;
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        tick.tick().await;
        let wait = pending.wait();
        tokio::pin!(wait);
        loop {
            tokio::select! {
                outcome = &mut wait => {
                    return match outcome {
                        Ok(_) => {
                            // Load what the login saved.
                            let mut guard = self.tokens.lock().await;
                            *guard = self.store.load().map_err(|e| AuthError::Other(e.to_string()))?;
                            if let Some(t) = guard.as_ref() {
                                self.remember(t);
                            }
                            Ok(())
                        }
                        Err(e) => Err(AuthError::Login(e)),
                    };
                }
                _ = tokio::time::sleep_until(deadline) => {
                    let left = self.login_timeout.saturating_sub(started_at.elapsed());
                    return Err(AuthError::LoginRequired(format!(
                        "waiting for you to finish signing in to Atlassian. Finish in the browser (or open {url}), \
                         then call the tool again; jira-mcp keeps listening for {} s more (or run `{command}` in a \
                         terminal)",
                        left.as_secs()
                    )));
                }
                _ = tick.tick() => {
                    let waited = started_at.elapsed().as_secs();
                    ui.progress(&format!("Waiting for you to sign in to Atlassian in the browser ({waited} s)…")).await;
                }
            }
        }
    }
}

impl OAuthSession {
    /// Waits (as long as a call waits for a sign-in) for tokens that another process saves
    /// for this profile; `busy` is the port-in-use error to report if none arrive.
    async fn wait_for_other_process(&self, ui: &dyn LoginUi, busy: &Arc<LoginError>) -> Result<(), AuthError> {
        tracing::info!("the sign-in callback port is taken; waiting for another process's sign-in");
        let started_at = tokio::time::Instant::now();
        let deadline = started_at + self.call_wait;
        let mut poll = tokio::time::interval(Duration::from_millis(250));
        let mut last_progress = started_at;
        while tokio::time::Instant::now() < deadline {
            poll.tick().await;
            match self.current().await {
                Ok(_) => return Ok(()),
                Err(AuthError::LoginRequired(_)) => {}
                Err(e) => return Err(e),
            }
            if last_progress.elapsed() >= Duration::from_secs(5) {
                last_progress = tokio::time::Instant::now();
                let waited = started_at.elapsed().as_secs();
                ui.progress(&format!(
                    "Waiting for a sign-in to Atlassian started by another jira-mcp process ({waited} s)…"
                ))
                .await;
            }
        }
        Err(AuthError::LoginRequired(format!(
            "another sign-in seems to be in progress: {busy}. If another jira-mcp window opened a browser, finish \
             signing in there, then call the tool again"
        )))
    }
}

impl TokenProvider for OAuthSession {
    fn credential(&self) -> BoxFuture<'_, Result<Credential, AuthError>> {
        Box::pin(async move { self.current().await.map(|t| Credential::bearer(&t.access_token)) })
    }

    fn on_rejected<'a>(&'a self, rejected: &'a Credential) -> BoxFuture<'a, Result<bool, AuthError>> {
        Box::pin(async move {
            let mut guard = self.tokens.lock().await;
            let current = match guard.as_ref() {
                Some(t) if Credential::bearer(&t.access_token).header_value() == rejected.header_value() => t.clone(),
                // Already replaced by a newer token: retry with that one.
                Some(_) => return Ok(true),
                None => return Ok(false),
            };
            if current.refresh_token.is_none() {
                return Ok(false);
            }
            // Jira says it expired, whatever our clock says: refresh now.
            let new = self.refresh_locked(Some(&current.access_token)).await?;
            self.remember(&new);
            let changed = new.access_token != current.access_token;
            *guard = Some(new);
            Ok(changed)
        })
    }

    fn granted_scopes(&self) -> Option<Vec<String>> {
        self.granted.read().ok().and_then(|g| g.clone())
    }

    fn kind(&self) -> AuthKind {
        AuthKind::OAuth
    }

    fn prepare<'a>(&'a self, ui: &'a dyn LoginUi) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(self.ensure(ui))
    }
}
