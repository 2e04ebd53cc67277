//! `jira-mcp`: parse the command line, send logs to stderr, run, exit.

mod cli;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() {
    let cli = cli::Cli::parse();
    // Logs go to stderr only: over stdio, stdout belongs to the MCP protocol.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,jira_mcp=info,rmcp=warn")),
        )
        .init();
    // Tool calls wait on Jira, not on the CPU: one thread serves stdio and, by default, HTTP.
    // It keeps the resident set small (fewer threads, fewer malloc arenas) and costs the least
    // per call (no wake-ups across threads, no contended allocator arenas). `--workers` adds
    // threads for deployments that render large issues for many sessions at once.
    let mut builder = match cli.worker_threads() {
        1 => tokio::runtime::Builder::new_current_thread(),
        n => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(n);
            b
        }
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("jira-mcp: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = match runtime.block_on(cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("jira-mcp: {e:#}");
            2
        }
    };
    // stdin may still have a pending read that cannot be cancelled; do not wait for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    std::process::exit(code);
}
