//! Toolset `attachments`: list, download and upload issue attachments.
//!
//! A download comes back in the answer when it is small and readable there (images as MCP
//! image content, text as text); anything else is written to a local file the caller names
//! (`save_to`), never over an existing one. An upload takes a local file, or the bytes as
//! base64 for clients that share no file system with the server.

use std::{io::Write, path::Path};

use base64::Engine;
use rmcp::model::ContentBlock;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Access, Ctx, Out, OutWith, ToolDef, ToolError, ToolsetDef, handler, params};
use crate::{
    jira::{
        attachments::{self, Attachment},
        ops::{self, On},
    },
    render,
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "attachments",
    description: "List, download and upload issue attachments",
    default: false,
    tools: &[&GET_ATTACHMENTS, &DOWNLOAD_ATTACHMENT, &UPLOAD_ATTACHMENT],
};

static GET_ATTACHMENTS: ToolDef = ToolDef {
    name: "jira_get_attachments",
    description: "List an issue's attachments.",
    access: Access::READ,
    on: On::Both,
    ops: &[ops::ISSUE_GET],
    handler: handler!(get_attachments),
};

static DOWNLOAD_ATTACHMENT: ToolDef = ToolDef {
    name: "jira_download_attachment",
    description: "Read an attachment: images and short text inline, other files to save_to.",
    access: Access::READ,
    on: On::Both,
    ops: &[attachments::ATTACHMENT_META, attachments::ATTACHMENT_CONTENT],
    handler: handler!(download_attachment),
};

static UPLOAD_ATTACHMENT: ToolDef = ToolDef {
    name: "jira_upload_attachment",
    description: "Attach a local file or base64 bytes to an issue.",
    access: Access::ADD,
    on: On::Both,
    ops: &[attachments::ATTACHMENT_ADD],
    handler: handler!(upload_attachment),
};

/// Images up to this size come back as image content.
pub const IMAGE_MAX: u64 = 5 << 20;
/// Text up to this size comes back as text.
pub const TEXT_MAX: u64 = 100 << 10;
/// The most a download or upload may be.
pub const FILE_MAX: u64 = 100 << 20;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetAttachmentsParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct DownloadAttachmentParams {
    /// Attachment id (digits), from jira_get_attachments.
    pub attachment_id: String,
    /// Absolute path of a new file to write to (must not exist).
    pub save_to: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct UploadAttachmentParams {
    /// Issue key, e.g. `PROJ-123`.
    pub issue_key: String,
    /// Absolute path of a local file (≤ 100 MB); or content_base64.
    pub path: Option<String>,
    /// The file's bytes, base64; needs file_name.
    pub content_base64: Option<String>,
    /// Name in Jira, e.g. `log.txt` (default: path's name).
    pub file_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema, PartialEq)]
pub struct AttachmentView {
    pub id: String,
    pub filename: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
}

impl AttachmentView {
    fn new(a: &Attachment) -> AttachmentView {
        AttachmentView {
            id: a.id.or_empty(),
            filename: a.filename.or_empty(),
            size: a.size,
            mime_type: a.mime_type.get(),
            author: a.author.as_ref().and_then(|u| u.display_name.get()),
            created: a.created.get(),
        }
    }

    /// `#10001 shot.png (image/png, 12.3 KB), Ada Lovelace, 2026-12-01 10:00`
    fn line(&self) -> String {
        let kind: Vec<String> = [self.mime_type.clone(), self.size.map(human_size)]
            .into_iter()
            .flatten()
            .collect();
        let mut s = format!("#{} {}", self.id, self.filename);
        if !kind.is_empty() {
            s.push_str(&format!(" ({})", kind.join(", ")));
        }
        for part in [self.author.clone(), self.created.as_deref().map(render::short_time)]
            .into_iter()
            .flatten()
        {
            s.push_str(", ");
            s.push_str(&part);
        }
        s
    }
}

