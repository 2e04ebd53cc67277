//! What the multi-user server remembers, in SQL that SQLite (one file, one instance) and
//! PostgreSQL (several replicas) both run: signed-in users and their sealed Atlassian tokens,
//! registered MCP clients, authorizations in flight, and the hashes of the codes and tokens
//! this server issued. Our own tokens are never stored, only their SHA-256, so a copy of the
//! database does not let anyone in; Atlassian's are sealed (`seal.rs`).
//!
//! Refreshing one user's Atlassian token is serialised: Atlassian rotates refresh tokens, so
//! two refreshes of the same one would lose the user's grant. A per-user lock in the process
//! queues one replica's calls; on PostgreSQL a transaction-scoped advisory lock per user then
//! covers every replica. The advisory lock is held on a connection of its own small pool: the
//! refresh under it reads and writes through the main pool, which waiters never hold, so
//! waiting can never starve the holder (SQLite serves one instance, where the process lock is
//! enough).

use std::{collections::HashMap, sync::Arc};

use sqlx::{AnyPool, Row, any::AnyPoolOptions};

use crate::auth::store::now;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store ({backend}) failed: {message}")]
    Db { backend: &'static str, message: String },
    #[error("JIRA_MCP_STORE_URL must start with postgres:// or sqlite:// (got `{0}`)")]
    BadUrl(String),
}

/// Which database: they differ only in how a refresh is serialised and in a few types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// PostgreSQL: the connections that hold (or wait for) the refresh locks.
    lock_pool: Option<AnyPool>,
    backend: Backend,
    /// One lock per user, for refreshes within this process.
    local_locks: Arc<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

/// A registered MCP client (dynamic client registration).
#[derive(Clone, Debug, PartialEq)]
pub struct ClientRecord {
    pub id: String,
    pub name: String,
    pub redirect_uris: Vec<String>,
    /// SHA-256 of the client secret, for confidential clients; `None` for public ones.
    pub secret_hash: Option<String>,
}

/// An authorization in flight, between the client's `/authorize` and Atlassian's callback.
#[derive(Clone, Debug)]
pub struct Pending {
    pub client_id: String,
    pub redirect_uri: String,
    pub client_state: Option<String>,
    pub code_challenge: String,
    pub resource: String,
    /// Data Center: the PKCE verifier of the sign-in at Jira, sealed (set at consent).
    pub upstream_verifier: Option<String>,
    /// SHA-256 of the cookie of the browser that started it: only that browser may consent
    /// and come back through the callback.
    pub browser: String,
    /// The user approved this client on the consent page.
    pub consented: bool,
}

/// An authorization code, between the callback and the client's `/token`.
#[derive(Clone, Debug)]
pub struct Code {
    pub user_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub resource: String,
}

/// What an access token grants.
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    pub user_id: String,
    pub client_id: String,
    pub resource: String,
}

/// A signed-in user.
#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub name: String,
    pub site_url: String,
    pub cloud_id: String,
    /// The sealed Atlassian tokens.
    pub sealed: String,
    pub expires_at: u64,
}

/// A user as `jira-mcp users list` shows them.
#[derive(Clone, Debug)]
pub struct UserLine {
    pub id: String,
    pub name: String,
    pub site_url: String,
    pub last_seen: u64,
    pub revoked: bool,
    pub live_tokens: i64,
}

/// The hashes of a new access and refresh token, and how long each lives.
pub struct NewPair<'a> {
    pub access: &'a str,
    pub refresh: &'a str,
    pub access_ttl: u64,
    pub refresh_ttl: u64,
}

