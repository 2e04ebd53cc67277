//! The HTTP transport end to end: rmcp's Streamable HTTP client, a minimal legacy SSE client,
//! the security checks, isolation between sessions, and a load of 64 sessions × 100 calls.

use std::{collections::HashMap, net::SocketAddr, time::Duration};

use futures::StreamExt;
use jira_mcp::{
    app,
    config::{Config, Overrides},
    toolsets::Selection,
    transport::{HttpOptions, HttpServer},
};
use rmcp::{
    RoleClient, ServiceExt,
    model::{CallToolRequestParams, ClientRequest},
    service::{PeerRequestOptions, RunningService},
    transport::{StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig},
};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::support::{TOKEN, fixture};

/// How many tools a Cloud server with every toolset lists.
fn cloud_tool_count() -> usize {
    jira_mcp::toolsets::Selection::everything()
        .tools(jira_mcp::config::Flavor::Cloud)
        .len()
}

pub struct Http {
    pub addr: SocketAddr,
    pub jira: MockServer,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
    _home: tempfile::TempDir,
}

impl Http {
    pub async fn start(tweak: impl FnOnce(&mut HttpOptions)) -> Http {
        let jira = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/rest/api/3/myself"))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/myself.json")))
            .mount(&jira)
            .await;
        Mock::given(method("GET"))
            .and(path("/rest/api/3/issue/SLOW-1"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_delay(Duration::from_secs(30))
                    .set_body_json(json!({})),
            )
            .mount(&jira)
            .await;
        let home = tempfile::tempdir().unwrap();
        let env: HashMap<&str, String> = HashMap::from([
            ("JIRA_MCP_HOME", home.path().display().to_string()),
            ("JIRA_MCP_ACCESS_TOKEN", TOKEN.to_string()),
            ("JIRA_MCP_API_BASE", jira.uri()),
            ("JIRA_MCP_TIMEOUT_SECS", "60".to_string()),
        ]);
        let config = Config::load(&Overrides::default(), &|k| env.get(k).cloned()).unwrap();
        let server = app::build_server(&config, &Selection::parse(Some("all"), None, false).unwrap());
        let mut opts = HttpOptions::new("127.0.0.1:0".parse().unwrap());
        tweak(&mut opts);
        let bound = HttpServer::bind(server, opts).await.unwrap();
        let addr = bound.local_addr();
        let (stop, rx) = oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            bound
                .run(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        Http {
            addr,
            jira,
            stop: Some(stop),
            done: Some(done),
            _home: home,
        }
    }

    pub fn url(&self, p: &str) -> String {
        format!("http://{}{p}", self.addr)
    }

    pub async fn client(&self, bearer: Option<&str>) -> RunningService<RoleClient, ()> {
        let mut cfg = StreamableHttpClientTransportConfig::with_uri(self.url("/mcp"));
        if let Some(b) = bearer {
            cfg = cfg.auth_header(b);
        }
        let transport = StreamableHttpClientTransport::with_client(reqwest::Client::new(), cfg);
        ().serve(transport).await.expect("initialize over Streamable HTTP")
    }

    pub async fn health(&self) -> Value {
        reqwest::get(self.url("/healthz")).await.unwrap().json().await.unwrap()
    }

    /// Stops the server (graceful) and waits for it.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(d) = self.done.take() {
            tokio::time::timeout(Duration::from_secs(20), d)
                .await
                .expect("server stops")
                .unwrap();
        }
    }
}

