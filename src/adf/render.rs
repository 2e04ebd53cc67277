//! ADF → Markdown.
//!
//! Blocks render to strings that are joined with blank lines; containers (lists, quotes)
//! indent or prefix the strings of their children. Inline marks are emitted with a mark stack
//! (as prosemirror-markdown does) so that `**bold *and em***` spans several text nodes without
//! closing and reopening delimiters; the mark that lasts longest opens outermost.
//!
//! What is written must read back as the same document. Where CommonMark would not read `*`,
//! `**` or `~~` as emphasis (between a letter and punctuation, or right after another delimiter
//! run) the mark is written as `<em>`, `<strong>` or `<del>`, which the parser reads back; lines
//! that would start a block are escaped, and two lists in a row alternate their markers.

use crate::markdown::{code_span, longest_run, paragraph};
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
        let mut out: Vec<String> = Vec::new();
        // Two lists in a row with the same kind of marker would read back as one list: the
        // second of a pair switches to the other marker (`*` for `-`, `1)` for `1.`).
        let mut prev: Option<(ListFamily, bool)> = None;
        for n in nodes {
            let mut s = self.block(n);
            if s.is_empty() {
                continue;
            }
            let family = list_family(n);
            let switched = match (family, prev) {
                (Some(f), Some((p, was_switched))) if f == p => !was_switched,
                _ => false,
            };
            if switched && let Some(f) = family {
                s = switch_markers(&s, f);
            }
            prev = family.map(|f| (f, switched));
            out.push(s);
        }
        out.join("\n\n")
    }

    fn block(&self, n: &Value) -> String {
        match node_type(n) {
            "paragraph" => paragraph(&self.inlines(children(n), false)),
            "heading" => {
                let level = attr(n, "level").and_then(Value::as_u64).unwrap_or(1).clamp(1, 6);
                // A heading is one line: its hard breaks are written as `<br>`.
                let text = self.inlines(children(n), false).replace("\\\n", "<br>");
                let mut text = text.trim_matches([' ', '\t']).to_string();
                // A trailing `#` would be read as the heading's closing sequence.
                if text.ends_with('#') && !text.ends_with("\\#") {
                    text.pop();
                    text.push_str("\\#");
                }
                format!("{} {text}", "#".repeat(level as usize))
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
                // Only the first word of an info string is the language; a backtick fence
                // cannot carry a backtick in it, a tilde fence can.
                let lang = attr_str(n, "language")
                    .and_then(|l| l.split_whitespace().next())
                    .unwrap_or("");
                let fence = if lang.contains('`') {
                    "~".repeat((longest_run(&text, '~') + 1).max(3))
                } else {
                    fence_for(&text)
                };
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
                (Some(s), _) => format!("{}. ", s.saturating_add(i as u64)),
                (None, "taskItem") => {
                    let done = attr_str(item, "state") == Some("DONE");
                    if done { "- [x] " } else { "- [ ] " }.to_string()
                }
                (None, "decisionItem") => "- ◆ ".to_string(),
                _ => "- ".to_string(),
            };
            let body = match node_type(item) {
                "taskItem" | "decisionItem" => paragraph(&self.inlines(children(item), false)),
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
                let tight = is_list && !prev_was_list && interrupts_paragraph(&text);
                out.push_str(if tight { "\n" } else { "\n\n" });
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
        // The open marks, and whether each was written as an HTML tag (see `delimiters_fit`).
        let mut open: Vec<Mark> = Vec::new();
        let mut as_html: Vec<bool> = Vec::new();
        for (idx, n) in nodes.iter().enumerate() {
            let marks = marks_of(n);
            // Close every open mark the node does not carry (and those opened after it).
            let keep = open.iter().take_while(|m| marks.contains(m)).count();
            close_marks(&mut out, &mut open, &mut as_html, keep);
            let next_is_alnum = nodes
                .get(idx + 1)
                .and_then(|n| n.get("text").and_then(Value::as_str))
                .and_then(|t| t.chars().next())
                .is_some_and(char::is_alphanumeric);
            match node_type(n) {
                "text" => {
                    let text = n.get("text").and_then(Value::as_str).unwrap_or("");
                    let is_code = marks.iter().any(|m| matches!(m, Mark::Code));
                    // Code keeps its blanks inside the span; other text hands them to the
                    // outside of its delimiters.
                    let (lead, core, trail) = if is_code { ("", text, "") } else { split_ws(text) };
                    let opening_new = marks.iter().any(|m| !open.contains(m));
                    // Leading spaces go before new delimiters (`a **b**`, not `a** b**`).
                    if opening_new {
                        out.push_str(lead);
                    }
                    // Of the marks that open here, the one that lasts longest goes outside, so
                    // that it need not close and reopen where a shorter one ends
                    // (`***a*** *b*` would otherwise become `***a****b*`).
                    let mut opening: Vec<&Mark> = marks
                        .iter()
                        .filter(|m| !open.contains(m) && !matches!(m, Mark::Code))
                        .collect();
                    opening.sort_by_key(|m| std::cmp::Reverse(span_end(nodes, idx, m)));
                    for (p, m) in opening.iter().enumerate() {
                        // `!` right before `[` would make the link an image.
                        if matches!(m, Mark::Link(_)) && out.ends_with('!') && !escaped(&out[..out.len() - 1]) {
                            out.pop();
                            out.push_str("\\!");
                        }
                        // What follows the delimiter: the next mark's opening, a code span, or the text.
                        let first = match opening.get(p + 1) {
                            Some(inner) => inner.open().chars().next(),
                            None if is_code => Some('`'),
                            None => core.chars().next(),
                        };
                        let end = span_end(nodes, idx, m);
                        // Marks inside this one (opened with it but after it, or later) that
                        // also end at its last node close before it: their closing text
                        // (`*`, `](…)`, `</u>`, `` ` ``) comes right before its delimiter.
                        let here = &marks;
                        let continues = |i: &Mark| nodes.get(end + 1).is_some_and(|x| marks_of(x).contains(i));
                        let inner_ends_with_it = marks_of(&nodes[end]).iter().any(|i| {
                            i != *m
                                && !continues(i)
                                && (matches!(i, Mark::Code) || opening[p + 1..].contains(&i) || !here.contains(i))
                        });
                        let html = m.has_delimiters()
                            && (ends_with_delimiter(&out, m)
                                || !delimiters_fit(nodes, idx, m, out.chars().last(), first, inner_ends_with_it));
                        out.push_str(&if html { m.open_html() } else { m.open() });
                        open.push((*m).clone());
                        as_html.push(html);
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
        close_marks(&mut out, &mut open, &mut as_html, 0);
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
    /// Written with Markdown delimiters that must flank their text (`**`, `*`, `~~`).
    fn has_delimiters(&self) -> bool {
        matches!(self, Mark::Strong | Mark::Em | Mark::Strike)
    }

    fn open_html(&self) -> String {
        match self {
            Mark::Strong => "<strong>".into(),
            Mark::Em => "<em>".into(),
            Mark::Strike => "<del>".into(),
            other => other.open(),
        }
    }

    fn close_html(&self) -> String {
        match self {
            Mark::Strong => "</strong>".into(),
            Mark::Em => "</em>".into(),
            Mark::Strike => "</del>".into(),
            other => other.close(),
        }
    }

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
        if !out.contains(&mark) {
            out.push(mark);
        }
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

fn close_marks(out: &mut String, open: &mut Vec<Mark>, as_html: &mut Vec<bool>, keep: usize) {
    if open.len() <= keep {
        return;
    }
    // Delimiters must hug the text: move trailing whitespace outside of them.
    let trimmed_len = out.trim_end_matches([' ', '\t']).len();
    let trail = out[trimmed_len..].to_string();
    out.truncate(trimmed_len);
    while open.len() > keep {
        let m = open.pop().expect("non-empty");
        let html = as_html.pop().unwrap_or(false);
        out.push_str(&if html { m.close_html() } else { m.close() });
    }
    out.push_str(&trail);
}

/// Whether `*`, `**` or `~~` around the span of `mark` that starts at `nodes[idx]` would read
/// back as that mark: CommonMark lets a delimiter open only before non-blank text, and not
/// between a letter and punctuation (`word*(x)*` is literal), and likewise for closing. When
/// they would not, the mark is written as an HTML tag (`<em>`), which the parser reads back.
fn delimiters_fit(
    nodes: &[Value],
    idx: usize,
    mark: &Mark,
    before: Option<char>,
    first: Option<char>,
    inner_ends_with_it: bool,
) -> bool {
    let blank = |c: Option<char>| c.is_none_or(char::is_whitespace);
    let punct =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_punctuation() || (!c.is_alphanumeric() && !c.is_whitespace()));
    let end = span_end(nodes, idx, mark);
    let (last, trail) = match node_type(&nodes[end]) {
        "text" => {
            let text = nodes[end].get("text").and_then(Value::as_str).unwrap_or("");
            let (_, core, trail) = split_ws(text);
            (core.chars().last(), !trail.is_empty())
        }
        "hardBreak" => (None, false),
        _ => (Some('a'), false),
    };
    // An inner mark closing at the same place puts its delimiter (punctuation) before ours.
    let last = if inner_ends_with_it { Some('*') } else { last };
    let after = match nodes.get(end + 1) {
        _ if trail => Some(' '),
        None => None,
        // The next node opens marks of its own: their delimiters come right after ours.
        Some(next) if marks_of(next).iter().any(|m| !marks_of(&nodes[end]).contains(m)) => Some('*'),
        Some(next) => first_char(Some(next)),
    };
    let opens = !blank(first) && (!punct(first) || blank(before) || punct(before));
    let closes = !blank(last) && (!punct(last) || blank(after) || punct(after));
    opens && closes
}

/// Whether `out` ends with an unescaped delimiter of the kind `mark` uses: a new one right
/// after it would merge into one run (`**a***b*`).
fn ends_with_delimiter(out: &str, mark: &Mark) -> bool {
    let c = match mark {
        Mark::Strong | Mark::Em => '*',
        Mark::Strike => '~',
        _ => return false,
    };
    let trailing = out.chars().rev().take_while(|&x| x == c).count();
    trailing > 0 && !escaped(&out[..out.len() - trailing])
}

/// Whether the character that follows `before` is escaped: an odd run of backslashes ends it.
fn escaped(before: &str) -> bool {
    before.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

/// The last node of the run of nodes from `idx` that carry `mark`.
fn span_end(nodes: &[Value], idx: usize, mark: &Mark) -> usize {
    (idx..nodes.len())
        .take_while(|&k| marks_of(&nodes[k]).contains(mark))
        .last()
        .unwrap_or(idx)
}

/// The first character a node renders as (near enough for the flanking rules).
fn first_char(node: Option<&Value>) -> Option<char> {
    let n = node?;
    match node_type(n) {
        "text" => n.get("text").and_then(Value::as_str).and_then(|t| t.chars().next()),
        "hardBreak" => None,
        "mention" => Some('@'),
        "status" => Some('`'),
        "inlineCard" => Some('<'),
        _ => Some('a'),
    }
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

/// Whether a rendered list may follow a paragraph line directly: CommonMark lets a list
/// interrupt a paragraph only with a non-empty first item, numbered 1 if ordered.
fn interrupts_paragraph(list: &str) -> bool {
    let first = list.lines().next().unwrap_or("");
    let digits = first.chars().take_while(char::is_ascii_digit).count();
    let rest = if digits > 0 {
        if &first[..digits] != "1" {
            return false;
        }
        first.get(digits + 1..).unwrap_or("")
    } else {
        first.get(1..).unwrap_or("")
    };
    !rest.trim().is_empty()
}

#[derive(Clone, Copy, PartialEq)]
enum ListFamily {
    Bullet,
    Ordered,
}

fn list_family(n: &Value) -> Option<ListFamily> {
    match node_type(n) {
        "bulletList" | "taskList" | "decisionList" => Some(ListFamily::Bullet),
        "orderedList" => Some(ListFamily::Ordered),
        _ => None,
    }
}

/// A rendered list with its top-level markers changed: `- ` to `* `, `1. ` to `1) `.
fn switch_markers(list: &str, family: ListFamily) -> String {
    list.lines()
        .map(|line| match family {
            ListFamily::Bullet => match line.strip_prefix("- ") {
                Some(rest) => format!("* {rest}"),
                None if line == "-" => "*".to_string(),
                None => line.to_string(),
            },
            ListFamily::Ordered => {
                let digits = line.chars().take_while(char::is_ascii_digit).count();
                if digits > 0 && (line[digits..].starts_with(". ") || &line[digits..] == ".") {
                    format!("{}){}", &line[..digits], &line[digits + 1..])
                } else {
                    line.to_string()
                }
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn fence_for(code: &str) -> String {
    "`".repeat((longest_run(code, '`') + 1).max(3))
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

    /// Numbers from Jira are hostile too: a list starting at the largest number does not wrap.
    #[test]
    fn an_ordered_list_at_the_largest_start_does_not_overflow() {
        let item =
            |t: &str| json!({"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":t}]}]});
        let d = doc(json!([{"type":"orderedList","attrs":{"order": u64::MAX},"content":[item("a"), item("b")]}]));
        let md = to_markdown(&d);
        assert!(
            md.contains(&format!("{}. a", u64::MAX)) && md.contains(&format!("{}. b", u64::MAX)),
            "{md}"
        );
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
