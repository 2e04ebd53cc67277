//! Markdown → document model, from `pulldown-cmark` events.
//!
//! A stack of open frames (heap, not call stack) collects the events. Lists deeper than
//! [`MAX_LIST_DEPTH`] and quotes deeper than [`MAX_QUOTE_DEPTH`] get no frame of their own:
//! their content lands in the deepest frame kept. Marks are counted, not nested, so
//! `****x****` is one strong run and an HTML tag closing out of order (`<u>a *b</u>*`) is
//! closed and reopened around.
//!
//! Text that spells a form [`super::to_markdown`] writes for what Markdown lacks (`[~name]`,
//! `[image: x.png]`, `[attachment: x.pdf]`, `{panel:title=X}`) is read back as that form.

use crate::markdown::heading_level;
use pulldown_cmark::{CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};

use super::{
    BLOCK_MACROS, Block, Cell, Inline, KEPT_MACROS, MAX_LIST_DEPTH, MAX_QUOTE_DEPTH, MAX_TAG_LEN, Mark, normalize,
};

pub(super) fn read(markdown: &str) -> Vec<Block> {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut b = Builder::default();
    b.stack.push(Frame::new(Kind::Root));
    for event in Parser::new_ext(markdown, options) {
        b.event(event);
    }
    b.finish()
}

enum Kind {
    Root,
    Quote,
    List { ordered: bool },
    Item,
    Para { implicit: bool },
    Heading(u8),
    Code { lang: String },
    Table,
    Row { header: bool },
    Cell { header: bool },
}

struct Frame {
    kind: Kind,
    blocks: Vec<Block>,
    inlines: Vec<Inline>,
    items: Vec<Vec<Block>>,
    rows: Vec<Vec<Cell>>,
    cells: Vec<Cell>,
    text: String,
}

impl Frame {
    fn new(kind: Kind) -> Self {
        Frame {
            kind,
            blocks: Vec::new(),
            inlines: Vec::new(),
            items: Vec::new(),
            rows: Vec::new(),
            cells: Vec::new(),
            text: String::new(),
        }
    }

    fn is_inline(&self) -> bool {
        matches!(self.kind, Kind::Para { .. } | Kind::Heading(_) | Kind::Cell { .. })
    }
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    /// For each quote, list and item started: whether it got a frame.
    kept: Vec<bool>,
    list_depth: usize,
    quote_depth: usize,
    /// Marks currently open, in opening order, and how often each was opened.
    open: Vec<Mark>,
    count: [usize; 6],
    /// Link destinations of the links being read.
    links: Vec<String>,
    /// Images being read (an image's alt text may hold images) and the outermost's alt and src.
    image_depth: usize,
    image_src: String,
    image_alt: String,
}

