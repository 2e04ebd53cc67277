//! A typed client for Jira Cloud (REST v3) and Jira Data Center (REST v2).
//!
//! [`JiraClient`] knows request bodies and response shapes; it knows nothing of MCP. Every
//! request is built from an [`ops::Op`] (the only source of URLs: the flavor's prefix and the
//! encoding of path arguments happen there), and calls return typed [`models`] or
//! [`JiraError`]. Area modules add methods to the client (`issues.rs`, `search.rs`, …), in the
//! manner of octocrab's handlers; where Cloud and Data Center differ (search paging, how users
//! are named, rich-text format), the difference is inside the method, not in the tools.
//!
//! The REST base is resolved lazily, on the first call, and only once per process:
//! `JIRA_MCP_API_BASE` if set; the site URL itself for API-token (Basic) auth; otherwise the
//! Atlassian gateway `…/ex/jira/{cloudId}`, with the cloud id looked up through
//! `accessible-resources` and remembered in the profile's state file so that later processes
//! skip the lookup. Metadata that rarely changes is cached: the field list per profile, site-wide
//! lists (issue types, priorities, …) in memory for ten minutes.

pub mod agile;
pub mod attachments;
pub mod dashboards;
pub mod fields;
pub mod filters;
mod issues;
pub mod jsm_ops;
pub mod links;
pub mod metadata;
pub mod models;
pub mod ops;
pub mod projects;
pub mod search;
pub mod servicedesk;
mod users;
pub mod views;
pub mod worklogs;

pub use fields::{FieldIndex, FieldMeta};
pub use issues::{FieldValues, IssueInput};
pub use models::{Cursor, Page};
pub use ops::Op;

use std::sync::Arc;

use reqwest::Method;
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;
use url::Url;

use crate::{
    auth::{
        AuthKind,
        sites::{SiteInfo, choose_site, same_site},
    },
    config::{Config, DEFAULT_GATEWAY, Flavor},
    http::{ApiError, ApiRequest, ErrorKind, Http},
    richtext::RichText,
};

#[derive(Debug, thiserror::Error)]
pub enum JiraError {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The Jira site to use could not be determined.
    #[error("{0}")]
    Site(String),
    /// Input that only Jira's metadata can reject (unknown field, transition, user).
    #[error("{0}")]
    Input(String),
    /// A path argument that cannot be one URL segment.
    #[error(transparent)]
    Path(#[from] ops::PathError),
    /// The operation does not exist on this profile's flavor.
    #[error("{op} does not exist on {}", flavor.name())]
    Unsupported { op: String, flavor: Flavor },
    /// The call may not reach Jira (no usable credential, a scope the grant lacks); the
    /// message is the whole explanation.
    #[error("{message}")]
    Refused { kind: ErrorKind, message: String },
    /// A tool called an operation it did not declare (a bug: its scopes would be wrong).
    #[error("jira-mcp bug: {tool} called {op}, which it does not declare; please report it")]
    Undeclared { tool: &'static str, op: String },
}

impl JiraError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            JiraError::Api(e) => e.kind(),
            JiraError::Site(_) => ErrorKind::Config,
            JiraError::Input(_) | JiraError::Path(_) => ErrorKind::InvalidInput,
            JiraError::Unsupported { .. } => ErrorKind::Unsupported,
            JiraError::Refused { kind, .. } => *kind,
            JiraError::Undeclared { .. } => ErrorKind::Bug,
        }
    }
}

#[derive(Debug, Clone)]
struct Resolved {
    /// Parsed once: a call only sets the path, it does not parse the host again.
    api_base: Url,
    site_url: Option<String>,
}

impl Resolved {
    fn new(api_base: &str, site_url: Option<String>) -> Result<Resolved, JiraError> {
        let api_base = Url::parse(api_base)
            .map_err(|e| JiraError::Site(format!("the REST base {api_base} is not a valid URL: {e}")))?;
        Ok(Resolved { api_base, site_url })
    }
}

/// Answers at least this large are parsed off the runtime thread.
const OFF_THREAD_BYTES: usize = 256 << 10;

/// The typed Jira client. Cheap to share behind an `Arc`.
pub struct JiraClient {
    http: Http,
    config: Config,
    resolved: OnceCell<Resolved>,
    /// JSM Operations' base, which differs from the REST base under API-token auth.
    ops_base: OnceCell<Url>,
    fields: fields::FieldCache,
    metadata: metadata::MetadataCache,
    myself: OnceCell<String>,
    sent: ops::Recorder,
}

