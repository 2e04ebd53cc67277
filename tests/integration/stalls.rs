//! One session's large conversion never stalls the others: the server runs every session on
//! one runtime thread, so CPU work linear in a large body (ADF or wiki markup to Markdown, and
//! Markdown to ADF) must run elsewhere. Each test runs a ticker task on the same thread as
//! the server, standing in for every other session, and checks that its longest wait stays
//! a small part of the large call's time. Without the hand-off, the ticker waits for the
//! whole conversion.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{method, path},
};

use crate::support::{Setup, ok_text};

/// Measures the longest gap between 1 ms ticks on this thread until stopped.
struct Ticker {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Duration>,
}

impl Ticker {
    fn start() -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let task = tokio::spawn(async move {
            let mut longest = Duration::ZERO;
            while !flag.load(Ordering::Relaxed) {
                let t = Instant::now();
                tokio::time::sleep(Duration::from_millis(1)).await;
                longest = longest.max(t.elapsed());
            }
            longest
        });
        Ticker { stop, task }
    }

    async fn longest_gap(self) -> Duration {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap()
    }
}

/// About `bytes` of ADF: paragraphs of marked text, lists and code blocks.
fn large_adf(bytes: usize) -> Value {
    let mut content = Vec::new();
    let mut size = 0;
    let mut i = 0;
    while size < bytes {
        let block = match i % 3 {
            0 => json!({"type": "paragraph", "content": [
                {"type": "text", "text": format!("Line {i} of a log pasted into the issue, with ")},
                {"type": "text", "text": "bold", "marks": [{"type": "strong"}]},
                {"type": "text", "text": " and a link", "marks": [{"type": "link", "attrs": {"href": "https://example.com/x"}}]}
            ]}),
            1 => json!({"type": "bulletList", "content": [
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": format!("item {i}")}]}]}
            ]}),
            _ => {
                json!({"type": "codeBlock", "content": [{"type": "text", "text": format!("at frame {i} in worker.rs:{i}")}]})
            }
        };
        size += block.to_string().len();
        content.push(block);
        i += 1;
    }
    json!({"type": "doc", "version": 1, "content": content})
}

#[tokio::test]
async fn a_large_description_is_converted_off_the_sessions_thread() {
    let h = Setup::new().start().await;
    let issue = json!({
        "key": "BIG-1",
        "fields": {"summary": "A huge log", "description": large_adf(6 << 20)}
    });
    Mock::given(method("GET"))
        .and(path("/rest/api/3/issue/BIG-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(issue))
        .mount(&h.jira)
        .await;
    let ticker = Ticker::start();
    let t = Instant::now();
    let r = h.call("jira_get_issue", json!({"issue_key": "BIG-1"})).await;
    let took = t.elapsed();
    let gap = ticker.longest_gap().await;
    let text = ok_text(&r);
    assert!(text.contains("characters shown)"), "the description is cut with a note");
    let description = r.structured_content.as_ref().unwrap()["description"].as_str().unwrap();
    assert!(description.chars().count() < 100_100, "the description is capped");
    eprintln!(
        "6 MB ADF description: call {} ms, longest wait of another session {} ms",
        took.as_millis(),
        gap.as_millis()
    );
    assert!(
        gap < took / 4,
        "another session waited {gap:?} during a {took:?} call: the conversion ran on its thread"
    );
}

#[tokio::test]
async fn a_large_markdown_argument_is_converted_off_the_sessions_thread() {
    let h = Setup::new().start().await;
    Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/BIG-1/comment"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "1"})))
        .mount(&h.jira)
        .await;
    let mut md = String::new();
    let mut i = 0;
    while md.len() < 1 << 20 {
        md.push_str(&format!(
            "Step {i}: **bold** and _slanted_ with `code` and [a link](https://example.com/{i})\n\n- one\n  - two\n\n> quoted {i}\n\n"
        ));
        i += 1;
    }
    let ticker = Ticker::start();
    let t = Instant::now();
    let r = h
        .call("jira_add_comment", json!({"issue_key": "BIG-1", "body": md}))
        .await;
    let took = t.elapsed();
    let gap = ticker.longest_gap().await;
    assert_eq!(ok_text(&r), "Added comment #1 to BIG-1.");
    let sent = h.last_body("POST", "/rest/api/3/issue/BIG-1/comment").await;
    crate::adf::assert_valid_adf(&sent["body"]);
    eprintln!(
        "1 MB Markdown comment: call {} ms, longest wait of another session {} ms",
        took.as_millis(),
        gap.as_millis()
    );
    assert!(
        gap < took / 4,
        "another session waited {gap:?} during a {took:?} call: the conversion ran on its thread"
    );
}
