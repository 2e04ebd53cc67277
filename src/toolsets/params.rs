//! Input checks shared by the tools. Everything here runs before any HTTP request, so bad
//! input costs nothing and changes nothing.

use super::ToolError;
use crate::jira;

pub fn issue_key(input: &str) -> Result<String, ToolError> {
    jira::normalize_issue_key(input).ok_or_else(|| {
        ToolError::invalid(format!(
            "`{input}` is not an issue key; expected something like `PROJ-123` (project key, dash, number)"
        ))
    })
}

pub fn project_key(input: &str) -> Result<String, ToolError> {
    jira::normalize_project_key(input).ok_or_else(|| {
        ToolError::invalid(format!(
            "`{input}` is not a project key; expected letters and digits such as `PROJ`"
        ))
    })
}

pub fn summary(input: &str) -> Result<String, ToolError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(ToolError::invalid("summary is empty; give the issue a one-line title"));
    }
    if s.contains('\n') {
        return Err(ToolError::invalid(
            "summary must be a single line; put details in the description",
        ));
    }
    if s.chars().count() > 255 {
        return Err(ToolError::invalid(format!(
            "summary is {} characters; Jira allows 255. Move details to the description",
            s.chars().count()
        )));
    }
    Ok(s.to_string())
}

pub fn labels(input: &[String]) -> Result<Vec<String>, ToolError> {
    let mut out = Vec::new();
    for l in input {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        if l.contains(char::is_whitespace) {
            return Err(ToolError::invalid(format!(
                "label `{l}` contains a space; Jira labels cannot (use `{}`)",
                l.split_whitespace().collect::<Vec<_>>().join("-")
            )));
        }
        out.push(l.to_string());
    }
    Ok(out)
}

pub fn date(input: &str) -> Result<String, ToolError> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let month: u32 = s.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(0);
    let day: u32 = s.get(8..10).and_then(|d| d.parse().ok()).unwrap_or(0);
    if !shape || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(ToolError::invalid(format!(
            "`{s}` is not a date; use YYYY-MM-DD, e.g. 2026-12-31"
        )));
    }
    Ok(s.to_string())
}

pub fn non_empty(name: &str, input: &str) -> Result<String, ToolError> {
    if input.trim().is_empty() {
        return Err(ToolError::invalid(format!("{name} is empty")));
    }
    Ok(input.to_string())
}

/// Checks a page size against its bounds (`None` → the default).
pub fn page_size(name: &str, value: Option<u32>, default: u32, max: u32) -> Result<u32, ToolError> {
    match value {
        None => Ok(default),
        Some(0) => Err(ToolError::invalid(format!("{name} must be at least 1"))),
        Some(n) if n > max => Err(ToolError::invalid(format!("{name} is {n}; the most is {max}"))),
        Some(n) => Ok(n),
    }
}

/// Splits requested extra fields into ones we render anyway and ones to resolve by name.
pub fn clean_field_list(fields: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in fields.iter().map(|f| f.trim()).filter(|f| !f.is_empty()) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(f)) {
            out.push(f.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked() {
        assert_eq!(date("2026-12-31").unwrap(), "2026-12-31");
        assert!(date("31/12/2026").is_err());
        assert!(date("2026-13-01").is_err());
        assert_eq!(date("").unwrap(), "");
    }

    #[test]
    fn summaries_are_checked() {
        assert!(summary("  ").is_err());
        assert!(summary("a\nb").is_err());
        assert!(summary(&"x".repeat(256)).is_err());
        assert_eq!(summary(" Fix it ").unwrap(), "Fix it");
    }

    #[test]
    fn labels_with_spaces_are_rejected() {
        assert!(labels(&["two words".into()]).is_err());
        assert_eq!(labels(&["a".into(), " ".into(), "b".into()]).unwrap(), vec!["a", "b"]);
    }
}

/// A numeric Jira id (filters, dashboards, contexts).
pub fn numeric_id(name: &str, input: &str) -> Result<String, ToolError> {
    let s = input.trim();
    if s.is_empty() || s.len() > 18 || !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(ToolError::invalid(format!(
            "{name} `{}` is not an id; expected digits such as `10000`",
            s.chars().take(40).collect::<String>()
        )));
    }
    Ok(s.to_string())
}

/// A one-line name of at most 255 characters.
pub fn name(what: &str, input: &str) -> Result<String, ToolError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(ToolError::invalid(format!("{what} is empty")));
    }
    if s.contains('\n') || s.chars().count() > 255 {
        return Err(ToolError::invalid(format!(
            "{what} must be one line of at most 255 characters"
        )));
    }
    Ok(s.to_string())
}

// Who a filter or dashboard is shared with (a comment: a doc comment would be sent in every schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum ShareType {
    Project,
    Group,
    Global,
    Authenticated,
    User,
}

impl ShareType {
    fn as_str(self) -> &'static str {
        match self {
            ShareType::Project => "project",
            ShareType::Group => "group",
            ShareType::Global => "global",
            ShareType::Authenticated => "authenticated",
            ShareType::User => "user",
        }
    }
}

#[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub struct ShareParam {
    #[serde(rename = "type")]
    pub kind: ShareType,
    /// Project key, group or user id (not for global, authenticated).
    pub value: Option<String>,
}

/// Checks share entries: project, group and user need a value; global and authenticated take none.
pub fn shares(input: &[ShareParam]) -> Result<Vec<jira::filters::Share>, ToolError> {
    use jira::filters::Share;
    input
        .iter()
        .map(|s| {
            let value = s.value.as_deref().map(str::trim).filter(|v| !v.is_empty());
            let need = |what: &str| {
                value.map(str::to_string).ok_or_else(|| {
                    ToolError::invalid(format!("share_with type {} needs a value: {what}", s.kind.as_str()))
                })
            };
            let none = |share: Share| match value {
                Some(v) => Err(ToolError::invalid(format!(
                    "share_with type {} takes no value (got `{v}`)",
                    s.kind.as_str()
                ))),
                None => Ok(share),
            };
            match s.kind {
                ShareType::Project => Ok(Share::Project(project_or_id(&need("a project key or id")?)?)),
                ShareType::Group => Ok(Share::Group(need("a group name")?)),
                ShareType::User => Ok(Share::User(need("an account id or user name")?)),
                ShareType::Global => none(Share::Global),
                ShareType::Authenticated => none(Share::Authenticated),
            }
        })
        .collect()
}

fn project_or_id(v: &str) -> Result<String, ToolError> {
    if v.chars().all(|c| c.is_ascii_digit()) {
        Ok(v.to_string())
    } else {
        project_key(v)
    }
}