async fn myself(client: &RunningService<RoleClient, ()>) -> Result<String, String> {
    let r = client
        .call_tool(CallToolRequestParams::new("jira_get_myself").with_arguments(Default::default()))
        .await
        .map_err(|e| e.to_string())?;
    let text = r
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<String>();
    if r.is_error == Some(true) { Err(text) } else { Ok(text) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamable_http_initialize_list_call_and_cancel() {
    let h = Http::start(|_| {}).await;
    let client = h.client(None).await;
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), cloud_tool_count());
    assert!(myself(&client).await.unwrap().contains("Ada Lovelace"));

    // Replies go out without waiting for the client's delayed ACK (TCP_NODELAY): a call takes
    // well under the ~40 ms that Nagle's algorithm would add.
    let mut times = Vec::new();
    for _ in 0..7 {
        let t = std::time::Instant::now();
        myself(&client).await.unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    assert!(times[3] < Duration::from_millis(25), "median call took {:?}", times[3]);

    // Cancel a call stuck on a slow Jira: the server stops working on it, the session goes on.
    let mut args = serde_json::Map::new();
    args.insert("issue_key".into(), json!("SLOW-1"));
    let handle = client
        .peer()
        .send_cancellable_request(
            ClientRequest::CallToolRequest(rmcp::model::CallToolRequest::new(
                CallToolRequestParams::new("jira_get_issue").with_arguments(args),
            )),
            PeerRequestOptions::no_options(),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.health().await["in_flight_calls"], 1);
    handle.cancel(Some("user gave up".into())).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while h.health().await["in_flight_calls"] != 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(h.health().await["in_flight_calls"], 0, "the cancelled call stopped");
    assert!(myself(&client).await.is_ok(), "the session still serves");
    assert_eq!(h.health().await["sessions"]["streamable_http"], 1);
    client.cancel().await.unwrap();
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stateless_mode_serves_without_sessions() {
    let h = Http::start(|o| o.stateless = true).await;
    let client = h.client(None).await;
    assert!(myself(&client).await.is_ok());
    assert_eq!(h.health().await["sessions"]["streamable_http"], 0);
    client.cancel().await.unwrap();
    h.stop().await;
}

/// A minimal client for the 2024-11-05 HTTP+SSE transport.
struct SseClient {
    http: reqwest::Client,
    post_url: String,
    events: futures::stream::BoxStream<'static, Value>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for SseClient {
    /// Closing the client closes its SSE connection.
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl SseClient {
    async fn connect(h: &Http) -> SseClient {
        let http = reqwest::Client::new();
        let resp = http
            .get(h.url("/sse"))
            .header("Accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let mut buf = String::new();
        let mut bytes = resp.bytes_stream();
        // Parse `event:`/`data:` blocks into (event, data).
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<(String, String)>();
        let reader = tokio::spawn(async move {
            while let Some(Ok(chunk)) = bytes.next().await {
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let block: String = buf.drain(..end + 2).collect();
                    let mut event = "message".to_string();
                    let mut data = String::new();
                    for line in block.lines() {
                        if let Some(e) = line.strip_prefix("event:") {
                            event = e.trim().to_string();
                        } else if let Some(d) = line.strip_prefix("data:") {
                            data.push_str(d.trim_start());
                        }
                    }
                    if !data.is_empty() && tx.send((event, data)).is_err() {
                        return;
                    }
                }
            }
        });
        let mut rx = tokio_stream_like(rx);
        let (event, endpoint) = rx.next().await.expect("endpoint event");
        assert_eq!(event, "endpoint");
        let post_url = h.url(&endpoint);
        let events = rx
            .filter_map(|(e, d)| async move { (e == "message").then(|| serde_json::from_str(&d).unwrap()) })
            .boxed();
        SseClient {
            http,
            post_url,
            events,
            reader,
        }
    }

    async fn send(&self, msg: Value) -> u16 {
        self.http
            .post(&self.post_url)
            .json(&msg)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    async fn response(&mut self, id: i64) -> Value {
        loop {
            let v = tokio::time::timeout(Duration::from_secs(10), self.events.next())
                .await
                .expect("in time")
                .expect("open");
            if v["id"].as_i64() == Some(id) {
                return v;
            }
        }
    }

    async fn initialize(&mut self) {
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2024-11-05", "capabilities": {}, "clientInfo": {"name": "sse-test", "version": "0"}}});
        assert_eq!(self.send(init).await, 202);
        let r = self.response(1).await;
        assert_eq!(r["result"]["serverInfo"]["name"], "jira-mcp");
        assert_eq!(
            self.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
                .await,
            202
        );
    }
}

fn tokio_stream_like<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<T>,
) -> futures::stream::BoxStream<'static, T> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_sse_initialize_list_call_and_cancel() {
    let h = Http::start(|_| {}).await;
    let mut c = SseClient::connect(&h).await;
    c.initialize().await;
    assert_eq!(h.health().await["sessions"]["sse"], 1);
    assert_eq!(
        c.send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})).await,
        202
    );
    assert_eq!(
        c.response(2).await["result"]["tools"].as_array().unwrap().len(),
        cloud_tool_count()
    );
    c.send(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "jira_get_myself", "arguments": {}}}))
        .await;
    let r = c.response(3).await;
    assert!(
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Ada Lovelace"),
        "{r}"
    );

    // Cancel a slow call.
    c.send(json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "jira_get_issue", "arguments": {"issue_key": "SLOW-1"}}}))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.health().await["in_flight_calls"], 1);
    c.send(
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 4, "reason": "gave up"}}),
    )
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while h.health().await["in_flight_calls"] != 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(h.health().await["in_flight_calls"], 0);

    // Errors are answered in-session; unknown sessions and bad bodies are refused.
    assert_eq!(c.send(json!({"jsonrpc": "2.0", "id": 5, "method": "nope"})).await, 202);
    assert!(c.response(5).await.get("error").is_some());
    let bad = reqwest::Client::new()
        .post(h.url("/messages?sessionId=nope"))
        .json(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 404);
    let bad = reqwest::Client::new()
        .post(&c.post_url)
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // Closing the stream ends the session.
    drop(c);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while h.health().await["sessions"]["sse"] != 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(h.health().await["sessions"]["sse"], 0);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sse_sessions_expire() {
    let h = Http::start(|o| o.idle_timeout = Duration::from_secs(1)).await;
    let mut c = SseClient::connect(&h).await;
    c.initialize().await;
    tokio::time::sleep(Duration::from_millis(2800)).await;
    assert_eq!(h.health().await["sessions"]["sse"], 0, "the idle session was closed");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn origin_host_bearer_and_body_size_are_enforced_without_disturbing_other_sessions() {
    let secret = "a-long-enough-bearer-secret-123";
    let h = Http::start(|o| {
        o.auth_token = Some(jira_mcp::auth::Secret::new(secret));
        o.max_body_bytes = 64 * 1024;
    })
    .await;
    let good = h.client(Some(secret)).await;
    assert!(myself(&good).await.is_ok());

    let http = reqwest::Client::new();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "x", "version": "0"}}});
    let post = |headers: Vec<(&'static str, String)>, body: String| {
        let mut rb = http
            .post(h.url("/mcp"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body);
        for (k, v) in headers {
            rb = rb.header(k, v);
        }
        rb.send()
    };
    let auth = ("authorization", format!("Bearer {secret}"));
    let s = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(s(post(vec![], init.to_string()).await.unwrap()), 401, "missing bearer");
    assert_eq!(
        s(post(vec![("authorization", "Bearer wrong".into())], init.to_string())
            .await
            .unwrap()),
        401
    );
    assert_eq!(
        s(post(
            vec![auth.clone(), ("origin", "https://evil.example".into())],
            init.to_string()
        )
        .await
        .unwrap()),
        403
    );
    assert_eq!(
        s(
            post(vec![auth.clone(), ("host", "evil.example".into())], init.to_string())
                .await
                .unwrap()
        ),
        403
    );
    let big = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"pad": "x".repeat(200 * 1024)}});
    assert_eq!(s(post(vec![auth.clone()], big.to_string()).await.unwrap()), 413);
    assert_eq!(
        s(http.get(h.url("/sse")).send().await.unwrap()),
        401,
        "SSE needs the bearer too"
    );
    assert_eq!(
        s(http.get(h.url("/healthz")).send().await.unwrap()),
        200,
        "health needs none"
    );
    // An allowed browser origin passes.
    assert_eq!(
        s(post(
            vec![auth.clone(), ("origin", format!("http://localhost:{}", h.addr.port()))],
            init.to_string()
        )
        .await
        .unwrap()),
        200
    );

    assert!(myself(&good).await.is_ok(), "the established session was not disturbed");
    good.cancel().await.unwrap();
    h.stop().await;
}

