//! Creates `durable_markers`: the database record of every ephemeral entry that guards safety
//! (a revoked access token's deny-list entry, an API token's revocation marker, an account's
//! lock), kept until it would have expired. The ephemeral store is the cache in front: when it
//! lost entries (Redis emptied, failed over or restored; a node's memory after a restart) they
//! are loaded back from here. `seq` orders the rows: a store that has loaded up to `seq` N
//! knows every marker numbered N or lower.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DurableMarkers {
    Table,
    /// 1, 2, 3… in commit order (assigned under a lock; never reused).
    Seq,
    /// The ephemeral key, e.g. `revoked_at:<jti>`.
    Key,
    /// The ephemeral value (text: "1", or a lock's end time).
    Value,
    /// Unix seconds; the row (and the entry) lapse then.
    ExpiresAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DurableMarkers::Table)
                    .col(big_integer(DurableMarkers::Seq).primary_key())
                    .col(text(DurableMarkers::Key))
                    .col(text(DurableMarkers::Value))
                    .col(big_integer(DurableMarkers::ExpiresAt))
                    .col(big_integer(DurableMarkers::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // key: a marker recorded twice is stored once; expires_at: loading and the sweep.
        for (name, column) in [
            ("idx_durable_markers_key", DurableMarkers::Key),
            ("idx_durable_markers_expires_at", DurableMarkers::ExpiresAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(DurableMarkers::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DurableMarkers::Table).to_owned())
            .await
    }
}
