//! The generated catalog in `tools/` and the scope table must match the code. Run with
//! `UPDATE_CATALOG=1` to rewrite them after changing a tool.

use std::path::PathBuf;

use jira_mcp::{catalog, scopes, toolsets::Selection};

use crate::support::fixture;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every tool of both flavors, as `tools/list` shows them.
fn all_tools() -> Vec<rmcp::model::Tool> {
    Selection::everything()
        .tools_any_flavor()
        .iter()
        .map(|t| t.to_tool())
        .collect()
}

fn updating() -> bool {
    std::env::var("UPDATE_CATALOG").is_ok_and(|v| v == "1")
}

/// Compares `actual` with a committed file, or rewrites it under `UPDATE_CATALOG=1`.
fn check(rel: &str, actual: &str) {
    let path = root().join(rel);
    if updating() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{rel} is out of date with the code; run `UPDATE_CATALOG=1 cargo test --test integration catalog` and commit it"
    );
}

#[test]
fn catalog_readme_and_tool_schemas_match_the_code() {
    check("tools/README.md", &catalog::readme());
    let tools = all_tools();
    let mut expected_files = Vec::new();
    for tool in &tools {
        let json = serde_json::to_string_pretty(tool).unwrap() + "\n";
        let rel = format!("tools/schemas/{}.json", tool.name);
        check(&rel, &json);
        expected_files.push(format!("{}.json", tool.name));
    }
    // No stale schema files of removed tools.
    let mut present: Vec<String> = std::fs::read_dir(root().join("tools/schemas"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    present.sort();
    expected_files.sort();
    assert_eq!(present, expected_files);
}

/// What a server lists is what the code generates: the embedded definitions are current.
#[test]
fn served_definitions_are_the_generated_ones() {
    if updating() {
        return;
    }
    for (_, t) in jira_mcp::toolsets::all() {
        assert_eq!(
            t.definition(),
            t.to_tool(),
            "{}: the embedded definition is stale; run `UPDATE_CATALOG=1 cargo test --test integration catalog`",
            t.name
        );
    }
}

#[test]
fn every_tool_sets_all_four_annotations_and_describes_every_parameter() {
    for tool in all_tools() {
        let a = tool
            .annotations
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no annotations", tool.name));
        assert!(
            a.read_only_hint.is_some()
                && a.destructive_hint.is_some()
                && a.idempotent_hint.is_some()
                && a.open_world_hint.is_some(),
            "{}: all four annotations must be set",
            tool.name
        );
        let desc = tool.description.as_deref().unwrap_or("");
        assert!(
            !desc.is_empty() && desc.len() <= 300,
            "{}: description must be one or two lines",
            tool.name
        );
        assert!(tool.output_schema.is_some(), "{} has no outputSchema", tool.name);
        let props = tool
            .input_schema
            .get("properties")
            .and_then(|p| p.as_object())
            .cloned()
            .unwrap_or_default();
        for (name, schema) in props {
            assert!(
                schema.get("description").is_some(),
                "{}: parameter `{name}` has no description",
                tool.name
            );
        }
    }
}

/// Atlassian's scopes per operation: the platform, Software and JSM extract, plus JSM
/// Operations' from its own document (granular scopes only: it has no classic ones).
fn spec_scopes() -> serde_json::Value {
    let mut full = fixture("scopes-by-operation.json");
    let map = full.as_object_mut().unwrap();
    let ops_spec = fixture("jsm-ops-subset.json");
    for (path, item) in ops_spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(security) = op.get("security").and_then(|s| s.as_array()) else {
                continue;
            };
            let granular = security
                .iter()
                .find_map(|s| s.get("OAuth2"))
                .cloned()
                .unwrap_or_default();
            map.insert(
                format!("{} {path}", method.to_uppercase()),
                serde_json::json!({"classic": [], "granular": granular}),
            );
        }
    }
    for (op, scopes) in fixture("jsm-ops-scopes-extra.json").as_object().unwrap() {
        if !op.starts_with('_') {
            map.insert(op.clone(), scopes.clone());
        }
    }
    full
}

