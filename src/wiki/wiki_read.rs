//! Jira wiki markup → document model.
//!
//! Two passes, each one walk over the characters:
//!
//! 1. The macros that make blocks are cut out wherever they stand on a line: `{code}` and
//!    `{noformat}` with their raw content (up to the closing tag, found by one forward scan),
//!    `{quote}` (which toggles: it does not nest) and the panels (`{panel}`, `{info}`, …).
//! 2. The text between them is read line by line: `h1.`, `bq.`, `----`, list lines (`*`, `#`,
//!    `#*`, `-`), table rows (`||h||`, `|c|`), and paragraphs of the other lines.
//!
//! Phrase markup (`*b*`, `_i_`, `-s-`, `+u+`, `^sup^`, `~sub~`, `??cite??`, `{*}b{*}`) is matched
//! with a stack of openers, as Jira does it within one line: an opener needs no letter before
//! and no blank after it, a closer the mirror; a closer matches the nearest opener of its kind
//! and the openers above that stay text. Links, images and `{{monospace}}` are found by
//! scanning ahead, at most to the end of the line; a scan that failed for want of a closer is
//! remembered, so a line of a thousand `{{` is read once.

use super::{Block, Cell, Inline, MAX_LIST_DEPTH, Mark, is_alnum, is_ws, normalize, tag_at, url_len};

pub(super) fn read(wiki: &str) -> Vec<Block> {
    let chars: Vec<char> = wiki.replace("\r\n", "\n").replace('\r', "\n").chars().collect();
    let mut r = Reader::default();
    for seg in segments(&chars) {
        match seg {
            Segment::Text(t) => {
                for line in t.split('\n') {
                    r.line(line);
                }
                r.close();
            }
            Segment::Code { lang, text } => {
                r.close();
                r.push(Block::Code { lang, text });
            }
            Segment::Tag { name, raw } => {
                r.close();
                if name == "quote" {
                    match r.quote.take() {
                        Some(q) => {
                            if !q.is_empty() {
                                r.root.push(Block::Quote(q));
                            }
                        }
                        None => r.quote = Some(Vec::new()),
                    }
                } else {
                    r.push(Block::Macro(raw));
                }
            }
        }
    }
    r.close();
    if let Some(q) = r.quote.take()
        && !q.is_empty()
    {
        r.root.push(Block::Quote(q));
    }
    r.root
}

enum Segment {
    Text(String),
    Code { lang: String, text: String },
    Tag { name: String, raw: String },
}

/// Pass 1: cuts the block macros out of the text.
fn segments(chars: &[char]) -> Vec<Segment> {
    let n = chars.len();
    let mut out = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < n {
        let c = chars[i];
        if c == '\\' {
            text.extend(&chars[i..(i + 2).min(n)]);
            i += 2;
            continue;
        }
        if c == '{' {
            if chars.get(i + 1) == Some(&'{') {
                text.push_str("{{");
                i += 2;
                continue;
            }
            if let Some((name, end)) = tag_at(chars, i) {
                let is_code = name == "code" || name == "noformat";
                if is_code || name == "quote" || super::BLOCK_MACROS.contains(&name.as_str()) {
                    if !text.is_empty() {
                        out.push(Segment::Text(std::mem::take(&mut text)));
                    }
                    if is_code {
                        let params: String = chars[(i + 2 + name.len()).min(end - 1)..end - 1].iter().collect();
                        let close: Vec<char> = format!("{{{name}}}").chars().collect();
                        let (content_end, after) = match find_ci(chars, end, &close) {
                            Some(k) => (k, k + close.len()),
                            None => (n, n),
                        };
                        let mut content: String = chars[end..content_end].iter().collect();
                        if content.starts_with('\n') {
                            content.remove(0);
                        }
                        if content.ends_with('\n') {
                            content.pop();
                        }
                        let lang = if name == "code" {
                            code_language(&params)
                        } else {
                            String::new()
                        };
                        out.push(Segment::Code { lang, text: content });
                        i = after;
                    } else {
                        out.push(Segment::Tag {
                            name,
                            raw: chars[i..end].iter().collect(),
                        });
                        i = end;
                    }
                    continue;
                }
            }
        }
        text.push(c);
        i += 1;
    }
    if !text.is_empty() {
        out.push(Segment::Text(text));
    }
    out
}

/// The first index at or after `from` where `pat` (lowercase ASCII) starts, ignoring case.
fn find_ci(chars: &[char], from: usize, pat: &[char]) -> Option<usize> {
    let first = *pat.first()?;
    (from..chars.len()).find(|&k| {
        chars[k] == first
            && chars.len() - k >= pat.len()
            && pat.iter().zip(&chars[k..]).all(|(p, c)| c.to_ascii_lowercase() == *p)
    })
}

