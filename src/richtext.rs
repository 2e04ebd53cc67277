//! Rich text behind one trait: what Jira stores is ADF on Cloud and wiki markup on Data
//! Center; what people and models read and write is Markdown.
//!
//! Tools and views never name a format: they ask the client for its [`RichText`] and call
//! [`RichText::to_markdown`] on a body as Jira sent it, or [`RichText::to_body`] for a
//! body to send. The conversions themselves live in [`crate::adf`] and [`crate::wiki`].

use serde_json::Value;

use crate::config::Flavor;

pub trait RichText: Send + Sync {
    /// Markdown for a body as Jira sent it. A body of the other format, or a plain string,
    /// is still shown as well as it can be: content is never dropped.
    fn to_markdown(&self, body: &Value) -> String;
    /// The body to send for Markdown `markdown`.
    fn to_body(&self, markdown: &str) -> Value;
    /// What the format is called, for messages.
    fn name(&self) -> &'static str;
}

/// Atlassian Document Format (Cloud, REST v3).
pub struct Adf;

/// Jira wiki markup (Data Center, REST v2).
pub struct Wiki;

impl RichText for Adf {
    fn to_markdown(&self, body: &Value) -> String {
        match body {
            Value::String(s) => s.clone(),
            v if crate::adf::is_adf(v) => crate::adf::to_markdown(v),
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }

    fn to_body(&self, markdown: &str) -> Value {
        crate::adf::from_markdown(markdown)
    }

    fn name(&self) -> &'static str {
        "ADF"
    }
}

impl RichText for Wiki {
    fn to_markdown(&self, body: &Value) -> String {
        match body {
            Value::String(s) => crate::wiki::to_markdown(s),
            // A proxy or a plugin may still hand out ADF.
            v if crate::adf::is_adf(v) => crate::adf::to_markdown(v),
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }

    fn to_body(&self, markdown: &str) -> Value {
        Value::String(crate::wiki::from_markdown(markdown))
    }

    fn name(&self) -> &'static str {
        "wiki markup"
    }
}

/// The format of a flavor.
pub fn of(flavor: Flavor) -> &'static dyn RichText {
    match flavor {
        Flavor::Cloud => &Adf,
        Flavor::DataCenter => &Wiki,
    }
}

/// True when a value is recognisably a rich-text body: an ADF document. Wiki-markup bodies are
/// plain strings, told apart only by the field's type (see `FieldMeta::is_rich_text`).
pub fn is_body(v: &Value) -> bool {
    crate::adf::is_adf(v)
}
