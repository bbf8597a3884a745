//! Creates `audit_log`: the append-only, hash-chained record of changes to users and access
//! rights and of logins. One chain per organisation (`chain` = the organisation id) plus the
//! platform chain (`chain` = `platform`). No foreign keys: entries outlive what they name.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    Chain,
    /// 1, 2, 3, ... within the chain; (chain, seq) is unique so two writers cannot fork it.
    Seq,
    At,
    OrgId,
    /// The user who acted (None for the operator's CLI or the system).
    Actor,
    /// The support-staff identity acting on the user's behalf, if any.
    Staff,
    /// Whom the entry is about (a user id, or `login:<digest>` for an unknown login).
    Subject,
    /// E.g. `member.added`, `login.succeeded`.
    Action,
    Target,
    Ip,
    UserAgent,
    /// JSON object, stored exactly as hashed.
    Details,
    /// Hex SHA-256 of the previous entry of the chain (64 zeros for the first).
    PrevHash,
    /// Hex SHA-256 over this entry's fields and `prev_hash`.
    Hash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(text(AuditLog::Id).primary_key())
                    .col(text(AuditLog::Chain))
                    .col(big_integer(AuditLog::Seq))
                    .col(big_integer(AuditLog::At))
                    .col(text_null(AuditLog::OrgId))
                    .col(text_null(AuditLog::Actor))
                    .col(text_null(AuditLog::Staff))
                    .col(text_null(AuditLog::Subject))
                    .col(text(AuditLog::Action))
                    .col(text_null(AuditLog::Target))
                    .col(text_null(AuditLog::Ip))
                    .col(text_null(AuditLog::UserAgent))
                    .col(text(AuditLog::Details))
                    .col(text(AuditLog::PrevHash))
                    .col(text(AuditLog::Hash))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_chain_seq")
                    .table(AuditLog::Table)
                    .col(AuditLog::Chain)
                    .col(AuditLog::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_chain_at")
                    .table(AuditLog::Table)
                    .col(AuditLog::Chain)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}
