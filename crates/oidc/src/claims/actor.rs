//! The `act` (actor) claim of RFC 8693 §4.1: who acts for the token's subject. A token issued
//! by delegation names the acting party; a nested `act` is the chain of earlier actors, newest
//! outermost. Support sessions name the staff member the same way.

use serde::{Deserialize, Serialize};

/// Deepest actor chain accepted in a presented token (a loop of exchanges cannot grow a token
/// without bound).
pub const MAX_ACTOR_DEPTH: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The acting party: a client's id for a service, a user's id for a person.
    pub sub: String,
    /// The client the actor's own token was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The actor before this one (RFC 8693 §4.1: prior actors are nested, not listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Box<Actor>>,
}

impl Actor {
    /// How many actors the chain names (this one included).
    pub fn depth(&self) -> usize {
        1 + self.act.as_ref().map_or(0, |earlier| earlier.depth())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nests_earlier_actors_and_counts_them() {
        let actor = Actor {
            sub: "svc-b".into(),
            client_id: Some("svc-b".into()),
            act: Some(Box::new(Actor {
                sub: "svc-a".into(),
                client_id: None,
                act: None,
            })),
        };
        assert_eq!(actor.depth(), 2);
        assert_eq!(
            serde_json::to_value(&actor).unwrap(),
            json!({"sub": "svc-b", "client_id": "svc-b", "act": {"sub": "svc-a"}})
        );
    }
}
