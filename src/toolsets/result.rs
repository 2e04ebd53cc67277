//! How tools answer: [`Out`] (compact text for the model plus typed structured content) and
//! [`ToolError`] (an `isError: true` result that says what happened and what to do next).

use std::{collections::BTreeSet, sync::Arc};

use rmcp::model::{ContentBlock, JsonObject};
use schemars::JsonSchema;

use crate::{
    auth::AuthKind,
    config::Flavor,
    http::{ApiError, ErrorKind},
    jira::JiraError,
};

/// A successful result: `text` is what a model reads; `data` is the same answer as structured
/// content, described by the tool's `outputSchema` (see [`schema`]).
pub struct Out<T> {
    pub text: String,
    pub data: T,
}

/// [`Out`] with further content blocks after the text (an image, for instance).
pub struct OutWith<T> {
    pub out: Out<T>,
    pub extra: Vec<ContentBlock>,
}

impl<T> Out<T> {
    /// This result with `extra` content blocks after the text.
    pub fn with_content(self, extra: Vec<ContentBlock>) -> OutWith<T> {
        OutWith { out: self, extra }
    }
}

/// The `outputSchema` of a tool returning `Out<T>`.
///
/// Our outputs omit absent values instead of sending `null`, so optional properties are
/// described by their type alone (`"string"`, not `["string","null"]`); with `$schema`
/// dropped (2020-12 is MCP's default dialect) this keeps `tools/list` small.
pub fn schema<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    let mut schema = Arc::unwrap_or_clone(compact(&rmcp::handler::server::common::schema_for_output::<T>()));
    shallow(&mut schema);
    Arc::new(schema)
}

/// Keeps an output schema to its top level: each property's JSON type, nested objects and
/// list items as bare `object`s, no prose. Clients check the shape; the model reads the
/// values, whose hints the result spells out. This halves `tools/list` for tools with rich
/// results (an issue view's nested definitions alone cost a kilobyte).
fn shallow(schema: &mut JsonObject) {
    use serde_json::{Value, json};
    schema.remove("$defs");
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        for prop in props.values_mut() {
            let ty = prop.get("type").cloned();
            *prop = match ty {
                Some(Value::String(t)) if t == "array" => {
                    let items = match prop.pointer("/items/type") {
                        Some(Value::String(it)) if it != "object" => json!({ "type": it }),
                        _ => json!({ "type": "object" }),
                    };
                    json!({ "type": "array", "items": items })
                }
                Some(t) => json!({ "type": t }),
                // `$ref`s and compositions: a nested object.
                None => json!({ "type": "object" }),
            };
        }
    }
}

/// The `inputSchema` of a tool taking `Parameters<T>`, compacted the same way: an optional
/// parameter is one that may be left out, which `required` already says.
pub fn input<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    compact(&rmcp::handler::server::common::schema_for_type::<T>())
}

fn compact(raw: &JsonObject) -> Arc<JsonObject> {
    let mut schema = raw.clone();
    for key in ["$schema", "title", "description"] {
        schema.remove(key);
    }
    let mut v = serde_json::Value::Object(schema);
    strip_nullable(&mut v);
    match v {
        serde_json::Value::Object(m) => Arc::new(m),
        _ => unreachable!("a schema object stays an object"),
    }
}

/// JSON Schema's own formats; anything else (`uint32`, `int64`, `double`, which schemars
/// writes) makes the TypeScript SDK's validator print warnings in every client built on it.
const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "uuid",
    "regex",
];

fn strip_nullable(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            if map
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| !STANDARD_FORMATS.contains(&f))
                && map.contains_key("type")
            {
                map.remove("format");
            }
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(any)) = map.get("anyOf") {
                let rest: Vec<Value> = any
                    .iter()
                    .filter(|s| s.get("type") != Some(&Value::from("null")))
                    .cloned()
                    .collect();
                if rest.len() == 1 && any.len() == 2 {
                    map.remove("anyOf");
                    if let Value::Object(inner) = &rest[0] {
                        for (k, val) in inner {
                            map.insert(k.clone(), val.clone());
                        }
                    }
                }
            }
            for child in map.values_mut() {
                strip_nullable(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nullable),
        _ => {}
    }
}

/// A failed tool call: its kind, and the words for the model (and the person behind it).
#[derive(Debug)]
pub struct ToolError {
    pub kind: ErrorKind,
    pub message: String,
}

