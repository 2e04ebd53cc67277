//! ADF → Markdown.
//!
//! Blocks render to strings that are joined with blank lines; containers (lists, quotes)
//! indent or prefix the strings of their children. Inline marks are emitted with a mark stack
//! (as prosemirror-markdown does) so that `**bold *and em***` spans several text nodes without
//! closing and reopening delimiters.

use serde_json::Value;

/// Renders an ADF document (or any ADF node) as Markdown.
pub fn to_markdown(doc: &Value) -> String {
    let r = Renderer;
    let out = match node_type(doc) {
        "doc" => r.blocks(children(doc)),
        _ => r.blocks(std::slice::from_ref(doc)),
    };
    out.trim_end().to_string()
}

fn node_type(n: &Value) -> &str {
    n.get("type").and_then(Value::as_str).unwrap_or("")
}

fn children(n: &Value) -> &[Value] {
    n.get("content")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn attr<'a>(n: &'a Value, key: &str) -> Option<&'a Value> {
    n.get("attrs").and_then(|a| a.get(key))
}

fn attr_str<'a>(n: &'a Value, key: &str) -> Option<&'a str> {
    attr(n, key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

struct Renderer;

impl Renderer {
    fn blocks(&self, nodes: &[Value]) -> String {
        nodes
            .iter()
            .map(|n| self.block(n))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    fn block(&self, n: &Value) -> String {
        match node_type(n) {
            "paragraph" => escape_line_start(&self.inlines(children(n), false)),
            "heading" => {
                let level = attr(n, "level").and_then(Value::as_u64).unwrap_or(1).clamp(1, 6);
                format!("{} {}", "#".repeat(level as usize), self.inlines(children(n), false))
            }
            "bulletList" => self.list(n, None),
            "orderedList" => {
                let start = attr(n, "order").and_then(Value::as_u64).unwrap_or(1);
                self.list(n, Some(start))
            }
            "taskList" | "decisionList" => self.list(n, None),
            "codeBlock" => {
                let text: String = children(n)
                    .iter()
                    .filter_map(|t| t.get("text").and_then(Value::as_str))
                    .collect();
                let fence = fence_for(&text);
                let lang = attr_str(n, "language").unwrap_or("");
                format!("{fence}{lang}\n{text}\n{fence}")
            }
            "blockquote" => quote(&self.blocks(children(n))),
            "rule" => "---".to_string(),
            "panel" => {
                let kind = attr_str(n, "panelType").unwrap_or("info");
                let label = panel_label(kind);
                quote(&format!("**{label}:** {}", self.blocks(children(n))))
            }
            "expand" | "nestedExpand" => {
                let title = attr_str(n, "title").unwrap_or("Details");
                let body = self.blocks(children(n));
                format!("**▸ {}**\n\n{body}", escape_text(title, false))
            }
            "table" => self.table(n),
            "mediaSingle" | "mediaGroup" => children(n).iter().map(media_placeholder).collect::<Vec<_>>().join(" "),
            "media" => media_placeholder(n),
            "blockCard" | "embedCard" => match attr_str(n, "url") {
                Some(url) => format!("<{url}>"),
                None => "[linked content]".to_string(),
            },
            "layoutSection" | "layoutColumn" | "bodiedExtension" if !children(n).is_empty() => {
                let inner = self.blocks(children(n));
                if node_type(n) == "bodiedExtension" {
                    format!("{}\n\n{inner}", extension_placeholder(n))
                } else {
                    inner
                }
            }
            "extension" | "bodiedExtension" => extension_placeholder(n),
            "doc" => self.blocks(children(n)),
            // An inline node where a block is expected: render it as a paragraph.
            "text" | "mention" | "emoji" | "hardBreak" | "inlineCard" | "date" | "status" => {
                self.inlines(std::slice::from_ref(n), false)
            }
            other => {
                let label = if other.is_empty() { "unknown" } else { other };
                let inner = self.blocks(children(n));
                if inner.is_empty() {
                    format!("[unsupported Jira content: {label}]")
                } else {
                    format!("[unsupported Jira content: {label}]\n\n{inner}")
                }
            }
        }
    }

    fn list(&self, n: &Value, start: Option<u64>) -> String {
        let mut out: Vec<String> = Vec::new();
        let mut i = 0;
        for item in children(n) {
            // A task list nests by following an item inside its list: indent it under that item.
            if matches!(node_type(item), "taskList" | "bulletList" | "orderedList") {
                let nested = self.block(item);
                let indented: Vec<String> = nested
                    .lines()
                    .map(|l| if l.is_empty() { String::new() } else { format!("  {l}") })
                    .collect();
                match out.last_mut() {
                    Some(prev) => {
                        prev.push('\n');
                        prev.push_str(&indented.join("\n"));
                    }
                    None => out.push(nested),
                }
                continue;
            }
            let marker = match (start, node_type(item)) {
                (Some(s), _) => format!("{}. ", s + i as u64),
                (None, "taskItem") => {
                    let done = attr_str(item, "state") == Some("DONE");
                    if done { "- [x] " } else { "- [ ] " }.to_string()
                }
                (None, "decisionItem") => "- ◆ ".to_string(),
                _ => "- ".to_string(),
            };
            let body = match node_type(item) {
                "taskItem" | "decisionItem" => self.inlines(children(item), false),
                _ => self.item_body(children(item)),
            };
            let indent = " ".repeat(marker.chars().count().min(4));
            let mut lines = body.lines();
            let mut s = format!("{marker}{}", lines.next().unwrap_or(""));
            for line in lines {
                s.push('\n');
                if !line.is_empty() {
                    s.push_str(&indent);
                    s.push_str(line);
                }
            }
            out.push(s);
            i += 1;
        }
        out.join("\n")
    }

    /// A list item: a paragraph followed by a nested list stays tight (`- a\n  - b`);
    /// several paragraphs are separated by a blank line (a loose item).
    fn item_body(&self, nodes: &[Value]) -> String {
        let mut out = String::new();
        let mut prev_was_list = true;
        for (i, child) in nodes.iter().enumerate() {
            let is_list = matches!(node_type(child), "bulletList" | "orderedList" | "taskList");
            let text = self.block(child);
            if i > 0 {
                out.push_str(if is_list && !prev_was_list { "\n" } else { "\n\n" });
            }
            out.push_str(&text);
            prev_was_list = is_list;
        }
        out
    }

    fn table(&self, n: &Value) -> String {
        let rows: Vec<Vec<String>> = children(n)
            .iter()
            .map(|row| children(row).iter().map(|cell| self.cell(children(cell))).collect())
            .collect();
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        if width == 0 {
            return String::new();
        }
        let line = |cells: &[String]| {
            let mut s = String::from("|");
            for i in 0..width {
                s.push(' ');
                s.push_str(cells.get(i).map(String::as_str).unwrap_or(""));
                s.push_str(" |");
            }
            s
        };
        let mut out = vec![line(&rows[0])];
        out.push(format!("|{}", " --- |".repeat(width)));
        out.extend(rows[1..].iter().map(|r| line(r)));
        out.join("\n")
    }

    /// Table cells are single-line in GFM: paragraphs and hard breaks become `<br>`.
    fn cell(&self, nodes: &[Value]) -> String {
        nodes
            .iter()
            .map(|b| match node_type(b) {
                "paragraph" | "heading" => self.inlines(children(b), true),
                _ => self.block(b).replace('\n', "<br>").replace('|', "\\|"),
            })
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("<br>")
    }

    fn inlines(&self, nodes: &[Value], in_table: bool) -> String {
        let mut out = String::new();
        let mut open: Vec<Mark> = Vec::new();
        for (idx, n) in nodes.iter().enumerate() {
            let marks = marks_of(n);
            // Close every open mark the node does not carry (and those opened after it).
            let keep = open.iter().take_while(|m| marks.contains(m)).count();
            close_marks(&mut out, &mut open, keep);
            let next_is_alnum = nodes
                .get(idx + 1)
                .and_then(|n| n.get("text").and_then(Value::as_str))
                .and_then(|t| t.chars().next())
                .is_some_and(char::is_alphanumeric);
            match node_type(n) {
                "text" => {
                    let text = n.get("text").and_then(Value::as_str).unwrap_or("");
                    let is_code = marks.iter().any(|m| matches!(m, Mark::Code));
                    let (lead, core, trail) = split_ws(text);
                    let opening_new = marks.iter().any(|m| !open.contains(m));
                    // Leading spaces go before new delimiters (`a **b**`, not `a** b**`).
                    if opening_new {
                        out.push_str(lead);
                    }
                    for m in &marks {
                        if !open.contains(m) && !matches!(m, Mark::Code) {
                            out.push_str(&m.open());
                            open.push(m.clone());
                        }
                    }
                    if !opening_new {
                        out.push_str(lead);
                    }
                    if is_code {
                        out.push_str(&code_span(core));
                    } else {
                        let mut t = escape_text(core, next_is_alnum);
                        if in_table {
                            t = t.replace('|', "\\|");
                        }
                        out.push_str(&t);
                    }
                    out.push_str(trail);
                }
                "hardBreak" => out.push_str(if in_table { "<br>" } else { "\\\n" }),
                "mention" => {
                    let text = attr_str(n, "text")
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("@{}", attr_str(n, "id").unwrap_or("user")));
                    if text.starts_with('@') {
                        out.push_str(&escape_text(&text, false));
                    } else {
                        out.push('@');
                        out.push_str(&escape_text(&text, false));
                    }
                }
                "emoji" => {
                    let s = attr_str(n, "text").or_else(|| attr_str(n, "shortName")).unwrap_or("");
                    out.push_str(s);
                }
                "inlineCard" => match attr_str(n, "url") {
                    Some(url) => out.push_str(&format!("<{url}>")),
                    None => out.push_str("[linked content]"),
                },
                "date" => {
                    let ts = attr(n, "timestamp")
                        .and_then(|v| v.as_str().and_then(|s| s.parse::<i64>().ok()).or_else(|| v.as_i64()));
                    out.push_str(&ts.map(date_from_millis).unwrap_or_else(|| "[date]".into()));
                }
                "status" => {
                    let t = attr_str(n, "text").unwrap_or("status");
                    out.push_str(&code_span(&t.to_uppercase()));
                }
                "placeholder" => out.push_str(&escape_text(attr_str(n, "text").unwrap_or(""), false)),
                "mediaInline" => out.push_str(&media_placeholder(n)),
                "inlineExtension" => out.push_str(&extension_placeholder(n)),
                other => {
                    let label = if other.is_empty() { "unknown" } else { other };
                    out.push_str(&format!("[unsupported Jira content: {label}]"));
                }
            }
        }
        close_marks(&mut out, &mut open, 0);
        out
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Mark {
    Strong,
    Em,
    Strike,
    Code,
    Underline,
    Sub,
    Sup,
    Link(String),
}

impl Mark {
    fn open(&self) -> String {
        match self {
            Mark::Strong => "**".into(),
            Mark::Em => "*".into(),
            Mark::Strike => "~~".into(),
            Mark::Code => String::new(),
            Mark::Underline => "<u>".into(),
            Mark::Sub => "<sub>".into(),
            Mark::Sup => "<sup>".into(),
            Mark::Link(_) => "[".into(),
        }
    }

    fn close(&self) -> String {
        match self {
            Mark::Strong => "**".into(),
            Mark::Em => "*".into(),
            Mark::Strike => "~~".into(),
            Mark::Code => String::new(),
            Mark::Underline => "</u>".into(),
            Mark::Sub => "</sub>".into(),
            Mark::Sup => "</sup>".into(),
            Mark::Link(href) => format!("]({})", link_dest(href)),
        }
    }
}

/// Marks in a stable order: links outermost so `[**a**](x)` nests properly.
fn marks_of(n: &Value) -> Vec<Mark> {
    let mut out = Vec::new();
    let Some(marks) = n.get("marks").and_then(Value::as_array) else {
        return out;
    };
    for m in marks {
        let mark = match node_type(m) {
            "strong" => Mark::Strong,
            "em" => Mark::Em,
            "strike" => Mark::Strike,
            "code" => Mark::Code,
            "underline" => Mark::Underline,
            "subsup" if attr_str(m, "type") == Some("sup") => Mark::Sup,
            "subsup" => Mark::Sub,
            "link" => Mark::Link(attr_str(m, "href").unwrap_or("").to_string()),
            _ => continue, // textColor, annotation, …: presentation only, the text is kept
        };
        out.push(mark);
    }
    out.sort_by_key(|m| match m {
        Mark::Link(_) => 0,
        Mark::Strong => 1,
        Mark::Em => 2,
        Mark::Strike => 3,
        Mark::Underline => 4,
        Mark::Sub | Mark::Sup => 5,
        Mark::Code => 6,
    });
    out
}

fn close_marks(out: &mut String, open: &mut Vec<Mark>, keep: usize) {
    if open.len() <= keep {
        return;
    }
    // Delimiters must hug the text: move trailing whitespace outside of them.
    let trimmed_len = out.trim_end_matches([' ', '\t']).len();
    let trail = out[trimmed_len..].to_string();
    out.truncate(trimmed_len);
    while open.len() > keep {
        let m = open.pop().expect("non-empty");
        out.push_str(&m.close());
    }
    out.push_str(&trail);
}

fn split_ws(s: &str) -> (&str, &str, &str) {
    let core_start = s.len() - s.trim_start().len();
    let core_end = s.trim_end().len().max(core_start);
    (&s[..core_start], &s[core_start..core_end], &s[core_end..])
}

fn link_dest(href: &str) -> String {
    if href.contains([' ', '(', ')', '<', '>']) {
        format!("<{}>", href.replace('<', "%3C").replace('>', "%3E"))
    } else {
        href.to_string()
    }
}

/// Escapes Markdown metacharacters in plain text. `_` inside a word is left alone
/// (`snake_case` cannot start emphasis), which keeps identifiers readable.
fn escape_text(s: &str, next_is_alnum: bool) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let needs = match c {
            '\\' | '*' | '`' | '[' | ']' | '<' | '>' | '~' | '|' => c != '|',
            '_' => {
                let prev = i.checked_sub(1).map(|j| chars[j]);
                let next = chars.get(i + 1).copied();
                let prev_alnum = prev.is_some_and(char::is_alphanumeric);
                let next_alnum = next.map_or(next_is_alnum, char::is_alphanumeric);
                !(prev_alnum && next_alnum)
            }
            '&' => chars.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#'),
            _ => false,
        };
        if needs {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A paragraph whose text would read as a block marker (`# `, `- `, `1. `, `> `) is escaped.
fn escape_line_start(s: &str) -> String {
    let starts_block = s.starts_with('#')
        || s.starts_with("- ")
        || s.starts_with("+ ")
        || s.starts_with("---")
        || s.starts_with("===")
        || {
            let digits = s.chars().take_while(char::is_ascii_digit).count();
            digits > 0 && (s[digits..].starts_with(". ") || s[digits..].starts_with(") "))
        };
    if !starts_block {
        return s.to_string();
    }
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 {
        format!("{}\\{}", &s[..digits], &s[digits..])
    } else {
        format!("\\{s}")
    }
}

fn code_span(s: &str) -> String {
    let longest = longest_run(s, '`');
    let ticks = "`".repeat(longest + 1);
    if s.starts_with('`') || s.ends_with('`') || (s.starts_with(' ') && s.ends_with(' ') && !s.trim().is_empty()) {
        format!("{ticks} {s} {ticks}")
    } else {
        format!("{ticks}{s}{ticks}")
    }
}

fn fence_for(code: &str) -> String {
    "`".repeat((longest_run(code, '`') + 1).max(3))
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut cur) = (0, 0);
    for ch in s.chars() {
        if ch == c {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

fn quote(s: &str) -> String {
    s.lines()
        .map(|l| {
            if l.is_empty() {
                ">".to_string()
            } else {
                format!("> {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn panel_label(kind: &str) -> &'static str {
    match kind {
        "note" => "Note",
        "tip" => "Tip",
        "warning" => "Warning",
        "error" => "Error",
        "success" => "Success",
        _ => "Info",
    }
}

fn media_placeholder(n: &Value) -> String {
    let name = attr_str(n, "alt")
        .or_else(|| attr_str(n, "name"))
        .or_else(|| attr_str(n, "id"))
        .unwrap_or("file");
    match (attr_str(n, "type"), attr_str(n, "url")) {
        (Some("external"), Some(url)) => format!("![{}]({})", escape_text(name, false), link_dest(url)),
        _ => format!("[attachment: {}]", escape_text(name, false)),
    }
}

fn extension_placeholder(n: &Value) -> String {
    let key = attr_str(n, "extensionKey").unwrap_or("extension");
    format!("[unsupported Jira content: {key} macro]")
}

/// Milliseconds since the epoch → `YYYY-MM-DD` (UTC), civil-from-days (H. Hinnant).
pub(crate) fn date_from_millis(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(content: Value) -> Value {
        json!({"type": "doc", "version": 1, "content": content})
    }

    #[test]
    fn marks_spanning_nodes_share_delimiters() {
        let d = doc(json!([{"type":"paragraph","content":[
            {"type":"text","text":"bold ","marks":[{"type":"strong"}]},
            {"type":"text","text":"both","marks":[{"type":"strong"},{"type":"em"}]},
            {"type":"text","text":" plain"}
        ]}]));
        assert_eq!(to_markdown(&d), "**bold *both*** plain");
    }

    #[test]
    fn unknown_nodes_become_visible_placeholders() {
        let d = doc(json!([
            {"type":"mediaSingle","attrs":{"layout":"center"},"content":[{"type":"media","attrs":{"id":"abc","type":"file","collection":"x","alt":"screenshot.png"}}]},
            {"type":"fancyFutureNode"},
            {"type":"extension","attrs":{"extensionKey":"jira-chart","extensionType":"x"}}
        ]));
        let md = to_markdown(&d);
        assert!(md.contains("[attachment: screenshot.png]"), "{md}");
        assert!(md.contains("[unsupported Jira content: fancyFutureNode]"), "{md}");
        assert!(md.contains("jira-chart"), "{md}");
    }

    #[test]
    fn mentions_emoji_dates_status_are_readable() {
        let d = doc(json!([{"type":"paragraph","content":[
            {"type":"mention","attrs":{"id":"5b10","text":"@Ada Lovelace"}},
            {"type":"text","text":" "},
            {"type":"emoji","attrs":{"shortName":":smile:","text":"😄"}},
            {"type":"text","text":" due "},
            {"type":"date","attrs":{"timestamp":"1764547200000"}},
            {"type":"text","text":" "},
            {"type":"status","attrs":{"text":"in progress","color":"blue"}}
        ]}]));
        assert_eq!(to_markdown(&d), "@Ada Lovelace 😄 due 2025-12-01 `IN PROGRESS`");
    }

    #[test]
    fn snake_case_is_not_escaped_but_emphasis_chars_are() {
        let d = doc(json!([{"type":"paragraph","content":[{"type":"text","text":"call my_func(*args) [x]"}]}]));
        assert_eq!(to_markdown(&d), "call my_func(\\*args) \\[x\\]");
    }
}
