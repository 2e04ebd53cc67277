//! Compact text for models: the text content of tool results.
//!
//! Every byte here is read by a model with a bounded context, so lines carry only what has a
//! value, labels are short, and timestamps lose their seconds. The structured content carries
//! the same facts in full.

use std::fmt::Write;

use serde_json::Value;

use crate::jira::views::{CommentView, IssueLine, IssueView, ProjectView, UserView};

/// `2026-11-20T14:03:11.123+0000` → `2026-11-20 14:03`; dates stay as they are.
pub fn short_time(s: &str) -> String {
    // `get`, not indexing: Jira content is not always ASCII, and a byte index inside a
    // multi-byte character would panic.
    match (s.get(..10), s.get(10..11), s.get(11..16)) {
        (Some(date), Some("T"), Some(time)) if time.bytes().enumerate().all(|(i, b)| (i == 2) == (b == b':')) => {
            format!("{date} {time}")
        }
        _ => s.to_string(),
    }
}

/// Unix seconds → `YYYY-MM-DD HH:MM` (UTC).
pub fn utc_minute(unix: u64) -> String {
    let date = crate::adf::date_from_unix_millis(unix as i64 * 1000);
    let secs = unix % 86_400;
    format!("{date} {:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

fn join_present(parts: &[Option<String>], sep: &str) -> String {
    parts
        .iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(sep)
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Null => "—".to_string(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(value_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

pub fn issue(v: &IssueView) -> String {
    let mut out = format!("{}: {}\n", v.key, v.summary);
    let line1 = join_present(
        &[
            v.issue_type.clone(),
            v.status.clone().map(|s| match &v.resolution {
                Some(r) => format!("{s} ({r})"),
                None => s,
            }),
            v.priority.clone().map(|p| format!("{p} priority")),
            v.assignee
                .clone()
                .map(|a| format!("assignee {a}"))
                .or(Some("unassigned".into())),
            v.reporter.clone().map(|r| format!("reporter {r}")),
        ],
        " | ",
    );
    let _ = writeln!(out, "{line1}");
    let line2 = join_present(
        &[
            v.parent.as_ref().map(|p| match &p.summary {
                Some(s) => format!("parent {} {s}", p.key),
                None => format!("parent {}", p.key),
            }),
            v.sprint.clone().map(|s| format!("sprint {s}")),
            (!v.labels.is_empty()).then(|| format!("labels {}", v.labels.join(", "))),
            (!v.components.is_empty()).then(|| format!("components {}", v.components.join(", "))),
            (!v.fix_versions.is_empty()).then(|| format!("fix versions {}", v.fix_versions.join(", "))),
        ],
        " | ",
    );
    if !line2.is_empty() {
        let _ = writeln!(out, "{line2}");
    }
    let line3 = join_present(
        &[
            v.due.clone().map(|d| format!("due {d}")),
            v.created.as_deref().map(|c| format!("created {}", short_time(c))),
            v.updated.as_deref().map(|u| format!("updated {}", short_time(u))),
            v.url.clone(),
        ],
        " | ",
    );
    if !line3.is_empty() {
        let _ = writeln!(out, "{line3}");
    }
    for (name, value) in &v.fields {
        let _ = writeln!(out, "{name}: {}", value_text(value));
    }
    let linked = |l: &crate::jira::views::LinkedView| {
        join_present(
            &[
                l.relation.clone(),
                Some(l.key.clone()),
                l.summary.clone(),
                l.status.clone().map(|s| format!("[{s}]")),
                l.id.clone().map(|id| format!("(link {id})")),
            ],
            " ",
        )
    };
    if !v.subtasks.is_empty() {
        let list: Vec<String> = v.subtasks.iter().map(linked).collect();
        let _ = writeln!(out, "Sub-tasks: {}", list.join("; "));
    }
    if !v.links.is_empty() {
        let list: Vec<String> = v.links.iter().map(linked).collect();
        let _ = writeln!(out, "Links: {}", list.join("; "));
    }
    if let Some(t) = &v.transitions {
        let list = if t.is_empty() { "none".to_string() } else { t.join(", ") };
        let _ = writeln!(out, "Transitions: {list}");
    }
    if let Some(w) = &v.watchers {
        let list = if w.is_empty() { "none".to_string() } else { w.join(", ") };
        let _ = writeln!(out, "Watchers: {list}");
    }
    match &v.description {
        Some(d) if !d.trim().is_empty() => {
            let _ = write!(out, "\nDescription:\n{}\n", d.trim_end());
        }
        _ => out.push_str("\nNo description.\n"),
    }
    if !v.comments.is_empty() {
        let total = v.comment_total.unwrap_or(v.comments.len() as u64);
        if total as usize > v.comments.len() {
            let _ = write!(
                out,
                "\nComments ({} of {total}, latest; jira_get_comments for more):\n",
                v.comments.len()
            );
        } else {
            let _ = write!(out, "\nComments ({total}):\n");
        }
        for c in &v.comments {
            out.push_str(&comment(c));
        }
    } else if let Some(total) = v.comment_total.filter(|t| *t > 0) {
        let _ = writeln!(out, "\n{total} comments (jira_get_comments to read them).");
    }
    if let Some(h) = &v.history {
        out.push_str("\nHistory (latest last):\n");
        if h.is_empty() {
            out.push_str("- no changes\n");
        }
        for e in h {
            let head = join_present(&[e.author.clone(), e.created.as_deref().map(short_time)], ", ");
            let _ = writeln!(out, "- {head}: {}", e.changes.join("; "));
        }
    }
    out.trim_end().to_string()
}

pub fn comment(c: &CommentView) -> String {
    let head = join_present(
        &[
            c.author.clone(),
            c.created.as_deref().map(short_time),
            Some(format!("#{}", c.id)),
            c.visible_to.as_ref().map(|v| format!("visible to {v} only")),
        ],
        ", ",
    );
    let body = c.body.trim();
    if body.contains('\n') {
        let indented = body.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n");
        format!("- {head}:\n{indented}\n")
    } else {
        format!("- {head}: {body}\n")
    }
}

pub fn issue_line(l: &IssueLine) -> String {
    let mut s = format!("{} [{}] {}", l.key, l.status.as_deref().unwrap_or("?"), l.summary);
    let meta = join_present(
        &[
            l.issue_type.clone(),
            l.priority.clone(),
            Some(l.assignee.clone().unwrap_or_else(|| "unassigned".into())),
            l.updated.as_deref().map(|u| format!("updated {}", short_time(u))),
        ],
        ", ",
    );
    let _ = write!(s, " ({meta})");
    for (name, value) in &l.fields {
        let _ = write!(s, "; {name}: {}", value_text(value));
    }
    s
}

pub fn project(p: &ProjectView) -> String {
    let meta = join_present(
        &[p.project_type.clone(), p.lead.clone().map(|l| format!("lead {l}"))],
        ", ",
    );
    if meta.is_empty() {
        format!("{} {}", p.key, p.name)
    } else {
        format!("{} {} ({meta})", p.key, p.name)
    }
}

pub fn user(u: &UserView) -> String {
    let details = join_present(
        &[
            u.email.clone(),
            u.time_zone.clone(),
            u.account_id.as_ref().map(|id| format!("account id {id}")),
            u.name.as_ref().map(|n| format!("user name {n}")),
        ],
        ", ",
    );
    format!("{} ({details})", u.display_name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_shortened() {
        assert_eq!(super::short_time("2026-11-20T14:03:11.123+0000"), "2026-11-20 14:03");
        assert_eq!(super::short_time("2026-11-20"), "2026-11-20");
        assert_eq!(super::short_time("2026-11-20T1é:00"), "2026-11-20T1é:00");
        assert_eq!(super::short_time("ééééééééééééé"), "ééééééééééééé");
    }
}
