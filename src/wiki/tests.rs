use std::time::{Duration, Instant};

use proptest::prelude::*;
use pulldown_cmark::{Event, Options, Parser};

use super::{from_markdown, to_markdown};

/// The timing test measures alone: the heavy tests take this lock.
static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub(crate) fn heavy() -> std::sync::MutexGuard<'static, ()> {
    HEAVY.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/wiki");

/// The fixture pairs `NAME.md` / `NAME.wiki`, by name.
fn fixtures() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(FIXTURES).expect("fixture dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|x| x == "md") {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            let md = std::fs::read_to_string(&path).expect("md");
            let wiki = std::fs::read_to_string(path.with_extension("wiki")).expect("wiki pair");
            out.push((name, md, wiki.trim_end_matches('\n').to_string()));
        }
    }
    out.sort();
    out
}

#[test]
fn fixtures_convert_both_ways() {
    let all = fixtures();
    assert!(all.len() >= 12, "{} fixture pairs", all.len());
    for (name, md, wiki) in all {
        assert_eq!(from_markdown(&md), wiki, "{name}: Markdown → wiki");
        let back = to_markdown(&wiki);
        assert_eq!(
            from_markdown(&back),
            wiki,
            "{name}: wiki → Markdown → wiki, via:\n{back}"
        );
    }
}

// ---- wiki → Markdown, constructs Markdown cannot write ----

#[track_caller]
fn md(wiki: &str, want: &str) {
    assert_eq!(to_markdown(wiki), want, "for {wiki:?}");
}

#[test]
fn wiki_blocks() {
    md("h3. Three\nbody", "### Three\n\nbody");
    md("bq. quoted *bold*", "> quoted **bold**");
    md("{quote}\none\n\ntwo\n{quote}", "> one\n>\n> two");
    md("before{quote}inside{quote}after", "before\n\n> inside\n\nafter");
    md("a\n----\nb", "a\n\n---\n\nb");
    md("line one\nline two\\\\three", "line one\\\nline two\\\nthree");
    md("- dash item\n- another", "- dash item\n- another");
    md(
        "# one\n#* under\n#*# deeper\n# two",
        "1. one\n   - under\n     1. deeper\n2. two",
    );
    md("*** too deep first", "- too deep first");
}

#[test]
fn wiki_code_blocks() {
    md("{code:java}\nint x;\n{code}", "```java\nint x;\n```");
    md(
        "{code:title=A.java|language=java}\nint x;\n{code}",
        "```java\nint x;\n```",
    );
    md("{code}\n*not bold*\n{code}", "```\n*not bold*\n```");
    md("{noformat}\n{{raw}} [x|y]\n{noformat}", "```\n{{raw}} [x|y]\n```");
    md("{CODE:sql}select 1{CODE}", "```sql\nselect 1\n```");
    md("{code}\nunclosed", "```\nunclosed\n```");
    md("{code}\nhas ``` fence\n{code}", "````\nhas ``` fence\n````");
}

#[test]
fn wiki_inline_marks() {
    md(
        "*b* _i_ -s- +u+ ^sup^ ~sub~ ??cite??",
        "**b** _i_ ~~s~~ <u>u</u> <sup>sup</sup> <sub>sub</sub> _cite_",
    );
    md("{{mono *not bold*}}", "`mono *not bold*`");
    md("x{*}y{*}z and H{~}2{~}O", "x**y**z and H<sub>2</sub>O");
    md("a*b*c", "a\\*b\\*c");
    md(
        "2020-01-01 and well-known and snake_case",
        "2020-01-01 and well-known and snake_case",
    );
    md("*unclosed and _also", "\\*unclosed and \\_also");
    md("\\*escaped\\* and \\\\ break", "\\*escaped\\* and\\\nbreak");
    md("*bold\nnext*", "\\*bold\\\nnext\\*");
}

#[test]
fn wiki_links_and_media() {
    md("[Docs|https://example.com/a_b]", "[Docs](https://example.com/a_b)");
    md("[https://example.com]", "<https://example.com>");
    md("see https://example.com/x.", "see <https://example.com/x>.");
    md(
        "[PROJ-123] and [#anchor]",
        "[PROJ-123](PROJ-123) and [#anchor](#anchor)",
    );
    md("[~jsmith] [Jane|~jane]", "[~jsmith] Jane [~jane]");
    md(
        "[^spec.pdf] [the spec|^spec.pdf]",
        "[attachment: spec.pdf] the spec [attachment: spec.pdf]",
    );
    md("!diagram.png!", "[image: diagram.png]");
    md("!diagram.png|thumbnail!", "[image: diagram.png|thumbnail]");
    md(
        "!https://x.org/a.png|alt=A cat, width=300!",
        "![A cat](https://x.org/a.png)",
    );
    md("Wow! Great!", "Wow! Great!");
    md("[~bob](x)", "[~bob\\](x)");
}

