//! Creates `backchannel_logouts`: the durable queue of logout tokens to POST to clients'
//! `backchannel_logout_uri`s, with the retry state of the background sender (as `mail_queue`).
//! The token itself is signed at each attempt, so a row holds only whom it names.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000002_create_clients::Clients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BackchannelLogouts {
    Table,
    Id,
    ClientId,
    /// The user (`sub` of the logout token); none when only the session is named.
    Sub,
    /// The session (`sid`); none when every session of `sub` at the client ends.
    Sid,
    Attempts,
    /// Not sent before this time (the backoff after a failure).
    NextAttemptAt,
    /// A node claimed the row until then (compare-and-set), so two nodes never send it twice.
    ClaimedUntil,
    LastError,
    /// Set when the sender gave up after the last attempt; the row is kept for the operator.
    FailedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BackchannelLogouts::Table)
                    .col(text(BackchannelLogouts::Id).primary_key())
                    .col(text(BackchannelLogouts::ClientId))
                    .col(text_null(BackchannelLogouts::Sub))
                    .col(text_null(BackchannelLogouts::Sid))
                    .col(integer(BackchannelLogouts::Attempts).default(0))
                    .col(big_integer(BackchannelLogouts::NextAttemptAt))
                    .col(big_integer(BackchannelLogouts::ClaimedUntil).default(0))
                    .col(text_null(BackchannelLogouts::LastError))
                    .col(big_integer_null(BackchannelLogouts::FailedAt))
                    .col(big_integer(BackchannelLogouts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_backchannel_logouts_client_id")
                            .from(BackchannelLogouts::Table, BackchannelLogouts::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "idx_backchannel_logouts_next_attempt_at",
                BackchannelLogouts::NextAttemptAt,
            ),
            (
                "idx_backchannel_logouts_client_id",
                BackchannelLogouts::ClientId,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(BackchannelLogouts::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BackchannelLogouts::Table).to_owned())
            .await
    }
}
