//! Creates `mail_queue`: mails waiting to be sent, sealed with the master key (their links are
//! secrets), with the retry state of the background sender.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailQueue {
    Table,
    Id,
    /// Plain, for logs and operators; the message itself is in `sealed`.
    Recipient,
    /// AES-256-GCM (master key, the row id as associated data) of the rendered message.
    Sealed,
    Attempts,
    /// Not sent before this time (the backoff after a failure).
    NextAttemptAt,
    /// A node claimed the row until then (compare-and-set), so two nodes never send it twice.
    ClaimedUntil,
    LastError,
    /// Set when the sender gave up after the last attempt; the row is kept for the operator.
    FailedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailQueue::Table)
                    .col(text(MailQueue::Id).primary_key())
                    .col(text(MailQueue::Recipient))
                    .col(blob(MailQueue::Sealed))
                    .col(integer(MailQueue::Attempts).default(0))
                    .col(big_integer(MailQueue::NextAttemptAt))
                    .col(big_integer(MailQueue::ClaimedUntil).default(0))
                    .col(text_null(MailQueue::LastError))
                    .col(big_integer_null(MailQueue::FailedAt))
                    .col(big_integer(MailQueue::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mail_queue_next_attempt_at")
                    .table(MailQueue::Table)
                    .col(MailQueue::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MailQueue::Table).to_owned())
            .await
    }
}