impl JiraClient {
    pub fn new(http: Http, config: Config) -> Arc<Self> {
        let fields = fields::FieldCache::new(config.cache_dir());
        Arc::new(JiraClient {
            http,
            config,
            resolved: OnceCell::new(),
            ops_base: OnceCell::new(),
            fields,
            metadata: metadata::MetadataCache::default(),
            myself: OnceCell::new(),
            sent: ops::Recorder::default(),
        })
    }

    pub fn flavor(&self) -> Flavor {
        self.config.flavor
    }

    /// How this flavor stores rich text.
    pub fn rich(&self) -> &'static dyn RichText {
        crate::richtext::of(self.config.flavor)
    }

    /// Every operation sent so far, with the tool that sent it (debug builds, as tests run).
    pub fn sent_operations(&self) -> Vec<ops::Sent> {
        self.sent.sent()
    }

    pub fn auth_kind(&self) -> AuthKind {
        self.http.auth_kind()
    }

    pub fn granted_scopes(&self) -> Option<Vec<String>> {
        self.http.granted_scopes()
    }

    /// Makes sure a credential is available (signing in through `ui` when needed).
    pub async fn prepare(&self, ui: &dyn crate::auth::LoginUi) -> Result<(), crate::auth::AuthError> {
        self.http.prepare(ui).await
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The site's browser URL (for `…/browse/KEY` links), once known.
    pub async fn site_url(&self) -> Option<String> {
        self.resolve().await.ok().and_then(|r| r.site_url.clone())
    }

    async fn resolve(&self) -> Result<&Resolved, JiraError> {
        self.resolved.get_or_try_init(|| self.resolve_uncached()).await
    }

    async fn resolve_uncached(&self) -> Result<Resolved, JiraError> {
        let cfg = &self.config;
        let site = cfg.site.as_ref().map(|u| u.as_str().trim_end_matches('/').to_string());
        let needs_cloud_id = cfg.api_base.as_deref().is_none_or(|b| b.contains("{cloudId}"));
        if !needs_cloud_id {
            return Resolved::new(cfg.api_base.as_deref().unwrap_or_default(), site);
        }
        if self.auth_kind() == AuthKind::ApiToken && cfg.scoped_api_token && cfg.flavor == Flavor::Cloud {
            // A scoped API token is refused by the site: Basic auth through the gateway.
            let cloud_id = self.cloud_id_for_basic().await?;
            let template = cfg
                .api_base
                .clone()
                .unwrap_or_else(|| format!("{DEFAULT_GATEWAY}/{{cloudId}}"));
            return Resolved::new(&template.replace("{cloudId}", &cloud_id), site);
        }
        if self.auth_kind() == AuthKind::ApiToken || cfg.flavor == Flavor::DataCenter {
            // Basic auth works only against the site itself; so does a Data Center token.
            let site = site.ok_or_else(|| JiraError::Site("JIRA_MCP_SITE is not set".into()))?;
            return Resolved::new(&site, Some(site.clone()));
        }
        let template = cfg
            .api_base
            .clone()
            .unwrap_or_else(|| format!("{DEFAULT_GATEWAY}/{{cloudId}}"));
        let mut state = cfg.load_state();
        let cached = match (&state.cloud_id, &state.site_url, &site) {
            (Some(id), Some(url), Some(wanted)) if same_site(url, wanted) => Some((id.clone(), url.clone())),
            (Some(id), Some(url), None) => Some((id.clone(), url.clone())),
            _ => None,
        };
        let (cloud_id, site_url) = match cached {
            Some(hit) => hit,
            None => {
                let sites = self.accessible_resources().await?;
                let chosen = choose_site(&sites, site.as_deref()).map_err(JiraError::Site)?;
                state.cloud_id = Some(chosen.id.clone());
                state.site_url = Some(chosen.url.trim_end_matches('/').to_string());
                state.site_name = Some(chosen.name.clone());
                if let Err(e) = cfg.save_state(&state) {
                    tracing::warn!(error = %e, "could not remember the cloud id in the profile state");
                }
                (chosen.id.clone(), chosen.url.trim_end_matches('/').to_string())
            }
        };
        Resolved::new(&template.replace("{cloudId}", &cloud_id), Some(site_url))
    }

    /// The base every JSM Operations path goes under. One function builds both forms, so
    /// neither is ever derived from the other by string replacement:
    /// - OAuth (and any bearer token): the REST base plus `/jsm/ops/api/v1`, i.e.
    ///   `https://api.atlassian.com/ex/jira/{cloudId}/jsm/ops/api/v1`;
    /// - API token (Basic): `{JIRA_MCP_OPS_API_ROOT}/jsm/ops/api/{cloudId}/v1`, with the
    ///   cloud id from `JIRA_MCP_CLOUD_ID`, the profile state, or the site's public
    ///   `/_edge/tenant_info`.
    async fn ops_base(&self) -> Result<&Url, JiraError> {
        self.ops_base.get_or_try_init(|| self.ops_base_uncached()).await
    }

    async fn ops_base_uncached(&self) -> Result<Url, JiraError> {
        let url = if self.auth_kind() == AuthKind::ApiToken {
            let cloud_id = self.cloud_id_for_basic().await?;
            format!("{}/jsm/ops/api/{cloud_id}/v1", self.config.ops.api_root)
        } else {
            let base = &self.resolve().await?.api_base;
            format!(
                "{}{}",
                base.as_str().trim_end_matches('/'),
                ops::Api::Ops.prefix(self.flavor())
            )
        };
        Url::parse(&url).map_err(|e| JiraError::Site(format!("the JSM Operations base {url} is not a valid URL: {e}")))
    }

    /// The site's cloud id for API-token calls through `api.atlassian.com`: checked to be an
    /// id, since it goes into the URL's path.
    async fn cloud_id_for_basic(&self) -> Result<String, JiraError> {
        let id = self.cloud_id_for_basic_unchecked().await?;
        if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(JiraError::Site(format!(
                "the cloud id `{}` is not a valid id",
                crate::adf::truncate_chars(&id, 80)
            )));
        }
        Ok(id)
    }

    async fn cloud_id_for_basic_unchecked(&self) -> Result<String, JiraError> {
        let cfg = &self.config;
        if let Some(id) = &cfg.cloud_id {
            return Ok(id.clone());
        }
        let site = cfg.site.as_ref().ok_or_else(|| {
            JiraError::Site("an API token through api.atlassian.com needs JIRA_MCP_SITE or JIRA_MCP_CLOUD_ID".into())
        })?;
        let site_str = site.as_str().trim_end_matches('/').to_string();
        let mut state = cfg.load_state();
        if let (Some(id), Some(url)) = (&state.cloud_id, &state.site_url)
            && same_site(url, &site_str)
        {
            return Ok(id.clone());
        }
        let url = site
            .join("_edge/tenant_info")
            .map_err(|e| JiraError::Site(format!("cannot build the tenant info URL: {e}")))?;
        let v = self.http.json(ApiRequest::new(Method::GET, url)).await?;
        let id = v
            .get("cloudId")
            .and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                JiraError::Site(format!(
                    "{site_str}/_edge/tenant_info did not name a cloud id; set JIRA_MCP_CLOUD_ID"
                ))
            })?
            .to_string();
        state.cloud_id = Some(id.clone());
        state.site_url = Some(site_str);
        if let Err(e) = cfg.save_state(&state) {
            tracing::warn!(error = %e, "could not remember the cloud id in the profile state");
        }
        Ok(id)
    }

    /// Lists the sites the current OAuth token can reach.
    pub async fn accessible_resources(&self) -> Result<Vec<SiteInfo>, JiraError> {
        let req = ApiRequest::new(Method::GET, self.config.resources_url.clone());
        let v = self.http.json(req).await?;
        serde_json::from_value(v).map_err(|e| JiraError::Api(ApiError::decode("accessible-resources".into(), e)))
    }

    /// The request for `op` with `args` in its path placeholders: refused when the running
    /// tool did not declare `op` or the flavor does not have it.
    async fn request(&self, op: Op, args: &[&str]) -> Result<ApiRequest, JiraError> {
        if let Err(tool) = ops::check(&op) {
            return Err(JiraError::Undeclared {
                tool,
                op: op.id(self.flavor()),
            });
        }
        ops::pass_gate().await?;
        if !op.on.includes(self.flavor()) {
            return Err(JiraError::Unsupported {
                op: op.canonical_id(),
                flavor: self.flavor(),
            });
        }
        let (base, path) = if op.api == ops::Api::Ops {
            (self.ops_base().await?, op.fill(args, String::new())?)
        } else {
            (&self.resolve().await?.api_base, op.path_on(self.flavor(), args)?)
        };
        let mut url = base.clone();
        url.set_path(&format!("{}{path}", base.path().trim_end_matches('/')));
        // What tests read back; a release build has no use for the log.
        if cfg!(debug_assertions) {
            self.sent.record(op);
        }
        Ok(ApiRequest::new(op.method.to_reqwest(), url))
    }

    /// Sends a request and reads the typed answer. A 2xx body that is not what the operation
    /// returns is an error (`Decode`), never an empty success.
    async fn call<T: DeserializeOwned + Send + 'static>(&self, req: ApiRequest) -> Result<T, JiraError> {
        // Straight from the bytes: the models read each part of the answer once.
        let bytes = self.http.send(&req).await?;
        ops::note_read(bytes.len());
        let context = || format!("{} {}", req.method, req.url.path());
        if bytes.len() < OFF_THREAD_BYTES {
            return serde_json::from_slice(&bytes).map_err(|e| JiraError::Api(ApiError::decode(context(), e)));
        }
        // A large answer is parsed on the blocking pool: the HTTP transport serves every
        // session from one thread, which must not stall on one call's megabytes.
        match tokio::task::spawn_blocking(move || serde_json::from_slice::<T>(&bytes)).await {
            Ok(parsed) => parsed.map_err(|e| JiraError::Api(ApiError::decode(context(), e))),
            Err(e) => Err(JiraError::Api(ApiError::Decode {
                context: context(),
                message: format!("the parser stopped: {e}"),
                source: None,
            })),
        }
    }

    /// Sends a request whose answer carries nothing we need (204s, edits).
    async fn send(&self, req: ApiRequest) -> Result<(), JiraError> {
        self.http.json(req).await.map(|_| ()).map_err(JiraError::from)
    }
}