impl Builder {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.text(&t),
            Event::Code(t) => {
                if self.image_depth > 0 {
                    self.image_alt.push_str(&t);
                } else {
                    self.inline(Inline::Code(t.to_string()));
                }
            }
            Event::Html(html) => {
                // Raw HTML blocks stay as visible text, a line break for each line.
                let html = html.trim_end_matches('\n');
                for line in html.split('\n') {
                    if self
                        .stack
                        .last()
                        .is_some_and(|f| f.is_inline() && !f.inlines.is_empty())
                    {
                        self.inline(Inline::Break);
                    }
                    self.text(line);
                }
            }
            Event::InlineHtml(html) => self.inline_html(&html),
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => {
                if self.image_depth > 0 {
                    self.image_alt.push(' ');
                } else {
                    self.inline(Inline::Break);
                }
            }
            Event::Rule => self.block(Block::Rule),
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
            Event::FootnoteReference(r) => self.text(&format!("[^{r}]")),
            Event::InlineMath(m) | Event::DisplayMath(m) => self.text(&m),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph | Tag::HtmlBlock => {
                self.close_implicit();
                self.stack.push(Frame::new(Kind::Para { implicit: false }));
            }
            Tag::Heading { level, .. } => {
                self.close_implicit();
                self.stack.push(Frame::new(Kind::Heading(heading_level(level))));
            }
            Tag::CodeBlock(kind) => {
                self.close_implicit();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or("").to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.stack.push(Frame::new(Kind::Code { lang }));
            }
            Tag::BlockQuote(_) => {
                self.close_implicit();
                let keep = self.quote_depth < MAX_QUOTE_DEPTH && self.stack.len() < 64;
                self.kept.push(keep);
                if keep {
                    self.quote_depth += 1;
                    self.stack.push(Frame::new(Kind::Quote));
                }
            }
            Tag::List(start) => {
                self.close_implicit();
                let keep = self.list_depth < MAX_LIST_DEPTH && self.stack.len() < 64;
                self.kept.push(keep);
                if keep {
                    self.list_depth += 1;
                    self.stack.push(Frame::new(Kind::List {
                        ordered: start.is_some(),
                    }));
                }
            }
            Tag::Item => {
                self.close_implicit();
                let keep = self.kept.last().copied().unwrap_or(false)
                    && matches!(self.stack.last().map(|f| &f.kind), Some(Kind::List { .. }));
                self.kept.push(keep);
                if keep {
                    self.stack.push(Frame::new(Kind::Item));
                }
            }
            Tag::Table(_) => {
                self.close_implicit();
                self.stack.push(Frame::new(Kind::Table));
            }
            Tag::TableHead => self.stack.push(Frame::new(Kind::Row { header: true })),
            Tag::TableRow => self.stack.push(Frame::new(Kind::Row { header: false })),
            Tag::TableCell => {
                let header = matches!(self.stack.last().map(|f| &f.kind), Some(Kind::Row { header: true }));
                self.stack.push(Frame::new(Kind::Cell { header }));
            }
            Tag::Emphasis => self.open_mark(Mark::Em),
            Tag::Strong => self.open_mark(Mark::Strong),
            Tag::Strikethrough => self.open_mark(Mark::Strike),
            // A link inside an image's alt text is only text.
            Tag::Link {
                link_type, dest_url, ..
            } if self.image_depth == 0 => {
                let mut url = dest_url.to_string();
                if link_type == LinkType::Email && !url.starts_with("mailto:") {
                    url.insert_str(0, "mailto:");
                }
                self.links.push(url);
                self.inline(Inline::LinkOpen);
            }
            Tag::Image { dest_url, .. } => {
                if self.image_depth == 0 {
                    self.image_src = dest_url.to_string();
                    self.image_alt.clear();
                }
                self.image_depth += 1;
            }
            // Footnotes, definition lists, metadata: not enabled; content still flows.
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Emphasis => self.close_mark(Mark::Em),
            TagEnd::Strong => self.close_mark(Mark::Strong),
            TagEnd::Strikethrough => self.close_mark(Mark::Strike),
            TagEnd::Link => {
                if self.image_depth == 0
                    && let Some(url) = self.links.pop()
                {
                    self.inline(Inline::LinkClose(url));
                }
            }
            TagEnd::Image => {
                self.image_depth = self.image_depth.saturating_sub(1);
                if self.image_depth == 0 {
                    let src = std::mem::take(&mut self.image_src);
                    let alt = std::mem::take(&mut self.image_alt);
                    self.inline(Inline::Image {
                        src,
                        alt,
                        params: String::new(),
                    });
                }
            }
            TagEnd::Paragraph
            | TagEnd::HtmlBlock
            | TagEnd::Heading(_)
            | TagEnd::CodeBlock
            | TagEnd::Table
            | TagEnd::TableHead
            | TagEnd::TableRow
            | TagEnd::TableCell => {
                self.close_implicit();
                self.pop();
            }
            TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item => {
                self.close_implicit();
                if self.kept.pop().unwrap_or(false) {
                    match tag {
                        TagEnd::BlockQuote(_) => self.quote_depth -= 1,
                        TagEnd::List(_) => self.list_depth -= 1,
                        _ => {}
                    }
                    self.pop();
                }
            }
            _ => {}
        }
    }

    /// Closes the top frame and hands what it made to the frame below.
    fn pop(&mut self) {
        if self.stack.len() <= 1 {
            return;
        }
        let Some(mut frame) = self.stack.pop() else { return };
        if frame.is_inline() {
            self.close_all_marks_into(&mut frame.inlines);
        }
        match frame.kind {
            Kind::Root => {}
            Kind::Para { .. } => {
                // A block macro's tag stands as a block of its own in wiki markup.
                let mut para = Vec::new();
                for t in finish_inlines(frame.inlines) {
                    match t {
                        Inline::Macro(m) if is_block_macro(&m) => {
                            if !para.is_empty() {
                                self.block(Block::Para(normalize(std::mem::take(&mut para))));
                            }
                            self.block(Block::Macro(m));
                        }
                        t => para.push(t),
                    }
                }
                let para = normalize(para);
                if !para.is_empty() {
                    self.block(Block::Para(para));
                }
            }
            Kind::Heading(level) => self.block(Block::Heading(level, inline_only(finish_inlines(frame.inlines)))),
            Kind::Code { lang } => {
                let mut text = frame.text;
                if text.ends_with('\n') {
                    text.pop();
                }
                self.block(Block::Code { lang, text });
            }
            Kind::Quote => self.block(Block::Quote(frame.blocks)),
            Kind::List { ordered } => {
                if !frame.items.is_empty() {
                    self.block(Block::List {
                        ordered,
                        items: frame.items,
                    });
                }
            }
            Kind::Item => match self.stack.last_mut() {
                Some(parent) if matches!(parent.kind, Kind::List { .. }) => parent.items.push(frame.blocks),
                _ => {
                    for b in frame.blocks {
                        self.block(b);
                    }
                }
            },
            Kind::Table => {
                if !frame.rows.is_empty() {
                    self.block(Block::Table(frame.rows));
                }
            }
            Kind::Row { .. } => {
                if let Some(parent) = self.stack.last_mut()
                    && matches!(parent.kind, Kind::Table)
                {
                    parent.rows.push(frame.cells);
                }
            }
            Kind::Cell { header } => {
                let content = inline_only(finish_inlines(frame.inlines));
                if let Some(parent) = self.stack.last_mut()
                    && matches!(parent.kind, Kind::Row { .. })
                {
                    parent.cells.push(Cell { header, content });
                }
            }
        }
    }

    /// Puts a finished block into the nearest frame that holds blocks.
    fn block(&mut self, block: Block) {
        self.close_implicit();
        let Some(top) = self.stack.last_mut() else { return };
        match top.kind {
            Kind::Root | Kind::Quote | Kind::Item => top.blocks.push(block),
            Kind::List { .. } => top.items.push(vec![block]),
            // A block where only inlines may go (not produced by pulldown-cmark): keep its text.
            _ => {
                let mut text = String::new();
                block_text(&block, &mut text);
                top.inlines.push(Inline::Text(text));
            }
        }
    }

    fn close_implicit(&mut self) {
        if matches!(self.stack.last().map(|f| &f.kind), Some(Kind::Para { implicit: true })) {
            self.pop();
        }
    }

    fn inline(&mut self, t: Inline) {
        let top_inline = self
            .stack
            .last()
            .is_some_and(|f| f.is_inline() || matches!(f.kind, Kind::Code { .. }));
        if !top_inline {
            self.stack.push(Frame::new(Kind::Para { implicit: true }));
        }
        let Some(top) = self.stack.last_mut() else { return };
        if let Kind::Code { .. } = top.kind {
            if let Inline::Text(s) = t {
                top.text.push_str(&s);
            }
            return;
        }
        top.inlines.push(t);
    }

    fn text(&mut self, t: &str) {
        if t.is_empty() {
            return;
        }
        if self.image_depth > 0 {
            self.image_alt.push_str(t);
        } else {
            self.inline(Inline::Text(t.to_string()));
        }
    }

    fn open_mark(&mut self, m: Mark) {
        if self.image_depth > 0 {
            return;
        }
        self.count[m.index()] += 1;
        if self.count[m.index()] == 1 {
            self.open.push(m);
            self.inline(Inline::Open(m));
        }
    }

    /// Closes `m`; marks opened after it are closed first and opened again after.
    fn close_mark(&mut self, m: Mark) {
        if self.image_depth > 0 || self.count[m.index()] == 0 {
            return;
        }
        self.count[m.index()] -= 1;
        if self.count[m.index()] > 0 {
            return;
        }
        let Some(pos) = self.open.iter().rposition(|&o| o == m) else {
            return;
        };
        let above: Vec<Mark> = self.open.split_off(pos + 1);
        self.open.pop();
        for &a in above.iter().rev() {
            self.inline(Inline::Close(a));
        }
        self.inline(Inline::Close(m));
        for &a in &above {
            self.inline(Inline::Open(a));
        }
        self.open.extend(above);
    }

    fn close_all_marks_into(&mut self, inlines: &mut Vec<Inline>) {
        while let Some(m) = self.open.pop() {
            inlines.push(Inline::Close(m));
        }
        self.count = [0; 6];
    }

    /// The inline tags our writer emits (and their usual spellings) are read as marks.
    fn inline_html(&mut self, html: &str) {
        let tag = html.trim().to_ascii_lowercase();
        let mark = |name: &str| match name {
            "strong" | "b" => Some(Mark::Strong),
            "em" | "i" | "cite" => Some(Mark::Em),
            "del" | "s" | "strike" => Some(Mark::Strike),
            "u" | "ins" => Some(Mark::Underline),
            "sup" => Some(Mark::Sup),
            "sub" => Some(Mark::Sub),
            _ => None,
        };
        if matches!(tag.as_str(), "<br>" | "<br/>" | "<br />") {
            if self.image_depth > 0 {
                self.image_alt.push(' ');
            } else {
                self.inline(Inline::Break);
            }
            return;
        }
        if let Some(name) = tag.strip_prefix("</").and_then(|t| t.strip_suffix('>'))
            && let Some(m) = mark(name.trim())
        {
            // An unmatched closing tag shows nothing in Markdown either.
            self.close_mark(m);
            return;
        }
        if let Some(name) = tag.strip_prefix('<').and_then(|t| t.strip_suffix('>'))
            && let Some(m) = mark(name.trim())
        {
            self.open_mark(m);
            return;
        }
        self.text(html);
    }

    fn finish(mut self) -> Vec<Block> {
        while self.stack.len() > 1 {
            self.pop();
        }
        self.stack.pop().map(|f| f.blocks).unwrap_or_default()
    }
}

