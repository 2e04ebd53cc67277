//! Toolset `projects`: list and read projects; create and update them (Jira admins), their
//! components and versions (project admins).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Access, Ctx, Out, ToolDef, ToolError, ToolsetDef, handler, paging, params};
use crate::{
    config::Flavor,
    jira::{ops, ops::On, projects as P, projects::Part, views::ProjectView},
    render,
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "projects",
    description: "List and read projects; create/update projects, components and versions",
    default: false,
    tools: &[
        &LIST_PROJECTS,
        &GET_PROJECT,
        &CREATE_PROJECT,
        &UPDATE_PROJECT,
        &SAVE_COMPONENT,
        &SAVE_VERSION,
    ],
};

static GET_PROJECT: ToolDef = ToolDef {
    name: "jira_get_project",
    description: "One project: lead, description, issue types, components and versions (with ids).",
    access: Access::READ,
    on: On::Both,
    ops: &[P::PROJECT_GET],
    handler: handler!(get_project),
};

static CREATE_PROJECT: ToolDef = ToolDef {
    name: "jira_create_project",
    description: "Create a project (Jira administrators only).",
    access: Access::ADD,
    on: On::Both,
    ops: &[P::PROJECT_CREATE, ops::USER_SEARCH, ops::MYSELF],
    handler: handler!(create_project),
};

static UPDATE_PROJECT: ToolDef = ToolDef {
    name: "jira_update_project",
    description: "Change a project's name, description or lead.",
    access: Access::UPDATE,
    on: On::Both,
    ops: &[P::PROJECT_UPDATE, ops::USER_SEARCH, ops::MYSELF],
    handler: handler!(update_project),
};

static SAVE_COMPONENT: ToolDef = ToolDef {
    name: "jira_save_component",
    description: "Create a component in a project, or update one by id.",
    access: Access::SAVE,
    on: On::Both,
    ops: &[P::COMPONENT_CREATE, P::COMPONENT_UPDATE, ops::USER_SEARCH, ops::MYSELF],
    handler: handler!(save_component),
};

