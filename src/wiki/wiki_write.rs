//! Document model → Jira wiki markup.
//!
//! Blocks are written one after another, separated by blank lines. Wiki markup is flatter
//! than Markdown: a list item is one line (its further paragraphs join with `\\`), and what
//! else a Markdown item holds (code, quotes, tables) is written after the item's line as a block
//! of its own; `{quote}` cannot nest, so quotes in quotes are unwrapped.
//!
//! A mark's delimiters (`*bold*`) count only where Jira's phrase rules let them open and close
//! (no letter before the opener, no blank after it, and the mirror for the closer); elsewhere
//! the braced form `{*}bold{*}` is written. Text is escaped with `\` where a character would be
//! read as markup, judged by its neighbours; a literal backslash that would escape what follows
//! is written `&#92;`.

use super::{Block, Cell, Inline, MAX_LIST_DEPTH, Mark, is_alnum, is_plain_url, is_ws, normalize, partners};

pub(super) fn write(blocks: &[Block]) -> String {
    let mut out = Vec::new();
    for b in blocks {
        block(b, false, &mut out);
    }
    out.join("\n\n")
}

fn block(b: &Block, in_quote: bool, out: &mut Vec<String>) {
    let s = match b {
        Block::Para(i) => paragraph(i),
        Block::Heading(level, i) => format!("h{level}. {}", inlines(i, Ctx::Line).trim())
            .trim_end()
            .to_string(),
        Block::Code { lang, text } => code(lang, text),
        Block::Quote(children) => return quote(children, in_quote, out),
        Block::List { ordered, items } => {
            let mut lines = Vec::new();
            list(*ordered, items, "", out, &mut lines);
            flush(&mut lines, out);
            return;
        }
        Block::Table(rows) => table(rows),
        Block::Rule => "----".to_string(),
        Block::Macro(m) => m.clone(),
    };
    if !s.is_empty() {
        out.push(s);
    }
}

fn flush(lines: &mut Vec<String>, out: &mut Vec<String>) {
    if !lines.is_empty() {
        out.push(lines.join("\n"));
        lines.clear();
    }
}

/// A quote of one single-line paragraph is `bq.`; others are `{quote}` blocks. Quotes inside
/// quotes are unwrapped (`{quote}` does not nest).
fn quote(children: &[Block], in_quote: bool, out: &mut Vec<String>) {
    let mut flat = Vec::new();
    unwrap_quotes(children, &mut flat);
    if in_quote {
        for c in flat {
            block(c, true, out);
        }
        return;
    }
    let mut inner = Vec::new();
    for c in &flat {
        block(c, true, &mut inner);
    }
    if inner.is_empty() {
        return;
    }
    if let [Block::Para(_)] = flat.as_slice()
        && inner.len() == 1
        && !inner[0].contains('\n')
    {
        out.push(format!("bq. {}", inner[0]));
        return;
    }
    out.push(format!("{{quote}}\n{}\n{{quote}}", inner.join("\n\n")));
}

/// The blocks of a quote with the quotes inside it unwrapped (they nest at most
/// `MAX_QUOTE_DEPTH` deep).
fn unwrap_quotes<'a>(children: &'a [Block], out: &mut Vec<&'a Block>) {
    for c in children {
        match c {
            Block::Quote(inner) => unwrap_quotes(inner, out),
            other => out.push(other),
        }
    }
}

/// Writes a list's items as marker lines into `lines`; blocks an item holds that a wiki list
/// line cannot (code, quotes, tables) end the lines so far and are written as blocks.
fn list(ordered: bool, items: &[Vec<Block>], prefix: &str, out: &mut Vec<String>, lines: &mut Vec<String>) {
    let mut marker = prefix.to_string();
    if marker.chars().count() < MAX_LIST_DEPTH {
        marker.push(if ordered { '#' } else { '*' });
    }
    for item in items {
        let mut line: Option<String> = None;
        for child in item {
            match child {
                Block::Para(i) | Block::Heading(_, i) => {
                    let text = inlines(i, Ctx::Line);
                    let text = text.trim();
                    if text.is_empty() {
                        continue;
                    }
                    match &mut line {
                        Some(l) => {
                            l.push_str("\\\\");
                            l.push_str(text);
                        }
                        None => line = Some(format!("{marker} {text}")),
                    }
                }
                Block::List { ordered, items } => {
                    lines.extend(line.take());
                    list(*ordered, items, &marker, out, lines);
                }
                other => {
                    lines.extend(line.take());
                    flush(lines, out);
                    block(other, false, out);
                }
            }
        }
        lines.extend(line.take());
    }
}

