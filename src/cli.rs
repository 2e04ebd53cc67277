//! Command-line interface (clap) and the commands behind it. Commands print to stdout only before or instead of serving
//! MCP; while serving over stdio, stdout carries only MCP messages.

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "jira-mcp", version, about = "MCP server for Jira Cloud")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Whether this run serves MCP over HTTP (and so wants a multi-threaded runtime).
    /// Worker threads of the async runtime: 1 (everything on one thread) unless `serve
    /// --transport http --workers N` asks for more.
    pub fn worker_threads(&self) -> usize {
        match &self.command {
            Command::Serve {
                transport: Transport::Http,
                http,
                ..
            } => match http.workers {
                0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
                n => n,
            },
            _ => 1,
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct ProfileArgs {
    /// Profile name (default `default`).
    #[arg(long, env = "JIRA_MCP_PROFILE")]
    pub profile: Option<String>,
}

/// `--toolsets` in `--help`: every toolset with what it holds.
fn toolsets_help() -> String {
    format!(
        "Toolsets to enable: comma-separated names, `default` or `all`. The toolsets:\n{}",
        catalog::toolsets_list().replace('`', "").trim_end()
    )
}

#[derive(Debug, Clone, clap::Args)]
pub struct SelectionArgs {
    /// Toolsets to enable: comma-separated names, `default` or `all`.
    #[arg(long, env = "JIRA_MCP_TOOLSETS", long_help = toolsets_help())]
    pub toolsets: Option<String>,
    /// Only these tools (comma-separated); their toolsets are enabled.
    #[arg(long)]
    pub tools: Option<String>,
    /// Only tools that do not change anything in Jira.
    #[arg(long)]
    pub read_only: bool,
    /// Start with the default toolsets and let the model enable others (`jira_toolsets`);
    /// for clients that follow `tools/list_changed`.
    #[arg(long)]
    pub dynamic_toolsets: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Transport {
    Stdio,
    Http,
}

#[derive(Debug, Clone, clap::Args)]
pub struct HttpArgs {
    /// Address to listen on (HTTP); loopback unless told otherwise.
    #[arg(long, env = "JIRA_MCP_LISTEN", default_value = "127.0.0.1:8000")]
    pub listen: std::net::SocketAddr,
    /// Serve without sessions: every request stands alone.
    #[arg(long)]
    pub stateless: bool,
    /// File holding the bearer secret HTTP clients must send (or JIRA_MCP_HTTP_TOKEN).
    #[arg(long)]
    pub auth_token_file: Option<std::path::PathBuf>,
    /// Browser origins allowed besides loopback ones (comma-separated, e.g. https://app.example.com).
    #[arg(long, env = "JIRA_MCP_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
    /// Host names allowed in the Host header besides loopback ones (comma-separated).
    #[arg(long, env = "JIRA_MCP_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,
    /// Most concurrent sessions per transport.
    #[arg(long, env = "JIRA_MCP_MAX_SESSIONS", default_value_t = 256)]
    pub max_sessions: usize,
    /// Close sessions idle for this many seconds.
    #[arg(long, env = "JIRA_MCP_SESSION_IDLE_SECS", default_value_t = 600)]
    pub session_idle_secs: u64,
    /// Threads serving HTTP (0: one per core). One thread serves thousands of tool calls per
    /// second, far more than Jira's rate limits allow, and spends the least CPU per call.
    #[arg(long, env = "JIRA_MCP_HTTP_WORKERS", default_value_t = 1)]
    pub workers: usize,
    /// Listen on a non-loopback address without a bearer secret. Anyone who can reach the port
    /// can then act in Jira as you.
    #[arg(long)]
    pub dangerously_allow_unauthenticated_network_access: bool,
    /// One server for many users: each signs in with Atlassian through their MCP client (the MCP
    /// authorization spec) and every call runs as its user. Needs the OAuth app
    /// (ATLASSIAN_CLIENT_ID, ATLASSIAN_CLIENT_SECRET) and, off loopback, JIRA_MCP_PUBLIC_URL;
    /// the store is JIRA_MCP_STORE_URL (default: SQLite in JIRA_MCP_HOME).
    #[arg(long, env = "JIRA_MCP_MULTI_USER")]
    pub multi_user: bool,
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
        #[command(flatten)]
        http: HttpArgs,
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
    /// Sign in to Atlassian (OAuth 2.0 3LO) and cache the tokens for the profile.
    Login {
        #[command(flatten)]
        profile: ProfileArgs,
        /// The site to use when the grant covers several (URL or name).
        #[arg(long)]
        site: Option<String>,
        /// Scopes to request (space- or comma-separated); default: what the toolsets need.
        #[arg(long, env = "JIRA_MCP_SCOPES")]
        scopes: Option<String>,
        /// Toolsets whose scopes to request (when --scopes is not given).
        #[arg(long, env = "JIRA_MCP_TOOLSETS")]
        toolsets: Option<String>,
        /// Do not open a browser: print the URL and read the redirect URL from stdin.
        #[arg(long)]
        no_browser: bool,
        /// Data Center: store a personal access token read from stdin (never an argument),
        /// after checking it against the site.
        #[arg(long, conflicts_with_all = ["no_browser", "scopes"])]
        pat: bool,
    },
    /// Delete the profile's cached tokens and say where to revoke the grant.
    Logout {
        #[command(flatten)]
        profile: ProfileArgs,
    },
    /// The users of the multi-user server (`serve --multi-user`), in its store.
    Users {
        #[command(flatten)]
        profile: ProfileArgs,
        #[command(subcommand)]
        action: UsersAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersAction {
    /// Every user who signed in: name, account id, site, last seen, live tokens.
    List,
    /// Revoke a user: every token of their MCP clients stops working on every replica, and
    /// their Atlassian tokens are deleted. They may sign in again.
    Revoke {
        /// The user's Atlassian account id (from `users list`).
        account_id: String,
    },
}

// ---- running the commands ------------------------------------------------------------------

use std::io::{BufRead, IsTerminal};

use jira_mcp::{
    app,
    auth::{
        browser,
        login::{self, LoginParams, PendingLogin, SiteChooser},
        store::{TokenStore, now},
    },
    catalog,
    config::{AuthConfig, Config, Flavor, Overrides},
    render,
    toolsets::{ErrorContext, Selection, TOOLSETS},
    transport,
};

fn http_options(args: &HttpArgs) -> anyhow::Result<transport::HttpOptions> {
    let mut o = transport::HttpOptions::new(args.listen);
    o.stateless = args.stateless;
    o.allowed_origins = args
        .allowed_origins
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    o.allowed_hosts = args
        .allowed_hosts
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    o.max_sessions = args.max_sessions.max(1);
    o.idle_timeout = std::time::Duration::from_secs(args.session_idle_secs.max(1));
    o.allow_unauthenticated = args.dangerously_allow_unauthenticated_network_access;
    let token = match &args.auth_token_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read --auth-token-file {}: {e}", path.display()))?;
            Some(text.trim().to_string())
        }
        None => std::env::var("JIRA_MCP_HTTP_TOKEN").ok().map(|t| t.trim().to_string()),
    };
    match token {
        Some(t) if t.len() < 16 => anyhow::bail!("the HTTP bearer secret is too short: use at least 16 characters"),
        Some(t) => o.auth_token = Some(jira_mcp::auth::Secret::new(t)),
        None => {}
    }
    Ok(o)
}

/// `jira-mcp users list|revoke`: reads and changes the multi-user server's store directly,
/// so a revocation takes effect on every replica at their next request.
async fn users_command(profile: ProfileArgs, action: UsersAction) -> anyhow::Result<i32> {
    let config = Config::from_env(&Overrides {
        profile: profile.profile,
        ..Overrides::default()
    })?;
    let env = |k: &str| std::env::var(k).ok();
    let store = jira_mcp::remote::Store::open(&jira_mcp::remote::RemoteSettings::store_url(&config, &env)).await?;
    match action {
        UsersAction::List => {
            let users = store.users().await?;
            if users.is_empty() {
                println!("No user has signed in yet.");
            }
            for u in users {
                let state = if u.revoked {
                    "revoked".to_string()
                } else {
                    format!("{} live tokens", u.live_tokens)
                };
                println!(
                    "{}  {}  {}  last seen {}  {state}",
                    u.id,
                    if u.name.is_empty() { "(no name)" } else { &u.name },
                    u.site_url,
                    render::short_time(&iso_time(u.last_seen)),
                );
            }
            Ok(0)
        }
        UsersAction::Revoke { account_id } => {
            if store.revoke(account_id.trim()).await? {
                println!(
                    "Revoked {}: their MCP clients' tokens no longer work, and their Atlassian tokens are deleted.",
                    account_id.trim()
                );
                Ok(0)
            } else {
                eprintln!(
                    "jira-mcp: no user {} in the store (see `jira-mcp users list`).",
                    account_id.trim()
                );
                Ok(1)
            }
        }
    }
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
fn iso_time(secs: u64) -> String {
    let days = secs / 86_400;
    let (h, m, s) = ((secs % 86_400) / 3600, (secs % 3600) / 60, secs % 60);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}Z")
}

fn selection(args: &SelectionArgs, config_toolsets: Option<&str>) -> anyhow::Result<Selection> {
    let toolsets = args.toolsets.as_deref().or(config_toolsets);
    Selection::parse(toolsets, args.tools.as_deref(), args.read_only).map_err(anyhow::Error::msg)
}

fn config_selection(config: &Config) -> anyhow::Result<Selection> {
    let mut sel = Selection::parse(config.toolsets.as_deref(), config.tools.as_deref(), config.read_only)
        .map_err(anyhow::Error::msg)?;
    sel.dynamic = config.dynamic_toolsets;
    Ok(sel)
}

/// Runs a command; returns the process exit code.
pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Serve {
            transport: kind,
            profile,
            selection: sel,
            http: http_args,
        } => {
            let overrides = Overrides {
                profile: profile.profile,
                toolsets: sel.toolsets.clone(),
                tools: sel.tools.clone(),
                read_only: sel.read_only,
                dynamic_toolsets: sel.dynamic_toolsets,
                ..Overrides::default()
            };
            // Never exit on a configuration problem: clients would show only "connection
            // closed". The server lists its tools and each call explains the problem.
            let (mut config, mut problem) = Config::for_serving(&overrides, &|k| std::env::var(k).ok());
            let selection = match config_selection(&config) {
                Ok(s) => s,
                // An unknown toolset or tool: the default tools, each answering with the problem.
                Err(e) => {
                    let p = e.to_string();
                    config.auth = jira_mcp::config::AuthConfig::Invalid(p.clone());
                    problem.get_or_insert(p);
                    Selection::parse(None, None, config.read_only).map_err(anyhow::Error::msg)?
                }
            };
            if let Some(p) = &problem {
                tracing::warn!(problem = %p, "the configuration cannot reach Jira; serving tools that explain it");
                eprintln!("jira-mcp: the configuration cannot reach Jira: {p}");
            }
            let mut server = app::build_server(&config, &selection);
            let remote = match http_args.multi_user {
                true if kind != Transport::Http => anyhow::bail!("--multi-user needs --transport http"),
                true => {
                    let env = |k: &str| std::env::var(k).ok();
                    let settings = jira_mcp::remote::RemoteSettings::from_env(&config, http_args.listen, &env)?;
                    let scopes = app::login_scopes(&config, &selection);
                    let remote = jira_mcp::remote::Remote::open(&config, settings, scopes).await?;
                    server = server.with_users(std::sync::Arc::new(remote.clone()));
                    Some(remote)
                }
                false => None,
            };
            if kind == Transport::Stdio {
                tracing::info!(profile = %config.profile, tools = server.tools().len(), "serving MCP on stdio");
                transport::serve_stdio(server).await?;
                return Ok(0);
            }
            let mut opts = http_options(&http_args)?;
            opts.remote = remote;
            let bound = transport::HttpServer::bind(server, opts).await?;
            let addr = bound.local_addr();
            eprintln!(
                "jira-mcp: serving MCP on http://{addr}/mcp (Streamable HTTP), http://{addr}/sse (legacy SSE), health at /healthz"
            );
            bound.run(transport::shutdown_signal()).await?;
            Ok(0)
        }
        Command::Tools { selection: sel, format } => {
            let s = selection(&sel, None)?;
            match format {
                Format::Markdown => print!("{}", catalog::tools_command(&s)),
                Format::Json => println!("{}", serde_json::to_string_pretty(&catalog::json(&s))?),
            }
            Ok(0)
        }
        Command::Scopes { selection: sel } => {
            let s = selection(&sel, None)?;
            // What goes into the console, per API, apart from `offline_access`, which is not a
            // permission of the app but a request made at sign-in.
            let all: Vec<String> = catalog::scopes(&s)
                .into_iter()
                .filter(|x| x != "offline_access")
                .collect();
            let (ops, jira): (Vec<String>, Vec<String>) =
                all.into_iter().partition(|x| x.ends_with(":jira-service-management"));
            println!("Add these scopes to your OAuth 2.0 app in the developer console (Permissions):");
            if !jira.is_empty() {
                println!("  Jira API: {}", jira.join(" "));
            }
            if !ops.is_empty() {
                println!("  Jira Service Management Operations (granular): {}", ops.join(" "));
            }
            println!(
                "offline_access is not added there: jira-mcp requests it at sign-in, so that tokens can be refreshed."
            );
            Ok(0)
        }
        Command::Status { profile } => status(profile).await,
        Command::Login {
            profile,
            site,
            scopes,
            toolsets,
            no_browser,
            pat,
        } => {
            let overrides = Overrides {
                profile: profile.profile,
                site,
                scopes,
                toolsets,
                ..Overrides::default()
            };
            if pat {
                login_pat(overrides).await
            } else {
                login_command(overrides, no_browser).await
            }
        }
        Command::Users { profile, action } => users_command(profile, action).await,
        Command::Logout { profile } => {
            let config = Config::from_env(&Overrides {
                profile: profile.profile,
                ..Overrides::default()
            })?;
            let store = TokenStore::for_config(&config);
            if store.delete()? {
                println!(
                    "Deleted the saved tokens of profile `{}` ({}).",
                    config.profile,
                    store.path().display()
                );
            } else {
                println!("Profile `{}` had no saved tokens.", config.profile);
            }
            match config.flavor {
                Flavor::Cloud => println!(
                    "To revoke jira-mcp's access on Atlassian's side as well, remove the app under your Atlassian \
                     account's connected apps: https://id.atlassian.com/manage-profile/apps"
                ),
                Flavor::DataCenter => {
                    let site = config
                        .site
                        .as_ref()
                        .map(|s| s.as_str().trim_end_matches('/').to_string())
                        .unwrap_or_else(|| "your Jira".into());
                    println!(
                        "To revoke the access on the site as well: a personal access token under your profile › \
                         Personal Access Tokens ({}); an OAuth 2.0 grant under your profile's Authorized \
                         applications; an application-link (OAuth 1.0a) grant under Profile › Tools › View OAuth \
                         Access Tokens.",
                        pat_page(&site)
                    );
                }
            }
            Ok(0)
        }
    }
}

/// Asks on the terminal which of several sites to use.
fn terminal_chooser() -> Option<SiteChooser> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    Some(std::sync::Arc::new(|sites: &[jira_mcp::auth::sites::SiteInfo]| {
        eprintln!("Your grant covers several Jira sites:");
        for (i, s) in sites.iter().enumerate() {
            eprintln!("  {}. {} ({})", i + 1, s.name, s.url);
        }
        eprint!("Use which one? [1-{}] ", sites.len());
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).ok()?;
        line.trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=sites.len()).contains(n))
            .map(|n| n - 1)
    }))
}

