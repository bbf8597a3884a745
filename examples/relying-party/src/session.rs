//! Server-side sessions: an in-memory map from a random cookie value to what the app
//! remembers about one browser (a login in progress, the signed-in user and their tokens).
//!
//! Tokens stay on the server; the browser only ever holds the random session id.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::CsrfToken;

use crate::oidc::{PendingLogin, SignedInUser};

/// A session unused for this long is forgotten.
pub const SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// Random bytes in a session id: enough that ids cannot be guessed.
const SESSION_ID_BYTES: usize = 32;

/// The value of the session cookie. `Debug` hides it: whoever has it is logged in.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionId(String);

impl SessionId {
    fn random() -> Self {
        let bytes: [u8; SESSION_ID_BYTES] = rand::random();
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Wraps a value read back from the browser's cookie.
    pub fn from_cookie(value: &str) -> Self {
        Self(value.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId([redacted])")
    }
}

/// What the app knows about one browser.
#[derive(Debug, Default)]
pub struct Session {
    /// Set by `/login`, taken (and so used once) by `/callback`.
    pub pending_login: Option<PendingLogin>,
    /// Set by a successful `/callback`, cleared by `/logout`.
    pub user: Option<SignedInUser>,
    /// The `state` sent to the provider's logout endpoint, checked when the browser returns.
    pub pending_logout: Option<CsrfToken>,
}

struct Entry {
    session: Session,
    last_used: Instant,
}

/// All sessions of this process. Time is passed in, so expiry is testable without sleeping.
pub struct SessionStore {
    entries: Mutex<HashMap<SessionId, Entry>>,
    idle_timeout: Duration,
}

impl SessionStore {
    pub fn new(idle_timeout: Duration) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            idle_timeout,
        }
    }

    /// Stores `session` under a new random id (the cookie value) and forgets expired ones.
    pub fn create(&self, session: Session, now: Instant) -> SessionId {
        let mut entries = self.lock();
        entries.retain(|_, entry| !self.is_expired(entry, now));
        let id = SessionId::random();
        entries.insert(
            id.clone(),
            Entry {
                session,
                last_used: now,
            },
        );
        id
    }

    /// Runs `change` on the session `id` and marks it used; `None` if there is no such live
    /// session. Keep `change` short and synchronous: it runs under the store's lock.
    pub fn update<R>(
        &self,
        id: &SessionId,
        now: Instant,
        change: impl FnOnce(&mut Session) -> R,
    ) -> Option<R> {
        let mut entries = self.lock();
        if entries
            .get(id)
            .is_some_and(|entry| self.is_expired(entry, now))
        {
            entries.remove(id);
        }
        let entry = entries.get_mut(id)?;
        entry.last_used = now;
        Some(change(&mut entry.session))
    }

    fn is_expired(&self, entry: &Entry, now: Instant) -> bool {
        now.saturating_duration_since(entry.last_used) > self.idle_timeout
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SessionId, Entry>> {
        // No code panics while holding the lock, so a poisoned map is still consistent.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn store() -> SessionStore {
        SessionStore::new(Duration::from_secs(60))
    }

    fn with_logout_state(state: &str) -> Session {
        Session {
            pending_logout: Some(CsrfToken::new(state.to_owned())),
            ..Session::default()
        }
    }

    fn logout_state(store: &SessionStore, id: &SessionId, now: Instant) -> Option<String> {
        store
            .update(id, now, |session| {
                session
                    .pending_logout
                    .as_ref()
                    .map(|state| state.secret().clone())
            })
            .flatten()
    }

    #[test]
    fn created_session_can_be_read_and_changed() {
        let store = store();
        let now = Instant::now();
        let id = store.create(with_logout_state("a"), now);

        assert_eq!(logout_state(&store, &id, now).as_deref(), Some("a"));
        store.update(&id, now, |session| session.pending_logout = None);
        assert_eq!(logout_state(&store, &id, now), None);
    }

    #[test]
    fn unknown_id_finds_nothing() {
        let store = store();
        let now = Instant::now();
        store.create(Session::default(), now);
        assert!(
            store
                .update(&SessionId::from_cookie("guessed"), now, |_| ())
                .is_none()
        );
    }

    #[test]
    fn idle_session_expires_and_use_keeps_it_alive() {
        let store = store();
        let start = Instant::now();
        let id = store.create(with_logout_state("a"), start);

        // Used after 50 s, so still alive 100 s after creation (50 s idle).
        assert!(
            store
                .update(&id, start + Duration::from_secs(50), |_| ())
                .is_some()
        );
        assert!(
            store
                .update(&id, start + Duration::from_secs(100), |_| ())
                .is_some()
        );
        // 61 s idle: gone, and removed from the map.
        assert!(
            store
                .update(&id, start + Duration::from_secs(161), |_| ())
                .is_none()
        );
        assert_eq!(store.len(), 0);
    }

    #[test]
    fn creating_a_session_forgets_expired_ones() {
        let store = store();
        let start = Instant::now();
        store.create(Session::default(), start);
        store.create(Session::default(), start + Duration::from_secs(30));
        store.create(Session::default(), start + Duration::from_secs(75));
        // The first (75 s idle) is gone; the second (45 s idle) and the new one stay.
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn ids_are_random_and_debug_hides_them() {
        let store = store();
        let now = Instant::now();
        let first = store.create(Session::default(), now);
        let second = store.create(Session::default(), now);
        assert_ne!(first, second);
        // 32 bytes in unpadded base64url.
        assert_eq!(first.as_str().len(), 43);
        assert!(!format!("{first:?}").contains(first.as_str()));
    }
}
