//! Document model → Markdown (CommonMark with GFM tables).
//!
//! Blocks are joined with blank lines; lists and quotes indent or prefix their children's
//! lines. A mark is written with `**`, `_`/`*` or `~~` where CommonMark's flanking rules will
//! read it back, else as `<strong>`, `<em>`, `<del>`; underline, superscript and subscript are
//! always `<u>`, `<sup>`, `<sub>`. Text is escaped as in the ADF renderer: Markdown's
//! metacharacters, and line starts that would open a block.
//!
//! The forms for what Markdown lacks are written so they read back: `[~name]`,
//! `[image: name.png|thumbnail]`, `[attachment: file.pdf]`, macro tags as text.

use super::{Block, Cell, Inline, Mark, is_plain_url, is_punct, is_ws, partners};
use crate::markdown::{code_span, longest_run, paragraph};

pub(super) fn write(blocks: &[Block]) -> String {
    blocks_md(blocks).trim_end().to_string()
}

fn blocks_md(blocks: &[Block]) -> String {
    blocks
        .iter()
        .map(block)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn block(b: &Block) -> String {
    match b {
        Block::Para(i) => paragraph(&inlines(i, Ctx::Para)),
        Block::Heading(level, i) => {
            let mut text = inlines(i, Ctx::Line).trim().to_string();
            // A trailing `#` would be read as the closing sequence.
            if text.ends_with('#') && !text.ends_with("\\#") {
                text.pop();
                text.push_str("\\#");
            }
            format!("{} {text}", "#".repeat(usize::from((*level).clamp(1, 6))))
                .trim_end()
                .to_string()
        }
        Block::Code { lang, text } => {
            let lang = lang.split_whitespace().next().unwrap_or("");
            let fence = if lang.contains('`') {
                "~".repeat((longest_run(text, '~') + 1).max(3))
            } else {
                "`".repeat((longest_run(text, '`') + 1).max(3))
            };
            if text.is_empty() {
                format!("{fence}{lang}\n{fence}")
            } else {
                format!("{fence}{lang}\n{text}\n{fence}")
            }
        }
        Block::Quote(children) => {
            let inner = blocks_md(children);
            inner
                .lines()
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
        Block::List { ordered, items } => list(*ordered, items),
        Block::Table(rows) => table(rows),
        Block::Rule => "---".to_string(),
        Block::Macro(m) => paragraph(&escape(m, None, false)),
    }
}

fn list(ordered: bool, items: &[Vec<Block>]) -> String {
    let mut out: Vec<String> = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let marker = if ordered {
            format!("{}. ", n + 1)
        } else {
            "- ".to_string()
        };
        let mut body = String::new();
        let mut prev_para = false;
        for (k, child) in item.iter().enumerate() {
            let is_list = matches!(child, Block::List { .. });
            let mut text = block(child);
            if k == 0 {
                text = task_marker(text);
            }
            if text.is_empty() {
                continue;
            }
            if !body.is_empty() {
                // A nested list right under the item's text keeps the list tight.
                body.push_str(if is_list && prev_para { "\n" } else { "\n\n" });
            }
            body.push_str(&text);
            prev_para = matches!(child, Block::Para(_));
        }
        let indent = " ".repeat(marker.len());
        let mut lines = body.lines();
        let mut s = format!("{marker}{}", lines.next().unwrap_or("")).trim_end().to_string();
        for line in lines {
            s.push('\n');
            if !line.is_empty() {
                s.push_str(&indent);
                s.push_str(line);
            }
        }
        out.push(s);
    }
    out.join("\n")
}

/// An item whose text starts with `[ ]` or `[x]` is written as a task item.
fn task_marker(text: String) -> String {
    for (escaped, plain) in [("\\[ \\] ", "[ ] "), ("\\[x\\] ", "[x] "), ("\\[X\\] ", "[x] ")] {
        if let Some(rest) = text.strip_prefix(escaped)
            && !rest.trim().is_empty()
        {
            return format!("{plain}{rest}");
        }
    }
    text
}

/// Beyond this many cells (widest row × rows) a table is shown as lines of text: padding every
/// row to the widest would let a few kilobytes of markup grow to hundreds of megabytes.
const MAX_TABLE_CELLS: usize = 20_000;

fn table(rows: &[Vec<Cell>]) -> String {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    if width == 0 {
        return String::new();
    }
    if width.saturating_mul(rows.len()) > MAX_TABLE_CELLS {
        let mut out = vec![format!(
            "[table of {} rows, up to {width} columns, shown as text]",
            rows.len()
        )];
        out.extend(rows.iter().map(|r| {
            let cells: Vec<String> = r.iter().map(|c| inlines(&c.content, Ctx::Cell)).collect();
            paragraph(&cells.join(" | "))
        }));
        return out.join("\n\n");
    }
    let render = |cells: &[Cell], bold_headers: bool| {
        let mut s = String::from("|");
        for i in 0..width {
            s.push(' ');
            if let Some(c) = cells.get(i) {
                let text = inlines(&c.content, Ctx::Cell);
                if bold_headers && c.header && !text.is_empty() {
                    s.push_str(&format!("<strong>{text}</strong>"));
                } else {
                    s.push_str(&text);
                }
            }
            s.push_str(" |");
        }
        s.trim_end().to_string().replace("|  |", "| |")
    };
    let mut out = Vec::new();
    let has_head = rows[0].iter().all(|c| c.header);
    let body = if has_head {
        out.push(render(&rows[0], false));
        &rows[1..]
    } else {
        out.push(format!("|{}", "  |".repeat(width)));
        rows
    };
    out.push(format!("|{}", " --- |".repeat(width)));
    out.extend(body.iter().map(|r| render(r, true)));
    out.join("\n")
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Para,
    /// A heading: one line.
    Line,
    /// A table cell: one line, `|` escaped.
    Cell,
}

/// The first and last character a token is written with (near enough for the flanking rules).
fn edges(t: &Inline) -> (Option<char>, Option<char>) {
    match t {
        Inline::Text(s) => (s.chars().next(), s.chars().last()),
        Inline::Code(_) => (Some('`'), Some('`')),
        Inline::Open(_) | Inline::Close(_) => (Some('*'), Some('*')),
        Inline::Break => (Some('\n'), Some('\n')),
        Inline::LinkOpen => (Some('['), Some('[')),
        Inline::LinkClose(_) => (Some(']'), Some(')')),
        Inline::Url(_) => (Some('<'), Some('>')),
        Inline::Image { .. } => (Some('!'), Some(')')),
        Inline::Mention(_) | Inline::Attachment(_) => (Some('['), Some(']')),
        Inline::Macro(_) => (Some('{'), Some('}')),
    }
}

/// How a mark is written: `Some(delimiter)` or `None` for its HTML tags.
type Style = Option<&'static str>;

fn inlines(tokens: &[Inline], ctx: Ctx) -> String {
    let pair = partners(tokens);
    let edge: Vec<(Option<char>, Option<char>)> = tokens.iter().map(edges).collect();
    let before = |i: usize| i.checked_sub(1).and_then(|j| edge[j].1);
    let after = |i: usize| edge.get(i + 1).and_then(|e| e.0);
    let mut style: Vec<Style> = vec![None; tokens.len()];
    for (i, t) in tokens.iter().enumerate() {
        let (Inline::Open(m), Some(j)) = (t, pair[i]) else {
            continue;
        };
        // A closing delimiter right before must not be of the same character: the two would
        // merge into one run (`**a***b*`).
        let left = i
            .checked_sub(1)
            .filter(|&p| matches!(tokens[p], Inline::Close(_)))
            .and_then(|p| style[p]);
        let candidates: &[&'static str] = match m {
            Mark::Strong => &["**"],
            Mark::Em => &["_", "*"],
            Mark::Strike => &["~~"],
            _ => &[],
        };
        style[i] = candidates.iter().copied().find(|d| {
            let touches = left.is_some_and(|l| l.chars().next() == d.chars().next());
            !touches && fits(d, before(i), after(i), before(j), after(j))
        });
        style[j] = style[i];
    }
    let mut out = String::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Inline::Text(s) => {
                let next_alnum = after(i).is_some_and(char::is_alphanumeric);
                let text = escape(s, before(i), next_alnum);
                // `|` ends a cell.
                out.push_str(&if ctx == Ctx::Cell {
                    text.replace('|', "\\|")
                } else {
                    text
                });
            }
            Inline::Code(s) => {
                let span = code_span(s);
                out.push_str(&if ctx == Ctx::Cell {
                    span.replace('|', "\\|")
                } else {
                    span
                });
            }
            Inline::Open(m) => out.push_str(&match style[i] {
                Some(d) => d.to_string(),
                None => format!("<{}>", tag(*m)),
            }),
            Inline::Close(m) => out.push_str(&match style[i] {
                Some(d) => d.to_string(),
                None => format!("</{}>", tag(*m)),
            }),
            Inline::Break => out.push_str(if ctx == Ctx::Para { "\\\n" } else { "<br>" }),
            Inline::LinkOpen => {
                let Some(j) = pair[i] else {
                    i += 1;
                    continue;
                };
                let Inline::LinkClose(url) = &tokens[j] else {
                    i += 1;
                    continue;
                };
                let plain: Option<String> = tokens[i + 1..j]
                    .iter()
                    .map(|t| match t {
                        Inline::Text(s) => Some(s.as_str()),
                        _ => None,
                    })
                    .collect();
                // `!` right before `[` would make the link an image.
                if out.ends_with('!') && !escaped_at_end(&out[..out.len() - 1]) {
                    out.pop();
                    out.push_str("\\!");
                }
                if plain.as_deref().is_some_and(|p| p.is_empty() || p == url) {
                    out.push_str(&autolink(url, ctx));
                    i = j + 1;
                    continue;
                }
                out.push('[');
            }
            Inline::LinkClose(url) => {
                if pair[i].is_some() {
                    out.push_str("](");
                    out.push_str(&link_dest(url, ctx));
                    out.push(')');
                }
            }
            Inline::Url(url) => out.push_str(&autolink(url, ctx)),
            Inline::Image { src, alt, params } => {
                if src.contains("://") {
                    out.push_str(&format!("![{}]({})", escape(alt, None, false), link_dest(src, ctx)));
                } else {
                    let inner = if params.is_empty() {
                        src.clone()
                    } else {
                        format!("{src}|{params}")
                    };
                    out.push_str(&bracketed("image: ", &inner, after(i), ctx));
                }
            }
            Inline::Mention(name) => out.push_str(&bracketed("~", name, after(i), ctx)),
            Inline::Attachment(name) => out.push_str(&bracketed("attachment: ", name, after(i), ctx)),
            Inline::Macro(m) => {
                let s = escape(m, before(i), false);
                out.push_str(&if ctx == Ctx::Cell { s.replace('|', "\\|") } else { s });
            }
        }
        i += 1;
    }
    out
}

