//! Toolsets as data: one declaration per tool.
//!
//! A tool is one [`ToolDef`] static beside its handler: name, description, [`Access`] (the
//! four MCP annotations), where it exists ([`On`]), the REST operations it may call, and
//! [`handler!`]`(f)`, which takes the parameter and result types from the handler's signature
//! (`async fn f(cx: Ctx, p: Params) -> Result<Out<View>, ToolError>`) for the input and output
//! schemas. Each toolset module lists its tools in one [`ToolsetDef`]; [`TOOLSETS`] lists the
//! toolsets. `--toolsets`, `--tools`, `--read-only` (from [`Access`]), the flavor filter, the
//! scope checks, the `tools` and `scopes` commands, the generated catalog in `tools/` and the
//! server's router all read these declarations; nothing else lists tools.
//!
//! While a handler runs, the client refuses operations the tool did not declare
//! (`jira::ops::scope`), so a tool's scopes cannot drift from what it calls.

mod agile;
mod attachments;
mod bulk;
mod comments;
mod dashboards;
mod fields;
mod filters;
mod issues;
mod jsm;
mod jsm_ops;
mod links;
mod paging;
mod params;
mod projects;
mod result;
mod search;
mod users;
mod worklogs;

use std::{collections::BTreeSet, sync::Arc};

use futures::future::BoxFuture;
use rmcp::model::{CallToolResult, JsonObject, Tool, ToolAnnotations};

pub use result::{ErrorContext, Out, OutWith, ToolError};
pub use typed::ToolOutput;

use crate::{
    config::Flavor,
    jira::{JiraClient, JiraError, Op, ops::On},
};

/// The four MCP annotations of a tool. `read_only` is the single source of `--read-only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
}

impl Access {
    /// Reads only.
    pub const READ: Access = Access {
        read_only: true,
        destructive: false,
        idempotent: true,
    };
    /// Adds something new each call (create, comment, transition).
    pub const ADD: Access = Access {
        read_only: false,
        destructive: false,
        idempotent: false,
    };
    /// Creates, or overwrites what is there (one tool for both, such as saving a filter).
    pub const SAVE: Access = Access {
        read_only: false,
        destructive: true,
        idempotent: false,
    };
    /// Overwrites what is there; the same call twice has the effect of one.
    pub const UPDATE: Access = Access {
        read_only: false,
        destructive: true,
        idempotent: true,
    };

    fn annotations(self) -> ToolAnnotations {
        ToolAnnotations::new()
            .read_only(self.read_only)
            .destructive(self.destructive)
            .idempotent(self.idempotent)
            .open_world(true)
    }
}

/// What [`handler!`] builds: the typed handler behind untyped function pointers.
pub struct Handler {
    pub run: fn(Ctx, JsonObject) -> BoxFuture<'static, CallToolResult>,
    pub input: fn() -> Arc<JsonObject>,
    pub output: fn() -> Arc<JsonObject>,
}

/// Wraps `async fn f(cx: Ctx, p: P) -> Result<Out<T>, ToolError>` (or `OutWith<T>`) as a [`Handler`]: the
/// arguments are read into `P` (a clear error when they do not fit), the schemas come from
/// `P` and `T`.
macro_rules! handler {
    ($f:path) => {
        $crate::toolsets::Handler {
            run: |cx, args| Box::pin($crate::toolsets::typed::run(cx, args, $f)),
            input: || $crate::toolsets::typed::input_of($f),
            output: || $crate::toolsets::typed::output_of($f),
        }
    };
}
pub(crate) use handler;

/// One tool, declared once.
pub struct ToolDef {
    pub name: &'static str,
    pub description: &'static str,
    pub access: Access,
    /// The flavors the tool exists on; elsewhere it is hidden, and a call by name says why.
    pub on: On,
    /// Every REST operation the tool may call, on either flavor. Operations used only in some
    /// cases (user lookup, field metadata) count too: the grant must cover them for the tool
    /// to always work.
    pub ops: &'static [Op],
    pub handler: Handler,
}

/// The definitions of `tools/schemas/`, embedded at build time (see `build.rs`).
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/definitions.rs"));
}

impl ToolDef {
    /// The definition a server lists: the generated one of `tools/schemas/` (equal to
    /// [`ToolDef::to_tool`], which the catalog test checks), else generated now.
    pub fn definition(&self) -> Tool {
        embedded::DEFINITIONS
            .iter()
            .find(|(name, _)| *name == self.name)
            .and_then(|(_, json)| serde_json::from_str(json).ok())
            .unwrap_or_else(|| self.to_tool())
    }

