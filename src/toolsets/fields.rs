//! Toolset `fields`: find fields, the options of select fields, new custom fields, and
//! site-wide lists (issue types, priorities, statuses, resolutions, link types).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Access, Ctx, Out, ToolDef, ToolError, ToolsetDef, handler, paging, params};
use crate::{
    config::Flavor,
    jira::{
        FieldMeta, Page,
        fields::{self, FieldOption},
        metadata::{self, MetaKind},
        ops,
        ops::On,
    },
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "fields",
    description: "Fields, select options and site metadata",
    default: false,
    tools: &[&FIND_FIELDS, &GET_FIELD_OPTIONS, &CREATE_FIELD, &GET_METADATA],
};

static FIND_FIELDS: ToolDef = ToolDef {
    name: "jira_find_fields",
    description: "Find fields by name or id: one line each with id, name, type, custom or not.",
    access: Access::READ,
    on: On::Both,
    ops: &[ops::FIELDS],
    handler: handler!(find_fields),
};

static GET_FIELD_OPTIONS: ToolDef = ToolDef {
    name: "jira_get_field_options",
    description: "The options of a select field. Data Center needs project and issue_type.",
    access: Access::READ,
    on: On::Both,
    ops: &[
        ops::FIELDS,
        fields::FIELD_CONTEXTS,
        fields::FIELD_OPTIONS,
        ops::CREATE_META_TYPES,
        fields::CREATE_META_FIELDS,
    ],
    handler: handler!(get_field_options),
};

static CREATE_FIELD: ToolDef = ToolDef {
    name: "jira_create_field",
    description: "Create a custom field (Jira admins only).",
    access: Access::ADD,
    on: On::Both,
    ops: &[fields::FIELD_CREATE],
    handler: handler!(create_field),
};

static GET_METADATA: ToolDef = ToolDef {
    name: "jira_get_metadata",
    description: "List the site's issue types, priorities, statuses, resolutions or link types.",
    access: Access::READ,
    on: On::Both,
    ops: &[
        metadata::ISSUE_TYPES,
        metadata::PRIORITIES,
        metadata::STATUSES,
        metadata::RESOLUTIONS,
        metadata::LINK_TYPES,
    ],
    handler: handler!(get_metadata),
};

// ---- jira_find_fields -------------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct FindFieldsParams {
    /// Text in the name or id, e.g. `story points`; left out: all.
    pub query: Option<String>,
    /// Only custom fields.
    #[serde(default)]
    pub custom_only: bool,
    /// Per page (default 50, at most 200).
    pub max_results: Option<u32>,
    /// Offset (`next_start_at` of the previous page).
    pub start_at: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(inline)]
pub struct FieldView {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub custom: bool,
}

impl FieldView {
    fn new(f: &FieldMeta) -> FieldView {
        let kind = match (&f.custom_type, f.kind.as_deref(), f.items.as_deref()) {
            (Some(t), _, _) => fields::short_type(t).to_string(),
            (None, Some("array"), Some(items)) => format!("array of {items}"),
            (None, Some(k), _) => k.to_string(),
            (None, None, _) => "?".to_string(),
        };
        FieldView {
            id: f.id.clone(),
            name: f.name.clone(),
            kind,
            custom: f.custom,
        }
    }

