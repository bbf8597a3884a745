//! Organisations, members and custom roles on every backend; the last owner stays; every
//! change writes its audit entry in the same transaction.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::{
    MemberChange, NewOrg, OWNER_ROLE, add_member, create, create_role, delete_role, find_by_name,
    find_member, members, memberships_of, remove_member, roles, set_member_roles, update_settings,
};
use crate::audit::{self, AuditQuery, NewAuditEntry};
use crate::db::Db;
use crate::error::StoreError;
use crate::fixtures;
use crate::testing::fresh_dbs;

fn note(org: &str, action: &str) -> Vec<NewAuditEntry> {
    vec![NewAuditEntry {
        at: 1,
        org_id: Some(org.to_owned()),
        actor: None,
        staff: None,
        subject: None,
        action: action.to_owned(),
        target: None,
        ip: None,
        user_agent: None,
        details: json!({}),
    }]
}

fn roles_of(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

async fn org(db: &Db, id: &str, owner: Option<&str>) {
    let new = NewOrg {
        id: id.to_owned(),
        name: format!("Org {id}"),
        settings: "{}".to_owned(),
    };
    create(db, new, owner, 1, note(id, "org.created"))
        .await
        .unwrap();
}

async fn actions(db: &Db, org: &str) -> Vec<String> {
    let mut entries = audit::list(db, org, &AuditQuery::default(), 100)
        .await
        .unwrap();
    entries.reverse();
    entries.into_iter().map(|e| e.action).collect()
}

#[tokio::test]
async fn organisations_members_and_settings() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let ada = fixtures::user(&db, "ada@example.com").await;
        let bob = fixtures::user(&db, "bob@example.com").await;
        org(&db, "o1", Some(&ada)).await;
        let duplicate = NewOrg {
            id: "o2".into(),
            name: "Org o1".into(),
            settings: "{}".into(),
        };
        let err = create(&db, duplicate, None, 1, vec![]).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict), "{err:?}");
        assert_eq!(find_by_name(&db, "Org o1").await.unwrap().unwrap().id, "o1");

        let owner = find_member(&db, "o1", &ada).await.unwrap().unwrap();
        assert_eq!(owner.roles, [OWNER_ROLE]);
        add_member(
            &db,
            "o1",
            &bob,
            &roles_of(&["member"]),
            5,
            note("o1", "member.added"),
        )
        .await
        .unwrap();
        let err = add_member(&db, "o1", &bob, &[], 6, note("o1", "member.added"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict), "{err:?}");
        let listed: Vec<String> = members(&db, "o1")
            .await
            .unwrap()
            .into_iter()
            .map(|(_, user)| user.email)
            .collect();
        assert_eq!(listed, ["ada@example.com", "bob@example.com"]);
        let of_bob = memberships_of(&db, &bob).await.unwrap();
        assert_eq!(of_bob.len(), 1);
        assert_eq!(of_bob[0].1.roles, ["member"]);

        assert!(
            update_settings(
                &db,
                "o1",
                "{\"require_2fa\":true}",
                9,
                note("o1", "settings")
            )
            .await
            .unwrap()
        );
        assert!(!update_settings(&db, "nope", "{}", 9, vec![]).await.unwrap());
        let stored = find_by_name(&db, "Org o1").await.unwrap().unwrap();
        assert_eq!(stored.settings, "{\"require_2fa\":true}");
        assert_eq!(
            actions(&db, "o1").await,
            ["org.created", "member.added", "settings"],
            "the failed add wrote no entry"
        );
        assert_eq!(audit::verify_chain(&db, "o1").await.unwrap().broken, None);
    }
}

#[tokio::test]
async fn the_last_owner_can_be_neither_removed_nor_demoted() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let ada = fixtures::user(&db, "ada@example.com").await;
        let bob = fixtures::user(&db, "bob@example.com").await;
        org(&db, "o1", Some(&ada)).await;
        add_member(&db, "o1", &bob, &roles_of(&["admin"]), 2, vec![])
            .await
            .unwrap();
        let demote = set_member_roles(&db, "o1", &ada, &roles_of(&["admin"]), 3, note("o1", "x"))
            .await
            .unwrap();
        assert_eq!(demote, MemberChange::LastOwner);
        let remove = remove_member(&db, "o1", &ada, note("o1", "x"))
            .await
            .unwrap();
        assert_eq!(remove, MemberChange::LastOwner);
        assert_eq!(
            actions(&db, "o1").await,
            ["org.created"],
            "refusals leave no entry"
        );

        // With a second owner, the first may step down.
        let promoted = set_member_roles(&db, "o1", &bob, &roles_of(&["owner"]), 4, vec![])
            .await
            .unwrap();
        assert!(matches!(promoted, MemberChange::Done(m) if m.is_owner()));
        let removed = remove_member(&db, "o1", &ada, note("o1", "member.removed"))
            .await
            .unwrap();
        assert!(matches!(removed, MemberChange::Done(_)));
        assert_eq!(find_member(&db, "o1", &ada).await.unwrap(), None);
        assert_eq!(
            remove_member(&db, "o1", &ada, vec![]).await.unwrap(),
            MemberChange::NotFound
        );
        assert_eq!(
            remove_member(&db, "o1", &bob, vec![]).await.unwrap(),
            MemberChange::LastOwner
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_owners_removing_each_other_concurrently_leave_one() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let ada = fixtures::user(&db, "ada@example.com").await;
        let bob = fixtures::user(&db, "bob@example.com").await;
        org(&db, "o1", Some(&ada)).await;
        add_member(&db, "o1", &bob, &roles_of(&[OWNER_ROLE]), 2, vec![])
            .await
            .unwrap();
        let (a, b) = tokio::join!(
            remove_member(&db, "o1", &ada, vec![]),
            remove_member(&db, "o1", &bob, vec![])
        );
        let outcomes = [a.unwrap(), b.unwrap()];
        let done = outcomes
            .iter()
            .filter(|o| matches!(o, MemberChange::Done(_)))
            .count();
        assert_eq!(done, 1, "{outcomes:?}");
        assert_eq!(members(&db, "o1").await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn custom_roles_are_per_organisation_and_leave_members_when_deleted() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let ada = fixtures::user(&db, "ada@example.com").await;
        org(&db, "o1", Some(&ada)).await;
        org(&db, "o2", None).await;
        let perms = roles_of(&["members.read", "audit.read"]);
        let role = create_role(&db, "o1", "viewer", &perms, 3, note("o1", "role.created"))
            .await
            .unwrap();
        assert_eq!(role.permissions, perms);
        let err = create_role(&db, "o1", "viewer", &[], 3, vec![])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict), "{err:?}");
        create_role(&db, "o2", "viewer", &[], 3, vec![])
            .await
            .unwrap();
        assert_eq!(roles(&db, "o1").await.unwrap().len(), 1);

        set_member_roles(&db, "o1", &ada, &roles_of(&["owner", "viewer"]), 4, vec![])
            .await
            .unwrap();
        assert!(
            delete_role(&db, "o1", "viewer", 5, note("o1", "role.deleted"))
                .await
                .unwrap()
        );
        assert!(!delete_role(&db, "o1", "viewer", 5, vec![]).await.unwrap());
        assert_eq!(
            find_member(&db, "o1", &ada).await.unwrap().unwrap().roles,
            ["owner"]
        );
        assert_eq!(roles(&db, "o2").await.unwrap().len(), 1, "o2 keeps its own");
        assert_eq!(
            actions(&db, "o1").await,
            ["org.created", "role.created", "role.deleted"]
        );
    }
}
