//! Benchmark: the release binary serving Streamable HTTP, 64 concurrent sessions × 100 tool
//! calls against a local mock of Jira. Prints calls/s and p50/p99 latency next to a ceiling
//! measured in the same run: the same number of direct HTTP requests to the same mock with the
//! same concurrency.
//!
//! Each scenario runs `BENCH_ROUNDS` (5) rounds alternating MCP and direct load and prints the
//! medians. `BENCH_SERVER_BIN` benchmarks another build of the server (one with symbols, for a
//! profiler); `JIRA_MCP_HTTP_WORKERS` is passed on to it.
//!
//! A last scenario reads an issue with a 6 MB description in one session while another calls a
//! tool in a loop, and prints that session's slowest call: large conversions must not hold the
//! one thread that serves both.
//!
//! Run: `cargo bench --bench http`.

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

fn sessions() -> usize {
    std::env::var("BENCH_SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn calls() -> usize {
    std::env::var("BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

fn fixture(name: &str) -> serde_json::Value {
    let p = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// User + system CPU seconds of a process so far (Linux).
fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// A bare Streamable HTTP client (plain POSTs, the SSE reply read as text), so that the load
/// generator costs about what the direct requests of the ceiling cost and the figure is the
/// server's, not the client library's.
struct RawMcp {
    http: reqwest::Client,
    url: String,
    session: String,
}

impl RawMcp {
    async fn post(&self, body: serde_json::Value, session: Option<&str>) -> reqwest::Response {
        let mut rb = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-06-18")
            .body(body.to_string());
        if let Some(s) = session {
            rb = rb.header("mcp-session-id", s);
        }
        rb.send().await.unwrap()
    }

    async fn connect(url: &str) -> RawMcp {
        let mut c = RawMcp {
            http: reqwest::Client::new(),
            url: url.to_string(),
            session: String::new(),
        };
        let init = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}});
        let r = c.post(init, None).await;
        c.session = r.headers().get("mcp-session-id").unwrap().to_str().unwrap().to_string();
        let _ = r.text().await;
        let r = c
            .post(
                serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
                Some(&c.session),
            )
            .await;
        let _ = r.text().await;
        c
    }

    async fn call_myself(&self, id: i64) -> bool {
        let call = serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "jira_get_myself", "arguments": {}}});
        let text = self
            .post(call, Some(&self.session))
            .await
            .text()
            .await
            .unwrap_or_default();
        text.contains("\"result\"") && !text.contains("\"isError\":true")
    }

    async fn close(&self) {
        let _ = self
            .http
            .delete(&self.url)
            .header("mcp-session-id", &self.session)
            .send()
            .await;
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // A mock that answers at once measures the server's own cost; one that answers in 20 ms
    // (a fast Jira Cloud answers in 50-300 ms) shows what users see: the server's cost hidden
    // behind Jira's latency.
    scenario(Duration::ZERO).await;
    scenario(Duration::from_millis(20)).await;
    large_body_scenario().await;
}

