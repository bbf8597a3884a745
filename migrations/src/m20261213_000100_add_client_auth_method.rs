//! Adds what key-based client authentication (RFC 7523, OpenID Connect Core §9) needs on
//! `clients`: the one `token_endpoint_auth_method` a client registered (`NULL`: the default,
//! `client_secret_basic` — or `_post` — for a confidential client, `none` for a public one),
//! its public keys for `private_key_jwt` (`jwks` inline JSON, or `jwks_uri`), and for
//! `client_secret_jwt` the secret itself, sealed with the master key (`secret_sealed`; the
//! digest stays the check for the other methods). One column per statement: SQLite alters
//! one at a time.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000002_create_clients::Clients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum NewColumns {
    TokenEndpointAuthMethod,
    Jwks,
    JwksUri,
    SecretSealed,
}

const ALL: [NewColumns; 4] = [
    NewColumns::TokenEndpointAuthMethod,
    NewColumns::Jwks,
    NewColumns::JwksUri,
    NewColumns::SecretSealed,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ALL {
            let definition = match column {
                NewColumns::SecretSealed => blob_null(column),
                _ => text_null(column),
            };
            manager
                .alter_table(
                    Table::alter()
                        .table(Clients::Table)
                        .add_column(definition)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ALL {
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
