//! Test harness: a wiremock stand-in for Atlassian, the server built from a `Config` (as the
//! binary builds it), and rmcp's client talking to it over an in-memory duplex pipe.

use std::collections::HashMap;

use jira_mcp::{
    app,
    config::{Config, Overrides},
    toolsets::Selection,
};
use rmcp::{
    RoleClient, ServiceExt,
    model::{CallToolRequestParams, CallToolResult},
    service::RunningService,
};
use serde_json::Value;
use wiremock::MockServer;

pub const TOKEN: &str = "test-access-token-8c2f1e";

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub struct Harness {
    pub jira: MockServer,
    pub client: RunningService<RoleClient, ()>,
    pub home: tempfile::TempDir,
    /// The server itself (a clone sharing its state), to read what it sent.
    pub server: jira_mcp::server::JiraMcp,
}

pub struct Setup {
    pub env: HashMap<String, String>,
    pub toolsets: Option<String>,
    pub read_only: bool,
}

impl Setup {
    /// A bearer token and `JIRA_MCP_API_BASE` pointing at the mock.
    pub fn new() -> Self {
        let mut env = HashMap::new();
        env.insert("JIRA_MCP_ACCESS_TOKEN".to_string(), TOKEN.to_string());
        env.insert("JIRA_MCP_RETRY_BASE_MS".to_string(), "1".to_string());
        Setup {
            env,
            toolsets: Some("all".into()),
            read_only: false,
        }
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.insert(k.to_string(), v.to_string());
        self
    }

    pub fn without(mut self, k: &str) -> Self {
        self.env.remove(k);
        self
    }

    pub async fn start(self) -> Harness {
        let jira = MockServer::start().await;
        self.start_with(jira).await
    }

    pub async fn start_with(mut self, jira: MockServer) -> Harness {
        let home = tempfile::tempdir().unwrap();
        self.env
            .entry("JIRA_MCP_HOME".into())
            .or_insert_with(|| home.path().display().to_string());
        self.env.entry("JIRA_MCP_API_BASE".into()).or_insert_with(|| jira.uri());
        let env = self.env.clone();
        let config = Config::load(&Overrides::default(), &|k| env.get(k).cloned()).expect("config");
        let selection = Selection::parse(self.toolsets.as_deref(), None, self.read_only).unwrap();
        let server = app::build_server(&config, &selection);
        let probe = server.clone();
        let (server_io, client_io) = tokio::io::duplex(1 << 16);
        tokio::spawn(async move {
            if let Ok(running) = server.serve(server_io).await {
                let _ = running.waiting().await;
            }
        });
        let client = ().serve(client_io).await.expect("client connects");
        Harness {
            jira,
            client,
            home,
            server: probe,
        }
    }
}

impl Harness {
    pub async fn call(&self, tool: &str, args: Value) -> CallToolResult {
        let args = match args {
            Value::Object(m) => m,
            Value::Null => Default::default(),
            other => panic!("arguments must be an object, got {other}"),
        };
        self.client
            .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args))
            .await
            .unwrap_or_else(|e| panic!("{tool}: protocol error {e}"))
    }

    /// Asserts that every Jira operation sent so far was declared by the tool that sent it,
    /// and returns how many were sent.
    #[track_caller]
    pub fn assert_declared_operations_only(&self) -> usize {
        let sent = self.server.sent_operations();
        for (tool, op) in &sent {
            let tool = tool.unwrap_or_else(|| panic!("{op} was sent outside any tool"));
            let (_, def) = jira_mcp::toolsets::lookup(tool).expect("a known tool");
            assert!(def.ops.contains(op), "{tool} sent {op}, which it does not declare");
        }
        sent.len()
    }

    /// Mounts a mock answering `method path` with 200 and `body`.
    pub async fn ok(&self, m: &str, p: &str, body: Value) {
        wiremock::Mock::given(wiremock::matchers::method(m))
            .and(wiremock::matchers::path(p))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(body))
            .mount(&self.jira)
            .await;
    }

    /// Requests the mock received, as (method, path).
    pub async fn requests(&self) -> Vec<(String, String)> {
        self.jira
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| (r.method.to_string(), r.url.path().to_string()))
            .collect()
    }

    pub async fn last_body(&self, method: &str, path: &str) -> Value {
        let reqs = self.jira.received_requests().await.unwrap_or_default();
        let r = reqs
            .iter()
            .rev()
            .find(|r| r.method.as_str() == method && r.url.path() == path)
            .unwrap_or_else(|| panic!("no {method} {path} received"));
        serde_json::from_slice(&r.body).unwrap()
    }

    pub async fn last_query(&self, path: &str) -> HashMap<String, String> {
        let reqs = self.jira.received_requests().await.unwrap_or_default();
        let r = reqs
            .iter()
            .rev()
            .find(|r| r.url.path() == path)
            .unwrap_or_else(|| panic!("no request to {path}"));
        r.url
            .query_pairs()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

/// Mounts a mock answering `method path` with `status` and `body`.
pub async fn mount(h: &Harness, m: &str, p: &str, status: u16, body: Value) {
    wiremock::Mock::given(wiremock::matchers::method(m))
        .and(wiremock::matchers::path(p))
        .respond_with(wiremock::ResponseTemplate::new(status).set_body_json(body))
        .mount(&h.jira)
        .await;
}

pub fn text(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn is_error(r: &CallToolResult) -> bool {
    r.is_error == Some(true)
}

/// Snapshots a tool result as a model sees it: the text and the structured content side by
/// side (some clients pass only one of them, so both must carry the same facts).
#[track_caller]
pub fn snapshot(name: &str, r: &CallToolResult) {
    let v = serde_json::json!({
        "is_error": is_error(r),
        "text": text(r),
        "structured": r.structured_content,
    });
    insta::assert_json_snapshot!(name, v);
}

/// Asserts a successful result and returns its text.
#[track_caller]
pub fn ok_text(r: &CallToolResult) -> String {
    assert!(!is_error(r), "expected success, got error: {}", text(r));
    text(r)
}

/// Asserts an error result and returns its text.
#[track_caller]
pub fn err_text(r: &CallToolResult) -> String {
    assert!(is_error(r), "expected an error, got: {}", text(r));
    text(r)
}
