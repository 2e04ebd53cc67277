//! Markdown → ADF.
//!
//! `pulldown-cmark` turns the Markdown into events; a stack of open nodes turns the events into
//! an ADF tree. A final pass reshapes what the ADF schema forbids (a heading inside a quote, a
//! list item that starts with a list, an empty table cell) into allowed nodes that keep the
//! text, so every document we send validates against Atlassian's schema.
//!
//! A bullet list whose every item starts with `[ ]` or `[x]` becomes an ADF task list (the
//! action items of Jira's editor). A task item holds only inline content, so this happens when
//! each item is one paragraph, optionally followed by a nested task list, and where ADF allows
//! task lists (the document and table cells); anywhere else the markers stay as text.

use crate::markdown::heading_level;
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use serde_json::{Map, Value, json};

/// Parses Markdown into an ADF `doc` node.
pub fn from_markdown(markdown: &str) -> Value {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut b = Builder::default();
    let mut depth = Depth::default();
    for event in Parser::new_ext(markdown, options) {
        depth.admit(event, &mut |e| b.event(e));
    }
    let content = b.finish();
    json!({"type": "doc", "version": 1, "content": content})
}

/// Lists nested deeper than this are flattened into the deepest list (Jira's editor stops
/// well before), and quotes deeper than [`MAX_QUOTES`] into the deepest quote: the document
/// stays shallow whatever the Markdown, so building, sending and dropping it needs bounded
/// stack. Flattened items start a new line with `↳ `, flattened quotes with `» `: the text
/// is kept, and the flattening shows.
const MAX_LISTS: usize = 16;
const MAX_QUOTES: usize = 8;

/// Counts open lists and quotes, and drops the events of those too deep, with the markers
/// that show where they were.
#[derive(Default)]
struct Depth {
    lists: usize,
    quotes: usize,
    /// Lists and quotes opened beyond the limits (their ends are dropped too).
    flat_lists: usize,
    flat_quotes: usize,
    /// Put before the next text: a flattened item or quote starts here.
    pending: Option<&'static str>,
    /// A line break goes before the pending marker.
    pending_break: bool,
}

impl Depth {
    /// Passes `event` on to `out`, or drops it when it opens or closes a level too deep.
    fn admit<'a>(&mut self, event: Event<'a>, out: &mut impl FnMut(Event<'a>)) {
        if let Some(e) = self.filter(event, out) {
            out(e);
        }
    }

    fn filter<'a>(&mut self, event: Event<'a>, out: &mut impl FnMut(Event<'a>)) -> Option<Event<'a>> {
        match &event {
            Event::Start(Tag::List(_)) if self.lists >= MAX_LISTS || self.flat_lists > 0 => {
                self.flat_lists += 1;
                None
            }
            Event::End(TagEnd::List(_)) if self.flat_lists > 0 => {
                self.flat_lists -= 1;
                None
            }
            Event::Start(Tag::Item) | Event::End(TagEnd::Item) if self.flat_lists > 0 => {
                if matches!(event, Event::Start(_)) {
                    self.pending = Some("↳ ");
                    self.pending_break = true;
                }
                None
            }
            Event::Start(Tag::BlockQuote(_)) if self.quotes >= MAX_QUOTES || self.flat_quotes > 0 => {
                self.flat_quotes += 1;
                self.pending = Some("» ");
                None
            }
            Event::End(TagEnd::BlockQuote(_)) if self.flat_quotes > 0 => {
                self.flat_quotes -= 1;
                None
            }
            Event::Start(Tag::List(_)) => {
                self.lists += 1;
                Some(event)
            }
            Event::End(TagEnd::List(_)) => {
                self.lists = self.lists.saturating_sub(1);
                Some(event)
            }
            Event::Start(Tag::BlockQuote(_)) => {
                self.quotes += 1;
                Some(event)
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                self.quotes = self.quotes.saturating_sub(1);
                Some(event)
            }
            Event::Text(t) if self.pending.is_some() => {
                let marker = self.pending.take().unwrap_or_default();
                let text = format!("{marker}{t}");
                if std::mem::take(&mut self.pending_break) {
                    out(Event::HardBreak);
                }
                Some(Event::Text(text.into()))
            }
            _ => Some(event),
        }
    }
}

struct Frame {
    kind: &'static str,
    attrs: Option<Map<String, Value>>,
    content: Vec<Value>,
    /// A paragraph we opened ourselves because inline content arrived in a container
    /// (tight list items, table cells) that has no paragraph of its own.
    implicit: bool,
    /// A list item's task marker: `[x]` is `Some(true)`.
    task: Option<bool>,
    /// A list's items' task markers, in order.
    item_tasks: Vec<Option<bool>>,
}

impl Frame {
    fn new(kind: &'static str) -> Self {
        Frame {
            kind,
            attrs: None,
            content: Vec::new(),
            implicit: false,
            task: None,
            item_tasks: Vec::new(),
        }
    }