fn table(rows: &[Vec<Cell>]) -> String {
    // An all-empty header row is what the Markdown writer adds to a table without one.
    let skip = rows.len() > 1 && rows[0].iter().all(|c| c.header && c.content.is_empty());
    let mut out = Vec::new();
    for row in rows.iter().skip(usize::from(skip)) {
        if row.is_empty() {
            continue;
        }
        let mut s = String::new();
        for cell in row {
            s.push_str(if cell.header { "||" } else { "|" });
            let text = inlines(&cell.content, Ctx::Line);
            s.push_str(if text.is_empty() { " " } else { &text });
        }
        s.push_str(if row.last().is_some_and(|c| c.header) {
            "||"
        } else {
            "|"
        });
        out.push(s);
    }
    out.join("\n")
}

/// `{code:lang}`, or `{noformat}` without a language; whichever tag the text does not hold.
fn code(lang: &str, text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let lang: String = lang
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+#-_.".contains(*c))
        .collect();
    let has_code = lower.contains("{code}");
    let has_noformat = lower.contains("{noformat}");
    if !lang.is_empty() && !has_code {
        format!("{{code:{lang}}}\n{text}\n{{code}}")
    } else if !has_noformat {
        format!("{{noformat}}\n{text}\n{{noformat}}")
    } else if !has_code {
        format!("{{code}}\n{text}\n{{code}}")
    } else {
        // Both tags in the text: the closing one is broken up so the block ends where it should.
        let mut safe = String::with_capacity(text.len() + 8);
        let mut start = 0;
        // `lower` has the bytes of `text` at the same places; `{` is one byte.
        for (pos, _) in lower.match_indices("{noformat}") {
            safe.push_str(&text[start..pos + 1]);
            safe.push(' ');
            start = pos + 1;
        }
        safe.push_str(&text[start..]);
        format!("{{noformat}}\n{safe}\n{{noformat}}")
    }
}

/// A paragraph: its hard breaks are line ends, and each line is escaped where it would start
/// a block (`* `, `# `, `- `, `h1.`, `bq.`, `----`).
fn paragraph(tokens: &[Inline]) -> String {
    let text = inlines(tokens, Ctx::Para);
    text.split('\n')
        .map(|l| escape_line_start(l.trim()))
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_string()
}

fn escape_line_start(line: &str) -> String {
    let run = line.chars().take_while(|c| matches!(c, '*' | '#' | '-')).count();
    let then_blank = line.chars().nth(run).is_some_and(char::is_whitespace);
    let rule = run >= 4 && line.chars().all(|c| c == '-');
    if run > 0 && (then_blank || rule) {
        return format!("\\{line}");
    }
    let lower = line.to_ascii_lowercase();
    let b = lower.as_bytes();
    let heading = b.len() >= 3 && b[0] == b'h' && (b'1'..=b'6').contains(&b[1]) && b[2] == b'.';
    if heading {
        return format!("{}\\{}", &line[..2], &line[2..]);
    }
    if lower.starts_with("bq.") {
        return format!("{}\\{}", &line[..2], &line[2..]);
    }
    line.to_string()
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    /// A paragraph: a hard break is a line end.
    Para,
    /// A heading, list item or table cell: one line, a hard break is `\\`.
    Line,
}

fn delimiter(m: Mark) -> char {
    match m {
        Mark::Strong => '*',
        Mark::Em => '_',
        Mark::Strike => '-',
        Mark::Underline => '+',
        Mark::Sup => '^',
        Mark::Sub => '~',
    }
}

