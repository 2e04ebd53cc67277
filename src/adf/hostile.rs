//! Hostile input for the ADF converters: the Markdown a model writes (which Jira content can
//! steer) and the ADF Jira sends. Nesting of every container runs in a small stack, and time
//! grows linearly with size on the same adversarial shapes as the wiki converter.

use serde_json::{Value, json};

use super::{from_markdown, to_markdown};
use crate::wiki::tests::{adversarial, assert_linear, heavy, small_stack};

/// Markdown → ADF → JSON text → Markdown, and the document dropped: every step a tool takes.
fn round_trip(md: &str) -> String {
    let doc = from_markdown(md);
    let sent = serde_json::to_string(&doc).expect("serializes");
    assert!(!sent.is_empty());
    to_markdown(&doc)
}

fn depth(v: &Value) -> usize {
    // Iterative: the check itself must not be what overflows.
    let mut deepest = 0;
    let mut todo = vec![(v, 1usize)];
    while let Some((v, d)) = todo.pop() {
        deepest = deepest.max(d);
        match v {
            Value::Array(a) => todo.extend(a.iter().map(|x| (x, d + 1))),
            Value::Object(m) => todo.extend(m.values().map(|x| (x, d + 1))),
            _ => {}
        }
    }
    deepest
}

#[test]
fn deep_markdown_is_flattened_with_a_visible_mark() {
    let _alone = heavy();
    small_stack(|| {
        let n = 100_000;
        let bullets = format!("{} deep", "- ".repeat(n));
        assert!(round_trip(&bullets).contains("deep"));
        let quotes = format!("{} deep", "> ".repeat(n));
        assert!(round_trip(&quotes).contains("deep"));
        let ordered = format!("{} deep", "1. ".repeat(n));
        assert!(round_trip(&ordered).contains("deep"));
        let indented: String = (0..2000)
            .map(|i| format!("{}- level {i}\n", "  ".repeat(i % 400)))
            .collect();
        let doc = from_markdown(&indented);
        assert!(depth(&doc) < 80, "the document stays shallow: {}", depth(&doc));
        let md = to_markdown(&doc);
        assert!(md.contains("level 399"), "content of flattened levels is kept");
        assert!(md.contains("↳ level 20"), "flattening shows");
        let emphasis = format!("{}x{}", "*".repeat(n), "*".repeat(n));
        assert!(round_trip(&emphasis).contains('x'));
        let brackets = format!("{}x{}", "[".repeat(n), "](u)".repeat(n));
        assert!(round_trip(&brackets).contains('x'));
    });
}

/// Jira's ADF cannot nest beyond what serde_json reads (128 levels of JSON, about 64 nodes);
/// rendering the deepest it can send fits in half of a runtime thread's 2 MB stack.
#[test]
fn deep_adf_from_jira_renders_in_half_a_worker_stack() {
    let _alone = heavy();
    let run = std::thread::Builder::new().stack_size(1 << 20).spawn(|| {
        // What Jira can send: the deepest list nesting serde_json still reads (it refuses
        // nesting beyond 128 when reading an answer).
        let nest = |levels: usize| {
            let mut node = json!({"type": "paragraph", "content": [{"type": "text", "text": "bottom"}]});
            for _ in 0..levels {
                node = json!({"type": "bulletList", "content": [{"type": "listItem", "content": [node]}]});
            }
            serde_json::to_string(&json!({"type": "doc", "version": 1, "content": [node]})).unwrap()
        };
        let deepest = (1..200)
            .take_while(|l| serde_json::from_str::<Value>(&nest(*l)).is_ok())
            .last()
            .expect("some nesting reads");
        let parsed: Value = serde_json::from_str(&nest(deepest)).unwrap();
        assert!(to_markdown(&parsed).contains("bottom"));
        let quotes = (0..30).fold(
            json!({"type": "paragraph", "content": [{"type": "text", "text": "q"}]}),
            |inner, _| json!({"type": "blockquote", "content": [inner]}),
        );
        assert!(to_markdown(&json!({"type": "doc", "version": 1, "content": [quotes]})).contains('q'));
    });
    run.expect("spawn").join().expect("no panic, no stack overflow");
}

#[test]
fn time_is_linear_in_input_size() {
    let _alone = heavy();
    let small = adversarial(20_000);
    let large = adversarial(80_000);
    let mut report = Vec::new();
    for ((name, s), (_, l)) in small.iter().zip(&large) {
        report.push(assert_linear(
            &format!("markdown → adf → markdown on {name}"),
            s,
            l,
            |x| {
                round_trip(x);
            },
        ));
    }
    eprintln!("{}", report.join("\n"));
}