    /// The MCP definition `tools/list` shows, generated from the code.
    pub fn to_tool(&self) -> Tool {
        Tool::new(self.name, self.description, (self.handler.input)())
            .with_raw_output_schema((self.handler.output)())
            .with_annotations(self.access.annotations())
    }

    /// The classic OAuth scopes the tool needs on Cloud.
    pub fn scopes(&self) -> BTreeSet<String> {
        crate::scopes::classic_for(&self.cloud_op_ids())
    }

    /// The scopes the tool needs on `flavor`: Cloud's classic scopes, or the Data Center
    /// provider's level (`WRITE` to change anything, else `READ`).
    pub fn scopes_on(&self, flavor: Flavor) -> BTreeSet<String> {
        match flavor {
            Flavor::Cloud => self.scopes(),
            Flavor::DataCenter => BTreeSet::from([if self.access.read_only { "READ" } else { "WRITE" }.to_string()]),
        }
    }

    /// What `granted` lacks for this tool on `flavor` (empty when it is covered). Data Center's
    /// levels include the ones below them.
    pub fn missing_scopes(&self, flavor: Flavor, granted: &[String]) -> BTreeSet<String> {
        match flavor {
            Flavor::Cloud => crate::scopes::missing(&self.cloud_op_ids(), granted),
            Flavor::DataCenter => {
                let level = |s: &str| match s {
                    "READ" => 1,
                    "WRITE" => 2,
                    "ADMIN" => 3,
                    "SYSTEM_ADMIN" => 4,
                    _ => 0,
                };
                let has = granted.iter().map(|g| level(g)).max().unwrap_or(0);
                let needs = if self.access.read_only { 1 } else { 2 };
                if has >= needs {
                    BTreeSet::new()
                } else {
                    self.scopes_on(flavor)
                }
            }
        }
    }

    /// The ids of the operations the tool may call on Cloud (the scope table's keys).
    pub fn cloud_op_ids(&self) -> Vec<String> {
        self.ops
            .iter()
            .filter(|op| op.on.includes(Flavor::Cloud))
            .map(|op| op.id(Flavor::Cloud))
            .collect()
    }
}

/// A named group of tools that can be enabled together.
pub struct ToolsetDef {
    pub id: &'static str,
    pub description: &'static str,
    /// Enabled when `--toolsets` is not given.
    pub default: bool,
    pub tools: &'static [&'static ToolDef],
}

pub const TOOLSETS: &[&ToolsetDef] = &[
    &issues::TOOLSET,
    &links::TOOLSET,
    &search::TOOLSET,
    &comments::TOOLSET,
    &projects::TOOLSET,
    &users::TOOLSET,
    &bulk::TOOLSET,
    &agile::TOOLSET,
    &worklogs::TOOLSET,
    &attachments::TOOLSET,
    &filters::TOOLSET,
    &dashboards::TOOLSET,
    &fields::TOOLSET,
    &jsm::TOOLSET,
    &jsm_ops::TOOLSET,
];

/// Every tool of every toolset, in toolset order.
pub fn all() -> impl Iterator<Item = (&'static ToolsetDef, &'static ToolDef)> {
    TOOLSETS.iter().flat_map(|ts| ts.tools.iter().map(move |t| (*ts, *t)))
}

/// The toolset and declaration of a tool.
pub fn lookup(tool: &str) -> Option<(&'static ToolsetDef, &'static ToolDef)> {
    all().find(|(_, t)| t.name == tool)
}

/// What a handler gets: the client, the tool it runs as (for explaining failures), and the
/// caller to report progress to.
#[derive(Clone)]
pub struct Ctx {
    pub jira: Arc<JiraClient>,
    pub tool: &'static ToolDef,
    pub progress: Progress,
}

/// Where a long call reports progress: MCP progress notifications, when the client asked for
/// them with a progress token.
#[derive(Clone)]
pub struct Progress {
    pub peer: rmcp::Peer<rmcp::RoleServer>,
    pub token: Option<rmcp::model::ProgressToken>,
}

