//! One server for a whole team (`serve --transport http --multi-user`), per the MCP
//! authorization spec.
//!
//! The server is an OAuth 2.1 protected resource and its own authorization server for MCP
//! clients (`grant.rs`): a client that connects without a token gets 401 with
//! `WWW-Authenticate` pointing at the resource metadata; it registers itself, sends the user
//! to `/authorize` (PKCE S256 only), and the user signs in with Atlassian through the server's
//! own callback. The client then holds the server's own short-lived access token and a
//! rotating refresh token, bound to this resource. Atlassian's tokens never leave the server,
//! sealed at rest (`seal.rs`); a client's token is never sent to Atlassian.
//!
//! Every tool call runs as the user its token belongs to: [`Remote::authenticate`] puts a
//! [`Caller`] on the request, and the server asks [`Remote`] (as [`crate::server::Users`])
//! for that user's own Jira client (`users.rs`). A session belongs to the user who opened it.
//! The store (`store.rs`) is SQLite in one file by default, or PostgreSQL for replicas.

mod cimd;
mod grant;
mod seal;
mod store;
mod users;

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use futures::future::BoxFuture;
use http::{HeaderValue, StatusCode, header};
use sha2::{Digest, Sha256};
use url::Url;

pub use seal::KeyRing;
pub use store::{Backend, Store, StoreError, UserLine};

use crate::{
    auth::oauth::OAuthApp,
    config::{AuthConfig, Config, Flavor},
    jira::JiraClient,
};

/// Settings of the multi-user server.
#[derive(Clone)]
pub struct RemoteSettings {
    /// The URL clients reach the server at (`JIRA_MCP_PUBLIC_URL`), without a trailing `/`.
    pub public_url: Url,
    /// `JIRA_MCP_STORE_URL`: `postgres://…` or `sqlite://…`.
    pub store_url: String,
    /// The store keys, newest first (`JIRA_MCP_STORE_KEY` or `JIRA_MCP_STORE_KEY_FILE`).
    pub keys: String,
    /// Client ID metadata documents may be on private addresses (`JIRA_MCP_CIMD_ALLOW_PRIVATE`).
    pub cimd_private: bool,
}

impl std::fmt::Debug for RemoteSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSettings")
            .field("public_url", &self.public_url.as_str())
            .field("store_url", &crate::redact::url(&self.store_url))
            .field("keys", &"[redacted]")
            .field("cimd_private", &self.cimd_private)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the store keys: {0}")]
    Keys(#[from] seal::SealError),
}