    fn with_attrs(kind: &'static str, attrs: Value) -> Self {
        let attrs = match attrs {
            Value::Object(m) => Some(m),
            _ => None,
        };
        Frame {
            attrs,
            ..Frame::new(kind)
        }
    }

    fn into_node(self) -> Value {
        let mut node = Map::new();
        node.insert("type".into(), Value::String(self.kind.into()));
        if let Some(attrs) = self.attrs {
            node.insert("attrs".into(), Value::Object(attrs));
        }
        if !self.content.is_empty() || needs_content(self.kind) {
            node.insert("content".into(), Value::Array(self.content));
        }
        Value::Object(node)
    }
}

fn needs_content(kind: &str) -> bool {
    matches!(
        kind,
        "bulletList" | "orderedList" | "listItem" | "blockquote" | "table" | "tableRow" | "tableCell" | "tableHeader"
    )
}

fn is_inline_container(kind: &str) -> bool {
    matches!(kind, "paragraph" | "heading" | "codeBlock")
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Vec<Value>,
    marks: Vec<Value>,
    in_table_head: bool,
    /// Task lists and items made so far: their `localId`s are unique in the document.
    task_ids: usize,
}

impl Builder {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.text(&t),
            Event::Code(t) => {
                let mut marks: Vec<Value> = self.marks.iter().filter(|m| m["type"] == "link").cloned().collect();
                marks.push(json!({"type": "code"}));
                self.push_text(&t, marks);
            }
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => {
                self.ensure_inline();
                self.push_inline(json!({"type": "hardBreak"}));
            }
            Event::Rule => {
                self.close_implicit();
                self.push_block(json!({"type": "rule"}));
            }
            Event::InlineHtml(html) => self.inline_html(&html),
            Event::Html(html) => {
                // Raw HTML blocks are kept as visible text rather than dropped.
                let text = html.trim_end_matches('\n');
                if !text.is_empty() {
                    self.text(text);
                }
            }
            Event::TaskListMarker(done) => {
                // Right after the item starts, or inside its first paragraph (a loose list).
                let item = self.stack.iter_mut().rev().take(2).find(|f| f.kind == "listItem");
                match item {
                    Some(item) => item.task = Some(done),
                    None => self.text(if done { "[x] " } else { "[ ] " }),
                }
            }
            Event::FootnoteReference(r) => self.text(&format!("[^{r}]")),
            Event::InlineMath(m) | Event::DisplayMath(m) => self.text(&m),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => {
                self.close_implicit();
                self.stack.push(Frame::new("paragraph"));
            }
            Tag::Heading { level, .. } => {
                self.close_implicit();
                self.stack
                    .push(Frame::with_attrs("heading", json!({"level": heading_level(level)})));
            }
            Tag::BlockQuote(_) => {
                self.close_implicit();
                self.stack.push(Frame::new("blockquote"));
            }
            Tag::CodeBlock(kind) => {
                self.close_implicit();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or("").to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                let frame = if lang.is_empty() {
                    Frame::new("codeBlock")
                } else {
                    Frame::with_attrs("codeBlock", json!({"language": lang}))
                };
                self.stack.push(frame);
            }
            Tag::List(Some(start)) => {
                self.close_implicit();
                self.stack
                    .push(Frame::with_attrs("orderedList", json!({"order": start})));
            }
            Tag::List(None) => {
                self.close_implicit();
                self.stack.push(Frame::new("bulletList"));
            }
            Tag::Item => self.stack.push(Frame::new("listItem")),
            Tag::Table(_) => {
                self.close_implicit();
                self.stack.push(Frame::new("table"));
            }
            Tag::TableHead => {
                self.in_table_head = true;
                self.stack.push(Frame::new("tableRow"));
            }
            Tag::TableRow => self.stack.push(Frame::new("tableRow")),
            Tag::TableCell => {
                let kind = if self.in_table_head { "tableHeader" } else { "tableCell" };
                self.stack.push(Frame::new(kind));
            }
            Tag::Emphasis => self.marks.push(json!({"type": "em"})),
            Tag::Strong => self.marks.push(json!({"type": "strong"})),
            Tag::Strikethrough => self.marks.push(json!({"type": "strike"})),
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.marks
                    .push(json!({"type": "link", "attrs": {"href": dest_url.to_string()}}));
            }
            // Footnotes, definition lists, metadata: not enabled; content still flows as text.
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            // Each end removes its own mark: an unclosed `<u>` opened inside must not be
            // mistaken for it.
            TagEnd::Emphasis => self.end_mark(|m| m["type"] == "em"),
            TagEnd::Strong => self.end_mark(|m| m["type"] == "strong"),
            TagEnd::Strikethrough => self.end_mark(|m| m["type"] == "strike"),
            TagEnd::Link | TagEnd::Image => self.end_mark(|m| m["type"] == "link"),
            TagEnd::TableHead => {
                self.close_implicit();
                self.pop_into_parent();
                self.in_table_head = false;
            }
            TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::BlockQuote(_)
            | TagEnd::CodeBlock
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::Table
            | TagEnd::TableRow
            | TagEnd::TableCell => {
                self.close_implicit();
                self.pop_into_parent();
            }
            _ => {}
        }
    }

    fn pop_into_parent(&mut self) {
        if let Some(mut frame) = self.stack.pop() {
            if frame.kind == "listItem"
                && let Some(parent) = self.stack.last_mut()
            {
                parent.item_tasks.push(frame.task);
            }
            let item_tasks = std::mem::take(&mut frame.item_tasks);
            let is_list = matches!(frame.kind, "bulletList" | "orderedList");
            // pulldown-cmark ends code block text with a newline; ADF code text does not.
            if frame.kind == "codeBlock"
                && let Some(last) = frame.content.last_mut()
                && let Some(Value::String(s)) = last.get_mut("text")
            {
                if s.ends_with('\n') {
                    s.pop();
                }
                if s.is_empty() {
                    frame.content.pop();
                }
            }
            let mut node = frame.into_node();
            if is_list {
                // Task lists may stand only in the document and in table cells.
                let parent = self.stack.last().map(|f| f.kind);
                let allowed = matches!(parent, None | Some("tableCell" | "tableHeader" | "listItem"));
                node = match allowed.then(|| self.task_list(&node, &item_tasks)).flatten() {
                    Some(tasks) => tasks,
                    None => restore_task_markers(node, &item_tasks),
                };
            }
            let node = sanitize(node);
            self.push_block(node);
        }
    }

    /// The list as an ADF task list, if every item is a task of one paragraph (optionally
    /// followed by a nested task list).
    fn task_list(&mut self, list: &Value, tasks: &[Option<bool>]) -> Option<Value> {
        let items = list["content"].as_array()?;
        if list["type"] != "bulletList" || items.is_empty() || items.len() != tasks.len() || tasks.contains(&None) {
            return None;
        }
        let mut content = Vec::new();
        for (item, done) in items.iter().zip(tasks) {
            let children = item["content"].as_array()?;
            let (first, rest) = children.split_first()?;
            // An empty task cannot be written back as one (`- [ ]` alone is not a task in
            // Markdown): such a list stays a list.
            let empty = first.get("content").and_then(Value::as_array).is_none_or(Vec::is_empty);
            if first["type"] != "paragraph" || empty || rest.len() > 1 || rest.iter().any(|c| c["type"] != "taskList") {
                return None;
            }
            let mut task = json!({
                "type": "taskItem",
                "attrs": {"localId": self.next_task_id(), "state": if *done == Some(true) { "DONE" } else { "TODO" }},
            });
            if let Some(inline) = first.get("content") {
                task["content"] = inline.clone();
            }
            content.push(task);
            content.extend(rest.iter().cloned());
        }
        Some(json!({"type": "taskList", "attrs": {"localId": self.next_task_id()}, "content": content}))
    }

    fn next_task_id(&mut self) -> String {
        self.task_ids += 1;
        format!("task-{}", self.task_ids)
    }

    fn push_block(&mut self, node: Value) {
        match self.stack.last_mut() {
            Some(parent) => parent.content.push(node),
            None => self.root.push(node),
        }
    }

    fn close_implicit(&mut self) {
        if self.stack.last().is_some_and(|f| f.implicit) {
            self.pop_into_parent();
        }
    }

    fn ensure_inline(&mut self) {
        let top_is_inline = self.stack.last().is_some_and(|f| is_inline_container(f.kind));
        if !top_is_inline {
            let mut p = Frame::new("paragraph");
            p.implicit = true;
            self.stack.push(p);
        }
    }

    fn text(&mut self, t: &str) {
        if self.stack.last().is_some_and(|f| f.kind == "codeBlock") {
            self.push_text(t, Vec::new());
        } else {
            // Markdown can nest a mark in itself (`**` read as two `*`, a link in a link's
            // text); ADF has each mark once, and one link: the innermost.
            let mut marks: Vec<Value> = Vec::with_capacity(self.marks.len());
            for m in &self.marks {
                if m["type"] == "link" {
                    marks.retain(|k| k["type"] != "link");
                }
                if !marks.contains(m) {
                    marks.push(m.clone());
                }
            }
            self.push_text(t, marks);
        }
    }

    fn push_text(&mut self, t: &str, marks: Vec<Value>) {
        if t.is_empty() {
            return; // ADF forbids empty text nodes
        }
        self.ensure_inline();
        let top = self.stack.last_mut().expect("inline container");
        // Merge with the previous text node when the marks agree (pulldown splits text).
        if let Some(prev) = top.content.last_mut()
            && prev["type"] == "text"
            && prev.get("marks").cloned().unwrap_or(Value::Null)
                == if marks.is_empty() {
                    Value::Null
                } else {
                    Value::Array(marks.clone())
                }
            && let Some(Value::String(s)) = prev.get_mut("text")
        {
            // In place: copying the text so far for each piece was quadratic in a run of
            // pieces (`[[[[…`, `![![…` come as one event per bracket).
            s.push_str(t);
            return;
        }
        let mut node = json!({"type": "text", "text": t});
        if !marks.is_empty() {
            node["marks"] = Value::Array(marks);
        }
        top.content.push(node);
    }

    fn push_inline(&mut self, node: Value) {
        self.ensure_inline();
        if let Some(top) = self.stack.last_mut() {
            top.content.push(node);
        }
    }

    /// The few inline tags our own renderer emits are read back as marks; other HTML is text.
    fn inline_html(&mut self, html: &str) {
        let tag = html.trim().to_ascii_lowercase();
        match tag.as_str() {
            "<br>" | "<br/>" | "<br />" => {
                self.ensure_inline();
                self.push_inline(json!({"type": "hardBreak"}));
            }
            "<u>" => self.marks.push(json!({"type": "underline"})),
            // Our renderer writes emphasis as tags where `*` would not read back as emphasis.
            "<em>" | "<i>" => self.marks.push(json!({"type": "em"})),
            "<strong>" | "<b>" => self.marks.push(json!({"type": "strong"})),
            "<del>" | "<s>" => self.marks.push(json!({"type": "strike"})),
            "</em>" | "</i>" => self.end_mark(|m| m["type"] == "em"),
            "</strong>" | "</b>" => self.end_mark(|m| m["type"] == "strong"),
            "</del>" | "</s>" => self.end_mark(|m| m["type"] == "strike"),
            "<sub>" => self.marks.push(json!({"type": "subsup", "attrs": {"type": "sub"}})),
            "<sup>" => self.marks.push(json!({"type": "subsup", "attrs": {"type": "sup"}})),
            // A closing tag ends its own mark only: an unmatched `</u>` must not end the
            // emphasis that Markdown opened around it.
            "</u>" => self.end_mark(|m| m["type"] == "underline"),
            "</sub>" => self.end_mark(|m| m["type"] == "subsup" && m["attrs"]["type"] == "sub"),
            "</sup>" => self.end_mark(|m| m["type"] == "subsup" && m["attrs"]["type"] == "sup"),
            _ => self.text(html),
        }
    }

    fn end_mark(&mut self, is_it: impl Fn(&Value) -> bool) {
        if let Some(i) = self.marks.iter().rposition(is_it) {
            self.marks.remove(i);
        }
    }

    fn finish(mut self) -> Vec<Value> {
        while !self.stack.is_empty() {
            self.pop_into_parent();
        }
        self.root
    }
}