#[test]
fn wiki_panels_and_macros_stay_visible() {
    md(
        "{panel:title=Note *this*}\nInside *bold*\n{panel}",
        "{panel:title=Note \\*this\\*}\n\nInside **bold**\n\n{panel}",
    );
    md("{info}Heads up{info}", "{info}\n\nHeads up\n\n{info}");
    md("{color:red}red text{color}", "{color:red}red text{color}");
    md("{anchor:top}Top", "{anchor:top}Top");
    md("{jira-chart:type=pie} and {foo}", "{jira-chart:type=pie} and {foo}");
    // Unknown macros are literal text on the way back.
    assert_eq!(from_markdown("{foo}"), "\\{foo\\}");
}

#[test]
fn wiki_tables() {
    md("||a||b||\n|1|2|", "| a | b |\n| --- | --- |\n| 1 | 2 |");
    // No header row: Markdown needs one, an empty one is written (and dropped on the way back).
    md("|1|2|", "|  |  |\n| --- | --- |\n| 1 | 2 |");
    assert_eq!(from_markdown(&to_markdown("|1|2|")), "|1|2|");
    md("||h|c|", "|  |  |\n| --- | --- |\n| <strong>h</strong> | c |");
    md(
        "||k|v|\n||k2|v2|",
        "|  |  |\n| --- | --- |\n| <strong>k</strong> | v |\n| <strong>k2</strong> | v2 |",
    );
    md(
        "|[a|https://x.org]|{{p|q}}|",
        "|  |  |\n| --- | --- |\n| [a](https://x.org) | `p\\|q` |",
    );
    md("|a\\\\b|", "|  |\n| --- |\n| a<br>b |");
}

#[test]
fn entities_pass_through() {
    md("AT&amp;T &copy;", "AT&amp;T &copy;");
    md("{{a &amp; b &#92;}}", "`a & b \\`");
}

// ---- Markdown → wiki specifics ----

#[test]
fn markdown_specifics() {
    assert_eq!(from_markdown("3. three\n4. four"), "# three\n# four");
    assert_eq!(
        from_markdown("- a\n\n  second paragraph\n- b"),
        "* a\\\\second paragraph\n* b"
    );
    assert_eq!(
        from_markdown("- item\n\n  ```sh\n  ls\n  ```\n- next"),
        "* item\n\n{code:sh}\nls\n{code}\n\n* next"
    );
    assert_eq!(from_markdown("# Title with <br> break"), "h1. Title with\\\\break");
    assert_eq!(from_markdown("a<br><br>b"), "a\\\\\nb");
    assert_eq!(from_markdown("> > > deep"), "bq. deep");
    assert_eq!(
        from_markdown("<div>\nhtml *kept*\n</div>"),
        "<div>\nhtml \\*kept\\*\n</div>"
    );
    assert_eq!(from_markdown("[x](<a b|c>)"), "[x|a%20b%7Cc]");
    assert_eq!(from_markdown("![a|b](x.png)"), "!x.png|alt=a b!");
    assert_eq!(from_markdown("**a** **b**"), "*a* *b*");
    assert_eq!(from_markdown("***both***"), "_*both*_");
    assert_eq!(from_markdown("`{{x}}`"), "{{\\{\\{x\\}\\}}}");
}

#[test]
fn a_realistic_description() {
    let wiki = "h2. Steps\n# Open *Settings*\n# Click {{Save}}\n#* watch the [log|https://ci.example.com/job/1]\n\n{code:bash}\n$ make test\n{code}\n\n{panel:title=Expected}\nNo _errors_.\n{panel}\n\n||Env||Result||\n|staging|-failed- ok|\n\ncc [~jsmith], see !screenshot.png|thumbnail!";
    let md = to_markdown(wiki);
    assert_eq!(
        md,
        "## Steps\n\n1. Open **Settings**\n2. Click `Save`\n   - watch the [log](https://ci.example.com/job/1)\n\n```bash\n$ make test\n```\n\n{panel:title=Expected}\n\nNo _errors_.\n\n{panel}\n\n| Env | Result |\n| --- | --- |\n| staging | ~~failed~~ ok |\n\ncc [~jsmith], see [image: screenshot.png|thumbnail]"
    );
    let back = from_markdown(&md);
    assert_eq!(to_markdown(&back), md, "stable: {back}");
}

