//! Token revocation (RFC 7009): a refresh token revokes its whole family (and the access tokens it
//! produced); an access token is deny-listed until it expires. Unknown tokens are not an error.

use poort_credentials::digest_secret;
use poort_oidc::claims::AccessTokenClaims;
use poort_oidc::jose::verify_jwt;
use poort_store::clients::Client;
use poort_store::refresh_tokens;

use super::FlowError;
use super::access_token;
use super::token::revoke_family;
use crate::state::AppState;

pub async fn revoke(state: &AppState, client: &Client, token: &str) -> Result<(), FlowError> {
    if token.is_empty() || token.len() > 16 * 1024 {
        return Ok(());
    }
    if token.matches('.').count() == 2 {
        let keys = state.keys.current();
        if let Ok(claims) = verify_jwt::<AccessTokenClaims>(&keys, token, access_token::TYP)
            && claims.client_id == client.id
        {
            access_token::revoke(state, &claims.jti, claims.exp).await?;
        }
        return Ok(());
    }
    if let Some(row) = refresh_tokens::find_by_digest(&state.db, &digest_secret(token)).await?
        && row.client_id == client.id
    {
        revoke_family(state, &row.family_id).await?;
    }
    Ok(())
}
