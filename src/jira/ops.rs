//! REST operations: the single source of every URL the Jira client calls (the sign-in flow's
//! own requests — token endpoint, accessible-resources, the account check — are outside it).
//! Most are declared here; an area may declare its own beside its client method.
//!
//! An [`Op`] names one endpoint flavor-neutrally: a method, an API family ([`Api`]) and a path
//! under that family's prefix, with `{placeholders}` as in Atlassian's specs. Tools declare the
//! operations they may call (their scopes derive from them); the client builds each request
//! from an operation, adding the flavor's prefix (`/rest/api/3` on Cloud, `/rest/api/2` on Data
//! Center) and percent-encoding every path argument as exactly one segment, so no input can
//! change which endpoint is called. While a tool runs, [`scope`] holds its declared operations
//! and the client refuses any other ([`check`]), so a tool's scopes cannot drift from what it
//! does; debug builds (the tests) record every operation sent.

use std::{
    fmt,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use crate::config::Flavor;

/// HTTP methods, as a `const`-friendly enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    pub fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

/// An API family: each has its own prefix, which may differ per flavor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// The Jira platform REST API: v3 on Cloud, v2 on Data Center.
    Platform,
    /// Jira Software (boards, sprints): `/rest/agile/1.0` on both.
    Agile,
    /// Jira Service Management: `/rest/servicedeskapi` on both.
    ServiceDesk,
    /// JSM Operations (alerts, schedules, on-call): Cloud only, on its own base (see
    /// `JiraClient::ops_base`), whose OAuth form ends in this prefix.
    Ops,
}

impl Api {
    pub fn prefix(self, flavor: Flavor) -> &'static str {
        match (self, flavor) {
            (Api::Platform, Flavor::Cloud) => "/rest/api/3",
            (Api::Platform, Flavor::DataCenter) => "/rest/api/2",
            (Api::Agile, _) => "/rest/agile/1.0",
            (Api::ServiceDesk, _) => "/rest/servicedeskapi",
            (Api::Ops, _) => "/jsm/ops/api/v1",
        }
    }
}

/// Where an operation exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum On {
    Both,
    CloudOnly,
    DataCenterOnly,
}

impl On {
    pub fn includes(self, flavor: Flavor) -> bool {
        matches!(
            (self, flavor),
            (On::Both, _) | (On::CloudOnly, Flavor::Cloud) | (On::DataCenterOnly, Flavor::DataCenter)
        )
    }
}

/// One REST operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Op {
    pub method: Method,
    pub api: Api,
    /// Under the API's prefix, e.g. `/issue/{issueIdOrKey}`.
    pub path: &'static str,
    pub on: On,
}

impl Op {
    pub const fn new(method: Method, api: Api, path: &'static str, on: On) -> Op {
        Op { method, api, path, on }
    }

    /// `METHOD /full/path/{template}` on a flavor, as the flavor's OpenAPI document names it
    /// (the key of the scope table on Cloud).
    pub fn id(&self, flavor: Flavor) -> String {
        format!("{} {}{}", self.method.as_str(), self.api.prefix(flavor), self.path)
    }

    /// The id on the flavor where the operation exists (Cloud first).
    pub fn canonical_id(&self) -> String {
        self.id(if self.on.includes(Flavor::Cloud) {
            Flavor::Cloud
        } else {
            Flavor::DataCenter
        })
    }

    /// The request path on `flavor` with `args` filling the placeholders in order, each
    /// percent-encoded as one segment. Arguments that cannot be one segment (empty, `.`, `..`,
    /// which URL parsers resolve) are refused, as is a wrong number of them.
    pub fn path_on(&self, flavor: Flavor, args: &[&str]) -> Result<String, PathError> {
        let mut out = String::with_capacity(self.path.len() + 16);
        out.push_str(self.api.prefix(flavor));
        self.fill(args, out)
    }

    /// The path under the API's prefix with `args` filled in (encoded as [`Op::path_on`]
    /// does), appended to `out`.
    pub fn fill(&self, args: &[&str], mut out: String) -> Result<String, PathError> {
        let mut args = args.iter();
        let mut rest = self.path;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}').map(|c| open + c).ok_or(PathError::Template)?;
            let name = &rest[open + 1..close];
            let arg = args.next().ok_or(PathError::Template)?;
            if arg.is_empty() || *arg == "." || *arg == ".." {
                return Err(PathError::Segment {
                    name,
                    value: (*arg).to_string(),
                });
            }
            encode_segment(arg, &mut out);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        if args.next().is_some() {
            return Err(PathError::Template);
        }
        Ok(out)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical_id())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("`{value}` cannot be used as {name}")]
    Segment { name: &'static str, value: String },
    /// A bug: the arguments do not match the operation's placeholders.
    #[error("the path arguments do not match the operation's template")]
    Template,
}

