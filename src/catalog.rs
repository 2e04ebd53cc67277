//! The tool catalog: what `jira-mcp tools` prints and what `tools/` in the repository holds
//! (`tools/README.md` and one schema file per tool). All of it is derived from the tool
//! definitions and [`crate::toolsets::TOOLSETS`]; a test fails when the files drift.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::{
    jira::ops::On,
    toolsets::{Selection, TOOLSETS},
};

/// One row of the catalog.
pub struct Entry {
    pub toolset: &'static str,
    /// Where the tool exists: `Cloud and Data Center`, `Cloud only`, `Data Center only`.
    pub on: &'static str,
    pub tool: rmcp::model::Tool,
    pub read_only: bool,
    pub scopes: BTreeSet<String>,
}

/// The tools of a selection (of both flavors), in toolset order, with their scopes.
pub fn entries(selection: &Selection) -> Vec<Entry> {
    crate::toolsets::all()
        .filter(|(ts, t)| selection.includes(ts, t))
        .map(|(ts, t)| Entry {
            toolset: ts.id,
            on: match t.on {
                On::Both => "Cloud, Data Center",
                On::CloudOnly => "Cloud",
                On::DataCenterOnly => "Data Center",
            },
            read_only: t.access.read_only,
            scopes: t.scopes(),
            tool: t.to_tool(),
        })
        .collect()
}

fn first_sentence(s: &str) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.replace('|', "\\|")
}

/// One line per toolset: `- \`id\` (default): description`.
pub fn toolsets_list() -> String {
    TOOLSETS
        .iter()
        .map(|ts| {
            format!(
                "- `{}`{}: {}\n",
                ts.id,
                if ts.default { " (default)" } else { "" },
                ts.description
            )
        })
        .collect()
}

/// `jira-mcp tools`: the toolsets, then a table of the selected tools.
pub fn tools_command(selection: &Selection) -> String {
    format!(
        "Toolsets (--toolsets a,b | default | all):\n{}\n{}",
        toolsets_list(),
        markdown(selection)
    )
}

pub fn markdown(selection: &Selection) -> String {
    let mut out = String::from(
        "| toolset | tool | access | on | OAuth scopes (Cloud) | description |\n|---|---|---|---|---|---|\n",
    );
    for e in entries(selection) {
        let scopes = e.scopes.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(" ");
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            e.toolset,
            e.tool.name,
            if e.read_only { "read" } else { "write" },
            e.on,
            scopes,
            first_sentence(e.tool.description.as_deref().unwrap_or(""))
        ));
    }
    out
}

pub fn json(selection: &Selection) -> Value {
    let tools: Vec<Value> = entries(selection)
        .into_iter()
        .map(|e| {
            json!({
                "toolset": e.toolset,
                "name": e.tool.name,
                "access": if e.read_only { "read" } else { "write" },
                "on": e.on,
                "scopes": e.scopes,
                "description": e.tool.description,
            })
        })
        .collect();
    json!({ "tools": tools })
}

/// The scopes to paste into the developer console for a selection, plus `offline_access`.
pub fn scopes(selection: &Selection) -> BTreeSet<String> {
    let mut all: BTreeSet<String> = entries(selection).into_iter().flat_map(|e| e.scopes).collect();
    all.insert("offline_access".to_string());
    all
}

/// `tools/README.md`.
pub fn readme() -> String {
    let sel = Selection::everything();
    let mut out = String::from(
        "# Tool catalog\n\nGenerated from the code by `UPDATE_CATALOG=1 cargo test catalog`; do not edit by hand.\n\
         Each tool's full definition (schemas, annotations) is in `schemas/<tool>.json`.\n\n## Toolsets\n\n",
    );
    for ts in TOOLSETS {
        out.push_str(&format!(
            "- `{}`{}: {}\n",
            ts.id,
            if ts.default { " (default)" } else { "" },
            ts.description
        ));
    }
    out.push_str("\n## Tools\n\n");
    out.push_str(&markdown(&sel));
    out.push_str("\nScopes to request (`jira-mcp scopes`): ");
    out.push_str(
        &scopes(&sel)
            .into_iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push('\n');
    out
}
