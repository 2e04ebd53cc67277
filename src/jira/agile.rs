//! Jira Software (boards, sprints, epics, backlog, rank): `/rest/agile/1.0`, the same paths on
//! Cloud and Data Center. The operations are declared here, beside the client methods that
//! call them; lists come back as [`Page`] like everything else.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    JiraClient, JiraError,
    models::{Issue, Page, Shown, lenient},
    ops::{Api::Agile, Method, On::Both, Op},
};

pub const BOARDS: Op = Op::new(Method::Get, Agile, "/board", Both);
pub const BOARD_ISSUES: Op = Op::new(Method::Get, Agile, "/board/{boardId}/issue", Both);
pub const BOARD_BACKLOG: Op = Op::new(Method::Get, Agile, "/board/{boardId}/backlog", Both);
pub const BOARD_SPRINTS: Op = Op::new(Method::Get, Agile, "/board/{boardId}/sprint", Both);
pub const BOARD_EPICS: Op = Op::new(Method::Get, Agile, "/board/{boardId}/epic", Both);
pub const SPRINT_ISSUES: Op = Op::new(Method::Get, Agile, "/sprint/{sprintId}/issue", Both);
pub const EPIC_ISSUES: Op = Op::new(Method::Get, Agile, "/epic/{epicIdOrKey}/issue", Both);
pub const SPRINT_CREATE: Op = Op::new(Method::Post, Agile, "/sprint", Both);
/// A partial update: only the fields sent change (also how a sprint is started or closed).
pub const SPRINT_GET: Op = Op::new(Method::Get, Agile, "/sprint/{sprintId}", Both);
pub const SPRINT_UPDATE: Op = Op::new(Method::Post, Agile, "/sprint/{sprintId}", Both);
pub const SPRINT_MOVE_ISSUES: Op = Op::new(Method::Post, Agile, "/sprint/{sprintId}/issue", Both);
pub const BACKLOG_MOVE_ISSUES: Op = Op::new(Method::Post, Agile, "/backlog/issue", Both);
pub const ISSUE_RANK: Op = Op::new(Method::Put, Agile, "/issue/rank", Both);

/// A board.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Board {
    #[serde(deserialize_with = "lenient")]
    pub id: Option<i64>,
    pub name: Shown,
    #[serde(rename = "type")]
    pub kind: Shown,
    #[serde(deserialize_with = "lenient")]
    pub location: BoardLocation,
}

/// Where a board lives (a project, or a user's own board).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BoardLocation {
    pub project_key: Shown,
    pub display_name: Shown,
}

/// A sprint.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Sprint {
    #[serde(deserialize_with = "lenient")]
    pub id: Option<i64>,
    pub name: Shown,
    pub state: Shown,
    pub start_date: Shown,
    pub end_date: Shown,
    pub complete_date: Shown,
    pub goal: Shown,
    #[serde(deserialize_with = "lenient")]
    pub origin_board_id: Option<i64>,
}

/// An epic as a board lists it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Epic {
    pub id: Shown,
    pub key: Shown,
    pub name: Shown,
    pub summary: Shown,
    #[serde(deserialize_with = "lenient")]
    pub done: Option<bool>,
}

/// One issue's outcome in a rank answer (207 Multi-Status).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RankEntry {
    pub issue_key: Shown,
    pub issue_id: Shown,
    #[serde(deserialize_with = "lenient")]
    pub status: Option<u16>,
    #[serde(deserialize_with = "lenient")]
    pub errors: Vec<String>,
}

/// Where a list of issues comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueSource {
    Board(u64),
    Backlog(u64),
    Sprint(u64),
    Epic(String),
}

/// Fields of a sprint to set; `None` leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SprintInput {
    pub name: Option<String>,
    pub goal: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    /// `active` (start) or `closed` (complete).
    pub state: Option<String>,
}

impl SprintInput {
    fn body(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let fields = [
            ("name", &self.name),
            ("goal", &self.goal),
            ("startDate", &self.start_date),
            ("endDate", &self.end_date),
            ("state", &self.state),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                m.insert(k.to_string(), Value::String(v.clone()));
            }
        }
        m
    }
}

impl JiraClient {
    /// One page of the boards the user can see.
    pub async fn boards(
        &self,
        project: Option<&str>,
        name: Option<&str>,
        kind: Option<&str>,
        start_at: u64,
        max_results: u32,
    ) -> Result<Page<Board>, JiraError> {
        let mut req = self
            .request(BOARDS, &[])
            .await?
            .query("startAt", start_at)
            .query("maxResults", max_results);
        if let Some(p) = project {
            req = req.query("projectKeyOrId", p);
        }
        if let Some(n) = name {
            req = req.query("name", n);
        }
        if let Some(k) = kind {
            req = req.query("type", k);
        }
        self.call(req).await
    }

    /// One page of the issues of a board, its backlog, a sprint or an epic.
    pub async fn agile_issues(
        &self,
        source: &IssueSource,
        jql: Option<&str>,
        fields: &[String],
        start_at: u64,
        max_results: u32,
    ) -> Result<Page<Issue>, JiraError> {
        let id;
        let (op, arg) = match source {
            IssueSource::Board(b) => {
                id = b.to_string();
                (BOARD_ISSUES, id.as_str())
            }
            IssueSource::Backlog(b) => {
                id = b.to_string();
                (BOARD_BACKLOG, id.as_str())
            }
            IssueSource::Sprint(s) => {
                id = s.to_string();
                (SPRINT_ISSUES, id.as_str())
            }
            IssueSource::Epic(key) => (EPIC_ISSUES, key.as_str()),
        };
        let mut req = self
            .request(op, &[arg])
            .await?
            .query("startAt", start_at)
            .query("maxResults", max_results)
            .query("fields", fields.join(","));
        if let Some(jql) = jql {
            req = req.query("jql", jql);
        }
        self.call(req).await
    }

