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
    // One client on stdio needs no worker pool: a single-threaded runtime keeps the resident
    // set small (fewer threads, fewer malloc arenas). HTTP serves many sessions: all cores.
    let mut builder = if cli.serves_http() {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
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