fn human_size(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{:.1} KB", n as f64 / 1024.0),
        _ => format!("{:.1} MB", n as f64 / 1_048_576.0),
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AttachmentList {
    pub issue_key: String,
    pub attachments: Vec<AttachmentView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AttachmentDownload {
    pub id: String,
    pub filename: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// `image` (image content), `text` (in `text`) or `file` (written to `saved_to`).
    pub returned_as: String,
    pub bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_to: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AttachmentsAdded {
    pub issue_key: String,
    pub file_name: String,
    pub bytes: u64,
    /// The created attachments' ids.
    pub ids: Vec<String>,
}

async fn get_attachments(cx: Ctx, p: GetAttachmentsParams) -> Result<Out<AttachmentList>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let list = cx
        .jira
        .attachments(&key)
        .await
        .map_err(cx.failing(format!("Issue {key}")))?;
    let views: Vec<AttachmentView> = list.iter().map(AttachmentView::new).collect();
    let text = if views.is_empty() {
        format!("{key} has no attachments.")
    } else {
        let lines: Vec<String> = views.iter().map(|v| format!("- {}", v.line())).collect();
        format!(
            "{key}: {} attachment{}:\n{}\nRead one with jira_download_attachment.",
            views.len(),
            if views.len() == 1 { "" } else { "s" },
            lines.join("\n")
        )
    };
    Ok(Out {
        text,
        data: AttachmentList {
            issue_key: key,
            attachments: views,
        },
    })
}

/// The bare media type, lower case (`Image/PNG; x=y` → `image/png`).
fn media_type(mime: &str) -> String {
    mime.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

fn is_inline_image(mime: &str) -> bool {
    matches!(mime, "image/png" | "image/jpeg" | "image/gif" | "image/webp")
}

fn is_text(mime: &str) -> bool {
    mime.starts_with("text/")
        || matches!(mime, "application/json" | "application/xml" | "application/csv")
        || mime.ends_with("+json")
        || mime.ends_with("+xml")
}

async fn download_attachment(cx: Ctx, p: DownloadAttachmentParams) -> Result<OutWith<AttachmentDownload>, ToolError> {
    let id = params::numeric_id("attachment_id", &p.attachment_id)?;
    let save_to = match p.save_to.as_deref() {
        Some(s) => {
            let path = params::absolute_path("save_to", s)?;
            if std::fs::symlink_metadata(&path).is_ok() {
                return Err(ToolError::invalid(format!(
                    "save_to `{}` already exists; name a new file",
                    path.display()
                )));
            }
            if !path.parent().is_some_and(Path::is_dir) {
                return Err(ToolError::invalid(format!(
                    "save_to `{}` is in a folder that does not exist",
                    path.display()
                )));
            }
            Some(path)
        }
        None => None,
    };
    let meta = cx
        .jira
        .attachment(&id)
        .await
        .map_err(cx.failing(format!("Attachment {id}")))?;
    let view = AttachmentView::new(&meta);
    let mime = media_type(&meta.mime_type.or_empty());
    let size = meta.size;
    let needs_file = |why: &str| {
        ToolError::invalid(format!(
            "attachment {id} `{}` {why}; pass save_to (an absolute path of a new file) to download it",
            view.filename
        ))
    };
    if size.is_some_and(|n| n > FILE_MAX) {
        return Err(ToolError::invalid(format!(
            "attachment {id} is {}; jira-mcp downloads at most 100 MB",
            human_size(size.unwrap_or(0))
        )));
    }
    if save_to.is_none() {
        if is_inline_image(&mime) {
            if size.is_some_and(|n| n > IMAGE_MAX) {
                return Err(needs_file("is an image larger than 5 MB"));
            }
        } else if is_text(&mime) {
            if size.is_some_and(|n| n > TEXT_MAX) {
                return Err(needs_file("is text larger than 100 KB"));
            }
        } else {
            return Err(needs_file(&format!(
                "is {}, which cannot be shown inline",
                if mime.is_empty() { "of unknown type" } else { &mime }
            )));
        }
    }
    let got = cx
        .jira
        .download_attachment(&id, &meta, FILE_MAX as usize)
        .await
        .map_err(cx.failing(format!("Attachment {id}")))?;
    let bytes = got.bytes;
    let n = bytes.len() as u64;
    let head = format!(
        "Attachment #{id} {} ({}, {})",
        view.filename,
        if mime.is_empty() { "unknown type" } else { &mime },
        human_size(n)
    );
    if let Some(path) = save_to {
        write_new_file(&path, &bytes)
            .map_err(|e| ToolError::invalid(format!("cannot write save_to `{}`: {e}", path.display())))?;
        let shown = path.display().to_string();
        return Ok(Out {
            text: format!("{head}: saved {} to {shown}.", human_size(n)),
            data: AttachmentDownload {
                id: id.clone(),
                filename: view.filename.clone(),
                mime_type: view.mime_type.clone(),
                returned_as: "file".into(),
                bytes: n,
                text: None,
                saved_to: Some(shown),
            },
        }
        .with_content(Vec::new()));
    }
    if is_inline_image(&mime) {
        if n > IMAGE_MAX {
            return Err(needs_file("is an image larger than 5 MB"));
        }
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        return Ok(Out {
            text: format!("{head}: the image follows."),
            data: AttachmentDownload {
                id: id.clone(),
                filename: view.filename.clone(),
                mime_type: view.mime_type.clone(),
                returned_as: "image".into(),
                bytes: n,
                text: None,
                saved_to: None,
            },
        }
        .with_content(vec![ContentBlock::image(b64, mime)]));
    }
    if n > TEXT_MAX {
        return Err(needs_file("is text larger than 100 KB"));
    }
    let Ok(content) = String::from_utf8(bytes) else {
        return Err(needs_file("is not UTF-8 text"));
    };
    Ok(Out {
        text: format!("{head}:\n\n{content}"),
        data: AttachmentDownload {
            id: id.clone(),
            filename: view.filename.clone(),
            mime_type: view.mime_type.clone(),
            returned_as: "text".into(),
            bytes: n,
            text: Some(content),
            saved_to: None,
        },
    }
    .with_content(Vec::new()))
}

/// Creates `path` (never replacing a file, mode 0600 on Unix) and writes `bytes`; a failed
/// write leaves no partial file.
fn write_new_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    let written = f.write_all(bytes).and_then(|()| f.sync_all());
    if written.is_err() {
        drop(f);
        let _ = std::fs::remove_file(path);
    }
    written
}

/// A file name Jira can store: one path segment, printable, at most 255 characters.
fn file_name(input: &str) -> Result<String, ToolError> {
    let s = input.trim();
    let ok = !s.is_empty()
        && s.chars().count() <= 255
        && s != "."
        && s != ".."
        && !s.contains(['/', '\\'])
        && !s.chars().any(char::is_control);
    if !ok {
        return Err(ToolError::invalid(format!(
            "file_name `{}` is not a file name; give one like `report.pdf` (no slashes)",
            crate::adf::truncate_chars(s, 80)
        )));
    }
    Ok(s.to_string())
}

/// The media type for a file name's extension (`application/octet-stream` when unknown).
fn mime_for(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "txt" | "log" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "xml" => "application/xml",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        _ => "application/octet-stream",
    }
}

async fn upload_attachment(cx: Ctx, p: UploadAttachmentParams) -> Result<Out<AttachmentsAdded>, ToolError> {
    let key = params::issue_key(&p.issue_key)?;
    let (name, bytes) = match (p.path.as_deref(), p.content_base64.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ToolError::invalid("give either path or content_base64, not both"));
        }
        (None, None) => {
            return Err(ToolError::invalid(
                "give path (a local file) or content_base64 with file_name",
            ));
        }
        (Some(path), None) => {
            let path = params::absolute_path("path", path)?;
            let meta = std::fs::metadata(&path)
                .map_err(|e| ToolError::invalid(format!("cannot read `{}`: {e}", path.display())))?;
            if !meta.is_file() {
                return Err(ToolError::invalid(format!("`{}` is not a file", path.display())));
            }
            if meta.len() > FILE_MAX {
                return Err(ToolError::invalid(format!(
                    "`{}` is {}; the most jira-mcp uploads is 100 MB",
                    path.display(),
                    human_size(meta.len())
                )));
            }
            let name = match p.file_name.as_deref() {
                Some(n) => file_name(n)?,
                None => file_name(&path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default())?,
            };
            let bytes = tokio::fs::read(&path)
                .await
                .map_err(|e| ToolError::invalid(format!("cannot read `{}`: {e}", path.display())))?;
            if bytes.len() as u64 > FILE_MAX {
                return Err(ToolError::invalid(format!(
                    "`{}` grew past 100 MB while being read",
                    path.display()
                )));
            }
            (name, bytes)
        }
        (None, Some(b64)) => {
            let name = file_name(
                p.file_name
                    .as_deref()
                    .ok_or_else(|| ToolError::invalid("content_base64 needs file_name, e.g. `notes.txt`"))?,
            )?;
            let clean: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            if clean.len() as u64 > FILE_MAX / 3 * 4 + 4 {
                return Err(ToolError::invalid("content_base64 is over 100 MB"));
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(clean.as_bytes())
                .map_err(|e| ToolError::invalid(format!("content_base64 is not base64 ({e})")))?;
            (name, bytes)
        }
    };
    let size = bytes.len();
    let added = cx
        .jira
        .add_attachment(&key, &name, mime_for(&name), bytes::Bytes::from(bytes))
        .await
        .map_err(cx.failing(format!("Issue {key}")))?;
    let ids: Vec<String> = added.iter().filter_map(|a| a.id.get()).collect();
    let shown: Vec<String> = ids.iter().map(|i| format!("#{i}")).collect();
    let text = format!(
        "Attached {name} ({}) to {key}: attachment {}.",
        human_size(size as u64),
        if shown.is_empty() {
            "id not reported".to_string()
        } else {
            shown.join(", ")
        }
    );
    Ok(Out {
        text,
        data: AttachmentsAdded {
            issue_key: key,
            file_name: name,
            bytes: size as u64,
            ids,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_decide_how_a_download_returns() {
        assert!(is_inline_image(&media_type("Image/PNG; q=1")));
        assert!(!is_inline_image("image/svg+xml"));
        assert!(is_text("text/csv") && is_text("application/json") && is_text("application/vnd.x+xml"));
        assert!(!is_text("application/pdf"));
    }

    #[test]
    fn file_names_are_one_segment() {
        assert_eq!(file_name(" a.txt ").unwrap(), "a.txt");
        for bad in ["", "..", "a/b", "a\\b", "a\nb"] {
            assert!(file_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(mime_for("X.PNG"), "image/png");
        assert_eq!(mime_for("noext"), "application/octet-stream");
    }

    #[test]
    fn new_files_are_private_and_never_replace_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.bin");
        write_new_file(&p, b"abc").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"abc");
        assert!(write_new_file(&p, b"def").is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"abc");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
