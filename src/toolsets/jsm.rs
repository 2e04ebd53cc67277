//! Toolset `jsm`: Jira Service Management's service desk API — desks, request types and their
//! forms, requests (create, read with SLAs and status history, list, transition), comments
//! (public or internal, never by default), participants, approvals, queues, customers,
//! organizations and the knowledge base. One set of tools for Cloud and Data Center: the client
//! (`jira/servicedesk.rs`) hides how each names people.
//!
//! Bodies in this API are wiki markup on both flavors, so Markdown goes through the wiki
//! converter whatever the flavor. Agent-only endpoints answer 403 to portal-only customers and
//! to agents without the permission; [`fail`] names the permission each tool needs.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{Access, Ctx, Out, ToolDef, ToolError, ToolsetDef, handler, paging, params};
use crate::{
    adf::truncate_chars,
    jira::{
        JiraError,
        models::{Page, User},
        ops,
        ops::On,
        servicedesk::{self as sd, CustomerRequest, RequestTypeField, SlaCycle, ValidValue},
        views::IssueLine,
    },
    render,
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "jsm",
    description: "Jira Service Management: desks, requests, comments, SLAs, approvals, queues, customers, knowledge base",
    default: false,
    tools: &[
        &LIST_DESKS,
        &CREATE_REQUEST,
        &GET_REQUEST,
        &LIST_REQUESTS,
        &ADD_COMMENT,
        &UPDATE_REQUEST,
        &LIST_CUSTOMERS,
        &ADD_CUSTOMERS,
        &KNOWLEDGE_BASE,
    ],
};

static LIST_DESKS: ToolDef = ToolDef {
    name: "jsm_list_service_desks",
    description: "List service desks; with service_desk_id, its request types and queues (issue counts); with request_type_id too, that form's fields (required, valid values).",
    access: Access::READ,
    on: On::Both,
    ops: &[sd::DESKS, sd::REQUEST_TYPES, sd::QUEUES, sd::REQUEST_TYPE_FIELDS],
    handler: handler!(list_desks),
};

static CREATE_REQUEST: ToolDef = ToolDef {
    name: "jsm_create_request",
    description: "Raise a request, optionally on behalf of a customer, with participants and form fields by name.",
    access: Access::ADD,
    on: On::Both,
    ops: &[
        sd::REQUEST_TYPE_FIELDS,
        sd::REQUEST_CREATE,
        ops::USER_SEARCH,
        ops::MYSELF,
    ],
    handler: handler!(create_request),
};

static GET_REQUEST: ToolDef = ToolDef {
    name: "jsm_get_request",
    description: "A request: status history, transitions, SLAs (goal, elapsed, remaining, breached), approvals, participants, fields, comments.",
    access: Access::READ,
    on: On::Both,
    ops: &[sd::REQUEST_GET, sd::APPROVALS, sd::TRANSITIONS, sd::COMMENTS],
    handler: handler!(get_request),
};

static LIST_REQUESTS: ToolDef = ToolDef {
    name: "jsm_list_requests",
    description: "List requests: mine, by desk, type, status or text, or a desk queue's issues.",
    access: Access::READ,
    on: On::Both,
    ops: &[sd::REQUESTS, sd::QUEUE_ISSUES],
    handler: handler!(list_requests),
};

static ADD_COMMENT: ToolDef = ToolDef {
    name: "jsm_add_comment",
    description: "Comment on a request. `public` is required: true emails the customer, false is an internal note.",
    access: Access::ADD,
    on: On::Both,
    ops: &[sd::COMMENT_ADD],
    handler: handler!(add_comment),
};

static UPDATE_REQUEST: ToolDef = ToolDef {
    name: "jsm_update_request",
    description: "Transition a request, add or remove participants, approve or decline its approval.",
    access: Access::SAVE,
    on: On::Both,
    ops: &[
        sd::TRANSITIONS,
        sd::TRANSITION,
        sd::PARTICIPANTS_ADD,
        sd::PARTICIPANTS_REMOVE,
        sd::APPROVALS,
        sd::APPROVAL_ANSWER,
        ops::USER_SEARCH,
        ops::MYSELF,
    ],
    handler: handler!(update_request),
};

static LIST_CUSTOMERS: ToolDef = ToolDef {
    name: "jsm_list_customers",
    description: "Customers of a desk or members of an organization; or organizations.",
    access: Access::READ,
    on: On::Both,
    ops: &[
        sd::DESK_CUSTOMERS,
        sd::ORGANIZATION_USERS,
        sd::ORGANIZATIONS,
        sd::DESK_ORGANIZATIONS,
    ],
    handler: handler!(list_customers),
};

static ADD_CUSTOMERS: ToolDef = ToolDef {
    name: "jsm_add_customers",
    description: "Create a customer (email, name) or organization; add users to a desk or organization.",
    access: Access::ADD,
    on: On::Both,
    ops: &[
        sd::CUSTOMER_CREATE,
        sd::ORGANIZATION_CREATE,
        sd::DESK_CUSTOMERS_ADD,
        sd::DESK_ORGANIZATION_ADD,
        sd::ORGANIZATION_USERS_ADD,
        ops::USER_SEARCH,
        ops::MYSELF,
    ],
    handler: handler!(add_customers),
};

static KNOWLEDGE_BASE: ToolDef = ToolDef {
    name: "jsm_search_knowledge_base",
    description: "Search knowledge base articles, in one desk or all.",
    access: Access::READ,
    on: On::Both,
    ops: &[sd::ARTICLES, sd::DESK_ARTICLES],
    handler: handler!(search_knowledge_base),
};

// ---- shared --------------------------------------------------------------------------------

/// What each tool needs beyond signing in, named when Jira answers 403.
fn permission(tool: &str) -> &'static str {
    match tool {
        "jsm_get_request" => {
            "being the request's reporter or a participant, its organization's member, or an agent of the desk \
             (internal comments: agents only)"
        }
        "jsm_list_requests" => {
            "to be an agent of this service desk to read its queues (a Jira Service Management licence and the \
             project's Service Desk Team role)"
        }
        "jsm_add_comment" => {
            "the Add Comments permission; internal comments need an agent of this service desk (licence and Service \
             Desk Team role)"
        }
        "jsm_list_customers" | "jsm_add_customers" => {
            "an agent of the service desk to list its customers; adding customers or organizations needs the \
             Administer Projects permission (service desk admin), creating accounts the Jira administrators global \
             permission or open customer sign-up"
        }
        "jsm_update_request" => {
            "the Transition Issues permission to transition, Manage Watchers (or being the reporter) for participants, \
             being an approver for approvals"
        }
        "jsm_create_request" => {
            "the Create Issues permission; raising on behalf of a customer or adding participants needs an agent of the \
             service desk"
        }
        _ => "access to this service desk (as an agent, or as a customer of it)",
    }
}