/// The first and last character a token is written with (near enough for the phrase rules).
fn edges(t: &Inline) -> (Option<char>, Option<char>) {
    match t {
        Inline::Text(s) | Inline::Url(s) => (s.chars().next(), s.chars().last()),
        Inline::Code(_) | Inline::Macro(_) => (Some('{'), Some('}')),
        Inline::Open(m) | Inline::Close(m) => (Some(delimiter(*m)), Some(delimiter(*m))),
        Inline::Break => (Some('\\'), Some('\\')),
        Inline::LinkOpen | Inline::Mention(_) | Inline::Attachment(_) => (Some('['), Some(']')),
        Inline::LinkClose(_) => (Some(']'), Some(']')),
        Inline::Image { .. } => (Some('!'), Some('!')),
    }
}

fn inlines(tokens: &[Inline], ctx: Ctx) -> String {
    let mut tokens = split_at_breaks(tokens);
    // Breaks before all text or after it show nothing in Markdown and are not written.
    while matches!(tokens.last(), Some(Inline::Break)) {
        tokens.pop();
    }
    let lead = tokens.iter().take_while(|t| matches!(t, Inline::Break)).count();
    tokens.drain(..lead);
    // Blanks around a line break show nothing in Markdown: they are not written.
    for k in 0..tokens.len() {
        let after_break = k > 0 && tokens[k - 1] == Inline::Break;
        let before_break = tokens.get(k + 1) == Some(&Inline::Break);
        if let Inline::Text(s) = &mut tokens[k] {
            if after_break {
                *s = s.trim_start().to_string();
            }
            if before_break {
                *s = s.trim_end().to_string();
            }
        }
    }
    let tokens = normalize(tokens);
    let pair = partners(&tokens);
    let mut edge: Vec<(Option<char>, Option<char>)> = tokens.iter().map(edges).collect();
    // Which URLs are written bare, left to right (each choice depends on what was written
    // before it); a bare URL starts and ends with its own characters, `[url]` with brackets.
    let mut bare = vec![false; tokens.len()];
    for i in 0..tokens.len() {
        let prev = i.checked_sub(1).and_then(|p| edge[p].1);
        match &tokens[i] {
            Inline::LinkOpen => {
                if let Some(j) = pair[i]
                    && let Inline::LinkClose(url) = &tokens[j]
                    && !url.is_empty()
                    && plain_text(&tokens[i + 1..j]).is_some_and(|p| p.is_empty() || p == *url)
                {
                    bare[i] = bare_ok(url, prev, &tokens[j + 1..]);
                    if bare[i] {
                        edge[i] = (url.chars().next(), url.chars().next());
                        edge[j] = (url.chars().last(), url.chars().last());
                    }
                }
            }
            Inline::Url(url) => {
                bare[i] = bare_ok(url, prev, &tokens[i + 1..]);
                if !bare[i] {
                    edge[i] = (Some('['), Some(']'));
                }
            }
            _ => {}
        }
    }
    let edge = edge;
    let before = |i: usize| i.checked_sub(1).and_then(|j| edge[j].1);
    let after = |i: usize| edge.get(i + 1).and_then(|e| e.0);
    // Whether each mark is written braced (`{*}`): when its plain delimiters would not count.
    let mut braced = vec![false; tokens.len()];
    for (i, t) in tokens.iter().enumerate() {
        if let (Inline::Open(_), Some(j)) = (t, pair[i]) {
            let opens = !is_alnum(before(i)) && !is_ws(after(i));
            let closes = !is_ws(before(j)) && !is_alnum(after(j));
            // At a line's start, `*` or `-` before more of `*#-` could read as list markers.
            let line_start = i == 0 || (ctx == Ctx::Para && matches!(tokens[i - 1], Inline::Break));
            let marker_like = line_start
                && matches!(tokens[i], Inline::Open(Mark::Strong | Mark::Strike))
                && matches!(after(i), Some('*' | '#' | '-'));
            braced[i] = !(opens && closes) || marker_like;
            braced[j] = braced[i];
        }
    }
    let mut out = String::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Inline::Text(s) => out.push_str(&escape(s, before(i), after(i))),
            Inline::Code(s) => {
                out.push_str("{{");
                out.push_str(&escape(s, Some('{'), Some('}')));
                out.push_str("}}");
            }
            Inline::Open(m) | Inline::Close(m) => {
                if braced[i] {
                    out.push('{');
                    out.push(delimiter(*m));
                    out.push('}');
                } else {
                    out.push(delimiter(*m));
                }
            }
            Inline::Break => {
                while out.ends_with([' ', '\t']) {
                    out.pop();
                }
                let newline_ok = ctx == Ctx::Para
                    && !out.is_empty()
                    && !out.ends_with('\n')
                    && !matches!(tokens.get(i + 1), None | Some(Inline::Break));
                out.push_str(if newline_ok { "\n" } else { "\\\\" });
            }
            Inline::LinkOpen => {
                let Some(j) = pair[i] else {
                    i += 1;
                    continue;
                };
                let Inline::LinkClose(url) = &tokens[j] else {
                    i += 1;
                    continue;
                };
                let plain = plain_text(&tokens[i + 1..j]);
                if url.is_empty() {
                    // No destination: the text alone.
                } else if plain.as_deref().is_some_and(|p| p.is_empty() || p == url) {
                    let encoded = encode_url(url);
                    if bare[i] || encoded == *url {
                        out.push_str(&url_form(url, bare[i]));
                    } else {
                        // `[a b]` would show `a%20b`: the text is kept as the link's text.
                        out.push('[');
                        out.push_str(&escape(url, Some('['), Some('|')));
                        out.push('|');
                        out.push_str(&encoded);
                        out.push(']');
                    }
                    i = j + 1;
                    continue;
                } else {
                    out.push('[');
                }
            }
            Inline::LinkClose(url) => {
                if pair[i].is_some() && !url.is_empty() {
                    out.push('|');
                    out.push_str(&encode_url(url));
                    out.push(']');
                }
            }
            Inline::Url(url) => out.push_str(&url_form(url, bare[i])),
            Inline::Image { src, alt, params } => {
                if src.trim().is_empty() {
                    out.push_str(&escape(alt, before(i), after(i)));
                } else {
                    out.push('!');
                    out.push_str(&encode_image(src));
                    let alt = clean_alt(alt);
                    if !params.is_empty() {
                        out.push('|');
                        out.push_str(&params.replace(['!', '\n'], " "));
                    } else if !alt.is_empty() {
                        out.push_str("|alt=");
                        out.push_str(&alt);
                    }
                    out.push('!');
                }
            }
            Inline::Mention(name) => {
                out.push_str("[~");
                out.push_str(name);
                out.push(']');
            }
            Inline::Attachment(name) => {
                out.push_str("[^");
                out.push_str(name);
                out.push(']');
            }
            Inline::Macro(m) => out.push_str(m),
        }
        i += 1;
    }
    // A heading, item or cell shows no blanks at its ends.
    if ctx == Ctx::Line { out.trim().to_string() } else { out }
}