    /// One page of a board's sprints, optionally only those in `states`.
    pub async fn sprints(
        &self,
        board_id: u64,
        states: &[&str],
        start_at: u64,
        max_results: u32,
    ) -> Result<Page<Sprint>, JiraError> {
        let mut req = self
            .request(BOARD_SPRINTS, &[&board_id.to_string()])
            .await?
            .query("startAt", start_at)
            .query("maxResults", max_results);
        if !states.is_empty() {
            req = req.query("state", states.join(","));
        }
        self.call(req).await
    }

    /// One sprint, by id.
    pub async fn sprint(&self, sprint_id: u64) -> Result<Sprint, JiraError> {
        let req = self.request(SPRINT_GET, &[&sprint_id.to_string()]).await?;
        self.call(req).await
    }

    /// One page of a board's epics.
    pub async fn epics(&self, board_id: u64, start_at: u64, max_results: u32) -> Result<Page<Epic>, JiraError> {
        let req = self
            .request(BOARD_EPICS, &[&board_id.to_string()])
            .await?
            .query("startAt", start_at)
            .query("maxResults", max_results);
        self.call(req).await
    }

    /// Creates a (future) sprint on a board.
    pub async fn create_sprint(&self, board_id: u64, input: &SprintInput) -> Result<Sprint, JiraError> {
        let mut body = input.body();
        body.remove("state");
        body.insert("originBoardId".into(), json!(board_id));
        let req = self.request(SPRINT_CREATE, &[]).await?.json(Value::Object(body));
        self.call(req).await
    }

    /// Changes the given fields of a sprint (starting or closing it with `state`).
    pub async fn update_sprint(&self, sprint_id: u64, input: &SprintInput) -> Result<Sprint, JiraError> {
        let req = self
            .request(SPRINT_UPDATE, &[&sprint_id.to_string()])
            .await?
            .json(Value::Object(input.body()));
        self.call(req).await
    }

    /// Moves issues into a sprint.
    pub async fn move_to_sprint(&self, sprint_id: u64, issues: &[String]) -> Result<(), JiraError> {
        let req = self
            .request(SPRINT_MOVE_ISSUES, &[&sprint_id.to_string()])
            .await?
            .json(json!({ "issues": issues }));
        self.send(req).await
    }

    /// Moves issues to the backlog (out of any sprint).
    pub async fn move_to_backlog(&self, issues: &[String]) -> Result<(), JiraError> {
        let req = self
            .request(BACKLOG_MOVE_ISSUES, &[])
            .await?
            .json(json!({ "issues": issues }));
        self.send(req).await
    }

    /// Ranks issues before or after another. Jira answers 204 when every issue moved, and 207
    /// with one entry per issue when some did not; the entries are returned (empty on 204).
    pub async fn rank_issues(
        &self,
        issues: &[String],
        before: Option<&str>,
        after: Option<&str>,
    ) -> Result<Vec<RankEntry>, JiraError> {
        let mut body = json!({ "issues": issues });
        if let Some(b) = before {
            body["rankBeforeIssue"] = json!(b);
        }
        if let Some(a) = after {
            body["rankAfterIssue"] = json!(a);
        }
        let req = self.request(ISSUE_RANK, &[]).await?.json(body);
        #[derive(Deserialize, Default)]
        struct Multi {
            #[serde(default, deserialize_with = "lenient")]
            entries: Vec<RankEntry>,
        }
        let bytes = self.http.send(&req).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Vec::new());
        }
        let multi: Multi = serde_json::from_slice(&bytes).map_err(|e| {
            JiraError::Api(crate::http::ApiError::decode(
                format!("{} {}", req.method, req.url.path()),
                e,
            ))
        })?;
        Ok(multi.entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Flavor;

    #[test]
    fn agile_paths_are_the_same_on_both_flavors() {
        for flavor in [Flavor::Cloud, Flavor::DataCenter] {
            assert_eq!(
                SPRINT_ISSUES.path_on(flavor, &["37"]).unwrap(),
                "/rest/agile/1.0/sprint/37/issue"
            );
        }
        assert_eq!(ISSUE_RANK.id(Flavor::Cloud), "PUT /rest/agile/1.0/issue/rank");
    }

    #[test]
    fn odd_shapes_read_as_empty() {
        let b: Board = serde_json::from_value(json!({"id": "x", "name": 3, "location": "nowhere"})).unwrap();
        assert_eq!(b.id, None);
        assert_eq!(b.name.or_empty(), "3");
        let s: Sprint = serde_json::from_value(json!({"id": 5, "state": "active", "goal": null})).unwrap();
        assert_eq!(
            (s.id, s.state.or_empty(), s.goal.get()),
            (Some(5), "active".into(), None)
        );
        let e: RankEntry = serde_json::from_value(json!({"issueKey": "A-1", "status": 503, "errors": "busy"})).unwrap();
        assert_eq!((e.status, e.errors.len()), (Some(503), 0));
    }

    #[test]
    fn sprint_bodies_carry_only_what_is_set() {
        let input = SprintInput {
            goal: Some(String::new()),
            state: Some("closed".into()),
            ..SprintInput::default()
        };
        assert_eq!(Value::Object(input.body()), json!({"goal": "", "state": "closed"}));
    }
}
