//! The MCP server: one [`JiraMcp`] value serves every transport.
//!
//! It holds the shared state (the Jira client) and the [`Router`] of the selected tools that
//! exist on the profile's flavor (a tool of the other flavor called by name says so). Before
//! a tool runs, [`JiraMcp::call_tool`] makes sure there is a credential, signing the user in
//! through the client (URL elicitation; for clients of MCP 2026-07-28, which take no server
//! requests, an input-required result that their retry completes), the browser, or a message
//! with the URL ([`CallUi`]),
//! then checks the granted OAuth scopes against what the tool needs, so a missing scope is
//! explained before Jira is asked; a tool is never hidden because of its scopes.

use std::sync::{
    Arc,
    atomic::{AtomicU32, AtomicUsize, Ordering},
};

use futures::future::BoxFuture;
use rmcp::{
    ErrorData, Peer, RoleServer, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ElicitRequest, ElicitRequestParams,
        ElicitationAction, Implementation, InputRequest, InputRequests, InputRequiredResult, ListToolsResult,
        PaginatedRequestParams, ProgressNotificationParam, ProgressToken, ProtocolVersion, ServerCapabilities,
        ServerConfig, Tool,
    },
    service::{ElicitationMode, RequestContext},
};
use url::Url;

mod dynamic;

use crate::{
    auth::{LoginUi, Presented, browser},
    jira::{JiraClient, ops},
    toolsets::{Ctx, Progress, Router, Selection},
};

/// The server. Cheap to clone: one per session shares the same state.
#[derive(Clone)]
pub struct JiraMcp {
    pub(crate) jira: Arc<JiraClient>,
    /// Shared, not copied: rmcp clones the handler for every request it serves. Replaced as a
    /// whole when the model enables a toolset (`--dynamic-toolsets`).
    router: Arc<std::sync::RwLock<Arc<Router>>>,
    /// Tool calls running now, across every session (graceful shutdown waits for them).
    in_flight: Arc<AtomicUsize>,
    /// The multi-user server: each call runs with its caller's own Jira client.
    users: Option<Arc<dyn Users>>,
}

