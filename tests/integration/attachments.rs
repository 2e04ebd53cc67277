//! Attachments: list, download (image, text, file), upload (multipart, no-check header), and
//! a round trip of the same bytes; Data Center downloads only from the REST host.

use base64::Engine;
use serde_json::{Value, json};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{header, method, path, query_param},
};

use crate::support::{Setup, err_text, ok_text};

/// A 1×1 PNG, plus bytes that are not UTF-8, so the round trip is byte-exact.
fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    v.extend_from_slice(&[0xff, 0xfe, 0x00, 0x80, 0x7f]);
    v
}

fn meta(id: &str, name: &str, mime: &str, size: usize, content: &str) -> Value {
    json!({
        "id": id, "filename": name, "size": size, "mimeType": mime,
        "author": {"displayName": "Grace Hopper"}, "created": "2026-12-01T09:15:00.000+0000",
        "content": content
    })
}

#[tokio::test]
async fn get_attachments_lists_the_issue_field() {
    let h = Setup::new().start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/PROJ-5"))
        .and(query_param("fields", "attachment"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "key": "PROJ-5",
            "fields": {"attachment": [
                meta("10001", "shot.png", "image/png", 2048, "x"),
                meta("10002", "notes.txt", "text/plain", 12, "x")
            ]}
        })))
        .mount(&h.jira)
        .await;
    let r = h.call("jira_get_attachments", json!({"issue_key": "PROJ-5"})).await;
    let text = ok_text(&r);
    assert_eq!(
        text,
        "PROJ-5: 2 attachments:\n\
         - #10001 shot.png (image/png, 2.0 KB), Grace Hopper, 2026-12-01 09:15\n\
         - #10002 notes.txt (text/plain, 12 B), Grace Hopper, 2026-12-01 09:15\n\
         Read one with jira_download_attachment."
    );
    let s = r.structured_content.unwrap();
    assert_eq!(s["attachments"][1]["mime_type"], "text/plain");
    assert_eq!(s["attachments"][0]["size"], 2048);
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn upload_then_download_round_trips_the_bytes() {
    let h = Setup::new().start().await;
    let bytes = png();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let uri = h.jira.uri();
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/PROJ-5/attachments"))
        .and(header("X-Atlassian-Token", "no-check"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([meta(
            "10010",
            "shot.png",
            "image/png",
            bytes.len(),
            &format!("{uri}/rest/api/3/attachment/content/10010")
        )])))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_upload_attachment",
            json!({"issue_key": "PROJ-5", "content_base64": b64, "file_name": "shot.png"}),
        )
        .await;
    assert_eq!(
        ok_text(&r),
        format!("Attached shot.png ({} B) to PROJ-5: attachment #10010.", bytes.len())
    );
    assert_eq!(r.structured_content.unwrap()["ids"], json!(["10010"]));
    // The multipart body the mock received: field `file`, the name, the type, the bytes.
    let reqs = h.jira.received_requests().await.unwrap();
    let post = reqs.iter().find(|r| r.method.as_str() == "POST").unwrap();
    let ct = post.headers.get("content-type").unwrap().to_str().unwrap().to_string();
    assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
    let body = &post.body;
    let find = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
    assert!(
        find(b"name=\"file\"; filename=\"shot.png\""),
        "{}",
        String::from_utf8_lossy(body)
    );
    assert!(find(b"Content-Type: image/png"));
    assert!(find(&bytes), "the uploaded bytes are in the body");

    // Download them back: as image content, then into a new file.
    h.ok(
        "GET",
        "/rest/api/3/attachment/10010",
        meta("10010", "shot.png", "image/png", bytes.len(), "unused on Cloud"),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/attachment/content/10010"))
        .and(query_param("redirect", "false"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(bytes.clone(), "image/png"))
        .mount(&h.jira)
        .await;
    let r = h
        .call("jira_download_attachment", json!({"attachment_id": "10010"}))
        .await;
    let text = ok_text(&r);
    assert!(text.ends_with("the image follows."), "{text}");
    let image = r.content.iter().find_map(|c| c.as_image()).expect("image content");
    assert_eq!(image.mime_type, "image/png");
    assert_eq!(
        base64::engine::general_purpose::STANDARD.decode(&image.data).unwrap(),
        bytes
    );
    assert_eq!(r.structured_content.unwrap()["returned_as"], "image");

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("copy.png");
    let r = h
        .call(
            "jira_download_attachment",
            json!({"attachment_id": "10010", "save_to": target.display().to_string()}),
        )
        .await;
    let text = ok_text(&r);
    assert!(
        text.contains(&format!("saved {} B to {}", bytes.len(), target.display())),
        "{text}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), bytes);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // An existing file is never replaced.
    let text = err_text(
        &h.call(
            "jira_download_attachment",
            json!({"attachment_id": "10010", "save_to": target.display().to_string()}),
        )
        .await,
    );
    assert!(text.contains("already exists"), "{text}");
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn upload_from_a_local_path() {
    let h = Setup::new().start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("build.log");
    std::fs::write(&file, b"line 1\nline 2\n").unwrap();
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/PROJ-5/attachments"))
        .and(header("X-Atlassian-Token", "no-check"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([meta(
            "10020",
            "build.log",
            "text/plain",
            14,
            "x"
        )])))
        .expect(1)
        .mount(&h.jira)
        .await;
    let r = h
        .call(
            "jira_upload_attachment",
            json!({"issue_key": "PROJ-5", "path": file.display().to_string()}),
        )
        .await;
    assert_eq!(ok_text(&r), "Attached build.log (14 B) to PROJ-5: attachment #10020.");
    let reqs = h.jira.received_requests().await.unwrap();
    let body = String::from_utf8_lossy(&reqs[0].body).to_string();
    assert!(
        body.contains("filename=\"build.log\"") && body.contains("line 1\nline 2\n"),
        "{body}"
    );
}

#[tokio::test]
async fn text_is_inline_and_other_files_need_save_to() {
    let h = Setup::new().start().await;
    h.ok(
        "GET",
        "/rest/api/3/attachment/10002",
        meta("10002", "notes.txt", "text/plain; charset=UTF-8", 12, "x"),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/attachment/content/10002"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(b"hello\nworld!".to_vec(), "text/plain"))
        .mount(&h.jira)
        .await;
    h.ok(
        "GET",
        "/rest/api/3/attachment/10003",
        meta("10003", "spec.pdf", "application/pdf", 4096, "x"),
    )
    .await;
    let r = h
        .call("jira_download_attachment", json!({"attachment_id": "10002"}))
        .await;
    let text = ok_text(&r);
    assert!(text.ends_with(":\n\nhello\nworld!"), "{text}");
    assert_eq!(r.structured_content.unwrap()["text"], "hello\nworld!");

    let text = err_text(
        &h.call("jira_download_attachment", json!({"attachment_id": "10003"}))
            .await,
    );
    assert!(
        text.contains("is application/pdf") && text.contains("pass save_to"),
        "{text}"
    );
    // The PDF's bytes were not fetched: only its metadata.
    let fetched: Vec<String> = h.requests().await.into_iter().map(|(_, p)| p).collect();
    assert!(!fetched.iter().any(|p| p.ends_with("/content/10003")), "{fetched:?}");
    h.assert_declared_operations_only();
}

#[tokio::test]
async fn bad_input_is_rejected_without_any_request() {
    let h = Setup::new().start().await;
    let cases = [
        (
            "jira_upload_attachment",
            json!({"issue_key": "PROJ-5", "path": "/tmp/x", "content_base64": "AAAA", "file_name": "x"}),
            "not both",
        ),
        (
            "jira_upload_attachment",
            json!({"issue_key": "PROJ-5", "path": "notes.txt"}),
            "is relative",
        ),
        (
            "jira_upload_attachment",
            json!({"issue_key": "PROJ-5", "content_base64": "AAAA"}),
            "needs file_name",
        ),
        (
            "jira_upload_attachment",
            json!({"issue_key": "PROJ-5", "content_base64": "!!", "file_name": "a.bin"}),
            "not base64",
        ),
        (
            "jira_download_attachment",
            json!({"attachment_id": "10001", "save_to": "out/shot.png"}),
            "save_to `out/shot.png` is relative",
        ),
        (
            "jira_download_attachment",
            json!({"attachment_id": "10001/../2"}),
            "is not an id",
        ),
        (
            "jira_download_attachment",
            json!({"attachment_id": "10001", "save_to": "/nonexistent-dir-4f1c/shot.png"}),
            "folder that does not exist",
        ),
    ];
    for (tool, args, expected) in cases {
        let text = err_text(&h.call(tool, args).await);
        assert!(text.starts_with("Invalid input:"), "{text}");
        assert!(text.contains(expected), "{tool}: {text}");
    }
    assert!(h.requests().await.is_empty(), "bad input must cost no request");
}

#[tokio::test]
async fn a_refused_upload_is_explained() {
    let h = Setup::new().start().await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/PROJ-5/attachments"))
        .respond_with(ResponseTemplate::new(403).set_body_json(
            json!({"errorMessages": ["You do not have permission to create attachments for this issue."]}),
        ))
        .mount(&h.jira)
        .await;
    let text = err_text(
        &h.call(
            "jira_upload_attachment",
            json!({"issue_key": "PROJ-5", "content_base64": "aGk=", "file_name": "hi.txt"}),
        )
        .await,
    );
    assert!(text.starts_with("Permission denied (403)"), "{text}");
    assert!(text.contains("create attachments"), "{text}");
}

#[tokio::test]
async fn data_center_downloads_from_the_rest_host_only() {
    let h = Setup::new().env("JIRA_MCP_FLAVOR", "datacenter").start().await;
    let uri = h.jira.uri();
    let bytes = png();
    h.ok(
        "GET",
        "/rest/api/2/attachment/10040",
        meta(
            "10040",
            "shot.png",
            "image/png",
            bytes.len(),
            &format!("{uri}/secure/attachment/10040/shot.png"),
        ),
    )
    .await;
    h.ok(
        "GET",
        "/rest/api/2/attachment/10041",
        meta(
            "10041",
            "shot.png",
            "image/png",
            bytes.len(),
            "https://cdn.example.net/secure/attachment/10041/shot.png",
        ),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/secure/attachment/10040/shot.png"))
        .and(header(
            "authorization",
            format!("Bearer {}", crate::support::TOKEN).as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw(bytes.clone(), "image/png"))
        .mount(&h.jira)
        .await;
    let r = h
        .call("jira_download_attachment", json!({"attachment_id": "10040"}))
        .await;
    ok_text(&r);
    let image = r.content.iter().find_map(|c| c.as_image()).expect("image content");
    assert_eq!(
        base64::engine::general_purpose::STANDARD.decode(&image.data).unwrap(),
        bytes
    );

    let text = err_text(
        &h.call("jira_download_attachment", json!({"attachment_id": "10041"}))
            .await,
    );
    assert!(
        text.contains("is not on the Jira REST host") && text.contains("cdn.example.net"),
        "{text}"
    );
    assert_eq!(
        h.requests().await.len(),
        3,
        "two metadata reads and one same-host download"
    );
    h.assert_declared_operations_only();
}

/// How long a large download and upload take through the whole stack (in-process MCP client,
/// wiremock on loopback). A measurement, not a check: `cargo test --test integration -- --ignored
/// attachments::measure --nocapture`.
#[tokio::test]
#[ignore]
async fn measure_large_transfers() {
    let h = Setup::new().start().await;
    let big: Vec<u8> = (0..50u32 << 20).map(|i| (i % 251) as u8).collect();
    h.ok(
        "GET",
        "/rest/api/3/attachment/1",
        meta("1", "big.bin", "application/octet-stream", big.len(), "x"),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/attachment/content/1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big.clone(), "application/octet-stream"))
        .mount(&h.jira)
        .await;
    let image: Vec<u8> = (0..5u32 << 20).map(|i| (i % 253) as u8).collect();
    h.ok(
        "GET",
        "/rest/api/3/attachment/2",
        meta("2", "big.png", "image/png", image.len(), "x"),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/attachment/content/2"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(image.clone(), "image/png"))
        .mount(&h.jira)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/PROJ-5/attachments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": "3"}])))
        .mount(&h.jira)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big.bin");
    let t = std::time::Instant::now();
    let r = h
        .call(
            "jira_download_attachment",
            json!({"attachment_id": "1", "save_to": target.display().to_string()}),
        )
        .await;
    ok_text(&r);
    eprintln!("50 MB download to save_to: {:?}", t.elapsed());
    assert_eq!(std::fs::read(&target).unwrap().len(), big.len());
    let t = std::time::Instant::now();
    let r = h.call("jira_download_attachment", json!({"attachment_id": "2"})).await;
    ok_text(&r);
    eprintln!("5 MB image as image content: {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let r = h
        .call(
            "jira_upload_attachment",
            json!({"issue_key": "PROJ-5", "path": target.display().to_string()}),
        )
        .await;
    ok_text(&r);
    eprintln!("50 MB upload from path: {:?}", t.elapsed());
    let b64 = base64::engine::general_purpose::STANDARD.encode(&image);
    let t = std::time::Instant::now();
    let r = h
        .call(
            "jira_upload_attachment",
            json!({"issue_key": "PROJ-5", "content_base64": b64, "file_name": "x.png"}),
        )
        .await;
    ok_text(&r);
    eprintln!("5 MB upload as base64: {:?}", t.elapsed());
}
