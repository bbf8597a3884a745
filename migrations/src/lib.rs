//! Every schema change of Poort, in order; run at start-up and by `poort migrate`.
//!
//! Each migration is written with sea-query builders only, so the same files create the same
//! schema on SQLite and PostgreSQL. Never edit a migration that has shipped: add a new one.

use sea_orm_migration::prelude::*;

/// Re-exported so callers can run [`Migrator`] without depending on sea-orm-migration.
pub use sea_orm_migration::{MigrationStatus, MigratorTrait};

/// Rewrites stored user addresses into canonical form (what that migration does), for tests.
pub use m20261203_000200_normalise_user_emails::rewrite_user_emails;

mod m20261122_000001_create_users;
mod m20261122_000002_create_clients;
mod m20261122_000003_create_signing_keys;
mod m20261122_000004_create_refresh_tokens;
mod m20261122_000005_create_consents;
mod m20261122_000006_add_user_password_flags;
mod m20261122_000007_create_password_history;
mod m20261122_000008_create_auth_events;
mod m20261203_000200_normalise_user_emails;
mod m20261203_000300_create_durable_markers;
mod m20261203_000301_create_used_codes;
mod m20261204_000001_create_mfa_factors;
mod m20261204_000002_create_recovery_codes;
mod m20261204_000003_create_mfa_grace;
mod m20261205_000001_add_users_deleted_at;
mod m20261206_000001_create_organisations;
mod m20261206_000002_create_platform_admins;
mod m20261206_000003_create_audit_log;
mod m20261206_000004_create_org_invitations;
mod m20261207_000006_create_api_tokens;
mod m20261208_000001_create_mail_queue;
mod m20261208_000002_create_email_links;
mod m20261208_000003_add_user_locale;
mod m20261209_000001_add_client_service_fields;
mod m20261209_000002_add_client_org;
mod m20261210_000001_create_support_staff;
mod m20261211_000001_add_api_token_amr;
mod m20261212_000100_add_client_web_origins;
mod m20261212_000300_add_refresh_token_parent;
mod m20261212_000301_add_client_pkce_required;
mod m20261213_000100_add_client_auth_method;
mod m20261213_000200_add_client_backchannel_logout;
mod m20261213_000201_create_session_clients;
mod m20261213_000202_create_backchannel_logouts;
mod m20261213_000300_add_refresh_token_resources;
mod m20261214_000400_add_client_token_exchange;
mod m20261214_000500_create_client_registration_tokens;

/// The list of all migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_users::Migration),
            Box::new(m20261122_000002_create_clients::Migration),
            Box::new(m20261122_000003_create_signing_keys::Migration),
            Box::new(m20261122_000004_create_refresh_tokens::Migration),
            Box::new(m20261122_000005_create_consents::Migration),
            Box::new(m20261122_000006_add_user_password_flags::Migration),
            Box::new(m20261122_000007_create_password_history::Migration),
            Box::new(m20261122_000008_create_auth_events::Migration),
            Box::new(m20261204_000001_create_mfa_factors::Migration),
            Box::new(m20261204_000002_create_recovery_codes::Migration),
            Box::new(m20261204_000003_create_mfa_grace::Migration),
            Box::new(m20261205_000001_add_users_deleted_at::Migration),
            Box::new(m20261208_000001_create_mail_queue::Migration),
            Box::new(m20261208_000002_create_email_links::Migration),
            Box::new(m20261208_000003_add_user_locale::Migration),
            Box::new(m20261207_000006_create_api_tokens::Migration),
            Box::new(m20261206_000001_create_organisations::Migration),
            Box::new(m20261206_000002_create_platform_admins::Migration),
            Box::new(m20261206_000003_create_audit_log::Migration),
            Box::new(m20261206_000004_create_org_invitations::Migration),
            Box::new(m20261209_000001_add_client_service_fields::Migration),
            Box::new(m20261209_000002_add_client_org::Migration),
            Box::new(m20261210_000001_create_support_staff::Migration),
            Box::new(m20261211_000001_add_api_token_amr::Migration),
            Box::new(m20261203_000200_normalise_user_emails::Migration),
            Box::new(m20261203_000300_create_durable_markers::Migration),
            Box::new(m20261203_000301_create_used_codes::Migration),
            Box::new(m20261212_000100_add_client_web_origins::Migration),
            Box::new(m20261212_000300_add_refresh_token_parent::Migration),
            Box::new(m20261212_000301_add_client_pkce_required::Migration),
            Box::new(m20261213_000100_add_client_auth_method::Migration),
            Box::new(m20261213_000200_add_client_backchannel_logout::Migration),
            Box::new(m20261213_000201_create_session_clients::Migration),
            Box::new(m20261213_000202_create_backchannel_logouts::Migration),
            Box::new(m20261213_000300_add_refresh_token_resources::Migration),
            Box::new(m20261214_000400_add_client_token_exchange::Migration),
            Box::new(m20261214_000500_create_client_registration_tokens::Migration),
        ]
    }
}
