//! The sign-in flow: consent URL → loopback redirect (or a pasted URL) → code exchange →
//! site choice → tokens and site saved in the profile. On Data Center the site is the one
//! configured, and the exchange carries the PKCE verifier of the consent URL.
//!
//! A [`PendingLogin`] runs in the background once started: the listener keeps waiting
//! (bounded) even when the tool call that started it is cancelled, so the user's next call
//! finds the token; every call that arrives meanwhile shares the same login.

use std::{sync::Arc, time::Duration};

use oauth2::CsrfToken;
use tokio::sync::watch;
use url::Url;

use super::{
    Secret,
    callback::{BindError, Listener, Redirect},
    oauth::{OAuthApp, TokenError},
    sites::{self, SiteInfo},
    store::{StoreError, TokenStore},
};
use crate::config::{Config, Flavor};

/// Asks the user to pick a site (a terminal can; a tool call cannot).
pub type SiteChooser = Arc<dyn Fn(&[SiteInfo]) -> Option<usize> + Send + Sync>;

/// Everything a login needs.
#[derive(Clone)]
pub struct LoginParams {
    pub app: OAuthApp,
    pub scopes: Vec<String>,
    pub site: Option<String>,
    pub config: Config,
    pub store: TokenStore,
    /// How long the listener waits for the redirect.
    pub timeout: Duration,
    pub chooser: Option<SiteChooser>,
}

/// What a successful login established (no secrets).
#[derive(Clone, Debug)]
pub struct Summary {
    pub account: Option<String>,
    pub site_name: String,
    pub site_url: String,
    pub cloud_id: String,
    pub scopes: Vec<String>,
    pub expires_at: u64,
    pub refreshable: bool,
}

