//! Wiring: turns a resolved [`Config`] into a server.

use std::sync::Arc;

use crate::{
    auth::{ApiTokenBasic, Misconfigured, NoCredential, OAuthSession, StaticBearer, TokenProvider},
    catalog,
    config::{AuthConfig, Config, Flavor},
    http::Http,
    jira::JiraClient,
    server::JiraMcp,
    toolsets::Selection,
};

/// The scopes a sign-in asks for: `JIRA_MCP_SCOPES`, else what the selection needs: on Cloud
/// its classic scopes plus `offline_access`; on Data Center `WRITE` when a selected tool
/// writes, else `READ` (the provider's scopes are levels: `WRITE` can also read).
pub fn login_scopes(config: &Config, selection: &Selection) -> Vec<String> {
    match &config.auth {
        AuthConfig::OAuth(o) if o.scopes.is_some() => o.scopes.clone().unwrap_or_default(),
        _ if config.flavor == Flavor::DataCenter => {
            let writes = selection
                .for_scopes()
                .tools(Flavor::DataCenter)
                .iter()
                .any(|t| !t.access.read_only);
            vec![if writes { "WRITE" } else { "READ" }.to_string()]
        }
        _ => catalog::scopes(&selection.for_scopes()).into_iter().collect(),
    }
}

/// The token source the profile's configuration asks for.
pub fn token_provider(config: &Config, selection: &Selection) -> Arc<dyn TokenProvider> {
    match &config.auth {
        AuthConfig::AccessToken(t) => Arc::new(StaticBearer::new(t.clone())),
        AuthConfig::ApiToken { email, token } => Arc::new(ApiTokenBasic::new(email, token.clone())),
        AuthConfig::Invalid(problem) => Arc::new(Misconfigured(problem.clone())),
        // A personal access token stored by `login --pat` stands in for an OAuth sign-in.
        AuthConfig::OAuth(_) if let Some(pat) = stored_pat(config) => Arc::new(StaticBearer::stored_pat(pat)),
        // A Data Center site without an incoming application link configured here.
        // A Data Center without an incoming application link configured here, or without a site
        // to sign in to.
        AuthConfig::OAuth(o) if config.flavor == Flavor::DataCenter && (o.app().is_none() || config.site.is_none()) => {
            Arc::new(NoCredential::data_center(config))
        }
        AuthConfig::OAuth(o) => Arc::new(OAuthSession::new(
            o.app(),
            config.clone(),
            login_scopes(config, selection),
            o.call_wait,
            o.login_timeout,
        )),
    }
}

/// The profile's stored personal access token, if that is what it stores.
pub fn stored_pat(config: &Config) -> Option<crate::auth::Secret> {
    use crate::auth::store::{TokenKind, TokenStore};
    match TokenStore::for_config(config).load() {
        Ok(Some(t)) if t.kind == TokenKind::Pat => Some(t.access_token),
        _ => None,
    }
}

pub fn jira_client(config: &Config, selection: &Selection) -> Arc<JiraClient> {
    let http = Http::new(
        token_provider(config, selection),
        config.retry.clone(),
        config.request_timeout,
    );
    JiraClient::new(http, config.clone())
}

/// Builds the server for a configuration and a tool selection.
pub fn build_server(config: &Config, selection: &Selection) -> JiraMcp {
    JiraMcp::new(jira_client(config, selection), selection)
}
