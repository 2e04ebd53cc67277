//! Projects. Cloud pages them (`/project/search`); Data Center lists them all at once
//! (`/project`), so the page is cut here, with the same paging rule.

use super::{
    JiraClient, JiraError,
    models::{Page, Project},
    ops,
};
use crate::config::Flavor;

impl JiraClient {
    /// One page of the projects the user can browse, optionally filtered by key or name.
    pub async fn search_projects(
        &self,
        query: Option<&str>,
        start_at: u64,
        max_results: u32,
    ) -> Result<Page<Project>, JiraError> {
        let query = query.map(str::trim).filter(|q| !q.is_empty());
        if self.flavor() == Flavor::DataCenter {
            let req = self.request(ops::PROJECT_LIST_DC, &[]).await?.query("expand", "lead");
            let all: Page<Project> = self.call(req).await?;
            let wanted = |p: &Project| {
                query.is_none_or(|q| {
                    let q = q.to_lowercase();
                    p.key.or_empty().to_lowercase().contains(&q) || p.name.or_empty().to_lowercase().contains(&q)
                })
            };
            let matching: Vec<Project> = all.items.into_iter().filter(wanted).collect();
            let total = matching.len() as u64;
            let items: Vec<Project> = matching
                .into_iter()
                .skip(usize::try_from(start_at).unwrap_or(usize::MAX))
                .take(max_results as usize)
                .collect();
            return Ok(Page {
                items,
                start_at,
                total: Some(total),
                is_last: None,
                next_page_token: None,
            });
        }
        let mut req = self
            .request(ops::PROJECT_SEARCH, &[])
            .await?
            .query("startAt", start_at)
            .query("maxResults", max_results)
            .query("orderBy", "key")
            .query("expand", "lead");
        if let Some(q) = query {
            req = req.query("query", q);
        }
        self.call(req).await
    }
}
