//! Benchmark: the release binary over stdio against a local mock of Jira. Prints figures:
//! cold start to an answered `tools/list`, bytes of `tools/list`, bytes of a `jira_get_issue`
//! result next to the raw Jira JSON of the same issue, Jira requests per call, peak RSS over
//! 100 calls, and the latency the server adds to a call compared with a direct HTTP request to
//! the same mock.
//!
//! Run: `cargo bench --bench stdio`. Figures are for this machine; compare runs, not machines.

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines},
    process::{Child, ChildStdin, ChildStdout},
};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

const TOKEN: &str = "bench-token";

fn fixture(name: &str) -> Value {
    let p = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    next_id: i64,
}

impl Server {
    fn spawn(jira: &str, home: &std::path::Path) -> Server {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_jira-mcp"))
            .arg("serve")
            .env_clear()
            .env("JIRA_MCP_HOME", home)
            .env("JIRA_MCP_ACCESS_TOKEN", TOKEN)
            .env("JIRA_MCP_API_BASE", jira)
            .env("JIRA_MCP_TOOLSETS", "all")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn jira-mcp");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Server {
            child,
            stdin,
            lines,
            next_id: 1,
        }
    }

    async fn send(&mut self, msg: Value) {
        self.stdin.write_all(format!("{msg}\n").as_bytes()).await.unwrap();
    }

    /// Sends a request and returns the raw response line.
    async fn request(&mut self, method: &str, params: Value) -> String {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let line = self.lines.next_line().await.unwrap().expect("server answered");
            let v: Value = serde_json::from_str(&line).unwrap();
            if v["id"].as_i64() == Some(id) {
                return line;
            }
        }
    }

    async fn initialize(&mut self) {
        self.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}),
        )
        .await;
        self.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
    }

    fn peak_rss_kb(&self) -> Option<u64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run only on bench.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let jira = MockServer::start().await;
    let issue = fixture("jira/issue-typical.json");
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/PROJ-123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&issue))
        .mount(&jira)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/field"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/fields.json")))
        .mount(&jira)
        .await;
    let home = tempfile::tempdir().unwrap();

    // 1. Cold start to answered tools/list.
    let mut starts = Vec::new();
    let mut tools_list_bytes = 0;
    let mut tools_count = 0;
    for _ in 0..20 {
        let t = Instant::now();
        let mut s = Server::spawn(&jira.uri(), home.path());
        s.initialize().await;
        let line = s.request("tools/list", json!({})).await;
        starts.push(t.elapsed().as_secs_f64() * 1000.0);
        let v: Value = serde_json::from_str(&line).unwrap();
        tools_list_bytes = serde_json::to_string(&v["result"]).unwrap().len();
        tools_count = v["result"]["tools"].as_array().map_or(0, Vec::len);
    }

    // 2. One server, 100+ calls: result size, requests per call, RSS, latency.
    let mut s = Server::spawn(&jira.uri(), home.path());
    s.initialize().await;
    let call = json!({"name": "jira_get_issue", "arguments": {"issue_key": "PROJ-123"}});
    let first = s.request("tools/call", call.clone()).await; // warms the field cache
    let v: Value = serde_json::from_str(&first).unwrap();
    let result = &v["result"];
    let text_bytes = result["content"][0]["text"].as_str().unwrap_or("").len();
    let structured_bytes = serde_json::to_string(&result["structuredContent"]).unwrap().len();
    let result_bytes = serde_json::to_string(result).unwrap().len();
    let raw_compact = serde_json::to_string(&issue).unwrap().len();
    let raw_pretty = serde_json::to_string_pretty(&issue).unwrap().len();
    let before = jira.received_requests().await.unwrap().len();
    let mut via_mcp = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        s.request("tools/call", call.clone()).await;
        via_mcp.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let per_call = (jira.received_requests().await.unwrap().len() - before) as f64 / 200.0;
    let rss = s.peak_rss_kb();

    // Direct HTTP to the same mock, same request, same client library.
    let http = reqwest::Client::new();
    let url = format!("{}/rest/api/3/issue/PROJ-123?fields=summary,status,comment", jira.uri());
    let mut direct = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let body = http
            .get(&url)
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(!body.is_empty());
        direct.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    tokio::time::sleep(Duration::from_millis(10)).await;

    let mcp_med = median(&mut via_mcp);
    let direct_med = median(&mut direct);
    println!("jira-mcp benchmark (release build, stdio, local mock of Jira)");
    println!(
        "  cold start to answered tools/list: median {:.1} ms, min {:.1} ms (20 runs)",
        median(&mut starts.clone()),
        starts.iter().cloned().fold(f64::MAX, f64::min)
    );
    println!(
        "  tools/list: {tools_list_bytes} bytes for {tools_count} tools ({} bytes per tool)",
        tools_list_bytes / tools_count.max(1)
    );
    print_toolset_sizes();
    println!(
        "  jira_get_issue on a typical issue (5 comments, epic parent, components, fix version, due date, sprint):"
    );
    println!("    raw Jira JSON: {raw_compact} bytes compact, {raw_pretty} bytes indented");
    println!(
        "    result text: {text_bytes} bytes; structuredContent: {structured_bytes} bytes; whole result: {result_bytes} bytes"
    );
    println!("    Jira requests per call (warm field cache): {per_call:.2}");
    println!(
        "  peak RSS after 201 calls: {}",
        rss.map_or("n/a".to_string(), |kb| format!("{:.1} MB", kb as f64 / 1024.0))
    );
    println!(
        "  latency per call: via MCP median {mcp_med:.3} ms (p99 {:.3}), direct HTTP median {direct_med:.3} ms; added median {:.3} ms",
        percentile(&mut via_mcp, 0.99),
        mcp_med - direct_med
    );
    print_huge_answer(home.path()).await;
}

