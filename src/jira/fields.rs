//! The field list (`GET …/field`): resolving display names to ids and knowing each
//! field's type, so that `"Story Points": 5` becomes `customfield_10016: 5` and a textarea
//! field gets ADF.
//!
//! The list is fetched at most once per profile per day: kept in memory, and on disk under the
//! profile's cache folder, so a new process does not pay for it again. A name that is not in a
//! list read from disk triggers one refetch (the field may be new) before it is reported unknown.

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Mutex;

use super::{JiraClient, JiraError};

const TTL: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FieldMeta {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub custom: bool,
    /// `schema.type`: string, number, array, option, user, date, datetime, …
    #[serde(default)]
    pub kind: Option<String>,
    /// `schema.items` for arrays.
    #[serde(default)]
    pub items: Option<String>,
    /// `schema.custom`: the custom field type key (`…:textarea`, `…:gh-sprint`).
    #[serde(default)]
    pub custom_type: Option<String>,
}

impl FieldMeta {
    fn from_json(v: &Value) -> Option<FieldMeta> {
        let schema = v.get("schema");
        let s = |k: &str| {
            schema
                .and_then(|s| s.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        Some(FieldMeta {
            id: v.get("id")?.as_str()?.to_string(),
            name: v.get("name").and_then(Value::as_str).unwrap_or_default().to_string(),
            custom: v.get("custom").and_then(Value::as_bool).unwrap_or(false),
            kind: s("type"),
            items: s("items"),
            custom_type: s("custom"),
        })
    }

    /// Rich-text fields take the flavor's rich-text format (ADF in REST v3, wiki markup in v2).
    pub fn is_rich_text(&self) -> bool {
        self.id == "description"
            || self.id == "environment"
            || self.custom_type.as_deref().is_some_and(|t| t.ends_with(":textarea"))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FieldIndex {
    fetched_at: u64,
    pub fields: Vec<FieldMeta>,
}

/// How a requested field name matched.
pub enum Lookup<'a> {
    Found(&'a FieldMeta),
    /// Several fields share the display name; the ids let the caller choose.
    Ambiguous(Vec<&'a FieldMeta>),
    /// No match; the closest names, best first.
    Unknown(Vec<String>),
}

impl FieldIndex {
    pub fn new(fields: Vec<FieldMeta>) -> Self {
        let fetched_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        FieldIndex { fetched_at, fields }
    }

    fn is_fresh(&self) -> bool {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        now.saturating_sub(self.fetched_at) < TTL.as_secs()
    }

    /// Finds a field by id (`customfield_10016`, `duedate`) or display name (case-insensitive).
    pub fn lookup(&self, wanted: &str) -> Lookup<'_> {
        let w = wanted.trim();
        if let Some(f) = self.fields.iter().find(|f| f.id.eq_ignore_ascii_case(w)) {
            return Lookup::Found(f);
        }
        let by_name: Vec<&FieldMeta> = self.fields.iter().filter(|f| f.name.eq_ignore_ascii_case(w)).collect();
        match by_name.len() {
            1 => Lookup::Found(by_name[0]),
            0 => {
                let lw = w.to_lowercase();
                let mut scored: Vec<(f64, &FieldMeta)> = self
                    .fields
                    .iter()
                    .map(|f| {
                        let name = f.name.to_lowercase();
                        let mut score = strsim::jaro_winkler(&lw, &name);
                        if name.contains(&lw) || lw.contains(&name) {
                            score += 0.2;
                        }
                        (score, f)
                    })
                    .filter(|(s, _)| *s > 0.7)
                    .collect();
                scored.sort_by(|a, b| b.0.total_cmp(&a.0));
                Lookup::Unknown(
                    scored
                        .into_iter()
                        .take(5)
                        .map(|(_, f)| format!("{} ({})", f.name, f.id))
                        .collect(),
                )
            }
            _ => Lookup::Ambiguous(by_name),
        }
    }

    /// Jira Software's sprint field, whose id differs per site.
    pub fn sprint_field(&self) -> Option<&FieldMeta> {
        self.fields
            .iter()
            .find(|f| f.custom_type.as_deref() == Some("com.pyxis.greenhopper.jira:gh-sprint"))
    }
}

/// In-memory + on-disk cache of the field list for one profile.
pub struct FieldCache {
    path: PathBuf,
    current: Mutex<Option<(Arc<FieldIndex>, bool)>>, // (index, fetched by this process)
}

impl FieldCache {
    pub fn new(cache_dir: PathBuf) -> Self {
        FieldCache {
            path: cache_dir.join("fields.json"),
            current: Mutex::new(None),
        }
    }

    fn read_disk(&self) -> Option<FieldIndex> {
        let bytes = std::fs::read(&self.path).ok()?;
        let idx: FieldIndex = serde_json::from_slice(&bytes).ok()?;
        idx.is_fresh().then_some(idx)
    }
}

impl JiraClient {
    /// The field index, fetched when nothing fresh is cached. `refetch_if_stale_source` forces
    /// a fetch when the cached copy came from disk (a name was not found in it).
    pub async fn field_index(&self, refetch_if_from_disk: bool) -> Result<Arc<FieldIndex>, JiraError> {
        let mut cur = self.fields.current.lock().await;
        if cur.is_none()
            && let Some(idx) = self.fields.read_disk()
        {
            *cur = Some((Arc::new(idx), false));
        }
        if let Some((idx, fetched_here)) = cur.as_ref()
            && (*fetched_here || !refetch_if_from_disk)
        {
            return Ok(idx.clone());
        }
        let req = self.request(super::ops::FIELDS, &[]).await?;
        let v: Value = self.call(req).await?;
        let fields: Vec<FieldMeta> = v
            .as_array()
            .map(|a| a.iter().filter_map(FieldMeta::from_json).collect())
            .unwrap_or_default();
        let idx = Arc::new(FieldIndex::new(fields));
        if let Ok(bytes) = serde_json::to_vec(&*idx)
            && let Err(e) = crate::fsutil::write_atomic(&self.fields.path, &bytes, 0o600)
        {
            tracing::debug!(error = %e, "could not write the field cache");
        }
        *cur = Some((idx.clone(), true));
        Ok(idx)
    }

    /// Resolves user-given field names or ids, refetching once if a name is unknown.
    pub async fn resolve_fields(&self, names: &[String]) -> Result<Vec<FieldMeta>, JiraError> {
        let mut idx = self.field_index(false).await?;
        let mut out = Vec::new();
        for name in names {
            let mut found = match idx.lookup(name) {
                Lookup::Found(f) => Some(f.clone()),
                _ => None,
            };
            if found.is_none() {
                idx = self.field_index(true).await?;
                match idx.lookup(name) {
                    Lookup::Found(f) => found = Some(f.clone()),
                    Lookup::Ambiguous(list) => {
                        let ids: Vec<String> = list.iter().map(|f| f.id.clone()).collect();
                        return Err(JiraError::Input(format!(
                            "several fields are named `{name}`: use one of their ids instead: {}",
                            ids.join(", ")
                        )));
                    }
                    Lookup::Unknown(close) => {
                        let hint = if close.is_empty() {
                            "no field has a similar name".to_string()
                        } else {
                            format!("closest names: {}", close.join(", "))
                        };
                        return Err(JiraError::Input(format!("unknown field `{name}`; {hint}")));
                    }
                }
            }
            out.extend(found);
        }
        Ok(out)
    }
}

// ---- options of select fields, and new custom fields -------------------------------------------

use super::{
    Page,
    models::{Shown, lenient},
    ops::{Api::Platform, Method, On, Op},
};

/// Creates a custom field (Jira administrators only).
pub const FIELD_CREATE: Op = Op::new(Method::Post, Platform, "/field", On::Both);
/// Cloud: a field's contexts, each with its own options.
pub const FIELD_CONTEXTS: Op = Op::new(Method::Get, Platform, "/field/{fieldId}/context", On::CloudOnly);
pub const FIELD_OPTIONS: Op = Op::new(
    Method::Get,
    Platform,
    "/field/{fieldId}/context/{contextId}/option",
    On::CloudOnly,
);
/// Data Center: the fields of a create screen, with their allowed values.
pub const CREATE_META_FIELDS: Op = Op::new(
    Method::Get,
    Platform,
    "/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}",
    On::DataCenterOnly,
);

/// A custom field context (Cloud).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FieldContext {
    pub id: Shown,
    pub name: Shown,
    #[serde(deserialize_with = "lenient")]
    pub is_global_context: bool,
}

/// One option of a select field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldOption {
    pub id: String,
    pub value: String,
    pub disabled: bool,
    /// The parent option's id (cascading selects).
    pub parent: Option<String>,
}

impl FieldOption {
    fn from_json(v: &Value) -> Option<FieldOption> {
        let value = super::models::display(&serde_json::json!({
            "value": v.get("value"),
            "name": v.get("name"),
        }))
        .or_else(|| Shown::of(v).get())?;
        Some(FieldOption {
            id: Shown::of(v.get("id").unwrap_or(&Value::Null)).or_empty(),
            value,
            disabled: v.get("disabled").and_then(Value::as_bool).unwrap_or(false),
            parent: v.get("optionId").and_then(|p| Shown::of(p).get()),
        })
    }
}

/// The custom field types `jira_create_field` offers: (name, type key, searcher key).
pub const FIELD_TYPES: &[(&str, &str, &str)] = &[
    ("text", "textfield", "textsearcher"),
    ("textarea", "textarea", "textsearcher"),
    ("number", "float", "exactnumber"),
    ("date", "datepicker", "daterange"),
    ("datetime", "datetime", "datetimerange"),
    ("select", "select", "multiselectsearcher"),
    ("multiselect", "multiselect", "multiselectsearcher"),
    ("labels", "labels", "labelsearcher"),
    ("user", "userpicker", "userpickergroupsearcher"),
    ("url", "url", "exacttextsearcher"),
];

const CUSTOM_PREFIX: &str = "com.atlassian.jira.plugin.system.customfieldtypes:";

impl FieldCache {
    /// Drops the cached list (a field was created), here and on disk.
    async fn forget(&self) {
        *self.current.lock().await = None;
        let _ = std::fs::remove_file(&self.path);
    }
}

impl JiraClient {
    /// One page of a field's contexts (Cloud).
    pub async fn field_contexts(&self, field_id: &str) -> Result<Page<FieldContext>, JiraError> {
        let req = self.request(FIELD_CONTEXTS, &[field_id]).await?.query("maxResults", 50);
        self.call(req).await
    }

    /// One page of the options of a field in one context (Cloud).
    pub async fn context_options(
        &self,
        field_id: &str,
        context_id: &str,
        start_at: u64,
        max_results: u32,
    ) -> Result<Page<FieldOption>, JiraError> {
        let req = self
            .request(FIELD_OPTIONS, &[field_id, context_id])
            .await?
            .query("startAt", start_at)
            .query("maxResults", max_results);
        let page: Page<Value> = self.call(req).await?;
        Ok(options_of(page))
    }

    /// The id of an issue type (by name or id) that can be created in `project`.
    pub async fn create_issue_type_id(&self, project: &str, issue_type: &str) -> Result<String, JiraError> {
        let req = self
            .request(super::ops::CREATE_META_TYPES, &[project])
            .await?
            .query("maxResults", 100);
        let page: Page<Value> = self.call(req).await?;
        let id_of = |v: &Value| Shown::of(v.get("id").unwrap_or(&Value::Null)).get();
        let name_of = |v: &Value| Shown::of(v.get("name").unwrap_or(&Value::Null)).or_empty();
        let wanted = issue_type.trim();
        page.items
            .iter()
            .find(|t| id_of(t).as_deref() == Some(wanted) || name_of(t).eq_ignore_ascii_case(wanted))
            .and_then(id_of)
            .ok_or_else(|| {
                let names: Vec<String> = page.items.iter().map(name_of).filter(|n| !n.is_empty()).collect();
                JiraError::Input(format!(
                    "project {project} has no issue type `{wanted}`; its types: {}",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ))
            })
    }

    /// Data Center: the allowed values of `field` (an id or a display name) on the create
    /// screen of `project` and `issue_type_id`, with the field's id and name. `None` when
    /// the screen does not have the field.
    pub async fn allowed_values(
        &self,
        project: &str,
        issue_type_id: &str,
        field: &str,
    ) -> Result<Option<(String, String, Vec<FieldOption>)>, JiraError> {
        let wanted = field.trim();
        let mut start = 0u64;
        // A create screen has at most a few hundred fields; the bound guards against a
        // server that never says it is done.
        for _ in 0..20 {
            let req = self
                .request(CREATE_META_FIELDS, &[project, issue_type_id])
                .await?
                .query("startAt", start)
                .query("maxResults", 100);
            let page: Page<Value> = self.call(req).await?;
            let text = |v: &Value, k: &str| Shown::of(v.get(k).unwrap_or(&Value::Null)).or_empty();
            if let Some(f) = page.items.iter().find(|f| {
                text(f, "fieldId").eq_ignore_ascii_case(wanted) || text(f, "name").eq_ignore_ascii_case(wanted)
            }) {
                let options = f
                    .get("allowedValues")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(FieldOption::from_json).collect())
                    .unwrap_or_default();
                return Ok(Some((text(f, "fieldId"), text(f, "name"), options)));
            }
            match page.next() {
                Some(super::Cursor::Offset(n)) => start = n,
                _ => break,
            }
        }
        Ok(None)
    }

    /// Creates a custom field of one of [`FIELD_TYPES`], and forgets the cached field list.
    pub async fn create_field(
        &self,
        name: &str,
        kind: &str,
        description: Option<&str>,
    ) -> Result<FieldMeta, JiraError> {
        let (_, type_key, searcher) = FIELD_TYPES
            .iter()
            .find(|(k, _, _)| *k == kind)
            .ok_or_else(|| JiraError::Input(format!("unknown field type `{kind}`")))?;
        let mut body = serde_json::json!({
            "name": name,
            "type": format!("{CUSTOM_PREFIX}{type_key}"),
            "searcherKey": format!("{CUSTOM_PREFIX}{searcher}"),
        });
        if let Some(d) = description {
            body["description"] = serde_json::json!(d);
        }
        let req = self.request(FIELD_CREATE, &[]).await?.json(body);
        let v: Value = self.call(req).await?;
        self.fields.forget().await;
        FieldMeta::from_json(&v).ok_or_else(|| {
            JiraError::Api(crate::http::ApiError::Decode {
                context: FIELD_CREATE.id(self.flavor()),
                message: "the answer has no field id".into(),
                source: None,
            })
        })
    }
}

fn options_of(page: Page<Value>) -> Page<FieldOption> {
    Page {
        items: page.items.iter().filter_map(FieldOption::from_json).collect(),
        start_at: page.start_at,
        total: page.total,
        is_last: page.is_last,
        next_page_token: page.next_page_token,
    }
}

/// The custom type key without its plug-in prefix (`select`, `gh-sprint`).
pub fn short_type(key: &str) -> &str {
    key.rsplit_once(':').map_or(key, |(_, t)| t)
}
