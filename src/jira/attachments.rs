//! Attachments: list (the issue's `attachment` field), metadata, download, upload.
//!
//! Cloud serves the bytes at `/attachment/content/{id}` (`redirect=false`: the bytes
//! themselves, not a redirect to the media store). Data Center has no REST endpoint for the
//! bytes; its metadata's `content` URL (`…/secure/attachment/{id}/{name}`) is fetched, with the
//! same credential, only when it is on the REST base's own origin: a credential is never sent
//! to a host the metadata names.

use serde::Deserialize;

use super::{
    JiraClient, JiraError, Op,
    models::{Shown, User, lenient},
    ops::{self, Api, Method, On},
};
use crate::{
    config::Flavor,
    http::{ApiRequest, Upload},
};

pub const ATTACHMENT_META: Op = Op::new(Method::Get, Api::Platform, "/attachment/{id}", On::Both);
pub const ATTACHMENT_CONTENT: Op = Op::new(Method::Get, Api::Platform, "/attachment/content/{id}", On::CloudOnly);
pub const ATTACHMENT_ADD: Op = Op::new(
    Method::Post,
    Api::Platform,
    "/issue/{issueIdOrKey}/attachments",
    On::Both,
);

/// One attachment's metadata.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Attachment {
    pub id: Shown,
    pub filename: Shown,
    #[serde(deserialize_with = "lenient")]
    pub size: Option<u64>,
    pub mime_type: Shown,
    #[serde(deserialize_with = "lenient")]
    pub author: Option<User>,
    pub created: Shown,
    /// Where the bytes are (Data Center downloads them from here).
    #[serde(deserialize_with = "lenient")]
    pub content: Option<String>,
}

/// Downloaded bytes and the type the server named.
pub struct Downloaded {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
}

impl JiraClient {
    /// The attachments of an issue (its `attachment` field).
    pub async fn attachments(&self, key: &str) -> Result<Vec<Attachment>, JiraError> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Fields {
            #[serde(deserialize_with = "lenient")]
            attachment: Vec<Attachment>,
        }
        #[derive(Deserialize)]
        struct IssueAttachments {
            #[serde(default, deserialize_with = "lenient")]
            fields: Fields,
        }
        let req = self
            .request(ops::ISSUE_GET, &[key])
            .await?
            .query("fields", "attachment");
        let issue: IssueAttachments = self.call(req).await?;
        Ok(issue.fields.attachment)
    }

    pub async fn attachment(&self, id: &str) -> Result<Attachment, JiraError> {
        let req = self.request(ATTACHMENT_META, &[id]).await?;
        self.call(req).await
    }

    /// The bytes of attachment `id` (whose metadata is `meta`), at most `max_bytes` of them.
    pub async fn download_attachment(
        &self,
        id: &str,
        meta: &Attachment,
        max_bytes: usize,
    ) -> Result<Downloaded, JiraError> {
        let req = match self.flavor() {
            Flavor::Cloud => self
                .request(ATTACHMENT_CONTENT, &[id])
                .await?
                .query("redirect", "false"),
            Flavor::DataCenter => {
                // The same permission as the metadata: the tool must have declared it.
                if let Err(tool) = ops::check(&ATTACHMENT_META) {
                    return Err(JiraError::Undeclared {
                        tool,
                        op: "GET attachment content".into(),
                    });
                }
                ops::pass_gate().await?;
                let content = meta.content.as_deref().unwrap_or_default();
                let url = self.same_origin(content).await?;
                ApiRequest::new(reqwest::Method::GET, url)
            }
        };
        let req = req.header("accept", "*/*").max_bytes(max_bytes);
        let (bytes, content_type) = self.http.send_typed(&req).await?;
        Ok(Downloaded { bytes, content_type })
    }

    /// `url` when its scheme, host and port are the REST base's; else an error saying why.
    async fn same_origin(&self, url: &str) -> Result<url::Url, JiraError> {
        let base = &self.resolve().await?.api_base;
        let parsed = url::Url::parse(url).map_err(|_| {
            JiraError::Input(format!(
                "Jira gave no usable download URL for this attachment (`{}`)",
                crate::adf::truncate_chars(url, 200)
            ))
        })?;
        let same = parsed.scheme() == base.scheme()
            && parsed.host_str() == base.host_str()
            && parsed.port_or_known_default() == base.port_or_known_default();
        if !same {
            return Err(JiraError::Input(format!(
                "the attachment's download URL ({}://{}) is not on the Jira REST host ({}://{}); jira-mcp does not \
                 send the credential elsewhere. Set JIRA_MCP_SITE/JIRA_MCP_API_BASE to Jira's base URL (the one in \
                 Jira's general settings), or download it in a browser",
                parsed.scheme(),
                parsed.host_str().unwrap_or("?"),
                base.scheme(),
                base.host_str().unwrap_or("?")
            )));
        }
        Ok(parsed)
    }

    /// Attaches a file to an issue; Jira answers the created attachments.
    pub async fn add_attachment(
        &self,
        key: &str,
        file_name: &str,
        mime: &str,
        bytes: bytes::Bytes,
    ) -> Result<Vec<Attachment>, JiraError> {
        let req = self
            .request(ATTACHMENT_ADD, &[key])
            .await?
            // Jira refuses multipart posts without it (XSRF protection).
            .header("X-Atlassian-Token", "no-check")
            .upload(Upload {
                file_name: file_name.to_string(),
                mime: mime.to_string(),
                bytes,
            });
        self.call(req).await
    }
}
