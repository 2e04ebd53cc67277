//! Wiring: turns a resolved [`Config`] into a server, and runs it on stdio.

use std::sync::Arc;

use rmcp::ServiceExt;

use crate::{
    auth::{ApiTokenBasic, AuthError, AuthKind, Credential, StaticBearer, TokenProvider},
    config::{AuthConfig, Config},
    http::Http,
    jira::JiraClient,
    server::JiraMcp,
    toolsets::Selection,
};

/// The token source the profile's configuration asks for.
pub fn token_provider(config: &Config) -> Arc<dyn TokenProvider> {
    match &config.auth {
        AuthConfig::AccessToken(t) => Arc::new(StaticBearer::new(t.clone())),
        AuthConfig::ApiToken { email, token } => Arc::new(ApiTokenBasic::new(email, token.clone())),
        AuthConfig::None => Arc::new(Unconfigured {
            profile: config.profile.clone(),
        }),
    }
}

/// With no credentials the server still starts and lists its tools; each call explains how
/// to configure credentials.
struct Unconfigured {
    profile: String,
}

impl TokenProvider for Unconfigured {
    fn credential(&self) -> futures::future::BoxFuture<'_, Result<Credential, AuthError>> {
        let profile = self.profile.clone();
        Box::pin(async move { Err(AuthError::NotConfigured { profile }) })
    }

    fn kind(&self) -> AuthKind {
        AuthKind::AccessToken
    }
}

pub fn jira_client(config: &Config) -> Arc<JiraClient> {
    let http = Http::new(token_provider(config), config.retry.clone(), config.request_timeout);
    JiraClient::new(http, config.clone())
}

/// Builds the server for a configuration and a tool selection.
pub fn build_server(config: &Config, selection: &Selection) -> JiraMcp {
    JiraMcp::new(jira_client(config), selection)
}

/// Serves MCP over stdin/stdout until the client closes the stream.
pub async fn serve_stdio(server: JiraMcp) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let running = server.serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}