    fn line(&self) -> String {
        let custom = if self.custom { ", custom" } else { "" };
        format!("{} \"{}\" ({}{custom})", self.id, self.name, self.kind)
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FieldsPage {
    pub fields: Vec<FieldView>,
    pub total: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u32>,
}

async fn find_fields(cx: Ctx, p: FindFieldsParams) -> Result<Out<FieldsPage>, ToolError> {
    let max = params::page_size("max_results", p.max_results, 50, 200)?;
    let q = p
        .query
        .as_deref()
        .map(|q| q.trim().to_lowercase())
        .filter(|q| !q.is_empty());
    let matching = |idx: &crate::jira::FieldIndex| -> Vec<FieldView> {
        let mut found: Vec<FieldView> = idx
            .fields
            .iter()
            .filter(|f| !p.custom_only || f.custom)
            .filter(|f| {
                q.as_ref()
                    .is_none_or(|q| f.name.to_lowercase().contains(q) || f.id.to_lowercase().contains(q))
            })
            .map(FieldView::new)
            .collect();
        found.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
        found
    };
    let fail = |e| cx.fail(Some("The field list".into()), e);
    let mut found = matching(&*cx.jira.field_index(false).await.map_err(fail)?);
    if found.is_empty() && q.is_some() {
        // A list read from disk may predate the field: look once more.
        found = matching(&*cx.jira.field_index(true).await.map_err(fail)?);
    }
    let page = Page {
        items: found,
        ..Page::default()
    }
    .cut(u64::from(p.start_at.unwrap_or(0)), max);
    let next_start_at = paging::next_start(&page);
    let total = page.total.unwrap_or(0);
    let mut text = if page.items.is_empty() {
        match &q {
            Some(q) => format!("No {}field matches `{q}`.", if p.custom_only { "custom " } else { "" }),
            None => "No fields.".to_string(),
        }
    } else {
        page.items.iter().map(FieldView::line).collect::<Vec<_>>().join("\n")
    };
    paging::more_hint(
        &mut text,
        "jira_find_fields",
        page.items.len(),
        Some(total),
        next_start_at,
        "field",
    );
    Ok(Out {
        text,
        data: FieldsPage {
            fields: page.items,
            total,
            next_start_at,
        },
    })
}

// ---- jira_get_field_options -------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
pub struct FieldOptionsParams {
    /// Display name or id, e.g. `customfield_10020`.
    pub field: String,
    /// Cloud: context id (default: the global one).
    pub context_id: Option<String>,
    /// Data Center, required: project key.
    pub project: Option<String>,
    /// Data Center, required: issue type name or id.
    pub issue_type: Option<String>,
    /// Per page (default 50, at most 100).
    pub max_results: Option<u32>,
    /// Offset (`next_start_at` of the previous page).
    pub start_at: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(inline)]
pub struct OptionView {
    pub id: String,
    pub value: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
}

impl OptionView {
    fn new(o: &FieldOption) -> OptionView {
        OptionView {
            id: o.id.clone(),
            value: o.value.clone(),
            disabled: o.disabled,
            parent_id: o.parent.clone(),
        }
    }

    fn line(&self) -> String {
        let mut s = format!("- {} (id {})", self.value, self.id);
        if let Some(p) = &self.parent_id {
            s.push_str(&format!(", under {p}"));
        }
        if self.disabled {
            s.push_str(", disabled");
        }
        s
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FieldOptions {
    pub field_id: String,
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_id: Option<String>,
    pub options: Vec<OptionView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u32>,
}

async fn get_field_options(cx: Ctx, p: FieldOptionsParams) -> Result<Out<FieldOptions>, ToolError> {
    let wanted = params::non_empty("field", &p.field)?.trim().to_string();
    let max = params::page_size("max_results", p.max_results, 50, 100)?;
    let start = u64::from(p.start_at.unwrap_or(0));
    let context = p
        .context_id
        .as_deref()
        .map(|c| params::numeric_id("context_id", c))
        .transpose()?;
    let subject = format!("Field {wanted}");
    let dc = cx.jira.flavor() == Flavor::DataCenter;
    let (field_id, field_name, context_id, mut note, page) = if dc {
        let (Some(project), Some(issue_type)) = (
            p.project.as_deref().filter(|s| !s.trim().is_empty()),
            p.issue_type.as_deref().filter(|s| !s.trim().is_empty()),
        ) else {
            return Err(ToolError::invalid(
                "on Jira Data Center, options are read from a create screen: pass project (key) and issue_type (name or id)",
            ));
        };
        let project = params::project_key(project)?;
        let issue_type = issue_type.trim();
        let type_id = if issue_type.chars().all(|c| c.is_ascii_digit()) {
            issue_type.to_string()
        } else {
            cx.jira
                .create_issue_type_id(&project, issue_type)
                .await
                .map_err(cx.failing(format!("Project {project}")))?
        };
        let found = cx
            .jira
            .allowed_values(&project, &type_id, &wanted)
            .await
            .map_err(cx.failing(subject))?;
        let Some((id, name, options)) = found else {
            return Err(ToolError::invalid(format!(
                "the create screen of {project} / {issue_type} has no field `{wanted}`; check the name with jira_find_fields"
            )));
        };
        let page = Page {
            items: options,
            ..Page::default()
        }
        .cut(start, max);
        (id, name, None, None, page)
    } else {
        let meta = match custom_field_id(&wanted) {
            // A custom field's id needs no look-up.
            Some(id) => FieldMeta {
                id: id.clone(),
                name: id,
                custom: true,
                kind: None,
                items: None,
                custom_type: None,
            },
            None => {
                let meta = cx
                    .jira
                    .resolve_fields(std::slice::from_ref(&wanted))
                    .await
                    .map_err(cx.failing(subject.clone()))?;
                meta.into_iter()
                    .next()
                    .ok_or_else(|| ToolError::invalid(format!("unknown field `{wanted}`")))?
            }
        };
        if !meta.custom {
            return Err(ToolError::invalid(format!(
                "{} ({}) is a system field; only custom select fields have options (see jira_get_metadata for priorities, resolutions…)",
                meta.name, meta.id
            )));
        }
        let (ctx, note) = match context {
            Some(c) => (c, None),
            None => {
                let contexts = cx
                    .jira
                    .field_contexts(&meta.id)
                    .await
                    .map_err(cx.failing(format!("Field {}", meta.name)))?;
                // Context ids are numbers; anything else cannot be asked for.
                let usable: Vec<_> = contexts
                    .items
                    .iter()
                    .filter(|c| params::numeric_id("context", &c.id.or_empty()).is_ok())
                    .collect();
                let chosen = usable.iter().find(|c| c.is_global_context).or(usable.first()).copied();
                let Some(chosen) = chosen else {
                    return Ok(Out {
                        text: format!("{} ({}) has no context, so no options.", meta.name, meta.id),
                        data: FieldOptions {
                            field_id: meta.id,
                            field: meta.name,
                            context_id: None,
                            options: Vec::new(),
                            total: Some(0),
                            next_start_at: None,
                        },
                    });
                };
                let others: Vec<String> = usable
                    .iter()
                    .filter(|c| c.id != chosen.id)
                    .map(|c| format!("{} ({})", c.name.or_empty(), c.id.or_empty()))
                    .collect();
                let note = (!others.is_empty())
                    .then(|| format!("Other contexts: {}; pass context_id to see theirs.", others.join(", ")));
                (chosen.id.or_empty(), note)
            }
        };
        let page = cx
            .jira
            .context_options(&meta.id, &ctx, start, max)
            .await
            .map_err(cx.failing(format!("Field {} context {ctx}", meta.name)))?;
        (meta.id, meta.name, Some(ctx), note, page)
    };
    let options: Vec<OptionView> = page.items.iter().map(OptionView::new).collect();
    let next_start_at = paging::next_start(&page);
    let who = if field_name == field_id {
        field_id.clone()
    } else {
        format!("{field_name} ({field_id})")
    };
    let in_context = context_id
        .as_ref()
        .map(|c| format!(" in context {c}"))
        .unwrap_or_default();
    let mut text = if options.is_empty() {
        format!("{who}{in_context} has no options.")
    } else {
        format!(
            "Options of {who}{in_context}:\n{}",
            options.iter().map(OptionView::line).collect::<Vec<_>>().join("\n")
        )
    };
    paging::more_hint(
        &mut text,
        "jira_get_field_options",
        options.len(),
        page.total,
        next_start_at,
        "option",
    );
    if let Some(n) = note.take() {
        text.push_str(&format!("\n{n}"));
    }
    Ok(Out {
        text,
        data: FieldOptions {
            field_id,
            field: field_name,
            context_id,
            options,
            total: page.total,
            next_start_at,
        },
    })
}

/// `customfield_10020` (any case) as Jira spells it.
fn custom_field_id(s: &str) -> Option<String> {
    let lower = s.trim().to_ascii_lowercase();
    let digits = lower.strip_prefix("customfield_")?;
    (!digits.is_empty() && digits.len() <= 18 && digits.chars().all(|c| c.is_ascii_digit())).then_some(lower)
}

// ---- jira_create_field ------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum FieldType {
    Text,
    Textarea,
    Number,
    Date,
    Datetime,
    Select,
    Multiselect,
    Labels,
    User,
    Url,
}

impl FieldType {
    fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Textarea => "textarea",
            FieldType::Number => "number",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Select => "select",
            FieldType::Multiselect => "multiselect",
            FieldType::Labels => "labels",
            FieldType::User => "user",
            FieldType::Url => "url",
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateFieldParams {
    /// One-line display name.
    pub name: String,
    /// Field type.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// Plain text help shown under the field.
    pub description: Option<String>,
}

async fn create_field(cx: Ctx, p: CreateFieldParams) -> Result<Out<FieldView>, ToolError> {
    let name = params::name("name", &p.name)?;
    let description = p.description.as_deref().map(str::trim).filter(|d| !d.is_empty());
    let meta = cx
        .jira
        .create_field(&name, p.kind.as_str(), description)
        .await
        .map_err(cx.failing(format!("The new field {name}")))?;
    let view = FieldView::new(&meta);
    let mut text = format!("Created field {}.", view.line());
    if matches!(p.kind, FieldType::Select | FieldType::Multiselect) {
        text.push_str(" It has no options yet; add them in Jira's field settings.");
    }
    text.push_str(" Add it to the projects' screens to use it.");
    Ok(Out { text, data: view })
}

// ---- jira_get_metadata ------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(inline)]
pub enum Kind {
    IssueTypes,
    Priorities,
    Statuses,
    Resolutions,
    LinkTypes,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct MetadataParams {
    /// Which list.
    pub kind: Kind,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(inline)]
pub struct MetaItemView {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct MetadataList {
    pub items: Vec<MetaItemView>,
}

/// Descriptions are cut to this many characters.
const SHORT: usize = 80;

fn short(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= SHORT {
        s
    } else {
        format!("{}…", s.chars().take(SHORT - 1).collect::<String>().trim_end())
    }
}

async fn get_metadata(cx: Ctx, p: MetadataParams) -> Result<Out<MetadataList>, ToolError> {
    let (kind, label) = match p.kind {
        Kind::IssueTypes => (MetaKind::IssueTypes, "issue types"),
        Kind::Priorities => (MetaKind::Priorities, "priorities"),
        Kind::Statuses => (MetaKind::Statuses, "statuses"),
        Kind::Resolutions => (MetaKind::Resolutions, "resolutions"),
        Kind::LinkTypes => (MetaKind::LinkTypes, "link types"),
    };
    let list = cx
        .jira
        .metadata(kind)
        .await
        .map_err(|e| cx.fail(Some(format!("The list of {label}")), e))?;
    let items: Vec<MetaItemView> = list
        .iter()
        .map(|i| MetaItemView {
            id: i.id.clone(),
            name: i.name.clone(),
            description: i.description.as_deref().map(short).filter(|d| !d.is_empty()),
            detail: i.detail.clone(),
        })
        .collect();
    let text = if items.is_empty() {
        format!("Jira lists no {label}.")
    } else {
        items
            .iter()
            .map(|i| {
                let mut s = format!("{} (id {})", i.name, i.id);
                if let Some(d) = &i.detail {
                    s.push_str(&format!(" [{d}]"));
                }
                if let Some(d) = &i.description {
                    s.push_str(&format!(": {d}"));
                }
                s
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    Ok(Out {
        text,
        data: MetadataList { items },
    })
}
