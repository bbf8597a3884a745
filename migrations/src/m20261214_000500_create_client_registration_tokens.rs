//! Dynamic client registration (RFC 7591/7592):
//! - `initial_access_tokens`: what an operator or an organisation admin hands a developer so
//!   that they may register clients (for that organisation, or the platform); stored by
//!   digest, with an expiry and a number of uses, revocable.
//! - `client_registrations`: a client registered that way and the digest of its registration
//!   access token (read, update, delete through `/register/{client_id}`); goes with the client.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000002_create_clients::Clients;
use crate::m20261206_000001_create_organisations::Organisations;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InitialAccessTokens {
    Table,
    Id,
    TokenDigest,
    /// The organisation its clients belong to; NULL: the platform.
    OrgId,
    /// Who minted it (a user id); NULL: the operator.
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    MaxUses,
    Uses,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ClientRegistrations {
    Table,
    ClientId,
    TokenDigest,
    /// The initial access token it was registered with.
    InitialTokenId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InitialAccessTokens::Table)
                    .col(text(InitialAccessTokens::Id).primary_key())
                    .col(text(InitialAccessTokens::TokenDigest).unique_key())
                    .col(text_null(InitialAccessTokens::OrgId))
                    .col(text_null(InitialAccessTokens::CreatedBy))
                    .col(big_integer(InitialAccessTokens::CreatedAt))
                    .col(big_integer(InitialAccessTokens::ExpiresAt))
                    .col(big_integer(InitialAccessTokens::MaxUses))
                    .col(big_integer(InitialAccessTokens::Uses).default(0))
                    .col(big_integer_null(InitialAccessTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_initial_access_tokens_org_id")
                            .from(InitialAccessTokens::Table, InitialAccessTokens::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_initial_access_tokens_org_id")
                    .table(InitialAccessTokens::Table)
                    .col(InitialAccessTokens::OrgId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ClientRegistrations::Table)
                    .col(text(ClientRegistrations::ClientId).primary_key())
                    .col(text(ClientRegistrations::TokenDigest).unique_key())
                    .col(text(ClientRegistrations::InitialTokenId))
                    .col(big_integer(ClientRegistrations::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_client_registrations_client_id")
                            .from(ClientRegistrations::Table, ClientRegistrations::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ClientRegistrations::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(InitialAccessTokens::Table).to_owned())
            .await
    }
}
