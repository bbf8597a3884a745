//! Repository for organisations, their members and their custom roles.
//!
//! Every change takes the audit entries that describe it and appends them in the same write
//! transaction: a change is never stored without its record, nor the record without the
//! change. Membership changes lock the organisation row first (PostgreSQL; SQLite's write
//! transaction is already exclusive), so "the last owner cannot be removed or demoted" holds
//! under concurrent requests.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::audit::{NewAuditEntry, commit_with};
use crate::db::{Backend, Db};
use crate::entities::{org_members, org_roles, organisations, users};
use crate::error::StoreError;
use crate::first::First;
use crate::json_list;
use crate::tx::begin_write;

/// The built-in role that owns an organisation; at least one member always has it.
pub const OWNER_ROLE: &str = "owner";

/// An organisation to create; the caller picks the id (so its audit entries can name it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrg {
    pub id: String,
    pub name: String,
    /// JSON object of settings, already validated.
    pub settings: String,
}

/// A membership with its decoded role names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub org_id: String,
    pub user_id: String,
    pub roles: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Member {
    fn from_row(row: org_members::Model) -> Result<Self, StoreError> {
        Ok(Self {
            roles: json_list::decode(&row.roles, "org_members.roles")?,
            org_id: row.org_id,
            user_id: row.user_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    pub fn is_owner(&self) -> bool {
        self.roles.iter().any(|r| r == OWNER_ROLE)
    }
}

/// A custom role with its decoded permission names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub permissions: Vec<String>,
    pub created_at: i64,
}

impl Role {
    fn from_row(row: org_roles::Model) -> Result<Self, StoreError> {
        Ok(Self {
            permissions: json_list::decode(&row.permissions, "org_roles.permissions")?,
            id: row.id,
            org_id: row.org_id,
            name: row.name,
            created_at: row.created_at,
        })
    }
}

/// The outcome of a membership change that could leave the organisation without an owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberChange<T> {
    Done(T),
    /// No such member (or organisation).
    NotFound,
    /// It would remove the last owner.
    LastOwner,
}

/// Creates the organisation and, when given, its first owner. [`StoreError::Conflict`] if
/// the name is taken.
pub async fn create(
    db: &Db,
    org: NewOrg,
    owner: Option<&str>,
    now: i64,
    audit: Vec<NewAuditEntry>,
) -> Result<organisations::Model, StoreError> {
    let row = organisations::Model {
        id: org.id,
        name: org.name,
        settings: org.settings,
        created_at: now,
        updated_at: now,
    };
    let txn = begin_write(db).await?;
    organisations::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    if let Some(user_id) = owner {
        insert_member(&txn, &row.id, user_id, &[OWNER_ROLE.to_owned()], now).await?;
    }
    commit_with(txn, db.backend(), audit).await?;
    Ok(row)
}

pub async fn find(db: &Db, id: &str) -> Result<Option<organisations::Model>, StoreError> {
    Ok(organisations::Entity::find_by_id(id)
        .first(db.conn())
        .await?)
}

pub async fn find_by_name(db: &Db, name: &str) -> Result<Option<organisations::Model>, StoreError> {
    Ok(organisations::Entity::find()
        .filter(organisations::Column::Name.eq(name))
        .first(db.conn())
        .await?)
}

/// Every organisation, by name.
pub async fn list(db: &Db) -> Result<Vec<organisations::Model>, StoreError> {
    Ok(organisations::Entity::find()
        .order_by_asc(organisations::Column::Name)
        .all(db.conn())
        .await?)
}

/// The organisations `user_id` belongs to, with the membership, by organisation name.
pub async fn memberships_of(
    db: &Db,
    user_id: &str,
) -> Result<Vec<(organisations::Model, Member)>, StoreError> {
    let rows = org_members::Entity::find()
        .filter(org_members::Column::UserId.eq(user_id))
        .all(db.conn())
        .await?;
    let ids: Vec<String> = rows.iter().map(|m| m.org_id.clone()).collect();
    let orgs = organisations::Entity::find()
        .filter(organisations::Column::Id.is_in(ids))
        .order_by_asc(organisations::Column::Name)
        .all(db.conn())
        .await?;
    let mut members: Vec<Member> = rows
        .into_iter()
        .map(Member::from_row)
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(orgs.len());
    for org in orgs {
        if let Some(index) = members.iter().position(|m| m.org_id == org.id) {
            out.push((org, members.swap_remove(index)));
        }
    }
    Ok(out)
}

/// Replaces the settings document.
pub async fn update_settings(
    db: &Db,
    id: &str,
    settings: &str,
    now: i64,
    audit: Vec<NewAuditEntry>,
) -> Result<bool, StoreError> {
    let txn = begin_write(db).await?;
    let changed = organisations::Entity::update_many()
        .set(organisations::ActiveModel {
            settings: Set(settings.to_owned()),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(organisations::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(false);
    }
    commit_with(txn, db.backend(), audit).await?;
    Ok(true)
}

pub async fn find_member(
    db: &Db,
    org_id: &str,
    user_id: &str,
) -> Result<Option<Member>, StoreError> {
    org_members::Entity::find_by_id((org_id.to_owned(), user_id.to_owned()))
        .first(db.conn())
        .await?
        .map(Member::from_row)
        .transpose()
}

/// The organisation's members with their accounts, by email.
pub async fn members(db: &Db, org_id: &str) -> Result<Vec<(Member, users::Model)>, StoreError> {
    let rows = org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org_id))
        .all(db.conn())
        .await?;
    let ids: Vec<String> = rows.iter().map(|m| m.user_id.clone()).collect();
    let accounts = users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .order_by_asc(users::Column::Email)
        .all(db.conn())
        .await?;
    let mut members: Vec<Member> = rows
        .into_iter()
        .map(Member::from_row)
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(accounts.len());
    for account in accounts {
        if let Some(index) = members.iter().position(|m| m.user_id == account.id) {
            out.push((members.swap_remove(index), account));
        }
    }
    Ok(out)
}

/// Adds a member; [`StoreError::Conflict`] if already one.
pub async fn add_member(
    db: &Db,
    org_id: &str,
    user_id: &str,
    roles: &[String],
    now: i64,
    audit: Vec<NewAuditEntry>,
) -> Result<Member, StoreError> {
    let txn = begin_write(db).await?;
    let member = insert_member(&txn, org_id, user_id, roles, now).await?;
    commit_with(txn, db.backend(), audit).await?;
    Ok(member)
}

async fn insert_member(
    txn: &DatabaseTransaction,
    org_id: &str,
    user_id: &str,
    roles: &[String],
    now: i64,
) -> Result<Member, StoreError> {
    let row = org_members::Model {
        org_id: org_id.to_owned(),
        user_id: user_id.to_owned(),
        roles: json_list::encode(roles),
        created_at: now,
        updated_at: now,
    };
    org_members::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(txn)
        .await?;
    Member::from_row(row)
}

/// Replaces a member's roles, unless that demotes the last owner.
pub async fn set_member_roles(
    db: &Db,
    org_id: &str,
    user_id: &str,
    roles: &[String],
    now: i64,
    audit: Vec<NewAuditEntry>,
) -> Result<MemberChange<Member>, StoreError> {
    let txn = begin_write(db).await?;
    let Some(current) = locked_member(&txn, db.backend(), org_id, user_id).await? else {
        return Ok(MemberChange::NotFound);
    };
    let stays_owner = roles.iter().any(|r| r == OWNER_ROLE);
    if current.is_owner() && !stays_owner && owner_count(&txn, org_id).await? <= 1 {
        return Ok(MemberChange::LastOwner);
    }
    org_members::Entity::update_many()
        .set(org_members::ActiveModel {
            roles: Set(json_list::encode(roles)),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(org_members::Column::OrgId.eq(org_id))
        .filter(org_members::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    commit_with(txn, db.backend(), audit).await?;
    Ok(MemberChange::Done(Member {
        roles: roles.to_vec(),
        updated_at: now,
        ..current
    }))
}

/// Removes a member, unless it is the last owner.
pub async fn remove_member(
    db: &Db,
    org_id: &str,
    user_id: &str,
    audit: Vec<NewAuditEntry>,
) -> Result<MemberChange<Member>, StoreError> {
    let txn = begin_write(db).await?;
    let Some(current) = locked_member(&txn, db.backend(), org_id, user_id).await? else {
        return Ok(MemberChange::NotFound);
    };
    if current.is_owner() && owner_count(&txn, org_id).await? <= 1 {
        return Ok(MemberChange::LastOwner);
    }
    org_members::Entity::delete_by_id((org_id.to_owned(), user_id.to_owned()))
        .exec(&txn)
        .await?;
    commit_with(txn, db.backend(), audit).await?;
    Ok(MemberChange::Done(current))
}

/// Locks the organisation (PostgreSQL) and reads the member.
async fn locked_member(
    txn: &DatabaseTransaction,
    backend: Backend,
    org_id: &str,
    user_id: &str,
) -> Result<Option<Member>, StoreError> {
    if backend == Backend::Postgres {
        organisations::Entity::find_by_id(org_id)
            .lock_exclusive()
            .first(txn)
            .await?;
    }
    org_members::Entity::find_by_id((org_id.to_owned(), user_id.to_owned()))
        .first(txn)
        .await?
        .map(Member::from_row)
        .transpose()
}

async fn owner_count(txn: &DatabaseTransaction, org_id: &str) -> Result<usize, StoreError> {
    let rows = org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org_id))
        .all(txn)
        .await?;
    let mut owners = 0;
    for row in rows {
        if Member::from_row(row)?.is_owner() {
            owners += 1;
        }
    }
    Ok(owners)
}

/// The organisation's custom roles, by name.
pub async fn roles(db: &Db, org_id: &str) -> Result<Vec<Role>, StoreError> {
    org_roles::Entity::find()
        .filter(org_roles::Column::OrgId.eq(org_id))
        .order_by_asc(org_roles::Column::Name)
        .all(db.conn())
        .await?
        .into_iter()
        .map(Role::from_row)
        .collect()
}

/// Creates a custom role; [`StoreError::Conflict`] if the organisation has one of that name.
pub async fn create_role(
    db: &Db,
    org_id: &str,
    name: &str,
    permissions: &[String],
    now: i64,
    audit: Vec<NewAuditEntry>,
) -> Result<Role, StoreError> {
    let row = org_roles::Model {
        id: crate::id::new_id(),
        org_id: org_id.to_owned(),
        name: name.to_owned(),
        permissions: json_list::encode(permissions),
        created_at: now,
    };
    let txn = begin_write(db).await?;
    org_roles::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    commit_with(txn, db.backend(), audit).await?;
    Role::from_row(row)
}

/// Deletes a custom role and takes it away from every member who had it. False if the
/// organisation has no role of that name.
pub async fn delete_role(
    db: &Db,
    org_id: &str,
    name: &str,
    now: i64,
    audit: Vec<NewAuditEntry>,
) -> Result<bool, StoreError> {
    let txn = begin_write(db).await?;
    let deleted = org_roles::Entity::delete_many()
        .filter(org_roles::Column::OrgId.eq(org_id))
        .filter(org_roles::Column::Name.eq(name))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Ok(false);
    }
    let rows = org_members::Entity::find()
        .filter(org_members::Column::OrgId.eq(org_id))
        .all(&txn)
        .await?;
    for row in rows {
        let member = Member::from_row(row)?;
        if member.roles.iter().any(|r| r == name) {
            let kept: Vec<String> = member.roles.into_iter().filter(|r| r != name).collect();
            org_members::Entity::update_many()
                .set(org_members::ActiveModel {
                    roles: Set(json_list::encode(&kept)),
                    updated_at: Set(now),
                    ..Default::default()
                })
                .filter(org_members::Column::OrgId.eq(org_id))
                .filter(org_members::Column::UserId.eq(member.user_id))
                .exec(&txn)
                .await?;
        }
    }
    commit_with(txn, db.backend(), audit).await?;
    Ok(true)
}

#[cfg(test)]
#[path = "orgs_tests.rs"]
mod tests;
