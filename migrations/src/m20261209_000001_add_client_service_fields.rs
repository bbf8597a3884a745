//! Adds what a service account (a confidential client using `client_credentials`) may be
//! given: `allowed_scopes` and `audiences` (RFC 8707 resource URIs), both JSON string arrays.
//! Existing clients get none of either: a machine token grants nothing until the operator says
//! so.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000002_create_clients::Clients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NewColumns {
    AllowedScopes,
    Audiences,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [NewColumns::AllowedScopes, NewColumns::Audiences] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Clients::Table)
                        .add_column(text(column).default("[]"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [NewColumns::AllowedScopes, NewColumns::Audiences] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Clients::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