fn tag(m: Mark) -> &'static str {
    match m {
        Mark::Strong => "strong",
        Mark::Em => "em",
        Mark::Strike => "del",
        Mark::Underline => "u",
        Mark::Sup => "sup",
        Mark::Sub => "sub",
    }
}

/// Whether delimiter `d` opens between `b_open`/`a_open` and closes between `b_close`/`a_close`
/// (CommonMark's flanking rules; `_` may not open or close inside a word).
fn fits(d: &str, b_open: Option<char>, a_open: Option<char>, b_close: Option<char>, a_close: Option<char>) -> bool {
    let left = |before: Option<char>, after: Option<char>| {
        !is_ws(after) && (!is_punct(after) || is_ws(before) || is_punct(before))
    };
    let right = |before: Option<char>, after: Option<char>| {
        !is_ws(before) && (!is_punct(before) || is_ws(after) || is_punct(after))
    };
    let opens = left(b_open, a_open);
    let closes = right(b_close, a_close);
    if d == "_" {
        let open_ok = opens && (!right(b_open, a_open) || is_punct(b_open));
        let close_ok = closes && (!left(b_close, a_close) || is_punct(a_close));
        open_ok && close_ok
    } else {
        opens && closes
    }
}

/// `[~name]`, `[image: x.png]`: brackets kept; a following `(` or `[` is kept from turning
/// them into a link by escaping the closing bracket.
fn bracketed(prefix: &str, inner: &str, after: Option<char>, ctx: Ctx) -> String {
    let mut s = format!(
        "[{prefix}{}",
        escape(inner, Some('['), false).replace("\\[", "[").replace("\\]", "]")
    );
    if ctx == Ctx::Cell {
        s = s.replace('|', "\\|");
    }
    s.push_str(if matches!(after, Some('(' | '[' | ':')) {
        "\\]"
    } else {
        "]"
    });
    s
}