#[tokio::test]
async fn a_network_listener_without_a_secret_refuses_to_start() {
    let home = tempfile::tempdir().unwrap();
    let env: HashMap<&str, String> = HashMap::from([("JIRA_MCP_HOME", home.path().display().to_string())]);
    let config = Config::load(&Overrides::default(), &|k| env.get(k).cloned()).unwrap();
    let server = app::build_server(&config, &Selection::parse(None, None, false).unwrap());
    let opts = HttpOptions::new("0.0.0.0:0".parse().unwrap());
    let err = HttpServer::bind(server.clone(), opts)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("refusing to listen on 0.0.0.0") && err.contains("JIRA_MCP_HTTP_TOKEN"),
        "{err}"
    );

    // The CLI says the same and exits non-zero.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_jira-mcp"))
        .args(["serve", "--transport", "http", "--listen", "0.0.0.0:0"])
        .env_clear()
        .env("JIRA_MCP_HOME", home.path())
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to listen"));
}

/// TCP connections (any state but LISTEN) with an end on `port`: what a leak of this server's
/// sessions or of its Jira client would leave. Counting the process's file descriptors instead
/// would count what the tests running beside this one open.
fn connections_on(port: u16) -> usize {
    let hex = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .flat_map(|t| t.lines().skip(1).map(str::to_string).collect::<Vec<_>>())
        .filter(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols.len() > 3 && cols[3] != "0A" && cols[3] != "06" && (cols[1].ends_with(&hex) || cols[2].ends_with(&hex))
        })
        .count()
}

