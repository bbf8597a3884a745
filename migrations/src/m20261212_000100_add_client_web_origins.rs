//! Adds `web_origins` to clients: the origins (`scheme://host[:port]`) a browser app may call
//! the token, userinfo and revocation endpoints from (CORS), a JSON string array. Empty means
//! the default: the origins of a public client's redirect URIs, none for a confidential one.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000002_create_clients::Clients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NewColumns {
    WebOrigins,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .add_column(text(NewColumns::WebOrigins).default("[]"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .drop_column(NewColumns::WebOrigins)
                    .to_owned(),
            )
            .await
    }
}