async fn scenario(upstream_delay: Duration) {
    let jira = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/myself"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(upstream_delay)
                .set_body_json(fixture("jira/myself.json")),
        )
        .mount(&jira)
        .await;
    let (mut child, port, _home) = start_server(&jira).await;

    let url = format!("http://127.0.0.1:{port}/mcp");
    let direct_url = format!("{}/rest/api/3/myself", jira.uri());
    // Rounds alternate MCP and direct load so that both see the same machine; the figures are
    // the medians over the rounds (one 64 x 100 round lasts about half a second).
    let mut rounds = Vec::new();
    let mut errors = 0;
    let mut server_cpu = 0.0;
    for _ in 0..rounds_wanted() {
        let cpu_before = child.id().and_then(cpu_secs);
        let (mcp, e) = through_mcp(&url).await;
        errors += e;
        if let Some(after) = child.id().and_then(cpu_secs) {
            server_cpu += after - cpu_before.unwrap_or(after);
        }
        let direct = direct_to_mock(&direct_url).await;
        rounds.push((mcp, direct));
    }
    let sessions_left = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let peak_rss_kb = child.id().and_then(|pid| {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse::<f64>().ok()
    });
    let _ = child.kill().await;

    let n = rounds.len();
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let mcp = median(rounds.iter().map(|r| r.0.rps).collect());
    let direct = median(rounds.iter().map(|r| r.1.rps).collect());
    let ratios: Vec<f64> = rounds.iter().map(|r| 100.0 * r.0.rps / r.1.rps).collect();
    println!(
        "jira-mcp HTTP benchmark ({} sessions x {} calls of jira_get_myself, {n} rounds, release build, local mock answering in {} ms)",
        sessions(),
        calls(),
        upstream_delay.as_millis()
    );
    println!(
        "  through MCP (Streamable HTTP): {mcp:.0} calls/s, p50 {:.2} ms, p99 {:.2} ms, errors {errors}",
        median(rounds.iter().map(|r| r.0.p50).collect()),
        median(rounds.iter().map(|r| r.0.p99).collect()),
    );
    println!(
        "  direct HTTP to the mock (ceiling): {direct:.0} calls/s, p50 {:.2} ms, p99 {:.2} ms",
        median(rounds.iter().map(|r| r.1.p50).collect()),
        median(rounds.iter().map(|r| r.1.p99).collect()),
    );
    assert_eq!(
        errors, 0,
        "tool calls failed: the figures above measure errors, not calls"
    );
    let shown: Vec<String> = ratios.iter().map(|r| format!("{r:.0}")).collect();
    println!(
        "  throughput: {:.0} % of the ceiling (median; rounds: {} %; target >= 50 %)",
        median(ratios.clone()),
        shown.join(", ")
    );
    println!(
        "  sessions open on the server after the clients closed: {}",
        sessions_left["sessions"]
    );
    if let Some(kb) = peak_rss_kb {
        println!("  server peak RSS: {:.1} MB", kb / 1024.0);
    }
    let total_calls = (n * sessions() * calls()) as f64;
    println!(
        "  server CPU: {:.0} µs per call ({server_cpu:.2} s for {total_calls} calls)",
        server_cpu * 1e6 / total_calls,
    );
}

/// The release server over HTTP against `jira`: (process, port, its home folder).
async fn start_server(jira: &MockServer) -> (tokio::process::Child, u16, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // BENCH_SERVER_BIN: another build of the server (e.g. one with symbols, for a profiler).
    let bin = std::env::var("BENCH_SERVER_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_jira-mcp").into());
    let child = tokio::process::Command::new(bin)
        .args(["serve", "--transport", "http", "--listen", &format!("127.0.0.1:{port}")])
        .env_clear()
        .env("JIRA_MCP_HOME", home.path())
        .env("JIRA_MCP_ACCESS_TOKEN", "bench-token")
        .env("JIRA_MCP_API_BASE", jira.uri())
        // jira_get_myself is in `users`, which is not a default toolset.
        .env("JIRA_MCP_TOOLSETS", "all")
        .envs(
            ["JIRA_MCP_HTTP_WORKERS", "JIRA_MCP_X_NOPRIME"]
                .into_iter()
                .filter_map(|k| std::env::var(k).ok().map(|v| (k, v))),
        )
        .env("RUST_LOG", std::env::var("BENCH_LOG").unwrap_or_else(|_| "warn".into()))
        .stdout(Stdio::null())
        .stderr(match std::env::var("BENCH_LOG_FILE") {
            Ok(p) => Stdio::from(std::fs::File::create(p).unwrap()),
            Err(_) => Stdio::null(),
        })
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let health = format!("http://127.0.0.1:{port}/healthz");
    for _ in 0..100 {
        if reqwest::get(&health).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    (child, port, home)
}

