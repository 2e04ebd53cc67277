//! The one integration test binary. Each module tests one area through a real MCP client.

/// Shared harness: a wiremock Atlassian, an in-process server and an rmcp client.
mod support;

/// ADF ⇄ Markdown on a corpus, and schema validation of what we send.
mod adf;
/// Jira Software: boards, sprints, epics, backlog, rank.
mod agile;
/// Attachments: list, download, upload, round trip.
mod attachments;
/// Bulk tools (per-issue reports, progress) and dynamic toolsets through a real client.
mod bulk;
/// `tools/` catalog and scope table drift.
mod catalog;
/// Comments: paging, Markdown in and out.
mod comments;
/// The official MCP conformance suite against the HTTP transport, with its baseline.
mod conformance;
/// Contract tests against Atlassian's OpenAPI document served by Prism.
mod contract;
/// Dashboards: list, get with gadgets, create.
mod dashboards;
/// Every tool on Jira Data Center (REST v2, wiki markup, users by name).
mod datacenter;
/// The built binary over stdio, as an MCP client spawns it.
mod e2e_stdio;
/// How each failure class is explained; the server keeps serving.
mod errors;
/// Fields: find, select options, create; cached site metadata.
mod fields;
/// Saved filters: list, get and run, save.
mod filters;
/// The HTTP transport: Streamable HTTP, legacy SSE, security, load.
mod http;
/// Issues: get, create, update, transition.
mod issues;
/// Jira Service Management: requests, comments, approvals, SLAs, queues, customers (Cloud and DC).
mod jsm;
/// JSM Operations: alerts followed to their outcome, on-call, schedules, teams, both Ops bases.
mod jsm_ops;
/// Links, watchers, clones, deletes, create screens, comment edits, people, projects.
mod links;
/// Projects, myself, site discovery.
mod misc;
/// The multi-user server: MCP authorization, users signing in through their client, isolation.
mod multi_user;
/// OAuth 2.0 (3LO) sign-in, token cache and rotation, against a real OAuth server.
mod oauth;
/// Data Center personal access tokens: login, use, revocation.
mod pat;
/// JQL search and paging.
mod search;

// Large conversions and other sessions.
mod stalls;
/// Worklogs: paging, Jira time notation, both flavors.
mod worklogs;
