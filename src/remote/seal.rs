//! Atlassian tokens at rest: sealed with AES-256-GCM before they reach the store.
//!
//! A [`KeyRing`] holds the current key, which seals, and older keys, which only open: to
//! rotate, put a new key first and keep the old ones after it until every user's tokens have
//! been sealed again (each refresh or sign-in does it). A sealed value names its key by a short
//! fingerprint, so opening needs no trial and a missing key is reported as such.
//!
//! Sealed form: `v1.<key id>.<base64url(nonce ‖ ciphertext+tag)>`.

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// One 256-bit key and its fingerprint.
struct Key {
    id: String,
    cipher: Aes256Gcm,
}

/// The keys: the first seals, all open.
pub struct KeyRing {
    keys: Vec<Key>,
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("a store key must be 32 bytes in base64 (e.g. `openssl rand -base64 32`); line {line} is not")]
    BadKey { line: usize },
    #[error("no store key is given")]
    NoKey,
    #[error(
        "a stored token was sealed with key {0}, which is not among the configured keys (JIRA_MCP_STORE_KEY or \
         JIRA_MCP_STORE_KEY_FILE): keep old keys after the new one until every user has signed in or refreshed"
    )]
    UnknownKey(String),
    #[error("a stored token cannot be opened: it is damaged, or was sealed for another user")]
    Damaged,
}

impl KeyRing {
    /// Keys in base64, one per line (blank lines and `#` comments skipped), newest first.
    pub fn parse(text: &str) -> Result<KeyRing, SealError> {
        let mut keys = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(line)
                .ok()
                .filter(|b| b.len() == 32)
                .ok_or(SealError::BadKey { line: i + 1 })?;
            let id = hex(&Sha256::digest(&bytes)[..4]);
            let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| SealError::BadKey { line: i + 1 })?;
            keys.push(Key { id, cipher });
        }
        if keys.is_empty() {
            return Err(SealError::NoKey);
        }
        Ok(KeyRing { keys })
    }

    /// A new random key in base64, for a store that has none yet.
    pub fn generate() -> String {
        base64::engine::general_purpose::STANDARD.encode(super::random_bytes::<32>())
    }

    /// The current key's fingerprint (shown by `jira-mcp users`).
    pub fn current_id(&self) -> &str {
        &self.keys[0].id
    }

    /// Seals `plain`, bound to `context` (the user's id): a sealed value copied to another
    /// user's row does not open.
    pub fn seal(&self, plain: &[u8], context: &str) -> String {
        let key = &self.keys[0];
        let nonce = super::random_bytes::<12>();
        // Encryption fails only for inputs beyond 64 GB.
        let sealed = key
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("v1.{}.{}", key.id, URL_SAFE_NO_PAD.encode(out))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, SealError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SealError::Damaged);
        };
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| SealError::UnknownKey(id.to_string()))?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| SealError::Damaged)?;
        if bytes.len() < 12 + 16 {
            return Err(SealError::Damaged);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        key.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SealError::Damaged)
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_opens_and_rotates() {
        let (old, new) = (KeyRing::generate(), KeyRing::generate());
        let before = KeyRing::parse(&old).unwrap();
        let sealed = before.seal(b"tokens", "user-a");
        assert!(!sealed.contains("tokens"));
        assert_eq!(before.open(&sealed, "user-a").unwrap(), b"tokens");
        // Bound to its user.
        assert!(matches!(before.open(&sealed, "user-b"), Err(SealError::Damaged)));
        // Rotated: the new key seals, the old one still opens.
        let after = KeyRing::parse(&format!("{new}\n# the previous key\n{old}\n")).unwrap();
        assert_eq!(after.open(&sealed, "user-a").unwrap(), b"tokens");
        assert_ne!(after.current_id(), before.current_id());
        assert!(after.seal(b"x", "u").contains(after.current_id()));
        // Without the old key, the error names the key that is missing.
        let only_new = KeyRing::parse(&new).unwrap();
        assert!(
            matches!(only_new.open(&sealed, "user-a"), Err(SealError::UnknownKey(id)) if id == before.current_id())
        );
        // Damage is detected, never a panic.
        let mut broken = sealed.clone();
        broken.pop();
        assert!(before.open(&broken, "user-a").is_err());
        assert!(before.open("v1", "user-a").is_err());
        assert!(matches!(
            KeyRing::parse("not base64"),
            Err(SealError::BadKey { line: 1 })
        ));
        assert!(matches!(KeyRing::parse("\n# nothing\n"), Err(SealError::NoKey)));
    }
}
