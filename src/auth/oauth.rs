//! OAuth 2.0 endpoints through the `oauth2` crate: the authorization URL, the code exchange
//! and the refresh, for Atlassian Cloud (3LO) and for a Data Center's own provider.
//!
//! Atlassian's 3LO has no PKCE: the client secret is required for both grants, sent in the
//! request body. The authorization URL carries `audience=api.atlassian.com` and
//! `prompt=consent`, which Atlassian requires. Refresh tokens rotate: a refresh returns a new
//! one, and the caller must store it before anything else happens (see `store.rs`).
//!
//! Data Center (an incoming application link, `{site}/rest/oauth2/latest/...`) adds PKCE
//! (S256): the authorization URL carries a challenge, the code exchange its verifier, which
//! never leaves this process. Its scopes are `READ`, `WRITE` and `ADMIN`, and it checks the
//! redirect URI on refresh too.

use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl,
    basic::{BasicClient, BasicErrorResponseType},
};
use url::Url;

use super::{
    Secret,
    store::{TokenSet, now},
};
use crate::config::Flavor;

pub const DEFAULT_AUTH_URL: &str = "https://auth.atlassian.com/authorize";
pub const DEFAULT_TOKEN_URL: &str = "https://auth.atlassian.com/oauth/token";
pub const DEFAULT_REDIRECT_URI: &str = "http://localhost:8765/callback";

/// An OAuth app registered in Atlassian's developer console.
#[derive(Clone, Debug)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: Secret,
    pub auth_url: Url,
    pub token_url: Url,
    pub redirect_uri: Url,
    /// Cloud (3LO) or a Data Center provider (PKCE).
    pub flavor: Flavor,
}

/// One authorization request: the consent URL and, with PKCE, the verifier its code must be
/// exchanged with (a secret: kept in memory only).
pub struct Authorization {
    pub url: Url,
    pub verifier: Option<Secret>,
}

/// Why the token endpoint refused, in terms a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The refresh token is dead (expired, revoked, reused after rotation): sign in again.
    #[error("the saved sign-in is no longer valid (Atlassian: {0})")]
    InvalidGrant(String),
    /// Wrong client id or secret.
    #[error(
        "Atlassian rejected the app's credentials ({0}): check ATLASSIAN_CLIENT_ID and ATLASSIAN_CLIENT_SECRET against \
         your app's Settings page in the developer console"
    )]
    InvalidClient(String),
    #[error("Atlassian's token endpoint refused: {0}")]
    Refused(String),
    #[error("could not reach Atlassian's token endpoint: {0}")]
    Network(String),
}

async fn send(client: reqwest::Client, req: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = req.into_parts();
    let resp = client
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let mut builder = http::Response::builder().status(resp.status());
    for (k, v) in resp.headers() {
        builder = builder.header(k, v);
    }
    let bytes = resp.bytes().await?.to_vec();
    Ok(builder
        .body(bytes)
        .expect("a response rebuilt from a valid one is valid"))
}