impl std::fmt::Display for ToolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl ToolError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ToolError {
            kind,
            message: message.into(),
        }
    }

    /// Input rejected before any request was made.
    pub fn invalid(msg: impl Into<String>) -> Self {
        ToolError::new(ErrorKind::InvalidInput, format!("Invalid input: {}", msg.into()))
    }

    /// A defect of ours, said plainly.
    pub fn internal(msg: impl Into<String>) -> Self {
        ToolError::new(
            ErrorKind::Bug,
            format!("jira-mcp failed: {}. Please report it.", msg.into()),
        )
    }

    /// Adds a sentence to the explanation.
    pub fn with_hint(mut self, hint: &str) -> Self {
        self.message.push(' ');
        self.message.push_str(hint);
        self
    }
}

/// `45 seconds`, `1 second`, `3 minutes` (from 120 s up, whole minutes, rounded up).
fn wait_text(secs: u64) -> String {
    match secs {
        1 => "1 second".to_string(),
        s if s < 120 => format!("{s} seconds"),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}

/// What a failing call was about, so the explanation can name it.
pub struct ErrorContext<'a> {
    pub tool: &'a str,
    /// e.g. `Issue PROJ-9`, `Project ABC`.
    pub subject: Option<String>,
    pub auth: AuthKind,
    pub flavor: Flavor,
    pub profile: &'a str,
    pub scopes: BTreeSet<String>,
    pub granted: Option<Vec<String>>,
}