/// Where a Data Center user manages personal access tokens.
fn pat_page(site: &str) -> String {
    format!(
        "{site}/secure/ViewProfile.jspa?selectedTab=com.atlassian.pats.pats-plugin:jira-user-personal-access-tokens"
    )
}

/// `login --pat`: reads a personal access token from stdin, checks it against the site's
/// `/rest/api/2/myself`, and stores it in the profile's token store. Nothing is stored when the
/// check fails.
async fn login_pat(overrides: Overrides) -> anyhow::Result<i32> {
    let mut config = Config::from_env(&overrides)?;
    let Some(site) = config
        .site
        .as_ref()
        .map(|s| s.as_str().trim_end_matches('/').to_string())
    else {
        eprintln!(
            "jira-mcp: a personal access token belongs to one Data Center site: set JIRA_MCP_SITE (or `site` in \
             the profile) to its base URL, e.g. https://jira.example.com"
        );
        return Ok(2);
    };
    if !matches!(config.auth, AuthConfig::OAuth(_)) {
        eprintln!(
            "jira-mcp: JIRA_MCP_ACCESS_TOKEN or JIRA_MCP_API_TOKEN is set for this profile and would be used instead \
             of a stored token; unset it first."
        );
        return Ok(2);
    }
    if config.flavor == Flavor::Cloud {
        eprintln!(
            "jira-mcp: {site} is a Jira Cloud site, which has no personal access tokens: sign in with `jira-mcp \
             login`, or use an API token (JIRA_MCP_EMAIL, JIRA_MCP_API_TOKEN)."
        );
        return Ok(2);
    }
    let line = if std::io::stdin().is_terminal() {
        eprintln!(
            "Create a personal access token at {} and paste it here (it is not shown), then press Enter:",
            pat_page(&site)
        );
        // Not echoed: a token on the screen ends up in scrollback and screen shares.
        rpassword::read_password()?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line
    };
    let token = line.trim();
    if token.is_empty() || token.contains(char::is_whitespace) {
        eprintln!("jira-mcp: no token read from stdin (expected one line with the token)");
        return Ok(2);
    }
    let secret = jira_mcp::auth::Secret::new(token);
    config.auth = AuthConfig::AccessToken(secret.clone());
    let selection = config_selection(&config)?;
    let jira = app::jira_client(&config, &selection);
    let me = match jira.myself().await {
        Ok(me) => me,
        Err(e) => {
            let kind = e.kind();
            if kind == jira_mcp::http::ErrorKind::Auth {
                eprintln!("jira-mcp: {site} did not accept the token: {e}");
            } else {
                eprintln!("jira-mcp: could not check the token with {site}: {e}");
            }
            if kind == jira_mcp::http::ErrorKind::Auth {
                eprintln!(
                    "It may be revoked, expired or mistyped; create a new one at {} and try again.",
                    pat_page(&site)
                );
            }
            return Ok(1);
        }
    };
    let store = TokenStore::for_config(&config);
    store.save(&jira_mcp::auth::store::TokenSet {
        access_token: secret,
        refresh_token: None,
        expires_at: u64::MAX,
        scopes: Vec::new(),
        client_id: None,
        kind: jira_mcp::auth::store::TokenKind::Pat,
    })?;
    let name = me.display_name.get().unwrap_or_else(|| "?".into());
    let who = match &me.name {
        Some(n) => format!("{name} ({n})"),
        None => name,
    };
    let mut state = config.load_state();
    state.site_url = Some(site.clone());
    state.account = Some(who.clone());
    if let Err(e) = config.save_state(&state) {
        tracing::warn!(error = %e, "could not remember the account in the profile state");
    }
    println!(
        "Signed in to {site} as {who} with a personal access token (stored in {}).",
        store.path().display()
    );
    Ok(0)
}