/// What presenting a refresh token found.
#[derive(Debug, PartialEq)]
pub enum Rotation {
    /// Valid and now spent: mint the next pair in its family.
    Fresh {
        grant: Grant,
        family: String,
    },
    /// Already spent: someone replayed it. The whole family is revoked.
    Reused,
    Unknown,
}

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        site_url TEXT NOT NULL,
        cloud_id TEXT NOT NULL,
        sealed TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        created BIGINT NOT NULL,
        last_seen BIGINT NOT NULL,
        revoked BIGINT NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS clients (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        redirect_uris TEXT NOT NULL,
        secret_hash TEXT,
        created BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS pending (
        state TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        client_state TEXT,
        code_challenge TEXT NOT NULL,
        resource TEXT NOT NULL,
        upstream_verifier TEXT,
        browser TEXT NOT NULL,
        consented BIGINT NOT NULL DEFAULT 0,
        expires BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS codes (
        hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        code_challenge TEXT NOT NULL,
        resource TEXT NOT NULL,
        expires BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tokens (
        hash TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        user_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        resource TEXT NOT NULL,
        family TEXT NOT NULL,
        expires BIGINT NOT NULL,
        spent BIGINT NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS tokens_user ON tokens (user_id)",
    "CREATE INDEX IF NOT EXISTS tokens_family ON tokens (family)",
    "CREATE INDEX IF NOT EXISTS pending_expires ON pending (expires)",
    "CREATE INDEX IF NOT EXISTS codes_expires ON codes (expires)",
    "CREATE INDEX IF NOT EXISTS tokens_expires ON tokens (expires)",
];

impl Store {
    /// Opens (and creates) the store at `url`: `postgres://…`, or `sqlite://path`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::BadUrl(crate::redact::url(url)));
        };
        sqlx::any::install_default_drivers();
        if backend == Backend::Sqlite {
            create_private(url)?;
        }
        let url = match backend {
            // Create the file if missing; WAL lets readers go on while a token is written.
            Backend::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_string(),
        };
        let connect = |size: u32, wait: u64| {
            let url = url.clone();
            async move {
                AnyPoolOptions::new()
                    .max_connections(size)
                    .acquire_timeout(std::time::Duration::from_secs(wait))
                    .connect(&url)
                    .await
                    .map_err(|e| StoreError::Db {
                        backend: backend.name(),
                        message: crate::redact::url(&e.to_string()),
                    })
            }
        };
        let (pool, lock_pool) = match backend {
            Backend::Sqlite => (connect(4, 5).await?, None),
            // A refresh takes Atlassian's time (up to 30 s); waiting for the lock may too.
            Backend::Postgres => (connect(16, 5).await?, Some(connect(8, 60).await?)),
        };
        let store = Store {
            pool,
            lock_pool,
            backend,
            local_locks: Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn err(&self) -> impl Fn(sqlx::Error) -> StoreError + '_ {
        move |e| StoreError::Db {
            backend: self.backend.name(),
            message: e.to_string(),
        }
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            // Outside a transaction: SQLite refuses to change the journal mode inside one. WAL
            // lets readers go on while a token is written.
            sqlx::query("PRAGMA journal_mode=WAL")
                .execute(&self.pool)
                .await
                .map_err(self.err())?;
        }
        let mut tx = self.pool.begin().await.map_err(self.err())?;
        if self.backend == Backend::Postgres {
            // Replicas starting together would race on CREATE TABLE.
            sqlx::query("SELECT pg_advisory_xact_lock(7340517)")
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
        }
        for stmt in SCHEMA {
            sqlx::query(stmt).execute(&mut *tx).await.map_err(self.err())?;
        }
        tx.commit().await.map_err(self.err())
    }

    /// Readiness: the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(self.err())?;
        Ok(())
    }

    // ---- clients ------------------------------------------------------------------------------

    pub async fn add_client(&self, c: &ClientRecord) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO clients (id, name, redirect_uris, secret_hash, created) VALUES ($1, $2, $3, $4, $5)")
            .bind(&c.id)
            .bind(&c.name)
            .bind(serde_json::to_string(&c.redirect_uris).unwrap_or_default())
            .bind(c.secret_hash.clone())
            .bind(now() as i64)
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(())
    }

    pub async fn client(&self, id: &str) -> Result<Option<ClientRecord>, StoreError> {
        let row = sqlx::query("SELECT id, name, redirect_uris, secret_hash FROM clients WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(row.map(|r| ClientRecord {
            id: r.get("id"),
            name: r.get("name"),
            redirect_uris: serde_json::from_str(&r.get::<String, _>("redirect_uris")).unwrap_or_default(),
            secret_hash: r.get("secret_hash"),
        }))
    }

    // ---- authorizations in flight and codes (single use, short-lived) -------------------------

    pub async fn put_pending(&self, state_hash: &str, p: &Pending, ttl: u64) -> Result<(), StoreError> {
        self.sweep().await?;
        sqlx::query(
            "INSERT INTO pending (state, client_id, redirect_uri, client_state, code_challenge, resource, \
             upstream_verifier, browser, consented, expires) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(state_hash)
        .bind(&p.client_id)
        .bind(&p.redirect_uri)
        .bind(p.client_state.clone())
        .bind(&p.code_challenge)
        .bind(&p.resource)
        .bind(p.upstream_verifier.clone())
        .bind(&p.browser)
        .bind(i64::from(p.consented))
        .bind((now() + ttl) as i64)
        .execute(&self.pool)
        .await
        .map_err(self.err())?;
        Ok(())
    }

    /// The authorization for `state_hash`, once: taking it deletes it.
    pub async fn take_pending(&self, state_hash: &str) -> Result<Option<Pending>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM pending WHERE state = $1 AND expires > $2 \
             RETURNING client_id, redirect_uri, client_state, code_challenge, resource, upstream_verifier, browser, \
             consented",
        )
        .bind(state_hash)
        .bind(now() as i64)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.err())?;
        Ok(row.map(|r| Pending {
            client_id: r.get("client_id"),
            redirect_uri: r.get("redirect_uri"),
            client_state: r.get("client_state"),
            code_challenge: r.get("code_challenge"),
            resource: r.get("resource"),
            upstream_verifier: r.get("upstream_verifier"),
            browser: r.get("browser"),
            consented: r.get::<i64, _>("consented") != 0,
        }))
    }

    /// Records the user's approval of a pending authorization, from the browser that started
    /// it (`browser_hash`); the client it was for, or `None` when there is no such pending
    /// authorization for this browser.
    pub async fn consent(
        &self,
        state_hash: &str,
        browser_hash: &str,
        upstream_verifier: Option<String>,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "UPDATE pending SET consented = 1, upstream_verifier = $1 \
             WHERE state = $2 AND browser = $3 AND consented = 0 AND expires > $4 RETURNING client_id",
        )
        .bind(upstream_verifier)
        .bind(state_hash)
        .bind(browser_hash)
        .bind(now() as i64)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.err())?;
        Ok(row.map(|r| r.get("client_id")))
    }

    /// A pending authorization as the consent page shows it (not taken).
    pub async fn peek_pending(&self, state_hash: &str) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query("SELECT client_id, redirect_uri FROM pending WHERE state = $1 AND expires > $2")
            .bind(state_hash)
            .bind(now() as i64)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(row.map(|r| (r.get("client_id"), r.get("redirect_uri"))))
    }

    pub async fn put_code(&self, hash: &str, c: &Code, ttl: u64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO codes (hash, user_id, client_id, redirect_uri, code_challenge, resource, expires) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(hash)
        .bind(&c.user_id)
        .bind(&c.client_id)
        .bind(&c.redirect_uri)
        .bind(&c.code_challenge)
        .bind(&c.resource)
        .bind((now() + ttl) as i64)
        .execute(&self.pool)
        .await
        .map_err(self.err())?;
        Ok(())
    }

    /// The code's grant, once: a replayed code finds nothing.
    pub async fn take_code(&self, hash: &str) -> Result<Option<Code>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM codes WHERE hash = $1 AND expires > $2 \
             RETURNING user_id, client_id, redirect_uri, code_challenge, resource",
        )
        .bind(hash)
        .bind(now() as i64)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.err())?;
        Ok(row.map(|r| Code {
            user_id: r.get("user_id"),
            client_id: r.get("client_id"),
            redirect_uri: r.get("redirect_uri"),
            code_challenge: r.get("code_challenge"),
            resource: r.get("resource"),
        }))
    }

    /// Drops what has expired (authorizations, codes and tokens).
    async fn sweep(&self) -> Result<(), StoreError> {
        let t = now() as i64;
        for table in ["pending", "codes", "tokens"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE expires <= $1"))
                .bind(t)
                .execute(&self.pool)
                .await
                .map_err(self.err())?;
        }
        Ok(())
    }

    // ---- our tokens ---------------------------------------------------------------------------

    /// What a live access token grants: nothing once expired, or once its user is revoked.
    pub async fn access(&self, hash: &str) -> Result<Option<Grant>, StoreError> {
        let row = sqlx::query(
            "SELECT t.user_id, t.client_id, t.resource FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.hash = $1 AND t.kind = 'access' AND t.expires > $2 AND u.revoked = 0",
        )
        .bind(hash)
        .bind(now() as i64)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.err())?;
        Ok(row.map(|r| Grant {
            user_id: r.get("user_id"),
            client_id: r.get("client_id"),
            resource: r.get("resource"),
        }))
    }

    /// Locks `user`'s row for the rest of `tx` (PostgreSQL; SQLite runs one writer at a time)
    /// and says whether they are live. Every change to a user's tokens takes this lock first,
    /// so a revocation and an issue cannot interleave, and the locks are always taken in the
    /// same order (user, then tokens).
    async fn lock_user(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, user: &str) -> Result<bool, StoreError> {
        let sql = match self.backend {
            Backend::Postgres => "SELECT id FROM users WHERE id = $1 AND revoked = 0 FOR UPDATE",
            Backend::Sqlite => "SELECT id FROM users WHERE id = $1 AND revoked = 0",
        };
        let row = sqlx::query(sql)
            .bind(user)
            .fetch_optional(&mut **tx)
            .await
            .map_err(self.err())?;
        Ok(row.is_some())
    }

    async fn insert_pair(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        grant: &Grant,
        family: &str,
        pair: &NewPair<'_>,
    ) -> Result<(), StoreError> {
        for (hash, kind, ttl) in [
            (pair.access, "access", pair.access_ttl),
            (pair.refresh, "refresh", pair.refresh_ttl),
        ] {
            sqlx::query(
                "INSERT INTO tokens (hash, kind, user_id, client_id, resource, family, expires) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(hash)
            .bind(kind)
            .bind(&grant.user_id)
            .bind(&grant.client_id)
            .bind(&grant.resource)
            .bind(family)
            .bind((now() + ttl) as i64)
            .execute(&mut **tx)
            .await
            .map_err(self.err())?;
        }
        Ok(())
    }

    /// Records a new pair for `grant` (a redeemed code), unless the user was revoked: `false`
    /// then. One transaction under the user's lock, so a revocation is either before (and
    /// refuses) or after (and deletes the pair).
    pub async fn issue(&self, grant: &Grant, family: &str, pair: &NewPair<'_>) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(self.err())?;
        if !self.lock_user(&mut tx, &grant.user_id).await? {
            return Ok(false);
        }
        self.insert_pair(&mut tx, grant, family, pair).await?;
        tx.commit().await.map_err(self.err())?;
        Ok(true)
    }

    /// Spends a refresh token and records its successor pair, in one transaction under the
    /// user's lock. Presenting a spent one revokes its whole family: either the client or an
    /// attacker holds a copy, and we cannot tell which. Only `client`'s own tokens are spent:
    /// another client presenting one changes nothing (and finds `Unknown`).
    pub async fn rotate(&self, hash: &str, client: &str, next: &NewPair<'_>) -> Result<Rotation, StoreError> {
        let owner = sqlx::query("SELECT user_id FROM tokens WHERE hash = $1 AND kind = 'refresh' AND client_id = $2")
            .bind(hash)
            .bind(client)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
        let Some(owner) = owner.map(|r| r.get::<String, _>("user_id")) else {
            return Ok(Rotation::Unknown);
        };
        let mut tx = self.pool.begin().await.map_err(self.err())?;
        if !self.lock_user(&mut tx, &owner).await? {
            return Ok(Rotation::Unknown);
        }
        let spent = sqlx::query(
            "UPDATE tokens SET spent = 1 WHERE hash = $1 AND kind = 'refresh' AND spent = 0 AND expires > $2 \
             AND client_id = $3 RETURNING user_id, client_id, resource, family",
        )
        .bind(hash)
        .bind(now() as i64)
        .bind(client)
        .fetch_optional(&mut *tx)
        .await
        .map_err(self.err())?;
        if let Some(r) = spent {
            let grant = Grant {
                user_id: r.get("user_id"),
                client_id: r.get("client_id"),
                resource: r.get("resource"),
            };
            let family: String = r.get("family");
            self.insert_pair(&mut tx, &grant, &family, next).await?;
            tx.commit().await.map_err(self.err())?;
            return Ok(Rotation::Fresh { grant, family });
        }
        let replayed = sqlx::query("SELECT family FROM tokens WHERE hash = $1 AND kind = 'refresh' AND spent = 1")
            .bind(hash)
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.err())?;
        let outcome = match replayed {
            Some(r) => {
                let family: String = r.get("family");
                sqlx::query("DELETE FROM tokens WHERE family = $1")
                    .bind(&family)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.err())?;
                tracing::warn!(family = %&family[..8.min(family.len())], "a spent refresh token was presented: its family is revoked");
                Rotation::Reused
            }
            None => Rotation::Unknown,
        };
        tx.commit().await.map_err(self.err())?;
        Ok(outcome)
    }

    // ---- users --------------------------------------------------------------------------------

    /// Saves a user after a sign-in: a revoked user who signs in again is live again.
    pub async fn put_user(&self, u: &User) -> Result<(), StoreError> {
        let t = now() as i64;
        sqlx::query(
            "INSERT INTO users (id, name, site_url, cloud_id, sealed, expires_at, created, last_seen, revoked) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 0) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, site_url = excluded.site_url, \
             cloud_id = excluded.cloud_id, sealed = excluded.sealed, expires_at = excluded.expires_at, \
             last_seen = excluded.last_seen, revoked = 0",
        )
        .bind(&u.id)
        .bind(&u.name)
        .bind(&u.site_url)
        .bind(&u.cloud_id)
        .bind(&u.sealed)
        .bind(u.expires_at as i64)
        .bind(t)
        .execute(&self.pool)
        .await
        .map_err(self.err())?;
        Ok(())
    }

    pub async fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT id, name, site_url, cloud_id, sealed, expires_at FROM users WHERE id = $1 AND revoked = 0",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.err())?;
        Ok(row.map(|r| User {
            id: r.get("id"),
            name: r.get("name"),
            site_url: r.get("site_url"),
            cloud_id: r.get("cloud_id"),
            sealed: r.get("sealed"),
            expires_at: r.get::<i64, _>("expires_at").max(0) as u64,
        }))
    }

    /// Replaces a user's sealed Atlassian tokens after a refresh of `previous`: not when the
    /// user was revoked meanwhile, nor when a new sign-in replaced them. `false` then.
    pub async fn save_tokens(
        &self,
        id: &str,
        previous: &str,
        sealed: &str,
        expires_at: u64,
    ) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "UPDATE users SET sealed = $1, expires_at = $2, last_seen = $3 WHERE id = $4 AND sealed = $5 AND revoked = 0",
        )
        .bind(sealed)
        .bind(expires_at as i64)
        .bind(now() as i64)
        .bind(id)
        .bind(previous)
        .execute(&self.pool)
        .await
        .map_err(self.err())?
        .rows_affected();
        Ok(n > 0)
    }

    /// Revokes a user whose Atlassian grant ended, unless a new sign-in replaced the tokens
    /// that were refused (`refused`, sealed).
    pub async fn revoke_if_unchanged(&self, id: &str, refused: &str) -> Result<bool, StoreError> {
        let still = sqlx::query("SELECT 1 AS one FROM users WHERE id = $1 AND sealed = $2")
            .bind(id)
            .bind(refused)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
        match still {
            Some(_) => self.revoke(id).await,
            None => Ok(false),
        }
    }

    pub async fn users(&self) -> Result<Vec<UserLine>, StoreError> {
        let rows = sqlx::query(
            "SELECT u.id, u.name, u.site_url, u.last_seen, u.revoked, \
             (SELECT COUNT(*) FROM tokens t WHERE t.user_id = u.id AND t.expires > $1 AND t.spent = 0) AS live \
             FROM users u ORDER BY u.name",
        )
        .bind(now() as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(self.err())?;
        Ok(rows
            .into_iter()
            .map(|r| UserLine {
                id: r.get("id"),
                name: r.get("name"),
                site_url: r.get("site_url"),
                last_seen: r.get::<i64, _>("last_seen").max(0) as u64,
                revoked: r.get::<i64, _>("revoked") != 0,
                live_tokens: r.get("live"),
            })
            .collect())
    }

    /// Revokes a user: every token issued to their clients stops working at once, and their
    /// Atlassian tokens are wiped. `false` when no such user.
    pub async fn revoke(&self, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(self.err())?;
        let n = sqlx::query("UPDATE users SET revoked = 1, sealed = '', expires_at = 0 WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?
            .rows_affected();
        sqlx::query("DELETE FROM tokens WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
        sqlx::query("DELETE FROM codes WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
        tx.commit().await.map_err(self.err())?;
        Ok(n > 0)
    }

    /// Runs `f` (which refreshes `user`'s Atlassian token if it still needs it) while no other
    /// instance can refresh the same user's.
    pub async fn serialised<T, F, Fut>(&self, user: &str, f: F) -> Result<T, StoreError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = T>,
    {
        let lock = {
            let mut locks = self.local_locks.lock().unwrap_or_else(|p| p.into_inner());
            locks.entry(user.to_string()).or_default().clone()
        };
        let _held = lock.lock().await;
        match &self.lock_pool {
            Some(lock_pool) => {
                let mut tx = lock_pool.begin().await.map_err(self.err())?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(lock_key(user))
                    .execute(&mut *tx)
                    .await
                    .map_err(self.err())?;
                let out = f().await;
                tx.commit().await.map_err(self.err())?;
                Ok(out)
            }
            None => Ok(f().await),
        }
    }
}

/// Creates the SQLite file (and its folder) readable by this user only, before SQLite does
/// with the umask's mode: it holds sealed tokens and token hashes. SQLite gives its `-wal` and
/// `-shm` files the same mode.
fn create_private(url: &str) -> Result<(), StoreError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    let path = std::path::Path::new(path);
    let fail = |e: std::io::Error| StoreError::Db {
        backend: "SQLite",
        message: format!("cannot create {}: {e}", path.display()),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop).map_err(fail)
}

/// A user's advisory-lock key: 64 bits of the SHA-256 of their id.
fn lock_key(user: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(user.as_bytes());
    i64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("store.db").display());
        (Store::open(&url).await.unwrap(), dir)
    }

    fn user(id: &str) -> User {
        User {
            id: id.into(),
            name: format!("User {id}"),
            site_url: "https://acme.atlassian.net".into(),
            cloud_id: "c1".into(),
            sealed: "v1.x.y".into(),
            expires_at: now() + 3600,
        }
    }

    fn grant(user: &str) -> Grant {
        Grant {
            user_id: user.into(),
            client_id: "client".into(),
            resource: "https://mcp.example.com/mcp".into(),
        }
    }

    fn pair<'a>(access: &'a str, refresh: &'a str) -> NewPair<'a> {
        NewPair {
            access,
            refresh,
            access_ttl: 60,
            refresh_ttl: 600,
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let (_s, d) = store().await;
        let mode = std::fs::metadata(d.path().join("store.db"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[tokio::test]
    async fn codes_and_states_are_single_use() {
        let (s, _d) = store().await;
        let p = Pending {
            client_id: "c".into(),
            redirect_uri: "http://127.0.0.1:1/cb".into(),
            client_state: None,
            code_challenge: "x".into(),
            resource: "r".into(),
            upstream_verifier: None,
            browser: "b".into(),
            consented: false,
        };
        s.put_pending("st", &p, 60).await.unwrap();
        assert!(s.take_pending("st").await.unwrap().is_some());
        assert!(s.take_pending("st").await.unwrap().is_none());
        let c = Code {
            user_id: "u".into(),
            client_id: "c".into(),
            redirect_uri: "r".into(),
            code_challenge: "x".into(),
            resource: "r".into(),
        };
        s.put_code("h", &c, 60).await.unwrap();
        assert!(s.take_code("h").await.unwrap().is_some());
        assert!(s.take_code("h").await.unwrap().is_none());
        // Expired ones are not taken.
        s.put_code("old", &c, 0).await.unwrap();
        assert!(s.take_code("old").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn refresh_tokens_rotate_and_a_replay_revokes_the_family() {
        let (s, _d) = store().await;
        s.put_user(&user("a")).await.unwrap();
        assert!(s.issue(&grant("a"), "fam", &pair("a1", "r1")).await.unwrap());
        // Another client presenting it spends nothing.
        assert_eq!(
            s.rotate("r1", "other", &pair("x", "y")).await.unwrap(),
            Rotation::Unknown
        );
        assert!(
            matches!(s.rotate("r1", "client", &pair("a2", "r2")).await.unwrap(), Rotation::Fresh { family, .. } if family == "fam")
        );
        assert_eq!(
            s.access("a2").await.unwrap(),
            Some(grant("a")),
            "the successor pair is recorded"
        );
        // r1 again: a replay. The family, r2 and both access tokens included, is gone.
        assert_eq!(
            s.rotate("r1", "client", &pair("a3", "r3")).await.unwrap(),
            Rotation::Reused
        );
        assert_eq!(
            s.rotate("r2", "client", &pair("a4", "r4")).await.unwrap(),
            Rotation::Unknown
        );
        assert_eq!(s.access("a1").await.unwrap(), None);
        assert_eq!(s.access("a2").await.unwrap(), None);
        assert_eq!(
            s.rotate("nothing", "client", &pair("a5", "r5")).await.unwrap(),
            Rotation::Unknown
        );
        // A revoked user's code is not redeemed into tokens.
        s.revoke("a").await.unwrap();
        assert!(!s.issue(&grant("a"), "fam2", &pair("a6", "r6")).await.unwrap());
        assert_eq!(s.access("a6").await.unwrap(), None);
    }

    #[tokio::test]
    async fn revoking_a_user_stops_their_tokens_and_only_theirs() {
        let (s, _d) = store().await;
        for u in ["a", "b"] {
            s.put_user(&user(u)).await.unwrap();
            let (at, rt) = (format!("{u}-at"), format!("{u}-rt"));
            assert!(s.issue(&grant(u), u, &pair(&at, &rt)).await.unwrap());
        }
        assert_eq!(s.access("a-at").await.unwrap(), Some(grant("a")));
        assert!(s.revoke("a").await.unwrap());
        assert_eq!(s.access("a-at").await.unwrap(), None);
        assert_eq!(
            s.rotate("a-rt", "client", &pair("x", "y")).await.unwrap(),
            Rotation::Unknown
        );
        assert!(s.user("a").await.unwrap().is_none());
        assert_eq!(s.access("b-at").await.unwrap(), Some(grant("b")));
        let lines = s.users().await.unwrap();
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().any(|l| l.id == "a" && l.revoked && l.live_tokens == 0));
        assert!(lines.iter().any(|l| l.id == "b" && !l.revoked && l.live_tokens == 2));
        // Signing in again makes the user live.
        s.put_user(&user("a")).await.unwrap();
        assert!(s.user("a").await.unwrap().is_some());
        assert!(!s.revoke("nobody").await.unwrap());
    }
}
