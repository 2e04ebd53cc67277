//! Markdown-writing helpers shared by the renderers of both rich-text formats (ADF and wiki
//! markup): what must be escaped so that Markdown reads text back as text.

use pulldown_cmark::HeadingLevel;

/// A paragraph's rendered inlines, written so that Markdown reads them back as one paragraph:
/// every line (a hard break starts one) is escaped where it would start a block (`# `, `- `,
/// `1. `), and what Markdown drops or misreads is not written: blanks at the start of a line
/// (four of them would start code) or at the end, hard breaks before the first or after the
/// last text.
pub(crate) fn paragraph(inlines: &str) -> String {
    let lines: Vec<&str> = inlines.split("\\\n").map(|l| l.trim_matches([' ', '\t'])).collect();
    let first = lines.iter().position(|l| !l.is_empty()).unwrap_or(lines.len());
    let last = lines.iter().rposition(|l| !l.is_empty()).map_or(first, |i| i + 1);
    lines[first..last]
        .iter()
        .map(|l| escape_line_start(l))
        .collect::<Vec<_>>()
        .join("\\\n")
}

/// A line that would read as a block marker (`# `, `- `, `1. `, `---`, `===`) is escaped.
fn escape_line_start(s: &str) -> String {
    let marker_then = |rest: &str| rest.is_empty() || rest.starts_with([' ', '\t']);
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    let starts_block = s.starts_with('#')
        || s.strip_prefix(['-', '+']).is_some_and(marker_then)
        || s.starts_with("---")
        || s.starts_with("===")
        // After a line of text, a line of `-` or `=` underlines it as a heading.
        || (!s.is_empty() && (s.chars().all(|c| c == '-') || s.chars().all(|c| c == '=')))
        || (digits > 0 && digits < 10 && s[digits..].strip_prefix(['.', ')']).is_some_and(marker_then));
    if !starts_block {
        return s.to_string();
    }
    if digits > 0 {
        format!("{}\\{}", &s[..digits], &s[digits..])
    } else {
        format!("\\{s}")
    }
}

pub(crate) fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// `s` as a Markdown code span: fenced by one more backtick than its longest run, padded
/// where it starts or ends with a backtick (or both ends are blanks), on one line.
pub(crate) fn code_span(s: &str) -> String {
    let ticks = "`".repeat(longest_run(s, '`') + 1);
    let s = s.replace('\n', " ");
    if s.starts_with('`') || s.ends_with('`') || (s.starts_with(' ') && s.ends_with(' ') && !s.trim().is_empty()) {
        format!("{ticks} {s} {ticks}")
    } else {
        format!("{ticks}{s}{ticks}")
    }
}

/// The longest run of `c` in `s`.
pub(crate) fn longest_run(s: &str, c: char) -> usize {
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