#[test]
fn soft_and_hard_breaks() {
    assert_eq!(from_markdown("a\nb"), "a b");
    assert_eq!(from_markdown("a\\\n\\- b"), "a\n\\- b");
    assert_eq!(from_markdown("a  \n- b"), "a\n\n* b");
    assert_eq!(from_markdown("- a  \n  b"), "* a\\\\b");
}

// ---- hostile input ----

/// Runs `f` on a thread with a small stack, as a server's worker might have.
pub(crate) fn small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic, no stack overflow")
}

#[test]
fn deep_nesting_is_flattened_not_recursed() {
    let _alone = heavy();
    small_stack(|| {
        let n = 100_000;
        let quotes = format!("{} deep", ">".repeat(n));
        assert!(from_markdown(&quotes).contains("deep"));
        let bullets = format!("{} deep", "* ".repeat(n));
        assert!(from_markdown(&bullets).contains("deep"));
        let indented: String = (0..2000).map(|i| format!("{}- level {i}\n", "  ".repeat(i))).collect();
        let wiki = from_markdown(&indented);
        assert!(wiki.contains("level 1999"), "content of flattened levels is kept");
        assert!(wiki.lines().all(|l| l.chars().take_while(|&c| c == '*').count() <= 16));
        let brackets = format!("{}x{}", "[".repeat(n), "]".repeat(n));
        assert!(from_markdown(&brackets).contains('x'));
        let emphasis = format!("{}x{}", "*".repeat(n), "*".repeat(n));
        assert!(from_markdown(&emphasis).contains('x'));

        let wiki_stars = format!("{} deep", "*".repeat(n));
        assert!(to_markdown(&wiki_stars).contains("deep"));
        let wiki_quotes = format!("{}x", "{quote}".repeat(50_000));
        assert!(to_markdown(&wiki_quotes).contains('x'));
        let bq = "bq. ".repeat(n);
        let _ = to_markdown(&bq);
        let wiki_brackets = format!("{}x{}", "[".repeat(n), "]".repeat(n));
        assert!(to_markdown(&wiki_brackets).contains('x'));
        let panels = format!("{}x", "{panel}{info}{note}{quote}".repeat(10_000));
        assert!(to_markdown(&panels).contains('x'));
        let lists: String = (1..=2000).map(|i| format!("{} l{i}\n", "#*".repeat(i))).collect();
        let md = to_markdown(&lists);
        assert!(md.contains("l2000"));
        assert!(md.lines().all(|l| l.len() < 200), "indentation is clamped");
    });
}

/// The shapes that make naive parsers quadratic: runs of every delimiter, and nesting of every
/// container, at `n` bytes or so.
pub(crate) fn adversarial(n: usize) -> Vec<(&'static str, String)> {
    let rep = |unit: &str| unit.repeat(n / unit.len().max(1));
    vec![
        ("stars", rep("*")),
        ("spaced stars", rep("* ")),
        ("star words", rep("*a ")),
        ("underscores", rep("_a ")),
        ("dashes", rep("-a ")),
        ("pluses", rep("+a ")),
        ("carets", rep("^a ")),
        ("tildes", rep("~a ")),
        ("questions", rep("??a ")),
        ("braced", rep("{*}a ")),
        ("mono openers", rep("{{")),
        ("mono open words", rep("{{a ")),
        ("brackets", rep("[")),
        ("bracket words", rep("[a ")),
        ("links", rep("[a|")),
        ("mentions", rep("[~a ")),
        ("bangs", rep("!a|")),
        ("bang words", rep("!a ")),
        ("braces", rep("{")),
        ("tags", rep("{a:")),
        ("macros", rep("{panel}")),
        ("quotes", rep("{quote}")),
        ("code open", rep("{code}x")),
        ("bq", rep("bq. ")),
        ("gt", rep(">")),
        ("gt lines", rep("> a\n")),
        ("backticks", rep("`")),
        ("backslashes", rep("\\")),
        ("pipes", rep("|")),
        ("table rows", rep("|a|[b|\n")),
        ("lists", rep("*#")),
        ("list lines", rep("*# a\n")),
        ("md lists", rep("- ")),
        (
            "md nested",
            (0..n / 40).map(|i| format!("{}- a\n", "  ".repeat(i % 20))).collect(),
        ),
        ("entities", rep("&#")),
        ("urls", rep("http://")),
        ("html", rep("<u>")),
        ("links md", rep("[a](")),
        ("images md", rep("![")),
        ("image tags", rep("[image: ")),
    ]
}

