//! Creates `mfa_grace`: when a user who must set up a second factor was first asked to, and
//! how many times they postponed it.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MfaGrace {
    Table,
    UserId,
    /// The grace period runs from here.
    StartedAt,
    Postponements,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MfaGrace::Table)
                    .col(text(MfaGrace::UserId).primary_key())
                    .col(big_integer(MfaGrace::StartedAt))
                    .col(integer(MfaGrace::Postponements).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mfa_grace_user_id")
                            .from(MfaGrace::Table, MfaGrace::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MfaGrace::Table).to_owned())
            .await
    }
}