/// A list that did not become a task list keeps its markers as text (`[x] done`), and any
/// task list nested in its items becomes an ordinary list again.
fn restore_task_markers(mut list: Value, tasks: &[Option<bool>]) -> Value {
    let Some(items) = list.get_mut("content").and_then(Value::as_array_mut) else {
        return list;
    };
    for (item, task) in items.iter_mut().zip(tasks) {
        let Some(children) = item.get_mut("content").and_then(Value::as_array_mut) else {
            continue;
        };
        for child in children.iter_mut() {
            if child["type"] == "taskList" {
                *child = untask(std::mem::take(child));
            }
        }
        if let Some(done) = task {
            if children.first().is_none_or(|p| p["type"] != "paragraph") {
                children.insert(0, json!({"type": "paragraph", "content": []}));
            }
            let inline = children[0]
                .as_object_mut()
                .expect("object")
                .entry("content")
                .or_insert_with(|| json!([]));
            if let Some(arr) = inline.as_array_mut() {
                prepend_marker(arr, *done);
            }
        }
    }
    list
}

/// Puts `[x] ` or `[ ] ` before an item's text (into its first text node when that is plain).
fn prepend_marker(inline: &mut Vec<Value>, done: bool) {
    let marker = if done { "[x] " } else { "[ ] " };
    match inline.first_mut() {
        Some(first) if first["type"] == "text" && first.get("marks").is_none() => {
            let text = format!("{marker}{}", first["text"].as_str().unwrap_or(""));
            first["text"] = Value::String(text);
        }
        _ => inline.insert(0, json!({"type": "text", "text": marker})),
    }
}