/// The plain text of a block (for the one place a block cannot go).
fn block_text(block: &Block, out: &mut String) {
    match block {
        Block::Para(i) | Block::Heading(_, i) => inline_text(i, out),
        Block::Code { text, .. } => out.push_str(text),
        Block::Macro(m) => out.push_str(m),
        Block::Rule => out.push_str("---"),
        Block::Quote(_) | Block::List { .. } | Block::Table(_) => {
            // Never nested here by the builder; keep whatever text can be reached cheaply.
            out.push(' ');
        }
    }
}

fn inline_text(inlines: &[Inline], out: &mut String) {
    for i in inlines {
        match i {
            Inline::Text(s) | Inline::Code(s) | Inline::Url(s) | Inline::Macro(s) => out.push_str(s),
            Inline::Break => out.push(' '),
            Inline::Mention(n) => {
                out.push_str("[~");
                out.push_str(n);
                out.push(']');
            }
            Inline::Image { alt, .. } => out.push_str(alt),
            _ => {}
        }
    }
}

fn is_block_macro(tag: &str) -> bool {
    let name: String = tag
        .chars()
        .skip(1)
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    BLOCK_MACROS.contains(&name.to_ascii_lowercase().as_str())
}

/// Where only inlines may stand (headings, cells), a block macro's tag is text.
fn inline_only(tokens: Vec<Inline>) -> Vec<Inline> {
    let out = tokens
        .into_iter()
        .map(|t| match t {
            Inline::Macro(m) if is_block_macro(&m) => Inline::Text(m),
            t => t,
        })
        .collect();
    normalize(out)
}

