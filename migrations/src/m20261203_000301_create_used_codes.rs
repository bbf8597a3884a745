//! Creates `used_codes`: one row per redeemed authorization code (by digest), naming what its
//! redemption produced. The primary key decides the one redemption that wins, whatever the
//! ephemeral store (which holds the codes) was restored from; the row is written in the same
//! transaction as the first refresh token of the family, so a replay always finds that family
//! to revoke. Kept until the code and its access token would have expired.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UsedCodes {
    Table,
    /// Hex SHA-256 of the code.
    Digest,
    ClientId,
    /// The refresh-token family the redemption started; none for a client without refresh.
    FamilyId,
    AccessJti,
    AccessExpiresAt,
    CreatedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UsedCodes::Table)
                    .col(text(UsedCodes::Digest).primary_key())
                    .col(text(UsedCodes::ClientId))
                    .col(text_null(UsedCodes::FamilyId))
                    .col(text(UsedCodes::AccessJti))
                    .col(big_integer(UsedCodes::AccessExpiresAt))
                    .col(big_integer(UsedCodes::CreatedAt))
                    .col(big_integer(UsedCodes::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_used_codes_expires_at")
                    .table(UsedCodes::Table)
                    .col(UsedCodes::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UsedCodes::Table).to_owned())
            .await
    }
}