/// Jira clients per signed-in user, for the multi-user server: who is calling comes with each
/// HTTP request (its `Parts`), put there by the transport's authentication.
pub trait Users: Send + Sync {
    /// The caller's own Jira client; `Err` with what to tell them.
    fn client<'a>(&'a self, parts: Option<&'a http::request::Parts>) -> BoxFuture<'a, Result<Arc<JiraClient>, String>>;
    /// One audit line for a finished call: who, which tool, the outcome and its duration.
    fn audit(&self, parts: Option<&http::request::Parts>, tool: &str, ok: bool, millis: u128);
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
        let router = routed(selection, jira.flavor());
        JiraMcp {
            jira,
            router,
            in_flight: Arc::new(AtomicUsize::new(0)),
            users: None,
        }
    }

    /// The same server, serving each call as its signed-in user (`serve --multi-user`).
    pub fn with_users(mut self, users: Arc<dyn Users>) -> Self {
        self.users = Some(users);
        self
    }

    /// True when calls run as their signed-in users.
    pub fn is_multi_user(&self) -> bool {
        self.users.is_some()
    }

    /// The same server (same Jira client, same in-flight count) with another tool selection:
    /// what an HTTP session that asks for `?toolsets=…` gets.
    pub fn with_selection(&self, selection: &Selection) -> Self {
        JiraMcp {
            jira: self.jira.clone(),
            router: routed(selection, self.jira.flavor()),
            in_flight: self.in_flight.clone(),
            users: self.users.clone(),
        }
    }

    /// The server for one new session: the same state, and its own tool list (a toolset one
    /// session enables does not appear in another's).
    pub fn for_session(&self) -> Self {
        let router = self.router();
        if router.selection.dynamic {
            self.with_selection(&router.selection)
        } else {
            self.clone()
        }
    }

    fn router(&self) -> Arc<Router> {
        match self.router.read() {
            Ok(r) => r.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Tool calls running now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// The tools this server lists.
    pub fn tools(&self) -> Vec<Tool> {
        let router = self.router();
        let mut tools = router.list();
        if router.selection.dynamic {
            tools.push(dynamic::tool());
        }
        tools
    }

    /// Every Jira operation sent so far, with the tool that sent it (for tests).
    pub fn sent_operations(&self) -> Vec<crate::jira::ops::Sent> {
        self.jira.sent_operations()
    }
}

/// A router for `selection`, in the cell a session may replace it in.
fn routed(selection: &Selection, flavor: crate::config::Flavor) -> Arc<std::sync::RwLock<Arc<Router>>> {
    Arc::new(std::sync::RwLock::new(Arc::new(Router::new(selection, flavor))))
}

impl ServerHandler for JiraMcp {
    fn get_info(&self) -> ServerConfig {
        let caps = if self.router().selection.dynamic {
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .build()
        } else {
            ServerCapabilities::builder().enable_tools().build()
        };
        ServerConfig::new(caps)
            .with_server_info(Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        let router = self.router();
        if router.selection.dynamic && name == dynamic::NAME {
            return Some(dynamic::tool());
        }
        router.definition(name)
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
        let router = self.router();
        if router.selection.dynamic && request.name == dynamic::NAME {
            return Ok(self.toolsets_call(&router, request, &context).await.into());
        }
        let Some(tool) = router.get(&request.name) else {
            let why = router.why_not(&request.name);
            return Ok(CallToolResult::error(vec![ContentBlock::text(why)]).into());
        };
        let declined = sign_in_declined(&request);
        let args = request.arguments.unwrap_or_default();
        // Bad input is reported before anything else, sign-in included.
        if let Err(message) = router.check_arguments(tool.name, &args) {
            return Ok(CallToolResult::error(vec![ContentBlock::text(message)]).into());
        }
        if declined {
            let message = format!(
                "Signing in to Atlassian was declined, so {} did not run. Call it again to sign in, or run `{}` in a \
                 terminal.",
                tool.name,
                crate::auth::login::login_command(&self.jira.config().profile)
            );
            return Ok(CallToolResult::error(vec![ContentBlock::text(message)]).into());
        }
        let progress = Progress {
            peer: context.peer.clone(),
            token: context.meta.get_progress_token(),
        };
        let parts = context.extensions.get::<http::request::Parts>();
        let jira = match &self.users {
            None => self.jira.clone(),
            Some(users) => match users.client(parts).await {
                Ok(c) => c,
                Err(message) => return Ok(CallToolResult::error(vec![ContentBlock::text(message)]).into()),
            },
        };
        let started = std::time::Instant::now();
        let cx = Ctx { jira, tool, progress };
        // Every request needs a credential, then the tool's scopes: checked on the tool's first
        // request, so that bad input is refused before anything asks for a sign-in.
        let gate = Arc::new(CallGate {
            cx: cx.clone(),
            ui: CallUi {
                peer: context.peer.clone(),
                progress: context.meta.get_progress_token(),
                step: AtomicU32::new(0),
                to_client: takes_sign_in_as_input(&context),
                handed: std::sync::OnceLock::new(),
            },
            outcome: tokio::sync::OnceCell::new(),
        });
        let declared = ops::Declared::new(tool.name, tool.ops, Some(gate.clone()));
        let budget = self.jira.config().call_timeout;
        let large = text_bytes(&args) >= LARGE_ARGUMENTS;
        let call = tokio::time::timeout(budget, ops::scope(declared, (tool.handler.run)(cx, args)));
        let outcome = if large {
            // Converting a large Markdown argument (to ADF or wiki markup) is CPU work linear
            // in its size: such a call runs on the blocking pool, driven by its own thread,
            // while the runtime thread goes on serving every other session. The runtime
            // thread still drives its I/O and timers (it is in `Runtime::block_on`).
            let handle = tokio::runtime::Handle::current();
            match tokio::task::spawn_blocking(move || handle.block_on(call)).await {
                Ok(outcome) => outcome,
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        } else {
            call.await
        };
        // The call stopped at a sign-in whose URL goes to the client: ask for it to be opened.
        if let Some(url) = gate.ui.handed.get() {
            return Ok(sign_in_input(url).into());
        }
        if let Some(users) = &self.users {
            let ok = matches!(&outcome, Ok(r) if r.is_error != Some(true));
            users.audit(parts, tool.name, ok, started.elapsed().as_millis());
        }
        match outcome {
            Ok(result) => Ok(result.into()),
            Err(_) => {
                tracing::warn!(
                    tool = tool.name,
                    secs = budget.as_secs(),
                    "tool call stopped at its time budget"
                );
                let message = format!(
                    "{} did not finish within {} seconds (JIRA_MCP_CALL_TIMEOUT_SECS) and was stopped: Jira is \
                     answering slowly. {}",
                    tool.name,
                    budget.as_secs(),
                    if tool.access.read_only {
                        "Try again, or narrow the request."
                    } else {
                        "A change it was making may be partly applied: read the item again before retrying."
                    }
                );
                Ok(CallToolResult::error(vec![ContentBlock::text(message)]).into())
            }
        }
    }
}

impl JiraMcp {
    /// `jira_toolsets`: lists the toolsets, or enables one and tells the client that the
    /// tool list changed.
    async fn toolsets_call(
        &self,
        router: &Router,
        request: CallToolRequestParams,
        context: &RequestContext<RoleServer>,
    ) -> CallToolResult {
        let args = request.arguments.unwrap_or_default();
        let enable = match dynamic::parse(&args) {
            Ok(e) => e,
            Err(message) => return CallToolResult::error(vec![ContentBlock::text(message)]),
        };
        let Some(id) = enable else {
            return dynamic::listing(router);
        };
        let Some(ts) = crate::toolsets::TOOLSETS.iter().find(|t| t.id == id) else {
            return CallToolResult::error(vec![ContentBlock::text(dynamic::unknown(&id))]);
        };
        let already = router.selection.toolsets.contains(&ts.id);
        if !already {
            let next = Arc::new(Router::new(&router.selection.with_toolset(ts.id), self.jira.flavor()));
            match self.router.write() {
                Ok(mut r) => *r = next,
                Err(poisoned) => *poisoned.into_inner() = next,
            }
            let _ = context.peer.notify_tool_list_changed().await;
        }
        dynamic::enabled(&self.router(), ts, already)
    }
}

/// The key of the sign-in's input request, and the state a retry echoes.
const SIGN_IN_INPUT: &str = "atlassian_sign_in";

/// True when the client takes a sign-in as an input request in the result: it speaks MCP
/// 2026-07-28 or later (no server-to-client requests) and can open URLs for the user.
fn takes_sign_in_as_input(context: &RequestContext<RoleServer>) -> bool {
    let modern = context
        .protocol_version()
        .is_some_and(|v| v.as_str() >= ProtocolVersion::V_2026_07_28.as_str());
    let caps = context
        .meta
        .client_capabilities()
        .or_else(|| context.peer.peer_info().map(|i| i.capabilities.clone()));
    modern && caps.and_then(|c| c.elicitation).is_some_and(|e| e.url.is_some())
}

/// The input-required result that hands the consent URL to the client.
fn sign_in_input(url: &Url) -> InputRequiredResult {
    let params = ElicitRequestParams::UrlElicitationParams {
        meta: None,
        message: "Sign in to Atlassian so that jira-mcp can use Jira on your behalf.".into(),
        url: url.to_string(),
        elicitation_id: String::new(),
    };
    let mut requests = InputRequests::new();
    requests.insert(
        SIGN_IN_INPUT.into(),
        InputRequest::Elicitation(ElicitRequest::new(params)),
    );
    InputRequiredResult::new(Some(requests), Some(SIGN_IN_INPUT.into()))
}

/// True when this is the retry of a call whose sign-in the user declined or dismissed.
fn sign_in_declined(request: &CallToolRequestParams) -> bool {
    if request.request_state.as_deref() != Some(SIGN_IN_INPUT) {
        return false;
    }
    let action = request
        .input_responses
        .as_ref()
        .and_then(|r| r.get(SIGN_IN_INPUT))
        .and_then(|v| v.get("action"))
        .and_then(|a| a.as_str());
    action != Some("accept")
}

/// Arguments carrying this much text make a call run on the blocking pool (see `call_tool`).
const LARGE_ARGUMENTS: usize = 64 << 10;

/// The bytes of text in `args`: its strings and keys, at any depth (without recursion: the
/// depth is the client's choice).
fn text_bytes(args: &rmcp::model::JsonObject) -> usize {
    use serde_json::Value;
    let mut total = 0usize;
    let mut stack: Vec<&Value> = Vec::new();
    for (k, v) in args {
        total = total.saturating_add(k.len());
        stack.push(v);
    }
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => total = total.saturating_add(s.len()),
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => {
                for (k, v) in o {
                    total = total.saturating_add(k.len());
                    stack.push(v);
                }
            }
            _ => total = total.saturating_add(8),
        }
    }
    total
}

/// The sign-in and scope check of one tool call, run once, on its first request.
struct CallGate {
    cx: Ctx,
    ui: CallUi,
    outcome: tokio::sync::OnceCell<Result<(), (crate::http::ErrorKind, String)>>,
}

impl ops::Gate for CallGate {
    fn pass(&self) -> futures::future::BoxFuture<'_, Result<(), crate::jira::JiraError>> {
        Box::pin(async move {
            let outcome = self
                .outcome
                .get_or_init(|| async {
                    let jira = &self.cx.jira;
                    if let Err(e) = jira.prepare(&self.ui).await {
                        tracing::info!(tool = self.cx.tool.name, error = %e, "no credential for the call");
                        let message = match &e {
                            crate::auth::AuthError::Config(problem) => format!(
                                "jira-mcp is not configured to reach Jira: {problem}. Fix the server's environment in \
                                 the MCP client's settings (or config.toml), then restart the server; `jira-mcp \
                                 status` checks it."
                            ),
                            _ => format!("Not signed in: {e}."),
                        };
                        return Err((crate::http::ErrorKind::Auth, message));
                    }
                    if let Some(granted) = jira.granted_scopes()
                        && let Some(message) = missing_scope(&self.cx, &granted)
                    {
                        return Err((crate::http::ErrorKind::Scope, message));
                    }
                    Ok(())
                })
                .await;
            outcome
                .clone()
                .map_err(|(kind, message)| crate::jira::JiraError::Refused { kind, message })
        })
    }
}

/// The explanation when the grant cannot cover the tool: Cloud's scopes per operation; Data
/// Center's levels (`READ`, `WRITE`, `ADMIN`, `SYSTEM_ADMIN`), where writing needs `WRITE`.
fn missing_scope(cx: &Ctx, granted: &[String]) -> Option<String> {
    let mut ecx = cx.error_context(None);
    ecx.scopes = cx.tool.missing_scopes(cx.jira.flavor(), granted);
    (!ecx.scopes.is_empty()).then(|| ecx.scope_message(false))
}

/// Reaches the user during one tool call: URL elicitation when the client supports it, else
/// the system browser; progress notifications while waiting.
struct CallUi {
    peer: Peer<RoleServer>,
    progress: Option<ProgressToken>,
    step: AtomicU32,
    /// The client takes the consent URL as an input request (MCP 2026-07-28).
    to_client: bool,
    /// The consent URL, once handed to the client.
    handed: std::sync::OnceLock<Url>,
}

impl LoginUi for CallUi {
    fn present<'a>(&'a self, url: &'a Url) -> BoxFuture<'a, Presented> {
        Box::pin(async move {
            if self.to_client {
                let _ = self.handed.set(url.clone());
                return Presented::ToClient;
            }
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