/// Normalises a paragraph's inlines and reads back the forms the Markdown writer uses for
/// what Markdown lacks, and bare URLs.
fn finish_inlines(tokens: Vec<Inline>) -> Vec<Inline> {
    let tokens = normalize(tokens);
    let mut out = Vec::with_capacity(tokens.len());
    let mut link_depth = 0usize;
    for t in tokens {
        match t {
            Inline::Text(s) => recognise(&s, link_depth > 0, &mut out),
            Inline::LinkOpen => {
                link_depth += 1;
                out.push(Inline::LinkOpen);
            }
            Inline::LinkClose(u) => {
                link_depth = link_depth.saturating_sub(1);
                out.push(Inline::LinkClose(u));
            }
            other => out.push(other),
        }
    }
    normalize(out)
}

/// Splits text into text and the special forms it spells.
fn recognise(s: &str, in_link: bool, out: &mut Vec<Inline>) {
    // A link's text holds no further links, mentions, attachments or macros.
    if in_link {
        out.push(Inline::Text(s.to_string()));
        return;
    }
    let chars: Vec<char> = s.chars().collect();
    let mut text = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let found = match c {
            '[' => bracket_form(&chars, i),
            '{' => super::tag_at(&chars, i)
                .filter(|(name, _)| KEPT_MACROS.contains(&name.as_str()))
                .map(|(_, end)| (Inline::Macro(chars[i..end].iter().collect()), end)),
            'h' | 'H' | 'f' | 'F' | 'm' | 'M' => {
                super::url_len(&chars, i).map(|n| (Inline::Url(chars[i..i + n].iter().collect()), i + n))
            }
            _ => None,
        };
        match found {
            Some((token, end)) => {
                if !text.is_empty() {
                    out.push(Inline::Text(std::mem::take(&mut text)));
                }
                out.push(token);
                i = end;
            }
            None => {
                text.push(c);
                i += 1;
            }
        }
    }
    if !text.is_empty() {
        out.push(Inline::Text(text));
    }
}

