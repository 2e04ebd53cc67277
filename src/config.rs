//! Profiles: the config file plus environment variables, resolved once at start.
//!
//! A profile names one Jira site and how to authenticate to it. Values come, in order of
//! precedence, from command-line flags, `JIRA_MCP_*` environment variables, and the
//! `[profiles.<name>]` table of `config.toml`. What the server learns while running (the
//! cloud id behind a site URL) is kept in a per-profile state file under the data folder, never
//! written back into the user's hand-edited config.
//!
//! Layout: with `JIRA_MCP_HOME=/x` everything lives under `/x` (`/x/config.toml`,
//! `/x/profiles/<name>.json`, `/x/cache/`); otherwise the platform's config and data folders
//! from `directories`.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::Duration,
};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::auth::Secret;

/// The Atlassian endpoints used to discover sites; overridable for tests and proxies.
pub const DEFAULT_RESOURCES_URL: &str = "https://api.atlassian.com/oauth/token/accessible-resources";
pub const DEFAULT_GATEWAY: &str = "https://api.atlassian.com/ex/jira";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{name} is not a valid URL ({value}): {message}")]
    BadUrl {
        name: &'static str,
        value: String,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("no home directory: set JIRA_MCP_HOME to a folder for config and tokens")]
    NoHome,
}

/// One `[profiles.<name>]` table of `config.toml`. Every key mirrors an environment variable.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub site: Option<String>,
    pub api_base: Option<String>,
    pub access_token: Option<String>,
    pub email: Option<String>,
    pub api_token: Option<String>,
    /// A Cloud API token created with scopes: it works only through the API gateway.
    pub api_token_scoped: Option<bool>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub redirect_uri: Option<String>,
    pub scopes: Option<String>,
    pub toolsets: Option<String>,
    pub read_only: Option<bool>,
    pub resources_url: Option<String>,
    /// `file` (default) or `keyring`.
    pub token_store: Option<String>,
    /// `cloud` or `datacenter`; default from the site.
    pub flavor: Option<String>,
    /// `--multi-user`: the URL clients reach the server at.
    pub public_url: Option<String>,
    /// `--multi-user`: `postgres://…` or `sqlite://…`.
    pub store_url: Option<String>,
    /// `--multi-user`: a file with the store keys, newest first.
    pub store_key_file: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profiles: BTreeMap<String, ProfileFile>,
}

/// How this profile authenticates.
#[derive(Debug, Clone)]
pub enum AuthConfig {
    AccessToken(Secret),
    ApiToken {
        email: String,
        token: Secret,
    },
    /// OAuth 2.0 (3LO): sign in through the browser; tokens cached per profile.
    OAuth(Box<OAuthSettings>),
    /// The configuration cannot authenticate (e.g. an API token without its email): `serve`
    /// still starts, and every call answers with this problem and its fix.
    Invalid(String),
}

/// The OAuth app and endpoints of an OAuth profile.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub auth_url: Url,
    pub token_url: Url,
    pub redirect_uri: Url,
    /// `JIRA_MCP_SCOPES`; `None` means what the enabled toolsets need.
    pub scopes: Option<Vec<String>>,
    /// How long one tool call waits for a browser sign-in (`JIRA_MCP_LOGIN_WAIT_SECS`).
    pub call_wait: Duration,
    /// How long the callback listener waits in all (`JIRA_MCP_LOGIN_TIMEOUT_SECS`).
    pub login_timeout: Duration,
    /// Atlassian Cloud's 3LO, or a Data Center's OAuth 2.0 provider (with PKCE).
    pub flavor: Flavor,
}

impl OAuthSettings {
    /// The app, when both its id and secret are known (Atlassian's 3LO has no PKCE).
    pub fn app(&self) -> Option<crate::auth::oauth::OAuthApp> {
        Some(crate::auth::oauth::OAuthApp {
            client_id: self.client_id.clone()?,
            client_secret: self.client_secret.clone()?,
            auth_url: self.auth_url.clone(),
            token_url: self.token_url.clone(),
            redirect_uri: self.redirect_uri.clone(),
            flavor: self.flavor,
        })
    }
}

