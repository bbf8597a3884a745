//! Creates `api_tokens`: personal API tokens (`poort_pat_…`), stored only as a SHA-256 digest
//! plus a display hint. `org_id` has no foreign key yet: the organisations table arrives with
//! its own migration, which adds the link.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum ApiTokens {
    Table,
    Id,
    UserId,
    OrgId,
    Name,
    /// Hex SHA-256 of the whole token: the only lookup key.
    Digest,
    /// `poort_pat_...` + last four characters, for lists.
    Hint,
    /// JSON array of scope strings.
    Scopes,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    LastUsedIp,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(text(ApiTokens::Id).primary_key())
                    .col(text(ApiTokens::UserId))
                    .col(text_null(ApiTokens::OrgId))
                    .col(text(ApiTokens::Name))
                    .col(text(ApiTokens::Digest))
                    .col(text(ApiTokens::Hint))
                    .col(text(ApiTokens::Scopes))
                    .col(big_integer(ApiTokens::CreatedAt))
                    .col(big_integer(ApiTokens::ExpiresAt))
                    .col(big_integer_null(ApiTokens::LastUsedAt))
                    .col(text_null(ApiTokens::LastUsedIp))
                    .col(big_integer_null(ApiTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_user_id")
                            .from(ApiTokens::Table, ApiTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_tokens_digest")
                    .table(ApiTokens::Table)
                    .col(ApiTokens::Digest)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_tokens_user_id")
                    .table(ApiTokens::Table)
                    .col(ApiTokens::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_tokens_org_id")
                    .table(ApiTokens::Table)
                    .col(ApiTokens::OrgId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_tokens_expires_at")
                    .table(ApiTokens::Table)
                    .col(ApiTokens::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiTokens::Table).to_owned())
            .await
    }
}