fn best_of_5(f: impl Fn()) -> Duration {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// Times `f` on the small and the large input (4× larger) and fails when the time grows
/// faster than linearly (8× or more: quadratic work shows as 16×) or the large one is slow.
/// Returns the report line.
pub(crate) fn assert_linear(what: &str, small: &str, large: &str, f: impl Fn(&str)) -> String {
    // Quadratic work shows as 16× every time; a busy machine shows it once: retry.
    let mut last = (Duration::ZERO, Duration::ZERO, f64::MAX);
    for _ in 0..3 {
        let ts = best_of_5(|| f(small));
        let tl = best_of_5(|| f(large));
        // Below two milliseconds the ratio is noise.
        let ratio = tl.as_secs_f64() / ts.as_secs_f64().max(0.002);
        last = (ts, tl, ratio);
        if ratio < 8.0 {
            break;
        }
    }
    let (ts, tl, ratio) = last;
    assert!(ratio < 8.0, "{what} grows faster than linear: {ts:?} → {tl:?}");
    assert!(tl < Duration::from_secs(2), "{what} is slow: {tl:?}");
    format!("{what}: {ts:?} → {tl:?} ({ratio:.1}×)")
}

#[test]
fn time_is_linear_in_input_size() {
    let _alone = heavy();
    let small = adversarial(20_000);
    let large = adversarial(80_000);
    let mut report = Vec::new();
    for ((name, s), (_, l)) in small.iter().zip(&large) {
        for (dir, f) in [
            ("to_markdown", to_markdown as fn(&str) -> String),
            ("from_markdown", from_markdown),
        ] {
            report.push(assert_linear(&format!("{dir} on {name}"), s, l, |x| {
                f(x);
            }));
        }
    }
    eprintln!("{}", report.join("\n"));
}

// ---- generated input ----

/// The alphanumeric words of a Markdown text, as a reader sees them: text, code, alt text and
/// the HTML our writer does not use as markup, in order.
fn words(md: &str) -> Vec<String> {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut text = String::new();
    for event in Parser::new_ext(md, options) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            // An HTML block is kept as text.
            Event::Html(t) => {
                text.push_str(&t);
                text.push(' ');
            }
            Event::InlineHtml(t) => {
                let tag = t.trim().trim_start_matches("</").trim_start_matches('<');
                let name: String = tag.chars().take_while(char::is_ascii_alphabetic).collect();
                let ours = matches!(
                    name.to_ascii_lowercase().as_str(),
                    "u" | "ins" | "sup" | "sub" | "em" | "i" | "strong" | "b" | "del" | "s" | "strike" | "cite" | "br"
                ) && t.trim().ends_with('>');
                if !ours {
                    text.push_str(&t);
                } else if name.eq_ignore_ascii_case("br") {
                    text.push(' ');
                }
            }
            Event::TaskListMarker(done) => text.push_str(if done { " x " } else { " " }),
            Event::SoftBreak | Event::HardBreak | Event::Rule => text.push(' '),
            Event::Start(tag) if block_tag(&tag.to_end()) => text.push(' '),
            Event::End(tag) if block_tag(&tag) => text.push(' '),
            _ => {}
        }
    }
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn block_tag(tag: &pulldown_cmark::TagEnd) -> bool {
    use pulldown_cmark::TagEnd as T;
    matches!(
        tag,
        T::Paragraph
            | T::Heading(_)
            | T::BlockQuote(_)
            | T::CodeBlock
            | T::HtmlBlock
            | T::List(_)
            | T::Item
            | T::Table
            | T::TableHead
            | T::TableRow
            | T::TableCell
    )
}

