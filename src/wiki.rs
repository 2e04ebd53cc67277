//! Jira wiki markup (the "Text Formatting Notation" of Jira Data Center) ⇄ Markdown.
//!
//! Both directions meet in one small document model: blocks (paragraphs, headings, code,
//! quotes, lists, tables, rules, macro tags) holding runs of inlines (text, code, marks opening
//! and closing, breaks, links, images, mentions). Markdown is read with `pulldown-cmark`, wiki
//! markup by a single-pass reader of our own; each writer escapes what its target would read as
//! markup, so literal text stays literal, and writes a mark as tags (`<em>`, `{*}`) where its
//! plain delimiters would not be read back.
//!
//! What one side cannot express keeps a visible form that reads back: a mention stays `[~name]`
//! in Markdown, an attached image becomes `[image: name.png]`, an attached file
//! `[attachment: file.pdf]`, and the macros Markdown lacks (`{panel}`, `{info}`, `{note}`,
//! `{warning}`, `{tip}`, `{color}`, `{anchor}`) stay as their tags around the converted content.
//! Unknown macros show as their literal text. Nothing is dropped.
//!
//! Every byte is hostile: the readers walk characters (never slicing inside one), look ahead a
//! bounded distance or remember where a search failed, keep their stacks on the heap, and clamp
//! nesting (lists at 16 levels, quotes at 8), so time is linear in the input and the call stack
//! bounded.

mod md_read;
mod md_write;
mod wiki_read;
mod wiki_write;

#[cfg(test)]
pub(crate) mod tests;

/// Markdown (CommonMark with GFM tables, strikethrough and task lists) → Jira wiki markup.
pub fn from_markdown(markdown: &str) -> String {
    wiki_write::write(&md_read::read(markdown))
}

/// Jira wiki markup → Markdown (CommonMark with GFM tables).
pub fn to_markdown(wiki: &str) -> String {
    md_write::write(&wiki_read::read(wiki))
}

/// Deeper lists are flattened into their level-16 item.
const MAX_LIST_DEPTH: usize = 16;
/// Deeper quotes are flattened into their level-8 quote.
const MAX_QUOTE_DEPTH: usize = 8;
/// How far a reader looks ahead for the end of a mention, placeholder or macro tag.
const MAX_TAG_LEN: usize = 1024;

/// Macros Markdown has no form for: their tags are kept as text in Markdown and read back.
const KEPT_MACROS: &[&str] = &["panel", "info", "note", "warning", "tip", "color", "anchor"];
/// Of those, the ones that stand as blocks in wiki markup.
const BLOCK_MACROS: &[&str] = &["panel", "info", "note", "warning", "tip"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Strong,
    Em,
    Strike,
    Underline,
    Sup,
    Sub,
}

