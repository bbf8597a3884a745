//! Creates `session_clients`: which clients a browser session signed in to (got a code from
//! it), so that when the session ends each of them with a `backchannel_logout_uri` is told.
//! Sessions live in the ephemeral store; this is their durable index by public `sid` and by
//! user. A row lasts as long as its session could (`expires_at`), then an hourly sweep drops it.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_users::Users;
use crate::m20261122_000002_create_clients::Clients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SessionClients {
    Table,
    /// The session's public id, the `sid` of its ID tokens (never the cookie).
    Sid,
    ClientId,
    UserId,
    CreatedAt,
    /// When the session ends at the latest.
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SessionClients::Table)
                    .col(text(SessionClients::Sid))
                    .col(text(SessionClients::ClientId))
                    .col(text(SessionClients::UserId))
                    .col(big_integer(SessionClients::CreatedAt))
                    .col(big_integer(SessionClients::ExpiresAt))
                    .primary_key(
                        Index::create()
                            .name("pk_session_clients")
                            .col(SessionClients::Sid)
                            .col(SessionClients::ClientId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_session_clients_client_id")
                            .from(SessionClients::Table, SessionClients::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_session_clients_user_id")
                            .from(SessionClients::Table, SessionClients::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_session_clients_user_id", SessionClients::UserId),
            ("idx_session_clients_client_id", SessionClients::ClientId),
            ("idx_session_clients_expires_at", SessionClients::ExpiresAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(SessionClients::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SessionClients::Table).to_owned())
            .await
    }
}