/// Explains a failure; a 403 names the permission the tool needs and says what a portal-only
/// customer account can and cannot do.
fn fail(cx: &Ctx, subject: impl Into<String>, err: JiraError) -> ToolError {
    let forbidden = matches!(&err, JiraError::Api(a) if a.status() == Some(403) && !a.is_scope_mismatch());
    let said = match &err {
        JiraError::Api(a) => a.messages().join("; "),
        _ => String::new(),
    };
    let subject = subject.into();
    let e = cx.fail(Some(subject.clone()), err);
    if !forbidden {
        return e;
    }
    let said = if said.is_empty() {
        String::new()
    } else {
        format!(" Jira says: {}.", truncate_chars(said.trim_end_matches('.'), 300))
    };
    ToolError::new(
        e.kind,
        format!(
            "Permission denied (403) for {subject}: {} needs {}.{said} If you signed in with a portal-only customer \
             account (no agent licence), agent features answer 403 and OAuth apps cannot be authorized: sign in with \
             a licensed agent account.",
            cx.tool.name,
            permission(cx.tool.name)
        ),
    )
}

fn desk_id(input: &str) -> Result<String, ToolError> {
    params::numeric_id("service_desk_id", input)
}

/// Where a page starts, and the page size of a list (fixed: one parameter less for the model).
fn page_bounds(start_at: Option<u32>, size: u32) -> (u64, u32) {
    (u64::from(start_at.unwrap_or(0)), size)
}

/// `text` for a list: one line per item, or what the emptiness means, plus the paging hint.
fn list_text<T>(cx: &Ctx, page: &Page<T>, lines: Vec<String>, what: &str, empty: &str, next: Option<u64>) -> String {
    let mut text = if lines.is_empty() {
        if page.start_at > 0 {
            format!("No more {what}s.")
        } else {
            empty.to_string()
        }
    } else {
        lines.join("\n")
    };
    paging::more_hint(&mut text, cx.tool.name, lines.len(), page.total, next, what);
    text
}