/// `[~name]`, `[image: name.png|params]`, `[attachment: file.pdf]` at `chars[i]`.
fn bracket_form(chars: &[char], i: usize) -> Option<(Inline, usize)> {
    let limit = (i + MAX_TAG_LEN).min(chars.len());
    let close = (i + 1..limit)
        .find(|&k| matches!(chars[k], ']' | '[' | '\n'))
        .filter(|&k| chars[k] == ']')?;
    let inner: String = chars[i + 1..close].iter().collect();
    let token = if let Some(name) = inner.strip_prefix('~') {
        let ok = !name.is_empty() && !name.contains(|c: char| c.is_whitespace() || "|{}!".contains(c));
        ok.then(|| Inline::Mention(name.to_string()))
    } else if let Some(name) = inner.strip_prefix("image: ") {
        let (src, params) = name.split_once('|').unwrap_or((name, ""));
        let ok = !src.trim().is_empty() && !name.contains('!') && !src.contains(['{', '}']);
        ok.then(|| Inline::Image {
            src: src.trim().to_string(),
            alt: String::new(),
            params: params.trim().to_string(),
        })
    } else if let Some(name) = inner.strip_prefix("attachment: ") {
        let ok = !name.trim().is_empty() && !name.contains('|');
        ok.then(|| Inline::Attachment(name.trim().to_string()))
    } else {
        None
    }?;
    Some((token, close + 1))
}
