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
    if date_shape(s).is_none() {
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

/// A list of issue keys for one call: at least one, at most `max`, each checked, repeats
/// dropped (order kept). `name` is the parameter, for the message.
pub fn issue_keys(name: &str, input: &[String], max: usize) -> Result<Vec<String>, ToolError> {
    if input.is_empty() {
        return Err(ToolError::invalid(format!(
            "{name} is empty; give at least one issue key"
        )));
    }
    if input.len() > max {
        return Err(ToolError::invalid(format!(
            "{name} has {} keys; at most {max} per call, so split them into several calls",
            input.len()
        )));
    }
    let mut keys: Vec<String> = Vec::with_capacity(input.len());
    for k in input {
        let key = issue_key(k)?;
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    Ok(keys)
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

/// A duration in Jira's notation (`3h 30m`, `1d`, `2w 1d`): whole numbers with units w, d, h,
/// m, each unit once, largest first. Returns it normalized (`3h 30m`).
pub fn duration(name: &str, input: &str) -> Result<String, ToolError> {
    let bad = |why: &str| {
        ToolError::invalid(format!(
            "{name} `{}` {why}; use Jira's notation: whole numbers with w, d, h or m, e.g. `3h 30m`, `1d`, `45m`",
            crate::adf::truncate_chars(input.trim(), 40)
        ))
    };
    let s = input.trim().to_ascii_lowercase();
    if s.is_empty() {
        return Err(bad("is empty"));
    }
    let mut parts = Vec::new();
    let mut last_rank = 0;
    let mut any_nonzero = false;
    let mut rest = s.as_str();
    while !rest.is_empty() {
        rest = rest.trim_start();
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 6 {
            return Err(bad("is not a duration"));
        }
        let (num, tail) = rest.split_at(digits);
        let unit = tail.chars().next().ok_or_else(|| bad("has a number without a unit"))?;
        let rank = match unit {
            'w' => 1,
            'd' => 2,
            'h' => 3,
            'm' => 4,
            _ => return Err(bad(&format!("has an unknown unit `{unit}`"))),
        };
        if rank <= last_rank {
            return Err(bad("repeats a unit or is out of order"));
        }
        last_rank = rank;
        let n: u32 = num.parse().map_err(|_| bad("is not a duration"))?;
        any_nonzero |= n > 0;
        parts.push(format!("{n}{unit}"));
        rest = &tail[1..];
    }
    if !any_nonzero {
        return Err(bad("is zero"));
    }
    Ok(parts.join(" "))
}

/// A start time: `YYYY-MM-DDTHH:MM` (UTC), or ISO 8601 with seconds, fraction and offset
/// (`Z`, `+02:00`, `+0200`). Returns Jira's format, `2026-12-01T10:00:00.000+0000`.
pub fn started(input: &str) -> Result<String, ToolError> {
    let s = input.trim();
    let bad = || {
        ToolError::invalid(format!(
            "started `{}` is not a time; use YYYY-MM-DDTHH:MM (UTC) or ISO 8601 such as 2026-12-01T10:00:00+01:00",
            crate::adf::truncate_chars(s, 40)
        ))
    };
    let (date, time) = s.split_once(['T', ' ']).ok_or_else(bad)?;
    date_shape(date).ok_or_else(bad)?;
    // Split off the offset.
    let (clock, offset) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, "+0000".to_string())
    } else if let Some(i) = time.rfind(['+', '-']) {
        let (c, off) = time.split_at(i);
        let digits: String = off[1..].chars().filter(|c| *c != ':').collect();
        let ok = digits.len() == 4
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits[..2].parse::<u32>().is_ok_and(|h| h <= 14)
            && digits[2..].parse::<u32>().is_ok_and(|m| m < 60)
            && (off.len() == 5 || (off.len() == 6 && &off[3..4] == ":"));
        if !ok {
            return Err(bad());
        }
        (c, format!("{}{digits}", &off[..1]))
    } else {
        (time, "+0000".to_string())
    };
    let (hms, frac) = match clock.split_once('.') {
        Some((a, f)) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => (a, f),
        Some(_) => return Err(bad()),
        None => (clock, ""),
    };
    let nums: Vec<&str> = hms.split(':').collect();
    if !(2..=3).contains(&nums.len())
        || nums
            .iter()
            .any(|n| n.len() != 2 || !n.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    let h: u32 = nums[0].parse().map_err(|_| bad())?;
    let m: u32 = nums[1].parse().map_err(|_| bad())?;
    let sec: u32 = nums.get(2).map_or(Ok(0), |x| x.parse()).map_err(|_| bad())?;
    if h > 23 || m > 59 || sec > 59 {
        return Err(bad());
    }
    let millis = format!("{frac:0<3}");
    Ok(format!("{date}T{h:02}:{m:02}:{sec:02}.{}{offset}", &millis[..3]))
}

/// A point in time as ISO 8601 with a colon in the offset (`2026-12-01T10:00:00.000+01:00`),
/// what JSM Operations takes; the same inputs as [`started`].
pub fn instant(name: &str, input: &str) -> Result<String, ToolError> {
    let jira = started(input).map_err(|_| {
        ToolError::invalid(format!(
            "{name} `{}` is not a time; use ISO 8601 such as 2026-12-01T10:00:00Z or 2026-12-01T10:00+01:00",
            crate::adf::truncate_chars(input.trim(), 40)
        ))
    })?;
    // `…00.000+0000` → `…00.000+00:00`: the offset is always the last five ASCII characters.
    let (head, offset) = jira.split_at(jira.len() - 5);
    Ok(format!("{head}{}:{}", &offset[..3], &offset[3..]))
}

/// Now, in Jira's format (UTC).
pub fn now_started() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let date = crate::adf::date_from_unix_millis(secs as i64 * 1000);
    let t = secs % 86_400;
    format!("{date}T{:02}:{:02}:{:02}.000+0000", t / 3600, (t % 3600) / 60, t % 60)
}

fn date_shape(s: &str) -> Option<()> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let month: u32 = s.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(0);
    let day: u32 = s.get(8..10).and_then(|d| d.parse().ok()).unwrap_or(0);
    (shape && (1..=12).contains(&month) && (1..=31).contains(&day)).then_some(())
}

