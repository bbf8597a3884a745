//! Creating users (CLI now; sign-up and admin pages later).

use std::sync::Arc;

use poort_allowlist::{EmailRefusal, normalise_email};
use poort_credentials::Password;
use poort_store::entities::users::Model as User;
use poort_store::users::{self, NewUser};
use poort_store::{Db, StoreError};

use super::FlowError;
use crate::hashing::HashingPool;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("an account with this email or username already exists")]
    Exists,
    #[error("{0}")]
    BadEmail(EmailRefusal),
    #[error("the password is not acceptable: {0}")]
    BadPassword(String),
    #[error(transparent)]
    Store(StoreError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

pub struct UserInput {
    pub email: String,
    pub username: Option<String>,
    pub name: Option<String>,
    pub password: String,
}

pub async fn create(
    db: &Db,
    hashing: &HashingPool,
    input: UserInput,
    now: i64,
) -> Result<User, CreateUserError> {
    let email = normalise_email(&input.email)
        .map_err(CreateUserError::BadEmail)?
        .into_string();
    let password =
        Password::new(&input.password).map_err(|e| CreateUserError::BadPassword(e.to_string()))?;
    if input.password.chars().count() < 8 {
        return Err(CreateUserError::BadPassword(
            "use at least 8 characters".into(),
        ));
    }
    let hash = hashing
        .run(move |hasher| hasher.hash(&password))
        .await
        .map_err(|e| CreateUserError::Hashing(e.to_string()))?
        .map_err(|e| CreateUserError::Hashing(e.to_string()))?;
    let new = NewUser {
        email,
        username: input
            .username
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty()),
        name: input
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
        password_hash: Some(hash.as_str().to_string()),
    };
    match users::create(db, new, now).await {
        Ok(user) => Ok(user),
        Err(StoreError::Conflict) => Err(CreateUserError::Exists),
        Err(e) => Err(CreateUserError::Store(e)),
    }
}

/// The user, from the cache when read in the last `cache_ttl_secs`: userinfo is called on every
/// page load of some relying parties, and a database read would dominate its cost.
pub async fn cached(state: &AppState, id: &str) -> Result<Option<Arc<User>>, FlowError> {
    let now = state.now();
    let cache = &state.caches.users;
    if let Some(user) = cache.get(&id.to_string(), now) {
        return Ok(Some(user));
    }
    let Some(user) = users::find_by_id(&state.db, id).await?.map(Arc::new) else {
        return Ok(None);
    };
    cache.insert(
        id.to_string(),
        user.clone(),
        now + state.caches.ttl_secs,
        now,
    );
    Ok(Some(user))
}
