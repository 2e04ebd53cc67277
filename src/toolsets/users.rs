//! Toolset `users`: who the token belongs to.

use super::{Access, Ctx, NoParams, Out, ToolDef, ToolError, ToolsetDef, handler};
use crate::{
    jira::{ops, ops::On, views::UserView},
    render,
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "users",
    description: "The signed-in user",
    default: true,
    tools: &[&GET_MYSELF],
};

static GET_MYSELF: ToolDef = ToolDef {
    name: "jira_get_myself",
    description: "Who am I in Jira: display name, email, time zone and account id (Cloud) or user name\n(Data Center), for JQL and assignees.",
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
