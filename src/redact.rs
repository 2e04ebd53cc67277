//! Messages that quote what they failed to read (serde's "invalid type: string \"…\"",
//! TOML's line excerpts) may quote a secret: these helpers keep the message and drop the
//! quoted values.

/// `msg` with the contents of every double-quoted string replaced by `…`.
pub fn quoted_values(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut quoted = false;
    for c in msg.chars() {
        match c {
            '"' if !quoted => {
                quoted = true;
                out.push_str("\"…");
            }
            '"' => {
                quoted = false;
                out.push('"');
            }
            _ if quoted => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoted_values_go_the_message_stays() {
        assert_eq!(
            super::quoted_values(r#"invalid type: string "rt-s3cret", expected u64 at line 1"#),
            r#"invalid type: string "…", expected u64 at line 1"#
        );
        assert_eq!(super::quoted_values(r#"unterminated "abc"#), r#"unterminated "…"#);
    }
}
