//! Creates `org_invitations`: single-use, expiring invitations to join an organisation. Only
//! the SHA-256 digest of the link's secret is stored.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261206_000001_create_organisations::Organisations;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrgInvitations {
    Table,
    Id,
    OrgId,
    /// Lower-cased; only the account with this email can accept.
    Email,
    /// JSON array of role names granted on joining.
    Roles,
    /// Hex SHA-256 of the secret in the link.
    TokenDigest,
    /// The user who invited (None for the operator).
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    /// Set once, by the acceptance (compare-and-set on NULL).
    UsedAt,
    UsedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OrgInvitations::Table)
                    .col(text(OrgInvitations::Id).primary_key())
                    .col(text(OrgInvitations::OrgId))
                    .col(text(OrgInvitations::Email))
                    .col(text(OrgInvitations::Roles))
                    .col(text(OrgInvitations::TokenDigest).unique_key())
                    .col(text_null(OrgInvitations::InvitedBy))
                    .col(big_integer(OrgInvitations::CreatedAt))
                    .col(big_integer(OrgInvitations::ExpiresAt))
                    .col(big_integer_null(OrgInvitations::UsedAt))
                    .col(text_null(OrgInvitations::UsedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_org_invitations_org_id")
                            .from(OrgInvitations::Table, OrgInvitations::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OrgInvitations::Table).to_owned())
            .await
    }
}