async fn login_command(overrides: Overrides, no_browser: bool) -> anyhow::Result<i32> {
    let config = Config::from_env(&overrides)?;
    // The same next step as `status` and a tool call give.
    if let Some(missing) = jira_mcp::auth::setup::missing(&config) {
        eprintln!("jira-mcp: {missing}.");
        return Ok(2);
    }
    let settings = match &config.auth {
        AuthConfig::OAuth(o) => (**o).clone(),
        AuthConfig::AccessToken(_) | AuthConfig::ApiToken { .. } => {
            eprintln!(
                "jira-mcp: JIRA_MCP_ACCESS_TOKEN or JIRA_MCP_API_TOKEN is set for this profile, and it would be used \
                 instead of an OAuth sign-in; unset it to sign in with OAuth."
            );
            return Ok(2);
        }
        AuthConfig::Invalid(problem) => {
            eprintln!("jira-mcp: {problem}.");
            return Ok(2);
        }
    };
    let Some(app_) = settings.app() else {
        eprintln!("jira-mcp: {}.", jira_mcp::auth::setup::next_step(&config));
        return Ok(2);
    };
    let selection = config_selection(&config)?;
    let params = LoginParams {
        app: app_,
        scopes: app::login_scopes(&config, &selection),
        site: config
            .site
            .as_ref()
            .map(|s| s.as_str().trim_end_matches('/').to_string()),
        store: TokenStore::for_config(&config),
        config: config.clone(),
        timeout: settings.login_timeout,
        chooser: terminal_chooser(),
    };
    let outcome = if no_browser {
        login::login_pasted(params, || {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            Ok(line)
        })
        .await
        .map_err(std::sync::Arc::new)
    } else {
        match PendingLogin::start(params).await {
            Ok(pending) => {
                if !browser::open(&pending.url).await {
                    eprintln!(
                        "jira-mcp: no browser could be opened; open the URL above yourself. On a machine without a \
                         browser (over SSH), run `jira-mcp login --no-browser` instead: it prints the URL and reads \
                         the address you land on."
                    );
                }
                eprintln!("jira-mcp: waiting for the sign-in (Ctrl-C to stop)…");
                pending.wait().await
            }
            Err(e) => Err(std::sync::Arc::new(e)),
        }
    };
    match outcome {
        Ok(s) => {
            println!(
                "Signed in to {} ({}) for profile `{}`.",
                s.site_name, s.site_url, config.profile
            );
            if !s.cloud_id.is_empty() {
                println!("cloud id:      {}", s.cloud_id);
            }
            if let Some(a) = &s.account {
                println!("account:       {a}");
            }
            println!("scopes:        {}", s.scopes.join(" "));
            println!("access token:  expires {}", when(s.expires_at));
            if !s.refreshable && config.flavor == Flavor::Cloud {
                println!("warning:       no refresh token (offline_access not granted): sign in again when it expires");
            } else if !s.refreshable {
                println!("warning:       no refresh token was issued: sign in again when the access token expires");
            }
            Ok(0)
        }
        Err(e) => {
            eprintln!("jira-mcp: sign-in failed: {e}");
            Ok(1)
        }
    }
}

