//! Creates `refresh_tokens`: one row per issued refresh token, grouped into rotation families.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_users::Users;
use crate::m20261122_000002_create_clients::Clients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    /// Hex SHA-256 of the token; the token itself is never stored.
    TokenDigest,
    /// Shared by a token and all its rotated successors.
    FamilyId,
    ClientId,
    UserId,
    Scope,
    AuthTime,
    /// JSON array of `amr` values.
    Amr,
    Sid,
    /// The access token issued with this refresh token, so a revoked family can deny-list it.
    AccessJti,
    AccessExpiresAt,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(text(RefreshTokens::Id).primary_key())
                    .col(text_uniq(RefreshTokens::TokenDigest))
                    .col(text(RefreshTokens::FamilyId))
                    .col(text(RefreshTokens::ClientId))
                    .col(text(RefreshTokens::UserId))
                    .col(text(RefreshTokens::Scope))
                    .col(big_integer(RefreshTokens::AuthTime))
                    .col(text(RefreshTokens::Amr))
                    .col(text_null(RefreshTokens::Sid))
                    .col(text(RefreshTokens::AccessJti))
                    .col(big_integer(RefreshTokens::AccessExpiresAt))
                    .col(big_integer(RefreshTokens::CreatedAt))
                    .col(big_integer(RefreshTokens::ExpiresAt))
                    .col(big_integer_null(RefreshTokens::UsedAt))
                    .col(big_integer_null(RefreshTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refresh_tokens_client_id")
                            .from(RefreshTokens::Table, RefreshTokens::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refresh_tokens_user_id")
                            .from(RefreshTokens::Table, RefreshTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // family_id: revoke_family; user_id/client_id: cascades and per-user revocation;
        // expires_at: the periodic purge.
        for (name, column) in [
            ("idx_refresh_tokens_family_id", RefreshTokens::FamilyId),
            ("idx_refresh_tokens_user_id", RefreshTokens::UserId),
            ("idx_refresh_tokens_client_id", RefreshTokens::ClientId),
            ("idx_refresh_tokens_expires_at", RefreshTokens::ExpiresAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(RefreshTokens::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RefreshTokens::Table).to_owned())
            .await
    }
}
