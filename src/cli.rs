//! Command-line interface (clap) and the commands behind it. Commands print to stdout only before or instead of serving
//! MCP; while serving over stdio, stdout carries only MCP messages.

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "jira-mcp", version, about = "MCP server for Jira Cloud")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ProfileArgs {
    /// Profile name (default `default`).
    #[arg(long, env = "JIRA_MCP_PROFILE")]
    pub profile: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SelectionArgs {
    /// Toolsets to enable: comma-separated names, `default` or `all`.
    #[arg(long, env = "JIRA_MCP_TOOLSETS")]
    pub toolsets: Option<String>,
    /// Only these tools (comma-separated); their toolsets are enabled.
    #[arg(long)]
    pub tools: Option<String>,
    /// Only tools that do not change anything in Jira.
    #[arg(long)]
    pub read_only: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Transport {
    Stdio,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Markdown,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve MCP (stdio by default).
    Serve {
        #[arg(long, value_enum, default_value = "stdio")]
        transport: Transport,
        #[command(flatten)]
        profile: ProfileArgs,
        #[command(flatten)]
        selection: SelectionArgs,
    },
    /// Show the profile: site, cloud id, credentials in use (never a secret), and whether
    /// Jira accepts them.
    Status {
        #[command(flatten)]
        profile: ProfileArgs,
    },
    /// Print the tool catalog with the OAuth scopes each tool needs.
    Tools {
        #[command(flatten)]
        selection: SelectionArgs,
        #[arg(long, value_enum, default_value = "markdown")]
        format: Format,
    },
    /// Print the OAuth scopes to add to your app in the developer console.
    Scopes {
        #[command(flatten)]
        selection: SelectionArgs,
    },
}

// ---- running the commands ------------------------------------------------------------------

use jira_mcp::{
    app, catalog,
    config::{AuthConfig, Config, Overrides},
    toolsets::{ErrorContext, Selection},
};

fn selection(args: &SelectionArgs, config_toolsets: Option<&str>) -> anyhow::Result<Selection> {
    let toolsets = args.toolsets.as_deref().or(config_toolsets);
    Selection::parse(toolsets, args.tools.as_deref(), args.read_only).map_err(anyhow::Error::msg)
}

/// Runs a command; returns the process exit code.
pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Serve {
            transport: Transport::Stdio,
            profile,
            selection: sel,
        } => {
            let overrides = Overrides {
                profile: profile.profile,
                toolsets: sel.toolsets.clone(),
                tools: sel.tools.clone(),
                read_only: sel.read_only,
            };
            let config = Config::from_env(&overrides)?;
            let selection = Selection::parse(config.toolsets.as_deref(), config.tools.as_deref(), config.read_only)
                .map_err(anyhow::Error::msg)?;
            let server = app::build_server(&config, &selection);
            tracing::info!(profile = %config.profile, tools = server.tools().len(), "serving MCP on stdio");
            app::serve_stdio(server).await.map_err(|e| anyhow::anyhow!(e))?;
            Ok(0)
        }
        Command::Tools { selection: sel, format } => {
            let s = selection(&sel, None)?;
            match format {
                Format::Markdown => print!("{}", catalog::markdown(&s)),
                Format::Json => println!("{}", serde_json::to_string_pretty(&catalog::json(&s))?),
            }
            Ok(0)
        }
        Command::Scopes { selection: sel } => {
            let s = selection(&sel, None)?;
            println!("{}", catalog::scopes(&s).into_iter().collect::<Vec<_>>().join(" "));
            Ok(0)
        }
        Command::Status { profile } => status(profile).await,
    }
}

async fn status(profile: ProfileArgs) -> anyhow::Result<i32> {
    let config = Config::from_env(&Overrides {
        profile: profile.profile,
        ..Overrides::default()
    })?;
    let file_note = if config.config_file.exists() {
        ""
    } else {
        " (not present)"
    };
    println!("profile:      {}", config.profile);
    println!("config file:  {}{file_note}", config.config_file.display());
    println!("data folder:  {}", config.data_dir.display());
    println!(
        "site:         {}",
        config.site.as_ref().map_or("(not set)".to_string(), |s| s.to_string())
    );
    let credentials = match &config.auth {
        AuthConfig::AccessToken(_) => "access token (JIRA_MCP_ACCESS_TOKEN)".to_string(),
        AuthConfig::ApiToken { email, .. } => format!("API token for {email} (JIRA_MCP_EMAIL, JIRA_MCP_API_TOKEN)"),
        AuthConfig::None => "none configured".to_string(),
    };
    println!("credentials:  {credentials}");
    let state = config.load_state();
    if let Some(id) = &state.cloud_id {
        println!("cloud id:     {id}");
    }
    let selection = Selection::parse(config.toolsets.as_deref(), config.tools.as_deref(), config.read_only)
        .map_err(anyhow::Error::msg)?;
    println!(
        "toolsets:     {}{}",
        selection.toolsets.join(", "),
        if config.read_only { " (read-only)" } else { "" }
    );
    if matches!(config.auth, AuthConfig::None) {
        println!(
            "jira:         not checked: set JIRA_MCP_ACCESS_TOKEN, or JIRA_MCP_EMAIL + JIRA_MCP_API_TOKEN + JIRA_MCP_SITE"
        );
        return Ok(1);
    }
    let jira = app::jira_client(&config);
    match jira.myself().await {
        Ok(me) => {
            let name = me.get("displayName").and_then(|v| v.as_str()).unwrap_or("?");
            let id = me.get("accountId").and_then(|v| v.as_str()).unwrap_or("?");
            println!("jira:         OK, signed in as {name} (account id {id})");
            if let Some(site) = jira.site_url().await {
                println!("site url:     {site}");
            }
            Ok(0)
        }
        Err(e) => {
            let cx = ErrorContext {
                tool: "status",
                subject: None,
                auth: jira.auth_kind(),
                profile: &config.profile,
                scopes: jira_mcp::toolsets::scopes_of("jira_get_myself"),
                granted: jira.granted_scopes(),
            };
            println!("jira:         FAILED: {}", cx.explain(e));
            Ok(1)
        }
    }
}
