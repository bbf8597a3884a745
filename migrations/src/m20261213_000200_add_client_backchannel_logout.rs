//! Adds back-channel logout to clients (OpenID Connect Back-Channel Logout 1.0 §2.2):
//! `backchannel_logout_uri`, where logout tokens are POSTed (none: the client gets none), and
//! `backchannel_logout_session_required`, whether every logout token must carry `sid`
//! (default true, as Poort always knows the session).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000002_create_clients::Clients;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NewColumns {
    BackchannelLogoutUri,
    BackchannelLogoutSessionRequired,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .add_column(text_null(NewColumns::BackchannelLogoutUri))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .add_column(boolean(NewColumns::BackchannelLogoutSessionRequired).default(true))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            NewColumns::BackchannelLogoutSessionRequired,
            NewColumns::BackchannelLogoutUri,
        ] {
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