fn md_piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "word",
        "two words",
        "naïve café",
        "日本語",
        "emoji 🎉",
        "it's, (quoted) \"text\";",
        " ",
        "\n",
        "\n\n",
        "**",
        "*",
        "_",
        "__",
        "`",
        "~~",
        "~",
        "**bold**",
        "_em_",
        "`code`",
        "`a|b`",
        "- item",
        "* item",
        "1. item",
        "2) item",
        "\n  - nested",
        "\n    - deeper",
        "\n  1. nested",
        "> ",
        "> > ",
        "# ",
        "### ",
        "  ",
        "    ",
        "\t",
        "[link](https://example.com/a_b)",
        "[a **b**](https://example.com)",
        "<https://example.com>",
        "https://example.org/x",
        "<me@example.com>",
        "![img](https://example.com/x.png)",
        "| a | b |\n| --- | --- |\n| 1 | 2 |\n",
        "```\n",
        "```rust\n",
        "```java\ncode\n```\n",
        "~~~\n",
        "- [ ] task",
        "- [x] done",
        "\\",
        "\\*",
        "<u>",
        "</u>",
        "<sup>",
        "</sup>",
        "<br>",
        "<div>",
        "&amp;",
        "&",
        "---\n",
        "***",
        "#tag",
        "snake_case_name",
        "1.5",
        "@someone",
        "[~jsmith]",
        "[image: shot.png]",
        "[attachment: a.pdf]",
        "{info}",
        "{panel:title=T}",
        "{color:red}",
        "{color}",
        "{code}",
        "{{",
        "}}",
        "{",
        "}",
        "|",
        "||",
        "[",
        "]",
        "(",
        ")",
        "!",
        "<",
        ">",
        "+",
        "-",
        "^",
        "??",
        "#",
        "h1. ",
        "bq. ",
        "----",
        "a-b",
        "x^2",
        "C++",
        "\"",
        "'",
    ])
}

fn markdown() -> impl Strategy<Value = String> {
    prop::collection::vec(md_piece(), 0..40).prop_map(|v| v.concat())
}

fn wiki_piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "word",
        "two words",
        "naïve",
        " ",
        "\n",
        "\n\n",
        "*",
        "_",
        "-",
        "+",
        "^",
        "~",
        "??",
        "{*}",
        "{_}",
        "*bold*",
        "_em_",
        "-del-",
        "+ins+",
        "{{mono}}",
        "{{",
        "}}",
        "\\\\",
        "\\",
        "\\*",
        "h1. ",
        "h6. ",
        "bq. ",
        "----",
        "* ",
        "** ",
        "# ",
        "#* ",
        "- ",
        "||",
        "|",
        "[",
        "]",
        "[a|https://x.org/a_b]",
        "[https://x.org]",
        "[~jsmith]",
        "[^a.pdf]",
        "[PROJ-1]",
        "!a.png!",
        "!https://x.org/a.png|alt=cat!",
        "!",
        "https://x.org/y",
        "{code:java}",
        "{code}",
        "{noformat}",
        "{quote}",
        "{panel:title=T}",
        "{panel}",
        "{info}",
        "{color:red}",
        "{color}",
        "{foo}",
        "{",
        "}",
        "&amp;",
        "&",
        "#",
        "`",
        "<u>",
        "<",
        ">",
        "1.",
        "a-b",
    ])
}

fn wiki() -> impl Strategy<Value = String> {
    prop::collection::vec(wiki_piece(), 0..40).prop_map(|v| v.concat())
}

/// Markdown → wiki → Markdown keeps the words.
fn md_keeps_words(md: &str) -> Result<(), String> {
    let wiki = from_markdown(md);
    let back = to_markdown(&wiki);
    let (a, b) = (words(md), words(&back));
    if a == b {
        Ok(())
    } else {
        Err(format!(
            "words {a:?} became {b:?}\nmd {md:?}\nwiki {wiki:?}\nback {back:?}"
        ))
    }
}

/// Whatever wiki comes in, one trip through Markdown gives wiki that then round-trips exactly,
/// and the Markdown keeps its words.
fn wiki_reaches_fixed_point(w: &str) -> Result<(), String> {
    let md1 = to_markdown(w);
    let w1 = from_markdown(&md1);
    let md2 = to_markdown(&w1);
    let w2 = from_markdown(&md2);
    if words(&md1) != words(&md2) {
        return Err(format!(
            "words changed\nwiki {w:?}\nmd1 {md1:?}\nw1 {w1:?}\nmd2 {md2:?}"
        ));
    }
    if w1 != w2 {
        return Err(format!(
            "not stable\nwiki {w:?}\nmd1 {md1:?}\nw1 {w1:?}\nmd2 {md2:?}\nw2 {w2:?}"
        ));
    }
    Ok(())
}

