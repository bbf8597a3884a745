//! A per-user limit on wrong second-factor answers (TOTP codes, recovery codes, WebAuthn
//! assertions) and wrong passwords when re-authenticating, counted in the ephemeral store so
//! every node sees the same count.
//!
//! Race-free as the password lockout (`flows::lockout`): an attempt reserves its place (atomic
//! `incr`) BEFORE its answer is checked, and an attempt numbered above `MAX_FAILURES` is
//! refused unchecked, so however many arrive at once at most `MAX_FAILURES` wrong answers are
//! checked per window. A refused attempt is refused the same whether its answer was right.
//!
//! The rule for right answers: a right answer gives back its own place and nothing else
//! (places given back are a second counter; an attempt's number is its place minus the places
//! given back, read after its place is taken). Failures are never wiped within a window, so a
//! success (the user's own, while someone guesses) cannot open it to more wrong answers: a
//! number counts every wrong answer placed before it, and a given-back place it subtracts is
//! that of a success that was admitted itself, counting the wrong answers placed before that
//! success. However successes interleave, at most `MAX_FAILURES` wrong answers of a window are
//! checked. A failed check, an error while checking, and a refused attempt keep their places.
//!
//! The window starts with its first attempt and lasts `WINDOW`; then counting starts again.
//! The failure that uses a window up also holds a durable lock (`durable_markers`,
//! `mfa_lock:<user>`) for `WINDOW`, so an emptied or restarted ephemeral store does not hand
//! out five more guesses.
//! Keys: `mfa_window:<user>` holds the current window's random id (TTL `WINDOW`);
//! `mfa_try:<user>:<window>:n` counts its places and `…:ok` the places given back (kept twice
//! as long, so a late attempt of an ended window still finds its counts).

use std::time::Duration;

use poort_store::ephemeral::EphemeralError;

use super::super::FlowError;
use super::super::durable_markers;
use crate::state::AppState;

/// Wrong answers checked per user and window; then every attempt is refused until it ends.
pub const MAX_FAILURES: u64 = 5;
/// A fixed window starting at its first attempt.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// An attempt that may be checked. Settle it with [`succeeded`] or [`failed`].
#[derive(Debug)]
#[must_use = "an attempt is settled with `succeeded` or `failed`"]
pub struct Attempt {
    user_id: String,
    window: String,
    /// Places taken minus places given back when it was admitted (1..=MAX_FAILURES).
    number: u64,
}

/// The durable lock held for `WINDOW` from the failure that used up a window.
fn lock_key(user_id: &str) -> String {
    format!("mfa_lock:{user_id}")
}

fn window_key(user_id: &str) -> String {
    format!("mfa_window:{user_id}")
}

fn count_key(user_id: &str, window: &str, part: &str) -> String {
    format!("mfa_try:{user_id}:{window}:{part}")
}

/// Reserves a place for one attempt; `None` when the user has used up the window (the answer
/// must then not be checked at all).
pub async fn reserve(state: &AppState, user_id: &str) -> Result<Option<Attempt>, FlowError> {
    // A used-up window is also a durable lock, so losing the ephemeral store (and with it the
    // counters) does not reopen it.
    if durable_markers::lock_held(state, &lock_key(user_id), state.now()).await? {
        return Ok(None);
    }
    let window = current_window(state, user_id).await?;
    let place = state
        .ephemeral
        .incr(&count_key(user_id, &window, "n"), WINDOW * 2)
        .await?;
    let Some(number) = admitted(state, user_id, &window, place).await? else {
        return Ok(None);
    };
    Ok(Some(Attempt {
        user_id: user_id.to_owned(),
        window,
        number,
    }))
}

/// The lock decision, in one place: the attempt holding `place` in `window` may be checked
/// when at most `MAX_FAILURES` places are taken up to it, not counting those given back.
/// Returns its number then.
async fn admitted(
    state: &AppState,
    user_id: &str,
    window: &str,
    place: u64,
) -> Result<Option<u64>, FlowError> {
    let given_back = read_count(state, &count_key(user_id, window, "ok")).await?;
    let number = place.saturating_sub(given_back);
    Ok((number <= MAX_FAILURES).then_some(number))
}

/// A right answer: its place is given back (the failures before it stay counted).
pub async fn succeeded(state: &AppState, attempt: Attempt) -> Result<(), FlowError> {
    let key = count_key(&attempt.user_id, &attempt.window, "ok");
    state.ephemeral.incr(&key, WINDOW * 2).await?;
    Ok(())
}

/// A wrong answer: its place stays taken.
pub async fn failed(state: &AppState, attempt: Attempt) -> Result<(), FlowError> {
    if attempt.number == MAX_FAILURES {
        let until = state.now() + WINDOW.as_secs() as i64;
        durable_markers::hold_lock(state, lock_key(&attempt.user_id), until).await?;
        tracing::warn!(
            user_id = attempt.user_id,
            "too many wrong second-factor attempts; throttled"
        );
    }
    Ok(())
}

/// The id of the user's current window, starting one when there is none.
async fn current_window(state: &AppState, user_id: &str) -> Result<String, FlowError> {
    let key = window_key(user_id);
    // A window that ends between the read and the write is replaced on the next round.
    for _ in 0..3 {
        if let Some(id) = state.ephemeral.get(&key).await? {
            return String::from_utf8(id).map_err(|e| FlowError::Corrupt(e.to_string()));
        }
        let fresh = poort_store::new_id();
        if state
            .ephemeral
            .put_if_absent(&key, fresh.clone().into_bytes(), WINDOW)
            .await?
        {
            return Ok(fresh);
        }
    }
    Err(FlowError::Ephemeral(EphemeralError::Unavailable(
        "the second-factor window could not be read".into(),
    )))
}

async fn read_count(state: &AppState, key: &str) -> Result<u64, FlowError> {
    Ok(state
        .ephemeral
        .get(key)
        .await?
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.parse().ok())
        .unwrap_or(0))
}