#[test]
fn scope_table_matches_atlassians_spec_extract() {
    let full = spec_scopes();
    let ours = scopes::table();
    if updating() {
        // Exactly the operations the tools declare: new ones come in, dropped ones go.
        let declared: std::collections::BTreeSet<String> =
            jira_mcp::toolsets::all().flat_map(|(_, t)| t.cloud_op_ids()).collect();
        let mut out = serde_json::Map::new();
        for op in declared {
            let e = &full[op.as_str()];
            out.insert(
                op.to_string(),
                serde_json::json!({"classic": e["classic"], "granular": e["granular"]}),
            );
        }
        std::fs::write(
            root().join("src/scopes/operations.json"),
            serde_json::to_string_pretty(&out).unwrap() + "\n",
        )
        .unwrap();
        return;
    }
    for (op, s) in ours {
        let e = full
            .get(op.as_str())
            .unwrap_or_else(|| panic!("{op} is not in Atlassian's spec extract"));
        assert_eq!(
            serde_json::to_value(&s.classic).unwrap(),
            e["classic"],
            "{op} classic scopes"
        );
        assert_eq!(
            serde_json::to_value(&s.granular).unwrap(),
            e["granular"],
            "{op} granular scopes"
        );
    }
}

/// The model's context is the budget: the most used competitor spends ~70 KB on 63 tools.
/// The default toolsets stay within 12 KB, the Jira catalog within 48 KB, Jira Service
/// Management (`jsm` and `jsm_ops` together) within 14 KB more, and no tool over 2 KB.
#[test]
fn tools_list_stays_within_its_budgets() {
    let size = |tools: &[rmcp::model::Tool]| serde_json::to_string(tools).unwrap().len();
    for tool in all_tools() {
        let bytes = size(std::slice::from_ref(&tool));
        assert!(bytes <= 2_048, "{} takes {bytes} bytes of tools/list", tool.name);
    }
    let all = size(&all_tools());
    let of_toolsets = |ids: &[&str]| -> Vec<rmcp::model::Tool> {
        jira_mcp::toolsets::all()
            .filter(|(ts, _)| ids.contains(&ts.id))
            .map(|(_, t)| t.to_tool())
            .collect()
    };
    let jsm = size(&of_toolsets(&["jsm", "jsm_ops"]));
    assert!(jsm <= 14_000, "tools/list of jsm and jsm_ops is {jsm} bytes");
    assert!(
        all - jsm <= 48_000,
        "tools/list of the Jira toolsets is {} bytes",
        all - jsm
    );
    for flavor in [jira_mcp::config::Flavor::Cloud, jira_mcp::config::Flavor::DataCenter] {
        let default: Vec<rmcp::model::Tool> = Selection::parse(None, None, false)
            .unwrap()
            .tools(flavor)
            .iter()
            .map(|t| t.to_tool())
            .collect();
        let bytes = size(&default);
        assert!(
            bytes <= 12_000,
            "tools/list of the default toolsets is {bytes} bytes on {flavor:?}"
        );
    }
    eprintln!(
        "tools/list: {all} bytes for {} tools, of which jsm and jsm_ops {jsm} bytes",
        all_tools().len()
    );
}

/// Only JSON Schema's own formats: `uint32` and friends make the TypeScript SDK's validator
/// warn in every client built on it.
#[test]
fn schemas_use_standard_formats_only() {
    fn walk(v: &serde_json::Value, tool: &str) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(f) = m.get("format").and_then(|f| f.as_str()) {
                    assert!(
                        ["date-time", "date", "time", "email", "uri", "uuid"].contains(&f),
                        "{tool}: non-standard format `{f}`"
                    );
                }
                m.values().for_each(|c| walk(c, tool));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|c| walk(c, tool)),
            _ => {}
        }
    }
    for tool in all_tools() {
        walk(&serde_json::to_value(&tool).unwrap(), &tool.name);
    }
}
