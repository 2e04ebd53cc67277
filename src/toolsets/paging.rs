//! Offset paging as every list tool shows it: where the next page starts (`next_start_at`
//! in the structured result) and the same hint in the text, so that clients that pass only
//! one of them still tell the model how to go on.

use std::fmt::Display;

use crate::jira::{Cursor, Page};

/// The offset of the next page, when there is one and Jira pages this list by offset.
pub fn next_offset<T>(page: &Page<T>) -> Option<u64> {
    match page.next()? {
        Cursor::Offset(n) => Some(n),
        Cursor::Token(_) => None,
    }
}

/// [`next_offset`] for tools whose `start_at` is a `u32`.
pub fn next_start<T>(page: &Page<T>) -> Option<u32> {
    next_offset(page).and_then(|n| u32::try_from(n).ok())
}

/// `1 issue`, `2 issues`.
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Appends `N <what>s shown of T. More: call <tool> with the same arguments and start_at N.`
/// when there is a next page.
pub fn more_hint<N: Display>(
    text: &mut String,
    tool: &str,
    shown: usize,
    total: Option<u64>,
    next: Option<N>,
    what: &str,
) {
    if let Some(n) = next {
        let of = total.map(|t| format!(" of {t}")).unwrap_or_default();
        text.push_str(&format!(
            "\n\n{} shown{of}. More: call {tool} with the same arguments and start_at {n}.",
            count(shown, what)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_names_the_tool_the_offset_and_the_total() {
        let mut t = String::from("a");
        more_hint(&mut t, "jira_x", 2, Some(5), Some(2u32), "board");
        assert_eq!(
            t,
            "a\n\n2 boards shown of 5. More: call jira_x with the same arguments and start_at 2."
        );
        let mut t = String::new();
        more_hint::<u32>(&mut t, "jira_x", 1, None, None, "board");
        assert!(t.is_empty());
        assert_eq!(count(1, "epic"), "1 epic");
    }
}
