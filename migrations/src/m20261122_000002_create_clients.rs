//! Creates `clients`: the relying parties registered with Poort.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Clients {
    Table,
    /// The public `client_id`.
    Id,
    Name,
    /// Hex SHA-256 of the client secret; NULL for public clients.
    SecretDigest,
    Public,
    FirstParty,
    /// JSON array of strings (TEXT, so the same on every backend).
    RedirectUris,
    /// JSON array of strings.
    PostLogoutRedirectUris,
    /// JSON array of grant type names.
    GrantTypes,
    IdTokenAlg,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Clients::Table)
                    .col(text(Clients::Id).primary_key())
                    .col(text(Clients::Name))
                    .col(text_null(Clients::SecretDigest))
                    .col(boolean(Clients::Public))
                    .col(boolean(Clients::FirstParty))
                    .col(text(Clients::RedirectUris))
                    .col(text(Clients::PostLogoutRedirectUris))
                    .col(text(Clients::GrantTypes))
                    .col(text(Clients::IdTokenAlg))
                    .col(big_integer(Clients::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Clients::Table).to_owned())
            .await
    }
}
