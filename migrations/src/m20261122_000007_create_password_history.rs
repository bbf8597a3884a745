//! Creates `password_history`: earlier password hashes of each user, so a new password can be
//! refused when it repeats one of the last N (the current hash stays in `users`).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PasswordHistory {
    Table,
    Id,
    UserId,
    /// The replaced hash, in the stored (PHC or peppered) form.
    PasswordHash,
    /// When this hash stopped being the current one.
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PasswordHistory::Table)
                    .col(text(PasswordHistory::Id).primary_key())
                    .col(text(PasswordHistory::UserId))
                    .col(text(PasswordHistory::PasswordHash))
                    .col(big_integer(PasswordHistory::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_password_history_user_id")
                            .from(PasswordHistory::Table, PasswordHistory::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Read newest first per user, and pruned per user.
        manager
            .create_index(
                Index::create()
                    .name("idx_password_history_user_id_created_at")
                    .table(PasswordHistory::Table)
                    .col(PasswordHistory::UserId)
                    .col(PasswordHistory::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PasswordHistory::Table).to_owned())
            .await
    }
}