/// `{code:java}`, `{code:title=A.java|language=java}`: the language, if any.
fn code_language(params: &str) -> String {
    for p in params.split('|') {
        match p.split_once('=') {
            Some((k, v)) if matches!(k.trim().to_ascii_lowercase().as_str(), "language" | "lang") => {
                return v.trim().to_string();
            }
            None if !p.trim().is_empty() => return p.trim().to_string(),
            _ => {}
        }
    }
    String::new()
}

#[derive(Default)]
enum Open {
    #[default]
    None,
    Para(Vec<String>),
    List(Vec<(String, String)>),
    Table(Vec<String>),
}

#[derive(Default)]
struct Reader {
    root: Vec<Block>,
    quote: Option<Vec<Block>>,
    open: Open,
}

impl Reader {
    fn push(&mut self, b: Block) {
        match &mut self.quote {
            Some(q) => q.push(b),
            None => self.root.push(b),
        }
    }

    /// Pass 2, one line.
    fn line(&mut self, line: &str) {
        let t = line.trim_start();
        if t.trim_end().is_empty() {
            return self.close();
        }
        if let Some((level, rest)) = heading(t) {
            self.close();
            return self.push(Block::Heading(level, parse_inline(rest)));
        }
        if let Some(rest) = prefixed(t, "bq.") {
            self.close();
            let p = Block::Para(parse_inline(rest));
            return if self.quote.is_some() {
                self.push(p)
            } else {
                self.push(Block::Quote(vec![p]))
            };
        }
        if t.trim_end().len() >= 4 && t.trim_end().chars().all(|c| c == '-') {
            self.close();
            return self.push(Block::Rule);
        }
        if let Some((markers, rest)) = list_item(t) {
            if !matches!(self.open, Open::List(_)) {
                self.close();
                self.open = Open::List(Vec::new());
            }
            if let Open::List(items) = &mut self.open {
                items.push((markers.to_string(), rest.to_string()));
            }
            return;
        }
        if t.starts_with('|') {
            if !matches!(self.open, Open::Table(_)) {
                self.close();
                self.open = Open::Table(Vec::new());
            }
            if let Open::Table(rows) = &mut self.open {
                rows.push(t.trim_end().to_string());
            }
            return;
        }
        if !matches!(self.open, Open::Para(_)) {
            self.close();
            self.open = Open::Para(Vec::new());
        }
        if let Open::Para(lines) = &mut self.open {
            lines.push(t.to_string());
        }
    }

    fn close(&mut self) {
        match std::mem::take(&mut self.open) {
            Open::None => {}
            Open::Para(lines) => {
                let inlines = parse_inline(&lines.join("\n"));
                if !inlines.is_empty() {
                    self.push(Block::Para(inlines));
                }
            }
            Open::List(items) => {
                let mut lists = Vec::new();
                build_lists(items, &mut lists);
                for l in lists {
                    self.push(l);
                }
            }
            Open::Table(rows) => {
                let rows: Vec<Vec<Cell>> = rows.iter().map(|r| table_row(r)).filter(|r| !r.is_empty()).collect();
                if !rows.is_empty() {
                    self.push(Block::Table(rows));
                }
            }
        }
    }
}

/// `h1. Title` → (1, "Title").
fn heading(t: &str) -> Option<(u8, &str)> {
    let b = t.as_bytes();
    if b.len() < 3 || !b[0].eq_ignore_ascii_case(&b'h') || !(b'1'..=b'6').contains(&b[1]) || b[2] != b'.' {
        return None;
    }
    let rest = &t[3..];
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then(|| (b[1] - b'0', rest.trim()))
}

/// The rest of `t` after `prefix` (ASCII, any case) and a blank.
fn prefixed<'a>(t: &'a str, prefix: &str) -> Option<&'a str> {
    let head = t.get(..prefix.len())?;
    let rest = &t[prefix.len()..];
    (head.eq_ignore_ascii_case(prefix) && (rest.is_empty() || rest.starts_with(char::is_whitespace)))
        .then(|| rest.trim())
}

/// `** text`, `#* text`, `- text` → (markers, text).
fn list_item(t: &str) -> Option<(&str, &str)> {
    let n = if t.starts_with('-') {
        1
    } else {
        t.bytes().take_while(|b| matches!(b, b'*' | b'#')).count()
    };
    if n == 0 {
        return None;
    }
    let rest = &t[n..];
    if !rest.starts_with(char::is_whitespace) || rest.trim().is_empty() {
        return None;
    }
    Some((&t[..n], rest.trim()))
}

