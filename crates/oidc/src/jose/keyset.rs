//! The provider's keys: every published key (active and retired, so tokens signed before a
//! rotation still verify), the active signer per algorithm, and the JWKS document.

use serde::Serialize;

use super::alg::SigningAlg;
use super::error::JoseError;
use super::jwk::Jwk;
use super::key::SigningKey;

#[derive(Debug)]
pub struct KeySet {
    keys: Vec<SigningKey>,
    /// Index into `keys` of the active key of each algorithm, in `SigningAlg::ALL` order.
    signers: [Option<usize>; 3],
    jwks_json: String,
}

#[derive(Serialize)]
struct JwksDocument<'a> {
    keys: Vec<&'a Jwk>,
}

impl KeySet {
    /// `active` names the keys that sign (at most one per algorithm); the others only verify.
    pub fn new(keys: Vec<SigningKey>, active: &[String]) -> Result<KeySet, JoseError> {
        for (index, key) in keys.iter().enumerate() {
            if keys[..index]
                .iter()
                .any(|earlier| earlier.kid() == key.kid())
            {
                return Err(JoseError::DuplicateKid(key.kid().to_owned()));
            }
        }
        let mut signers = [None; 3];
        for kid in active {
            let index = keys
                .iter()
                .position(|key| key.kid() == kid)
                .ok_or_else(|| JoseError::UnknownActiveKid(kid.clone()))?;
            let alg = keys[index].alg();
            let slot = &mut signers[alg_slot(alg)];
            if slot.is_some_and(|existing| existing != index) {
                return Err(JoseError::SeveralActiveKeys(alg));
            }
            *slot = Some(index);
        }
        let jwks: Vec<Jwk> = keys.iter().map(SigningKey::public_jwk).collect();
        let jwks_json = serde_json::to_string(&JwksDocument {
            keys: jwks.iter().collect(),
        })
        .map_err(|error| JoseError::Serialize(error.to_string()))?;
        Ok(KeySet {
            keys,
            signers,
            jwks_json,
        })
    }

    /// The active key of `alg`, if there is one.
    pub fn signer(&self, alg: SigningAlg) -> Option<&SigningKey> {
        self.signers[alg_slot(alg)].and_then(|index| self.keys.get(index))
    }

    /// The algorithms that have an active key, RS256 first.
    pub fn active_algs(&self) -> Vec<SigningAlg> {
        SigningAlg::ALL
            .into_iter()
            .filter(|alg| self.signer(*alg).is_some())
            .collect()
    }

    /// Any published key by id (for verification).
    pub fn find(&self, kid: &str) -> Option<&SigningKey> {
        self.keys.iter().find(|key| key.kid() == kid)
    }

    pub fn keys(&self) -> &[SigningKey] {
        &self.keys
    }

    /// `{"keys":[...]}` with every key's public JWK, serialised once in [`KeySet::new`].
    pub fn jwks_json(&self) -> &str {
        &self.jwks_json
    }
}

fn alg_slot(alg: SigningAlg) -> usize {
    match alg {
        SigningAlg::RS256 => 0,
        SigningAlg::ES256 => 1,
        SigningAlg::EdDSA => 2,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn generate(alg: SigningAlg) -> (SigningKey, Vec<u8>) {
        SigningKey::generate(alg).unwrap()
    }

    #[test]
    fn active_keys_sign_and_every_key_is_published() {
        let (old_ec, _) = generate(SigningAlg::ES256);
        let (new_ec, _) = generate(SigningAlg::ES256);
        let (ed, _) = generate(SigningAlg::EdDSA);
        let (old_kid, new_kid, ed_kid) = (
            old_ec.kid().to_owned(),
            new_ec.kid().to_owned(),
            ed.kid().to_owned(),
        );
        let set =
            KeySet::new(vec![old_ec, new_ec, ed], &[new_kid.clone(), ed_kid.clone()]).unwrap();

        assert_eq!(set.signer(SigningAlg::ES256).unwrap().kid(), new_kid);
        assert_eq!(set.signer(SigningAlg::EdDSA).unwrap().kid(), ed_kid);
        assert!(set.signer(SigningAlg::RS256).is_none());
        assert_eq!(
            set.active_algs(),
            vec![SigningAlg::ES256, SigningAlg::EdDSA]
        );
        assert_eq!(set.find(&old_kid).unwrap().kid(), old_kid);
        assert!(set.find("nope").is_none());
        assert_eq!(set.keys().len(), 3);

        let jwks: serde_json::Value = serde_json::from_str(set.jwks_json()).unwrap();
        let published = jwks["keys"].as_array().unwrap();
        assert_eq!(published.len(), 3);
        for key in published {
            let object = key.as_object().unwrap();
            for member in ["kty", "kid", "alg", "use"] {
                assert!(object.contains_key(member), "{member} missing in {key}");
            }
            assert_eq!(key["use"], "sig");
            assert!(!object.contains_key("d"), "private member published: {key}");
        }
        assert_eq!(published[0]["kid"], old_kid.as_str());
    }

    #[test]
    fn refuses_inconsistent_sets() {
        let (a, der) = generate(SigningAlg::EdDSA);
        let a_again = SigningKey::from_pkcs8(SigningAlg::EdDSA, &der).unwrap();
        let kid = a.kid().to_owned();
        assert_eq!(
            KeySet::new(vec![a, a_again], &[]).unwrap_err(),
            JoseError::DuplicateKid(kid)
        );

        let (b, _) = generate(SigningAlg::EdDSA);
        let (c, _) = generate(SigningAlg::EdDSA);
        let kids = vec![b.kid().to_owned(), c.kid().to_owned()];
        assert_eq!(
            KeySet::new(vec![b, c], &kids).unwrap_err(),
            JoseError::SeveralActiveKeys(SigningAlg::EdDSA)
        );

        let (d, _) = generate(SigningAlg::EdDSA);
        assert_eq!(
            KeySet::new(vec![d], &["missing".to_owned()]).unwrap_err(),
            JoseError::UnknownActiveKid("missing".into())
        );
    }

    #[test]
    fn an_empty_set_publishes_no_keys() {
        let set = KeySet::new(Vec::new(), &[]).unwrap();
        assert_eq!(set.jwks_json(), r#"{"keys":[]}"#);
        assert!(set.active_algs().is_empty());
    }
}