/// An absolute path (a server's working folder is nobody's guess).
pub fn absolute_path(name: &str, input: &str) -> Result<std::path::PathBuf, ToolError> {
    let p = std::path::PathBuf::from(input.trim());
    if input.trim().is_empty() {
        return Err(ToolError::invalid(format!("{name} is empty")));
    }
    if !p.is_absolute() {
        return Err(ToolError::invalid(format!(
            "{name} `{}` is relative; give an absolute path such as /tmp/report.pdf",
            crate::adf::truncate_chars(input, 200)
        )));
    }
    Ok(p)
}

/// A Jira numeric id (attachments, worklogs, filters, dashboards, contexts).
pub fn numeric_id(name: &str, input: &str) -> Result<String, ToolError> {
    let s = input.trim();
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ToolError::invalid(format!(
            "{name} `{}` is not an id; expected digits such as `10001`",
            crate::adf::truncate_chars(s, 40)
        )));
    }
    Ok(s.to_string())
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
    fn instants_carry_a_colon_offset() {
        assert_eq!(
            instant("at", "2026-12-01T10:00Z").unwrap(),
            "2026-12-01T10:00:00.000+00:00"
        );
        assert_eq!(
            instant("at", "2026-12-01T10:00:05.5-0330").unwrap(),
            "2026-12-01T10:00:05.500-03:30"
        );
        assert!(instant("at", "tomorrow").unwrap_err().message.contains("at `tomorrow`"));
    }

    #[test]
    fn labels_with_spaces_are_rejected() {
        assert!(labels(&["two words".into()]).is_err());
        assert_eq!(labels(&["a".into(), " ".into(), "b".into()]).unwrap(), vec!["a", "b"]);
    }

    #[test]
    fn durations_use_jira_notation() {
        assert_eq!(duration("t", "3h 30m").unwrap(), "3h 30m");
        assert_eq!(duration("t", " 1W 2d ").unwrap(), "1w 2d");
        assert_eq!(duration("t", "45m").unwrap(), "45m");
        assert_eq!(duration("t", "1h30m").unwrap(), "1h 30m");
        for bad in ["", "3x", "3", "h", "3h 2h", "30m 1h", "0m", "1.5h", "3 h", "-1h", "3hh"] {
            assert!(duration("t", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn start_times_become_jiras_format() {
        assert_eq!(started("2026-12-01T10:00").unwrap(), "2026-12-01T10:00:00.000+0000");
        assert_eq!(started("2026-12-01T10:00:05Z").unwrap(), "2026-12-01T10:00:05.000+0000");
        assert_eq!(
            started("2026-12-01T10:00:05.12+02:00").unwrap(),
            "2026-12-01T10:00:05.120+0200"
        );
        assert_eq!(
            started("2026-12-01T10:00:00.000-0530").unwrap(),
            "2026-12-01T10:00:00.000-0530"
        );
        for bad in [
            "",
            "2026-12-01",
            "2026-13-01T10:00",
            "2026-12-01T25:00",
            "2026-12-01T10",
            "yesterday",
            "2026-12-01T10:00+5",
        ] {
            assert!(started(bad).is_err(), "{bad:?}");
        }
        let now = now_started();
        assert_eq!(started(&now).unwrap(), now);
    }
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
