//! Contract tests: Prism serves Atlassian's own OpenAPI documents (Cloud platform v3, Data
//! Center 10.3) and validates every request our tools make against them. A request Prism finds invalid is logged as a
//! `Violation: request…` and answered with 4xx; either fails the test.
//!
//! - Static mode (the spec's examples): every tool's requests are accepted.
//! - Dynamic mode (responses generated from the schemas, several seeds): every read tool turns
//!   what the schema allows into a result, never an error.
//!
//! Prism comes from `tests/node/package.json` (`npm ci` there; `.ci/run` does it) or from
//! `$PRISM`. Without it the test is skipped locally, and fails when `JIRA_MCP_REQUIRE_TEST_SERVERS=1`
//! (as in CI).

use std::{
    io::Read,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use crate::support::{Harness, Setup, text};

pub(crate) fn prism_path() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("PRISM") {
        return Some(PathBuf::from(p));
    }
    let local = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node/node_modules/.bin/prism");
    local.exists().then_some(local)
}

/// Prism's binary; `None` (the caller skips) when it is not installed, which fails instead
/// under `JIRA_MCP_REQUIRE_TEST_SERVERS` (as in CI).
pub(crate) fn prism_or_skip() -> Option<PathBuf> {
    let bin = prism_path();
    if bin.is_none() {
        assert!(
            std::env::var("JIRA_MCP_REQUIRE_TEST_SERVERS").is_err(),
            "Prism is required (JIRA_MCP_REQUIRE_TEST_SERVERS) but not installed: run `npm ci` in tests/node"
        );
        eprintln!("skipping a contract test: Prism is not installed (npm ci in tests/node)");
    }
    bin
}

/// A static Prism and two dynamic ones (seeds 1 and 2) serving `spec`, all ready.
pub(crate) fn start_prisms(bin: &PathBuf, spec: &str) -> (Prism, Vec<Prism>) {
    let mut static_prism = Prism::start(bin, None, spec);
    let mut dynamic: Vec<Prism> = [1u32, 2].iter().map(|s| Prism::start(bin, Some(*s), spec)).collect();
    static_prism.wait_ready();
    for p in &mut dynamic {
        p.wait_ready();
    }
    (static_prism, dynamic)
}