/// 64 concurrent sessions × 100 calls: no errors, and afterwards no sessions or file
/// descriptors left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_sessions_times_a_hundred_calls() {
    let h = Http::start(|_| {}).await;
    let (server_port, jira_port) = (h.addr.port(), h.jira.address().port());
    let (server_before, jira_before) = (connections_on(server_port), connections_on(jira_port));
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let url = h.url("/mcp");
        tasks.push(tokio::spawn(async move {
            let transport = StreamableHttpClientTransport::from_uri(url);
            let client = ().serve(transport).await.expect("initialize");
            let mut errors = 0;
            for _ in 0..100 {
                if myself(&client).await.is_err() {
                    errors += 1;
                }
            }
            client.cancel().await.unwrap();
            errors
        }));
    }
    let mut errors = 0;
    for t in tasks {
        errors += t.await.unwrap();
    }
    assert_eq!(errors, 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while h.health().await["sessions"]["streamable_http"] != 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(h.health().await["sessions"]["streamable_http"], 0, "no leaked sessions");
    let jira_calls = h.jira.received_requests().await.unwrap().len();
    assert_eq!(jira_calls, 6400);
    h.stop().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (server_after, jira_after) = (connections_on(server_port), connections_on(jira_port));
    assert!(
        server_after <= server_before,
        "connections to the server leaked: {server_before} before, {server_after} after"
    );
    // The Jira client may keep a few pooled connections, never one per session.
    assert!(
        jira_after <= jira_before + 8,
        "connections to Jira leaked: {jira_before} before, {jira_after} after"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_an_in_flight_call_finish() {
    let h = Http::start(|o| o.shutdown_grace = Duration::from_secs(10)).await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/WAIT-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(1500))
                .set_body_json(json!({"key": "WAIT-1", "fields": {"summary": "done"}})),
        )
        .mount(&h.jira)
        .await;
    let client = h.client(None).await;
    let mut args = serde_json::Map::new();
    args.insert("issue_key".into(), json!("WAIT-1"));
    args.insert("comments".into(), json!(0));
    let call = tokio::spawn(async move {
        let r = client
            .call_tool(CallToolRequestParams::new("jira_get_issue").with_arguments(args))
            .await;
        (r, client)
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    let started = tokio::time::Instant::now();
    h.stop().await;
    let (r, _client) = call.await.unwrap();
    let r = r.expect("the in-flight call got its answer");
    assert_ne!(r.is_error, Some(true), "{:?}", r.content);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "shutdown waited for the call"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_streamable_http_sessions_expire() {
    let h = Http::start(|o| o.idle_timeout = Duration::from_secs(1)).await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "idle", "version": "0"}}});
    let resp = reqwest::Client::new()
        .post(h.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(init.to_string())
        .send()
        .await
        .unwrap();
    assert!(resp.headers().contains_key("mcp-session-id"));
    let _ = resp.text().await;
    assert_eq!(h.health().await["sessions"]["streamable_http"], 1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while h.health().await["sessions"]["streamable_http"] != 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        h.health().await["sessions"]["streamable_http"],
        0,
        "the idle session was closed"
    );
    h.stop().await;
}

