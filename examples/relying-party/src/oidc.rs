//! The OpenID Connect side of the app: a client built from the provider's discovery document
//! and the steps of the authorization code flow (authorize URL with PKCE, code exchange and
//! ID token verification, userinfo, refresh, RP-initiated logout URL).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRequestTokenError, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessToken, AccessTokenHash, AdditionalClaims, AuthorizationCode, ClaimsVerificationError,
    Client, ClientSecret, ConfigurationError, CsrfToken, DiscoveryError, EmptyExtraTokenFields,
    EndSessionUrl, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdToken, IdTokenVerifier,
    IssuerUrl, JsonWebKey, LogoutRequest, Nonce, NonceVerifier, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RefreshToken, Scope, SignatureVerificationError, SigningError, StandardErrorResponse,
    StandardTokenResponse, SubjectIdentifier, TokenResponse, UserInfoClaims, UserInfoError,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::config::Config;
use crate::http_client::{HttpClient, HttpClientError};

/// Scopes asked for besides `openid` (which the client always adds).
/// `offline_access` asks for a refresh token.
const EXTRA_SCOPES: [&str; 3] = ["profile", "email", "offline_access"];

/// A login must come back from the provider within this time.
pub const LOGIN_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// Claims the standard types do not know (e.g. a provider's own), kept so the app can show
/// every claim it received. Used as `openidconnect`'s "additional claims" type.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    pub claims: BTreeMap<String, Value>,
}

impl AdditionalClaims for OtherClaims {}

// `CoreClient` and friends fix the additional claims to "none", so the types are spelled out
// here with `OtherClaims`; everything else is the `Core*` default.
type IdTokenFields = openidconnect::IdTokenFields<
    OtherClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResponseWithOtherClaims = StandardTokenResponse<IdTokenFields, CoreTokenType>;

/// An ID token whose claims may include [`OtherClaims`].
pub type RpIdToken = IdToken<
    OtherClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// The client as `from_provider_metadata` builds it: authorization endpoint set, token and
/// userinfo endpoints set only if the discovery document lists them.
type RpClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponseWithOtherClaims,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Claims by name, as received (sorted for display).
pub type ClaimSet = BTreeMap<String, Value>;

/// What `/login` remembers until the provider redirects back to `/callback`.
/// (`Debug` of these `openidconnect` types prints no secrets.)
#[derive(Debug)]
pub struct PendingLogin {
    state: CsrfToken,
    nonce: Nonce,
    pkce_verifier: PkceCodeVerifier,
    started_at: Instant,
}

impl PendingLogin {
    /// The `state` sent with the authorization request; the callback must return it.
    pub fn state(&self) -> &CsrfToken {
        &self.state
    }

    pub fn is_expired(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.started_at) > LOGIN_TIMEOUT
    }
}

/// The signed-in user: verified ID token claims, userinfo and the tokens to go on with.
/// (The access token is used once, for userinfo; an app calling APIs would keep it too.)
#[derive(Debug, Clone)]
pub struct SignedInUser {
    pub subject: SubjectIdentifier,
    pub id_token: RpIdToken,
    pub id_token_claims: ClaimSet,
    /// `None` when the provider has no userinfo endpoint.
    pub userinfo_claims: Option<ClaimSet>,
    pub access_token_expires_at: Option<Instant>,
    pub refresh_token: Option<RefreshToken>,
    /// `None` when the provider granted exactly the scopes asked for.
    pub granted_scopes: Option<Vec<Scope>>,
}

