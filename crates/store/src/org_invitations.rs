//! Repository for `org_invitations`: create, look up by the digest of the link's secret, and
//! accept once. Acceptance marks the invitation used (compare-and-set on `used_at IS NULL`),
//! adds the member and appends the audit entry in one transaction: an invitation is either
//! used with its membership created, or untouched.

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};

use crate::audit::{NewAuditEntry, append_in};
use crate::db::Db;
use crate::entities::{org_invitations, org_members};
use crate::error::StoreError;
use crate::first::First;
use crate::json_list;
use crate::tx::begin_write;

/// An invitation to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewInvitation {
    pub org_id: String,
    pub email: String,
    pub roles: Vec<String>,
    pub token_digest: String,
    pub invited_by: Option<String>,
    pub expires_at: i64,
}

/// A stored invitation with its decoded roles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub id: String,
    pub org_id: String,
    pub email: String,
    pub roles: Vec<String>,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

impl Invitation {
    fn from_row(row: org_invitations::Model) -> Result<Self, StoreError> {
        Ok(Self {
            roles: json_list::decode(&row.roles, "org_invitations.roles")?,
            id: row.id,
            org_id: row.org_id,
            email: row.email,
            expires_at: row.expires_at,
            used_at: row.used_at,
        })
    }
}

pub async fn create(
    db: &Db,
    invitation: NewInvitation,
    now: i64,
    audit: NewAuditEntry,
) -> Result<Invitation, StoreError> {
    let row = org_invitations::Model {
        id: crate::id::new_id(),
        org_id: invitation.org_id,
        email: invitation.email.to_lowercase(),
        roles: json_list::encode(&invitation.roles),
        token_digest: invitation.token_digest,
        invited_by: invitation.invited_by,
        created_at: now,
        expires_at: invitation.expires_at,
        used_at: None,
        used_by: None,
    };
    let txn = begin_write(db).await?;
    org_invitations::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    append_in(&txn, db.backend(), audit).await?;
    txn.commit().await?;
    Invitation::from_row(row)
}

/// The unused, unexpired invitation whose secret has this digest.
pub async fn find_open(
    db: &Db,
    token_digest: &str,
    now: i64,
) -> Result<Option<Invitation>, StoreError> {
    org_invitations::Entity::find()
        .filter(org_invitations::Column::TokenDigest.eq(token_digest))
        .filter(org_invitations::Column::UsedAt.is_null())
        .filter(org_invitations::Column::ExpiresAt.gt(now))
        .first(db.conn())
        .await?
        .map(Invitation::from_row)
        .transpose()
}

/// The outcome of accepting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Accepted {
    Joined(Invitation),
    /// Unknown, used or expired: one answer for all.
    NotOpen,
    /// The user is already a member; the invitation stays unused.
    AlreadyMember,
}

/// Uses the invitation `id` for `user_id` (once, before it expires) and adds the membership.
pub async fn accept(
    db: &Db,
    id: &str,
    user_id: &str,
    now: i64,
    audit: NewAuditEntry,
) -> Result<Accepted, StoreError> {
    let txn = begin_write(db).await?;
    let used = org_invitations::Entity::update_many()
        .set(org_invitations::ActiveModel {
            used_at: Set(Some(now)),
            used_by: Set(Some(user_id.to_owned())),
            ..Default::default()
        })
        .filter(org_invitations::Column::Id.eq(id))
        .filter(org_invitations::Column::UsedAt.is_null())
        .filter(org_invitations::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Ok(Accepted::NotOpen);
    }
    let Some(row) = org_invitations::Entity::find_by_id(id).first(&txn).await? else {
        return Ok(Accepted::NotOpen);
    };
    let invitation = Invitation::from_row(row)?;
    let member = org_members::Model {
        org_id: invitation.org_id.clone(),
        user_id: user_id.to_owned(),
        roles: json_list::encode(&invitation.roles),
        created_at: now,
        updated_at: now,
    };
    match org_members::Entity::insert(member.into_active_model())
        .exec_without_returning(&txn)
        .await
        .map_err(StoreError::from)
    {
        Ok(_) => {}
        // Dropping the transaction rolls the use back.
        Err(StoreError::Conflict) => return Ok(Accepted::AlreadyMember),
        Err(e) => return Err(e),
    }
    append_in(&txn, db.backend(), audit).await?;
    txn.commit().await?;
    Ok(Accepted::Joined(invitation))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use serde_json::json;

    use super::{Accepted, NewInvitation, accept, create, find_open};
    use crate::audit::NewAuditEntry;
    use crate::fixtures;
    use crate::orgs::{self, NewOrg};
    use crate::testing::fresh_dbs;

    fn note(org: &str) -> NewAuditEntry {
        NewAuditEntry {
            at: 1,
            org_id: Some(org.to_owned()),
            actor: None,
            staff: None,
            subject: None,
            action: "x".to_owned(),
            target: None,
            ip: None,
            user_agent: None,
            details: json!({}),
        }
    }

    #[tokio::test]
    async fn an_invitation_is_accepted_once_before_it_expires() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let ada = fixtures::user(&db, "ada@example.com").await;
            let bob = fixtures::user(&db, "bob@example.com").await;
            let org = NewOrg {
                id: "o1".into(),
                name: "Org".into(),
                settings: "{}".into(),
            };
            orgs::create(&db, org, None, 1, vec![]).await.unwrap();
            let new = |digest: &str, expires_at| NewInvitation {
                org_id: "o1".into(),
                email: "Ada@Example.com".into(),
                roles: vec!["auditor".into()],
                token_digest: digest.into(),
                invited_by: None,
                expires_at,
            };
            let invitation = create(&db, new("d1", 100), 10, note("o1")).await.unwrap();
            assert_eq!(invitation.email, "ada@example.com");
            assert!(find_open(&db, "d1", 99).await.unwrap().is_some());
            assert!(
                find_open(&db, "d1", 100).await.unwrap().is_none(),
                "expired"
            );
            assert!(find_open(&db, "nope", 50).await.unwrap().is_none());

            let late = accept(&db, &invitation.id, &ada, 100, note("o1"))
                .await
                .unwrap();
            assert_eq!(late, Accepted::NotOpen);
            let joined = accept(&db, &invitation.id, &ada, 50, note("o1"))
                .await
                .unwrap();
            assert!(matches!(joined, Accepted::Joined(_)));
            let member = orgs::find_member(&db, "o1", &ada).await.unwrap().unwrap();
            assert_eq!(member.roles, ["auditor"]);
            let again = accept(&db, &invitation.id, &bob, 51, note("o1"))
                .await
                .unwrap();
            assert_eq!(again, Accepted::NotOpen, "single use");

            // Already a member: the second invitation stays usable.
            let second = create(&db, new("d2", 100), 10, note("o1")).await.unwrap();
            let dup = accept(&db, &second.id, &ada, 50, note("o1")).await.unwrap();
            assert_eq!(dup, Accepted::AlreadyMember);
            assert!(find_open(&db, "d2", 60).await.unwrap().is_some());
        }
    }
}