/// Percent-encodes everything but RFC 3986's unreserved characters (and `.` too: `%2E%2E`
/// would still be read as `..`, which is why such arguments are refused before this).
fn encode_segment(arg: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in arg.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

// ---- the operations our tools call -------------------------------------------------------------

use Api::Platform;
use Method::{Delete, Get, Post, Put};
use On::{Both, CloudOnly, DataCenterOnly};

pub const ISSUE_GET: Op = Op::new(Get, Platform, "/issue/{issueIdOrKey}", Both);
pub const ISSUE_CREATE: Op = Op::new(Post, Platform, "/issue", Both);
pub const ISSUE_BULK_CREATE: Op = Op::new(Post, Platform, "/issue/bulk", Both);
pub const ISSUE_EDIT: Op = Op::new(Put, Platform, "/issue/{issueIdOrKey}", Both);
pub const CREATE_META_TYPES: Op = Op::new(Get, Platform, "/issue/createmeta/{projectIdOrKey}/issuetypes", Both);
pub const CREATE_META_FIELDS: Op = Op::new(
    Get,
    Platform,
    "/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}",
    Both,
);
pub const TRANSITIONS_GET: Op = Op::new(Get, Platform, "/issue/{issueIdOrKey}/transitions", Both);
pub const TRANSITION_DO: Op = Op::new(Post, Platform, "/issue/{issueIdOrKey}/transitions", Both);
pub const COMMENTS_GET: Op = Op::new(Get, Platform, "/issue/{issueIdOrKey}/comment", Both);
pub const COMMENT_ADD: Op = Op::new(Post, Platform, "/issue/{issueIdOrKey}/comment", Both);
pub const COMMENT_EDIT: Op = Op::new(Put, Platform, "/issue/{issueIdOrKey}/comment/{id}", Both);
pub const COMMENT_DELETE: Op = Op::new(Delete, Platform, "/issue/{issueIdOrKey}/comment/{id}", Both);
pub const FIELDS: Op = Op::new(Get, Platform, "/field", Both);
pub const MYSELF: Op = Op::new(Get, Platform, "/myself", Both);
pub const USER_SEARCH: Op = Op::new(Get, Platform, "/user/search", Both);
pub const USER_ASSIGNABLE: Op = Op::new(Get, Platform, "/user/assignable/search", Both);
pub const SERVER_INFO: Op = Op::new(Get, Platform, "/serverInfo", Both);
/// Cloud's enhanced search (cursor paging); the old endpoint answers 410 there.
pub const SEARCH_JQL: Op = Op::new(Get, Platform, "/search/jql", CloudOnly);
pub const SEARCH_COUNT: Op = Op::new(Post, Platform, "/search/approximate-count", CloudOnly);
/// Data Center's search (offset paging).
pub const SEARCH_DC: Op = Op::new(Get, Platform, "/search", DataCenterOnly);
/// Cloud pages projects; Data Center lists them all at once.
pub const PROJECT_SEARCH: Op = Op::new(Get, Platform, "/project/search", CloudOnly);
pub const PROJECT_LIST_DC: Op = Op::new(Get, Platform, "/project", DataCenterOnly);

// ---- the operations a running tool may call ----------------------------------------------------

/// What must pass before the running tool's first request reaches Jira: the sign-in and the
/// scope check. It runs on the first request, not before the tool, so that a tool refuses bad
/// input before anything asks for credentials.
pub trait Gate: Send + Sync {
    fn pass(&self) -> futures::future::BoxFuture<'_, Result<(), super::JiraError>>;
}

/// The operations of the running tool, and where to record what was sent.
#[derive(Clone)]
pub struct Declared {
    pub tool: &'static str,
    pub ops: &'static [Op],
    pub gate: Option<Arc<dyn Gate>>,
    /// Bytes of Jira answers the tool has read so far: what decides whether the work that
    /// follows (rich-text conversion, rendering) leaves the runtime thread.
    pub read: Arc<AtomicUsize>,
}

impl Declared {
    pub fn new(tool: &'static str, ops: &'static [Op], gate: Option<Arc<dyn Gate>>) -> Declared {
        Declared {
            tool,
            ops,
            gate,
            read: Arc::default(),
        }
    }
}

/// Counts `bytes` of answer read by the running tool (nothing outside a tool).
pub fn note_read(bytes: usize) {
    let _ = DECLARED.try_with(|d| d.read.fetch_add(bytes, Ordering::Relaxed));
}

/// Bytes of answer the running tool has read so far (0 outside a tool).
pub fn read_so_far() -> usize {
    DECLARED.try_with(|d| d.read.load(Ordering::Relaxed)).unwrap_or(0)
}

/// Passes the running tool's gate (once per call; nothing outside a tool).
pub async fn pass_gate() -> Result<(), super::JiraError> {
    let gate = DECLARED.try_with(|d| d.gate.clone()).ok().flatten();
    match gate {
        Some(g) => g.pass().await,
        None => Ok(()),
    }
}

tokio::task_local! {
    static DECLARED: Declared;
}

/// Runs `fut` as tool `declared.tool`: the client refuses operations it did not declare.
pub async fn scope<F: Future>(declared: Declared, fut: F) -> F::Output {
    DECLARED.scope(declared, fut).await
}

/// `Err` with the tool's name when `op` is not among the running tool's operations. Outside a
/// tool (CLI commands, sign-in) everything is allowed.
pub fn check(op: &Op) -> Result<(), &'static str> {
    DECLARED
        .try_with(|d| if d.ops.contains(op) { Ok(()) } else { Err(d.tool) })
        .unwrap_or(Ok(()))
}

