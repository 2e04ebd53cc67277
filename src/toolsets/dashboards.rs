//! Toolset `dashboards`: list and read dashboards (with their gadgets on Cloud), create one
//! (Cloud).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Access, Ctx, Out, ToolDef, ToolError, ToolsetDef, handler, paging, params};
use crate::{
    config::Flavor,
    jira::{
        dashboards::{self, Dashboard, Gadget},
        filters::share_text,
        ops::On,
    },
};

pub(super) static TOOLSET: ToolsetDef = ToolsetDef {
    id: "dashboards",
    description: "Dashboards and their gadgets",
    default: false,
    tools: &[&LIST_DASHBOARDS, &GET_DASHBOARD, &CREATE_DASHBOARD],
};

static LIST_DASHBOARDS: ToolDef = ToolDef {
    name: "jira_list_dashboards",
    description: "List dashboards you can see, or only yours or your favourites: id, name, owner.",
    access: Access::READ,
    on: On::Both,
    ops: &[dashboards::DASHBOARDS],
    handler: handler!(list_dashboards),
};

static GET_DASHBOARD: ToolDef = ToolDef {
    name: "jira_get_dashboard",
    description: "Show a dashboard: owner, sharing, and its gadgets (Cloud only).",
    access: Access::READ,
    on: On::Both,
    ops: &[dashboards::DASHBOARD_GET, dashboards::DASHBOARD_GADGETS],
    handler: handler!(get_dashboard),
};