/// Splits a scope list given as `a b`, `a,b` or `a, b`.
pub fn parse_scopes(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in s.split([' ', ',', '\n', '\t']).map(str::trim).filter(|p| !p.is_empty()) {
        if !out.iter().any(|o| o == part) {
            out.push(part.to_string());
        }
    }
    out
}

/// Settings from the command line that override the environment and the file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub profile: Option<String>,
    pub toolsets: Option<String>,
    pub tools: Option<String>,
    pub read_only: bool,
    pub dynamic_toolsets: bool,
    /// `--site` (login).
    pub site: Option<String>,
    /// `--scopes` (login).
    pub scopes: Option<String>,
}

/// Which Jira a profile talks to. It decides the REST prefix (`/rest/api/3` or `/rest/api/2`),
/// the rich-text format (ADF or wiki markup), how users are named (account ids or user
/// names), how search pages, and which tools exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    Cloud,
    DataCenter,
}

impl Flavor {
    pub fn name(self) -> &'static str {
        match self {
            Flavor::Cloud => "Jira Cloud",
            Flavor::DataCenter => "Jira Data Center",
        }
    }

    /// Atlassian Cloud sites live under these domains; anything else is Data Center (or a
    /// proxy in front of it).
    pub fn of_site(site: &Url) -> Flavor {
        let host = site.host_str().map(str::to_ascii_lowercase).unwrap_or_default();
        // Not `atlassian.com`: `jira.atlassian.com` itself is a Data Center.
        let cloud = ["atlassian.net", "jira.com", "jira-dev.com"]
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")));
        if cloud { Flavor::Cloud } else { Flavor::DataCenter }
    }
}

/// Retry behaviour of the HTTP layer (see `http.rs`).
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The most one call waits between attempts in all: a `Retry-After` beyond what is left
    /// is answered at once with the time to wait, instead of holding the caller.
    pub wait_budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            wait_budget: Duration::from_secs(15),
        }
    }
}

/// The resolved configuration of the active profile.
#[derive(Debug, Clone)]
pub struct Config {
    pub profile: String,
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
    pub site: Option<Url>,
    /// REST base override; may contain `{cloudId}`, filled in after the site lookup.
    pub api_base: Option<String>,
    pub resources_url: Url,
    pub auth: AuthConfig,
    pub toolsets: Option<String>,
    pub tools: Option<String>,
    pub read_only: bool,
    /// `--dynamic-toolsets` / `JIRA_MCP_DYNAMIC_TOOLSETS`.
    pub dynamic_toolsets: bool,
    pub retry: RetryPolicy,
    pub request_timeout: Duration,
    /// `JIRA_MCP_CALL_TIMEOUT_SECS`: the most one tool call may take, all its requests,
    /// retries and waits included, and a sign-in it waits for (45 s by default) too.
    pub call_timeout: Duration,
    pub token_store: crate::auth::store::Backend,
    pub flavor: Flavor,
    pub ops: OpsSettings,
    /// `JIRA_MCP_API_TOKEN_SCOPED`: the API token is one of Atlassian's scoped tokens, which
    /// are refused by the site and must go through `api.atlassian.com/ex/jira/{cloudId}`.
    pub scoped_api_token: bool,
    /// `JIRA_MCP_CLOUD_ID`: the site's cloud id for API-token calls through
    /// `api.atlassian.com` (JSM Operations, scoped tokens); skips the tenant-info lookup.
    pub cloud_id: Option<String>,
    /// The multi-user server's settings from the profile (`public_url`, `store_url`,
    /// `store_key_file`); their variables take precedence (see `remote::RemoteSettings`).
    pub multi_user_file: MultiUserFile,
}

/// `--multi-user` settings of a profile in `config.toml`.
#[derive(Debug, Clone, Default)]
pub struct MultiUserFile {
    pub public_url: Option<String>,
    pub store_url: Option<String>,
    pub store_key_file: Option<String>,
}