impl Ctx {
    /// Reports `done` of `total` steps (nothing when the client did not ask for progress).
    pub async fn progress(&self, done: usize, total: usize, message: &str) {
        let Progress {
            peer,
            token: Some(token),
        } = &self.progress
        else {
            return;
        };
        let param = rmcp::model::ProgressNotificationParam::new(token.clone(), done as f64)
            .with_total(total as f64)
            .with_message(message);
        let _ = peer.notify_progress(param).await;
    }

    /// The context for explaining a failure about `subject`.
    pub fn error_context(&self, subject: Option<String>) -> ErrorContext<'_> {
        ErrorContext {
            tool: self.tool.name,
            subject,
            auth: self.jira.auth_kind(),
            flavor: self.jira.flavor(),
            profile: &self.jira.config().profile,
            scopes: self.tool.scopes_on(self.jira.flavor()),
            granted: self.jira.granted_scopes(),
        }
    }

    /// Maps a Jira failure to a tool error that explains it.
    pub fn fail(&self, subject: Option<String>, err: JiraError) -> ToolError {
        let e = self.error_context(subject).explain(err);
        tracing::info!(tool = self.tool.name, kind = ?e.kind, error = %e, "tool call failed");
        e
    }

    /// `fail` with a subject, for `map_err`.
    pub fn failing(&self, subject: impl Into<String>) -> impl Fn(JiraError) -> ToolError + '_ {
        let subject = subject.into();
        move |e| self.fail(Some(subject.clone()), e)
    }

    /// `…/browse/KEY` on the site, once known.
    pub async fn browse_url(&self, key: &str) -> Option<String> {
        self.jira.site_url().await.map(|s| format!("{s}/browse/{key}"))
    }
}

/// The glue [`handler!`] expands to.
pub mod typed {
    use std::{future::Future, sync::Arc};

    use rmcp::model::{CallToolResult, ContentBlock, JsonObject};
    use schemars::JsonSchema;
    use serde::{Serialize, de::DeserializeOwned};

    use super::{Ctx, Out, OutWith, ToolError, result};

    pub async fn run<P, O, F, Fut>(cx: Ctx, args: JsonObject, f: F) -> CallToolResult
    where
        P: DeserializeOwned,
        O: ToolOutput + Send + 'static,
        F: FnOnce(Ctx, P) -> Fut,
        Fut: Future<Output = Result<O, ToolError>>,
    {
        let params: P = match serde_json::from_value(serde_json::Value::Object(args)) {
            Ok(p) => p,
            Err(e) => return ToolError::invalid(e.to_string()).into_result(),
        };
        match f(cx, params).await {
            // Serializing a result built from a large answer is work like any other.
            Ok(out) => crate::jira::offload(move || out.into_result()).await,
            Err(e) => e.into_result(),
        }
    }

    pub fn input_of<P, O, F, Fut>(_: F) -> Arc<JsonObject>
    where
        P: JsonSchema + 'static,
        F: FnOnce(Ctx, P) -> Fut,
        Fut: Future<Output = Result<O, ToolError>>,
    {
        result::input::<P>()
    }

    pub fn output_of<P, O, F, Fut>(_: F) -> Arc<JsonObject>
    where
        O: ToolOutput,
        O::Data: JsonSchema + 'static,
        F: FnOnce(Ctx, P) -> Fut,
        Fut: Future<Output = Result<O, ToolError>>,
    {
        result::schema::<O::Data>()
    }

    /// What a handler may return: [`Out`], or [`OutWith`] (further content blocks).
    pub trait ToolOutput {
        /// The structured content's type (the output schema).
        type Data;
        fn into_result(self) -> CallToolResult;
    }

    impl<T: Serialize> ToolOutput for Out<T> {
        type Data = T;
        fn into_result(self) -> CallToolResult {
            OutWith {
                out: self,
                extra: Vec::new(),
            }
            .into_result()
        }
    }

    impl<T: Serialize> ToolOutput for OutWith<T> {
        type Data = T;
        fn into_result(self) -> CallToolResult {
            match serde_json::to_value(&self.out.data) {
                Ok(value) => {
                    let mut content = vec![ContentBlock::text(self.out.text)];
                    content.extend(self.extra);
                    let mut r = CallToolResult::success(content);
                    r.structured_content = Some(value);
                    r
                }
                Err(e) => ToolError::internal(format!("cannot serialize the result: {e}")).into_result(),
            }
        }
    }

    impl ToolError {
        pub fn into_result(self) -> CallToolResult {
            CallToolResult::error(vec![ContentBlock::text(self.message)])
        }
    }
}

/// Parameters of a tool that takes none.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
pub struct NoParams {}

