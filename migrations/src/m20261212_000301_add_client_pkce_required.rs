//! Adds `clients.pkce_required` (OAuth 2.1, RFC 9700 §2.1.1): PKCE for every client by
//! default. Existing clients get `true` as well; a legacy confidential client that cannot send
//! a `code_challenge` is opted out by the operator (`poort client update ID --pkce-required
//! false`). Public clients always need PKCE, whatever the column says.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000002_create_clients::Clients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NewColumns {
    PkceRequired,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .add_column(boolean(NewColumns::PkceRequired).default(true))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .drop_column(NewColumns::PkceRequired)
                    .to_owned(),
            )
            .await
    }
}