/// Nests list lines by their markers. A line deeper than one level below the last starts one
/// level below it; levels past [`MAX_LIST_DEPTH`] are read as that level.
fn build_lists(items: Vec<(String, String)>, out: &mut Vec<Block>) {
    let mut levels: Vec<(bool, Vec<Vec<Block>>)> = Vec::new();
    fn pop(levels: &mut Vec<(bool, Vec<Vec<Block>>)>, out: &mut Vec<Block>) {
        let Some((ordered, items)) = levels.pop() else { return };
        let list = Block::List { ordered, items };
        match levels.last_mut().and_then(|(_, items)| items.last_mut()) {
            Some(item) => item.push(list),
            None => out.push(list),
        }
    }
    for (markers, text) in items {
        let kinds: Vec<bool> = markers.chars().take(MAX_LIST_DEPTH).map(|c| c == '#').collect();
        let depth = kinds.len().min(levels.len() + 1).max(1);
        while levels.len() > depth {
            pop(&mut levels, out);
        }
        let ordered = kinds.get(depth - 1).copied().unwrap_or(false);
        if levels.len() == depth && levels[depth - 1].0 != ordered {
            pop(&mut levels, out);
        }
        if levels.len() < depth {
            levels.push((ordered, Vec::new()));
        }
        if let Some((_, items)) = levels.last_mut() {
            items.push(vec![Block::Para(parse_inline(&text))]);
        }
    }
    while !levels.is_empty() {
        pop(&mut levels, out);
    }
}

/// `||h1||h2||` or `|c1|c2|`: the cells; `|` inside `[…]` links and `{{…}}` is not a separator.
fn table_row(line: &str) -> Vec<Cell> {
    let chars: Vec<char> = line.chars().collect();
    let n = chars.len();
    let mut cells = Vec::new();
    let mut i = 0;
    while i < n && chars[i] == '|' {
        let header = chars.get(i + 1) == Some(&'|');
        i += if header { 2 } else { 1 };
        let start = i;
        let (mut in_link, mut in_mono) = (false, false);
        while i < n {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            if c == '\\' {
                i += 2;
                continue;
            }
            if in_mono {
                if c == '}' && next == Some('}') {
                    in_mono = false;
                    i += 1;
                }
            } else if c == '{' && next == Some('{') {
                in_mono = true;
                i += 1;
            } else if c == '!' && !in_link {
                // An image's parameters follow a `|` too: `!a.png|thumbnail!`.
                if let Some(end) = image_end(&chars, i) {
                    i = end + 1;
                    continue;
                }
            } else if c == '[' {
                in_link = true;
            } else if c == ']' {
                in_link = false;
            } else if c == '|' && !in_link {
                break;
            }
            i += 1;
        }
        let end = i.min(n);
        let content: String = chars[start..end].iter().collect();
        if end < n || !content.trim().is_empty() {
            cells.push(Cell {
                header,
                content: parse_inline(content.trim()),
            });
        }
    }
    cells
}

/// The index of the `!` that ends an image starting at `chars[i]`: a source without blanks,
/// then optionally `|` and parameters.
fn image_end(chars: &[char], i: usize) -> Option<usize> {
    let mut bar = false;
    let mut k = i + 1;
    while let Some(&c) = chars.get(k) {
        if c == '!' {
            return (k > i + 1).then_some(k);
        }
        if c == '\n' || (!bar && (c.is_whitespace() || c == '{' || c == '}')) {
            return None;
        }
        if c == '|' {
            if k == i + 1 {
                return None;
            }
            bar = true;
        }
        k += 1;
    }
    None
}

fn parse_inline(s: &str) -> Vec<Inline> {
    let chars: Vec<char> = s.chars().collect();
    let mut p = Phrases::new(&chars, true);
    p.run();
    normalize(p.tokens)
}

const DELIMS: [char; 7] = ['*', '_', '-', '+', '^', '~', '?'];

fn mark_of(c: char) -> Mark {
    match c {
        '*' => Mark::Strong,
        '-' => Mark::Strike,
        '+' => Mark::Underline,
        '^' => Mark::Sup,
        '~' => Mark::Sub,
        _ => Mark::Em,
    }
}

/// The inline reader of one paragraph, cell, heading or link text.
struct Phrases<'a> {
    chars: &'a [char],
    links: bool,
    tokens: Vec<Inline>,
    text: String,
    /// Unmatched openers: delimiter and the index of their (text) token.
    stack: Vec<(char, usize)>,
    count: [usize; 7],
    /// A `{{` before this index has no `}}` after it on its line.
    mono_fails_before: usize,
}

