//! A software WebAuthn authenticator for the end-to-end tests: P-256 keys (aws-lc-rs), "none"
//! attestation, CBOR by ciborium. It plays browser and authenticator at once: it takes the JSON
//! options Poort sends to `navigator.credentials.create/get` and returns the JSON that
//! `webauthn.js` would post back, so the server sees exactly the browser's wire format.
//!
//! Written for the tests because `webauthn-authenticator-rs`'s soft tokens (which build here
//! without OpenSSL) cannot make discoverable credentials and never return a user handle, so
//! they cannot log in without a password.

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ciborium::Value;
use serde_json::{Value as Json, json};

/// COSE algorithm id of ES256.
const ES256: i64 = -7;

/// Authenticator data flags (WebAuthn §6.1).
const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const BACKUP_ELIGIBLE: u8 = 0x08;
const BACKED_UP: u8 = 0x10;
const ATTESTED_DATA: u8 = 0x40;

struct Credential {
    id: Vec<u8>,
    rp_id: String,
    pkcs8: Vec<u8>,
    user_handle: Vec<u8>,
    counter: u32,
    discoverable: bool,
}

/// One authenticator with the credentials it made.
pub struct SoftAuthenticator {
    origin: String,
    credentials: Vec<Credential>,
    /// Can it verify the user (PIN, biometric)? Without it, a ceremony requiring
    /// verification fails, as with a security key without a PIN.
    pub user_verification: bool,
    /// Credentials may be synced (a passkey in a password manager): `swk` rather than `hwk`.
    pub backup_eligible: bool,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> anyhow::Result<Vec<u8>> {
    Ok(URL_SAFE_NO_PAD.decode(text.trim_end_matches('='))?)
}

fn str_at<'a>(json: &'a Json, pointer: &str) -> anyhow::Result<&'a str> {
    json.pointer(pointer)
        .and_then(Json::as_str)
        .ok_or_else(|| anyhow::anyhow!("options have no {pointer}"))
}

fn cbor(value: &Value) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out)?;
    Ok(out)
}

