//! Creates `platform_admins`: users who manage every organisation and the clients
//! (`poort admin create`). A table of its own rather than a column on `users`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PlatformAdmins {
    Table,
    UserId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PlatformAdmins::Table)
                    .col(text(PlatformAdmins::UserId).primary_key())
                    .col(big_integer(PlatformAdmins::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_platform_admins_user_id")
                            .from(PlatformAdmins::Table, PlatformAdmins::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PlatformAdmins::Table).to_owned())
            .await
    }
}
