//! Tests of the used-code repository, on every configured backend.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use super::{Redemption, delete_expired, find, redeem};
use crate::entities::used_codes;
use crate::fixtures;
use crate::id::new_id;
use crate::refresh_tokens::{NewRefreshToken, find_by_digest};
use crate::testing::fresh_dbs;

fn used(digest: &str, family: &str) -> used_codes::Model {
    used_codes::Model {
        digest: digest.to_owned(),
        client_id: "rp".to_owned(),
        family_id: Some(family.to_owned()),
        access_jti: format!("jti-{family}"),
        access_expires_at: 700,
        created_at: 100,
        expires_at: 760,
    }
}

fn first_token(user: &str, client: &str, family: &str) -> NewRefreshToken {
    NewRefreshToken {
        id: new_id(),
        token_digest: format!("rt-{family}"),
        family_id: family.to_owned(),
        client_id: client.to_owned(),
        user_id: user.to_owned(),
        scope: "openid".to_owned(),
        resources: Vec::new(),
        auth_time: 100,
        amr: vec!["pwd".to_owned()],
        sid: None,
        access_jti: format!("jti-{family}"),
        access_expires_at: 700,
        created_at: 100,
        expires_at: 10_000,
    }
}

#[tokio::test]
async fn of_concurrent_redemptions_one_wins_and_the_others_see_its_family() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let user = fixtures::user(&db, "uc@example.com").await;
        let client = fixtures::client(&db, "rp").await;
        let db = Arc::new(db);
        let attempts: Vec<_> = (0..6)
            .map(|n| {
                let (db, user, client) = (db.clone(), user.clone(), client.clone());
                tokio::spawn(async move {
                    let family = format!("fam-{n}");
                    let token = first_token(&user, &client, &family);
                    redeem(&db, used("code-digest", &family), Some(token)).await
                })
            })
            .collect();
        let mut winners = Vec::new();
        let mut seen = Vec::new();
        for attempt in attempts {
            match attempt.await.unwrap().unwrap() {
                Redemption::Won => winners.push(()),
                Redemption::AlreadyUsed(row) => seen.push(row.family_id.unwrap()),
            }
        }
        assert_eq!(winners.len(), 1, "{:?}", db.backend());
        let row = find(&db, "code-digest").await.unwrap().unwrap();
        let family = row.family_id.unwrap();
        assert!(seen.iter().all(|f| *f == family), "{seen:?} vs {family}");
        // The winner's refresh token is stored; the losers' are not.
        assert!(
            find_by_digest(&db, &format!("rt-{family}"))
                .await
                .unwrap()
                .is_some()
        );
        for n in 0..6 {
            let other = format!("fam-{n}");
            if other != family {
                assert!(
                    find_by_digest(&db, &format!("rt-{other}"))
                        .await
                        .unwrap()
                        .is_none()
                );
            }
        }
        assert_eq!(delete_expired(&db, 759).await.unwrap(), 0);
        assert_eq!(delete_expired(&db, 760).await.unwrap(), 1);
        assert!(find(&db, "code-digest").await.unwrap().is_none());
    }
}
