//! The MCP server: one [`JiraMcp`] value serves every transport.
//!
//! It holds the shared state (the Jira client) and the router of the selected tools. Before
//! a tool runs, [`JiraMcp::call_tool`] makes sure there is a credential, signing the user in
//! through the client (URL elicitation), the browser, or a message with the URL ([`CallUi`]),
//! then checks the granted OAuth scopes against what the tool needs, so a missing scope is
//! explained before Jira is asked; a tool is never hidden because of its scopes.

use std::sync::{
    Arc,
    atomic::{AtomicU32, AtomicUsize, Ordering},
};

use futures::future::BoxFuture;
use rmcp::{
    ErrorData, Peer, RoleServer, ServerHandler,
    handler::server::{router::tool::ToolRouter, tool::ToolCallContext},
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ElicitationAction, Implementation,
        ProgressNotificationParam, ProgressToken, ServerCapabilities, ServerConfig,
    },
    service::{ElicitationMode, RequestContext},
    tool_handler,
};
use url::Url;

use crate::{
    auth::{LoginUi, Presented, browser},
    jira::{JiraClient, JiraError},
    toolsets::{self, ErrorContext, Selection, ToolError},
};

/// The server. Cheap to clone: one per session shares the same state.
#[derive(Clone)]
pub struct JiraMcp {
    pub(crate) jira: Arc<JiraClient>,
    /// Shared, not copied: rmcp clones the handler for every request it serves.
    tool_router: Arc<ToolRouter<JiraMcp>>,
    /// Tool calls running now, across every session (graceful shutdown waits for them).
    in_flight: Arc<AtomicUsize>,
}

/// Counts a call as in flight for as long as it lives (even if the call is cancelled).
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

const INSTRUCTIONS: &str = "Jira tools. Issue keys look like PROJ-123. Text fields take and return Markdown. \
Use jira_search with JQL to find issues (e.g. `assignee = currentUser() AND statusCategory != Done`), \
then jira_get_issue for details.";

impl JiraMcp {
    pub fn new(jira: Arc<JiraClient>, selection: &Selection) -> Self {
        JiraMcp {
            jira,
            tool_router: Arc::new(selection.router()),
            in_flight: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The same server (same Jira client, same in-flight count) with another tool selection:
    /// what an HTTP session that asks for `?toolsets=…` gets.
    pub fn with_selection(&self, selection: &Selection) -> Self {
        JiraMcp {
            jira: self.jira.clone(),
            tool_router: Arc::new(selection.router()),
            in_flight: self.in_flight.clone(),
        }
    }

    /// Tool calls running now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// The tools this server lists.
    pub fn tools(&self) -> Vec<rmcp::model::Tool> {
        self.tool_router.list_all()
    }

    /// The context for explaining a failure of `tool` about `subject`.
    pub(crate) fn error_context(&self, tool: &'static str, subject: Option<String>) -> ErrorContext<'_> {
        ErrorContext {
            tool,
            subject,
            auth: self.jira.auth_kind(),
            profile: &self.jira.config().profile,
            scopes: toolsets::scopes_of(tool),
            granted: self.jira.granted_scopes(),
        }
    }

    /// Maps a Jira failure of `tool` to a tool error that explains it.
    pub(crate) fn fail(&self, tool: &'static str, subject: Option<String>, err: JiraError) -> ToolError {
        let e = self.error_context(tool, subject).explain(err);
        tracing::info!(tool, error = %e, "tool call failed");
        e
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for JiraMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let _in_flight = InFlight(self.in_flight.clone());
        // A cancelled call stops wherever it is: dropping its future aborts the Jira request
        // (a sign-in it started goes on in the background).
        let cancelled = context.ct.clone();
        tokio::select! {
            result = self.run_tool(request, context) => result,
            _ = cancelled.cancelled() => {
                tracing::info!("tool call cancelled by the client");
                Ok(CallToolResult::error(vec![ContentBlock::text("Cancelled.")]).into())
            }
        }
    }
}

impl JiraMcp {
    /// Sign-in if needed, the scope check, then the tool.
    async fn run_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        // Every routed tool is one of ours and needs Jira: a credential first, then its scopes.
        if let Some((_, tool, ops)) = toolsets::lookup(&request.name) {
            let ui = CallUi {
                peer: context.peer.clone(),
                progress: context.meta.get_progress_token(),
                step: AtomicU32::new(0),
            };
            if let Err(e) = self.jira.prepare(&ui).await {
                tracing::info!(tool, error = %e, "no credential for the call");
                return Ok(CallToolResult::error(vec![ContentBlock::text(format!("Not signed in: {e}."))]).into());
            }
            if let Some(granted) = self.jira.granted_scopes() {
                let missing = crate::scopes::missing(ops, &granted);
                if !missing.is_empty() {
                    let mut cx = self.error_context(tool, None);
                    cx.scopes = missing;
                    return Ok(CallToolResult::error(vec![ContentBlock::text(cx.scope_message(false))]).into());
                }
            }
        }
        let tcc = ToolCallContext::new(self, request, context);
        self.tool_router.call(tcc).await
    }
}

/// Reaches the user during one tool call: URL elicitation when the client supports it, else
/// the system browser; progress notifications while waiting.
struct CallUi {
    peer: Peer<RoleServer>,
    progress: Option<ProgressToken>,
    step: AtomicU32,
}

impl LoginUi for CallUi {
    fn present<'a>(&'a self, url: &'a Url) -> BoxFuture<'a, Presented> {
        Box::pin(async move {
            if self.peer.supported_elicitation_modes().contains(&ElicitationMode::Url) {
                let id = format!("jira-mcp-login-{}", std::process::id());
                match self
                    .peer
                    .elicit_url(
                        "Sign in to Atlassian so that jira-mcp can use Jira on your behalf.",
                        url.clone(),
                        id,
                    )
                    .await
                {
                    Ok(ElicitationAction::Accept) => return Presented::Elicited,
                    Ok(_) => return Presented::Declined,
                    Err(e) => tracing::debug!(error = %e, "URL elicitation failed; opening the browser"),
                }
            }
            if browser::open(url).await {
                Presented::Browser
            } else {
                Presented::NotShown
            }
        })
    }

    fn progress<'a>(&'a self, message: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Some(token) = &self.progress {
                let step = self.step.fetch_add(1, Ordering::Relaxed) + 1;
                let _ = self
                    .peer
                    .notify_progress(
                        ProgressNotificationParam::new(token.clone(), f64::from(step)).with_message(message),
                    )
                    .await;
            }
        })
    }
}