/// Runs `work` (turning what Jira sent into a result: rich-text conversion, rendering) where
/// it cannot stall other sessions. Its cost is linear in what the running tool has read from
/// Jira; once that reaches [`OFF_THREAD_BYTES`] it runs on the blocking pool, since one
/// runtime thread serves every stdio and HTTP session. Small answers, the common case, run
/// inline without a thread hop.
pub async fn offload<R: Send + 'static>(work: impl FnOnce() -> R + Send + 'static) -> R {
    offload_sized(0, work).await
}

/// [`offload`] for work on `bytes` more than the tool has read (a body to convert).
pub async fn offload_sized<R: Send + 'static>(bytes: usize, work: impl FnOnce() -> R + Send + 'static) -> R {
    if ops::read_so_far().saturating_add(bytes) < OFF_THREAD_BYTES {
        return work();
    }
    match tokio::task::spawn_blocking(work).await {
        Ok(r) => r,
        // The work panicked: let it surface as it would have inline.
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Jira issue keys look like `PROJ-123`; numeric ids are accepted too.
pub fn normalize_issue_key(input: &str) -> Option<String> {
    let s = input.trim();
    if !s.is_empty() && s.len() <= 32 && s.chars().all(|c| c.is_ascii_digit()) {
        return Some(s.to_string());
    }
    let (project, number) = s.rsplit_once('-')?;
    let project_ok = project.len() <= 255
        && project.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && project.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let number_ok = !number.is_empty()
        && number.len() <= 12
        && number.chars().all(|c| c.is_ascii_digit())
        && !number.starts_with('0');
    (project_ok && number_ok).then(|| format!("{}-{number}", project.to_ascii_uppercase()))
}

/// Project keys: a letter, then letters, digits or underscores.
pub fn normalize_project_key(input: &str) -> Option<String> {
    let s = input.trim();
    let ok = !s.is_empty()
        && s.len() <= 255
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then(|| s.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_keys_are_validated_and_normalized() {
        assert_eq!(normalize_issue_key(" proj-12 ").as_deref(), Some("PROJ-12"));
        assert_eq!(normalize_issue_key("10001").as_deref(), Some("10001"));
        assert_eq!(normalize_issue_key("A_B2-7").as_deref(), Some("A_B2-7"));
        for bad in ["", "PROJ", "PROJ-", "PROJ-01", "-12", "PR OJ-1", "PROJ-1/../x", "1AB-3"] {
            assert_eq!(normalize_issue_key(bad), None, "{bad}");
        }
    }
}
