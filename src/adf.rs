//! Atlassian Document Format (ADF) ⇄ Markdown.
//!
//! Jira Cloud REST v3 carries every rich-text body (descriptions, comments, textarea custom
//! fields) as an ADF JSON tree; people and models read and write Markdown. This module is pure
//! conversion, with no I/O:
//!
//! - [`to_markdown`] renders an ADF document as CommonMark + GFM tables. Everything Markdown
//!   can express round-trips; nodes it cannot express (media, extensions, unknown future nodes)
//!   become a visible `[… ]` placeholder so a reader knows content is there. Nothing is
//!   silently dropped.
//! - [`from_markdown`] parses Markdown with `pulldown-cmark` and builds an ADF document that
//!   validates against Atlassian's published ADF JSON schema (containers only get the children
//!   the schema allows them; the rest is reshaped, never discarded).
//!
//! ADF is open-ended and versioned by Atlassian, so it is handled as `serde_json::Value`
//! rather than a closed Rust enum: an unknown node must survive as a placeholder, not as a
//! deserialisation error.

#[cfg(test)]
mod hostile;
mod parse;
mod render;

pub use parse::from_markdown;
pub use render::to_markdown;

use serde_json::Value;

/// Milliseconds since the epoch → `YYYY-MM-DD` (UTC).
pub fn date_from_unix_millis(ms: i64) -> String {
    render::date_from_millis(ms)
}

/// Cuts `s` to at most `max` characters, marking the cut with `…`.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// True when `v` looks like an ADF document (`{"type":"doc", ...}`).
pub fn is_adf(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("doc")
}
