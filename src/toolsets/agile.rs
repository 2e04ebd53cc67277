//! Toolset `agile`: Jira Software boards, sprints, epics, backlog and rank
//! (`/rest/agile/1.0`, the same on Cloud and Data Center).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Access, Ctx, Out, ToolDef, ToolError, ToolsetDef, handler, paging, params};
use crate::{
    http::ErrorKind,
    jira::{
        agile::{self, Board, Epic, IssueSource, Sprint, SprintInput},
        ops,
        ops::On,
        views::IssueLine,
    },
    render,
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "agile",
    description: "Boards, sprints, epics, backlog and rank (Jira Software)",
    default: false,
    tools: &[
        &LIST_BOARDS,
        &GET_BOARD_ISSUES,
        &LIST_SPRINTS,
        &SAVE_SPRINT,
        &MOVE_ISSUES,
        &LIST_EPICS,
        &RANK_ISSUES,
    ],
};

static LIST_BOARDS: ToolDef = ToolDef {
    name: "jira_list_boards",
    description: "List Jira Software boards (id, name, type, project), paged.",
    access: Access::READ,
    on: On::Both,
    ops: &[agile::BOARDS],
    handler: handler!(list_boards),
};

static GET_BOARD_ISSUES: ToolDef = ToolDef {
    name: "jira_get_board_issues",
    description: "Issues of a board, its backlog, a sprint or an epic; one line each, paged.",
    access: Access::READ,
    on: On::Both,
    ops: &[
        agile::BOARD_ISSUES,
        agile::BOARD_BACKLOG,
        agile::SPRINT_ISSUES,
        agile::EPIC_ISSUES,
        ops::FIELDS,
    ],
    handler: handler!(get_board_issues),
};

static LIST_SPRINTS: ToolDef = ToolDef {
    name: "jira_list_sprints",
    description: "A board's sprints (id, name, state, dates, goal), paged; or one sprint by `sprint_id`.",
    access: Access::READ,
    on: On::Both,
    ops: &[agile::BOARD_SPRINTS, agile::SPRINT_GET],
    handler: handler!(list_sprints),
};

static SAVE_SPRINT: ToolDef = ToolDef {
    name: "jira_save_sprint",
    description: "Create a sprint (board_id) or change one (sprint_id); state active starts it, closed closes it.",
    access: Access::SAVE,
    on: On::Both,
    ops: &[agile::SPRINT_CREATE, agile::SPRINT_UPDATE],
    handler: handler!(save_sprint),
};

static MOVE_ISSUES: ToolDef = ToolDef {
    name: "jira_move_issues",
    description: "Move issues (at most 50) into a sprint or to the backlog.",
    access: Access::UPDATE,
    on: On::Both,
    ops: &[agile::SPRINT_MOVE_ISSUES, agile::BACKLOG_MOVE_ISSUES],
    handler: handler!(move_issues),
};

static LIST_EPICS: ToolDef = ToolDef {
    name: "jira_list_epics",
    description: "List a board's epics (key, name, summary, done), paged.",
    access: Access::READ,
    on: On::Both,
    ops: &[agile::BOARD_EPICS],
    handler: handler!(list_epics),
};

static RANK_ISSUES: ToolDef = ToolDef {
    name: "jira_rank_issues",
    description: "Rank issues (at most 50, in order) before or after another issue.",
    access: Access::UPDATE,
    on: On::Both,
    ops: &[agile::ISSUE_RANK],
    handler: handler!(rank_issues),
};

/// Most issues one move or rank takes (Jira's limit).
const MAX_ISSUES: usize = 50;

/// An id as Jira sent it, `?` when it sent none.
fn id_text(id: Option<i64>) -> String {
    id.map_or_else(|| "?".to_string(), |i| i.to_string())
}

// ---- shared --------------------------------------------------------------------------------

