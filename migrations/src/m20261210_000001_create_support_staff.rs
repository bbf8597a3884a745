//! Creates `support_staff`: platform-level users who may help inside an organisation, but
//! only in organisations whose `support_access` setting allows it (`poort support add`).
//! A table of its own, like `platform_admins`, rather than a role column on `users`: who
//! made someone staff and when is kept with the grant, removing a user removes the grant
//! (foreign key), and a staff member can never be mistaken for a platform administrator.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SupportStaff {
    Table,
    UserId,
    CreatedAt,
    CreatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SupportStaff::Table)
                    .col(text(SupportStaff::UserId).primary_key())
                    .col(big_integer(SupportStaff::CreatedAt))
                    // `None` for the operator's CLI.
                    .col(text_null(SupportStaff::CreatedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_support_staff_user_id")
                            .from(SupportStaff::Table, SupportStaff::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SupportStaff::Table).to_owned())
            .await
    }
}