impl ErrorContext<'_> {
    /// Explains a Jira failure: what happened, and what to do about it.
    pub fn explain(&self, err: JiraError) -> ToolError {
        let kind = err.kind();
        let msg = match &err {
            JiraError::Input(m) => format!("Invalid input: {m}."),
            JiraError::Path(e) => format!("Invalid input: {e}."),
            JiraError::Site(m) => format!("Cannot tell which Jira site to use: {m}."),
            JiraError::Unsupported { .. } | JiraError::Undeclared { .. } => format!("{err}."),
            JiraError::Refused { message, .. } => message.clone(),
            JiraError::Api(api) => self.explain_api(api),
        };
        ToolError::new(kind, msg)
    }

    fn explain_api(&self, err: &ApiError) -> String {
        let jira_says = |messages: &[String]| {
            if messages.is_empty() {
                String::new()
            } else {
                format!(" Jira says: {}.", messages.join("; ").trim_end_matches('.'))
            }
        };
        let what = self.subject.clone().unwrap_or_else(|| "The requested item".to_string());
        match err {
            ApiError::Status { status: 401, .. } if err.is_scope_mismatch() => self.scope_message(true),
            ApiError::Status {
                status: 401, messages, ..
            } => {
                let fix = match self.auth {
                    AuthKind::AccessToken if self.flavor == Flavor::DataCenter => {
                        "The personal access token in JIRA_MCP_ACCESS_TOKEN is revoked, expired or mistyped: create \
                         a new one in Jira under your profile › Personal Access Tokens and set it."
                    }
                    AuthKind::Pat => {
                        "The stored personal access token is revoked or expired: create a new one in Jira under your \
                         profile › Personal Access Tokens, then run `jira-mcp login --pat` to store it."
                    }
                    AuthKind::AccessToken => {
                        "The token in JIRA_MCP_ACCESS_TOKEN is expired or invalid (OAuth access tokens last one hour): \
                         set a fresh one."
                    }
                    AuthKind::ApiToken => {
                        "Check JIRA_MCP_EMAIL and JIRA_MCP_API_TOKEN: the API token may be revoked or expired, or \
                         belong to another account. Create a new one in your Atlassian account's security settings."
                    }
                    AuthKind::OAuth => "The sign-in is no longer valid; sign in again.",
                    AuthKind::Remote => {
                        "Your Atlassian sign-in is no longer valid: reconnect this server in your MCP client to sign \
                         in again."
                    }
                };
                format!("Jira rejected the credentials (401).{} {fix}", jira_says(messages))
            }
            ApiError::Status {
                status: 403, messages, ..
            } => format!(
                "Permission denied (403): your Jira account may not do this in {}.{} Ask a Jira administrator for \
                 the needed project permission.",
                what.to_lowercase_first(),
                jira_says(messages)
            ),
            ApiError::Status {
                status: 404, messages, ..
            } => format!(
                "{what} does not exist or you cannot see it (404); check the key or ask for the Browse Projects \
                 permission.{}",
                jira_says(messages)
            ),
            ApiError::Status {
                status: 400, messages, ..
            } => {
                format!(
                    "Jira rejected the request (400).{} Fix the input and try again.",
                    jira_says(messages)
                )
            }
            ApiError::Status {
                status: 409, messages, ..
            } => {
                format!(
                    "Jira reported a conflicting update (409).{} Read the issue again and retry.",
                    jira_says(messages)
                )
            }
            ApiError::Status {
                status: 410, messages, ..
            } => format!(
                "Jira says this API has been removed (410).{} This is a bug in jira-mcp: please report it.",
                jira_says(messages)
            ),
            ApiError::Status {
                status: 413, messages, ..
            } => {
                format!(
                    "Jira refused: a per-issue limit was reached (413).{}",
                    jira_says(messages)
                )
            }
            ApiError::Status {
                status: 429,
                retry_after,
                retries,
                ..
            } => match (retry_after, retries) {
                (Some(s), 0) => format!(
                    "Jira is rate-limiting this app (429) and asks to wait {}, longer than one call waits: try \
                     again after that, and prefer fewer, narrower requests (smaller pages, fewer fields).",
                    wait_text(*s)
                ),
                _ => {
                    let wait = retry_after.map_or("a minute".to_string(), wait_text);
                    format!(
                        "Jira is rate-limiting this app (429) and still was after {retries} retries. Wait {wait} \
                         before trying again, and prefer fewer, narrower requests (smaller pages, fewer fields)."
                    )
                }
            },
            ApiError::Status {
                status,
                messages,
                retries,
                retry_after,
            } if *status >= 500 => format!(
                "Jira had a server error ({status}){}.{} {}",
                if *retries > 0 {
                    format!(" after {retries} retries")
                } else {
                    String::new()
                },
                jira_says(messages),
                match retry_after {
                    Some(s) => format!("Jira asks to wait {} before trying again.", wait_text(*s)),
                    None => "This is usually temporary: try again in a moment.".to_string(),
                }
            ),
            ApiError::Status { status, messages, .. } => {
                format!("Jira answered HTTP {status}.{}", jira_says(messages))
            }
            ApiError::Network {
                host, message, timeout, ..
            } => {
                if *timeout {
                    format!("Jira at {host} did not answer in time ({message}). Try again, or narrow the request.")
                } else {
                    format!("Could not reach Jira at {host}: {message}.")
                }
            }
            ApiError::Decode { context, message, .. } => {
                format!("Jira sent a response jira-mcp could not read ({context}: {message}).")
            }
            ApiError::Auth(e) => format!("{e}."),
        }
    }

    /// The explanation for a missing OAuth scope: found by our own check before the call, or
    /// reported by Jira (`401 … scope does not match`).
    pub fn scope_message(&self, from_jira: bool) -> String {
        let needed: Vec<String> = self.scopes.iter().map(|s| format!("`{s}`")).collect();
        let needed = if needed.is_empty() {
            "a scope".to_string()
        } else {
            needed.join(", ")
        };
        let granted = match &self.granted {
            Some(g) if !g.is_empty() => format!(" The token grants: {}.", g.join(" ")),
            Some(_) => " The token grants no Jira scopes.".to_string(),
            None => String::new(),
        };
        let fix = match self.auth {
            _ if self.flavor == Flavor::DataCenter => format!(
                "a Jira administrator allows {needed} on the site's incoming application link (Administration › \
                 Applications › Application links), then run `{}` to consent to it",
                crate::auth::login::login_command(self.profile)
            ),
            AuthKind::AccessToken => format!(
                "issue a new access token whose grant includes {needed} (add it to your app's Jira API permissions in \
                 the developer console first)"
            ),
            // The app is the server's: its administrator adds the scope, then users consent again.
            AuthKind::Remote => format!(
                "ask the administrator of this jira-mcp server to add {needed} to the Atlassian app's Jira API \
                 permissions, then reconnect the server in your MCP client to consent to it"
            ),
            // Scoped API tokens carry their scopes from creation; there is nothing to consent to.
            AuthKind::ApiToken => format!(
                "create an API token with scopes that include {needed} ({}) and set it as JIRA_MCP_API_TOKEN",
                crate::auth::setup::API_TOKENS
            ),
            _ => format!(
                "add {needed} to your app's Jira API permissions in the developer console, then run `{}` to consent \
                 to it",
                crate::auth::login::login_command(self.profile)
            ),
        };
        let source = if from_jira {
            " (Jira answered \"scope does not match\")"
        } else {
            ""
        };
        format!(
            "The token lacks an OAuth scope that {} needs{source}. Required: {needed}.{granted} To fix: {fix}.",
            self.tool
        )
    }
}

trait LowerFirst {
    fn to_lowercase_first(&self) -> String;
}

impl LowerFirst for String {
    fn to_lowercase_first(&self) -> String {
        let mut c = self.chars();
        match c.next() {
            Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
            None => String::new(),
        }
    }
}