/// People as the API names them: `me`, account ids, emails or display names resolved to account
/// ids (Cloud) or user names (Data Center).
async fn people(cx: &Ctx, list: &[String], what: &str) -> Result<Vec<String>, ToolError> {
    if list.len() > 50 {
        return Err(ToolError::invalid(format!("{what}: at most 50 people per call")));
    }
    let mut out = Vec::with_capacity(list.len());
    for who in list {
        let who = params::non_empty(what, who)?;
        let id = cx
            .jira
            .resolve_user(&truncate_chars(&who, 200))
            .await
            .map_err(|e| fail(cx, format!("User `{}`", truncate_chars(&who, 60)), e))?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

fn user_name(u: &User) -> String {
    u.display_name
        .get()
        .or_else(|| u.email_address.get())
        .or_else(|| u.id().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn wiki_to_markdown(v: &Value) -> String {
    match v {
        Value::String(s) => crate::wiki::to_markdown(s),
        Value::Null => String::new(),
        other => crate::jira::models::display(other).unwrap_or_default(),
    }
}

// ---- jsm_list_service_desks ------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct DesksParams {
    /// Service desk id.
    pub service_desk_id: Option<String>,
    /// Request type id.
    pub request_type_id: Option<String>,
    /// Text in the type's name.
    pub query: Option<String>,
    /// From `next_start_at`.
    pub start_at: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IdName {
    pub id: String,
    pub name: String,
    /// The desk's project key, or the type's description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub about: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FieldView {
    pub field_id: String,
    pub name: String,
    pub required: bool,
    #[serde(rename = "type")]
    pub kind: String,
    /// Labels of the valid values (options), when the field has a fixed list.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub valid_values: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DesksOut {
    /// Desks, or a desk's request types.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<IdName>,
    /// A desk's queues, with issue counts (agents only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<QueueView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_raise_on_behalf_of: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u64>,
}

/// At most this many valid values are shown per field (a select can have thousands).
const VALUES_SHOWN: usize = 50;

fn field_view(f: &RequestTypeField) -> FieldView {
    let kind = f.jira_schema.kind.or_empty();
    let kind = match f.jira_schema.items.get() {
        Some(items) if kind == "array" => format!("array of {items}"),
        _ => kind,
    };
    FieldView {
        field_id: f.field_id.or_empty(),
        name: f.name.or_empty(),
        required: f.required,
        kind,
        valid_values: f
            .valid_values
            .iter()
            .take(VALUES_SHOWN)
            .map(|v| v.label.get().or_else(|| v.value.get()).unwrap_or_default())
            .collect(),
    }
}

fn field_line(f: &FieldView, all_values: usize) -> String {
    let mut line = format!(
        "- {} (`{}`, {}){}",
        f.name,
        f.field_id,
        if f.kind.is_empty() { "any" } else { &f.kind },
        if f.required { " required" } else { "" }
    );
    if !f.valid_values.is_empty() {
        line.push_str(&format!(": one of {}", f.valid_values.join(", ")));
        if all_values > f.valid_values.len() {
            line.push_str(&format!(" (+{} more)", all_values - f.valid_values.len()));
        }
    }
    line
}

fn id_name_line(v: &IdName) -> String {
    if v.about.is_empty() {
        format!("{} {}", v.id, v.name)
    } else {
        format!("{} {} — {}", v.id, v.name, v.about)
    }
}

async fn list_desks(cx: Ctx, p: DesksParams) -> Result<Out<DesksOut>, ToolError> {
    let start = u64::from(p.start_at.unwrap_or(0));
    let desk = p
        .service_desk_id
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(desk_id)
        .transpose()?;
    let rt = p
        .request_type_id
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| params::numeric_id("request_type_id", s))
        .transpose()?;
    match (desk, rt) {
        (None, Some(_)) => Err(ToolError::invalid("request_type_id needs its service_desk_id")),
        (Some(desk), Some(rt)) => request_form(&cx, &desk, &rt).await,
        (Some(desk), None) => {
            let query = p.query.as_deref().map(str::trim).filter(|q| !q.is_empty());
            let page = cx
                .jira
                .request_types(&desk, query.map(|q| truncate_chars(q, 200)).as_deref(), start, 50)
                .await
                .map_err(|e| fail(&cx, format!("Service desk {desk}"), e))?
                .map(|t| IdName {
                    id: t.id.or_empty(),
                    name: t.name.or_empty(),
                    about: truncate_chars(&t.description.or_empty(), 200),
                });
            let next = paging::next_offset(&page);
            let lines = page.items.iter().map(id_name_line).collect();
            let mut text = list_text(
                &cx,
                &page,
                lines,
                "request type",
                "No request type you can use in this service desk.",
                next,
            );
            if !page.items.is_empty() {
                text.push_str("\nA type's form fields: call again with request_type_id.");
            }
            let queues = desk_queues(&cx, &desk).await?;
            match &queues {
                Some(q) if !q.is_empty() => {
                    text.push_str("\nQueues (issue count; jsm_list_requests with queue_id lists them):\n");
                    text.push_str(
                        &q.iter()
                            .map(|q| match q.issue_count {
                                Some(n) => format!("{} {} ({n})", q.id, q.name),
                                None => format!("{} {}", q.id, q.name),
                            })
                            .collect::<Vec<_>>()
                            .join("\n"),
                    );
                }
                Some(_) => text.push_str("\nQueues: none."),
                None => text.push_str("\nQueues: not visible to you (agents only)."),
            }
            Ok(Out {
                text,
                data: DesksOut {
                    items: page.items,
                    queues: queues.unwrap_or_default(),
                    fields: Vec::new(),
                    can_raise_on_behalf_of: None,
                    next_start_at: next,
                },
            })
        }
        (None, None) => {
            let page = cx
                .jira
                .service_desks(start, 50)
                .await
                .map_err(|e| fail(&cx, "The service desk list", e))?
                .map(|d| IdName {
                    id: d.id.or_empty(),
                    name: d.project_name.or_empty(),
                    about: d.project_key.or_empty(),
                });
            let next = paging::next_offset(&page);
            let lines = page.items.iter().map(id_name_line).collect();
            let text = list_text(
                &cx,
                &page,
                lines,
                "service desk",
                "No service desk you can see (none exist, or Jira Service Management is not installed).",
                next,
            );
            Ok(Out {
                text,
                data: DesksOut {
                    items: page.items,
                    queues: Vec::new(),
                    fields: Vec::new(),
                    can_raise_on_behalf_of: None,
                    next_start_at: next,
                },
            })
        }
    }
}

async fn request_form(cx: &Ctx, desk: &str, rt: &str) -> Result<Out<DesksOut>, ToolError> {
    let form = cx
        .jira
        .request_type_fields(desk, rt)
        .await
        .map_err(|e| fail(cx, format!("Request type {rt} of service desk {desk}"), e))?;
    let fields: Vec<FieldView> = form.request_type_fields.iter().map(field_view).collect();
    let mut text = format!("Request type {rt} (service desk {desk}) form fields:\n");
    text.push_str(
        &form
            .request_type_fields
            .iter()
            .zip(&fields)
            .map(|(raw, f)| field_line(f, raw.valid_values.len()))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    if fields.is_empty() {
        text.push_str("(none visible)");
    }
    if let Some(b) = form.can_raise_on_behalf_of {
        text.push_str(&format!(
            "\nYou {} raise requests on behalf of customers.",
            if b { "can" } else { "cannot" }
        ));
    }
    text.push_str("\nPass values by field name or id to jsm_create_request `fields`.");
    Ok(Out {
        text,
        data: DesksOut {
            items: Vec::new(),
            queues: Vec::new(),
            fields,
            can_raise_on_behalf_of: form.can_raise_on_behalf_of,
            next_start_at: None,
        },
    })
}

// ---- jsm_create_request ----------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateRequestParams {
    /// Service desk id.
    pub service_desk_id: String,
    /// Request type id.
    pub request_type_id: String,
    /// One-line summary.
    pub summary: String,
    /// Markdown.
    pub description: Option<String>,
    /// Form fields by name or id, e.g. {"Priority": "High"}.
    pub fields: Option<Map<String, Value>>,
    /// Customer (account id, email or name).
    pub on_behalf_of: Option<String>,
    /// People to add.
    pub participants: Option<Vec<String>>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RequestCreated {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Text fields that JSM renders: written as wiki markup.
fn is_rich(f: &RequestTypeField) -> bool {
    let id = f.field_id.or_empty();
    id == "description" || id == "environment" || f.jira_schema.custom.or_empty().ends_with(":textarea")
}

fn find_valid<'a>(values: &'a [ValidValue], wanted: &str) -> Option<&'a ValidValue> {
    values.iter().find(|v| {
        v.label.get().is_some_and(|l| l.eq_ignore_ascii_case(wanted))
            || v.value.get().is_some_and(|l| l.eq_ignore_ascii_case(wanted))
    })
}

/// One field value in the shape JSM takes for the field's type.
async fn field_value(cx: &Ctx, f: &RequestTypeField, input: &Value) -> Result<Value, ToolError> {
    let name = f.name.or_empty();
    let kind = f.jira_schema.kind.or_empty();
    let as_text = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let items: Vec<&Value> = match input {
        Value::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    if items.len() > 100 {
        return Err(ToolError::invalid(format!("field `{name}`: at most 100 values")));
    }
    let many = kind == "array";
    if !f.valid_values.is_empty() {
        let mut ids = Vec::new();
        for item in &items {
            let wanted = as_text(item).unwrap_or_default();
            let Some(v) = find_valid(&f.valid_values, &wanted) else {
                let shown: Vec<String> = f
                    .valid_values
                    .iter()
                    .take(VALUES_SHOWN)
                    .filter_map(|v| v.label.get().or_else(|| v.value.get()))
                    .collect();
                return Err(ToolError::invalid(format!(
                    "`{}` is not a valid value of field `{name}`; use one of: {}",
                    truncate_chars(&wanted, 60),
                    shown.join(", ")
                )));
            };
            ids.push(json!({ "id": v.value.or_empty() }));
        }
        return Ok(if many {
            Value::Array(ids)
        } else {
            ids.into_iter().next().unwrap_or(Value::Null)
        });
    }
    if kind == "user" || f.jira_schema.items.or_empty() == "user" {
        let list: Vec<String> = items.iter().filter_map(|v| as_text(v)).collect();
        let ids = people(cx, &list, &name).await?;
        let refs: Vec<Value> = ids.iter().map(|id| cx.jira.user_ref(id)).collect();
        return Ok(if many {
            Value::Array(refs)
        } else {
            refs.into_iter().next().unwrap_or(Value::Null)
        });
    }
    if is_rich(f)
        && let Value::String(s) = input
    {
        return Ok(Value::String(crate::wiki::from_markdown(s)));
    }
    if kind == "number"
        && let Some(n) = as_text(input).and_then(|s| s.parse::<f64>().ok())
    {
        return Ok(json!(n));
    }
    Ok(input.clone())
}

async fn create_request(cx: Ctx, p: CreateRequestParams) -> Result<Out<RequestCreated>, ToolError> {
    let desk = desk_id(&p.service_desk_id)?;
    let rt = params::numeric_id("request_type_id", &p.request_type_id)?;
    let summary = params::summary(&p.summary)?;
    let given = p.fields.unwrap_or_default();
    if given.len() > 100 {
        return Err(ToolError::invalid("fields: at most 100 fields"));
    }
    let form = cx
        .jira
        .request_type_fields(&desk, &rt)
        .await
        .map_err(|e| fail(&cx, format!("Request type {rt} of service desk {desk}"), e))?;
    let by_name = |n: &str| {
        form.request_type_fields.iter().find(|f| {
            f.field_id.get().is_some_and(|id| id.eq_ignore_ascii_case(n))
                || f.name.get().is_some_and(|x| x.eq_ignore_ascii_case(n))
        })
    };
    let mut values = Map::new();
    values.insert("summary".into(), json!(summary));
    if let Some(d) = p.description.as_deref().filter(|d| !d.trim().is_empty()) {
        values.insert("description".into(), json!(crate::wiki::from_markdown(d)));
    }
    for (name, value) in &given {
        let Some(f) = by_name(name.trim()) else {
            let known: Vec<String> = form.request_type_fields.iter().map(|f| f.name.or_empty()).collect();
            return Err(ToolError::invalid(format!(
                "request type {rt} has no field `{}`; its fields: {}",
                truncate_chars(name, 60),
                known.join(", ")
            )));
        };
        let v = field_value(&cx, f, value).await?;
        values.insert(f.field_id.or_empty(), v);
    }
    let missing: Vec<String> = form
        .request_type_fields
        .iter()
        .filter(|f| f.required && !values.contains_key(&f.field_id.or_empty()))
        .map(|f| format!("{} (`{}`)", f.name.or_empty(), f.field_id.or_empty()))
        .collect();
    if !missing.is_empty() {
        return Err(ToolError::invalid(format!(
            "request type {rt} requires {}; pass them in `fields` (valid values: jsm_get_request_types with \
             request_type_id)",
            missing.join(", ")
        )));
    }
    let on_behalf_of = match p.on_behalf_of.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(who) => people(&cx, &[who.to_string()], "on_behalf_of").await?.pop(),
        None => None,
    };
    let participants = people(&cx, p.participants.as_deref().unwrap_or_default(), "participants").await?;
    let created = cx
        .jira
        .create_request(&sd::NewRequest {
            service_desk_id: desk.clone(),
            request_type_id: rt,
            field_values: values,
            on_behalf_of,
            participants,
        })
        .await
        .map_err(|e| fail(&cx, format!("A request in service desk {desk}"), e))?;
    let key = created.issue_key.get().ok_or_else(|| {
        ToolError::new(
            crate::http::ErrorKind::Other,
            "Jira answered the create without a request key; check the desk's requests before retrying",
        )
    })?;
    let status = created.current_status.status.get();
    let url = cx.browse_url(&key).await;
    let mut text = format!("Created {key}");
    if let Some(s) = &status {
        text.push_str(&format!(" ({s})"));
    }
    if let Some(u) = &url {
        text.push_str(&format!(": {u}"));
    }
    Ok(Out {
        text,
        data: RequestCreated { key, status, url },
    })
}

// ---- jsm_get_request -------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum Visibility {
    Public,
    Internal,
    All,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetRequestParams {
    /// Request key.
    pub issue_key: String,
    /// Include comments.
    pub comments: Option<Visibility>,
    /// Comments from `next_start_at`.
    pub start_at: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SlaView {
    pub name: String,
    /// `ongoing`, `paused` or `completed`.
    pub state: String,
    pub breached: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breach_time: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ApprovalView {
    pub id: String,
    pub name: String,
    /// `pending`, `approved` or `declined`.
    pub decision: String,
    pub can_answer: bool,
    pub approvers: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RequestView {
    pub key: String,
    pub summary: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    pub participants: Vec<String>,
    pub slas: Vec<SlaView>,
    /// Oldest first: `status (date)`.
    pub status_history: Vec<String>,
    pub approvals: Vec<ApprovalView>,
    /// Transitions available to you (jsm_update_request `transition`).
    pub transitions: Vec<String>,
    /// Field label → value (Markdown for text).
    pub fields: Map<String, Value>,
    /// With `comments`: oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<RequestCommentView>,
    /// The next page of comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u64>,
}

fn sla_view(name: String, cycle: &SlaCycle, completed: bool) -> SlaView {
    SlaView {
        name,
        state: if completed {
            "completed"
        } else if cycle.paused == Some(true) {
            "paused"
        } else {
            "ongoing"
        }
        .into(),
        breached: cycle.breached == Some(true),
        goal: cycle.goal_duration.friendly.get(),
        elapsed: cycle.elapsed_time.friendly.get(),
        remaining: cycle.remaining_time.friendly.get(),
        breach_time: cycle.breach_time.shown(),
    }
}

fn sla_line(s: &SlaView) -> String {
    let mut line = format!("- {}: ", s.name);
    line.push_str(match (s.state.as_str(), s.breached) {
        ("completed", true) => "BREACHED (completed)",
        ("completed", false) => "met (completed)",
        (_, true) => "BREACHED",
        ("paused", false) => "paused",
        _ => "running",
    });
    if let Some(r) = &s.remaining {
        line.push_str(&format!(", {r} remaining"));
    }
    if let Some(g) = &s.goal {
        line.push_str(&format!(" of {g}"));
    }
    if let Some(e) = &s.elapsed {
        line.push_str(&format!(" (elapsed {e})"));
    }
    if let (Some(b), false) = (&s.breach_time, s.state == "completed") {
        line.push_str(&format!(", breaches at {b}"));
    }
    line
}

fn request_view(r: &CustomerRequest, approvals: Vec<ApprovalView>) -> RequestView {
    let mut slas = Vec::new();
    for s in &r.sla.items {
        let name = s.name.or_empty();
        match &s.ongoing_cycle {
            Some(c) => slas.push(sla_view(name, c, false)),
            None => {
                if let Some(c) = s.completed_cycles.last() {
                    slas.push(sla_view(name, c, true));
                }
            }
        }
    }
    let mut fields = Map::new();
    for f in r.request_field_values.iter().take(100) {
        let id = f.field_id.or_empty();
        if id == "summary" {
            continue;
        }
        let value = if id == "description" || f.value.is_string() {
            json!(truncate_chars(&wiki_to_markdown(&f.value), 20_000))
        } else {
            json!(crate::jira::models::display(&f.value).map(|s| truncate_chars(&s, 2_000)))
        };
        if !value.is_null() && value != json!("") {
            fields.insert(f.label.get().unwrap_or(id), value);
        }
    }
    RequestView {
        key: r.issue_key.or_empty(),
        summary: r.summary.or_empty(),
        status: r.current_status.status.or_empty(),
        request_type: r.request_type.name.get(),
        reporter: r.reporter.as_ref().map(user_name),
        created: r.created_date.shown(),
        participants: r.participants.items.iter().map(user_name).collect(),
        slas,
        status_history: r
            .status
            .items
            .iter()
            .map(|s| match s.status_date.shown() {
                Some(d) => format!("{} ({})", s.status.or_empty(), render::short_time(&d)),
                None => s.status.or_empty(),
            })
            .collect(),
        approvals,
        transitions: Vec::new(),
        fields,
        comments: Vec::new(),
        next_start_at: None,
    }
}

fn approval_view(a: &sd::Approval) -> ApprovalView {
    ApprovalView {
        id: a.id.or_empty(),
        name: a.name.or_empty(),
        decision: a.final_decision.get().unwrap_or_else(|| "pending".into()),
        can_answer: a.can_answer_approval == Some(true),
        approvers: a
            .approvers
            .iter()
            .map(|x| format!("{} ({})", user_name(&x.approver), x.approver_decision.or_empty()))
            .collect(),
    }
}

fn approval_line(a: &ApprovalView) -> String {
    format!(
        "- {} {}: {}{}; approvers: {}",
        a.id,
        a.name,
        a.decision,
        if a.can_answer { " (you can answer)" } else { "" },
        a.approvers.join(", ")
    )
}

async fn get_request(cx: Ctx, p: GetRequestParams) -> Result<Out<RequestView>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let what = format!("Request {key}");
    let r = cx
        .jira
        .customer_request(&key)
        .await
        .map_err(|e| fail(&cx, what.clone(), e))?;
    let approvals = cx
        .jira
        .approvals(&key)
        .await
        .map_err(|e| fail(&cx, format!("The approvals of {key}"), e))?;
    let transitions = cx
        .jira
        .request_transitions(&key)
        .await
        .map_err(|e| fail(&cx, format!("The transitions of {key}"), e))?;
    let approvals = approvals.items.iter().map(approval_view).collect();
    let mut view = crate::jira::offload(move || request_view(&r, approvals)).await;
    view.transitions = transitions.items.iter().map(|t| t.name.or_empty()).collect();
    let mut text = format!("{} — {}\nStatus: {}", view.key, view.summary, view.status);
    if let Some(t) = &view.request_type {
        text.push_str(&format!(" · Type: {t}"));
    }
    if let Some(rep) = &view.reporter {
        text.push_str(&format!(" · Reporter: {rep}"));
    }
    if let Some(c) = &view.created {
        text.push_str(&format!(" · Created {}", render::short_time(c)));
    }
    if !view.participants.is_empty() {
        text.push_str(&format!("\nParticipants: {}", view.participants.join(", ")));
    }
    if view.slas.is_empty() {
        text.push_str("\nSLAs: none");
    } else {
        text.push_str("\nSLAs:\n");
        text.push_str(&view.slas.iter().map(sla_line).collect::<Vec<_>>().join("\n"));
    }
    if !view.status_history.is_empty() {
        text.push_str(&format!("\nStatus history: {}", view.status_history.join(" → ")));
    }
    if !view.transitions.is_empty() {
        text.push_str(&format!("\nTransitions: {}", view.transitions.join(", ")));
    }
    if !view.approvals.is_empty() {
        text.push_str("\nApprovals:\n");
        text.push_str(&view.approvals.iter().map(approval_line).collect::<Vec<_>>().join("\n"));
    }
    for (label, value) in &view.fields {
        match value {
            Value::String(s) if s.contains('\n') => text.push_str(&format!("\n{label}:\n{s}")),
            Value::String(s) => text.push_str(&format!("\n{label}: {s}")),
            other => text.push_str(&format!("\n{label}: {other}")),
        }
    }
    if let Some(which) = p.comments {
        let public = match which {
            Visibility::Public => Some(true),
            Visibility::Internal => Some(false),
            Visibility::All => None,
        };
        let start = u64::from(p.start_at.unwrap_or(0));
        let page = cx
            .jira
            .request_comments(&key, public, start, 20)
            .await
            .map_err(|e| fail(&cx, format!("The comments of {key}"), e))?;
        let page = crate::jira::offload(move || {
            page.map(|c| RequestCommentView {
                id: c.id.or_empty(),
                author: c.author.as_ref().map(user_name).unwrap_or_else(|| "?".into()),
                created: c.created.shown().map(|d| render::short_time(&d)),
                // Unknown counts as public: the safer assumption for what a customer may see.
                public: c.public != Some(false),
                body: truncate_chars(&crate::wiki::to_markdown(&c.body), 20_000),
            })
        })
        .await;
        let next = paging::next_offset(&page);
        let lines = page.items.iter().map(comment_line).collect();
        text.push_str("\n\nComments:\n");
        text.push_str(&list_text(&cx, &page, lines, "comment", "none", next));
        view.comments = page.items;
        view.next_start_at = next;
    }
    Ok(Out { text, data: view })
}

// ---- jsm_list_requests -----------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum Ownership {
    Mine,
    Participant,
    Approver,
    Organization,
    All,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum OpenClosed {
    Open,
    Closed,
    All,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListRequestsParams {
    /// Default: yours, or all in the desk.
    pub ownership: Option<Ownership>,
    /// Default `all`.
    pub status: Option<OpenClosed>,
    /// Service desk id.
    pub service_desk_id: Option<String>,
    /// Request type id.
    pub request_type_id: Option<String>,
    /// Text to search for.
    pub search: Option<String>,
    /// A queue of service_desk_id: its issues.
    pub queue_id: Option<String>,
    /// From `next_start_at`.
    pub start_at: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RequestLine {
    pub key: String,
    pub summary: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
}

fn request_line(r: &RequestLine) -> String {
    let mut l = format!("{} [{}] {}", r.key, r.status, r.summary);
    for part in [&r.request_type, &r.reporter, &r.created, &r.assignee]
        .into_iter()
        .flatten()
    {
        l.push_str(" · ");
        l.push_str(part);
    }
    l
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RequestsPage {
    pub requests: Vec<RequestLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u64>,
}

async fn list_requests(cx: Ctx, p: ListRequestsParams) -> Result<Out<RequestsPage>, ToolError> {
    let (start, max) = page_bounds(p.start_at, 20);
    let desk = p
        .service_desk_id
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(desk_id)
        .transpose()?;
    let rt = p
        .request_type_id
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| params::numeric_id("request_type_id", s))
        .transpose()?;
    if let Some(q) = p.queue_id.as_deref().filter(|s| !s.trim().is_empty()) {
        let q = params::numeric_id("queue_id", q)?;
        let desk = desk.ok_or_else(|| ToolError::invalid("queue_id needs its service_desk_id"))?;
        return queue_issues(&cx, &desk, &q, start, max).await;
    }
    let mut filter: Vec<(&str, String)> = Vec::new();
    let ownership = match (p.ownership, &desk) {
        (Some(Ownership::Mine), _) => Some("OWNED_REQUESTS"),
        (Some(Ownership::Participant), _) => Some("PARTICIPATED_REQUESTS"),
        (Some(Ownership::Approver), _) => Some("APPROVER"),
        (Some(Ownership::Organization), _) => Some("ALL_ORGANIZATIONS"),
        (Some(Ownership::All), _) | (None, Some(_)) => Some("ALL_REQUESTS"),
        (None, None) => None,
    };
    if let Some(o) = ownership {
        filter.push(("requestOwnership", o.into()));
    }
    match p.status {
        Some(OpenClosed::Open) => filter.push(("requestStatus", "OPEN_REQUESTS".into())),
        Some(OpenClosed::Closed) => filter.push(("requestStatus", "CLOSED_REQUESTS".into())),
        _ => {}
    }
    if let Some(d) = &desk {
        filter.push(("serviceDeskId", d.clone()));
    }
    if let Some(t) = &rt {
        filter.push(("requestTypeId", t.clone()));
    }
    if let Some(s) = p.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        filter.push(("searchTerm", truncate_chars(s, 200)));
    }
    let page = cx
        .jira
        .customer_requests(&filter, start, max)
        .await
        .map_err(|e| fail(&cx, "The request list", e))?;
    let requests: Vec<RequestLine> = page
        .items
        .iter()
        .map(|r| RequestLine {
            key: r.issue_key.or_empty(),
            summary: truncate_chars(&r.summary.or_empty(), 200),
            status: r.current_status.status.or_empty(),
            request_type: r.request_type.name.get(),
            reporter: r.reporter.as_ref().map(user_name),
            created: r.created_date.shown().map(|d| render::short_time(&d)),
            assignee: None,
        })
        .collect();
    let next = paging::next_offset(&page);
    let lines = requests.iter().map(request_line).collect();
    let text = list_text(
        &cx,
        &page,
        lines,
        "request",
        "No request matches (or none you can see).",
        next,
    );
    Ok(Out {
        text,
        data: RequestsPage {
            requests,
            next_start_at: next,
        },
    })
}

// ---- comments --------------------------------------------------------------------------------

#[derive(Debug, Serialize, JsonSchema)]
pub struct RequestCommentView {
    pub id: String,
    pub author: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    pub public: bool,
    pub body: String,
}

fn comment_line(c: &RequestCommentView) -> String {
    format!(
        "[{}] {} {} ({}):\n{}",
        c.id,
        c.created.as_deref().unwrap_or(""),
        c.author,
        if c.public { "public" } else { "internal" },
        c.body
    )
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddCommentParams {
    /// Request key.
    pub issue_key: String,
    /// Markdown.
    pub body: String,
    /// true: customer sees it; false: internal.
    pub public: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CommentAdded {
    pub key: String,
    pub id: String,
    pub public: bool,
}

async fn add_comment(cx: Ctx, p: AddCommentParams) -> Result<Out<CommentAdded>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let body = params::non_empty("body", &p.body)?;
    if body.len() > 32_000 {
        return Err(ToolError::invalid("body is over 32,000 characters, Jira's limit"));
    }
    let c = cx
        .jira
        .add_request_comment(&key, &crate::wiki::from_markdown(&body), p.public)
        .await
        .map_err(|e| fail(&cx, format!("Request {key}"), e))?;
    // What Jira says it stored wins over what was asked.
    let public = c.public.unwrap_or(p.public);
    let id = c.id.or_empty();
    let text = format!(
        "Added {} comment {id} to {key}{}.",
        if public { "a public" } else { "an internal" },
        if public {
            " (visible to the customer)"
        } else {
            " (agents only)"
        }
    );
    Ok(Out {
        text,
        data: CommentAdded { key, id, public },
    })
}

// ---- jsm_update_request ----------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum Decision {
    Approve,
    Decline,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdateRequestParams {
    /// Request key.
    pub issue_key: String,
    /// Transition name or id.
    pub transition: Option<String>,
    /// Account ids, emails, names or `me`.
    pub add_participants: Option<Vec<String>>,
    /// Participants to remove.
    pub remove_participants: Option<Vec<String>>,
    /// Answer the pending approval.
    pub approval: Option<Decision>,
    /// When several are pending.
    pub approval_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct UpdateOut {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transitioned: Option<String>,
    /// After the change, when participants changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalView>,
}

async fn update_request(cx: Ctx, p: UpdateRequestParams) -> Result<Out<UpdateOut>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let (add, remove) = (
        p.add_participants.unwrap_or_default(),
        p.remove_participants.unwrap_or_default(),
    );
    let transition = p.transition.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if add.is_empty() && remove.is_empty() && p.approval.is_none() && transition.is_none() {
        return Err(ToolError::invalid(
            "give transition, add_participants, remove_participants or approval",
        ));
    }
    let approval_id = p
        .approval_id
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| params::numeric_id("approval_id", s))
        .transpose()?;
    let add = people(&cx, &add, "add_participants").await?;
    let remove = people(&cx, &remove, "remove_participants").await?;
    let mut lines = Vec::new();
    let mut participants = None;
    for (list, adding) in [(&add, true), (&remove, false)] {
        if !list.is_empty() {
            let now = cx
                .jira
                .change_participants(&key, list, adding)
                .await
                .map_err(|e| fail(&cx, format!("Request {key}"), e))?;
            participants = Some(now.items.iter().map(user_name).collect::<Vec<_>>());
        }
    }
    if let Some(now) = &participants {
        lines.push(format!(
            "{key}: {} added, {} removed. Participants now: {}.",
            add.len(),
            remove.len(),
            if now.is_empty() {
                "none".to_string()
            } else {
                now.join(", ")
            }
        ));
    }
    let mut approval = None;
    if let Some(decision) = p.approval {
        let id = match approval_id {
            Some(id) => id,
            None => pending_approval(&cx, &key).await?,
        };
        let decision = match decision {
            Decision::Approve => "approve",
            Decision::Decline => "decline",
        };
        let a = cx
            .jira
            .answer_approval(&key, &id, decision)
            .await
            .map_err(|e| fail(&cx, format!("Approval {id} of {key}"), e))?;
        let view = approval_view(&a);
        lines.push(format!(
            "{key}: {decision}d approval {id}; it is now {}.",
            view.decision
        ));
        approval = Some(view);
    }
    // Last: an approval may itself move the request, and a transition may close it to changes.
    let mut transitioned = None;
    if let Some(wanted) = transition {
        let list = cx
            .jira
            .request_transitions(&key)
            .await
            .map_err(|e| fail(&cx, format!("Request {key}"), e))?;
        let chosen = list.items.iter().find(|t| {
            t.id.get().is_some_and(|id| id == wanted) || t.name.get().is_some_and(|n| n.eq_ignore_ascii_case(wanted))
        });
        let Some(t) = chosen else {
            let available: Vec<String> = list.items.iter().map(|t| t.name.or_empty()).collect();
            let done = if lines.is_empty() {
                String::new()
            } else {
                format!(" (done before this: {})", lines.join(" "))
            };
            return Err(ToolError::invalid(format!(
                "{key} has no transition `{}` available to you; available: {}{done}",
                truncate_chars(wanted, 60),
                if available.is_empty() {
                    "none".to_string()
                } else {
                    available.join(", ")
                }
            )));
        };
        let (id, name) = (t.id.or_empty(), t.name.or_empty());
        cx.jira
            .transition_request(&key, &id)
            .await
            .map_err(|e| fail(&cx, format!("Request {key}"), e))?;
        lines.push(format!("{key}: transition `{name}` done."));
        transitioned = Some(name);
    }
    Ok(Out {
        text: lines.join("\n"),
        data: UpdateOut {
            key,
            transitioned,
            participants,
            approval,
        },
    })
}

/// The one pending approval of a request; several or none is an error that lists them.
async fn pending_approval(cx: &Ctx, key: &str) -> Result<String, ToolError> {
    let all = cx
        .jira
        .approvals(key)
        .await
        .map_err(|e| fail(cx, format!("The approvals of {key}"), e))?;
    let pending: Vec<&sd::Approval> = all.items.iter().filter(|a| a.final_decision.get().is_none()).collect();
    match pending.as_slice() {
        [one] => Ok(one.id.or_empty()),
        [] => Err(ToolError::invalid(format!("{key} has no pending approval"))),
        many => Err(ToolError::invalid(format!(
            "{key} has {} pending approvals; pass approval_id: {}",
            many.len(),
            many.iter()
                .map(|a| format!("{} ({})", a.id.or_empty(), a.name.or_empty()))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

// ---- queues --------------------------------------------------------------------------------

#[derive(Debug, Serialize, JsonSchema)]
pub struct QueueView {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_count: Option<u64>,
}

/// The issues in a queue, as request lines.
async fn queue_issues(cx: &Ctx, desk: &str, queue: &str, start: u64, max: u32) -> Result<Out<RequestsPage>, ToolError> {
    let page = cx
        .jira
        .queue_issues(desk, queue, start, max)
        .await
        .map_err(|e| fail(cx, format!("Queue {queue} of service desk {desk}"), e))?;
    let rich = cx.jira.rich();
    let requests: Vec<RequestLine> = page
        .items
        .iter()
        .map(|i| {
            let l = IssueLine::new(i, &[], rich);
            RequestLine {
                key: l.key,
                summary: truncate_chars(&l.summary, 200),
                status: l.status.unwrap_or_default(),
                request_type: None,
                reporter: None,
                created: l.updated.map(|d| render::short_time(&d)),
                assignee: l.assignee,
            }
        })
        .collect();
    let next = paging::next_offset(&page);
    let lines = requests.iter().map(request_line).collect();
    let text = list_text(cx, &page, lines, "request", &format!("Queue {queue} is empty."), next);
    Ok(Out {
        text,
        data: RequestsPage {
            requests,
            next_start_at: next,
        },
    })
}

/// A desk's queues with their counts; `None` when the caller may not see queues (customers).
async fn desk_queues(cx: &Ctx, desk: &str) -> Result<Option<Vec<QueueView>>, ToolError> {
    match cx.jira.queues(desk, 0, 50).await {
        Ok(page) => Ok(Some(
            page.items
                .iter()
                .map(|q| QueueView {
                    id: q.id.or_empty(),
                    name: q.name.or_empty(),
                    issue_count: q.issue_count,
                })
                .collect(),
        )),
        Err(JiraError::Api(a)) if a.status() == Some(403) && !a.is_scope_mismatch() => Ok(None),
        Err(e) => Err(fail(cx, format!("The queues of service desk {desk}"), e)),
    }
}

// ---- jsm_list_customers ----------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CustomersParams {
    /// Service desk id.
    pub service_desk_id: Option<String>,
    /// Organization id.
    pub organization_id: Option<String>,
    /// List organizations instead.
    pub organizations: Option<bool>,
    /// Name or email text.
    pub query: Option<String>,
    /// From `next_start_at`.
    pub start_at: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PartyView {
    /// Account id (Cloud), user name (Data Center) or organization id.
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PartiesOut {
    pub items: Vec<PartyView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u64>,
}

fn party_line(v: &PartyView) -> String {
    match &v.email {
        Some(e) => format!("{} {} <{e}>", v.id, v.name),
        None => format!("{} {}", v.id, v.name),
    }
}

async fn list_customers(cx: Ctx, p: CustomersParams) -> Result<Out<PartiesOut>, ToolError> {
    let (start, max) = page_bounds(p.start_at, 50);
    let desk = p
        .service_desk_id
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(desk_id)
        .transpose()?;
    let org = p
        .organization_id
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| params::numeric_id("organization_id", s))
        .transpose()?;
    let (page, what, empty) = if p.organizations == Some(true) {
        let page = cx
            .jira
            .organizations(desk.as_deref(), start, max)
            .await
            .map_err(|e| fail(&cx, "The organization list", e))?;
        let page = page.map(|o| PartyView {
            id: o.id.or_empty(),
            name: o.name.or_empty(),
            email: None,
        });
        (page, "organization", "No organization (or none you can see).")
    } else {
        if desk.is_none() && org.is_none() {
            return Err(ToolError::invalid(
                "give service_desk_id (its customers), organization_id (its members), or organizations=true",
            ));
        }
        let query = p.query.as_deref().map(str::trim).filter(|q| !q.is_empty());
        let page = cx
            .jira
            .customers(
                desk.as_deref(),
                org.as_deref(),
                query.map(|q| truncate_chars(q, 200)).as_deref(),
                start,
                max,
            )
            .await
            .map_err(|e| fail(&cx, "The customer list", e))?;
        let page = page.map(|u| PartyView {
            id: u.id().unwrap_or("?").to_string(),
            name: user_name(&u),
            email: u.email_address.get(),
        });
        (page, "customer", "No customer matches (or none you can see).")
    };
    let next = paging::next_offset(&page);
    let lines = page.items.iter().map(party_line).collect();
    let text = list_text(&cx, &page, lines, what, empty, next);
    Ok(Out {
        text,
        data: PartiesOut {
            items: page.items,
            next_start_at: next,
        },
    })
}

// ---- jsm_add_customers -----------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddCustomersParams {
    /// Users to add (account ids, emails, names).
    pub users: Option<Vec<String>>,
    /// New customer's email.
    pub email: Option<String>,
    /// New customer's name.
    pub name: Option<String>,
    /// New organization's name.
    pub organization: Option<String>,
    /// Desk to add them to.
    pub service_desk_id: Option<String>,
    /// Organization to add users to.
    pub organization_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AddedOut {
    /// What was created.
    pub created: Vec<PartyView>,
    /// Ids of the users added.
    pub added: Vec<String>,
}

async fn add_customers(cx: Ctx, p: AddCustomersParams) -> Result<Out<AddedOut>, ToolError> {
    let desk = p
        .service_desk_id
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(desk_id)
        .transpose()?;
    let mut org = p
        .organization_id
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| params::numeric_id("organization_id", s))
        .transpose()?;
    let email = p.email.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let new_org = p.organization.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let users = p.users.unwrap_or_default();
    if email.is_none() && new_org.is_none() && users.is_empty() {
        return Err(ToolError::invalid(
            "give users, email and name (a new customer), or organization",
        ));
    }
    if new_org.is_some() && org.is_some() {
        return Err(ToolError::invalid(
            "give organization (to create) or organization_id, not both",
        ));
    }
    if !users.is_empty() && desk.is_none() && org.is_none() && new_org.is_none() {
        return Err(ToolError::invalid("users need service_desk_id or organization_id"));
    }
    // Everything is checked before the first change.
    let new_customer = match email {
        Some(e) => {
            if e.len() > 254 || !e.contains('@') || e.contains(char::is_whitespace) {
                return Err(ToolError::invalid(format!(
                    "`{}` is not an email address",
                    truncate_chars(e, 60)
                )));
            }
            Some((e, params::name("name", p.name.as_deref().unwrap_or(""))?))
        }
        None => None,
    };
    let new_org = new_org.map(|n| params::name("organization", n)).transpose()?;
    let mut ids = people(&cx, &users, "users").await?;
    let mut created = Vec::new();
    let mut text = Vec::new();
    if let Some(name) = new_org {
        let o = cx
            .jira
            .create_organization(&name)
            .await
            .map_err(|e| fail(&cx, format!("Organization `{name}`"), e))?;
        let view = PartyView {
            id: o.id.or_empty(),
            name: o.name.get().unwrap_or(name),
            email: None,
        };
        text.push(format!("Created organization {}.", party_line(&view)));
        if let Some(d) = &desk {
            cx.jira
                .add_desk_organization(d, &view.id)
                .await
                .map_err(|e| fail(&cx, format!("Service desk {d}"), e))?;
            text.push(format!("Added it to service desk {d}."));
        }
        org = Some(view.id.clone()).filter(|id| !id.is_empty());
        created.push(view);
    }
    if let Some((email, name)) = new_customer {
        let u = cx
            .jira
            .create_customer(email, &name)
            .await
            .map_err(|e| fail(&cx, format!("Customer {email}"), e))?;
        let view = PartyView {
            id: u.id().unwrap_or_default().to_string(),
            name: u.display_name.get().unwrap_or(name),
            email: Some(email.to_string()),
        };
        text.push(format!("Created customer {}.", party_line(&view)));
        if !view.id.is_empty() && !ids.contains(&view.id) {
            ids.push(view.id.clone());
        }
        created.push(view);
    }
    if !ids.is_empty() {
        if let Some(d) = &desk {
            cx.jira
                .add_desk_customers(d, &ids)
                .await
                .map_err(|e| fail(&cx, format!("Service desk {d}"), e))?;
            text.push(format!("Added {} to service desk {d}.", ids.join(", ")));
        }
        if let Some(o) = &org {
            cx.jira
                .add_organization_users(o, &ids)
                .await
                .map_err(|e| fail(&cx, format!("Organization {o}"), e))?;
            text.push(format!("Added {} to organization {o}.", ids.join(", ")));
        }
    }
    let added = if desk.is_some() || org.is_some() {
        ids
    } else {
        Vec::new()
    };
    Ok(Out {
        text: text.join("\n"),
        data: AddedOut { created, added },
    })
}

// ---- jsm_search_knowledge_base ---------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct KnowledgeParams {
    /// Search words.
    pub query: String,
    /// Service desk id.
    pub service_desk_id: Option<String>,
    /// From `next_start_at`.
    pub start_at: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ArticleView {
    pub title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub excerpt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ArticlesOut {
    pub articles: Vec<ArticleView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u64>,
}

async fn search_knowledge_base(cx: Ctx, p: KnowledgeParams) -> Result<Out<ArticlesOut>, ToolError> {
    let query = params::non_empty("query", &p.query)?;
    let desk = p
        .service_desk_id
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(desk_id)
        .transpose()?;
    let (start, max) = page_bounds(p.start_at, 10);
    let page = cx
        .jira
        .articles(desk.as_deref(), &truncate_chars(&query, 200), start, max)
        .await
        .map_err(|e| fail(&cx, "The knowledge base", e))?;
    let articles: Vec<ArticleView> = page
        .items
        .iter()
        .map(|a| ArticleView {
            title: a.title.or_empty(),
            excerpt: truncate_chars(&a.excerpt.or_empty(), 300),
            url: a.content.iframe_src.get(),
        })
        .collect();
    let next = paging::next_offset(&page);
    let lines = articles
        .iter()
        .map(|a| {
            let mut l = format!("- {}", a.title);
            if !a.excerpt.is_empty() {
                l.push_str(&format!(": {}", a.excerpt));
            }
            if let Some(u) = &a.url {
                l.push_str(&format!(" <{u}>"));
            }
            l
        })
        .collect();
    let text = list_text(
        &cx,
        &page,
        lines,
        "article",
        "No article matches (or the desk has no linked knowledge base you can read).",
        next,
    );
    Ok(Out {
        text,
        data: ArticlesOut {
            articles,
            next_start_at: next,
        },
    })
}
