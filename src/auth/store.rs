//! The per-profile token cache: one JSON file per profile, mode 0600, written atomically, with
//! a sidecar lock file that serialises refreshes across processes.
//!
//! Atlassian rotates refresh tokens: each refresh returns a new one and disables the old. Two
//! processes refreshing with the same token would leave one of them holding a dead token, so a
//! refresh always runs as *lock → re-read → refresh only if still needed → write → unlock*.
//! The lock is an advisory `flock` on `<profile>.lock` (std's `File::lock`), held only around
//! that sequence; the token file itself is replaced by rename, so readers never need the lock.

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
}

impl TokenSet {
    /// Usable for at least `margin` more seconds.
    pub fn fresh_for(&self, margin: u64) -> bool {
        self.expires_at > now() + margin
    }
}

/// The on-disk form. Kept apart from [`TokenSet`] so that secrets are serialised only here.
#[derive(Serialize, Deserialize)]
struct TokenFile {
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    expires_at: u64,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
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
        let dir = data_dir.join("tokens");
        TokenStore {
            path: dir.join(format!("{profile}.json")),
            lock_path: dir.join(format!("{profile}.lock")),
        }
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
        let f: TokenFile = serde_json::from_slice(&bytes).map_err(|e| StoreError::Read {
            path: self.path.clone(),
            message: format!("not a token cache ({}); delete it with `jira-mcp logout`", e),
        })?;
        Ok(Some(TokenSet {
            access_token: Secret::new(f.access_token),
            refresh_token: f.refresh_token.map(Secret::new),
            expires_at: f.expires_at,
            scopes: f.scopes,
            client_id: f.client_id,
        }))
    }

    pub fn save(&self, t: &TokenSet) -> Result<(), StoreError> {
        let f = TokenFile {
            access_token: t.access_token.expose().to_string(),
            refresh_token: t.refresh_token.as_ref().map(|s| s.expose().to_string()),
            expires_at: t.expires_at,
            scopes: t.scopes.clone(),
            client_id: t.client_id.clone(),
        };
        let bytes = serde_json::to_vec_pretty(&f).expect("token file serialises");
        crate::fsutil::write_atomic(&self.path, &bytes, 0o600).map_err(|e| StoreError::Write {
            path: self.path.clone(),
            message: e.to_string(),
        })
    }

    /// Deletes the tokens; `Ok(false)` when there were none.
    pub fn delete(&self) -> Result<bool, StoreError> {
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
