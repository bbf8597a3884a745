//! Failures of the infrastructure under a flow (database, ephemeral store, keys). Protocol errors
//! are the oidc crate's `OAuthError`; these are the "try again later" kind.

use poort_store::StoreError;
use poort_store::ephemeral::EphemeralError;

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("ephemeral store: {0}")]
    Ephemeral(#[from] EphemeralError),
    #[error("signing: {0}")]
    Signing(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("password hashing is saturated")]
    Busy,
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

impl From<crate::hashing::HashingError> for FlowError {
    fn from(e: crate::hashing::HashingError) -> Self {
        match e {
            crate::hashing::HashingError::Busy => FlowError::Busy,
            crate::hashing::HashingError::Failed => FlowError::Hashing(e.to_string()),
        }
    }
}

impl From<serde_json::Error> for FlowError {
    fn from(e: serde_json::Error) -> Self {
        FlowError::Corrupt(e.to_string())
    }
}