impl OAuthApp {
    fn client(
        &self,
    ) -> oauth2::Client<
        oauth2::basic::BasicErrorResponse,
        oauth2::basic::BasicTokenResponse,
        oauth2::basic::BasicTokenIntrospectionResponse,
        oauth2::StandardRevocableToken,
        oauth2::basic::BasicRevocationErrorResponse,
        oauth2::EndpointSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointSet,
    > {
        BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.client_secret.expose().to_string()))
            .set_auth_uri(AuthUrl::from_url(self.auth_url.clone()))
            .set_token_uri(TokenUrl::from_url(self.token_url.clone()))
            .set_redirect_uri(RedirectUrl::from_url(self.redirect_uri.clone()))
            .set_auth_type(AuthType::RequestBody)
    }

    /// The consent page URL for `scopes`, bound to `state` (and, on Data Center, to a fresh
    /// PKCE challenge).
    pub fn authorize(&self, scopes: &[String], state: &str) -> Authorization {
        let state = state.to_string();
        let client = self.client();
        let req = client
            .authorize_url(move || CsrfToken::new(state))
            .add_scopes(scopes.iter().map(|s| Scope::new(s.clone())));
        match self.flavor {
            Flavor::Cloud => {
                let (url, _) = req
                    .add_extra_param("audience", "api.atlassian.com")
                    .add_extra_param("prompt", "consent")
                    .url();
                Authorization { url, verifier: None }
            }
            Flavor::DataCenter => {
                let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
                let (url, _) = req.set_pkce_challenge(challenge).url();
                Authorization {
                    url,
                    verifier: Some(Secret::new(verifier.secret().clone())),
                }
            }
        }
    }

    /// The consent page URL alone (Cloud, where there is no verifier to keep).
    pub fn authorize_url(&self, scopes: &[String], state: &str) -> Url {
        self.authorize(scopes, state).url
    }

    pub async fn exchange_code(
        &self,
        http: &reqwest::Client,
        code: &str,
        verifier: Option<&Secret>,
        requested: &[String],
    ) -> Result<TokenSet, TokenError> {
        let http = http.clone();
        let f = move |r| send(http.clone(), r);
        let client = self.client();
        let mut req = client.exchange_code(AuthorizationCode::new(code.to_string()));
        if let Some(v) = verifier {
            req = req.set_pkce_verifier(PkceCodeVerifier::new(v.expose().to_string()));
        }
        let resp = req.request_async(&f).await;
        self.to_tokens(resp, requested, None)
    }

    pub async fn refresh(&self, http: &reqwest::Client, current: &TokenSet) -> Result<TokenSet, TokenError> {
        let Some(rt) = &current.refresh_token else {
            return Err(TokenError::InvalidGrant(
                "no refresh token was saved; offline_access was not granted".into(),
            ));
        };
        let http = http.clone();
        let f = move |r| send(http.clone(), r);
        let client = self.client();
        let refresh = RefreshToken::new(rt.expose().to_string());
        let mut req = client.exchange_refresh_token(&refresh);
        if self.flavor == Flavor::DataCenter {
            // Data Center checks it on refresh too, and says only `invalid_grant` without it.
            req = req.add_extra_param("redirect_uri", self.redirect_uri.to_string());
        }
        let resp = req.request_async(&f).await;
        self.to_tokens(resp, &current.scopes, current.refresh_token.clone())
    }

    fn to_tokens(
        &self,
        resp: Result<
            oauth2::basic::BasicTokenResponse,
            RequestTokenError<reqwest::Error, oauth2::basic::BasicErrorResponse>,
        >,
        requested: &[String],
        previous_refresh: Option<Secret>,
    ) -> Result<TokenSet, TokenError> {
        match resp {
            Ok(t) => Ok(TokenSet {
                access_token: Secret::new(t.access_token().secret().clone()),
                // Rotation: the new refresh token replaces the old; keep the old only if none came.
                refresh_token: t
                    .refresh_token()
                    .map(|r| Secret::new(r.secret().clone()))
                    .or(previous_refresh),
                expires_at: now() + t.expires_in().map_or(3600, |d| d.as_secs()),
                scopes: t
                    .scopes()
                    .map(|s| s.iter().map(|x| x.to_string()).collect())
                    .unwrap_or_else(|| requested.to_vec()),
                client_id: Some(self.client_id.clone()),
                kind: super::store::TokenKind::Oauth,
            }),
            Err(RequestTokenError::ServerResponse(e)) => {
                let desc = e.error_description().cloned().unwrap_or_else(|| e.error().to_string());
                Err(match e.error() {
                    BasicErrorResponseType::InvalidGrant => TokenError::InvalidGrant(desc),
                    BasicErrorResponseType::InvalidClient | BasicErrorResponseType::UnauthorizedClient => {
                        TokenError::InvalidClient(desc)
                    }
                    // Atlassian answers a wrong secret with `access_denied` "Unauthorized".
                    BasicErrorResponseType::Extension(x) if x == "access_denied" => TokenError::InvalidClient(desc),
                    _ => TokenError::Refused(format!("{}: {desc}", e.error())),
                })
            }
            Err(RequestTokenError::Request(e)) => Err(TokenError::Network(e.to_string())),
            // The body is not quoted: an answer of an unexpected shape may still hold tokens.
            // Nor is what the parser quotes from it.
            Err(RequestTokenError::Parse(e, body)) => Err(TokenError::Refused(format!(
                "unreadable answer of {} bytes ({})",
                body.len(),
                crate::redact::quoted_values(&e.to_string())
            ))),
            Err(RequestTokenError::Other(e)) => Err(TokenError::Refused(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_url_has_what_atlassian_requires() {
        let app = OAuthApp {
            client_id: "cid".into(),
            client_secret: Secret::new("s3cret"),
            auth_url: Url::parse(DEFAULT_AUTH_URL).unwrap(),
            token_url: Url::parse(DEFAULT_TOKEN_URL).unwrap(),
            redirect_uri: Url::parse(DEFAULT_REDIRECT_URI).unwrap(),
            flavor: Flavor::Cloud,
        };
        let url = app.authorize_url(&["read:jira-work".into(), "offline_access".into()], "st4te");
        let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(q["audience"], "api.atlassian.com");
        assert_eq!(q["prompt"], "consent");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["state"], "st4te");
        assert_eq!(q["redirect_uri"], DEFAULT_REDIRECT_URI);
        assert_eq!(q["scope"], "read:jira-work offline_access");
        assert!(!url.as_str().contains("s3cret"));
        assert!(!url.as_str().contains("code_challenge"));
    }

    #[test]
    fn data_center_authorization_uses_pkce_s256_and_no_audience() {
        let app = OAuthApp {
            client_id: "cid".into(),
            client_secret: Secret::new("s3cret"),
            auth_url: Url::parse("https://jira.example.com/rest/oauth2/latest/authorize").unwrap(),
            token_url: Url::parse("https://jira.example.com/rest/oauth2/latest/token").unwrap(),
            redirect_uri: Url::parse(DEFAULT_REDIRECT_URI).unwrap(),
            flavor: Flavor::DataCenter,
        };
        let a = app.authorize(&["WRITE".into()], "st4te");
        let q: std::collections::HashMap<String, String> = a.url.query_pairs().into_owned().collect();
        assert_eq!(q["code_challenge_method"], "S256");
        let verifier = a.verifier.expect("a verifier");
        assert!(verifier.expose().len() >= 43);
        assert!(!a.url.as_str().contains(verifier.expose()), "the verifier stays here");
        assert!(!q.contains_key("audience") && !q.contains_key("prompt"));
        assert_eq!(q["scope"], "WRITE");
        // A fresh challenge each time.
        let b = app.authorize(&["WRITE".into()], "st4te");
        assert_ne!(a.url, b.url);
    }
}
