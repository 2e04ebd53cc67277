//! Toolset `users`: who the token belongs to, and finding people (to assign, mention, watch).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Access, Ctx, NoParams, Out, ToolDef, ToolError, ToolsetDef, handler, params};
use crate::{
    jira::{ops, ops::On, views::UserView},
    render,
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "users",
    description: "The signed-in user; find people, also those assignable to a project or issue",
    default: false,
    tools: &[&GET_MYSELF, &FIND_USERS],
};

static FIND_USERS: ToolDef = ToolDef {
    name: "jira_find_users",
    description: "Find people by name or email; `assignable_to` a project or issue keeps those who can be assigned.",
    access: Access::READ,
    on: On::Both,
    ops: &[ops::USER_SEARCH, ops::USER_ASSIGNABLE],
    handler: handler!(find_users),
};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct FindUsersParams {
    /// Part of a name, user name or email.
    pub query: String,
    /// A project key (`PROJ`) or issue key (`PROJ-123`).
    pub assignable_to: Option<String>,
    /// At most this many (default 20, at most 100).
    pub max_results: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct UsersFound {
    pub users: Vec<UserView>,
}

static GET_MYSELF: ToolDef = ToolDef {
    name: "jira_get_myself",
    description: "Who am I in Jira: name, email, time zone, account id (Cloud) or user name (Data Center).",
    access: Access::READ,
    on: On::Both,
    ops: &[ops::MYSELF],
    handler: handler!(get_myself),
};

async fn get_myself(cx: Ctx, _: NoParams) -> Result<Out<UserView>, ToolError> {
    let me = cx.jira.myself().await.map_err(|e| cx.fail(None, e))?;
    let user = UserView::new(&me);
    Ok(Out {
        text: render::user(&user),
        data: user,
    })
}

async fn find_users(cx: Ctx, p: FindUsersParams) -> Result<Out<UsersFound>, ToolError> {
    let query = params::non_empty("query", &p.query)?.trim().to_string();
    let max = params::page_size("max_results", p.max_results, 20, 100)?;
    let scope = match p.assignable_to.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) if s.contains('-') => Some(("issueKey", params::issue_key(s)?)),
        Some(s) => Some(("project", params::project_key(s)?)),
    };
    let found = cx
        .jira
        .find_users(&query, scope.as_ref().map(|(k, v)| (*k, v.as_str())), max)
        .await
        .map_err(|e| cx.fail(scope.as_ref().map(|(_, v)| v.clone()), e))?;
    let users: Vec<UserView> = found.iter().map(UserView::new).collect();
    let text = if users.is_empty() {
        match &scope {
            Some((_, v)) => format!("Nobody assignable to {v} matches `{query}`."),
            None => format!("No user matches `{query}`."),
        }
    } else {
        users.iter().map(render::user).collect::<Vec<_>>().join("\n")
    };
    Ok(Out {
        text,
        data: UsersFound { users },
    })
}
