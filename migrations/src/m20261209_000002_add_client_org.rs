//! Adds `clients.org_id`: the organisation that registered (and manages) the client, or NULL
//! for clients of the platform (registered by the operator). Indexed for the per-organisation
//! listing; deleting the organisation's clients is the server's job (no foreign key, like the
//! other organisation references).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000002_create_clients::Clients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NewColumns {
    OrgId,
}

const INDEX: &str = "idx_clients_org_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .add_column(text_null(NewColumns::OrgId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Clients::Table)
                    .col(NewColumns::OrgId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Clients::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .drop_column(NewColumns::OrgId)
                    .to_owned(),
            )
            .await
    }
}