/// Each session may choose its tools on its URL; one session's choice does not touch another's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_choose_their_tools_without_affecting_each_other() {
    let h = Http::start(|_| {}).await;
    let narrow = {
        let t = StreamableHttpClientTransport::from_uri(h.url("/mcp?toolsets=search,users&read_only=true"));
        ().serve(t).await.unwrap()
    };
    let full = h.client(None).await;
    let names = |tools: Vec<rmcp::model::Tool>| tools.iter().map(|t| t.name.to_string()).collect::<Vec<_>>();
    assert_eq!(
        names(narrow.list_all_tools().await.unwrap()),
        vec!["jira_search", "jira_check_jql", "jira_get_myself", "jira_find_users"]
    );
    assert_eq!(full.list_all_tools().await.unwrap().len(), cloud_tool_count());
    assert!(myself(&narrow).await.is_ok());
    let r = narrow
        .call_tool(CallToolRequestParams::new("jira_create_issue").with_arguments(Default::default()))
        .await;
    assert!(
        r.is_err() || r.unwrap().is_error == Some(true),
        "a tool outside the session's choice is not callable"
    );
    assert_eq!(
        full.list_all_tools().await.unwrap().len(),
        cloud_tool_count(),
        "the other session is unchanged"
    );
    assert_eq!(h.health().await["sessions"]["streamable_http"], 2);

    // A bad choice is refused with the valid names; the legacy SSE endpoint takes the same.
    let bad = reqwest::Client::new()
        .post(h.url("/mcp?toolsets=nope"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("valid toolsets"));
    let sse = reqwest::get(h.url("/sse?tools=nope")).await.unwrap();
    assert_eq!(sse.status(), 400);
    narrow.cancel().await.unwrap();
    full.cancel().await.unwrap();
    h.stop().await;
}

/// Initializes a session with a raw client speaking `version`, then calls a tool; returns the
/// SSE body of the call's reply.
async fn raw_call_reply(h: &Http, version: &str) -> String {
    let http = reqwest::Client::new();
    let post = |body: Value, session: Option<&str>| {
        let mut rb = http
            .post(h.url("/mcp"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", version)
            .body(body.to_string());
        if let Some(s) = session {
            rb = rb.header("mcp-session-id", s);
        }
        rb.send()
    };
    let init = post(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}}),
        None,
    )
    .await
    .unwrap();
    assert_eq!(init.status(), 200);
    let session = init.headers()["mcp-session-id"].to_str().unwrap().to_string();
    let init_body = init.text().await.unwrap();
    assert!(
        init_body.contains(&format!("\"protocolVersion\":\"{version}\"")),
        "{init_body}"
    );
    let note = post(
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        Some(&session),
    )
    .await
    .unwrap();
    assert_eq!(note.status(), 202);
    let call = post(
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "jira_get_myself", "arguments": {}}}),
        Some(&session),
    )
    .await
    .unwrap();
    assert_eq!(call.status(), 200);
    call.text().await.unwrap()
}

