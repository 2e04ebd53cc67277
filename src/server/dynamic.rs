//! `--dynamic-toolsets`: the session starts with the default toolsets and one more tool,
//! `jira_toolsets`, that lists the others and enables one. Enabling sends
//! `notifications/tools/list_changed`, so clients that follow it (Claude Code, VS Code,
//! Copilot) show the new tools at once; the catalog stays small until a task needs more.
//!
//! The tool is the server's own (it calls no Jira and needs no sign-in), so it is not a
//! [`crate::toolsets::ToolDef`].

use std::sync::Arc;

use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};

use crate::toolsets::{Router, TOOLSETS, ToolsetDef};

pub const NAME: &str = "jira_toolsets";

/// The definition, built once.
pub fn tool() -> Tool {
    static TOOL: std::sync::LazyLock<Tool> = std::sync::LazyLock::new(build);
    TOOL.clone()
}

fn build() -> Tool {
    let input = json!({
        "type": "object",
        "properties": {
            "enable": {
                "type": "string",
                "description": "Toolset to enable, e.g. `worklogs`; leave out to list the toolsets."
            }
        }
    });
    let output = json!({
        "type": "object",
        "properties": {
            "toolsets": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "string"}, "description": {"type": "string"},
                "enabled": {"type": "boolean"}, "tools": {"type": "array", "items": {"type": "string"}}
            }}},
            "enabled": {"type": "string"}
        }
    });
    let obj = |v: Value| match v {
        Value::Object(m) => Arc::new(m),
        _ => Arc::new(JsonObject::new()),
    };
    Tool::new(
        NAME,
        "List the toolsets of this server, or enable one (its tools appear in the tool list).",
        obj(input),
    )
    .with_raw_output_schema(obj(output))
    .with_annotations(
        ToolAnnotations::new()
            .read_only(true)
            .destructive(false)
            .idempotent(true)
            .open_world(false),
    )
}

/// The toolset to enable, if any; unknown arguments are an error.
pub fn parse(args: &JsonObject) -> Result<Option<String>, String> {
    crate::toolsets::unknown_arguments(NAME, &tool().input_schema, args)?;
    match args.get("enable") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_ascii_lowercase())),
        Some(_) => Err("Invalid input: `enable` must be a toolset name (a string).".into()),
    }
}

pub fn unknown(id: &str) -> String {
    format!(
        "Invalid input: there is no toolset `{}`. Toolsets: {}.",
        id.chars().take(64).collect::<String>(),
        TOOLSETS.iter().map(|t| t.id).collect::<Vec<_>>().join(", ")
    )
}

fn entry(router: &Router, ts: &ToolsetDef) -> Value {
    let tools: Vec<&str> = ts
        .tools
        .iter()
        .filter(|t| t.on.includes(router.flavor) && (!router.selection.read_only || t.access.read_only))
        .map(|t| t.name)
        .collect();
    json!({
        "id": ts.id,
        "description": ts.description,
        "enabled": router.selection.toolsets.contains(&ts.id),
        "tools": tools,
    })
}

pub fn listing(router: &Router) -> CallToolResult {
    let entries: Vec<Value> = TOOLSETS.iter().map(|ts| entry(router, ts)).collect();
    let lines: Vec<String> = TOOLSETS
        .iter()
        .map(|ts| {
            let on = if router.selection.toolsets.contains(&ts.id) {
                " (enabled)"
            } else {
                ""
            };
            format!("- {}{on}: {}", ts.id, ts.description)
        })
        .collect();
    let text = format!(
        "Toolsets:\n{}\n\nEnable one: call {NAME} with enable set to its name.",
        lines.join("\n")
    );
    let mut r = CallToolResult::success(vec![ContentBlock::text(text)]);
    r.structured_content = Some(json!({ "toolsets": entries }));
    r
}

pub fn enabled(router: &Router, ts: &ToolsetDef, already: bool) -> CallToolResult {
    let e = entry(router, ts);
    let tools: Vec<String> = e["tools"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let text = if already {
        format!("Toolset {} was already enabled: {}.", ts.id, tools.join(", "))
    } else {
        format!(
            "Enabled toolset {}: {} are now in the tool list.",
            ts.id,
            tools.join(", ")
        )
    };
    let mut r = CallToolResult::success(vec![ContentBlock::text(text)]);
    r.structured_content = Some(json!({ "toolsets": [e], "enabled": ts.id }));
    r
}
