//! Where the credential for each Jira request comes from.
//!
//! Everything above this module asks a [`TokenProvider`] for a [`Credential`] and never knows
//! whether it is a pasted bearer token, a Cloud API token sent as Basic auth, or (later) an
//! OAuth 2.0 (3LO) token that refreshes itself. A provider can also be told that Jira rejected
//! its credential ([`TokenProvider::on_rejected`]), which is the hook a refreshing provider uses
//! to refresh once and let the HTTP layer retry.
//!
//! Secrets are wrapped in [`Secret`], whose `Debug`/`Display` never print the value, so a token
//! cannot reach a log line or an error message by accident.

pub mod browser;
pub mod callback;
pub mod login;
pub mod oauth;
mod session;
pub mod setup;
pub mod sites;
mod static_token;
pub mod store;

pub use session::{OAuthSession, REFRESH_MARGIN};
pub use static_token::{ApiTokenBasic, Misconfigured, NoCredential, StaticBearer};

use std::sync::Arc;

use futures::future::BoxFuture;
use url::Url;

/// A secret string (token, password). Formatting it prints `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself; call only where it is sent to its rightful recipient.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The value of an `Authorization` header, plus whether it is a bearer token (the Atlassian
/// gateway accepts only bearer tokens; Basic auth goes to the site URL).
#[derive(Clone, Debug)]
pub struct Credential {
    header: Secret,
    pub scheme: Scheme,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Bearer,
    Basic,
}

impl Credential {
    pub fn bearer(token: &Secret) -> Self {
        Credential {
            header: Secret::new(format!("Bearer {}", token.expose())),
            scheme: Scheme::Bearer,
        }
    }

    pub fn basic(user: &str, password: &Secret) -> Self {
        use base64_lite::encode;
        let raw = format!("{user}:{}", password.expose());
        Credential {
            header: Secret::new(format!("Basic {}", encode(raw.as_bytes()))),
            scheme: Scheme::Basic,
        }
    }

    pub fn header_value(&self) -> &str {
        self.header.expose()
    }
}

/// What kind of credential a provider hands out, for error messages that say what to fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthKind {
    /// `JIRA_MCP_ACCESS_TOKEN`: an OAuth access token or a Data Center PAT, used as is.
    AccessToken,
    /// `JIRA_MCP_EMAIL` + `JIRA_MCP_API_TOKEN`: Basic auth against the site.
    ApiToken,
    /// Tokens obtained and refreshed by `jira-mcp login`.
    OAuth,
    /// A Data Center personal access token stored by `jira-mcp login --pat`.
    Pat,
    /// A user of the multi-user server, signed in through their MCP client.
    Remote,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The profile needs a (new) sign-in; the text says how.
    #[error("{0}")]
    LoginRequired(String),
    /// A sign-in was attempted and failed.
    #[error("{0}")]
    Login(Arc<login::LoginError>),
    /// A refresh failed for a reason that may pass (network, 5xx).
    #[error("refreshing the access token failed: {0}")]
    Refresh(String),
    #[error("{0}")]
    Other(String),
    /// The configuration cannot authenticate at all; the text names the setting to fix.
    #[error("{0}")]
    Config(String),
    /// The consent URL was handed to the client ([`Presented::ToClient`]): the call ends, and
    /// its retry joins the sign-in.
    #[error("sign-in to Atlassian is needed; the client was asked to open {0}")]
    HandedToClient(String),
}

/// How a consent URL reached the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented {
    /// The MCP client was asked to open it (URL-mode elicitation) and accepted.
    Elicited,
    /// The system browser was opened.
    Browser,
    /// The user declined to open it.
    Declined,
    /// It goes to the client in the call's result (an input request: clients of MCP
    /// 2026-07-28 take no requests from the server). The call ends there; the client's retry
    /// of it waits for the sign-in, which goes on in the background.
    ToClient,
    /// Nothing could show it; the caller must hand the URL to the user in its answer.
    NotShown,
}

/// The small window auth gets onto the user when a sign-in is needed. The server implements
/// it per tool call (elicitation, browser, progress notifications); the CLI with a terminal.
pub trait LoginUi: Send + Sync {
    fn present<'a>(&'a self, url: &'a Url) -> BoxFuture<'a, Presented>;
    fn progress<'a>(&'a self, message: &'a str) -> BoxFuture<'a, ()>;
}

/// A source of credentials for Jira requests.
pub trait TokenProvider: Send + Sync + 'static {
    /// The credential for the next request.
    fn credential(&self) -> BoxFuture<'_, Result<Credential, AuthError>>;

    /// Jira answered 401 to `rejected`. Return `Ok(true)` if a fresh credential is now available
    /// and the request is worth retrying once; static tokens return `Ok(false)`.
    fn on_rejected<'a>(&'a self, _rejected: &'a Credential) -> BoxFuture<'a, Result<bool, AuthError>> {
        Box::pin(async { Ok(false) })
    }

    /// Scopes known to be granted, when the source knows them (OAuth); `None` means unknown,
    /// and scope checks are left to Jira.
    fn granted_scopes(&self) -> Option<Vec<String>> {
        None
    }

    fn kind(&self) -> AuthKind;

    /// Makes sure a credential can be produced, signing in through `ui` if needed. Called
    /// before a tool runs; static sources have nothing to do.
    fn prepare<'a>(&'a self, _ui: &'a dyn LoginUi) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async { Ok(()) })
    }
}

/// Standard base64 (RFC 4648 with padding): small enough not to need a crate.
mod base64_lite {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(input: &[u8]) -> String {
        let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
        for chunk in input.chunks(3) {
            let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[cfg(test)]
    #[test]
    fn encodes_rfc4648_vectors() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"f"), "Zg==");
        assert_eq!(encode(b"fo"), "Zm8=");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode(b"foobar"), "Zm9vYmFy");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_format() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "[redacted] [redacted]");
        let c = Credential::bearer(&s);
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