impl RemoteSettings {
    /// Reads the settings; `listen` is the address served, for a default public URL on
    /// loopback.
    pub fn from_env(
        config: &Config,
        listen: std::net::SocketAddr,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<RemoteSettings, RemoteError> {
        // The variable, else the profile's setting in config.toml.
        let from_file = |k: &str| match k {
            "JIRA_MCP_PUBLIC_URL" => config.multi_user_file.public_url.clone(),
            "JIRA_MCP_STORE_URL" => config.multi_user_file.store_url.clone(),
            "JIRA_MCP_STORE_KEY_FILE" => config.multi_user_file.store_key_file.clone(),
            _ => None,
        };
        let env = |k: &str| env(k).or_else(|| from_file(k)).filter(|v| !v.trim().is_empty());
        let public = match env("JIRA_MCP_PUBLIC_URL") {
            Some(u) => u,
            None if listen.ip().is_loopback() => format!("http://{listen}"),
            None => {
                return Err(RemoteError::Setup(
                    "--multi-user on a network address needs JIRA_MCP_PUBLIC_URL: the https:// URL clients reach this \
                     server at (behind the reverse proxy that terminates TLS); it goes into the OAuth metadata and the \
                     Atlassian callback"
                        .into(),
                ));
            }
        };
        let public_url = Url::parse(public.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| RemoteError::Setup(format!("JIRA_MCP_PUBLIC_URL is not an http(s) URL: {public}")))?;
        let loopback = matches!(public_url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if public_url.scheme() != "https" && !loopback {
            return Err(RemoteError::Setup(format!(
                "JIRA_MCP_PUBLIC_URL must be https:// off this machine (tokens and codes travel through it): {public}"
            )));
        }
        let store_url = Self::store_url(config, &env);
        let keys = match (env("JIRA_MCP_STORE_KEY"), env("JIRA_MCP_STORE_KEY_FILE")) {
            (Some(k), _) => k,
            (None, Some(path)) => std::fs::read_to_string(&path)
                .map_err(|e| RemoteError::Setup(format!("cannot read JIRA_MCP_STORE_KEY_FILE {path}: {e}")))?,
            (None, None) if store_url.starts_with("sqlite:") => embedded_key(config)?,
            (None, None) => {
                return Err(RemoteError::Setup(
                    "a shared store needs a key that every replica has: set JIRA_MCP_STORE_KEY (32 random bytes in \
                     base64, e.g. `openssl rand -base64 32`) or JIRA_MCP_STORE_KEY_FILE"
                        .into(),
                ));
            }
        };
        let cimd_private = matches!(
            env("JIRA_MCP_CIMD_ALLOW_PRIVATE").as_deref().map(str::trim),
            Some("1" | "true" | "yes")
        );
        Ok(RemoteSettings {
            public_url,
            store_url,
            keys,
            cimd_private,
        })
    }
}

impl RemoteSettings {
    /// `JIRA_MCP_STORE_URL`, or the embedded store in the profile's data folder.
    pub fn store_url(config: &Config, env: &dyn Fn(&str) -> Option<String>) -> String {
        env("JIRA_MCP_STORE_URL")
            .or_else(|| config.multi_user_file.store_url.clone())
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| format!("sqlite://{}", config.data_dir.join("multi-user.db").display()))
    }
}

/// The embedded store's key: `store.key` beside it, made (0600) on first use.
fn embedded_key(config: &Config) -> Result<String, RemoteError> {
    let path = config.data_dir.join("store.key");
    match std::fs::read_to_string(&path) {
        Ok(k) => Ok(k),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = KeyRing::generate();
            crate::fsutil::write_atomic(&path, format!("{key}\n").as_bytes(), 0o600)
                .map_err(|e| RemoteError::Setup(format!("cannot write the store key {}: {e}", path.display())))?;
            tracing::info!(path = %path.display(), "made a new store key");
            Ok(key)
        }
        Err(e) => Err(RemoteError::Setup(format!(
            "cannot read the store key {}: {e}",
            path.display()
        ))),
    }
}

/// The signed-in user a request comes from, put on the request by [`Remote::authenticate`].
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: String,
    pub client_id: String,
}

/// The multi-user server's state, shared by every request.
pub struct Remote {
    pub(crate) store: Store,
    keys: KeyRing,
    public: Url,
    /// This server as an OAuth resource: `{public}/mcp`.
    resource: String,
    /// The Atlassian app, with the server's own callback.
    app: OAuthApp,
    /// The Atlassian scopes users consent to.
    scopes: Vec<String>,
    config: Config,
    http: reqwest::Client,
    /// The connection pool every user's Jira client shares.
    jira_http: crate::http::Http,
    /// The Jira clients of the users calling now (the most recent [`users::MAX_CLIENTS`]).
    clients: std::sync::Mutex<crate::recent::Recent<Arc<JiraClient>>>,
    /// Who opened each MCP session: a session is used by its user only.
    sessions: std::sync::Mutex<crate::recent::Recent<String>>,
    /// Client ID metadata documents read recently.
    documents: cimd::Cache,
    /// Registrations in the current minute: (when it began, how many).
    registrations: std::sync::Mutex<(std::time::Instant, u32)>,
    cimd_private: bool,
}

/// Sessions whose owners are kept: live sessions are far fewer (256 per replica by default,
/// closed after 10 idle minutes), so an owner evicted here belongs to a session that is long
/// gone, and the map cannot grow without end.
const SESSION_OWNERS: usize = 65_536;

/// Access tokens live 15 minutes; refresh tokens 30 days, spent on use.
pub const ACCESS_TTL: u64 = 15 * 60;
pub const REFRESH_TTL: u64 = 30 * 24 * 3600;