/// Where JSM Operations is reached, and how its asynchronous actions are followed.
#[derive(Debug, Clone)]
pub struct OpsSettings {
    /// `JIRA_MCP_OPS_API_ROOT`: the host of the API-token base `{root}/jsm/ops/api/{cloudId}/v1`
    /// (OAuth calls go through the REST base instead).
    pub api_root: String,
    /// `JIRA_MCP_OPS_POLL_MS`: the first wait before reading an action's outcome; later waits
    /// double, and all of them together stay within [`OpsSettings::poll_budget`].
    pub poll: Duration,
}

impl OpsSettings {
    pub const DEFAULT_API_ROOT: &str = "https://api.atlassian.com";

    /// How long a tool follows an asynchronous action before answering "still processing":
    /// twenty first waits (5 s by default).
    pub fn poll_budget(&self) -> Duration {
        self.poll.saturating_mul(20)
    }
}

impl Config {
    /// Resolves the active profile from flags, an environment lookup and the config file.
    /// `env` is a function so tests can pass a map instead of mutating the process environment.
    pub fn load(overrides: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let env = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let (config_dir, data_dir) = match env("JIRA_MCP_HOME") {
            Some(home) => (PathBuf::from(&home), PathBuf::from(home)),
            None => {
                let dirs = directories::ProjectDirs::from("", "", "jira-mcp").ok_or(ConfigError::NoHome)?;
                (dirs.config_dir().to_path_buf(), dirs.data_local_dir().to_path_buf())
            }
        };
        let config_file = config_dir.join("config.toml");
        let profile = overrides
            .profile
            .clone()
            .or_else(|| env("JIRA_MCP_PROFILE"))
            .unwrap_or_else(|| "default".to_string());
        validate_profile_name(&profile)?;
        let file = read_config_file(&config_file)?
            .profiles
            .remove(&profile)
            .unwrap_or_default();

        let pick = |var: &str, from_file: &Option<String>| env(var).or_else(|| from_file.clone());
        let site = overrides
            .site
            .clone()
            .or_else(|| pick("JIRA_MCP_SITE", &file.site))
            .map(|s| parse_site(&s))
            .transpose()?;
        let api_base = pick("JIRA_MCP_API_BASE", &file.api_base)
            .map(|s| {
                let s = s.trim().trim_end_matches('/').to_string();
                parse_url("JIRA_MCP_API_BASE", &s.replace("{cloudId}", "cloud-id")).map(|_| s)
            })
            .transpose()?;
        let resources_url = parse_url(
            "JIRA_MCP_RESOURCES_URL",
            &pick("JIRA_MCP_RESOURCES_URL", &file.resources_url).unwrap_or_else(|| DEFAULT_RESOURCES_URL.into()),
        )?;
        let flavor = match pick("JIRA_MCP_FLAVOR", &file.flavor)
            .map(|f| f.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("cloud") => Flavor::Cloud,
            Some("datacenter" | "data-center" | "dc" | "server") => Flavor::DataCenter,
            Some(other) => {
                return Err(ConfigError::Invalid(format!(
                    "JIRA_MCP_FLAVOR is `{other}`; use `cloud` or `datacenter`"
                )));
            }
            None => site.as_ref().map_or(Flavor::Cloud, Flavor::of_site),
        };
        let auth = match (
            pick("JIRA_MCP_ACCESS_TOKEN", &file.access_token),
            pick("JIRA_MCP_EMAIL", &file.email),
            pick("JIRA_MCP_API_TOKEN", &file.api_token),
        ) {
            (Some(token), _, _) => AuthConfig::AccessToken(Secret::new(token.trim())),
            (None, Some(_), Some(_)) if site.is_none() && api_base.is_none() => AuthConfig::Invalid(
                "JIRA_MCP_EMAIL and JIRA_MCP_API_TOKEN need JIRA_MCP_SITE (e.g. https://acme.atlassian.net): API \
                 tokens are sent to the site itself"
                    .into(),
            ),
            (None, Some(email), Some(token)) => AuthConfig::ApiToken {
                email,
                token: Secret::new(token.trim()),
            },
            (None, Some(_), None) => AuthConfig::Invalid(
                "JIRA_MCP_EMAIL is set but JIRA_MCP_API_TOKEN is not: set the API token too (create one in your \
                 Atlassian account › Security › API tokens), or remove JIRA_MCP_EMAIL to sign in with OAuth"
                    .into(),
            ),
            (None, None, Some(_)) => AuthConfig::Invalid(
                "JIRA_MCP_API_TOKEN is set but JIRA_MCP_EMAIL is not: set the email of the Atlassian account the \
                 token belongs to"
                    .into(),
            ),
            (None, None, None) => {
                use crate::auth::oauth::{DEFAULT_AUTH_URL, DEFAULT_REDIRECT_URI, DEFAULT_TOKEN_URL};
                let url_of = |name: &'static str, from_file: &Option<String>, default: &str| {
                    parse_url(name, &pick(name, from_file).unwrap_or_else(|| default.to_string()))
                };
                // A Data Center site is its own OAuth 2.0 provider (an incoming application link).
                let dc_base = site
                    .as_ref()
                    .filter(|_| flavor == Flavor::DataCenter)
                    .map(|s| s.as_str().trim_end_matches('/').to_string());
                let (auth_default, token_default) = match &dc_base {
                    Some(base) => (
                        format!("{base}/rest/oauth2/latest/authorize"),
                        format!("{base}/rest/oauth2/latest/token"),
                    ),
                    None => (DEFAULT_AUTH_URL.to_string(), DEFAULT_TOKEN_URL.to_string()),
                };
                let secs = |name: &str, default: u64| {
                    Duration::from_secs(env(name).and_then(|v| v.parse().ok()).unwrap_or(default))
                };
                AuthConfig::OAuth(Box::new(OAuthSettings {
                    client_id: pick("ATLASSIAN_CLIENT_ID", &file.client_id),
                    client_secret: pick("ATLASSIAN_CLIENT_SECRET", &file.client_secret).map(|s| Secret::new(s.trim())),
                    auth_url: url_of("JIRA_MCP_AUTH_URL", &None, &auth_default)?,
                    token_url: url_of("JIRA_MCP_TOKEN_URL", &None, &token_default)?,
                    redirect_uri: url_of("JIRA_MCP_REDIRECT_URI", &file.redirect_uri, DEFAULT_REDIRECT_URI)?,
                    scopes: overrides
                        .scopes
                        .clone()
                        .or_else(|| pick("JIRA_MCP_SCOPES", &file.scopes))
                        .map(|s| parse_scopes(&s)),
                    call_wait: secs("JIRA_MCP_LOGIN_WAIT_SECS", 45),
                    login_timeout: secs("JIRA_MCP_LOGIN_TIMEOUT_SECS", 300),
                    flavor,
                }))
            }
        };
        let read_only = overrides.read_only
            || env("JIRA_MCP_READ_ONLY").is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes"))
            || file.read_only.unwrap_or(false);
        let dynamic_toolsets = overrides.dynamic_toolsets
            || env("JIRA_MCP_DYNAMIC_TOOLSETS").is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes"));
        let mut retry = RetryPolicy::default();
        if let Some(ms) = env("JIRA_MCP_RETRY_BASE_MS").and_then(|v| v.parse().ok()) {
            retry.base_delay = Duration::from_millis(ms);
        }
        if let Some(n) = env("JIRA_MCP_MAX_RETRIES").and_then(|v| v.parse().ok()) {
            retry.max_retries = n;
        }
        let token_store = match pick("JIRA_MCP_TOKEN_STORE", &file.token_store)
            .as_deref()
            .map(str::trim)
        {
            None | Some("file") => crate::auth::store::Backend::File,
            Some("keyring") if cfg!(feature = "keyring") => crate::auth::store::Backend::Keyring,
            Some("keyring") => {
                return Err(ConfigError::Invalid(
                    "JIRA_MCP_TOKEN_STORE=keyring needs a build with the keychain: \
                     cargo install --locked --path . --features keyring"
                        .into(),
                ));
            }
            Some(other) => {
                return Err(ConfigError::Invalid(format!(
                    "JIRA_MCP_TOKEN_STORE is `{other}`; use `file` or `keyring`"
                )));
            }
        };
        let request_timeout = env("JIRA_MCP_TIMEOUT_SECS")
            .and_then(|v| v.parse().ok())
            .map_or(Duration::from_secs(30), Duration::from_secs);
        let ops = OpsSettings {
            api_root: match env("JIRA_MCP_OPS_API_ROOT") {
                Some(root) => parse_url("JIRA_MCP_OPS_API_ROOT", &root)?
                    .as_str()
                    .trim_end_matches('/')
                    .to_string(),
                None => OpsSettings::DEFAULT_API_ROOT.to_string(),
            },
            poll: Duration::from_millis(
                env("JIRA_MCP_OPS_POLL_MS")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(250u64)
                    .clamp(1, 5_000),
            ),
        };
        let scoped_api_token = env("JIRA_MCP_API_TOKEN_SCOPED")
            .map(|v| matches!(v.trim(), "1" | "true" | "yes"))
            .or(file.api_token_scoped)
            .unwrap_or(false);
        let call_timeout = env("JIRA_MCP_CALL_TIMEOUT_SECS")
            .and_then(|v| v.parse().ok())
            .map_or(Duration::from_secs(110), |s: u64| Duration::from_secs(s.max(1)));
        Ok(Config {
            profile,
            config_file,
            data_dir,
            site,
            api_base,
            resources_url,
            auth,
            toolsets: overrides
                .toolsets
                .clone()
                .or_else(|| env("JIRA_MCP_TOOLSETS"))
                .or(file.toolsets),
            tools: overrides.tools.clone(),
            read_only,
            dynamic_toolsets,
            retry,
            request_timeout,
            call_timeout,
            token_store,
            flavor,
            ops,
            scoped_api_token,
            cloud_id: env("JIRA_MCP_CLOUD_ID")
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty()),
            multi_user_file: MultiUserFile {
                public_url: file.public_url.clone(),
                store_url: file.store_url.clone(),
                store_key_file: file.store_key_file.clone(),
            },
        })
    }

    /// Resolves from the real process environment.
    pub fn from_env(overrides: &Overrides) -> Result<Config, ConfigError> {
        Config::load(overrides, &|k| std::env::var(k).ok())
    }

    /// The configuration `serve` runs with: the resolved one, or — when it cannot be resolved
    /// (a bad URL, a broken config file, an API token without its email) — one that lists the
    /// tools and answers every call with the problem. An MCP client whose server exits at
    /// start shows only "connection closed"; this way the model and the user read the fix.
    /// The second value is the problem, if any.
    pub fn for_serving(overrides: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> (Config, Option<String>) {
        let problem = match Config::load(overrides, env) {
            Ok(c) => {
                let problem = match &c.auth {
                    AuthConfig::Invalid(p) => Some(p.clone()),
                    _ => None,
                };
                return (c, problem);
            }
            Err(e) => e.to_string(),
        };
        // What is left when only the folders and the tool selection are read; a home that is
        // itself the problem gives way to a temporary one.
        const KEPT: &[&str] = &[
            "JIRA_MCP_HOME",
            "JIRA_MCP_TOOLSETS",
            "JIRA_MCP_READ_ONLY",
            "JIRA_MCP_DYNAMIC_TOOLSETS",
        ];
        let narrowed = Overrides {
            profile: None,
            site: None,
            scopes: None,
            ..overrides.clone()
        };
        let kept = |k: &str| if KEPT.contains(&k) { env(k) } else { None };
        let fallback = Config::load(&narrowed, &kept).or_else(|_| {
            let home = std::env::temp_dir().join("jira-mcp-unconfigured");
            let home = home.display().to_string();
            Config::load(&narrowed, &|k| match k {
                "JIRA_MCP_HOME" => Some(home.clone()),
                _ => kept(k),
            })
        });
        match fallback {
            Ok(mut c) => {
                c.auth = AuthConfig::Invalid(problem.clone());
                (c, Some(problem))
            }
            // Unreachable in practice (the last attempt reads nothing but a temporary folder).
            Err(e) => panic!("jira-mcp cannot build even an empty configuration: {e}"),
        }
    }

    /// The per-profile state file (cloud id, site) the server maintains.
    pub fn state_file(&self) -> PathBuf {
        self.data_dir.join("profiles").join(format!("{}.json", self.profile))
    }

    /// The per-profile metadata cache folder (field list).
    pub fn cache_dir(&self) -> PathBuf {
        self.data_dir.join("cache").join(&self.profile)
    }

    pub fn load_state(&self) -> ProfileState {
        std::fs::read(self.state_file())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn save_state(&self, state: &ProfileState) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
        crate::fsutil::write_atomic(&self.state_file(), &bytes, 0o600)
    }
}

