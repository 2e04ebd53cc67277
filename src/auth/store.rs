//! The per-profile token cache: one JSON file per profile, mode 0600, written atomically, with
//! a sidecar lock file that serialises refreshes across processes.
//!
//! Atlassian rotates refresh tokens: each refresh returns a new one and disables the old. Two
//! processes refreshing with the same token would leave one of them holding a dead token, so a
//! refresh always runs as *lock → re-read → refresh only if still needed → write → unlock*.
//! The lock is an advisory `flock` on `<profile>.lock` (std's `File::lock`), held only around
//! that sequence; the token file itself is replaced by rename, so readers never need the lock.
//!
//! With the `keyring` cargo feature and `JIRA_MCP_TOKEN_STORE=keyring`, the secrets go to the
//! OS keychain (macOS Keychain, Windows Credential Manager, Secret Service) and the file keeps
//! only what is not secret (expiry, scopes); when no keychain is reachable (headless Linux),
//! the file is used and a warning says so.

use std::{
    fs::{File, OpenOptions},
    path::{Path, PathBuf},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use serde::{Deserialize, Serialize};

use super::Secret;

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Tokens of one profile.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenSet {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    /// Unix seconds when the access token expires.
    pub expires_at: u64,
    /// Scopes granted with the token.
    pub scopes: Vec<String>,
    /// The OAuth app that issued them (not a secret).
    pub client_id: Option<String>,
    pub kind: TokenKind,
}

/// What a profile's stored token is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// OAuth 2.0 tokens from a sign-in: they expire and refresh.
    #[default]
    Oauth,
    /// A Data Center personal access token from `jira-mcp login --pat`: used as it is.
    Pat,
}

impl TokenKind {
    fn is_oauth(&self) -> bool {
        *self == TokenKind::Oauth
    }
}

impl TokenSet {
    /// Usable for at least `margin` more seconds.
    pub fn fresh_for(&self, margin: u64) -> bool {
        self.expires_at > now() + margin
    }
}

/// Where the secrets live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    File,
    /// The OS keychain (cargo feature `keyring`).
    Keyring,
}

/// The on-disk form. Kept apart from [`TokenSet`] so that secrets are serialised only here.
#[derive(Serialize, Deserialize)]
struct TokenFile {
    /// The secrets are in the OS keychain, not here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    in_keyring: bool,
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    expires_at: u64,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(default, skip_serializing_if = "TokenKind::is_oauth")]
    kind: TokenKind,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot read the token cache {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("cannot write the token cache {path}: {message}")]
    Write { path: PathBuf, message: String },
    #[error("timed out after {0:?} waiting for another jira-mcp process to finish refreshing this profile's token")]
    LockTimeout(Duration),
}

/// The token file of one profile.
#[derive(Clone, Debug)]
pub struct TokenStore {
    path: PathBuf,
    lock_path: PathBuf,
    profile: String,
    backend: Backend,
}

/// Holds the cross-process refresh lock until dropped.
pub struct RefreshLock {
    file: File,
}

impl Drop for RefreshLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

impl TokenStore {
    pub fn new(data_dir: &Path, profile: &str) -> Self {
        Self::with_backend(data_dir, profile, Backend::File)
    }

    pub fn with_backend(data_dir: &Path, profile: &str, backend: Backend) -> Self {
        let dir = data_dir.join("tokens");
        TokenStore {
            path: dir.join(format!("{profile}.json")),
            lock_path: dir.join(format!("{profile}.lock")),
            profile: profile.to_string(),
            backend,
        }
    }

    /// The store a configuration asks for.
    pub fn for_config(config: &crate::config::Config) -> Self {
        Self::with_backend(&config.data_dir, &config.profile, config.token_store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The cached tokens, `None` when the profile has none. A corrupt file is reported, not
    /// silently treated as "signed out".
    pub fn load(&self) -> Result<Option<TokenSet>, StoreError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(StoreError::Read {
                    path: self.path.clone(),
                    message: e.to_string(),
                });
            }
        };
        let mut f: TokenFile = serde_json::from_slice(&bytes).map_err(|e| StoreError::Read {
            path: self.path.clone(),
            message: format!("not a token cache ({}); delete it with `jira-mcp logout`", e),
        })?;
        if f.in_keyring {
            let (access, refresh) = keychain::read(&self.profile).map_err(|message| StoreError::Read {
                path: self.path.clone(),
                message: format!("the tokens are in the OS keychain, which cannot be read: {message}"),
            })?;
            f.access_token = access;
            f.refresh_token = refresh;
        }
        Ok(Some(TokenSet {
            access_token: Secret::new(f.access_token),
            refresh_token: f.refresh_token.map(Secret::new),
            expires_at: f.expires_at,
            scopes: f.scopes,
            client_id: f.client_id,
            kind: f.kind,
        }))
    }

    pub fn save(&self, t: &TokenSet) -> Result<(), StoreError> {
        let mut in_keyring = false;
        if self.backend == Backend::Keyring {
            match keychain::write(&self.profile, t) {
                Ok(()) => in_keyring = true,
                Err(e) => {
                    tracing::warn!(error = %e, "the OS keychain is not available; keeping the tokens in the 0600 file")
                }
            }
        }
        let secret = |s: String| if in_keyring { String::new() } else { s };
        let f = TokenFile {
            in_keyring,
            access_token: secret(t.access_token.expose().to_string()),
            refresh_token: t
                .refresh_token
                .as_ref()
                .map(|s| secret(s.expose().to_string()))
                .filter(|s| !s.is_empty()),
            expires_at: t.expires_at,
            scopes: t.scopes.clone(),
            client_id: t.client_id.clone(),
            kind: t.kind,
        };
        let bytes = serde_json::to_vec_pretty(&f).expect("token file serialises");
        crate::fsutil::write_atomic(&self.path, &bytes, 0o600).map_err(|e| StoreError::Write {
            path: self.path.clone(),
            message: e.to_string(),
        })
    }

    /// Deletes the tokens; `Ok(false)` when there were none.
    pub fn delete(&self) -> Result<bool, StoreError> {
        if self.backend == Backend::Keyring {
            keychain::delete(&self.profile);
        }
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StoreError::Write {
                path: self.path.clone(),
                message: e.to_string(),
            }),
        }
    }

    /// Takes the cross-process refresh lock, waiting at most `timeout` (blocking: call from
    /// `spawn_blocking`).
    pub fn lock_blocking(&self, timeout: Duration) -> Result<RefreshLock, StoreError> {
        let err = |e: std::io::Error| StoreError::Write {
            path: self.lock_path.clone(),
            message: e.to_string(),
        };
        if let Some(dir) = self.lock_path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(&self.lock_path).map_err(err)?;
        let deadline = Instant::now() + timeout;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(RefreshLock { file }),
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => return Err(StoreError::LockTimeout(timeout)),
                Err(std::fs::TryLockError::Error(e)) => return Err(err(e)),
            }
        }
    }

    /// Async wrapper of [`Self::lock_blocking`].
    pub async fn lock(&self, timeout: Duration) -> Result<RefreshLock, StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.lock_blocking(timeout))
            .await
            .unwrap_or_else(|e| {
                Err(StoreError::Write {
                    path: PathBuf::new(),
                    message: e.to_string(),
                })
            })
    }
}