static SAVE_VERSION: ToolDef = ToolDef {
    name: "jira_save_version",
    description: "Create a version in a project, or update one by id: dates, release, archive.",
    access: Access::SAVE,
    on: On::Both,
    ops: &[P::VERSION_CREATE, P::VERSION_UPDATE, P::PROJECT_GET],
    handler: handler!(save_version),
};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ProjectKeyParams {
    /// Project key, e.g. `PROJ`.
    pub project: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateProjectParams {
    /// New key: 2–10 capital letters or digits, starting with a letter, e.g. `OPS`.
    pub key: String,
    /// Project name.
    pub name: String,
    /// `software`, `business` or `service_desk`.
    pub project_type: String,
    /// The lead: `me`, an email or a name.
    pub lead: String,
    /// Plain text.
    pub description: Option<String>,
    /// A template key such as `com.pyxis.greenhopper.jira:gh-simplified-kanban-classic`.
    pub template: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdateProjectParams {
    /// Project key, e.g. `PROJ`.
    pub project: String,
    /// New name.
    pub name: Option<String>,
    /// New description (plain text).
    pub description: Option<String>,
    /// `me`, an email or a name.
    pub lead: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SaveComponentParams {
    /// Component id to update; leave out to create.
    pub id: Option<String>,
    /// Project key (to create).
    pub project: Option<String>,
    /// Name (required to create).
    pub name: Option<String>,
    /// Plain text.
    pub description: Option<String>,
    /// `me`, an email or a name.
    pub lead: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SaveVersionParams {
    /// Version id to update; leave out to create.
    pub id: Option<String>,
    /// Project key (to create).
    pub project: Option<String>,
    /// Name, e.g. `2.4.0` (required to create).
    pub name: Option<String>,
    /// Plain text.
    pub description: Option<String>,
    /// `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub release_date: Option<String>,
    /// Mark as released (or not).
    pub released: Option<bool>,
    /// Archive (or restore).
    pub archived: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectDetailsView {
    pub key: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `name (id)`, `(subtask)` marked.
    pub issue_types: Vec<String>,
    /// `name (id)`.
    pub components: Vec<String>,
    /// `name (id)` with `released`/`archived` and the release date.
    pub versions: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Saved {
    /// What was saved: a project key, or a component or version id.
    pub id: String,
    pub name: String,
    /// `created` or `updated`.
    pub action: String,
}

static LIST_PROJECTS: ToolDef = ToolDef {
    name: "jira_list_projects",
    description: "List the projects you can browse (key, name, type, lead), optionally filtered.",
    access: Access::READ,
    on: On::Both,
    ops: &[ops::PROJECT_SEARCH, ops::PROJECT_LIST_DC],
    handler: handler!(list_projects),
};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListProjectsParams {
    /// Filter by text in the project key or name.
    pub query: Option<String>,
    /// Projects per page (default 50, at most 100).
    pub max_results: Option<u32>,
    /// Offset (`next_start_at` of the previous page).
    pub start_at: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectsPage {
    pub projects: Vec<ProjectView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Pass as `start_at` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u32>,
}

async fn list_projects(cx: Ctx, p: ListProjectsParams) -> Result<Out<ProjectsPage>, ToolError> {
    let max = params::page_size("max_results", p.max_results, 50, 100)?;
    let start = p.start_at.unwrap_or(0);
    let page = cx
        .jira
        .search_projects(p.query.as_deref(), u64::from(start), max)
        .await
        .map_err(|e| cx.fail(Some("The project list".into()), e))?;
    let projects: Vec<ProjectView> = page.items.iter().map(ProjectView::new).collect();
    let total = page.total;
    let next_start_at = paging::next_start(&page);
    let mut text = if projects.is_empty() {
        match p.query.as_deref().filter(|q| !q.trim().is_empty()) {
            Some(q) => format!("No project you can browse matches `{q}`."),
            None => "You cannot browse any project.".to_string(),
        }
    } else {
        projects.iter().map(render::project).collect::<Vec<_>>().join("\n")
    };
    paging::more_hint(
        &mut text,
        "jira_list_projects",
        projects.len(),
        total,
        next_start_at,
        "project",
    );
    Ok(Out {
        text,
        data: ProjectsPage {
            projects,
            total,
            next_start_at,
        },
    })
}

fn part_line(p: &Part, with_flags: bool) -> String {
    let mut s = format!("{} ({})", p.name.or_empty(), p.id.or_empty());
    if with_flags {
        if p.released {
            s.push_str(" released");
        }
        if p.archived {
            s.push_str(" archived");
        }
        if let Some(d) = p.release_date.get() {
            s.push_str(&format!(" {d}"));
        }
    }
    if p.subtask {
        s.push_str(" subtask");
    }
    s
}

async fn get_project(cx: Ctx, p: ProjectKeyParams) -> Result<Out<ProjectDetailsView>, ToolError> {
    let key = params::project_key(&p.project)?;
    let d = cx
        .jira
        .project(&key)
        .await
        .map_err(|e| cx.fail(Some(format!("Project {key}")), e))?;
    let view = ProjectDetailsView {
        key: d.key.get().unwrap_or(key),
        name: d.name.or_empty(),
        id: d.id.get(),
        lead: d.lead.get(),
        project_type: d.project_type_key.get(),
        description: d.description.get(),
        issue_types: d.issue_types.iter().map(|t| part_line(t, false)).collect(),
        components: d.components.iter().map(|c| part_line(c, false)).collect(),
        versions: d.versions.iter().map(|v| part_line(v, true)).collect(),
    };
    let list = |l: &[String]| if l.is_empty() { "none".to_string() } else { l.join(", ") };
    let mut text = format!("{} {}", view.key, view.name);
    if let Some(t) = &view.project_type {
        text.push_str(&format!(" ({t})"));
    }
    if let Some(l) = &view.lead {
        text.push_str(&format!(", lead {l}"));
    }
    if let Some(d) = view.description.as_deref().filter(|d| !d.trim().is_empty()) {
        text.push_str(&format!("\n{}", crate::adf::truncate_chars(d.trim(), 1_000)));
    }
    text.push_str(&format!(
        "\nIssue types: {}\nComponents: {}\nVersions: {}",
        list(&view.issue_types),
        list(&view.components),
        list(&view.versions)
    ));
    Ok(Out { text, data: view })
}

/// A lead or user in the flavor's body shape (`leadAccountId` on Cloud, `lead` on DC).
async fn lead_field(cx: &Ctx, who: &str, body: &mut serde_json::Value, subject: &str) -> Result<(), ToolError> {
    let id = cx
        .jira
        .resolve_user(who)
        .await
        .map_err(|e| cx.fail(Some(subject.to_string()), e))?;
    match cx.jira.flavor() {
        Flavor::Cloud => body["leadAccountId"] = id.into(),
        Flavor::DataCenter => body["lead"] = id.into(),
    }
    Ok(())
}

async fn create_project(cx: Ctx, p: CreateProjectParams) -> Result<Out<Saved>, ToolError> {
    let key = params::project_key(&p.key)?;
    if key.len() < 2 || key.len() > 10 {
        return Err(ToolError::invalid("a project key has 2 to 10 characters"));
    }
    let name = params::non_empty("name", &p.name)?.trim().to_string();
    let kind = match p.project_type.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "software" => "software",
        "business" => "business",
        "service_desk" | "servicedesk" | "service" => "service_desk",
        other => {
            return Err(ToolError::invalid(format!(
                "project_type `{other}` is not one of software, business, service_desk"
            )));
        }
    };
    let mut body = serde_json::json!({ "key": key, "name": name, "projectTypeKey": kind });
    if let Some(d) = p.description.as_deref().filter(|d| !d.trim().is_empty()) {
        body["description"] = d.into();
    }
    if let Some(t) = p.template.as_deref().filter(|t| !t.trim().is_empty()) {
        body["projectTemplateKey"] = t.trim().into();
    }
    lead_field(&cx, &p.lead, &mut body, &format!("Project {key}")).await?;
    let made = cx
        .jira
        .create_project(body)
        .await
        .map_err(|e| cx.fail(Some(format!("Project {key}")), e))?;
    let made = made.get().unwrap_or(key);
    Ok(Out {
        text: format!("Created project {made} ({name}, {kind})."),
        data: Saved {
            id: made,
            name,
            action: "created".into(),
        },
    })
}

async fn update_project(cx: Ctx, p: UpdateProjectParams) -> Result<Out<Saved>, ToolError> {
    let key = params::project_key(&p.project)?;
    let mut body = serde_json::json!({});
    if let Some(n) = &p.name {
        body["name"] = params::non_empty("name", n)?.trim().into();
    }
    if let Some(d) = &p.description {
        body["description"] = d.as_str().into();
    }
    if let Some(l) = &p.lead {
        lead_field(&cx, l, &mut body, &format!("Project {key}")).await?;
    }
    if body.as_object().is_none_or(|o| o.is_empty()) {
        return Err(ToolError::invalid("nothing to change: give name, description or lead"));
    }
    let changed: Vec<String> = body
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    cx.jira
        .update_project(&key, body)
        .await
        .map_err(|e| cx.fail(Some(format!("Project {key}")), e))?;
    Ok(Out {
        text: format!("Updated project {key}: {}.", changed.join(", ")),
        data: Saved {
            id: key,
            name: p.name.unwrap_or_default(),
            action: "updated".into(),
        },
    })
}

fn part_id(id: Option<&str>) -> Result<Option<String>, ToolError> {
    id.map(str::trim)
        .filter(|i| !i.is_empty())
        .map(|i| params::numeric_id("id", i))
        .transpose()
}

async fn save_component(cx: Ctx, p: SaveComponentParams) -> Result<Out<Saved>, ToolError> {
    let id = part_id(p.id.as_deref())?;
    let mut body = serde_json::json!({});
    if id.is_none() {
        let project = params::project_key(
            p.project
                .as_deref()
                .ok_or_else(|| ToolError::invalid("to create a component, give project and name"))?,
        )?;
        body["project"] = project.into();
        body["name"] = params::non_empty("name", p.name.as_deref().unwrap_or(""))?
            .trim()
            .into();
    } else if let Some(n) = &p.name {
        body["name"] = params::non_empty("name", n)?.trim().into();
    }
    if let Some(d) = &p.description {
        body["description"] = d.as_str().into();
    }
    if let Some(l) = &p.lead {
        let uid = cx
            .jira
            .resolve_user(l)
            .await
            .map_err(|e| cx.fail(Some("The component lead".into()), e))?;
        match cx.jira.flavor() {
            Flavor::Cloud => body["leadAccountId"] = uid.into(),
            Flavor::DataCenter => body["leadUserName"] = uid.into(),
        }
    }
    save(cx, false, id, body).await
}

async fn save_version(cx: Ctx, p: SaveVersionParams) -> Result<Out<Saved>, ToolError> {
    let id = part_id(p.id.as_deref())?;
    let mut body = serde_json::json!({});
    for (name, v) in [("startDate", &p.start_date), ("releaseDate", &p.release_date)] {
        if let Some(d) = v {
            body[name] = params::date(d)?.into();
        }
    }
    if let Some(n) = &p.name {
        body["name"] = params::non_empty("name", n)?.trim().into();
    }
    if let Some(d) = &p.description {
        body["description"] = d.as_str().into();
    }
    if let Some(r) = p.released {
        body["released"] = r.into();
    }
    if let Some(a) = p.archived {
        body["archived"] = a.into();
    }
    if id.is_none() {
        let project = params::project_key(
            p.project
                .as_deref()
                .ok_or_else(|| ToolError::invalid("to create a version, give project and name"))?,
        )?;
        if body.get("name").is_none() {
            return Err(ToolError::invalid("to create a version, give its name"));
        }
        // Both flavors take the project's numeric id.
        let d = cx
            .jira
            .project(&project)
            .await
            .map_err(|e| cx.fail(Some(format!("Project {project}")), e))?;
        let pid = d.id.get().and_then(|i| i.parse::<u64>().ok()).ok_or_else(|| {
            ToolError::new(
                crate::http::ErrorKind::Other,
                format!("Jira did not say the id of project {project}."),
            )
        })?;
        body["projectId"] = pid.into();
    }
    save(cx, true, id, body).await
}

async fn save(cx: Ctx, version: bool, id: Option<String>, body: serde_json::Value) -> Result<Out<Saved>, ToolError> {
    let what = if version { "version" } else { "component" };
    if id.is_some() && body.as_object().is_none_or(|o| o.is_empty()) {
        return Err(ToolError::invalid(format!("nothing to change in the {what}")));
    }
    let saved = cx
        .jira
        .save_part(version, id.as_deref(), body)
        .await
        .map_err(|e| cx.fail(Some(format!("The {what}")), e))?;
    let action = if id.is_some() { "updated" } else { "created" };
    let id = saved.id.get().or(id).unwrap_or_default();
    let name = saved.name.or_empty();
    Ok(Out {
        text: format!(
            "{} {what} {}(id {id}).",
            if action == "created" { "Created" } else { "Updated" },
            if name.is_empty() {
                String::new()
            } else {
                format!("{name} ")
            }
        ),
        data: Saved {
            id,
            name,
            action: action.into(),
        },
    })
}
