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

/// `msg` with the password of every `scheme://user:password@host` in it replaced by `***`
/// (database URLs in connection errors).
pub fn url(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends at the first `/`, `?`, `#` or whitespace.
        let end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
                let hidden = if userinfo.contains(':') { ":***" } else { "" };
                out.push_str(&format!("{user}{hidden}@{host}"));
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_in_urls_go() {
        assert_eq!(
            super::url("error connecting to postgres://jira:s3cret@db:5432/mcp?sslmode=require: refused"),
            "error connecting to postgres://jira:***@db:5432/mcp?sslmode=require: refused"
        );
        assert_eq!(super::url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
        assert_eq!(super::url("a://u@h b://p:q@r"), "a://u@h b://p:***@r");
    }

    #[test]
    fn quoted_values_go_the_message_stays() {
        assert_eq!(
            super::quoted_values(r#"invalid type: string "rt-s3cret", expected u64 at line 1"#),
            r#"invalid type: string "…", expected u64 at line 1"#
        );
        assert_eq!(super::quoted_values(r#"unterminated "abc"#), r#"unterminated "…"#);
    }
}
