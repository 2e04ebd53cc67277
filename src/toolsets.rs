//! Toolsets as data.
//!
//! Every tool belongs to one toolset and declares the Jira REST operations it calls; the
//! OAuth scopes it needs are derived from those operations (`scopes.rs`). `--toolsets`,
//! `--tools`, `--read-only` (from each tool's `readOnlyHint`), scope checks, the `tools` and
//! `scopes` commands and the generated catalog in `tools/` all read [`TOOLSETS`]; nothing
//! else lists tools. Each toolset module holds its `#[tool]` functions: thin wrappers that
//! validate input, call `jira/`, and render a result.

mod comments;
mod issues;
mod params;
mod projects;
mod result;
mod search;
mod users;

use std::collections::BTreeSet;

use rmcp::handler::server::router::tool::ToolRouter;

pub use result::{ErrorContext, Out, ToolError};

use crate::server::JiraMcp;

/// A named group of tools that can be enabled together.
pub struct ToolsetDef {
    pub id: &'static str,
    pub description: &'static str,
    /// Enabled when `--toolsets` is not given.
    pub default: bool,
    pub router: fn() -> ToolRouter<JiraMcp>,
    /// Each tool's name and the REST operations (`METHOD /path`, as in Atlassian's spec) it
    /// may call. Operations used only in some cases (user lookup, field metadata) count too:
    /// the grant must cover them for the tool to always work.
    pub tools: &'static [(&'static str, &'static [&'static str])],
}

pub const TOOLSETS: &[ToolsetDef] = &[
    ToolsetDef {
        id: "issues",
        description: "Read, create, edit and transition issues",
        default: true,
        router: JiraMcp::issues_router,
        tools: issues::OPERATIONS,
    },
    ToolsetDef {
        id: "search",
        description: "Find issues with JQL",
        default: true,
        router: JiraMcp::search_router,
        tools: search::OPERATIONS,
    },
    ToolsetDef {
        id: "comments",
        description: "Read and add issue comments",
        default: true,
        router: JiraMcp::comments_router,
        tools: comments::OPERATIONS,
    },
    ToolsetDef {
        id: "projects",
        description: "List projects",
        default: true,
        router: JiraMcp::projects_router,
        tools: projects::OPERATIONS,
    },
    ToolsetDef {
        id: "users",
        description: "The signed-in user",
        default: true,
        router: JiraMcp::users_router,
        tools: users::OPERATIONS,
    },
];

/// The toolset, canonical (`'static`) name and operations of a tool.
pub fn lookup(tool: &str) -> Option<(&'static ToolsetDef, &'static str, &'static [&'static str])> {
    TOOLSETS.iter().find_map(|ts| {
        ts.tools
            .iter()
            .find(|(name, _)| *name == tool)
            .map(|(name, ops)| (ts, *name, *ops))
    })
}

/// The classic scopes a tool needs.
pub fn scopes_of(tool: &str) -> BTreeSet<String> {
    lookup(tool)
        .map(|(_, _, ops)| crate::scopes::classic_for(ops))
        .unwrap_or_default()
}

/// Which tools a server exposes.
#[derive(Debug, Clone)]
pub struct Selection {
    pub toolsets: Vec<&'static str>,
    pub tools: Option<BTreeSet<String>>,
    pub read_only: bool,
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
                    let Some((ts, _, _)) = lookup(name) else {
                        let all: Vec<&str> = TOOLSETS.iter().flat_map(|t| t.tools.iter().map(|(n, _)| *n)).collect();
                        let close = all
                            .iter()
                            .filter(|n| strsim::jaro_winkler(n, name) > 0.8)
                            .copied()
                            .collect::<Vec<_>>();
                        let hint = if close.is_empty() {
                            all.join(", ")
                        } else {
                            close.join(", ")
                        };
                        return Err(format!("unknown tool `{name}`; did you mean: {hint}"));
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
        })
    }

    /// The router with exactly the selected tools.
    pub fn router(&self) -> ToolRouter<JiraMcp> {
        let mut router = ToolRouter::new();
        for ts in TOOLSETS.iter().filter(|t| self.toolsets.contains(&t.id)) {
            router += (ts.router)();
        }
        for tool in router.list_all() {
            let read_only = tool.annotations.as_ref().and_then(|a| a.read_only_hint) == Some(true);
            let excluded = self.tools.as_ref().is_some_and(|set| !set.contains(tool.name.as_ref()));
            if (self.read_only && !read_only) || excluded {
                router.remove_route(&tool.name);
            }
        }
        router
    }

    /// Every tool of every toolset (for the catalog).
    pub fn everything() -> Selection {
        Selection {
            toolsets: TOOLSETS.iter().map(|t| t.id).collect(),
            tools: None,
            read_only: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_toolset_lists_valid_ones() {
        let err = Selection::parse(Some("issues,nope"), None, false).unwrap_err();
        assert!(err.contains("nope") && err.contains("search"), "{err}");
    }

    #[test]
    fn read_only_keeps_only_read_tools() {
        let sel = Selection::parse(Some("all"), None, true).unwrap();
        let names: Vec<String> = sel.router().list_all().iter().map(|t| t.name.to_string()).collect();
        assert!(names.contains(&"jira_get_issue".to_string()));
        assert!(!names.contains(&"jira_create_issue".to_string()));
    }

    #[test]
    fn tools_filter_enables_their_toolset() {
        let sel = Selection::parse(Some("users"), Some("jira_search"), false).unwrap();
        let names: Vec<String> = sel.router().list_all().iter().map(|t| t.name.to_string()).collect();
        assert_eq!(names, vec!["jira_search".to_string()]);
    }

    #[test]
    fn every_routed_tool_declares_known_operations_and_vice_versa() {
        let routed: BTreeSet<String> = Selection::everything()
            .router()
            .list_all()
            .iter()
            .map(|t| t.name.to_string())
            .collect();
        let declared: BTreeSet<String> = TOOLSETS
            .iter()
            .flat_map(|t| t.tools.iter().map(|(n, _)| n.to_string()))
            .collect();
        assert_eq!(routed, declared);
        for ts in TOOLSETS {
            let in_router: BTreeSet<String> = (ts.router)().list_all().iter().map(|t| t.name.to_string()).collect();
            for (tool, ops) in ts.tools {
                assert!(
                    in_router.contains(*tool),
                    "{tool} is declared in {} but routed elsewhere",
                    ts.id
                );
                for op in *ops {
                    assert!(
                        crate::scopes::for_operation(op).is_some(),
                        "{tool}: no scopes known for {op}"
                    );
                }
            }
        }
    }
}