/// A task list as a bullet list of `[ ]`/`[x]` items (where ADF forbids task lists).
fn untask(tasks: Value) -> Value {
    let mut items: Vec<Value> = Vec::new();
    for child in tasks["content"].as_array().cloned().unwrap_or_default() {
        if child["type"] == "taskList" {
            // A nested task list belongs to the item before it.
            if let Some(last) = items.last_mut()
                && let Some(c) = last["content"].as_array_mut()
            {
                c.push(untask(child));
            }
            continue;
        }
        let mut inline = child["content"].as_array().cloned().unwrap_or_default();
        prepend_marker(&mut inline, child["attrs"]["state"] == "DONE");
        items.push(json!({"type": "listItem", "content": [{"type": "paragraph", "content": inline}]}));
    }
    json!({"type": "bulletList", "content": items})
}

/// Reshapes a finished node so its children are ones the ADF schema allows there.
fn sanitize(mut node: Value) -> Value {
    let kind = node["type"].as_str().unwrap_or("").to_string();
    let Some(content) = node.get_mut("content").and_then(Value::as_array_mut) else {
        return node;
    };
    match kind.as_str() {
        "listItem" => {
            let items = std::mem::take(content);
            let mut out = Vec::new();
            for child in items {
                match child["type"].as_str() {
                    Some("paragraph" | "codeBlock" | "bulletList" | "orderedList") => out.push(child),
                    _ => out.extend(flatten_to_paragraphs(child)),
                }
            }
            // The first child must be a paragraph or code block.
            if !matches!(
                out.first().and_then(|c| c["type"].as_str()),
                Some("paragraph" | "codeBlock")
            ) {
                out.insert(0, json!({"type": "paragraph"}));
            }
            *content = out;
        }
        "blockquote" => {
            let items = std::mem::take(content);
            let mut out: Vec<Value> = items.into_iter().flat_map(flatten_to_paragraphs).collect();
            if out.is_empty() {
                out.push(json!({"type": "paragraph"}));
            }
            *content = out;
        }
        "tableCell" | "tableHeader" if content.is_empty() => content.push(json!({"type": "paragraph"})),
        _ => {}
    }
    node
}

