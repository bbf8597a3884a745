//! Creates `organisations` (tenants, with their security settings as one JSON document),
//! `org_roles` (custom roles: named permission sets per organisation) and `org_members`
//! (user ↔ organisation, with the member's role names).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Organisations {
    Table,
    Id,
    /// Unique, case-sensitive display name (also how the CLI names an organisation).
    Name,
    /// JSON object validated by the server's typed settings (`flows::orgs::settings`).
    Settings,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrgRoles {
    Table,
    Id,
    OrgId,
    Name,
    /// JSON array of permission names, e.g. `["members.read"]`.
    Permissions,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrgMembers {
    Table,
    OrgId,
    UserId,
    /// JSON array of role names (built-in or custom roles of the same organisation).
    Roles,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .col(text(Organisations::Id).primary_key())
                    .col(text(Organisations::Name).unique_key())
                    .col(text(Organisations::Settings))
                    .col(big_integer(Organisations::CreatedAt))
                    .col(big_integer(Organisations::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrgRoles::Table)
                    .col(text(OrgRoles::Id).primary_key())
                    .col(text(OrgRoles::OrgId))
                    .col(text(OrgRoles::Name))
                    .col(text(OrgRoles::Permissions))
                    .col(big_integer(OrgRoles::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_org_roles_org_id")
                            .from(OrgRoles::Table, OrgRoles::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_org_roles_org_id_name")
                    .table(OrgRoles::Table)
                    .col(OrgRoles::OrgId)
                    .col(OrgRoles::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrgMembers::Table)
                    .col(text(OrgMembers::OrgId))
                    .col(text(OrgMembers::UserId))
                    .col(text(OrgMembers::Roles))
                    .col(big_integer(OrgMembers::CreatedAt))
                    .col(big_integer(OrgMembers::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(OrgMembers::OrgId)
                            .col(OrgMembers::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_org_members_org_id")
                            .from(OrgMembers::Table, OrgMembers::OrgId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_org_members_user_id")
                            .from(OrgMembers::Table, OrgMembers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A user's organisations (login enforcement, claims).
        manager
            .create_index(
                Index::create()
                    .name("idx_org_members_user_id")
                    .table(OrgMembers::Table)
                    .col(OrgMembers::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OrgMembers::Table.into_iden(),
            OrgRoles::Table.into_iden(),
            Organisations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
