//! Jira wiki markup ⇄ Markdown (placeholder until the converter lands).

pub fn from_markdown(markdown: &str) -> String {
    markdown.to_string()
}

pub fn to_markdown(wiki: &str) -> String {
    wiki.to_string()
}
