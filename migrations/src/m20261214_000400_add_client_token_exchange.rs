//! Adds `clients.token_exchange` (RFC 8693): what a service may exchange users' tokens for,
//! as JSON `{"subject_audiences": [...], "audiences": [...], "impersonation": bool}`; `NULL`
//! (every existing client): no token exchange.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000002_create_clients::Clients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NewColumns {
    TokenExchange,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .add_column(text_null(NewColumns::TokenExchange))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .drop_column(NewColumns::TokenExchange)
                    .to_owned(),
            )
            .await
    }
}