/// A Jira (or a proxy before it) that answers 200 MB, streamed without a length: the server
/// reads up to its cap and stops; its peak memory is what the figure shows.
async fn print_huge_answer(home: &std::path::Path) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut req = [0u8; 4096];
                let _ = sock.read(&mut req).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b' '; 64 << 10];
                let frame = [format!("{:x}\r\n", chunk.len()).into_bytes(), chunk, b"\r\n".to_vec()].concat();
                // 200 MB, unless the reader hangs up first.
                for _ in 0..(200 * 16) {
                    if sock.write_all(&frame).await.is_err() {
                        return;
                    }
                }
                let _ = sock.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    let mut s = Server::spawn(&format!("http://{addr}"), home);
    s.initialize().await;
    let t = Instant::now();
    let answer = s
        .request(
            "tools/call",
            json!({"name": "jira_get_issue", "arguments": {"issue_key": "HUGE-1"}}),
        )
        .await;
    let took = t.elapsed();
    let refused = answer.contains("larger than");
    println!(
        "  a 200 MB answer streamed without a length: {} in {:.0} ms, peak RSS {}",
        if refused {
            "refused at the 32 MB cap"
        } else {
            "NOT refused"
        },
        took.as_secs_f64() * 1000.0,
        s.peak_rss_kb()
            .map_or("n/a".to_string(), |kb| format!("{:.1} MB", kb as f64 / 1024.0))
    );
}

/// What each toolset adds to `tools/list` (Cloud), and the default selection's total.
fn print_toolset_sizes() {
    use jira_mcp::{
        config::Flavor,
        toolsets::{Selection, TOOLSETS},
    };
    let bytes = |sel: &Selection| {
        let tools: Vec<rmcp::model::Tool> = sel.tools(Flavor::Cloud).iter().map(|t| t.to_tool()).collect();
        (serde_json::to_string(&tools).map_or(0, |s| s.len()), tools.len())
    };
    let (default_bytes, default_count) = bytes(&Selection::parse(None, None, false).expect("default"));
    println!("  tools/list of the default toolsets: {default_bytes} bytes for {default_count} tools");
    let sizes: Vec<String> = TOOLSETS
        .iter()
        .map(|ts| {
            let (b, n) = bytes(&Selection::parse(Some(ts.id), None, false).expect("toolset"));
            format!("{} {b} B/{n}", ts.id)
        })
        .collect();
    println!("  per toolset: {}", sizes.join(", "));
    let (jsm_bytes, jsm_count) = bytes(&Selection::parse(Some("jsm,jsm_ops"), None, false).expect("jsm"));
    println!(
        "  tools/list of jsm and jsm_ops together: {jsm_bytes} bytes for {jsm_count} tools (budget 14,000; Cloud, where both exist)"
    );
}
