//! `first()`: the row a query finds, without the `LIMIT ?` that sea-orm's `one()` adds.
//!
//! sea-query binds that limit as a parameter, and SQLite's planner peeks at a bound LIMIT, so
//! the statement expires each time it is bound again: every `one()` was parsed and planned
//! anew on every call (a tenth of a refresh grant's CPU in the profile, BENCHMARKS.md). Every
//! lookup by a unique key uses `first()`: it finds at most one row, and sqlx stops reading after
//! the first either way. Ordered queries ("the chain's latest entry") keep `one()`: there the
//! limit tells PostgreSQL's planner that one row is wanted.

use std::future::Future;

use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, Select, SelectModel, SelectTwo, SelectTwoModel, Selector,
    SelectorTrait,
};

pub(crate) trait First: Sized + Send {
    type Row: SelectorTrait + Send;

    fn into_selector(self) -> Selector<Self::Row>;

    fn first<C: ConnectionTrait>(
        self,
        conn: &C,
    ) -> impl Future<Output = Result<Option<<Self::Row as SelectorTrait>::Item>, DbErr>> + Send
    where
        <Self::Row as SelectorTrait>::Item: Send,
    {
        let statement = self
            .into_selector()
            .into_statement(conn.get_database_backend());
        async move {
            conn.query_one_raw(statement)
                .await?
                .map(Self::Row::from_raw_query_result)
                .transpose()
        }
    }
}

impl<E> First for Select<E>
where
    E: EntityTrait,
    E::Model: Send,
{
    type Row = SelectModel<E::Model>;

    fn into_selector(self) -> Selector<Self::Row> {
        self.into_model()
    }
}

impl<E, F> First for SelectTwo<E, F>
where
    E: EntityTrait,
    F: EntityTrait,
    E::Model: Send,
    F::Model: Send,
{
    type Row = SelectTwoModel<E::Model, F::Model>;

    fn into_selector(self) -> Selector<Self::Row> {
        self.into_model()
    }
}