/// A sprint date: `YYYY-MM-DD` (midnight UTC) or an ISO 8601 date-time.
fn sprint_date(name: &str, input: &str) -> Result<String, ToolError> {
    let s = input.trim();
    let bad = || {
        ToolError::invalid(format!(
            "{name} `{s}` is not a date; use YYYY-MM-DD or a date-time such as 2026-12-01T09:00:00.000+01:00"
        ))
    };
    let date = s.get(..10).ok_or_else(bad)?;
    if params::date(date).map_err(|_| bad())?.is_empty() {
        return Err(bad());
    }
    match s.get(10..) {
        Some("") => Ok(format!("{date}T00:00:00.000Z")),
        Some(rest)
            if rest.starts_with('T')
                && rest.len() <= 25
                && rest[1..].chars().all(|c| c.is_ascii_digit() || ":.+-Z".contains(c)) =>
        {
            Ok(s.to_string())
        }
        _ => Err(bad()),
    }
}

// ---- jira_list_boards ----------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum BoardType {
    Scrum,
    Kanban,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListBoardsParams {
    /// Project key, e.g. `PROJ`.
    pub project: Option<String>,
    /// Text in the board name.
    pub name: Option<String>,
    /// Board type.
    #[serde(rename = "type")]
    pub kind: Option<BoardType>,
    /// Per page (default 50, max 100).
    pub max_results: Option<u32>,
    /// Offset: `next_start_at` of the last page.
    pub start_at: Option<u64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(inline)]
pub struct BoardView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

impl BoardView {
    fn new(b: &Board) -> BoardView {
        BoardView {
            id: b.id,
            name: b.name.or_empty(),
            kind: b.kind.get(),
            project: b.location.project_key.get(),
        }
    }

