//! Toolset `users`: who the token belongs to.

use rmcp::{tool, tool_router};

use super::{Out, ToolError, result::schema};
use crate::{jira::views::UserView, render, server::JiraMcp};

pub(super) const OPERATIONS: &[(&str, &[&str])] = &[("jira_get_myself", &["GET /rest/api/3/myself"])];

#[tool_router(router = users_router, vis = "pub(crate)")]
impl JiraMcp {
    /// Who am I in Jira: display name, email, time zone and account id (for JQL and assignees).
    #[tool(
        name = "jira_get_myself",
        output_schema = schema::<UserView>(),
        annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    pub async fn get_myself(&self) -> Result<Out<UserView>, ToolError> {
        let v = self
            .jira
            .myself()
            .await
            .map_err(|e| self.fail("jira_get_myself", None, e))?;
        let user = UserView::from_json(&v);
        Ok(Out {
            text: render::user(&user),
            data: user,
        })
    }
}