impl<'a> Phrases<'a> {
    fn new(chars: &'a [char], links: bool) -> Self {
        Phrases {
            chars,
            links,
            tokens: Vec::new(),
            text: String::new(),
            stack: Vec::new(),
            count: [0; 7],
            mono_fails_before: 0,
        }
    }

    fn flush(&mut self) {
        if !self.text.is_empty() {
            self.tokens.push(Inline::Text(std::mem::take(&mut self.text)));
        }
    }

    fn push(&mut self, t: Inline) {
        self.flush();
        self.tokens.push(t);
    }

    fn run(&mut self) {
        let chars = self.chars;
        let n = chars.len();
        let mut i = 0;
        while i < n {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            i = match c {
                '\\' => match next {
                    Some('\\') => {
                        self.push(Inline::Break);
                        i + 2
                    }
                    Some(x) if x.is_ascii_punctuation() => {
                        self.text.push(x);
                        i + 2
                    }
                    _ => {
                        self.text.push('\\');
                        i + 1
                    }
                },
                '\n' => {
                    self.push(Inline::Break);
                    // Phrase markup does not cross lines.
                    self.stack.clear();
                    self.count = [0; 7];
                    i + 1
                }
                '{' => self.brace(i),
                '[' if self.links => self.link(i),
                '!' => self.image(i),
                '?' if next == Some('?') => self.delimiter(i, '?', 2, false),
                '*' | '_' | '-' | '+' | '^' | '~' => self.delimiter(i, c, 1, false),
                // A link's text holds no further links.
                'h' | 'H' | 'f' | 'F' | 'm' | 'M' if self.links => match url_len(chars, i) {
                    Some(len) => {
                        self.push(Inline::Url(chars[i..i + len].iter().collect()));
                        i + len
                    }
                    None => {
                        self.text.push(c);
                        i + 1
                    }
                },
                _ => {
                    self.text.push(c);
                    i + 1
                }
            };
        }
        self.flush();
    }