/// The text of a run of tokens that are all plain text.
fn plain_text(tokens: &[Inline]) -> Option<String> {
    tokens
        .iter()
        .map(|t| match t {
            Inline::Text(s) => Some(s.as_str()),
            _ => None,
        })
        .collect()
}

/// Jira's phrase markup does not span lines: marks open at a hard break are closed before it
/// and opened again after it. A break inside a link's text becomes a blank.
fn split_at_breaks(tokens: &[Inline]) -> Vec<Inline> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut open: Vec<Mark> = Vec::new();
    let mut in_link = false;
    for t in tokens {
        match t {
            Inline::Open(m) => {
                open.push(*m);
                out.push(t.clone());
            }
            Inline::Close(m) => {
                open.retain(|o| o != m);
                out.push(t.clone());
            }
            Inline::LinkOpen => {
                in_link = true;
                out.push(t.clone());
            }
            Inline::LinkClose(_) => {
                in_link = false;
                out.push(t.clone());
            }
            Inline::Break if in_link => out.push(Inline::Text(" ".into())),
            Inline::Break => {
                out.extend(open.iter().rev().map(|&m| Inline::Close(m)));
                out.push(Inline::Break);
                out.extend(open.iter().map(|&m| Inline::Open(m)));
            }
            _ => out.push(t.clone()),
        }
    }
    normalize(out)
}