/// One session reads an issue whose description is 6 MB of ADF while another calls
/// `jira_get_myself` in a loop: one thread serves both, so the second session's slowest call
/// shows whether the conversion held that thread.
async fn large_body_scenario() {
    let jira = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/myself"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("jira/myself.json")))
        .mount(&jira)
        .await;
    let paragraph = serde_json::json!({"type": "paragraph", "content": [
        {"type": "text", "text": "A line of a log pasted into the issue, with "},
        {"type": "text", "text": "bold", "marks": [{"type": "strong"}]},
        {"type": "text", "text": " and a link", "marks": [{"type": "link", "attrs": {"href": "https://example.com/x"}}]}
    ]});
    let count = (6 << 20) / paragraph.to_string().len();
    let issue = serde_json::json!({"key": "BIG-1", "fields": {"summary": "A huge log",
        "description": {"type": "doc", "version": 1, "content": vec![paragraph; count]}}});
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/BIG-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(issue))
        .mount(&jira)
        .await;
    let (mut child, port, _home) = start_server(&jira).await;
    let url = format!("http://127.0.0.1:{port}/mcp");
    let (big, small) = (RawMcp::connect(&url).await, RawMcp::connect(&url).await);
    // The other session's pace when nothing else runs.
    let mut idle = Vec::new();
    for i in 0..50 {
        let t = Instant::now();
        assert!(small.call_myself(i + 2).await, "jira_get_myself failed");
        idle.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let call = serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "jira_get_issue", "arguments": {"issue_key": "BIG-1"}}});
    let t = Instant::now();
    let reading = tokio::spawn(async move {
        let text = big
            .post(call, Some(&big.session))
            .await
            .text()
            .await
            .unwrap_or_default();
        (t.elapsed().as_secs_f64() * 1000.0, text.contains("characters shown"))
    });
    let mut busy = Vec::new();
    let mut i = 100;
    while !reading.is_finished() {
        let t = Instant::now();
        assert!(small.call_myself(i).await, "jira_get_myself failed");
        busy.push(t.elapsed().as_secs_f64() * 1000.0);
        i += 1;
    }
    let (took, cut) = reading.await.unwrap();
    let _ = child.kill().await;
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    println!("jira-mcp HTTP benchmark: one session reads an issue with a 6 MB ADF description (release build)");
    println!(
        "  the large call: {took:.0} ms, description {}",
        if cut {
            "cut at 100,000 characters with a note"
        } else {
            "NOT CUT"
        }
    );
    println!(
        "  another session meanwhile: {} calls, slowest {:.1} ms (idle: slowest {:.1} ms of {})",
        busy.len(),
        max(&busy),
        max(&idle),
        idle.len()
    );
}

fn rounds_wanted() -> usize {
    std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}

struct Round {
    rps: f64,
    p50: f64,
    p99: f64,
}

impl Round {
    fn of(mut lat: Vec<f64>, elapsed: Duration) -> Round {
        lat.sort_by(|a, b| a.total_cmp(b));
        let p = |q: f64| lat[((lat.len() as f64 - 1.0) * q).round() as usize];
        Round {
            rps: lat.len() as f64 / elapsed.as_secs_f64(),
            p50: p(0.5),
            p99: p(0.99),
        }
    }
}

/// Every session connects, makes its calls one after another, and closes.
async fn through_mcp(url: &str) -> (Round, usize) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..sessions() {
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            let client = RawMcp::connect(&url).await;
            let mut lat = Vec::with_capacity(calls());
            let mut errors = 0;
            for i in 0..calls() {
                let t = Instant::now();
                if !client.call_myself(i as i64 + 2).await {
                    errors += 1;
                }
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            client.close().await;
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    (Round::of(all, started.elapsed()), errors)
}

/// The ceiling: direct HTTP to the same mock, same concurrency and count.
async fn direct_to_mock(url: &str) -> Round {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..sessions() {
        let u = url.to_string();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut lat = Vec::with_capacity(calls());
            for _ in 0..calls() {
                let t = Instant::now();
                let body = http
                    .get(&u)
                    .bearer_auth("bench-token")
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                assert!(!body.is_empty());
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    Round::of(all, started.elapsed())
}
