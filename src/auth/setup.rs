//! What a profile still needs before it can reach Jira, worded once. `jira-mcp status`,
//! `jira-mcp login` and every tool call give the same next step, so none of them suggests a
//! command that cannot work (`jira-mcp login` without an OAuth app, for one).

use crate::{
    auth::login::login_command,
    config::{AuthConfig, Config, Flavor},
};

/// Where to create an OAuth 2.0 (3LO) app.
pub const DEVELOPER_CONSOLE: &str = "https://developer.atlassian.com/console/myapps/";
/// Where to create an API token.
pub const API_TOKENS: &str = "https://id.atlassian.com/manage-profile/security/api-tokens";

/// The next step for a profile without a credential yet: what to configure, or the sign-in.
pub fn next_step(config: &Config) -> String {
    missing(config).unwrap_or_else(|| {
        format!(
            "run `{}` (or call any tool: the first call opens the sign-in)",
            login_command(&config.profile)
        )
    })
}

/// What an OAuth profile lacks before a sign-in can start; `None` when `jira-mcp login` can
/// start one, or when the profile does not sign in (tokens given in the environment).
pub fn missing(config: &Config) -> Option<String> {
    let AuthConfig::OAuth(o) = &config.auth else {
        return None;
    };
    if o.app().is_some() && (config.site.is_some() || config.flavor == Flavor::Cloud) {
        return None;
    }
    // An id without its secret is the half-done setup: name it rather than "no app".
    let half = match (&o.client_id, &o.client_secret) {
        (Some(_), None) => " (ATLASSIAN_CLIENT_ID is set, ATLASSIAN_CLIENT_SECRET is not)",
        (None, Some(_)) => " (ATLASSIAN_CLIENT_SECRET is set, ATLASSIAN_CLIENT_ID is not)",
        _ => "",
    };
    Some(match config.flavor {
        Flavor::DataCenter if config.site.is_none() => "this Data Center profile has no site: set JIRA_MCP_SITE (or \
                                                        `site` in the profile) to the base URL of your Jira, e.g. \
                                                        https://jira.example.com"
            .to_string(),
        Flavor::DataCenter => format!(
            "no credentials for this Data Center profile{half}: run `{} --pat` and paste a personal access token \
             (Jira: your profile › Personal Access Tokens), or set JIRA_MCP_ACCESS_TOKEN; for OAuth 2.0, an \
             administrator creates an incoming application link (Administration › Applications › Application links, \
             redirect URL {}), then set ATLASSIAN_CLIENT_ID and ATLASSIAN_CLIENT_SECRET to its credentials",
            login_command(&config.profile),
            o.redirect_uri
        ),
        Flavor::Cloud => format!(
            "no OAuth app is configured for profile `{}`{half}: set ATLASSIAN_CLIENT_ID and ATLASSIAN_CLIENT_SECRET \
             (an OAuth 2.0 (3LO) app: {DEVELOPER_CONSOLE}), or JIRA_MCP_SITE + JIRA_MCP_EMAIL + JIRA_MCP_API_TOKEN \
             (an API token: {API_TOKENS}), or JIRA_MCP_ACCESS_TOKEN",
            config.profile
        ),
    })
}
