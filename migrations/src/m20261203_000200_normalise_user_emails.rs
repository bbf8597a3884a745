//! Rewrites stored addresses into their canonical form (`poort_allowlist::normalise_email`):
//! before, addresses were only trimmed and lower-cased, so a row may hold a Unicode domain
//! (`ann@bücher.example`), a decomposed accent or full-width letters, which lookups by the
//! canonical form would miss and beside which sign-up would create a second account.
//!
//! Only rows with non-ASCII characters can change (ASCII was already canonical). A row is left
//! as it is when its address is refused now (a look-alike: its owner still signs in by typing
//! it, or by username) or when its canonical form is another account's address (a duplicate
//! made before this change, for an operator to resolve). Data only: `down` keeps the rows.

use poort_allowlist::normalise_email;
use sea_orm_migration::prelude::*;

use crate::m20261122_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Rows read per query.
const PAGE: u64 = 1000;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rewrite_user_emails(manager.get_connection()).await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

/// The migration's work, callable on its own so the store's tests can run it on rows written
/// the old way.
pub async fn rewrite_user_emails(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let mut after = String::new();
    loop {
        let rows = conn
            .query_all(
                Query::select()
                    .columns([Users::Id, Users::Email])
                    .from(Users::Table)
                    .and_where(Expr::col(Users::Id).gt(after.as_str()))
                    .order_by(Users::Id, Order::Asc)
                    .limit(PAGE),
            )
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get::<String>("", "id")?;
        for row in rows {
            let email: String = row.try_get("", "email")?;
            if email.is_ascii() {
                continue;
            }
            let Ok(canonical) = normalise_email(&email) else {
                continue;
            };
            if canonical.as_str() == email || taken(conn, canonical.as_str()).await? {
                continue;
            }
            let id: String = row.try_get("", "id")?;
            conn.execute(
                Query::update()
                    .table(Users::Table)
                    .value(Users::Email, canonical.as_str())
                    .and_where(Expr::col(Users::Id).eq(id)),
            )
            .await?;
        }
    }
}

async fn taken(conn: &impl ConnectionTrait, email: &str) -> Result<bool, DbErr> {
    let row = conn
        .query_one(
            Query::select()
                .column(Users::Id)
                .from(Users::Table)
                .and_where(Expr::col(Users::Email).eq(email)),
        )
        .await?;
    Ok(row.is_some())
}