/// What the server learned about a profile's site (no secrets).
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProfileState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_id: Option<String>,
    /// The signed-in Atlassian account (display name and account id), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

fn validate_profile_name(name: &str) -> Result<(), ConfigError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Invalid(format!(
            "profile name `{name}` is not valid: use letters, digits, `-`, `_` or `.` (at most 64)"
        )))
    }
}

/// A parse error without the file's text: TOML's own rendering quotes the offending line,
/// which may hold a token. The line number and the message stay; quoted values go.
fn parse_message(text: &str, e: &toml::de::Error) -> String {
    let line = e
        .span()
        .map(|s| text.get(..s.start).map_or(0, |t| t.matches('\n').count()) + 1);
    let msg = crate::redact::quoted_values(e.message());
    let msg = msg.trim().trim_end_matches('.');
    match line {
        Some(n) => format!("line {n}: {msg}"),
        None => msg.to_string(),
    }
}

fn read_config_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.into(),
            message: parse_message(&text, &e),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(e) => Err(ConfigError::Read {
            path: path.into(),
            message: e.to_string(),
        }),
    }
}

fn parse_url(name: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value.trim()).map_err(|e| ConfigError::BadUrl {
        name,
        value: value.to_string(),
        message: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::BadUrl {
            name,
            value: value.into(),
            message: "use an http(s) URL".into(),
        });
    }
    Ok(url)
}