/// Whether a URL is written bare: where Jira will find it whole (after no letter, before a
/// blank, a line end, or sentence punctuation and a blank).
fn bare_ok(url: &str, before: Option<char>, rest: &[Inline]) -> bool {
    let ends_cleanly = match rest.first() {
        None | Some(Inline::Break) => true,
        Some(Inline::Text(s)) => {
            let mut c = s.chars();
            let (c1, c2) = (c.next(), c.next());
            is_ws(c1)
                || (c1.is_some_and(|c| ".,;:!?)".contains(c))
                    && (c2.is_some_and(char::is_whitespace) || (c2.is_none() && rest.len() == 1)))
        }
        _ => false,
    };
    is_plain_url(url) && !is_alnum(before) && before != Some('\\') && ends_cleanly
}

fn url_form(url: &str, bare: bool) -> String {
    if bare {
        url.to_string()
    } else {
        format!("[{}]", encode_url(url))
    }
}

/// A link target as wiki markup reads it back: no `|`, brackets, braces (a `{code}` there
/// would open a block), backslashes or blanks, and no leading `~` or `^` (a mention, an
/// attachment).
fn encode_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for (i, c) in url.chars().enumerate() {
        match c {
            '~' if i == 0 => out.push_str("%7E"),
            '^' if i == 0 => out.push_str("%5E"),
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            '|' => out.push_str("%7C"),
            '\\' => out.push_str("%5C"),
            '[' => out.push_str("%5B"),
            ']' => out.push_str("%5D"),
            c if c.is_whitespace() => out.push_str("%20"),
            c => out.push(c),
        }
    }
    out
}

fn encode_image(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    for c in src.trim().chars() {
        match c {
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            '|' => out.push_str("%7C"),
            '!' => out.push_str("%21"),
            c if c.is_whitespace() => out.push_str("%20"),
            c => out.push(c),
        }
    }
    out
}

/// Alt text as an image parameter: no `!`, `|` or `,` (they end it) and one line.
fn clean_alt(alt: &str) -> String {
    let cleaned: String = alt
        .chars()
        .map(|c| if "!|,{}".contains(c) || c.is_control() { ' ' } else { c })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes text so Jira reads it literally; `before` and `after` are the characters written
/// next to it.
fn escape(s: &str, before: Option<char>, after: Option<char>) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let prev = if i == 0 { before } else { Some(chars[i - 1]) };
        let next = chars.get(i + 1).copied().or(after);
        match c {
            '*' | '_' | '-' | '+' | '^' | '~' => {
                let opens = !is_alnum(prev) && !is_ws(next);
                let closes = !is_ws(prev) && !is_alnum(next);
                if opens || closes {
                    out.push('\\');
                }
                out.push(c);
            }
            '?' => {
                if prev == Some('?') || next == Some('?') {
                    out.push('\\');
                }
                out.push(c);
            }
            '{' | '}' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '!' => {
                if !is_ws(next) {
                    out.push('\\');
                }
                out.push(c);
            }
            '\\' => {
                // What another token writes next is not known here for sure: `&#92;` then too.
                if i + 1 == chars.len() || next.is_none_or(|n| n.is_ascii_punctuation()) {
                    out.push_str("&#92;");
                } else {
                    out.push('\\');
                }
            }
            '&' => {
                if next.is_some_and(|n| n.is_alphanumeric() || n == '#') {
                    out.push_str("&amp;");
                } else {
                    out.push('&');
                }
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
