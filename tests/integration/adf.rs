//! ADF ⇄ Markdown on a corpus: every Markdown document survives a round trip through ADF,
//! every ADF document we produce validates against Atlassian's schema, and ADF that Markdown
//! cannot express is shown as visible placeholders (snapshot).

use std::sync::LazyLock;

use jira_mcp::adf;
use serde_json::Value;

use crate::support::fixture;

static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let schema = fixture("adf-schema.json");
    jsonschema::validator_for(&schema).expect("the ADF schema compiles")
});

/// Fails with every schema violation listed.
#[track_caller]
pub fn assert_valid_adf(doc: &Value) {
    let errors: Vec<String> = VALIDATOR
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "ADF does not validate:\n{}\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(doc).unwrap()
    );
}

fn corpus() -> Vec<(String, String)> {
    let dir = format!("{}/tests/fixtures/markdown", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

#[test]
fn markdown_corpus_round_trips_through_adf() {
    let docs = corpus();
    assert!(docs.len() >= 5);
    for (name, md) in docs {
        let doc = adf::from_markdown(&md);
        assert_valid_adf(&doc);
        let back = adf::to_markdown(&doc);
        assert_eq!(
            back.trim_end(),
            md.trim_end(),
            "{name} did not round-trip; ADF was\n{doc:#}"
        );
    }
}

#[test]
fn markdown_that_adf_containers_forbid_is_reshaped_not_dropped() {
    let md = "> # Heading in a quote\n> - list in a quote\n>\n> ```\n> code in a quote\n> ```\n\n- # heading in a list\n- > quote in a list\n\n| a |\n| --- |\n| - list in a cell |";
    let doc = adf::from_markdown(md);
    assert_valid_adf(&doc);
    let text = adf::to_markdown(&doc);
    for needle in [
        "Heading in a quote",
        "list in a quote",
        "code in a quote",
        "heading in a list",
        "quote in a list",
        "list in a cell",
    ] {
        assert!(text.contains(needle), "lost `{needle}`:\n{text}");
    }
}

#[test]
fn adversarial_markdown_always_yields_valid_adf() {
    let inputs = [
        "",
        "   ",
        "**",
        "`",
        "[]()",
        "![alt](http://x/y.png)",
        "<div>raw html</div>",
        "- \n- ",
        "1.\n2.",
        "| |\n|-|\n| |",
        "> ",
        "***bold-em***",
        "a  \nb",
        "```\n```",
        "# \n## ",
        "~~~python\nx\n~~~",
        "- [ ] task\n- [x] done",
        "- [ ]",
        "- [x]\n  - [ ]\n    - [x] deep",
        "- [ ] a\n  - plain\n- [ ] b",
        "> - [ ] a\n>   - [x] b",
        "1. [ ] ordered task",
        "- [ ] **bold** first\n- [x] `code` first",
        "- [ ] task\n\n  ```\n  code\n  ```",
        "# [ ] heading",
        "text[^1]\n\n[^1]: note",
    ];
    for md in inputs {
        let doc = adf::from_markdown(md);
        assert_valid_adf(&doc);
    }
}

#[test]
fn adf_kitchen_sink_renders_readably_with_placeholders() {
    let doc = fixture("adf/kitchen-sink.json");
    let md = adf::to_markdown(&doc);
    insta::assert_snapshot!("kitchen_sink_markdown", md);
    for needle in [
        "@Ada Lovelace",
        "👀",
        "2025-12-31",
        "`BLOCKED`",
        "**Warning:** Mind the gap.",
        "- [x] write tests",
        "[attachment: screenshot.png]",
        "[attachment: beef]",
        "[unsupported Jira content: jira-chart macro]",
        "inside a macro",
        "[unsupported Jira content: someFutureNode]",
        "[unsupported Jira content: futureInline]",
        "| a\\|b | one<br>two |",
    ] {
        assert!(md.contains(needle), "missing `{needle}` in:\n{md}");
    }
}