fn autolink(url: &str, ctx: Ctx) -> String {
    if is_plain_url(url) || (url.contains(':') && !url.contains(|c: char| c.is_whitespace() || "<>".contains(c))) {
        let s = format!("<{url}>");
        if ctx == Ctx::Cell { s.replace('|', "\\|") } else { s }
    } else {
        let text = escape(url, None, false);
        let text = if ctx == Ctx::Cell {
            text.replace('|', "\\|")
        } else {
            text
        };
        format!("[{text}]({})", link_dest(url, ctx))
    }
}

fn link_dest(url: &str, ctx: Ctx) -> String {
    let url = url.replace('\\', "%5C");
    let d = if url.contains([' ', '(', ')', '<', '>']) || url.is_empty() {
        format!("<{}>", url.replace('<', "%3C").replace('>', "%3E"))
    } else {
        url.to_string()
    };
    if ctx == Ctx::Cell { d.replace('|', "%7C") } else { d }
}

fn escaped_at_end(before: &str) -> bool {
    before.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

/// Escapes Markdown metacharacters in text. `_` inside a word is left alone.
fn escape(s: &str, before: Option<char>, next_is_alnum: bool) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let prev = if i == 0 { before } else { Some(chars[i - 1]) };
        let next = chars.get(i + 1).copied();
        let needs = match c {
            '\\' | '*' | '`' | '[' | ']' | '<' | '>' | '~' => true,
            '_' => {
                let next_alnum = next.map_or(next_is_alnum, char::is_alphanumeric);
                !(prev.is_some_and(char::is_alphanumeric) && next_alnum)
            }
            '!' => next == Some('['),
            _ => false,
        };
        if needs {
            out.push('\\');
        }
        if c == '\n' || c == '\r' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}