/// Static mode (the spec's examples) for `writes`, which must succeed (`jira_get…` ones need only
/// be accepted), then dynamic mode with two seeds for `reads`, which must all succeed; every
/// request must pass Prism's validation, and only declared operations may be sent.
pub(crate) async fn run_contract(
    bin: &std::path::PathBuf,
    spec: &str,
    flavor: &str,
    writes: Vec<(&'static str, Value)>,
    reads: impl Fn() -> Vec<(&'static str, Value)>,
) {
    let (static_prism, dynamic) = start_prisms(bin, spec);
    // Static mode: the spec's examples; writes must succeed, reads be accepted.
    let h = harness_of(&static_prism, flavor).await;
    for (tool, args) in writes {
        let expect_ok = !tool.starts_with("jira_get");
        call_checked(&h, &static_prism, tool, args, expect_ok).await;
    }
    for (tool, args) in reads() {
        call_checked(&h, &static_prism, tool, args, false).await;
    }
    h.assert_declared_operations_only();
    // Dynamic mode: every read succeeds on what the schemas allow.
    for prism in &dynamic {
        let h = harness_of(prism, flavor).await;
        for (tool, args) in reads() {
            call_checked(&h, prism, tool, args, true).await;
        }
        h.assert_declared_operations_only();
    }
}

pub(crate) struct Prism {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prism {
    pub(crate) fn start(bin: &PathBuf, seed: Option<u32>, spec_file: &str) -> Prism {
        let port = crate::support::free_port();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("prism.log");
        let spec = dir.path().join("spec.json");
        write_corrected_spec(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(spec_file),
            &spec,
        );
        let mut cmd = Command::new(bin);
        cmd.arg("mock")
            .arg("-h")
            .arg("127.0.0.1")
            .arg("-p")
            .arg(port.to_string());
        if let Some(seed) = seed {
            cmd.arg("-d").arg("--seed").arg(seed.to_string());
        }
        cmd.arg(spec)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::null());
        let child = cmd.spawn().expect("start prism");
        Prism {
            child,
            port,
            log,
            _dir: dir,
        }
    }

    pub(crate) fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("prism exited early ({status}): {}", self.log_text());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("prism did not start: {}", self.log_text());
    }

    pub(crate) fn uri(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub(crate) fn log_text(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }

    /// Request violations Prism logged after byte `from`.
    fn violations_since(&self, from: usize) -> Vec<String> {
        let log = self.log_text();
        log.get(from..)
            .unwrap_or("")
            .lines()
            .filter(|l| l.contains("Violation: request") || l.contains("Request did not pass"))
            .map(str::to_string)
            .collect()
    }
}

/// The copy Prism serves works around defects of Atlassian's documents: many response
/// examples are JSON text inside a string (Prism would serve a JSON string) or `null`, and the Data
/// Center document's paths leave out the `/rest` of its server URL (Prism serves paths as
/// written).
fn write_corrected_spec(from: &std::path::Path, to: &std::path::Path) {
    fn fix(v: &mut Value) {
        match v {
            Value::Object(map) => {
                // `"example": null` (all over the Data Center document) would be served as is.
                map.retain(|k, v| !(k == "example" && v.is_null()));
                for (k, child) in map.iter_mut() {
                    if k == "example"
                        && let Value::String(text) = child
                        && text.trim_start().starts_with(['{', '['])
                        && let Ok(parsed) = serde_json::from_str::<Value>(text)
                    {
                        *child = parsed;
                    } else {
                        fix(child);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(fix),
            _ => {}
        }
    }
    let mut spec: Value = serde_json::from_slice(&std::fs::read(from).unwrap()).unwrap();
    fix(&mut spec);
    let server_path = spec["servers"][0]["url"].as_str().unwrap_or("").to_string();
    if server_path.ends_with("/rest")
        && let Some(Value::Object(paths)) = spec.get_mut("paths")
    {
        let moved: serde_json::Map<String, Value> = std::mem::take(paths)
            .into_iter()
            .map(|(p, v)| {
                (
                    if p.starts_with("/rest/") {
                        p
                    } else {
                        format!("/rest{p}")
                    },
                    v,
                )
            })
            .collect();
        *paths = moved;
        dc_defects(&mut spec);
    }
    query_lists_as_text(&mut spec);
    agile_schemas_from_examples(&mut spec);
    std::fs::write(to, serde_json::to_vec(&spec).unwrap()).unwrap();
}

/// Many answers of the Jira Software document (sprints, epics, a sprint's or an epic's issues)
/// have an example but no schema, which Prism cannot generate a response from (it answers 500
/// in dynamic mode). Those under `/rest/agile/` get the schema of their example: its shape,
/// with every property required and any value of each type. No other document has such paths.
fn agile_schemas_from_examples(spec: &mut Value) {
    fn shape(v: &Value) -> Value {
        match v {
            Value::Null => json!({}),
            Value::Bool(_) => json!({"type": "boolean"}),
            Value::Number(n) if n.is_i64() || n.is_u64() => json!({"type": "integer"}),
            Value::Number(_) => json!({"type": "number"}),
            Value::String(_) => json!({"type": "string"}),
            Value::Array(a) => json!({"type": "array", "items": a.first().map(shape).unwrap_or(json!({}))}),
            Value::Object(m) => json!({
                "type": "object",
                "properties": m.iter().map(|(k, v)| (k.clone(), shape(v))).collect::<serde_json::Map<_, _>>(),
                "required": m.keys().collect::<Vec<_>>(),
            }),
        }
    }
    let Some(Value::Object(paths)) = spec.get_mut("paths") else {
        return;
    };
    for (_, item) in paths.iter_mut().filter(|(p, _)| p.starts_with("/rest/agile/")) {
        for op in item.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
            let Some(Value::Object(responses)) = op.get_mut("responses") else {
                continue;
            };
            for (_, r) in responses.iter_mut().filter(|(code, _)| code.starts_with('2')) {
                if let Some(Value::Object(json)) = r.pointer_mut("/content/application~1json")
                    && !json.contains_key("schema")
                    && let Some(example) = json.get("example").filter(|e| e.is_object() || e.is_array())
                {
                    let schema = shape(example);
                    json.insert("schema".into(), schema);
                }
            }
        }
    }
}

/// The Jira Software document types some query parameters — `fields=summary,status`,
/// `state=active,future`, `type=scrum` — as objects without properties (or lists of them);
/// they are comma-separated text. The other documents have no such parameter, so this changes
/// nothing for them.
fn query_lists_as_text(spec: &mut Value) {
    let opaque = |s: &Value| s["type"] == "object" && s.get("properties").is_none();
    let Some(Value::Object(paths)) = spec.get_mut("paths") else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut().filter_map(Value::as_object_mut) {
            if let Some(Value::Array(params)) = op.get_mut("parameters") {
                for p in params.iter_mut().filter(|p| p["in"] == "query") {
                    let schema = &p["schema"];
                    if opaque(schema) || (schema["type"] == "array" && opaque(&schema["items"])) {
                        p["schema"] = json!({"type": "string"});
                    }
                }
            }
        }
    }
}

/// Defects of the Data Center document, worked around here and not in the product: it
/// declares only Basic auth (Data Center takes personal access tokens as Bearer), it types
/// every value of an issue's `fields` as an object (summary, labels and dates are not), and
/// query lists such as `fields=summary,status` as lists of objects.
fn dc_defects(spec: &mut Value) {
    spec["components"]["securitySchemes"]["bearer"] = json!({"type": "http", "scheme": "bearer"});
    if let Some(Value::Object(paths)) = spec.get_mut("paths") {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in item.values_mut().filter_map(Value::as_object_mut) {
                if let Some(Value::Array(sec)) = op.get_mut("security") {
                    sec.push(json!({"bearer": []}));
                }
                // Query lists (`fields`, `expand`) are comma-separated names, not objects.
                if let Some(Value::Array(params)) = op.get_mut("parameters") {
                    for p in params.iter_mut().filter(|p| p["in"] == "query") {
                        let list = json!("#/components/schemas/StringList");
                        if p["schema"]["$ref"] == list || p["schema"]["items"]["$ref"] == list {
                            p["schema"] = json!({"type": "string"});
                        }
                    }
                }
            }
        }
    }
    if let Some(Value::Object(schemas)) = spec["components"].get_mut("schemas") {
        for schema in schemas.values_mut() {
            if let Some(fields) = schema.pointer_mut("/properties/fields")
                && fields.get("additionalProperties").is_some()
            {
                fields["additionalProperties"] = json!({});
            }
        }
    }
}

async fn harness(prism: &Prism) -> Harness {
    harness_of(prism, "cloud").await
}

pub(crate) async fn harness_of(prism: &Prism, flavor: &str) -> Harness {
    // Prism answers on the server's own paths, so the REST base is the mock itself.
    Setup::new()
        .env("JIRA_MCP_API_BASE", &prism.uri())
        .env("JIRA_MCP_MAX_RETRIES", "0")
        .env("JIRA_MCP_FLAVOR", flavor)
        .start()
        .await
}

/// Calls a tool and asserts Prism accepted every request it made.
pub(crate) async fn call_checked(h: &Harness, prism: &Prism, tool: &str, args: Value, expect_ok: bool) -> String {
    // Let Prism flush the previous call's log lines before taking the offset.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let from = prism.log_text().len();
    let r = h.call(tool, args.clone()).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let violations = prism.violations_since(from);
    assert!(
        violations.is_empty(),
        "{tool} {args}: Prism rejected a request:\n{}",
        violations.join("\n")
    );
    let t = text(&r);
    if expect_ok {
        assert_ne!(r.is_error, Some(true), "{tool} {args} failed: {t}");
    }
    t
}

fn read_calls() -> Vec<(&'static str, Value)> {
    vec![
        ("jira_get_issue", json!({"issue_key": "PROJ-1"})),
        ("jira_get_issue", json!({"issue_key": "PROJ-1", "comments": 0})),
        (
            "jira_search",
            json!({"jql": "project = PROJ ORDER BY updated DESC", "max_results": 5}),
        ),
        (
            "jira_search",
            json!({"jql": "project = PROJ", "next_page_token": "abc"}),
        ),
        (
            "jira_get_comments",
            json!({"issue_key": "PROJ-1", "max_results": 5, "start_at": 5}),
        ),
        ("jira_list_projects", json!({"query": "plat", "max_results": 10})),
        ("jira_get_myself", json!({})),
        ("jira_check_jql", json!({"jql": "project = PROJ AND status = Done"})),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_request_is_accepted_by_atlassians_spec() {
    let Some(bin) = prism_path() else {
        assert!(
            std::env::var("JIRA_MCP_REQUIRE_TEST_SERVERS").is_err(),
            "Prism is required (JIRA_MCP_REQUIRE_TEST_SERVERS) but not installed: run `npm ci` in tests/node"
        );
        eprintln!("skipping contract tests: Prism is not installed (npm ci in tests/node)");
        return;
    };
    let seeds = [1u32, 2, 3];
    let spec = "jira-platform-v3.json";
    let mut static_prism = Prism::start(&bin, None, spec);
    let mut dynamic: Vec<Prism> = seeds.iter().map(|s| Prism::start(&bin, Some(*s), spec)).collect();
    static_prism.wait_ready();
    for p in &mut dynamic {
        p.wait_ready();
    }

    // Static mode: the writes (the spec's examples are not parseable issue data, so reads are
    // covered by the dynamic servers below).
    let h = harness(&static_prism).await;
    let account = "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077";
    let writes = vec![
        (
            "jira_create_issue",
            json!({
                "project": "PROJ", "issue_type": "Bug", "summary": "Login loops",
                "description": "## Steps\n\n1. sign in\n2. **wait**\n\n```sh\ncurl -v x\n```\n\n| a | b |\n| --- | --- |\n| 1 | 2 |",
                "assignee": account, "labels": ["sso", "auth"], "priority": "High", "parent": "PROJ-100",
                "components": ["Auth"], "due_date": "2026-12-31"
            }),
        ),
        (
            "jira_update_issue",
            json!({"issue_key": "PROJ-1", "summary": "New title", "description": "> quoted\n\n- a\n  - b", "assignee": "", "due_date": ""}),
        ),
        (
            "jira_add_comment",
            json!({"issue_key": "PROJ-1", "body": "Fixed in `main`, see [PR](https://example.com/pr/1)."}),
        ),
    ];
    for (tool, args) in writes {
        call_checked(&h, &static_prism, tool, args, true).await;
    }
    // Reads in static mode: requests must be accepted (results may be empty).
    for (tool, args) in read_calls() {
        call_checked(&h, &static_prism, tool, args, false).await;
    }

    let mut transitioned = 0;
    // Dynamic mode, several seeds: every read tool copes with whatever the schema allows.
    for prism in &dynamic {
        let h = harness(prism).await;
        for (tool, args) in read_calls() {
            call_checked(&h, prism, tool, args, true).await;
        }
        // A transition: learn an available name from the (deterministic) generated list.
        let listed = reqwest::Client::new()
            .get(format!("{}/rest/api/3/issue/PROJ-1/transitions", prism.uri()))
            .header("Authorization", "Bearer x")
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap_or(Value::Null);
        let names: Vec<String> = listed["transitions"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let unique = names
            .iter()
            .find(|n| !n.is_empty() && names.iter().filter(|m| m.eq_ignore_ascii_case(n)).count() == 1);
        if let Some(name) = unique {
            call_checked(
                &h,
                prism,
                "jira_transition_issue",
                json!({"issue_key": "PROJ-1", "transition": name, "comment": "Moving on.", "resolution": "Done"}),
                true,
            )
            .await;
            // The bulk form sends the same requests per issue; its report must be all success.
            let t = call_checked(
                &h,
                prism,
                "jira_bulk_transition",
                json!({"issue_keys": ["PROJ-1", "PROJ-2"], "transition": name, "resolution": "Done"}),
                true,
            )
            .await;
            assert!(t.contains("2 succeeded, 0 failed"), "{t}");
            transitioned += 1;
        }
    }
    assert!(
        transitioned > 0,
        "no seed offered a transition: transitions went unchecked"
    );
    // A first page with more to come is counted: that request was checked by Prism too.
    assert!(
        std::iter::once(&static_prism)
            .chain(&dynamic)
            .any(|p| p.log_text().contains("/rest/api/3/search/approximate-count")),
        "no search was counted; the count request went unchecked"
    );
}

/// The same on Data Center: every request the v2 paths send is one the 10.3 document allows,
/// and every read tool turns what its schemas allow into a result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_data_center_request_is_accepted_by_the_dc_spec() {
    let Some(bin) = prism_path() else {
        assert!(
            std::env::var("JIRA_MCP_REQUIRE_TEST_SERVERS").is_err(),
            "Prism is required (JIRA_MCP_REQUIRE_TEST_SERVERS) but not installed: run `npm ci` in tests/node"
        );
        return;
    };
    let spec = "jira-dc-10.3.json";
    let mut static_prism = Prism::start(&bin, None, spec);
    let mut dynamic: Vec<Prism> = [1u32, 2].iter().map(|s| Prism::start(&bin, Some(*s), spec)).collect();
    static_prism.wait_ready();
    for p in &mut dynamic {
        p.wait_ready();
    }
    let reads = || {
        vec![
            ("jira_get_issue", json!({"issue_key": "OPS-1"})),
            ("jira_search", json!({"jql": "project = OPS", "max_results": 5})),
            ("jira_search", json!({"jql": "project = OPS", "next_page_token": "5"})),
            (
                "jira_get_comments",
                json!({"issue_key": "OPS-1", "max_results": 5, "start_at": 5}),
            ),
            ("jira_list_projects", json!({"query": "op"})),
            ("jira_get_myself", json!({})),
        ]
    };
    let h = harness_of(&static_prism, "datacenter").await;
    let writes = vec![
        (
            "jira_create_issue",
            json!({
                "project": "OPS", "issue_type": "Bug", "summary": "Export loops",
                "description": "## Steps\n\n1. run\n2. **wait**\n\n```sh\ncurl -v x\n```",
                "labels": ["export"], "priority": "Major", "components": ["Exporter"], "due_date": "2026-12-31"
            }),
        ),
        (
            "jira_update_issue",
            json!({"issue_key": "OPS-1", "summary": "New title", "description": "> quoted", "assignee": ""}),
        ),
        (
            "jira_add_comment",
            json!({"issue_key": "OPS-1", "body": "Fixed in `main`."}),
        ),
    ];
    for (tool, args) in writes {
        call_checked(&h, &static_prism, tool, args, true).await;
    }
    for (tool, args) in reads() {
        call_checked(&h, &static_prism, tool, args, false).await;
    }
    for prism in &dynamic {
        let h = harness_of(prism, "datacenter").await;
        for (tool, args) in reads() {
            call_checked(&h, prism, tool, args, true).await;
        }
        h.assert_declared_operations_only();
    }
    assert!(
        static_prism.log_text().contains("/rest/api/2/search"),
        "the Data Center search went unchecked"
    );
}