/// Which tools a server exposes.
#[derive(Debug, Clone)]
pub struct Selection {
    pub toolsets: Vec<&'static str>,
    pub tools: Option<BTreeSet<String>>,
    pub read_only: bool,
    /// `--dynamic-toolsets`: the model may enable further toolsets while the session runs.
    pub dynamic: bool,
}

impl Selection {
    /// Parses `--toolsets a,b|all|default` and `--tools x,y`; unknown names are an error that
    /// lists the valid ones.
    pub fn parse(toolsets: Option<&str>, tools: Option<&str>, read_only: bool) -> Result<Selection, String> {
        let mut chosen: Vec<&'static str> = Vec::new();
        let spec = toolsets.map(str::trim).filter(|s| !s.is_empty()).unwrap_or("default");
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "all" => chosen.extend(TOOLSETS.iter().map(|t| t.id)),
                "default" => chosen.extend(TOOLSETS.iter().filter(|t| t.default).map(|t| t.id)),
                name => match TOOLSETS.iter().find(|t| t.id == name) {
                    Some(t) => chosen.push(t.id),
                    None => {
                        return Err(format!(
                            "unknown toolset `{name}`; valid toolsets: {}, all, default",
                            TOOLSETS.iter().map(|t| t.id).collect::<Vec<_>>().join(", ")
                        ));
                    }
                },
            }
        }
        chosen.sort_unstable();
        chosen.dedup();
        let tools = match tools.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(list) => {
                let mut set = BTreeSet::new();
                for name in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let Some((ts, _)) = lookup(name) else {
                        let names: Vec<&str> = all().map(|(_, t)| t.name).collect();
                        let close: Vec<&str> = names
                            .iter()
                            .filter(|n| strsim::jaro_winkler(n, name) > 0.8)
                            .copied()
                            .collect();
                        let hint = if close.is_empty() { names } else { close };
                        return Err(format!("unknown tool `{name}`; did you mean: {}", hint.join(", ")));
                    };
                    // Naming a tool enables its toolset.
                    if !chosen.contains(&ts.id) {
                        chosen.push(ts.id);
                    }
                    set.insert(name.to_string());
                }
                Some(set)
            }
        };
        Ok(Selection {
            toolsets: chosen,
            tools,
            read_only,
            dynamic: false,
        })
    }

    /// Whether the selection includes `tool`, flavor aside.
    pub fn includes(&self, ts: &ToolsetDef, tool: &ToolDef) -> bool {
        self.toolsets.contains(&ts.id)
            && (!self.read_only || tool.access.read_only)
            && self.tools.as_ref().is_none_or(|set| set.contains(tool.name))
    }

    /// The selected tools that exist on `flavor`, in catalog order.
    pub fn tools(&self, flavor: Flavor) -> Vec<&'static ToolDef> {
        all()
            .filter(|(ts, t)| self.includes(ts, t) && t.on.includes(flavor))
            .map(|(_, t)| t)
            .collect()
    }

    /// The selected tools of both flavors (for the catalog and the scope list).
    pub fn tools_any_flavor(&self) -> Vec<&'static ToolDef> {
        all().filter(|(ts, t)| self.includes(ts, t)).map(|(_, t)| t).collect()
    }

    /// Every tool of every toolset (for the catalog).
    pub fn everything() -> Selection {
        Selection {
            toolsets: TOOLSETS.iter().map(|t| t.id).collect(),
            tools: None,
            read_only: false,
            dynamic: false,
        }
    }

    /// The same selection with toolset `id` enabled too.
    pub fn with_toolset(&self, id: &'static str) -> Selection {
        let mut next = self.clone();
        if !next.toolsets.contains(&id) {
            next.toolsets.push(id);
            next.toolsets.sort_unstable();
        }
        next
    }

    /// What a sign-in must be able to cover: with dynamic toolsets, every toolset that may be
    /// enabled later (a new consent in the middle of a task would be worse).
    pub fn for_scopes(&self) -> Selection {
        if self.dynamic {
            Selection {
                toolsets: TOOLSETS.iter().map(|t| t.id).collect(),
                tools: None,
                ..self.clone()
            }
        } else {
            self.clone()
        }
    }
}