/// `acme`, `acme.atlassian.net` and `https://acme.atlassian.net/` all mean the same site.
fn parse_site(value: &str) -> Result<Url, ConfigError> {
    let v = value.trim().trim_end_matches('/');
    let full = if v.contains("://") {
        v.to_string()
    } else if v.contains('.') {
        format!("https://{v}")
    } else {
        format!("https://{v}.atlassian.net")
    };
    parse_url("JIRA_MCP_SITE", &full)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = std::env::temp_dir().join("jira-mcp-config-test-none");
        let mut map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        map.entry("JIRA_MCP_HOME".into()).or_insert(dir.display().to_string());
        Config::load(&Overrides::default(), &|k| map.get(k).cloned())
    }

    #[test]
    fn site_shorthands_expand() {
        let c = load(&[("JIRA_MCP_SITE", "acme")]).unwrap();
        assert_eq!(c.site.unwrap().as_str(), "https://acme.atlassian.net/");
        let c = load(&[("JIRA_MCP_SITE", "acme.atlassian.net/")]).unwrap();
        assert_eq!(c.site.unwrap().as_str(), "https://acme.atlassian.net/");
    }

    fn problem(c: Config) -> String {
        match c.auth {
            AuthConfig::Invalid(p) => p,
            other => panic!("expected a configuration problem, got {other:?}"),
        }
    }

    #[test]
    fn api_token_needs_email_and_site() {
        assert!(problem(load(&[("JIRA_MCP_API_TOKEN", "x")]).unwrap()).contains("JIRA_MCP_EMAIL is not"));
        let no_site = problem(load(&[("JIRA_MCP_API_TOKEN", "x"), ("JIRA_MCP_EMAIL", "a@b.c")]).unwrap());
        assert!(no_site.contains("need JIRA_MCP_SITE"), "{no_site}");
        let c = load(&[
            ("JIRA_MCP_API_TOKEN", "x"),
            ("JIRA_MCP_EMAIL", "a@b.c"),
            ("JIRA_MCP_SITE", "acme"),
        ])
        .unwrap();
        assert!(matches!(c.auth, AuthConfig::ApiToken { .. }));
    }

    /// `serve` gets a configuration whatever is wrong, and the problem never quotes a secret
    /// from a broken config file.
    #[test]
    fn serving_survives_any_configuration_problem() {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(
            home.path().join("config.toml"),
            "[profiles.default]\napi_token = \"s3cr3t-token-value\"\nread_only = \"s3cr3t-too\"\n",
        )
        .unwrap();
        let vars: HashMap<String, String> = [
            ("JIRA_MCP_HOME".to_string(), home.path().display().to_string()),
            ("JIRA_MCP_TOOLSETS".to_string(), "jsm".to_string()),
        ]
        .into_iter()
        .collect();
        let (c, problem) = Config::for_serving(&Overrides::default(), &|k| vars.get(k).cloned());
        let problem = problem.expect("a problem");
        assert!(problem.contains("config.toml is not valid: line 3"), "{problem}");
        assert!(!problem.contains("s3cr3t"), "{problem}");
        assert!(matches!(c.auth, AuthConfig::Invalid(_)));
        // The tool selection of the environment still applies.
        assert_eq!(c.toolsets.as_deref(), Some("jsm"));
        for bad in [
            ("JIRA_MCP_SITE", "https://"),
            ("JIRA_MCP_PROFILE", "../x"),
            ("JIRA_MCP_FLAVOR", "x"),
        ] {
            let vars: HashMap<&str, &str> = [bad].into_iter().collect();
            let (_, problem) = Config::for_serving(&Overrides::default(), &|k| vars.get(k).map(|v| v.to_string()));
            assert!(problem.is_some(), "{bad:?}");
        }
        let ok: HashMap<&str, &str> = [
            ("JIRA_MCP_HOME", home.path().to_str().unwrap()),
            ("JIRA_MCP_ACCESS_TOKEN", "t"),
        ]
        .into_iter()
        .collect();
        std::fs::remove_file(home.path().join("config.toml")).unwrap();
        let (c, problem) = Config::for_serving(&Overrides::default(), &|k| ok.get(k).map(|v| v.to_string()));
        assert!(problem.is_none() && matches!(c.auth, AuthConfig::AccessToken(_)));
    }

    #[test]
    fn token_store_choice_is_checked() {
        assert!(load(&[("JIRA_MCP_TOKEN_STORE", "vault")]).is_err());
        assert_eq!(
            load(&[("JIRA_MCP_TOKEN_STORE", "keyring")]).is_ok(),
            cfg!(feature = "keyring")
        );
    }

    #[test]
    fn flavor_follows_the_site_unless_set() {
        assert_eq!(load(&[("JIRA_MCP_SITE", "acme")]).unwrap().flavor, Flavor::Cloud);
        let dc = load(&[("JIRA_MCP_SITE", "https://jira.example.com")]).unwrap();
        assert_eq!(dc.flavor, Flavor::DataCenter);
        let forced = load(&[("JIRA_MCP_SITE", "acme"), ("JIRA_MCP_FLAVOR", "datacenter")]).unwrap();
        assert_eq!(forced.flavor, Flavor::DataCenter);
        assert_eq!(load(&[]).unwrap().flavor, Flavor::Cloud);
        assert!(load(&[("JIRA_MCP_FLAVOR", "mainframe")]).is_err());
    }

    #[test]
    fn bad_profile_names_are_rejected() {
        assert!(load(&[("JIRA_MCP_PROFILE", "../etc")]).is_err());
        assert!(load(&[("JIRA_MCP_PROFILE", "work-2")]).is_ok());
    }
}