/// Why a step of the flow failed.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("discovery failed: {0}")]
    Discovery(#[source] DiscoveryError<HttpClientError>),
    #[error("the provider's metadata lacks an endpoint: {0}")]
    Configuration(#[from] ConfigurationError),
    #[error("token request failed: {0}")]
    TokenRequest(#[source] CoreRequestTokenError<HttpClientError>),
    #[error("the token response holds no ID token")]
    NoIdToken,
    #[error("the ID token is not valid: {0}")]
    IdTokenClaims(#[from] ClaimsVerificationError),
    #[error("the ID token's signature cannot be checked: {0}")]
    IdTokenSignature(#[from] SignatureVerificationError),
    #[error("the access token hash cannot be computed: {0}")]
    AccessTokenHashing(#[from] SigningError),
    #[error("the access token does not match the ID token's at_hash")]
    AccessTokenMismatch,
    #[error("the refreshed ID token is about another user")]
    SubjectChanged,
    #[error("userinfo request failed: {0}")]
    UserInfo(#[source] UserInfoError<HttpClientError>),
    #[error("the provider issued no refresh token (was offline_access granted?)")]
    NoRefreshToken,
    #[error("claims could not be read: {0}")]
    Claims(#[from] serde_json::Error),
}

/// The provider as this app uses it, set up once at start from discovery.
pub struct Provider {
    issuer: IssuerUrl,
    client: RpClient,
    /// Kept for HS256-signed ID tokens, whose key it is.
    client_secret: Option<ClientSecret>,
    end_session_endpoint: Option<EndSessionUrl>,
    post_logout_redirect_uri: PostLogoutRedirectUrl,
    http: HttpClient,
}

impl Provider {
    /// Fetches the discovery document (and the JWKS it points to) from the configured issuer.
    pub async fn discover(config: &Config, http: HttpClient) -> Result<Self, OidcError> {
        let metadata = ProviderMetadataWithLogout::discover_async(config.issuer.clone(), &http)
            .await
            .map_err(OidcError::Discovery)?;
        Ok(Self::from_metadata(metadata, config, http))
    }

    /// Builds the client from discovery metadata already at hand.
    pub fn from_metadata(
        metadata: ProviderMetadataWithLogout,
        config: &Config,
        http: HttpClient,
    ) -> Self {
        // RP-Initiated Logout's endpoint is not core metadata: it arrives in the "additional"
        // part that `ProviderMetadataWithLogout` parses.
        let end_session_endpoint = metadata.additional_metadata().end_session_endpoint.clone();
        let issuer = metadata.issuer().clone();
        let client = RpClient::from_provider_metadata(
            metadata,
            config.client_id.clone(),
            config.client_secret.clone(),
        )
        .set_redirect_uri(config.redirect_uri.clone());
        Self {
            issuer,
            client,
            client_secret: config.client_secret.clone(),
            end_session_endpoint,
            post_logout_redirect_uri: config.post_logout_redirect_uri.clone(),
            http,
        }
    }

    /// The URL to send the browser to, and what to remember for the callback.
    pub fn start_login(&self, now: Instant) -> (Url, PendingLogin) {
        // PKCE protects the code even for confidential clients (RFC 9700), so always use it.
        let (pkce_challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = self
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scopes(EXTRA_SCOPES.map(|scope| Scope::new(scope.to_owned())))
            .set_pkce_challenge(pkce_challenge)
            .url();
        let pending = PendingLogin {
            state,
            nonce,
            pkce_verifier,
            started_at: now,
        };
        (url, pending)
    }

    /// Exchanges the authorization code, verifies the ID token and fetches userinfo.
    /// The caller has already checked `state`.
    pub async fn finish_login(
        &self,
        code: AuthorizationCode,
        pending: PendingLogin,
        now: Instant,
    ) -> Result<SignedInUser, OidcError> {
        let tokens = self
            .client
            .exchange_code(code)?
            .set_pkce_verifier(pending.pkce_verifier)
            .request_async(&self.http)
            .await
            .map_err(OidcError::TokenRequest)?;
        let id_token = tokens.id_token().ok_or(OidcError::NoIdToken)?.clone();
        let (subject, id_token_claims) =
            self.verify_id_token(&id_token, tokens.access_token(), &pending.nonce)?;
        self.signed_in_user(tokens, subject, id_token, id_token_claims, None, now)
            .await
    }

    /// Uses the refresh token for new tokens (and fresh userinfo).
    pub async fn refresh(
        &self,
        user: &SignedInUser,
        now: Instant,
    ) -> Result<SignedInUser, OidcError> {
        let refresh_token = user
            .refresh_token
            .as_ref()
            .ok_or(OidcError::NoRefreshToken)?;
        let tokens = self
            .client
            .exchange_refresh_token(refresh_token)?
            .request_async(&self.http)
            .await
            .map_err(OidcError::TokenRequest)?;

        // A refresh response may omit the ID token (OIDC Core 12.2): the old one stays then.
        let (id_token, id_token_claims) = match tokens.id_token() {
            Some(new_id_token) => {
                // It answers no authorization request, so there is no new nonce to check;
                // what must hold is that it is about the same user.
                let no_nonce_check = |_: Option<&Nonce>| Ok(());
                let (subject, claims) =
                    self.verify_id_token(new_id_token, tokens.access_token(), no_nonce_check)?;
                if subject != user.subject {
                    return Err(OidcError::SubjectChanged);
                }
                (new_id_token.clone(), claims)
            }
            None => (user.id_token.clone(), user.id_token_claims.clone()),
        };
        // The provider may rotate the refresh token; without a new one the old one stays valid.
        let previous_refresh_token = user.refresh_token.clone();
        self.signed_in_user(
            tokens,
            user.subject.clone(),
            id_token,
            id_token_claims,
            previous_refresh_token,
            now,
        )
        .await
    }

    /// The provider's logout URL for this user and the `state` it will send back, or `None`
    /// when the provider does not support RP-initiated logout.
    pub fn logout_url(&self, user: &SignedInUser) -> Option<(Url, CsrfToken)> {
        let endpoint = self.end_session_endpoint.clone()?;
        let state = CsrfToken::new_random();
        let url = LogoutRequest::from(endpoint)
            .set_id_token_hint(&user.id_token)
            .set_client_id(self.client.client_id().clone())
            .set_post_logout_redirect_uri(self.post_logout_redirect_uri.clone())
            .set_state(state.clone())
            .http_get_url();
        Some((url, state))
    }

    /// The provider's issuer identifier, as its discovery document states it.
    pub fn issuer(&self) -> &IssuerUrl {
        &self.issuer
    }

    /// Checks signature, issuer, audience, expiry and nonce, then that the access token is
    /// the one the ID token was issued with. Synchronous on purpose: the verifier borrows
    /// the client and must not live across an `.await`.
    fn verify_id_token(
        &self,
        id_token: &RpIdToken,
        access_token: &AccessToken,
        nonce: impl NonceVerifier,
    ) -> Result<(SubjectIdentifier, ClaimSet), OidcError> {
        let verifier = self.client.id_token_verifier();
        let claims = id_token.claims(&verifier, nonce)?;
        if let Some(expected_hash) = claims.access_token_hash() {
            let actual_hash = AccessTokenHash::from_token(
                access_token,
                id_token.signing_alg()?,
                &self.signing_key(id_token, &verifier)?,
            )?;
            if actual_hash != *expected_hash {
                return Err(OidcError::AccessTokenMismatch);
            }
        }
        Ok((claims.subject().clone(), claim_set(claims)?))
    }

    /// The key the ID token was signed with: from the provider's JWKS, or for HS256/384/512
    /// the client secret (symmetric keys are never published in a JWKS).
    fn signing_key(
        &self,
        id_token: &RpIdToken,
        verifier: &IdTokenVerifier<'_, CoreJsonWebKey>,
    ) -> Result<CoreJsonWebKey, OidcError> {
        let alg = id_token.signing_alg()?;
        let symmetric = matches!(
            alg,
            CoreJwsSigningAlgorithm::HmacSha256
                | CoreJwsSigningAlgorithm::HmacSha384
                | CoreJwsSigningAlgorithm::HmacSha512
        );
        match &self.client_secret {
            Some(secret) if symmetric => Ok(CoreJsonWebKey::new_symmetric(
                secret.secret().as_bytes().to_vec(),
            )),
            Some(_) | None => Ok(id_token.signing_key(verifier)?.clone()),
        }
    }

    async fn signed_in_user(
        &self,
        tokens: TokenResponseWithOtherClaims,
        subject: SubjectIdentifier,
        id_token: RpIdToken,
        id_token_claims: ClaimSet,
        previous_refresh_token: Option<RefreshToken>,
        now: Instant,
    ) -> Result<SignedInUser, OidcError> {
        let userinfo_claims = self.userinfo(tokens.access_token(), &subject).await?;
        Ok(SignedInUser {
            subject,
            id_token,
            id_token_claims,
            userinfo_claims,
            access_token_expires_at: tokens.expires_in().map(|lifetime| now + lifetime),
            refresh_token: tokens.refresh_token().cloned().or(previous_refresh_token),
            granted_scopes: tokens.scopes().cloned(),
        })
    }

    /// Userinfo claims, `None` if the provider has no userinfo endpoint. Passing the subject
    /// makes the library reject a response about anyone else.
    async fn userinfo(
        &self,
        access_token: &AccessToken,
        subject: &SubjectIdentifier,
    ) -> Result<Option<ClaimSet>, OidcError> {
        let request = match self
            .client
            .user_info(access_token.clone(), Some(subject.clone()))
        {
            Ok(request) => request,
            Err(ConfigurationError::MissingUrl(_)) => return Ok(None),
            Err(other) => return Err(other.into()),
        };
        let claims: UserInfoClaims<OtherClaims, CoreGenderClaim> = request
            .request_async(&self.http)
            .await
            .map_err(OidcError::UserInfo)?;
        Ok(Some(claim_set(&claims)?))
    }
}

/// Any claims type as name → JSON value, the form the pages show.
fn claim_set(claims: &impl Serialize) -> Result<ClaimSet, serde_json::Error> {
    match serde_json::to_value(claims)? {
        Value::Object(map) => Ok(map.into_iter().collect()),
        // Claims types serialize as JSON objects; anything else is shown under one name.
        other => Ok(ClaimSet::from([("claims".to_owned(), other)])),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use openidconnect::IdTokenClaims;

    const METADATA: &str = r#"{
        "issuer": "http://127.0.0.1:8080",
        "authorization_endpoint": "http://127.0.0.1:8080/authorize",
        "token_endpoint": "http://127.0.0.1:8080/token",
        "userinfo_endpoint": "http://127.0.0.1:8080/userinfo",
        "end_session_endpoint": "http://127.0.0.1:8080/end_session",
        "jwks_uri": "http://127.0.0.1:8080/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"]
    }"#;

    fn provider() -> Provider {
        let metadata: ProviderMetadataWithLogout = serde_json::from_str(METADATA).unwrap();
        let config =
            Config::from_lookup(|name| (name == "RP_CLIENT_ID").then(|| "app".to_owned())).unwrap();
        Provider::from_metadata(metadata, &config, HttpClient::new().unwrap())
    }

    fn query(url: &Url) -> BTreeMap<String, String> {
        url.query_pairs().into_owned().collect()
    }

    #[test]
    fn authorize_url_carries_pkce_s256_nonce_and_state() {
        let (url, pending) = provider().start_login(Instant::now());
        let params = query(&url);

        assert_eq!(
            url.as_str().split('?').next(),
            Some("http://127.0.0.1:8080/authorize")
        );
        assert_eq!(params["response_type"], "code");
        assert_eq!(params["client_id"], "app");
        assert_eq!(params["redirect_uri"], "http://127.0.0.1:3000/callback");
        assert_eq!(params["code_challenge_method"], "S256");
        // S256 challenge: base64url of a SHA-256 digest, 43 characters.
        assert_eq!(params["code_challenge"].len(), 43);
        assert_eq!(params["state"], *pending.state().secret());
        assert_eq!(params["nonce"], *pending.nonce.secret());
        let scopes: Vec<&str> = params["scope"].split(' ').collect();
        for scope in ["openid", "profile", "email", "offline_access"] {
            assert!(scopes.contains(&scope), "missing scope {scope}");
        }
    }

    #[test]
    fn each_login_gets_fresh_state_nonce_and_verifier() {
        let provider = provider();
        let (first_url, first) = provider.start_login(Instant::now());
        let (second_url, second) = provider.start_login(Instant::now());
        assert_ne!(first.state().secret(), second.state().secret());
        assert_ne!(first.nonce.secret(), second.nonce.secret());
        assert_ne!(
            query(&first_url)["code_challenge"],
            query(&second_url)["code_challenge"]
        );
    }

    #[test]
    fn pending_login_expires_after_the_login_timeout() {
        let start = Instant::now();
        let (_, pending) = provider().start_login(start);
        assert!(!pending.is_expired(start + LOGIN_TIMEOUT));
        assert!(pending.is_expired(start + LOGIN_TIMEOUT + Duration::from_secs(1)));
    }

    #[test]
    fn end_session_endpoint_is_read_from_discovery() {
        let provider = provider();
        assert_eq!(
            provider
                .end_session_endpoint
                .as_ref()
                .map(|url| url.as_str()),
            Some("http://127.0.0.1:8080/end_session")
        );
        assert_eq!(provider.issuer().as_str(), "http://127.0.0.1:8080");
    }

    #[test]
    fn unknown_claims_are_kept_and_standard_ones_not_duplicated() {
        let claims: IdTokenClaims<OtherClaims, CoreGenderClaim> =
            serde_json::from_value(serde_json::json!({
                "iss": "http://127.0.0.1:8080",
                "aud": "app",
                "sub": "user-1",
                "exp": 2_000_000_000,
                "iat": 1_700_000_000,
                "email": "ada@example.com",
                "org": {"id": "acme", "role": "owner"}
            }))
            .unwrap();
        assert_eq!(
            claims.additional_claims().claims.keys().collect::<Vec<_>>(),
            ["org"]
        );

        let shown = claim_set(&claims).unwrap();
        assert_eq!(shown["sub"], "user-1");
        assert_eq!(shown["email"], "ada@example.com");
        assert_eq!(shown["org"]["role"], "owner");
    }
}