/// Turns any block into paragraphs that keep its text: headings become bold paragraphs,
/// lists become `- ` lines, code becomes code-marked lines, nested quotes are unwrapped.
fn flatten_to_paragraphs(node: Value) -> Vec<Value> {
    match node["type"].as_str() {
        Some("paragraph") => vec![node],
        Some("heading") => {
            let content: Vec<Value> = node["content"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|mut inline| {
                    if inline["type"] == "text" && !has_code_mark(&inline) {
                        let marks = inline
                            .as_object_mut()
                            .expect("object")
                            .entry("marks")
                            .or_insert_with(|| json!([]));
                        if let Some(arr) = marks.as_array_mut()
                            && !arr.iter().any(|m| m["type"] == "strong")
                        {
                            arr.push(json!({"type": "strong"}));
                        }
                    }
                    inline
                })
                .collect();
            vec![paragraph(content)]
        }
        Some("codeBlock") => {
            let text: String = node["content"]
                .as_array()
                .map(|a| a.iter().filter_map(|t| t["text"].as_str()).collect())
                .unwrap_or_default();
            let mut inline = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if i > 0 {
                    inline.push(json!({"type": "hardBreak"}));
                }
                if !line.is_empty() {
                    inline.push(json!({"type": "text", "text": line, "marks": [{"type": "code"}]}));
                }
            }
            vec![paragraph(inline)]
        }
        Some("bulletList" | "orderedList") => {
            let ordered = node["type"] == "orderedList";
            let start = node["attrs"]["order"].as_u64().unwrap_or(1);
            let mut out = Vec::new();
            for (i, item) in node["content"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
            {
                let marker = if ordered {
                    format!("{}. ", start.saturating_add(i as u64))
                } else {
                    "- ".to_string()
                };
                let paras: Vec<Value> = item["content"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .flat_map(flatten_to_paragraphs)
                    .collect();
                for (j, mut p) in paras.into_iter().enumerate() {
                    let prefix = if j == 0 { marker.clone() } else { "   ".to_string() };
                    let mut inline = vec![json!({"type": "text", "text": prefix})];
                    inline.extend(p["content"].as_array().cloned().unwrap_or_default());
                    p["content"] = Value::Array(inline);
                    out.push(p);
                }
            }
            out
        }
        Some("blockquote") => node["content"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .flat_map(flatten_to_paragraphs)
            .collect(),
        Some("rule") => vec![paragraph(vec![json!({"type": "text", "text": "---"})])],
        Some("table") => {
            // Rows become ` | `-separated lines.
            let mut out = Vec::new();
            for row in node["content"].as_array().cloned().unwrap_or_default() {
                let mut inline = Vec::new();
                for (i, cell) in row["content"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .enumerate()
                {
                    if i > 0 {
                        inline.push(json!({"type": "text", "text": " | "}));
                    }
                    for p in cell["content"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .flat_map(flatten_to_paragraphs)
                    {
                        inline.extend(p["content"].as_array().cloned().unwrap_or_default());
                    }
                }
                out.push(paragraph(inline));
            }
            out
        }
        _ => vec![node],
    }
}

fn has_code_mark(inline: &Value) -> bool {
    inline["marks"]
        .as_array()
        .is_some_and(|m| m.iter().any(|m| m["type"] == "code"))
}

fn paragraph(content: Vec<Value>) -> Value {
    if content.is_empty() {
        json!({"type": "paragraph"})
    } else {
        json!({"type": "paragraph", "content": content})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tight_list_items_get_paragraphs() {
        let d = from_markdown("- one\n- two\n  1. nested\n");
        let item = &d["content"][0]["content"][1];
        assert_eq!(item["content"][0]["type"], "paragraph");
        assert_eq!(item["content"][1]["type"], "orderedList");
    }

    #[test]
    fn code_mark_only_combines_with_link() {
        let d = from_markdown("**bold `code`**");
        let code = &d["content"][0]["content"][1];
        assert_eq!(code["marks"], json!([{"type": "code"}]));
    }

    #[test]
    fn task_lists_become_adf_task_lists() {
        let d = from_markdown("- [x] done\n- [ ] todo\n  - [ ] nested\n");
        let list = &d["content"][0];
        assert_eq!(list["type"], "taskList");
        assert_eq!(list["content"][0]["attrs"]["state"], "DONE");
        assert_eq!(list["content"][0]["content"][0]["text"], "done");
        assert_eq!(list["content"][1]["attrs"]["state"], "TODO");
        assert_eq!(list["content"][2]["type"], "taskList", "nested list follows its item");
        let ids: std::collections::HashSet<&str> = [
            &list["attrs"],
            &list["content"][0]["attrs"],
            &list["content"][2]["attrs"],
        ]
        .iter()
        .filter_map(|a| a["localId"].as_str())
        .collect();
        assert_eq!(ids.len(), 3, "local ids are unique");
    }

    #[test]
    fn task_markers_stay_text_where_task_lists_cannot_go() {
        // A list mixing tasks and plain items, a task list in a quote, a task with two paragraphs.
        for md in [
            "- [ ] a task\n- not a task\n",
            "> - [x] quoted task\n",
            "- [ ] one\n\n  two\n",
        ] {
            let d = from_markdown(md);
            let text = d.to_string();
            assert!(!text.contains("taskList"), "{md}: {text}");
            assert!(
                text.contains("[ ] ") || text.contains("[x] "),
                "{md}: marker kept as text: {text}"
            );
        }
        let nested = from_markdown("- plain\n  - [ ] nested task\n");
        assert!(!nested.to_string().contains("taskList"), "{nested}");
        assert!(nested.to_string().contains("[ ] nested task"), "{nested}");
    }

    #[test]
    fn heading_in_quote_becomes_bold_paragraph() {
        let d = from_markdown("> # Title\n> text");
        let q = &d["content"][0];
        assert_eq!(q["type"], "blockquote");
        assert_eq!(q["content"][0]["type"], "paragraph");
        assert_eq!(q["content"][0]["content"][0]["marks"][0]["type"], "strong");
    }
}