impl Remote {
    pub async fn open(
        config: &Config,
        settings: RemoteSettings,
        scopes: Vec<String>,
    ) -> Result<Arc<Remote>, RemoteError> {
        if config.flavor == Flavor::DataCenter && config.site.is_none() {
            return Err(RemoteError::Setup(
                "--multi-user on Data Center signs users in at the site: set JIRA_MCP_SITE to its base URL".into(),
            ));
        }
        let AuthConfig::OAuth(oauth) = &config.auth else {
            return Err(RemoteError::Setup(
                "--multi-user signs each user in with OAuth: unset JIRA_MCP_ACCESS_TOKEN and JIRA_MCP_API_TOKEN, and \
                 set ATLASSIAN_CLIENT_ID and ATLASSIAN_CLIENT_SECRET"
                    .into(),
            ));
        };
        let mut app = oauth.app().ok_or_else(|| {
            RemoteError::Setup(
                "--multi-user needs the OAuth app users sign in with: set ATLASSIAN_CLIENT_ID and \
                 ATLASSIAN_CLIENT_SECRET"
                    .into(),
            )
        })?;
        let public = settings.public_url;
        let base = public.as_str().trim_end_matches('/').to_string();
        app.redirect_uri = Url::parse(&format!("{base}/oauth/callback"))
            .map_err(|e| RemoteError::Setup(format!("JIRA_MCP_PUBLIC_URL: {e}")))?;
        let keys = KeyRing::parse(&settings.keys)?;
        let store = Store::open(&settings.store_url).await?;
        tracing::info!(
            store = ?store.backend(),
            callback = %app.redirect_uri,
            "multi-user server: register this callback URL in the Atlassian app"
        );
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .user_agent(concat!("jira-mcp/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| RemoteError::Setup(format!("the HTTP client: {e}")))?;
        Ok(Arc::new(Remote {
            store,
            keys,
            resource: format!("{base}/mcp"),
            public,
            app,
            scopes,
            config: config.clone(),
            http,
            // Only its pool is used: each user's client brings its own credentials.
            jira_http: crate::http::Http::new(
                Arc::new(crate::auth::Misconfigured("no user".into())),
                config.retry.clone(),
                config.request_timeout,
            ),
            clients: std::sync::Mutex::new(crate::recent::Recent::new(users::MAX_CLIENTS)),
            sessions: std::sync::Mutex::new(crate::recent::Recent::new(SESSION_OWNERS)),
            documents: Default::default(),
            registrations: std::sync::Mutex::new((std::time::Instant::now(), 0)),
            cimd_private: settings.cimd_private,
        }))
    }

    /// The routes of the authorization server and the resource metadata.
    pub fn routes(self: &Arc<Self>) -> axum::Router {
        grant::routes(self.clone())
    }

    /// The Data Center site's base URL.
    fn data_center_site(&self) -> Option<String> {
        self.config
            .site
            .as_ref()
            .map(|s| s.as_str().trim_end_matches('/').to_string())
    }

    fn issuer(&self) -> String {
        self.public.as_str().trim_end_matches('/').to_string()
    }

    fn metadata_url(&self) -> String {
        format!("{}/.well-known/oauth-protected-resource/mcp", self.issuer())
    }

    /// The host clients reach us by, for the `Host` check.
    pub fn public_host(&self) -> Option<String> {
        self.public.host_str().map(str::to_string)
    }

    /// 401 with where to find how to get a token (RFC 9728 §5.1).
    fn unauthorized(&self, error: Option<&str>) -> Response {
        let mut value = format!("Bearer resource_metadata=\"{}\"", self.metadata_url());
        if let Some(e) = error {
            value.push_str(&format!(", error=\"{e}\""));
        }
        let mut r = (
            StatusCode::UNAUTHORIZED,
            "Unauthorized: sign in through your MCP client",
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&value) {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        r
    }

    /// Middleware of the MCP endpoints: a valid access token for this resource, or 401.
    pub async fn authenticate(State(remote): State<Arc<Remote>>, mut req: Request, next: Next) -> Response {
        let Some(token) = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return remote.unauthorized(None);
        };
        let grant = match remote.store.access(&sha256_hex(token.as_bytes())).await {
            Ok(Some(g)) => g,
            Ok(None) => return remote.unauthorized(Some("invalid_token")),
            Err(e) => {
                tracing::error!(error = %e, "the store failed while checking a token");
                return (StatusCode::SERVICE_UNAVAILABLE, "the server's store is unavailable").into_response();
            }
        };
        // A token minted for another resource (audience) is not ours to honour.
        if grant.resource != remote.resource {
            return remote.unauthorized(Some("invalid_token"));
        }
        let session = req
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if let Some(s) = &session {
            // Every session is opened through here, so one without a known owner was closed
            // for a revoked user (or is long gone): refused like another user's.
            let owner = remote
                .sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .peek(s)
                .cloned();
            if owner.is_none_or(|o| o != grant.user_id) {
                tracing::warn!(user = %short_id(&grant.user_id), "a token was used on another user's session");
                return (StatusCode::NOT_FOUND, "Session not found").into_response();
            }
        }
        let user = grant.user_id.clone();
        req.extensions_mut().insert(Caller {
            user_id: grant.user_id,
            client_id: grant.client_id,
        });
        let resp = next.run(req).await;
        if session.is_none()
            && let Some(id) = resp.headers().get("mcp-session-id").and_then(|v| v.to_str().ok())
        {
            remote
                .sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id.to_string(), user);
        }
        resp
    }

    /// Forgets what this replica keeps of a revoked user: their Jira client and sessions.
    fn forget(&self, user: &str) {
        self.clients.lock().unwrap_or_else(|p| p.into_inner()).remove(user);
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|owner| owner != user);
    }