impl SoftAuthenticator {
    /// An authenticator in a browser showing pages of `origin` (e.g. `http://localhost:8080`).
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.trim_end_matches('/').to_owned(),
            credentials: Vec::new(),
            user_verification: true,
            backup_eligible: false,
        }
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        json!({
            "type": kind,
            "challenge": challenge,
            "origin": self.origin,
            "crossOrigin": false,
        })
        .to_string()
        .into_bytes()
    }

    fn flags(&self, verified: bool) -> u8 {
        let mut flags = USER_PRESENT;
        if verified {
            flags |= USER_VERIFIED;
        }
        if self.backup_eligible {
            flags |= BACKUP_ELIGIBLE | BACKED_UP;
        }
        flags
    }

    /// Answers `navigator.credentials.create(options)`; the JSON the page posts back.
    pub fn register(&mut self, options: &str) -> anyhow::Result<String> {
        let options: Json = serde_json::from_str(options)?;
        let challenge = str_at(&options, "/publicKey/challenge")?;
        let rp_id = str_at(&options, "/publicKey/rp/id")?.to_owned();
        let user_handle = unb64(str_at(&options, "/publicKey/user/id")?)?;
        let params = options
            .pointer("/publicKey/pubKeyCredParams")
            .and_then(Json::as_array)
            .ok_or_else(|| anyhow::anyhow!("no pubKeyCredParams"))?;
        anyhow::ensure!(
            params.iter().any(|p| p["alg"].as_i64() == Some(ES256)),
            "ES256 not offered"
        );
        let selection = options
            .pointer("/publicKey/authenticatorSelection")
            .cloned()
            .unwrap_or(Json::Null);
        let verify_required = selection["userVerification"] == "required";
        anyhow::ensure!(
            !verify_required || self.user_verification,
            "NotAllowedError: this authenticator cannot verify the user"
        );
        let discoverable =
            selection["residentKey"] == "required" || selection["requireResidentKey"] == true;
        if let Some(excluded) = options
            .pointer("/publicKey/excludeCredentials")
            .and_then(Json::as_array)
        {
            for c in excluded {
                let id = unb64(c["id"].as_str().unwrap_or_default())?;
                anyhow::ensure!(
                    !self.credentials.iter().any(|own| own.id == id),
                    "InvalidStateError: already registered"
                );
            }
        }

        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| anyhow::anyhow!("key generation failed"))?;
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref())
            .map_err(|_| anyhow::anyhow!("key parsing failed"))?;
        let point = key.public_key().as_ref();
        anyhow::ensure!(
            point.len() == 65 && point[0] == 4,
            "uncompressed P-256 point"
        );
        let mut id = vec![0u8; 32];
        rng.fill(&mut id)
            .map_err(|_| anyhow::anyhow!("no randomness"))?;

        let cose_key = cbor(&Value::Map(vec![
            (Value::Integer(1.into()), Value::Integer(2.into())),
            (Value::Integer(3.into()), Value::Integer(ES256.into())),
            (Value::Integer((-1).into()), Value::Integer(1.into())),
            (
                Value::Integer((-2).into()),
                Value::Bytes(point[1..33].to_vec()),
            ),
            (
                Value::Integer((-3).into()),
                Value::Bytes(point[33..65].to_vec()),
            ),
        ]))?;
        let verified = self.user_verification && selection["userVerification"] != "discouraged";
        let mut auth_data = digest(&SHA256, rp_id.as_bytes()).as_ref().to_vec();
        auth_data.push(self.flags(verified) | ATTESTED_DATA);
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]);
        auth_data.extend_from_slice(&u16::try_from(id.len())?.to_be_bytes());
        auth_data.extend_from_slice(&id);
        auth_data.extend_from_slice(&cose_key);
        let attestation = cbor(&Value::Map(vec![
            (Value::Text("fmt".into()), Value::Text("none".into())),
            (Value::Text("attStmt".into()), Value::Map(vec![])),
            (Value::Text("authData".into()), Value::Bytes(auth_data)),
        ]))?;
        let client_data = self.client_data("webauthn.create", challenge);

        let answer = json!({
            "id": b64(&id),
            "rawId": b64(&id),
            "type": "public-key",
            "response": {
                "attestationObject": b64(&attestation),
                "clientDataJSON": b64(&client_data),
                "transports": ["internal"],
            },
            "extensions": { "credProps": { "rk": discoverable } },
        });
        self.credentials.push(Credential {
            id,
            rp_id,
            pkcs8: pkcs8.as_ref().to_vec(),
            user_handle,
            counter: 0,
            discoverable,
        });
        Ok(answer.to_string())
    }

    /// Answers `navigator.credentials.get(options)`; the JSON the page posts back. With an
    /// empty allow list (passkey login) it uses a discoverable credential for the RP.
    pub fn authenticate(&mut self, options: &str) -> anyhow::Result<String> {
        let options: Json = serde_json::from_str(options)?;
        let challenge = str_at(&options, "/publicKey/challenge")?.to_owned();
        let rp_id = str_at(&options, "/publicKey/rpId")?.to_owned();
        let allowed: Vec<Vec<u8>> = options
            .pointer("/publicKey/allowCredentials")
            .and_then(Json::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|c| c["id"].as_str())
                    .filter_map(|id| unb64(id).ok())
                    .collect()
            })
            .unwrap_or_default();
        let verify = options["publicKey"]["userVerification"].as_str() != Some("discouraged");
        anyhow::ensure!(
            options["publicKey"]["userVerification"] != "required" || self.user_verification,
            "NotAllowedError: this authenticator cannot verify the user"
        );
        let verified = verify && self.user_verification;
        let flags = self.flags(verified);
        let client_data = self.client_data("webauthn.get", &challenge);
        let credential = self
            .credentials
            .iter_mut()
            .find(|c| {
                c.rp_id == rp_id
                    && match allowed.is_empty() {
                        true => c.discoverable,
                        false => allowed.contains(&c.id),
                    }
            })
            .ok_or_else(|| anyhow::anyhow!("NotAllowedError: no credential for {rp_id}"))?;
        credential.counter += 1;
        let mut auth_data = digest(&SHA256, rp_id.as_bytes()).as_ref().to_vec();
        auth_data.push(flags);
        auth_data.extend_from_slice(&credential.counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(digest(&SHA256, &client_data).as_ref());
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &credential.pkcs8)
            .map_err(|_| anyhow::anyhow!("key parsing failed"))?;
        let signature = key
            .sign(&SystemRandom::new(), &signed)
            .map_err(|_| anyhow::anyhow!("signing failed"))?;
        Ok(json!({
            "id": b64(&credential.id),
            "rawId": b64(&credential.id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(signature.as_ref()),
                "userHandle": b64(&credential.user_handle),
            },
            "extensions": {},
        })
        .to_string())
    }

    /// Forgets every credential's signature counter progress: a cloned authenticator.
    pub fn rewind_counters(&mut self) {
        for credential in &mut self.credentials {
            credential.counter = 0;
        }
    }
}