static CREATE_DASHBOARD: ToolDef = ToolDef {
    name: "jira_create_dashboard",
    description: "Create an empty dashboard, private unless shared. Jira Cloud only.",
    access: Access::ADD,
    on: On::CloudOnly,
    ops: &[dashboards::DASHBOARD_CREATE],
    handler: handler!(create_dashboard),
};

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum DashboardFilter {
    My,
    Favourite,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListDashboardsParams {
    /// `my` or `favourite`; left out: all you can see.
    pub filter: Option<DashboardFilter>,
    /// Per page (default 20, at most 100).
    pub max_results: Option<u32>,
    /// Offset (`next_start_at` of the previous page).
    pub start_at: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(inline)]
pub struct DashboardView {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub favourite: Option<bool>,
    pub shared_with: Vec<String>,
}

impl DashboardView {
    fn new(d: &Dashboard) -> DashboardView {
        DashboardView {
            id: d.id.or_empty(),
            name: d.name.or_empty(),
            owner: d.owner.get(),
            description: d.description.get(),
            favourite: d.is_favourite,
            shared_with: d.share_permissions.iter().map(share_text).collect(),
        }
    }

    fn line(&self) -> String {
        let mut meta = Vec::new();
        if let Some(o) = &self.owner {
            meta.push(format!("owner {o}"));
        }
        if self.favourite == Some(true) {
            meta.push("favourite".to_string());
        }
        if meta.is_empty() {
            format!("{} \"{}\"", self.id, self.name)
        } else {
            format!("{} \"{}\" ({})", self.id, self.name, meta.join(", "))
        }
    }

    fn details(&self) -> String {
        let mut s = format!("Dashboard {}", self.line());
        if !self.shared_with.is_empty() {
            s.push_str(&format!("\nShared with: {}", self.shared_with.join(", ")));
        }
        if let Some(d) = &self.description {
            s.push_str(&format!("\nDescription: {d}"));
        }
        s
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DashboardsPage {
    pub dashboards: Vec<DashboardView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_at: Option<u32>,
}

async fn list_dashboards(cx: Ctx, p: ListDashboardsParams) -> Result<Out<DashboardsPage>, ToolError> {
    let max = params::page_size("max_results", p.max_results, 20, 100)?;
    let filter = p.filter.map(|f| match f {
        DashboardFilter::My => "my",
        DashboardFilter::Favourite => "favourite",
    });
    let page = cx
        .jira
        .dashboards(filter, u64::from(p.start_at.unwrap_or(0)), max)
        .await
        .map_err(|e| cx.fail(Some("The dashboard list".into()), e))?;
    let dashboards: Vec<DashboardView> = page.items.iter().map(DashboardView::new).collect();
    let next_start_at = paging::next_start(&page);
    let mut text = if dashboards.is_empty() {
        "No dashboards.".to_string()
    } else {
        dashboards
            .iter()
            .map(DashboardView::line)
            .collect::<Vec<_>>()
            .join("\n")
    };
    paging::more_hint(
        &mut text,
        "jira_list_dashboards",
        dashboards.len(),
        page.total,
        next_start_at,
        "dashboard",
    );
    Ok(Out {
        text,
        data: DashboardsPage {
            dashboards,
            total: page.total,
            next_start_at,
        },
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetDashboardParams {
    /// Dashboard id, digits, e.g. `10000`.
    pub id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[schemars(inline)]
pub struct GadgetView {
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl GadgetView {
    fn new(g: &Gadget) -> GadgetView {
        GadgetView {
            id: g.id.or_empty(),
            title: g
                .title
                .get()
                .or_else(|| g.module_key.get())
                .or_else(|| g.uri.get())
                .unwrap_or_else(|| "(untitled)".into()),
            row: g.position.map(|p| p.row),
            column: g.position.map(|p| p.column),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DashboardResult {
    #[serde(flatten)]
    pub dashboard: DashboardView,
    /// Absent where Jira cannot list them (Data Center).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gadgets: Option<Vec<GadgetView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

async fn get_dashboard(cx: Ctx, p: GetDashboardParams) -> Result<Out<DashboardResult>, ToolError> {
    let id = params::numeric_id("id", &p.id)?;
    let subject = format!("Dashboard {id}");
    let d = cx.jira.dashboard(&id).await.map_err(cx.failing(subject.clone()))?;
    let dashboard = DashboardView::new(&d);
    let mut text = dashboard.details();
    let (gadgets, note) = if cx.jira.flavor() == Flavor::DataCenter {
        let note = "Jira Data Center has no API for a dashboard's gadgets; open the dashboard to see them.".to_string();
        text.push_str(&format!("\n\n{note}"));
        (None, Some(note))
    } else {
        let list = cx.jira.gadgets(&id).await.map_err(cx.failing(subject))?;
        let views: Vec<GadgetView> = list.iter().map(GadgetView::new).collect();
        if views.is_empty() {
            text.push_str("\n\nNo gadgets.");
        } else {
            text.push_str("\n\nGadgets:");
            for g in &views {
                let at = match (g.row, g.column) {
                    (Some(r), Some(c)) => format!(" (row {r}, column {c})"),
                    _ => String::new(),
                };
                text.push_str(&format!("\n- {} {}{at}", g.id, g.title));
            }
        }
        (Some(views), None)
    };
    Ok(Out {
        text,
        data: DashboardResult {
            dashboard,
            gadgets,
            note,
        },
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateDashboardParams {
    /// One-line name.
    pub name: String,
    /// Plain text.
    pub description: Option<String>,
    /// Who may see it; left out: private.
    #[serde(default)]
    pub share_with: Vec<params::ShareParam>,
}

async fn create_dashboard(cx: Ctx, p: CreateDashboardParams) -> Result<Out<DashboardView>, ToolError> {
    let name = params::name("name", &p.name)?;
    let shares = params::shares(&p.share_with)?;
    let share: Vec<_> = shares.iter().map(|s| cx.jira.share_json(s)).collect();
    let description = p.description.as_deref().map(str::trim).filter(|d| !d.is_empty());
    let d = cx
        .jira
        .create_dashboard(&name, description, share)
        .await
        .map_err(cx.failing("The new dashboard"))?;
    let view = DashboardView::new(&d);
    Ok(Out {
        text: format!("Created {}", view.details().replacen("Dashboard ", "dashboard ", 1)),
        data: view,
    })
}
