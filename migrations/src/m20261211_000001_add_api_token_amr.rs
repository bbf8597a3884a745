//! Adds `api_tokens.amr`: how the owner had authenticated when the token was minted (a JSON
//! list of `amr` values, e.g. `["pwd","otp","mfa"]`; `["cli"]` for the operator's command).
//! The gate holds a token to the organisation's `require_2fa` with it; NULL (tokens minted
//! before this column) counts as one factor.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261207_000006_create_api_tokens::ApiTokens;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NewColumns {
    Amr,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(text_null(NewColumns::Amr))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .drop_column(NewColumns::Amr)
                    .to_owned(),
            )
            .await
    }
}
