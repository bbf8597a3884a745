//! Creates `auth_events`: failed logins, lockouts, unlocks and password changes, kept for
//! operators until the audit log (organisations issue) takes this table over.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthEvents {
    Table,
    Id,
    /// `login_failed`, `account_locked`, `account_unlocked`, `password_changed`, ...
    Kind,
    /// The account, when the event concerns an existing one.
    UserId,
    /// Whom the event is about: the user id, or `login:<sha256 of the login>` for a login
    /// that names no account (the typed text itself is not kept).
    Subject,
    Ip,
    At,
    /// JSON object with event-specific details (reason, lock duration, ...).
    Details,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuthEvents::Table)
                    .col(text(AuthEvents::Id).primary_key())
                    .col(text(AuthEvents::Kind))
                    .col(text_null(AuthEvents::UserId))
                    .col(text(AuthEvents::Subject))
                    .col(text_null(AuthEvents::Ip))
                    .col(big_integer(AuthEvents::At))
                    .col(text(AuthEvents::Details))
                    // The record outlives the account; the subject still names it.
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_auth_events_user_id")
                            .from(AuthEvents::Table, AuthEvents::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // An account's history, and everything in a time range.
        for (name, columns) in [
            (
                "idx_auth_events_subject_at",
                vec![AuthEvents::Subject, AuthEvents::At],
            ),
            ("idx_auth_events_at", vec![AuthEvents::At]),
            ("idx_auth_events_user_id", vec![AuthEvents::UserId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuthEvents::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuthEvents::Table).to_owned())
            .await
    }
}