/// What the generated tests found, pinned.
#[test]
fn regressions_markdown() {
    for md in [
        // An unmatched closing tag shows nothing; it is dropped, not made visible text.
        "**</sup>",
        "#tag</sup>snake_case_name",
        // A URL runs over non-ASCII letters.
        "https://example.org/xnaïve café",
        "https://example.org/x`code`",
        // A hard break written as `<br>` next to code.
        "word~~~\n`code`<br>word",
        // An image in a table cell: its `|alt=` must not split the cell.
        "| a | b |\n| --- | --- |\n| 1 | 2 |\n\\*![img](https://example.com/x.png)",
        "<u>",
        // Code spans side by side.
        "`code`</u>`code`word",
        // An image with alt text inside a link's text.
        "[![img](https://example.com/x.png)\\[link](https://example.com/a_b)",
        // A macro tag inside a link's text stays text.
        "\\*[{info}\\[a **b**](https://example.com)word",
        // A link to `~~` is not a mention.
        "\\*[~jsmith](~~)**bold**",
    ] {
        if let Err(e) = md_keeps_words(md) {
            panic!("{e}");
        }
    }
}

#[test]
fn regressions_wiki() {
    for w in [
        // A block macro's tag in a paragraph becomes a block of its own.
        "\\{panel:title=T}*",
        // A backslash before a URL written `[url]`.
        "\\https://x.org/y",
        // A backslash as a link's target.
        "[\\\\]",
        // `!` before a link that Markdown would read as an image.
        "\\word![PROJ-1]word",
        // A mark closing right before a URL written bare.
        "*https://x.org/y*bold* ",
        // A link target with blanks keeps its text.
        "[h1. *]",
        // Marks at a line start that look like list markers.
        "*#* {code:java}",
        // No links inside a link's text.
        "[h1. !https://x.org/a.png|alt=cat!]",
        // Breaks at a paragraph's end.
        "word *\\\\* ",
        // Blanks before a line break.
        "_h1. -\\\\--",
        // A table of one empty header row.
        "||\\\\",
        // Blanks before a block macro's tag in a list item.
        "* h1. \\{panel:title=T}",
        "* h1. *\\\\** ",
        "h1. \\\\ *",
        "word----\\\\- ** _* ",
        "||h1. \\\\{code:java}",
        // A line of `--` after a break would underline the line before as a heading.
        "\\ --word\\\\----",
        // A block macro's tag inside an image's source.
        "!https://x.org/y\\{code:java}!a.png!",
        "!{color:red}!a.png!",
    ] {
        if let Err(e) = wiki_reaches_fixed_point(w) {
            panic!("{e}");
        }
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

/// A fixed seed, so that CI runs the same cases every time; explore others with
/// `PROPTEST_RNG_SEED=<n>` (and `PROPTEST_CASES`). Random seeds still find inputs the converter
/// does not round-trip exactly, e.g. a block macro inside a nested list item
/// (`* *\n** {{panel:title=T}*`): the item's rest is read back one level up.
fn seed() -> proptest::test_runner::RngSeed {
    std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(
            proptest::test_runner::RngSeed::Fixed(0x51C_0DE),
            proptest::test_runner::RngSeed::Fixed,
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), rng_seed: seed(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_markdown_keeps_its_words(md in markdown()) {
        let _g = heavy();
        prop_assert!(md_keeps_words(&md).is_ok(), "{}", md_keeps_words(&md).unwrap_err());
    }

    #[test]
    fn generated_wiki_reaches_a_fixed_point(w in wiki()) {
        let _g = heavy();
        prop_assert!(wiki_reaches_fixed_point(&w).is_ok(), "{}", wiki_reaches_fixed_point(&w).unwrap_err());
    }

    #[test]
    fn arbitrary_unicode_never_panics(s in any::<String>()) {
        let _g = heavy();
        let _ = to_markdown(&s);
        let _ = from_markdown(&s);
    }

    #[test]
    fn arbitrary_markup_soup_never_panics(s in "[*_\\-+^~?{}\\[\\]|!#\\\\`<>&;:/ a-zé\n\t]{0,200}") {
        let _g = heavy();
        let _ = to_markdown(&s);
        let _ = from_markdown(&s);
        let _ = from_markdown(&to_markdown(&s));
    }
}

#[test]
fn a_wide_row_does_not_blow_a_long_table_up() {
    // One row of 6,000 cells and 6,000 one-cell rows: ~36 KB of markup.
    let mut wiki = format!("|{}\n", "a|".repeat(6_000));
    wiki.push_str(&"|b|\n".repeat(6_000));
    let md = to_markdown(&wiki);
    assert!(md.len() < 200_000, "{} bytes", md.len());
    assert!(md.starts_with("[table of 6001 rows"), "{}", &md[..80]);
}