    fn line(&self) -> String {
        let meta: Vec<String> = [self.kind.clone(), self.project.as_ref().map(|p| format!("project {p}"))]
            .into_iter()
            .flatten()
            .collect();
        if meta.is_empty() {
            format!("board {} {}", id_text(self.id), self.name)
        } else {
            format!("board {} {} ({})", id_text(self.id), self.name, meta.join(", "))
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BoardsPage {
    pub boards: Vec<BoardView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Pass as `start_at` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u64>,
}

async fn list_boards(cx: Ctx, p: ListBoardsParams) -> Result<Out<BoardsPage>, ToolError> {
    let project = p
        .project
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(params::project_key)
        .transpose()?;
    let name = p.name.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let kind = p.kind.map(|k| match k {
        BoardType::Scrum => "scrum",
        BoardType::Kanban => "kanban",
    });
    let max = params::page_size("max_results", p.max_results, 50, 100)?;
    let start = p.start_at.unwrap_or(0);
    let page = cx
        .jira
        .boards(project.as_deref(), name, kind, start, max)
        .await
        .map_err(|e| cx.fail(Some("The board list".into()), e))?;
    let boards: Vec<BoardView> = page.items.iter().map(BoardView::new).collect();
    let next_start_at = paging::next_offset(&page);
    let mut text = if boards.is_empty() {
        if start > 0 {
            "No more boards.".to_string()
        } else {
            "No board you can see matches.".to_string()
        }
    } else {
        boards.iter().map(BoardView::line).collect::<Vec<_>>().join("\n")
    };
    paging::more_hint(
        &mut text,
        "jira_list_boards",
        boards.len(),
        page.total,
        next_start_at,
        "board",
    );
    Ok(Out {
        text,
        data: BoardsPage {
            boards,
            total: page.total,
            next_start_at,
        },
    })
}

// ---- jira_get_board_issues -----------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct BoardIssuesParams {
    /// Board id.
    pub board_id: Option<u64>,
    /// `true` with board_id: its backlog.
    pub backlog: Option<bool>,
    /// Sprint id.
    pub sprint_id: Option<u64>,
    /// Epic key, e.g. `PROJ-7`.
    pub epic_key: Option<String>,
    /// JQL filter, e.g. `status != Done`.
    pub jql: Option<String>,
    /// Extra fields, by id or name.
    pub fields: Option<Vec<String>>,
    /// Per page (default 20, max 100).
    pub max_results: Option<u32>,
    /// Offset: `next_start_at` of the last page.
    pub start_at: Option<u64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BoardIssues {
    pub issues: Vec<IssueLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Pass as `start_at` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u64>,
}

fn issue_source(p: &BoardIssuesParams) -> Result<IssueSource, ToolError> {
    let one_of = "give exactly one of board_id (with backlog: true for its backlog), sprint_id or epic_key";
    let epic = p.epic_key.as_deref().filter(|k| !k.trim().is_empty());
    let given = usize::from(p.board_id.is_some()) + usize::from(p.sprint_id.is_some()) + usize::from(epic.is_some());
    if given != 1 {
        return Err(ToolError::invalid(format!(
            "{} given; {one_of}",
            if given == 0 { "no source" } else { "several sources" }
        )));
    }
    if p.backlog == Some(true) && p.board_id.is_none() {
        return Err(ToolError::invalid(format!("backlog needs board_id; {one_of}")));
    }
    Ok(match (p.board_id, p.sprint_id, epic) {
        (Some(b), _, _) if p.backlog == Some(true) => IssueSource::Backlog(b),
        (Some(b), _, _) => IssueSource::Board(b),
        (_, Some(s), _) => IssueSource::Sprint(s),
        (_, _, Some(e)) => IssueSource::Epic(params::issue_key(e)?),
        _ => unreachable!("exactly one source was checked above"),
    })
}

fn source_name(s: &IssueSource) -> String {
    match s {
        IssueSource::Board(b) => format!("board {b}"),
        IssueSource::Backlog(b) => format!("the backlog of board {b}"),
        IssueSource::Sprint(s) => format!("sprint {s}"),
        IssueSource::Epic(e) => format!("epic {e}"),
    }
}

async fn get_board_issues(cx: Ctx, p: BoardIssuesParams) -> Result<Out<BoardIssues>, ToolError> {
    let source = issue_source(&p)?;
    let jql = p.jql.as_deref().map(str::trim).filter(|j| !j.is_empty());
    let max = params::page_size("max_results", p.max_results, 20, 100)?;
    let start = p.start_at.unwrap_or(0);
    let wanted = params::clean_field_list(p.fields.as_deref().unwrap_or_default());
    let name = source_name(&source);
    let subject = match &source {
        IssueSource::Backlog(b) => format!("Board {b}"),
        _ => name[..1].to_uppercase() + &name[1..],
    };
    let fail = |e| cx.fail(Some(subject.clone()), e);
    let (extra, ids) = super::search::line_fields(&cx, &wanted).await.map_err(fail)?;
    let page = cx
        .jira
        .agile_issues(&source, jql, &ids, start, max)
        .await
        .map_err(fail)?;
    let rich = cx.jira.rich();
    let (page, issues) = crate::jira::offload(move || {
        let lines: Vec<IssueLine> = page.items.iter().map(|i| IssueLine::new(i, &extra, rich)).collect();
        (page, lines)
    })
    .await;
    let next_start_at = paging::next_offset(&page);
    let mut text = if issues.is_empty() {
        if start > 0 {
            format!("No more issues in {name}.")
        } else {
            let filtered = jql.map(|j| format!(" matching `{j}`")).unwrap_or_default();
            format!("No issues in {name}{filtered}.")
        }
    } else {
        let lines = issues.iter().map(render::issue_line).collect::<Vec<_>>().join("\n");
        format!("Issues in {name}:\n{lines}")
    };
    paging::more_hint(
        &mut text,
        "jira_get_board_issues",
        issues.len(),
        page.total,
        next_start_at,
        "issue",
    );
    Ok(Out {
        text,
        data: BoardIssues {
            issues,
            total: page.total,
            next_start_at,
        },
    })
}

// ---- jira_list_sprints ---------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum SprintState {
    Future,
    Active,
    Closed,
}

impl SprintState {
    fn as_str(self) -> &'static str {
        match self {
            SprintState::Future => "future",
            SprintState::Active => "active",
            SprintState::Closed => "closed",
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListSprintsParams {
    /// Board id.
    pub board_id: Option<u64>,
    /// One sprint's id, instead of a board.
    pub sprint_id: Option<u64>,
    /// Only these states.
    pub state: Option<Vec<SprintState>>,
    /// Per page (default 50, max 100).
    pub max_results: Option<u32>,
    /// Offset: `next_start_at` of the last page.
    pub start_at: Option<u64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(inline)]
pub struct SprintView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub board_id: Option<i64>,
}

impl SprintView {
    fn new(s: &Sprint) -> SprintView {
        SprintView {
            id: s.id,
            name: s.name.or_empty(),
            state: s.state.get(),
            start: s.start_date.get(),
            end: s.end_date.get(),
            completed: s.complete_date.get(),
            goal: s.goal.get().filter(|g| !g.trim().is_empty()),
            board_id: s.origin_board_id,
        }
    }

    fn line(&self) -> String {
        let mut s = format!(
            "sprint {} {} [{}]",
            id_text(self.id),
            self.name,
            self.state.as_deref().unwrap_or("?")
        );
        let t = |v: &Option<String>| v.as_deref().map(render::short_time);
        match (t(&self.start), t(&self.end)) {
            (Some(a), Some(b)) => s.push_str(&format!(" {a} → {b}")),
            (Some(a), None) => s.push_str(&format!(" from {a}")),
            (None, Some(b)) => s.push_str(&format!(" until {b}")),
            (None, None) => s.push_str(" no dates"),
        }
        if let Some(c) = t(&self.completed) {
            s.push_str(&format!(", completed {c}"));
        }
        if let Some(g) = &self.goal {
            s.push_str(&format!("; goal: {}", g.replace('\n', " ")));
        }
        s
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SprintsPage {
    pub sprints: Vec<SprintView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Pass as `start_at` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u64>,
}

async fn list_sprints(cx: Ctx, p: ListSprintsParams) -> Result<Out<SprintsPage>, ToolError> {
    let max = params::page_size("max_results", p.max_results, 50, 100)?;
    let start = p.start_at.unwrap_or(0);
    let mut states: Vec<&str> = Vec::new();
    for s in p.state.iter().flatten().map(|s| s.as_str()) {
        if !states.contains(&s) {
            states.push(s);
        }
    }
    let board = match (p.board_id, p.sprint_id) {
        (Some(b), None) => b,
        (None, Some(id)) => {
            let sprint = cx
                .jira
                .sprint(id)
                .await
                .map_err(|e| cx.fail(Some(format!("Sprint {id}")), e))?;
            let view = SprintView::new(&sprint);
            return Ok(Out {
                text: view.line(),
                data: SprintsPage {
                    sprints: vec![view],
                    total: Some(1),
                    next_start_at: None,
                },
            });
        }
        _ => {
            return Err(ToolError::invalid(
                "give board_id (its sprints) or sprint_id (one sprint), not both",
            ));
        }
    };
    let page = cx
        .jira
        .sprints(board, &states, start, max)
        .await
        .map_err(|e| cx.fail(Some(format!("Board {board}")), e))?;
    let sprints: Vec<SprintView> = page.items.iter().map(SprintView::new).collect();
    let next_start_at = paging::next_offset(&page);
    let mut text = if sprints.is_empty() {
        let which = if states.is_empty() {
            String::new()
        } else {
            format!(" {}", states.join(" or "))
        };
        if start > 0 {
            format!("No more{which} sprints on board {board}.")
        } else {
            format!("Board {board} has no{which} sprints.")
        }
    } else {
        sprints.iter().map(SprintView::line).collect::<Vec<_>>().join("\n")
    };
    paging::more_hint(
        &mut text,
        "jira_list_sprints",
        sprints.len(),
        page.total,
        next_start_at,
        "sprint",
    );
    Ok(Out {
        text,
        data: SprintsPage {
            sprints,
            total: page.total,
            next_start_at,
        },
    })
}

// ---- jira_save_sprint ----------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum NewSprintState {
    Active,
    Closed,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SaveSprintParams {
    /// Sprint id, to change it.
    pub sprint_id: Option<u64>,
    /// Board id, to create a sprint.
    pub board_id: Option<u64>,
    /// Name (required to create).
    pub name: Option<String>,
    /// Goal; "" clears it.
    pub goal: Option<String>,
    /// YYYY-MM-DD or ISO 8601 date-time.
    pub start_date: Option<String>,
    /// YYYY-MM-DD or ISO 8601 date-time.
    pub end_date: Option<String>,
    /// `active` starts it (needs both dates), `closed` closes it.
    pub state: Option<NewSprintState>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SprintSaved {
    pub created: bool,
    pub sprint: SprintView,
}

async fn save_sprint(cx: Ctx, p: SaveSprintParams) -> Result<Out<SprintSaved>, ToolError> {
    let name = p
        .name
        .as_deref()
        .map(|n| params::non_empty("name", n).map(|n| n.trim().to_string()))
        .transpose()?;
    let start_date = p
        .start_date
        .as_deref()
        .map(|d| sprint_date("start_date", d))
        .transpose()?;
    let end_date = p.end_date.as_deref().map(|d| sprint_date("end_date", d)).transpose()?;
    if let (Some(a), Some(b)) = (&start_date, &end_date)
        && b.get(..10) < a.get(..10)
    {
        return Err(ToolError::invalid(format!("end_date {b} is before start_date {a}")));
    }
    if p.state == Some(NewSprintState::Active) && (start_date.is_none() || end_date.is_none()) {
        return Err(ToolError::invalid(
            "starting a sprint (state active) needs start_date and end_date, e.g. 2026-12-01 and 2026-12-14",
        ));
    }
    let input = SprintInput {
        name,
        goal: p.goal.clone(),
        start_date,
        end_date,
        state: None,
    };
    let state = p.state.map(|s| match s {
        NewSprintState::Active => "active".to_string(),
        NewSprintState::Closed => "closed".to_string(),
    });
    let (sprint, created) = match (p.sprint_id, p.board_id) {
        (Some(_), Some(_)) => {
            return Err(ToolError::invalid(
                "give sprint_id to change a sprint or board_id to create one, not both",
            ));
        }
        (None, None) => {
            return Err(ToolError::invalid(
                "give sprint_id to change a sprint, or board_id and name to create one",
            ));
        }
        (None, Some(board)) => {
            if input.name.is_none() {
                return Err(ToolError::invalid("name is needed to create a sprint"));
            }
            if state == Some("closed".into()) {
                return Err(ToolError::invalid("a new sprint cannot be closed; create it first"));
            }
            let sprint = cx
                .jira
                .create_sprint(board, &input)
                .await
                .map_err(|e| cx.fail(Some(format!("Board {board}")), e))?;
            // Starting is a change of the sprint just made.
            let sprint = match (state, sprint.id.and_then(|id| u64::try_from(id).ok())) {
                (Some(_), None) => {
                    return Err(ToolError::new(
                        ErrorKind::Other,
                        format!(
                            "Created the sprint on board {board}, but Jira's answer has no sprint id to start it \
                             with; list the board's sprints and start it by sprint_id"
                        ),
                    ));
                }
                (Some(state), Some(id)) => {
                    let start = SprintInput {
                        state: Some(state),
                        start_date: input.start_date.clone(),
                        end_date: input.end_date.clone(),
                        ..SprintInput::default()
                    };
                    cx.jira.update_sprint(id, &start).await.map_err(|e| {
                        let e = cx.fail(Some(format!("Sprint {id}")), e);
                        ToolError::new(
                            e.kind,
                            format!("Created sprint {id} but could not start it: {}", e.message),
                        )
                    })?
                }
                _ => sprint,
            };
            (sprint, true)
        }
        (Some(id), None) => {
            let changes = SprintInput { state, ..input };
            if changes == SprintInput::default() {
                return Err(ToolError::invalid(
                    "nothing to change; give name, goal, start_date, end_date or state",
                ));
            }
            let sprint = cx
                .jira
                .update_sprint(id, &changes)
                .await
                .map_err(|e| cx.fail(Some(format!("Sprint {id}")), e))?;
            (sprint, false)
        }
    };
    let view = SprintView::new(&sprint);
    let verb = match (created, view.state.as_deref()) {
        (true, Some("active")) => "Created and started",
        (true, _) => "Created",
        (false, Some("active")) if p.state == Some(NewSprintState::Active) => "Started",
        (false, Some("closed")) if p.state == Some(NewSprintState::Closed) => "Closed",
        _ => "Updated",
    };
    Ok(Out {
        text: format!("{verb} {}", view.line()),
        data: SprintSaved { created, sprint: view },
    })
}

// ---- jira_move_issues ----------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct MoveIssuesParams {
    /// Issue keys, e.g. `["PROJ-1"]` (max 50).
    pub issues: Vec<String>,
    /// Target sprint id.
    pub sprint_id: Option<u64>,
    /// `true`: to the backlog.
    pub backlog: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IssuesMoved {
    pub issues: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sprint_id: Option<u64>,
    pub backlog: bool,
}

async fn move_issues(cx: Ctx, p: MoveIssuesParams) -> Result<Out<IssuesMoved>, ToolError> {
    let keys = params::issue_keys("issues", &p.issues, MAX_ISSUES)?;
    let list = keys.join(", ");
    let backlog = p.backlog == Some(true);
    let text = match (p.sprint_id, backlog) {
        (Some(_), true) | (None, false) => {
            return Err(ToolError::invalid(
                "give exactly one target: sprint_id, or backlog: true",
            ));
        }
        (Some(id), false) => {
            cx.jira
                .move_to_sprint(id, &keys)
                .await
                .map_err(|e| cx.fail(Some(format!("Sprint {id}")), e))?;
            format!("Moved {} to sprint {id}: {list}.", paging::count(keys.len(), "issue"))
        }
        (None, true) => {
            cx.jira
                .move_to_backlog(&keys)
                .await
                .map_err(|e| cx.fail(Some(format!("Issues {list}")), e))?;
            format!("Moved {} to the backlog: {list}.", paging::count(keys.len(), "issue"))
        }
    };
    Ok(Out {
        text,
        data: IssuesMoved {
            issues: keys,
            sprint_id: p.sprint_id,
            backlog,
        },
    })
}

// ---- jira_list_epics -----------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListEpicsParams {
    /// Board id.
    pub board_id: u64,
    /// Per page (default 50, max 100).
    pub max_results: Option<u32>,
    /// Offset: `next_start_at` of the last page.
    pub start_at: Option<u64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(inline)]
pub struct EpicView {
    pub key: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done: Option<bool>,
}

impl EpicView {
    fn new(e: &Epic) -> EpicView {
        EpicView {
            key: e.key.get().or_else(|| e.id.get()).unwrap_or_default(),
            name: e.name.or_empty(),
            summary: e.summary.get().filter(|s| Some(s) != e.name.get().as_ref()),
            done: e.done,
        }
    }

    fn line(&self) -> String {
        let mut s = format!("{} {}", self.key, self.name);
        if let Some(sum) = &self.summary {
            s.push_str(&format!(" ({sum})"));
        }
        if self.done == Some(true) {
            s.push_str(" [done]");
        }
        s
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct EpicsPage {
    pub epics: Vec<EpicView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Pass as `start_at` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u64>,
}

async fn list_epics(cx: Ctx, p: ListEpicsParams) -> Result<Out<EpicsPage>, ToolError> {
    let max = params::page_size("max_results", p.max_results, 50, 100)?;
    let start = p.start_at.unwrap_or(0);
    let board = p.board_id;
    let page = cx
        .jira
        .epics(board, start, max)
        .await
        .map_err(|e| cx.fail(Some(format!("Board {board}")), e))?;
    let epics: Vec<EpicView> = page.items.iter().map(EpicView::new).collect();
    let next_start_at = paging::next_offset(&page);
    let mut text = if epics.is_empty() {
        if start > 0 {
            format!("No more epics on board {board}.")
        } else {
            format!("Board {board} has no epics.")
        }
    } else {
        epics.iter().map(EpicView::line).collect::<Vec<_>>().join("\n")
    };
    paging::more_hint(
        &mut text,
        "jira_list_epics",
        epics.len(),
        page.total,
        next_start_at,
        "epic",
    );
    Ok(Out {
        text,
        data: EpicsPage {
            epics,
            total: page.total,
            next_start_at,
        },
    })
}

// ---- jira_rank_issues ----------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct RankIssuesParams {
    /// Issue keys in the order wanted (max 50).
    pub issues: Vec<String>,
    /// Issue key to rank them before.
    pub rank_before: Option<String>,
    /// Issue key to rank them after.
    pub rank_after: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(inline)]
pub struct RankFailure {
    pub issue: String,
    pub errors: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IssuesRanked {
    pub ranked: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<RankFailure>,
}

async fn rank_issues(cx: Ctx, p: RankIssuesParams) -> Result<Out<IssuesRanked>, ToolError> {
    let keys = params::issue_keys("issues", &p.issues, MAX_ISSUES)?;
    let before = p.rank_before.as_deref().filter(|s| !s.trim().is_empty());
    let after = p.rank_after.as_deref().filter(|s| !s.trim().is_empty());
    let (before, after, anchor) = match (before, after) {
        (Some(b), None) => {
            let b = params::issue_key(b)?;
            (Some(b.clone()), None, format!("before {b}"))
        }
        (None, Some(a)) => {
            let a = params::issue_key(a)?;
            (None, Some(a.clone()), format!("after {a}"))
        }
        _ => {
            return Err(ToolError::invalid(
                "give exactly one of rank_before or rank_after (an issue key)",
            ));
        }
    };
    let target = before.as_deref().or(after.as_deref()).unwrap_or_default();
    if keys.iter().any(|k| k == target) {
        return Err(ToolError::invalid(format!(
            "{target} cannot be ranked relative to itself; leave it out of issues"
        )));
    }
    let entries = cx
        .jira
        .rank_issues(&keys, before.as_deref(), after.as_deref())
        .await
        .map_err(|e| cx.fail(Some(format!("Issues {}", keys.join(", "))), e))?;
    let mut failed = Vec::new();
    // A failing entry names its issue by key, id or both.
    let mut failed_names: Vec<String> = Vec::new();
    for e in entries
        .iter()
        .filter(|e| e.status.is_none_or(|s| !(200..300).contains(&s)))
    {
        failed_names.extend(e.issue_key.get());
        failed_names.extend(e.issue_id.get());
        let issue = e
            .issue_key
            .get()
            .or_else(|| e.issue_id.get())
            .unwrap_or_else(|| "?".into());
        let mut errors = e.errors.clone();
        if errors.is_empty() {
            errors.push(match e.status {
                Some(s) => format!("HTTP {s}"),
                None => "no status".to_string(),
            });
        }
        failed.push(RankFailure { issue, errors });
    }
    let is_failed = |k: &String| failed_names.contains(k);
    let ranked: Vec<String> = keys.iter().filter(|k| !is_failed(k)).cloned().collect();
    let failures = failed
        .iter()
        .map(|f| format!("- {}: {}", f.issue, f.errors.join("; ")))
        .collect::<Vec<_>>()
        .join("\n");
    if ranked.is_empty() && !failed.is_empty() {
        return Err(ToolError::new(
            ErrorKind::InvalidInput,
            format!("Jira ranked none of the issues {anchor}:\n{failures}"),
        ));
    }
    let mut text = format!(
        "Ranked {} {anchor}: {}.",
        paging::count(ranked.len(), "issue"),
        ranked.join(", ")
    );
    if !failed.is_empty() {
        text = format!(
            "Ranked {} of {} issues {anchor}: {}. Not ranked ({}):\n{failures}",
            ranked.len(),
            keys.len(),
            ranked.join(", "),
            failed.len()
        );
    }
    Ok(Out {
        text,
        data: IssuesRanked { ranked, failed },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sprint_dates_are_checked() {
        assert_eq!(sprint_date("d", "2026-12-01").unwrap(), "2026-12-01T00:00:00.000Z");
        assert_eq!(
            sprint_date("d", "2026-12-01T09:00:00.000+01:00").unwrap(),
            "2026-12-01T09:00:00.000+01:00"
        );
        for bad in ["", "tomorrow", "2026-13-01", "2026-12-01 09:00", "2026-12-01Tnoon", "é"] {
            assert!(sprint_date("d", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn issue_lists_are_bounded_and_deduplicated() {
        let keys = |k: &[String]| params::issue_keys("issues", k, MAX_ISSUES);
        assert!(keys(&[]).is_err());
        assert!(keys(&vec!["A-1".to_string(); 51]).is_err());
        assert_eq!(keys(&["a-1".into(), "A-1".into()]).unwrap(), vec!["A-1"]);
        assert!(keys(&["nope".into()]).is_err());
    }
}
