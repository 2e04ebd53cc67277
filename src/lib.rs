//! jira-mcp: a Model Context Protocol server for Jira Cloud and Jira Data Center.
//!
//! Data flows one way: transport → [`server`] (tool router) → [`toolsets`] → [`jira`] client
//! → [`http`] (credential from [`auth`] injected) → Atlassian. Results flow back as compact
//! text ([`render`]) plus structured JSON.
//!
//! - [`config`]: profiles from the config file and the environment.
//! - [`auth`]: where credentials come from (`TokenProvider`).
//! - [`http`]: the shared HTTP client: timeouts, retries, error decoding.
//! - [`jira`]: the typed Jira REST client (v3 on Cloud, v2 on Data Center) and its views; knows nothing of MCP.
//! - [`adf`]: Atlassian Document Format ⇄ Markdown; [`wiki`]: Jira wiki markup ⇄ Markdown;
//!   [`richtext`]: the one trait tools use, whichever the flavor stores.
//! - [`scopes`]: the OAuth scopes of each REST operation.
//! - [`toolsets`]: the tools, grouped into toolsets, as data.
//! - [`server`]: the rmcp `ServerHandler`.
//! - [`catalog`]: the tool catalog printed by `jira-mcp tools` and kept in `tools/`.
//! - [`transport`]: stdio and HTTP (Streamable HTTP, legacy SSE), secure by default.
//! - [`app`]: wiring: from a `Config` to a server.
//! - [`redact`]: error messages without the secrets they might quote.

pub mod adf;
pub mod app;
pub mod auth;
pub mod catalog;
pub mod config;
pub mod fsutil;
pub mod http;
pub mod jira;
mod markdown;
pub mod recent;
pub mod redact;
pub mod remote;
pub mod render;
pub mod richtext;
pub mod scopes;
pub mod server;
pub mod toolsets;
pub mod transport;
pub mod wiki;
