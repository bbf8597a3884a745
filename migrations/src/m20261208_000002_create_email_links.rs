//! Creates `email_links`: the single-use links Poort mails (password reset, address
//! verification), stored as SHA-256 digests of their tokens only.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EmailLinks {
    Table,
    Id,
    /// `password_reset`, `verify_email`, `change_email`.
    Purpose,
    UserId,
    /// Hex SHA-256 of the token in the link.
    TokenDigest,
    /// What the link is bound to: the digest of the password hash it may replace, or the
    /// address it verifies. A link whose binding no longer holds is dead.
    Binding,
    ExpiresAt,
    /// Set when the link is used; a used link never works again.
    UsedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EmailLinks::Table)
                    .col(text(EmailLinks::Id).primary_key())
                    .col(text(EmailLinks::Purpose))
                    .col(text(EmailLinks::UserId))
                    .col(text(EmailLinks::TokenDigest).unique_key())
                    .col(text(EmailLinks::Binding))
                    .col(big_integer(EmailLinks::ExpiresAt))
                    .col(big_integer_null(EmailLinks::UsedAt))
                    .col(big_integer(EmailLinks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_email_links_user_id")
                            .from(EmailLinks::Table, EmailLinks::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_email_links_user_id")
                    .table(EmailLinks::Table)
                    .col(EmailLinks::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EmailLinks::Table).to_owned())
            .await
    }
}