impl Mark {
    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Inline {
    Text(String),
    Code(String),
    Open(Mark),
    Close(Mark),
    Break,
    LinkOpen,
    /// Ends the link opened by the last `LinkOpen`; an empty link text means "show the URL".
    LinkClose(String),
    /// A bare URL (Markdown: an autolink).
    Url(String),
    /// `src` with a scheme is a web image; otherwise an attachment, whose wiki parameters
    /// (`thumbnail`, `width=…`) are kept in `params`.
    Image {
        src: String,
        alt: String,
        params: String,
    },
    Mention(String),
    Attachment(String),
    /// A kept macro tag, verbatim: `{color:red}`.
    Macro(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Block {
    Para(Vec<Inline>),
    Heading(u8, Vec<Inline>),
    Code {
        lang: String,
        text: String,
    },
    Quote(Vec<Block>),
    List {
        ordered: bool,
        items: Vec<Vec<Block>>,
    },
    Table(Vec<Vec<Cell>>),
    Rule,
    /// A kept block macro tag, verbatim: `{panel:title=X}`.
    Macro(String),
}

#[derive(Debug, Clone, PartialEq)]
struct Cell {
    header: bool,
    content: Vec<Inline>,
}

/// Tidies a run of inlines: merges adjacent text (and code), drops empty text, a mark opened inside
/// itself, marks with nothing in them and a mark closed only to reopen at once, closes marks
/// left open. Afterwards each `Open` has exactly one later `Close` of the same mark.
fn normalize(tokens: Vec<Inline>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::with_capacity(tokens.len());
    let mut count = [0usize; 6];
    let mut open: Vec<Mark> = Vec::new();
    for t in tokens {
        match t {
            Inline::Text(s) => {
                if s.is_empty() {
                    continue;
                }
                if let Some(Inline::Text(prev)) = out.last_mut() {
                    prev.push_str(&s);
                } else {
                    out.push(Inline::Text(s));
                }
            }
            // Monospace next to monospace is one run (Markdown could not write two).
            Inline::Code(c) => {
                if let Some(Inline::Code(prev)) = out.last_mut() {
                    prev.push_str(&c);
                } else {
                    out.push(Inline::Code(c));
                }
            }
            Inline::Open(m) => {
                count[m.index()] += 1;
                if count[m.index()] > 1 {
                    continue;
                }
                open.push(m);
                if out.last() == Some(&Inline::Close(m)) {
                    out.pop();
                } else {
                    out.push(Inline::Open(m));
                }
            }
            Inline::Close(m) => {
                match count[m.index()] {
                    0 => continue,
                    1 => {}
                    _ => {
                        count[m.index()] -= 1;
                        continue;
                    }
                }
                count[m.index()] = 0;
                open.retain(|&o| o != m);
                if out.last() == Some(&Inline::Open(m)) {
                    out.pop();
                } else {
                    out.push(Inline::Close(m));
                }
            }
            other => out.push(other),
        }
    }
    while let Some(m) = open.pop() {
        if out.last() == Some(&Inline::Open(m)) {
            out.pop();
        } else {
            out.push(Inline::Close(m));
        }
    }
    out
}

/// For each `Open` (and `LinkOpen`), the index of its `Close` (`LinkClose`), and back.
fn partners(tokens: &[Inline]) -> Vec<Option<usize>> {
    let mut out = vec![None; tokens.len()];
    let mut last_open = [None::<usize>; 6];
    let mut link_open: Option<usize> = None;
    for (i, t) in tokens.iter().enumerate() {
        match t {
            Inline::Open(m) => last_open[m.index()] = Some(i),
            Inline::Close(m) => {
                if let Some(o) = last_open[m.index()].take() {
                    out[o] = Some(i);
                    out[i] = Some(o);
                }
            }
            Inline::LinkOpen => link_open = Some(i),
            Inline::LinkClose(_) => {
                if let Some(o) = link_open.take() {
                    out[o] = Some(i);
                    out[i] = Some(o);
                }
            }
            _ => {}
        }
    }
    out
}

/// The length in characters of a URL starting at `chars[i]` (`https://…`, `mailto:…`), if one
/// does. A URL runs over the characters URLs are made of, less a trailing `.,;:!?)'`.
fn url_len(chars: &[char], i: usize) -> Option<usize> {
    if i > 0 && chars[i - 1].is_alphanumeric() {
        return None;
    }
    let scheme_len = ["https://", "http://", "ftp://", "mailto:"].iter().find_map(|s| {
        let n = s.len();
        let matches = chars.len() >= i + n
            && s.chars()
                .zip(&chars[i..i + n])
                .all(|(a, b)| a == b.to_ascii_lowercase());
        matches.then_some(n)
    })?;
    let mut end = i + scheme_len;
    while end < chars.len() && is_url_char(chars[end]) {
        end += 1;
    }
    while end > i + scheme_len && matches!(chars[end - 1], '.' | ',' | ';' | ':' | '?' | ')' | '\'') {
        end -= 1;
    }
    (end > i + scheme_len).then_some(end - i)
}

fn is_url_char(c: char) -> bool {
    c.is_alphanumeric() || "-._~:/?#@$&'()+,;=%".contains(c)
}

/// Whether `url` is written bare in wiki markup and as an autolink in Markdown.
fn is_plain_url(url: &str) -> bool {
    let chars: Vec<char> = url.chars().collect();
    url_len(&chars, 0) == Some(chars.len())
}

/// A macro tag at `chars[i]`: `{name}` or `{name:params}`; returns the lowercased name and the
/// index after the closing `}`. Parameters hold no `{`, `}` or line break.
fn tag_at(chars: &[char], i: usize) -> Option<(String, usize)> {
    if chars.get(i) != Some(&'{') {
        return None;
    }
    let mut j = i + 1;
    let mut name = String::new();
    while let Some(&c) = chars.get(j) {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            name.push(c.to_ascii_lowercase());
            j += 1;
        } else {
            break;
        }
    }
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    match chars.get(j) {
        Some('}') => Some((name, j + 1)),
        Some(':') => {
            let limit = (j + MAX_TAG_LEN).min(chars.len());
            (j + 1..limit)
                .find(|&k| matches!(chars[k], '}' | '{' | '\n'))
                .filter(|&k| chars[k] == '}')
                .map(|k| (name, k + 1))
        }
        _ => None,
    }
}

/// A character class shared by the delimiter rules of both languages.
fn is_ws(c: Option<char>) -> bool {
    c.is_none_or(char::is_whitespace)
}

fn is_alnum(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

fn is_punct(c: Option<char>) -> bool {
    c.is_some_and(|c| !c.is_alphanumeric() && !c.is_whitespace())
}