/// Priming events (an id with empty data, SEP-1699) go only to clients of 2025-11-25 or later:
/// older clients parse the empty data as JSON and fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn priming_events_only_for_clients_that_expect_them() {
    let h = Http::start(|_| {}).await;
    let is_priming = |event: &&str| event.lines().any(|l| l.trim_end() == "data:") && event.contains("id:");
    for (version, primed) in [("2025-03-26", false), ("2025-06-18", false), ("2025-11-25", true)] {
        let body = raw_call_reply(&h, version).await;
        let events: Vec<&str> = body.split("\n\n").filter(|e| !e.trim().is_empty()).collect();
        assert_eq!(events.iter().any(is_priming), primed, "{version}: {body}");
        let last = events.last().expect("an event");
        assert!(last.contains("\"result\"") && last.contains("Ada"), "{version}: {body}");
    }
    h.stop().await;
}

/// The binary serves HTTP on one thread by default; `--workers N` adds a pool of N.
#[tokio::test]
async fn http_runs_on_one_thread_unless_asked_for_workers() {
    for (workers, expected) in [(None, 1..=1), (Some("3"), 4..=6)] {
        let home = tempfile::tempdir().unwrap();
        let port = crate::support::free_port();
        let mut args = vec![
            "serve".to_string(),
            "--transport".into(),
            "http".into(),
            "--listen".into(),
            format!("127.0.0.1:{port}"),
        ];
        if let Some(w) = workers {
            args.extend(["--workers".to_string(), w.to_string()]);
        }
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_jira-mcp"))
            .args(&args)
            .env_clear()
            .env("JIRA_MCP_HOME", home.path())
            .env("JIRA_MCP_ACCESS_TOKEN", TOKEN)
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let health = format!("http://127.0.0.1:{port}/healthz");
        let mut up = false;
        for _ in 0..100 {
            if reqwest::get(&health).await.is_ok_and(|r| r.status() == 200) {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(up, "server answers /healthz");
        let threads = std::fs::read_dir(format!("/proc/{}/task", child.id().unwrap()))
            .unwrap()
            .count();
        assert!(expected.contains(&threads), "workers {workers:?}: {threads} threads");
        child.kill().await.unwrap();
    }
}

/// The official MCP Python SDK, installed by `./test.sh` into `tests/python/.venv`.
pub fn python_sdk() -> Option<std::path::PathBuf> {
    let python = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/.venv/bin/python");
    if !python.exists() {
        assert!(
            std::env::var("JIRA_MCP_REQUIRE_TEST_SERVERS").is_err(),
            "the MCP Python SDK is required but not installed: run ./test.sh (it makes tests/python/.venv)"
        );
        eprintln!("skipping: the MCP Python SDK is not installed (./test.sh installs it)");
        return None;
    }
    Some(python)
}

/// Runs the Python SDK's `kind` client against `url` and checks what it saw: the server, its
/// tools, and a successful call.
async fn python_client(python: &std::path::Path, kind: &str, url: &str) -> Value {
    let script = format!("{}/tests/python/mcp_client.py", env!("CARGO_MANIFEST_DIR"));
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(python)
            .args([script.as_str(), kind, url])
            .output(),
    )
    .await
    .expect("the Python client finishes")
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{kind} {url}: {stderr}");
    // Closing a session is answered with a status the SDK accepts (it warns on 202).
    assert!(!stderr.contains("Session termination failed"), "{kind} {url}: {stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{kind}: {e}: {stderr}"));
    assert_eq!(v["server"], "jira-mcp", "{kind}: {v}");
    assert_eq!(v["tools"].as_array().unwrap().len(), cloud_tool_count(), "{kind}: {v}");
    assert_eq!(v["is_error"], false, "{kind}: {v}");
    assert!(v["text"].as_str().unwrap().contains("Ada Lovelace"), "{kind}: {v}");
    assert_eq!(v["structured"]["display_name"], "Ada Lovelace", "{kind}: {v}");
    eprintln!("{kind} {url}: protocol {}", v["protocol"]);
    v
}