/// The tools one server lists, with their MCP definitions computed once.
pub struct Router {
    pub flavor: Flavor,
    pub selection: Selection,
    tools: Vec<(&'static ToolDef, Tool)>,
}

impl Router {
    pub fn new(selection: &Selection, flavor: Flavor) -> Router {
        Router {
            flavor,
            selection: selection.clone(),
            tools: selection
                .tools(flavor)
                .into_iter()
                .map(|t| (t, t.definition()))
                .collect(),
        }
    }

    pub fn list(&self) -> Vec<Tool> {
        self.tools.iter().map(|(_, t)| t.clone()).collect()
    }

    pub fn get(&self, name: &str) -> Option<&'static ToolDef> {
        self.tools.iter().find(|(d, _)| d.name == name).map(|(d, _)| *d)
    }

    /// Rejects arguments the tool does not take, with the valid names: a misspelt or invented
    /// parameter must never be dropped silently (the call would do something else than asked).
    pub fn check_arguments(&self, name: &str, args: &JsonObject) -> Result<(), String> {
        let Some((_, tool)) = self.tools.iter().find(|(d, _)| d.name == name) else {
            return Ok(());
        };
        unknown_arguments(name, &tool.input_schema, args)
    }

    pub fn definition(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|(d, _)| d.name == name).map(|(_, t)| t.clone())
    }

    /// Why a tool that is not listed here cannot be called, for a call by name.
    pub fn why_not(&self, name: &str) -> String {
        match lookup(name) {
            Some((_, t)) if !t.on.includes(self.flavor) => {
                let only = match t.on {
                    On::CloudOnly => "Jira Cloud",
                    _ => "Jira Data Center",
                };
                format!(
                    "{name} works only on {only}; this profile uses {}, where Jira has no such API.",
                    self.flavor.name()
                )
            }
            Some(_) => format!("{name} is not enabled on this server (see --toolsets, --tools and --read-only)."),
            None => format!("Unknown tool `{name}`."),
        }
    }
}

/// `Err` naming the arguments `schema` has no property for, and the ones it has.
pub fn unknown_arguments(tool: &str, schema: &JsonObject, args: &JsonObject) -> Result<(), String> {
    let props = schema.get("properties").and_then(|p| p.as_object());
    let valid = |k: &str| props.is_some_and(|p| p.contains_key(k));
    let mut unknown: Vec<&str> = args.keys().map(String::as_str).filter(|k| !valid(k)).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.truncate(10);
    let names: Vec<String> = props
        .map(|p| p.keys().map(|k| format!("`{k}`")).collect())
        .unwrap_or_default();
    let shown: Vec<String> = unknown
        .iter()
        .map(|u| format!("`{}`", u.chars().take(64).collect::<String>()))
        .collect();
    Err(format!(
        "Invalid input: {tool} does not take {}. Valid arguments: {}.",
        shown.join(", "),
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sel: &Selection, flavor: Flavor) -> Vec<&'static str> {
        sel.tools(flavor).iter().map(|t| t.name).collect()
    }

    #[test]
    fn unknown_toolset_lists_valid_ones() {
        let err = Selection::parse(Some("issues,nope"), None, false).unwrap_err();
        assert!(err.contains("nope") && err.contains("search"), "{err}");
    }

    #[test]
    fn read_only_keeps_only_read_tools() {
        let sel = Selection::parse(Some("all"), None, true).unwrap();
        let names = names(&sel, Flavor::Cloud);
        assert!(names.contains(&"jira_get_issue"));
        assert!(!names.contains(&"jira_create_issue"));
    }

    #[test]
    fn tools_filter_enables_their_toolset() {
        let sel = Selection::parse(Some("users"), Some("jira_search"), false).unwrap();
        assert_eq!(names(&sel, Flavor::Cloud), vec!["jira_search"]);
    }

    #[test]
    fn every_tool_is_declared_once_with_known_operations() {
        let mut seen = BTreeSet::new();
        for (_, t) in all() {
            assert!(seen.insert(t.name), "{} declared twice", t.name);
            assert!(!t.ops.is_empty(), "{} declares no operation", t.name);
            for id in t.cloud_op_ids() {
                assert!(
                    crate::scopes::for_operation(&id).is_some(),
                    "{}: no scopes known for {id}",
                    t.name
                );
            }
            for flavor in [Flavor::Cloud, Flavor::DataCenter] {
                if t.on.includes(flavor) {
                    assert!(
                        t.ops.iter().any(|op| op.on.includes(flavor)),
                        "{} exists on {flavor:?} but calls nothing there",
                        t.name
                    );
                }
            }
        }
    }
}