    fn delimiter(&mut self, i: usize, ch: char, width: usize, braced: bool) -> usize {
        let chars = self.chars;
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + width).copied();
        let (opens, closes) = if braced {
            (true, true)
        } else {
            (!is_alnum(prev) && !is_ws(next), !is_ws(prev) && !is_alnum(next))
        };
        let raw: String = chars[i..i + width].iter().collect();
        let k = DELIMS.iter().position(|&d| d == ch).unwrap_or(0);
        if closes && self.count[k] > 0 {
            self.flush();
            if let Some(pos) = self.stack.iter().rposition(|&(c, _)| c == ch) {
                let tok = self.stack[pos].1;
                if tok + 1 < self.tokens.len() {
                    for (c, _) in self.stack.drain(pos..) {
                        let ci = DELIMS.iter().position(|&d| d == c).unwrap_or(0);
                        self.count[ci] -= 1;
                    }
                    self.tokens[tok] = Inline::Open(mark_of(ch));
                    self.tokens.push(Inline::Close(mark_of(ch)));
                    return i + width;
                }
            }
        }
        if opens {
            self.flush();
            self.stack.push((ch, self.tokens.len()));
            self.count[k] += 1;
            self.tokens.push(Inline::Text(raw));
        } else {
            self.text.push_str(&raw);
        }
        i + width
    }

    /// `{{monospace}}`, `{*}` (a braced delimiter), a macro tag, or a literal `{`.
    fn brace(&mut self, i: usize) -> usize {
        let chars = self.chars;
        let n = chars.len();
        if chars.get(i + 1) == Some(&'{') {
            if i >= self.mono_fails_before {
                let mut k = i + 2;
                while k < n && chars[k] != '\n' {
                    if chars[k] == '\\' {
                        k += 2;
                        continue;
                    }
                    if chars[k] == '}' && chars.get(k + 1) == Some(&'}') && k > i + 2 {
                        let raw: String = chars[i + 2..k].iter().collect();
                        self.push(Inline::Code(unescape_code(&raw)));
                        return k + 2;
                    }
                    k += 1;
                }
                self.mono_fails_before = k.min(n);
            }
            self.text.push_str("{{");
            return i + 2;
        }
        if let (Some(&d), Some('}')) = (chars.get(i + 1), chars.get(i + 2))
            && "*_-+^~".contains(d)
        {
            return self.delimiter(i, d, 3, true);
        }
        if let Some((name, end)) = tag_at(chars, i) {
            let raw: String = chars[i..end].iter().collect();
            if super::KEPT_MACROS.contains(&name.as_str()) {
                self.push(Inline::Macro(raw));
            } else {
                self.text.push_str(&raw);
            }
            return end;
        }
        self.text.push('{');
        i + 1
    }

    /// `[text|url]`, `[url]`, `[~user]`, `[^attachment]`; else a literal `[`.
    fn link(&mut self, i: usize) -> usize {
        let chars = self.chars;
        let n = chars.len();
        let mut k = i + 1;
        let close = loop {
            if k >= n {
                break None;
            }
            match chars[k] {
                '\\' => k += 2,
                ']' => break Some(k),
                '[' | '\n' => break None,
                _ => k += 1,
            }
        };
        let Some(close) = close.filter(|&k| k > i + 1) else {
            self.text.push('[');
            return i + 1;
        };
        let inner = &chars[i + 1..close];
        let bar = link_bar(inner);
        let (alias, target) = match bar {
            Some(b) => (&inner[..b], &inner[b + 1..]),
            None => (&inner[..0], inner),
        };
        let target = &target[..unescaped(target, '|').unwrap_or(target.len())];
        let target: String = target.iter().collect::<String>().trim().to_string();
        let alias_tokens = || {
            let mut p = Phrases::new(alias, false);
            p.run();
            normalize(p.tokens)
        };
        if let Some(name) = target.strip_prefix('~').or_else(|| target.strip_prefix('^')) {
            let name = name.trim();
            if name.is_empty() {
                self.text.push('[');
                return i + 1;
            }
            let alias = alias_tokens();
            let has_alias = !alias.is_empty();
            self.flush();
            self.tokens.extend(alias);
            if has_alias {
                self.text.push(' ');
            }
            self.push(if target.starts_with('~') {
                Inline::Mention(name.to_string())
            } else {
                Inline::Attachment(name.to_string())
            });
            return close + 1;
        }
        if target.is_empty() {
            self.text.push('[');
            return i + 1;
        }
        self.push(Inline::LinkOpen);
        let alias = alias_tokens();
        self.tokens.extend(alias);
        self.tokens.push(Inline::LinkClose(target));
        close + 1
    }

    /// `!src!` or `!src|params!`; the source holds no blank.
    fn image(&mut self, i: usize) -> usize {
        let chars = self.chars;
        let Some(end) = image_end(chars, i) else {
            self.text.push('!');
            return i + 1;
        };
        let bar = (i + 1..end).find(|&k| chars[k] == '|');
        let src: String = chars[i + 1..bar.unwrap_or(end)].iter().collect();
        let params: String = bar.map(|b| chars[b + 1..end].iter().collect()).unwrap_or_default();
        let alt = params
            .split(',')
            .find_map(|p| {
                let (k, v) = p.split_once('=')?;
                (k.trim().eq_ignore_ascii_case("alt")).then(|| v.trim().trim_matches('"').to_string())
            })
            .unwrap_or_default();
        self.push(Inline::Image {
            src,
            alt,
            params: params.trim().to_string(),
        });
        end + 1
    }
}

/// The `|` between a link's text and its target: not escaped, not in an image of the text.
fn link_bar(chars: &[char]) -> Option<usize> {
    let mut k = 0;
    while k < chars.len() {
        match chars[k] {
            '\\' => k += 2,
            '|' => return Some(k),
            '!' => k = image_end(chars, k).map_or(k + 1, |end| end + 1),
            _ => k += 1,
        }
    }
    None
}

/// The index of the first `c` in `chars` that no backslash escapes.
fn unescaped(chars: &[char], c: char) -> Option<usize> {
    let mut k = 0;
    while k < chars.len() {
        if chars[k] == '\\' {
            k += 2;
            continue;
        }
        if chars[k] == c {
            return Some(k);
        }
        k += 1;
    }
    None
}

/// Monospace text as shown: backslash escapes and the common character references resolved.
fn unescape_code(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\'
            && let Some(&x) = chars.get(i + 1)
            && x.is_ascii_punctuation()
        {
            out.push(x);
            i += 2;
            continue;
        }
        if c == '&'
            && let Some((decoded, len)) = entity(&chars[i..])
        {
            out.push(decoded);
            i += len;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// A character reference at the start of `chars` (`&amp;`, `&#92;`, `&#x5C;`) and its length.
fn entity(chars: &[char]) -> Option<(char, usize)> {
    let end = chars.iter().take(12).position(|&c| c == ';')?;
    let body: String = chars[1..end].iter().collect();
    let c = match body.as_str() {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => {
            let num = body.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code).filter(|&c| c != '\0')?
        }
    };
    Some((c, end + 1))
}