/// A login failure, worded as what the user should do.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The profile cannot start a sign-in; the text is [`super::setup::missing`]'s.
    #[error("{0}")]
    NotConfigured(String),
    #[error("{0}")]
    Bind(#[from] BindError),
    #[error(
        "no sign-in arrived within {secs} s. Open {url} to sign in, or run `{command}`. If Atlassian showed \"The app's \
         callback URL is invalid\", register exactly {redirect} as the callback URL of your app (developer console › \
         Authorization › OAuth 2.0 (3LO))"
    )]
    Timeout {
        secs: u64,
        url: String,
        command: String,
        redirect: String,
    },
    #[error("you declined the consent on Atlassian's page ({0}); run `{1}` to try again")]
    Denied(String, String),
    #[error(
        "Atlassian refused the callback URL ({0}). Register exactly {1} as the callback URL of your app (developer \
         console › Authorization › OAuth 2.0 (3LO)), or set JIRA_MCP_REDIRECT_URI to the one registered"
    )]
    CallbackMismatch(String, String),
    #[error(
        "Atlassian did not accept the requested scopes ({0}). Add them to your app's permissions in the developer \
         console, or request fewer with `jira-mcp login --scopes …` (JIRA_MCP_SCOPES)"
    )]
    InvalidScope(String),
    #[error(
        "Atlassian sent you back without an authorization code. This is what happens to Jira Service Management \
         customers (portal-only, unlicensed accounts): they cannot authorize OAuth apps. Sign in with a licensed \
         Jira account (an agent or user), or use an API token (Cloud) or that account's personal access token \
         (Data Center: `jira-mcp login --pat`) instead"
    )]
    NoCode,
    #[error("Atlassian refused the sign-in: {0} {1}")]
    Refused(String, String),
    #[error(
        "the pasted URL does not belong to this sign-in (state mismatch); paste the URL of the page you were sent to after consenting"
    )]
    StateMismatch,
    #[error("{0}")]
    Token(#[from] TokenError),
    #[error("signed in, but {0}")]
    Sites(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Input(String),
}

impl LoginParams {
    pub fn command(&self) -> String {
        login_command(&self.config.profile)
    }
}

pub fn login_command(profile: &str) -> String {
    if profile == "default" {
        "jira-mcp login".to_string()
    } else {
        format!("jira-mcp login --profile {profile}")
    }
}

fn classify(error: &str, description: &str, params: &LoginParams) -> LoginError {
    let d = description.to_ascii_lowercase();
    match error {
        "access_denied" => LoginError::Denied(format!("{error}: {description}"), params.command()),
        "invalid_scope" => LoginError::InvalidScope(format!("{error}: {description}")),
        "unauthorized_client" | "invalid_request" if d.contains("redirect") || d.contains("callback") => {
            LoginError::CallbackMismatch(format!("{error}: {description}"), params.app.redirect_uri.to_string())
        }
        _ => LoginError::Refused(error.to_string(), description.to_string()),
    }
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("jira-mcp/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("TLS backend initialises")
}

/// From the redirect to saved tokens and a chosen site.
async fn finish(params: &LoginParams, redirect: Redirect, verifier: Option<&Secret>) -> Result<Summary, LoginError> {
    let code = match redirect {
        Redirect::Code(c) => c,
        Redirect::Error { error, description } => return Err(classify(&error, &description, params)),
        Redirect::Empty => return Err(LoginError::NoCode),
    };
    let http = http_client();
    let tokens = params.app.exchange_code(&http, &code, verifier, &params.scopes).await?;
    if tokens.refresh_token.is_none() {
        tracing::warn!("no refresh token was granted (offline_access missing): you will need to sign in again hourly");
    }
    // Save first: the tokens are good even if choosing a site needs another step.
    params.store.save(&tokens)?;
    if params.app.flavor == Flavor::DataCenter {
        return finish_data_center(params, &http, &tokens).await;
    }
    let list = sites::fetch(&http, &params.config.resources_url, tokens.access_token.expose())
        .await
        .map_err(LoginError::Sites)?;
    let chosen = match sites::choose_site(&list, params.site.as_deref()) {
        Ok(s) => s.clone(),
        Err(msg) => {
            let picked = match (&params.chooser, params.site.is_none() && list.len() > 1) {
                (Some(choose), true) => {
                    let (choose, l) = (choose.clone(), list.clone());
                    tokio::task::spawn_blocking(move || choose(&l)).await.ok().flatten()
                }
                _ => None,
            };
            match picked.and_then(|i| list.get(i)) {
                Some(s) => s.clone(),
                None => return Err(LoginError::Sites(msg)),
            }
        }
    };
    let mut state = params.config.load_state();
    state.account = account(&http, &params.config, &chosen.id, tokens.access_token.expose()).await;
    state.cloud_id = Some(chosen.id.clone());
    state.site_url = Some(chosen.url.trim_end_matches('/').to_string());
    state.site_name = Some(chosen.name.clone());
    params.config.save_state(&state).map_err(|e| {
        LoginError::Store(StoreError::Write {
            path: params.config.state_file(),
            message: e.to_string(),
        })
    })?;
    Ok(Summary {
        account: state.account.clone(),
        site_name: chosen.name.clone(),
        site_url: chosen.url.trim_end_matches('/').to_string(),
        cloud_id: chosen.id.clone(),
        scopes: tokens.scopes.clone(),
        expires_at: tokens.expires_at,
        refreshable: tokens.refresh_token.is_some(),
    })
}

/// A Data Center is one site: no site list to choose from; the account comes from its
/// `/rest/api/2/myself` (by user name).
async fn finish_data_center(
    params: &LoginParams,
    http: &reqwest::Client,
    tokens: &super::store::TokenSet,
) -> Result<Summary, LoginError> {
    let site = params
        .site
        .clone()
        .ok_or_else(|| LoginError::Sites("JIRA_MCP_SITE (the Data Center base URL) is not set".into()))?;
    let base = params
        .config
        .api_base
        .clone()
        .filter(|b| !b.contains("{cloudId}"))
        .unwrap_or_else(|| site.clone());
    let myself = format!("{}/rest/api/2/myself", base.trim_end_matches('/'));
    let account = account_at(http, &myself, tokens.access_token.expose(), "name").await;
    let mut state = params.config.load_state();
    state.account = account;
    state.site_url = Some(site.clone());
    params.config.save_state(&state).map_err(|e| {
        LoginError::Store(StoreError::Write {
            path: params.config.state_file(),
            message: e.to_string(),
        })
    })?;
    Ok(Summary {
        account: state.account.clone(),
        site_name: site.clone(),
        site_url: site,
        cloud_id: String::new(),
        scopes: tokens.scopes.clone(),
        expires_at: tokens.expires_at,
        refreshable: tokens.refresh_token.is_some(),
    })
}

/// `Display Name (account id)` of the signed-in user, through Jira's `/myself` on the chosen
/// site; `None` when the grant does not allow it (the sign-in still counts).
async fn account(http: &reqwest::Client, config: &Config, cloud_id: &str, token: &str) -> Option<String> {
    let template = config
        .api_base
        .clone()
        .unwrap_or_else(|| format!("{}/{{cloudId}}", crate::config::DEFAULT_GATEWAY));
    let url = format!(
        "{}/rest/api/3/myself",
        template.replace("{cloudId}", cloud_id).trim_end_matches('/')
    );
    account_at(http, &url, token, "accountId").await
}

/// `Display Name (id)` from a `/myself` answer, `id_key` naming the id (`accountId` on Cloud,
/// `name` on Data Center); `None` when the grant does not allow it (the sign-in still counts).
async fn account_at(http: &reqwest::Client, myself_url: &str, token: &str, id_key: &str) -> Option<String> {
    let resp = http
        .get(myself_url)
        .bearer_auth(token)
        .header("Accept", "application/json")
        .send()
        .await
        .ok()?;
    if !resp.status().is_success() {
        return None;
    }
    let me: serde_json::Value = resp.json().await.ok()?;
    let name = me.get("displayName")?.as_str()?;
    let id = me.get(id_key)?.as_str()?;
    Some(format!("{name} ({id})"))
}

type Outcome = Option<Result<Summary, Arc<LoginError>>>;

/// A login in progress: its consent URL and, eventually, its outcome.
pub struct PendingLogin {
    pub url: Url,
    result: watch::Receiver<Outcome>,
}

impl PendingLogin {
    /// Binds the callback listener and waits for the redirect in the background.
    pub async fn start(params: LoginParams) -> Result<Arc<PendingLogin>, LoginError> {
        let state = CsrfToken::new_random().secret().clone();
        let auth = params.app.authorize(&params.scopes, &state);
        let (url, verifier) = (auth.url, auth.verifier);
        let mut listener = Listener::bind(&params.app.redirect_uri, state).await?;
        let (tx, rx) = watch::channel(None);
        let shown = url.to_string();
        tokio::spawn(async move {
            let outcome = match tokio::time::timeout(params.timeout, listener.next()).await {
                Ok(Some(redirect)) => finish(&params, redirect, verifier.as_ref()).await,
                Ok(None) => Err(LoginError::Input("the sign-in listener stopped".into())),
                Err(_) => Err(LoginError::Timeout {
                    secs: params.timeout.as_secs(),
                    url: shown,
                    command: params.command(),
                    redirect: params.app.redirect_uri.to_string(),
                }),
            };
            drop(listener);
            match &outcome {
                Ok(s) => tracing::info!(site = %s.site_url, "signed in"),
                Err(e) => tracing::warn!(error = %e, "sign-in failed"),
            }
            let _ = tx.send(Some(outcome.map_err(Arc::new)));
        });
        Ok(Arc::new(PendingLogin { url, result: rx }))
    }

    pub fn is_finished(&self) -> bool {
        self.result.borrow().is_some()
    }

    /// Waits for the outcome.
    pub async fn wait(&self) -> Result<Summary, Arc<LoginError>> {
        let mut rx = self.result.clone();
        let outcome = rx.wait_for(Option::is_some).await.map(|v| v.clone());
        match outcome {
            Ok(Some(r)) => r,
            _ => Err(Arc::new(LoginError::Input("the sign-in was abandoned".into()))),
        }
    }
}

/// What the user pasted after consenting: the address of the page they landed on (its `state`
/// must be this sign-in's), or the bare code. Anything else (a sentence, a half-copied
/// address) is refused here, with what to paste, rather than sent to the token endpoint.
fn read_pasted(pasted: &str, state: &str) -> Result<Redirect, LoginError> {
    if let Ok(u) = Url::parse(pasted)
        && matches!(u.scheme(), "http" | "https")
    {
        let q: std::collections::HashMap<String, String> = u.query_pairs().into_owned().collect();
        if q.get("state").map(String::as_str) != Some(state) {
            return Err(LoginError::StateMismatch);
        }
        return Ok(match (q.get("code"), q.get("error")) {
            (Some(c), _) if !c.is_empty() => Redirect::Code(c.clone()),
            (_, Some(e)) => Redirect::Error {
                error: e.clone(),
                description: q.get("error_description").cloned().unwrap_or_default(),
            },
            _ => Redirect::Empty,
        });
    }
    // Authorization codes are long tokens of URL-safe characters.
    let code_like = pasted.len() >= 16
        && pasted.len() <= 4096
        && pasted
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'));
    if code_like {
        return Ok(Redirect::Code(pasted.to_string()));
    }
    Err(LoginError::Input(
        "that is not the address of the page you landed on: copy the whole address from the browser's address \
         bar (it starts with your redirect URI, e.g. http://localhost:8765/callback?code=…), or just the code"
            .into(),
    ))
}

/// `--no-browser`: print the URL, read the redirect URL (or the bare code) the user pastes.
pub async fn login_pasted(
    params: LoginParams,
    read_line: impl FnOnce() -> std::io::Result<String> + Send + 'static,
) -> Result<Summary, LoginError> {
    let state = CsrfToken::new_random().secret().clone();
    let auth = params.app.authorize(&params.scopes, &state);
    let (url, verifier) = (auth.url, auth.verifier);
    eprintln!("Open this URL in a browser, approve access, then paste the address of the page you land on:\n\n{url}\n");
    eprint!("Redirect URL (or code): ");
    let line = tokio::task::spawn_blocking(read_line)
        .await
        .map_err(|e| LoginError::Input(e.to_string()))?
        .map_err(|e| LoginError::Input(format!("could not read the pasted URL: {e}")))?;
    let pasted = line.trim();
    if pasted.is_empty() {
        return Err(LoginError::Input("nothing was pasted".into()));
    }
    let redirect = read_pasted(pasted, &state)?;
    finish(&params, redirect, verifier.as_ref()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_text_is_the_landing_address_or_a_code_else_refused() {
        let ok = read_pasted("http://localhost:8765/callback?code=abc123&state=s1", "s1").unwrap();
        assert!(matches!(ok, Redirect::Code(c) if c == "abc123"));
        assert!(matches!(
            read_pasted("http://localhost:8765/callback?code=abc&state=other", "s1"),
            Err(LoginError::StateMismatch)
        ));
        let code = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        assert!(matches!(read_pasted(code, "s1").unwrap(), Redirect::Code(c) if c == code));
        for junk in [
            "yes",
            "I clicked accept",
            "localhost:8765/callback?code=",
            "javascript:alert(1)",
        ] {
            let e = read_pasted(junk, "s1").unwrap_err();
            assert!(e.to_string().contains("address bar"), "{junk}: {e}");
        }
    }
}