    /// The Jira client of the user a request comes from.
    pub async fn client_of(self: &Arc<Self>, caller: &Caller) -> Result<Arc<JiraClient>, String> {
        if let Some(c) = self
            .clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&caller.user_id)
        {
            return Ok(c);
        }
        let user = self
            .store
            .user(&caller.user_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("your sign-in has ended; your MCP client will ask you to sign in again")?;
        let client = users::client_for(self, &user);
        self.clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(caller.user_id.clone(), client.clone());
        Ok(client)
    }
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("resource", &self.resource)
            .field("store", &self.store.backend())
            .finish_non_exhaustive()
    }
}

impl crate::server::Users for Arc<Remote> {
    fn client<'a>(&'a self, parts: Option<&'a http::request::Parts>) -> BoxFuture<'a, Result<Arc<JiraClient>, String>> {
        Box::pin(async move {
            let caller = parts
                .and_then(|p| p.extensions.get::<Caller>())
                .ok_or("this call carries no signed-in user")?;
            self.client_of(caller).await
        })
    }

    fn audit(&self, parts: Option<&http::request::Parts>, tool: &str, ok: bool, millis: u128) {
        let Some(caller) = parts.and_then(|p| p.extensions.get::<Caller>()) else {
            return;
        };
        tracing::info!(
            target: "jira_mcp::audit",
            user = %short_id(&caller.user_id),
            client = %caller.client_id,
            tool,
            outcome = if ok { "ok" } else { "error" },
            ms = millis as u64,
            "tool call"
        );
    }
}

pub(crate) fn sha256_hex(data: &[u8]) -> String {
    seal::hex(&Sha256::digest(data))
}

/// A user's id as logs show it: a hash prefix, so logs name no account.
pub fn short_id(user: &str) -> String {
    sha256_hex(user.as_bytes())[..12].to_string()
}

/// `N` random bytes from the operating system.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS generator does not fail on the platforms we run on; if it did, zeros would make
    // every token guessable, so stop instead.
    getrandom::fill(&mut b).expect("the operating system's random generator");
    b
}

/// A new token: `prefix` and 256 random bits (URL-safe base64).
pub(crate) fn new_token(prefix: &str) -> String {
    use base64::Engine;
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The settings come from the variables, else from the profile in `config.toml`.
    #[test]
    fn settings_from_the_environment_or_the_profile() {
        let home = tempfile::tempdir().unwrap();
        let key = KeyRing::generate();
        std::fs::write(home.path().join("keys"), format!("{key}\n")).unwrap();
        std::fs::write(
            home.path().join("config.toml"),
            format!(
                "[profiles.default]\npublic_url = \"https://mcp.example.com/\"\nstore_url = \"postgres://db/mcp\"\n\
                 store_key_file = \"{}\"\n",
                home.path().join("keys").display()
            ),
        )
        .unwrap();
        let home_str = home.path().display().to_string();
        let env = |k: &str| (k == "JIRA_MCP_HOME").then(|| home_str.clone());
        let config = Config::load(&crate::config::Overrides::default(), &env).unwrap();
        let listen = "0.0.0.0:8000".parse().unwrap();
        let s = RemoteSettings::from_env(&config, listen, &env).unwrap();
        assert_eq!(s.public_url.as_str(), "https://mcp.example.com/");
        assert_eq!(s.store_url, "postgres://db/mcp");
        assert!(s.keys.contains(&key));
        // A variable wins over the file.
        let env2 = |k: &str| match k {
            "JIRA_MCP_HOME" => Some(home_str.clone()),
            "JIRA_MCP_PUBLIC_URL" => Some("https://other.example.com".into()),
            _ => None,
        };
        let s = RemoteSettings::from_env(&config, listen, &env2).unwrap();
        assert_eq!(s.public_url.host_str(), Some("other.example.com"));
    }
}