/// `2026-11-23 15:04 UTC (in 58 min)`.
fn when(unix: u64) -> String {
    let date = render::utc_minute(unix);
    let n = now();
    let rel = if unix >= n {
        let m = (unix - n) / 60;
        if m >= 120 {
            format!("in {} h", m / 60)
        } else {
            format!("in {m} min")
        }
    } else {
        let m = (n - unix) / 60;
        if m >= 120 {
            format!("{} h ago", m / 60)
        } else {
            format!("{m} min ago")
        }
    };
    format!("{date} UTC ({rel})")
}

async fn status(profile: ProfileArgs) -> anyhow::Result<i32> {
    let config = Config::from_env(&Overrides {
        profile: profile.profile,
        ..Overrides::default()
    })?;
    let selection = config_selection(&config)?;
    let file_note = if config.config_file.exists() {
        ""
    } else {
        " (not present)"
    };
    println!("profile:      {}", config.profile);
    println!("config file:  {}{file_note}", config.config_file.display());
    println!("data folder:  {}", config.data_dir.display());
    let state = config.load_state();
    let site = config
        .site
        .as_ref()
        .map(|s| s.to_string())
        .or_else(|| state.site_url.clone());
    println!("site:         {}", site.unwrap_or_else(|| "(not set)".to_string()));
    println!("flavor:       {}", config.flavor.name());
    if let Some(id) = &state.cloud_id {
        println!("cloud id:     {id}");
    }
    if let Some(a) = &state.account {
        println!("account:      {a}");
    }
    let mut granted: Option<Vec<String>> = None;
    let mut can_check = true;
    match &config.auth {
        AuthConfig::AccessToken(_) => println!("credentials:  access token (JIRA_MCP_ACCESS_TOKEN)"),
        AuthConfig::ApiToken { email, .. } => {
            println!("credentials:  API token for {email} (JIRA_MCP_EMAIL, JIRA_MCP_API_TOKEN)")
        }
        AuthConfig::Invalid(problem) => {
            println!("credentials:  none usable: {problem}");
            can_check = false;
        }
        AuthConfig::OAuth(o) => {
            let app_note = match (&o.client_id, o.client_secret.is_some()) {
                (Some(id), true) => format!("app {id}"),
                (Some(id), false) => format!("app {id}, but ATLASSIAN_CLIENT_SECRET is not set (needed to refresh)"),
                (None, _) => "no app configured (ATLASSIAN_CLIENT_ID, ATLASSIAN_CLIENT_SECRET)".to_string(),
            };
            let store = TokenStore::for_config(&config);
            match store.load() {
                Ok(Some(t)) if t.kind == jira_mcp::auth::store::TokenKind::Pat => {
                    println!("credentials:  personal access token (stored by `jira-mcp login --pat`)");
                }
                _ if config.flavor == Flavor::DataCenter => {
                    println!("credentials:  OAuth 2.0 (the site's incoming application link, PKCE), {app_note}")
                }
                _ => println!("credentials:  OAuth 2.0 (3LO), {app_note}"),
            }
            match store.load() {
                Ok(Some(t)) if t.kind == jira_mcp::auth::store::TokenKind::Pat => {}
                Ok(Some(t)) => {
                    println!("access token: expires {}", when(t.expires_at));
                    println!(
                        "refresh:      {}",
                        if t.refresh_token.is_some() {
                            "yes (refreshed automatically)"
                        } else {
                            "no: sign in again when it expires"
                        }
                    );
                    println!("scopes:       {}", t.scopes.join(" "));
                    granted = Some(t.scopes);
                }
                Ok(None) => {
                    println!("tokens:       none: {}", jira_mcp::auth::setup::next_step(&config));
                    can_check = false;
                }
                Err(e) => {
                    println!("tokens:       unreadable: {e}");
                    can_check = false;
                }
            }
        }
    }
    println!(
        "toolsets:     {}{}",
        selection.toolsets.join(", "),
        if config.read_only { " (read-only)" } else { "" }
    );
    if let Some(g) = &granted {
        for ts in TOOLSETS.iter().filter(|t| selection.toolsets.contains(&t.id)) {
            let missing: std::collections::BTreeSet<String> = ts
                .tools
                .iter()
                .filter(|t| t.on.includes(config.flavor))
                .flat_map(|t| t.missing_scopes(config.flavor, g))
                .collect();
            if missing.is_empty() {
                println!("  {:<10}  usable", ts.id);
            } else {
                let m: Vec<String> = missing.into_iter().collect();
                println!("  {:<10}  missing scopes: {}", ts.id, m.join(" "));
            }
        }
    }
    if !can_check {
        return Ok(1);
    }
    let jira = app::jira_client(&config, &selection);
    if config.flavor == Flavor::DataCenter {
        match jira.server_info().await {
            Ok(info) => println!(
                "server:       {} {}{}",
                info.server_title.get().unwrap_or_else(|| "Jira".into()),
                info.version.get().unwrap_or_else(|| "(version unknown)".into()),
                info.deployment_type
                    .get()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            ),
            Err(e) => println!("server:       version unknown ({e})"),
        }
    }
    match jira.myself().await {
        Ok(me) => {
            let name = me.display_name.get().unwrap_or_else(|| "?".into());
            let id = match (&me.account_id, &me.name) {
                (Some(id), _) => format!("account id {id}"),
                (None, Some(n)) => format!("user name {n}"),
                (None, None) => "no id".into(),
            };
            println!("jira:         OK, signed in as {name} ({id})");
            Ok(0)
        }
        Err(e) => {
            let cx = ErrorContext {
                tool: "status",
                subject: None,
                auth: jira.auth_kind(),
                flavor: config.flavor,
                profile: &config.profile,
                scopes: jira_mcp::toolsets::lookup("jira_get_myself")
                    .map(|(_, t)| t.scopes_on(config.flavor))
                    .unwrap_or_default(),
                granted: jira.granted_scopes(),
            };
            println!("jira:         FAILED: {}", cx.explain(e));
            Ok(1)
        }
    }
}
