//! The Atlassian sites an OAuth grant covers (`accessible-resources`), and choosing one.
//!
//! A grant can cover several sites. We never silently take the first: the site is the one
//! the user named (URL or name), or the only one; otherwise the error lists them.

use serde::Deserialize;
use url::Url;

/// One site a token can reach; `id` is the cloud id.
#[derive(Debug, Clone, Deserialize)]
pub struct SiteInfo {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub scopes: Vec<String>,
}

pub fn same_site(a: &str, b: &str) -> bool {
    a.trim_end_matches('/').eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// `name (url), …` for messages.
pub fn list(sites: &[SiteInfo]) -> String {
    sites
        .iter()
        .map(|s| format!("{} ({})", s.name, s.url))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Picks the site named by `wanted` (URL or name), or the only one; the error lists them.
pub fn choose_site<'a>(sites: &'a [SiteInfo], wanted: Option<&str>) -> Result<&'a SiteInfo, String> {
    if sites.is_empty() {
        return Err("the grant covers no Atlassian site: sign in again and pick a site on the consent screen".into());
    }
    match wanted {
        Some(w) => {
            let host = |u: &str| {
                Url::parse(u)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            };
            let wanted_host = host(w);
            sites
                .iter()
                .find(|s| {
                    same_site(&s.url, w)
                        || (wanted_host.is_some() && host(&s.url) == wanted_host)
                        || s.name.eq_ignore_ascii_case(w)
                })
                .ok_or_else(|| format!("the site is set to {w}, but the token can only reach: {}", list(sites)))
        }
        None if sites.len() == 1 => Ok(&sites[0]),
        None => Err(format!(
            "the token can reach several Jira sites: {}. Set JIRA_MCP_SITE (or `--site` of `jira-mcp login`) to the \
             one to use, by URL or name",
            list(sites)
        )),
    }
}

/// `GET accessible-resources` with a bearer token.
pub async fn fetch(http: &reqwest::Client, url: &Url, access_token: &str) -> Result<Vec<SiteInfo>, String> {
    let resp = http
        .get(url.clone())
        .bearer_auth(access_token)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| format!("could not list your Atlassian sites: {e}"))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("listing your Atlassian sites failed with HTTP {status}"));
    }
    resp.json()
        .await
        .map_err(|e| format!("unexpected answer listing your Atlassian sites: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(name: &str, url: &str) -> SiteInfo {
        SiteInfo {
            id: format!("id-{name}"),
            name: name.into(),
            url: url.into(),
            scopes: vec![],
        }
    }

    #[test]
    fn several_sites_are_never_guessed() {
        let sites = vec![
            site("acme", "https://acme.atlassian.net"),
            site("beta", "https://beta.atlassian.net"),
        ];
        let err = choose_site(&sites, None).unwrap_err();
        assert!(err.contains("acme") && err.contains("beta"), "{err}");
        assert_eq!(
            choose_site(&sites, Some("https://beta.atlassian.net/")).unwrap().id,
            "id-beta"
        );
        assert_eq!(choose_site(&sites, Some("ACME")).unwrap().id, "id-acme");
        assert!(choose_site(&sites, Some("https://gamma.atlassian.net")).is_err());
        assert_eq!(choose_site(&sites[..1], None).unwrap().id, "id-acme");
    }
}
