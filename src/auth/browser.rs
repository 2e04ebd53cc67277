//! Opening the consent page in the user's browser.
//!
//! The URL is always written to stderr first, so a user can open it by hand. The browser is
//! started with its output suppressed (over stdio, our stdout belongs to MCP) and off the async
//! runtime, since text-mode browsers block. `BROWSER` is honoured (by `webbrowser`).

use url::Url;

/// Tries to open `url`; `false` when no browser could be started (headless machine, SSH).
pub async fn open(url: &Url) -> bool {
    eprintln!("jira-mcp: opening Atlassian's sign-in page: {url}");
    let target = url.to_string();
    let opened = tokio::task::spawn_blocking(move || {
        webbrowser::open_browser_with_options(
            webbrowser::Browser::Default,
            &target,
            webbrowser::BrowserOptions::new().with_suppress_output(true),
        )
    })
    .await;
    match opened {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::info!(error = %e, "no browser could be opened");
            false
        }
        Err(_) => false,
    }
}
