//! Group commit of refresh-token rotations. Every refresh grant marks its token used and stores
//! the successor, a write transaction of its own; on SQLite those transactions run one at a
//! time, and each pays a BEGIN, a COMMIT (WAL frames for every index page it touched) and the
//! round trips to the connection's thread. The queue's one writer task takes every rotation
//! waiting when it is free and commits them together (`refresh_tokens::rotate_many`): alone a
//! rotation costs what it did, under load N rotations share one transaction. Each still gets
//! its own answer, and one token rotated twice still has exactly one winner.

use tokio::sync::{mpsc, oneshot};

use crate::db::Db;
use crate::error::StoreError;
use crate::refresh_tokens::{self, NewRefreshToken, Rotation};

/// Rotations committed together at most (15 columns each: far below SQLite's variable limit,
/// and few enough distinct statement shapes for the writer's statement cache).
const MAX_BATCH: usize = 32;
/// Rotations waiting at most before callers wait to enqueue theirs.
const QUEUE_DEPTH: usize = 1024;

struct Pending {
    rotation: Rotation,
    now: i64,
    answer: oneshot::Sender<Result<bool, StoreError>>,
}

/// The rotations of this process, committed in groups. Cheap to share behind an `Arc`.
pub struct RotationQueue {
    pending: mpsc::Sender<Pending>,
}

impl RotationQueue {
    /// Starts the writer task on the current tokio runtime; it ends with the queue.
    pub fn spawn(db: Db) -> Self {
        let (pending, waiting) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(write_batches(db, waiting));
        Self { pending }
    }

    /// Marks `old_id` used (if neither used nor revoked) and stores `successor`, both or
    /// neither. False if the token was already used or revoked, e.g. by a concurrent rotation.
    pub async fn rotate(
        &self,
        old_id: &str,
        successor: NewRefreshToken,
        now: i64,
    ) -> Result<bool, StoreError> {
        let (answer, answered) = oneshot::channel();
        let rotation = Rotation {
            old_id: old_id.to_owned(),
            successor,
        };
        self.pending
            .send(Pending {
                rotation,
                now,
                answer,
            })
            .await
            .map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

/// Who waits for a rotation of the group being written.
struct Caller {
    now: i64,
    answer: oneshot::Sender<Result<bool, StoreError>>,
}

async fn write_batches(db: Db, mut waiting: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // A caller that gave up (its request was dropped) keeps its token: it is not rotated.
        let (rotations, callers): (Vec<Rotation>, Vec<Caller>) = batch
            .drain(..)
            .filter(|pending| !pending.answer.is_closed())
            .map(|p| {
                (
                    p.rotation,
                    Caller {
                        now: p.now,
                        answer: p.answer,
                    },
                )
            })
            .unzip();
        // The group's `used_at`: the latest of its callers' clocks (they differ by the time
        // the group waited, milliseconds).
        let now = callers.iter().map(|c| c.now).max().unwrap_or_default();
        match refresh_tokens::rotate_many(&db, &rotations, now).await {
            Ok(won) => {
                for (caller, won) in callers.into_iter().zip(won) {
                    let _ = caller.answer.send(Ok(won));
                }
            }
            Err(error) => {
                tracing::warn!(%error, rotations = rotations.len(), "a group of refresh-token rotations failed");
                if let Some(outage) = one_by_one(&db, &rotations, callers).await {
                    fail_waiting(&mut waiting, &outage);
                }
            }
        }
    }
}

/// After a group failed (on PostgreSQL e.g. a deadlock with another node's group), each of its
/// rotations gets a transaction of its own, so one bad row fails only its caller. The first of
/// those to fail with a database error means the database itself is failing: the rest get that
/// error at once (returned, for the callers still waiting) instead of each waiting out the
/// pool's acquire timeout in turn.
async fn one_by_one(db: &Db, rotations: &[Rotation], callers: Vec<Caller>) -> Option<StoreError> {
    let mut outage = None;
    for (rotation, caller) in rotations.iter().zip(callers) {
        let answer = match &outage {
            Some(error) => Err(same_error(error)),
            None => {
                let alone = std::slice::from_ref(rotation);
                match refresh_tokens::rotate_many(db, alone, caller.now).await {
                    Ok(won) => Ok(won == [true]),
                    // A unique key taken is this rotation's own fault, not the database's.
                    Err(error @ StoreError::Db(_)) => {
                        let answer = Err(same_error(&error));
                        outage = Some(error);
                        answer
                    }
                    Err(error) => Err(error),
                }
            }
        };
        let _ = caller.answer.send(answer);
    }
    outage
}

/// Answers every rotation already waiting with `error`.
fn fail_waiting(waiting: &mut mpsc::Receiver<Pending>, error: &StoreError) {
    while let Ok(pending) = waiting.try_recv() {
        let _ = pending.answer.send(Err(same_error(error)));
    }
}

/// The group's error for each of its callers (`StoreError` holds a `DbErr`, which is not
/// `Clone`): the kind is kept where callers tell kinds apart, the message otherwise.
fn same_error(error: &StoreError) -> StoreError {
    match error {
        StoreError::Conflict => StoreError::Conflict,
        StoreError::NotFound => StoreError::NotFound,
        other => StoreError::Db(sea_orm::DbErr::Custom(other.to_string())),
    }
}

fn stopped() -> StoreError {
    StoreError::Db(sea_orm::DbErr::Custom(
        "the refresh-token rotation writer has stopped".into(),
    ))
}
