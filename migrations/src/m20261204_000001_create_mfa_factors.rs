//! Creates `mfa_factors`: a user's second factors (TOTP authenticators and WebAuthn
//! credentials). A row exists only once the factor is confirmed.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MfaFactors {
    Table,
    Id,
    UserId,
    /// `totp` or `webauthn`.
    Kind,
    /// The user's label for it ("Phone", "YubiKey").
    Name,
    /// TOTP: the seed, encrypted with the master key (the factor id as associated data).
    Secret,
    /// WebAuthn: the credential (public key, counter, flags) as JSON.
    Credential,
    /// WebAuthn: the credential id, base64url; unique, to find the row at passkey login.
    CredentialId,
    /// WebAuthn: a discoverable credential with user verification (usable without a password).
    Passkey,
    /// TOTP: the last time step accepted, so a code cannot be used twice.
    LastUsedStep,
    CreatedAt,
    LastUsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MfaFactors::Table)
                    .col(text(MfaFactors::Id).primary_key())
                    .col(text(MfaFactors::UserId))
                    .col(text(MfaFactors::Kind))
                    .col(text(MfaFactors::Name))
                    .col(blob_null(MfaFactors::Secret))
                    .col(text_null(MfaFactors::Credential))
                    // NULLs are distinct in a UNIQUE index on both SQLite and PostgreSQL.
                    .col(text_null(MfaFactors::CredentialId).unique_key())
                    .col(boolean(MfaFactors::Passkey).default(false))
                    .col(big_integer_null(MfaFactors::LastUsedStep))
                    .col(big_integer(MfaFactors::CreatedAt))
                    .col(big_integer_null(MfaFactors::LastUsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mfa_factors_user_id")
                            .from(MfaFactors::Table, MfaFactors::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mfa_factors_user_id")
                    .table(MfaFactors::Table)
                    .col(MfaFactors::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MfaFactors::Table).to_owned())
            .await
    }
}