/// One operation sent, and the tool that sent it (`None` outside a tool).
pub type Sent = (Option<&'static str>, Op);

/// Every operation sent (tests read it through the server).
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<Sent>>>);

impl Recorder {
    pub fn record(&self, op: Op) {
        let tool = DECLARED.try_with(|d| d.tool).ok();
        if let Ok(mut log) = self.0.lock() {
            // Bounded: a long-running server keeps only the latest calls.
            if log.len() >= 10_000 {
                log.drain(..5_000);
            }
            log.push((tool, op));
        }
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.0.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn prefixes_follow_the_flavor() {
        assert_eq!(
            ISSUE_GET.path_on(Flavor::Cloud, &["A-1"]).unwrap(),
            "/rest/api/3/issue/A-1"
        );
        assert_eq!(
            ISSUE_GET.path_on(Flavor::DataCenter, &["A-1"]).unwrap(),
            "/rest/api/2/issue/A-1"
        );
        assert_eq!(ISSUE_GET.id(Flavor::Cloud), "GET /rest/api/3/issue/{issueIdOrKey}");
        assert_eq!(SEARCH_DC.canonical_id(), "GET /rest/api/2/search");
    }

    #[test]
    fn hostile_arguments_stay_one_segment_or_are_refused() {
        let p = |a: &str| COMMENTS_GET.path_on(Flavor::Cloud, &[a]);
        assert_eq!(
            p("../../myself").unwrap(),
            "/rest/api/3/issue/%2E%2E%2F%2E%2E%2Fmyself/comment"
        );
        assert_eq!(p("a?b#c").unwrap(), "/rest/api/3/issue/a%3Fb%23c/comment");
        assert_eq!(p("%2e%2e").unwrap(), "/rest/api/3/issue/%252e%252e/comment");
        assert_eq!(p("é").unwrap(), "/rest/api/3/issue/%C3%A9/comment");
        for bad in ["", ".", ".."] {
            assert!(matches!(p(bad), Err(PathError::Segment { .. })), "{bad:?}");
        }
        assert_eq!(ISSUE_GET.path_on(Flavor::Cloud, &[]), Err(PathError::Template));
        assert_eq!(ISSUE_GET.path_on(Flavor::Cloud, &["a", "b"]), Err(PathError::Template));
    }

    #[test]
    fn only_declared_operations_pass_inside_a_tool() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            assert!(check(&MYSELF).is_ok(), "outside a tool");
            let declared = Declared::new("t", &[ISSUE_GET], None);
            scope(declared, async {
                assert!(check(&ISSUE_GET).is_ok());
                assert_eq!(check(&ISSUE_EDIT), Err("t"));
            })
            .await;
        });
    }

    proptest! {
        /// Whatever the argument, the URL a client sends has the declared shape: the same
        /// segments, with the argument (decoded) as exactly one of them.
        #[test]
        fn any_argument_keeps_the_declared_shape(arg in any::<String>(), flavor in prop_oneof![Just(Flavor::Cloud), Just(Flavor::DataCenter)]) {
            match COMMENTS_GET.path_on(flavor, &[&arg]) {
                Ok(path) => {
                    let base = url::Url::parse("https://jira.example.com/ctx").unwrap();
                    let mut url = base.clone();
                    url.set_path(&format!("{}{path}", base.path()));
                    let segs: Vec<&str> = url.path_segments().unwrap().collect();
                    let prefix: Vec<&str> = Api::Platform.prefix(flavor).trim_start_matches('/').split('/').collect();
                    prop_assert_eq!(segs.len(), 1 + prefix.len() + 3);
                    prop_assert_eq!(&segs[1..=prefix.len()], &prefix[..]);
                    prop_assert_eq!(segs[prefix.len() + 1], "issue");
                    prop_assert_eq!(segs[prefix.len() + 3], "comment");
                    let decoded = percent_decode(segs[prefix.len() + 2]);
                    prop_assert_eq!(decoded, arg);
                    prop_assert!(url.query().is_none() && url.fragment().is_none());
                }
                Err(_) => prop_assert!(arg.is_empty() || arg == "." || arg == ".."),
            }
        }
    }

    fn percent_decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() + 1 {
                let h = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap(), 16).unwrap();
                out.push(h);
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
}