/// Another implementation's clients, as users run them: the MCP Python SDK's Streamable HTTP
/// client (which negotiates its newest protocol revision) and its legacy SSE client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_clients_work_over_streamable_http_and_sse() {
    let Some(python) = python_sdk() else {
        return;
    };
    let h = Http::start(|_| {}).await;
    python_client(&python, "streamable", &h.url("/mcp")).await;
    python_client(&python, "sse", &h.url("/sse")).await;
    assert_eq!(h.health().await["in_flight_calls"], 0);
    h.stop().await;

    // Without sessions (`--stateless`) the SDK's client works the same, and no session stays.
    let h = Http::start(|o| o.stateless = true).await;
    python_client(&python, "streamable", &h.url("/mcp")).await;
    assert_eq!(h.health().await["sessions"]["streamable_http"], 0);
    h.stop().await;
}

fn initialize_body() -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "x", "version": "0"}}})
    .to_string()
}

async fn post_initialize(http: &reqwest::Client, url: &str) -> u16 {
    http.post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(initialize_body())
        .send()
        .await
        .map_or(0, |r| r.status().as_u16())
}

/// Slow and many clients: a client that never finishes its headers is dropped after the
/// header-read timeout, connections beyond the cap wait to be accepted, concurrent
/// initializes cannot pass the session cap together, and a chunked body over the limit is 413.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_many_clients_are_bounded() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let h = Http::start(|o| {
        o.header_read_timeout = Duration::from_millis(500);
        o.max_connections = 3;
        o.max_sessions = 3;
        o.max_body_bytes = 64 << 10;
    })
    .await;

    // Headers that never end: the connection is closed (after a 408), not held.
    let mut slow = tokio::net::TcpStream::connect(h.addr).await.unwrap();
    slow.write_all(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "a slow client kept its connection");

    // Three idle connections fill the cap: a fourth client is not served until one closes.
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(tokio::net::TcpStream::connect(h.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let quick = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    assert!(
        quick.get(h.url("/healthz")).send().await.is_err(),
        "served beyond the cap"
    );
    drop(idle);
    let mut served = false;
    for _ in 0..20 {
        if quick.get(h.url("/healthz")).send().await.is_ok() {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(served, "not served after the idle connections closed");

    let http = reqwest::Client::new();
    // A chunked body (no Content-Length) over the limit.
    let big = futures::stream::iter((0..40).map(|_| Ok::<_, std::io::Error>(vec![b' '; 4096])));
    let r = http
        .post(h.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", "any")
        .body(reqwest::Body::wrap_stream(big))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    h.stop().await;

    // Twenty-four initializes at once, three sessions allowed: exactly three are opened.
    let h = Http::start(|o| o.max_sessions = 3).await;
    let url = h.url("/mcp");
    let statuses = futures::future::join_all((0..24).map(|_| post_initialize(&http, &url))).await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 503).count(), 21, "{statuses:?}");
    assert_eq!(h.health().await["sessions"]["streamable_http"], 3);
    h.stop().await;
}

/// More distinct tool selections than are kept: the oldest are evicted, never refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_selections_beyond_the_cache_are_evicted_not_refused() {
    let h = Http::start(|o| o.max_sessions = 1000).await;
    let http = reqwest::Client::new();
    let tools: Vec<String> = jira_mcp::toolsets::all().map(|(_, t)| t.name.to_string()).collect();
    for i in 0..70 {
        let url = h.url(&format!(
            "/mcp?tools={},{}",
            tools[i % tools.len()],
            tools[(i / tools.len() + i + 1) % tools.len()]
        ));
        let status = post_initialize(&http, &url).await;
        assert_eq!(status, 200, "selection {i}: {url}");
    }
    h.stop().await;
}