/// The OS keychain entry `jira-mcp` / `<profile>` holds `{"access_token","refresh_token"}`.
#[cfg(feature = "keyring")]
mod keychain {
    use super::TokenSet;

    const SERVICE: &str = "jira-mcp";

    fn entry(profile: &str) -> Result<keyring::Entry, String> {
        keyring::Entry::new(SERVICE, profile).map_err(|e| e.to_string())
    }

    pub fn write(profile: &str, t: &TokenSet) -> Result<(), String> {
        let v = serde_json::json!({
            "access_token": t.access_token.expose(),
            "refresh_token": t.refresh_token.as_ref().map(|s| s.expose()),
        });
        entry(profile)?.set_password(&v.to_string()).map_err(|e| e.to_string())
    }

    pub fn read(profile: &str) -> Result<(String, Option<String>), String> {
        let raw = entry(profile)?.get_password().map_err(|e| e.to_string())?;
        let v: serde_json::Value =
            serde_json::from_str(&raw).map_err(|_| "the keychain entry is not ours".to_string())?;
        let access = v["access_token"].as_str().unwrap_or_default().to_string();
        Ok((access, v["refresh_token"].as_str().map(str::to_string)))
    }

    pub fn delete(profile: &str) {
        if let Ok(e) = entry(profile) {
            let _ = e.delete_credential();
        }
    }
}

/// Without the `keyring` feature there is no keychain: the configuration refuses
/// `JIRA_MCP_TOKEN_STORE=keyring`, so these are never reached with secrets.
#[cfg(not(feature = "keyring"))]
mod keychain {
    use super::TokenSet;

    pub fn write(_: &str, _: &TokenSet) -> Result<(), String> {
        Err("this build has no keychain support".into())
    }

    pub fn read(_: &str) -> Result<(String, Option<String>), String> {
        Err("this build has no keychain support (build with `--features keyring`)".into())
    }

    pub fn delete(_: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(n: u32) -> TokenSet {
        TokenSet {
            access_token: Secret::new(format!("access-{n}")),
            refresh_token: Some(Secret::new(format!("refresh-{n}"))),
            expires_at: 4_000_000_000,
            scopes: vec!["read:jira-work".into()],
            client_id: Some("client".into()),
            kind: TokenKind::Oauth,
        }
    }

    #[test]
    fn round_trips_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path(), "work");
        assert_eq!(store.load().unwrap(), None);
        store.save(&set(1)).unwrap();
        assert_eq!(store.load().unwrap(), Some(set(1)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(store.delete().unwrap());
        assert!(!store.delete().unwrap());
    }

    #[test]
    fn corrupt_file_is_an_error_that_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path(), "work");
        std::fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        std::fs::write(store.path(), b"{not json").unwrap();
        let e = store.load().unwrap_err().to_string();
        assert!(e.contains("jira-mcp logout"), "{e}");
    }

    /// With a keychain the secrets leave the file; without one (headless CI) the file keeps
    /// them. Either way the tokens come back whole.
    #[cfg(feature = "keyring")]
    #[test]
    fn keyring_backend_round_trips_or_falls_back_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let profile = format!("test-{}", std::process::id());
        let store = TokenStore::with_backend(dir.path(), &profile, Backend::Keyring);
        store.save(&set(7)).unwrap();
        assert_eq!(store.load().unwrap(), Some(set(7)));
        let file = std::fs::read_to_string(store.path()).unwrap();
        let in_keyring = file.contains("\"in_keyring\": true");
        assert_eq!(
            in_keyring,
            !file.contains("access-7"),
            "secrets are in exactly one place: {file}"
        );
        store.delete().unwrap();
    }

    #[test]
    fn lock_is_exclusive_across_handles() {
        let dir = tempfile::tempdir().unwrap();
        let a = TokenStore::new(dir.path(), "p");
        let b = TokenStore::new(dir.path(), "p");
        let held = a.lock_blocking(Duration::from_secs(1)).unwrap();
        assert!(matches!(
            b.lock_blocking(Duration::from_millis(100)),
            Err(StoreError::LockTimeout(_))
        ));
        drop(held);
        assert!(b.lock_blocking(Duration::from_millis(100)).is_ok());
    }
}
