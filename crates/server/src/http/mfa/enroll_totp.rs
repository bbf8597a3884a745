//! `/account/mfa/totp`: adding an authenticator app (QR code and key, then a code to confirm).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::super::error::PageError;
use super::super::locale::RequestLang;
use super::super::signed_in::SignedIn;
use super::super::{render, see_other};
use super::account::recovery_codes_page;
use super::{after_enrollment, tx_query};
use crate::flows::mfa::Enrolled;
use crate::flows::mfa::totp::{self, EnrollError};
use crate::i18n::Tr;
use crate::pages::mfa::TotpEnrollPage;
use crate::state::{AppState, SharedState};

#[derive(Deserialize)]
pub struct TxQuery {
    #[serde(default)]
    tx: String,
}

pub async fn show(
    State(state): State<SharedState>,
    signed: SignedIn,
    lang: RequestLang,
    Query(q): Query<TxQuery>,
) -> Result<Response, PageError> {
    let t = lang.tr(signed.user().locale.as_deref(), None);
    render_enrollment(&state, t, &signed, &q.tx, "", None, StatusCode::OK).await
}

async fn render_enrollment(
    state: &AppState,
    t: Tr,
    signed: &SignedIn,
    tx: &str,
    name: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let enrollment = totp::enrollment(state, &signed.live.cookie, signed.user()).await?;
    let page = TotpEnrollPage {
        t,
        csrf: signed.live.data.csrf.clone(),
        tx: tx.to_owned(),
        secret: group_by_four(&enrollment.secret_base32),
        qr_svg: enrollment.qr_svg,
        name: name.to_owned(),
        error: error.map(str::to_owned),
    };
    Ok(render(status, &page))
}

/// `GEZDGNBV…` as `GEZD GNBV …`, easier to type into an app.
fn group_by_four(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(4)
        .map(|chunk| chunk.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    csrf: Option<String>,
    #[serde(default)]
    tx: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: String,
}

pub async fn confirm(
    State(state): State<SharedState>,
    signed: SignedIn,
    lang: RequestLang,
    axum::Form(form): axum::Form<ConfirmForm>,
) -> Result<Response, PageError> {
    signed.check_csrf(form.csrf.as_deref())?;
    let outcome = totp::confirm_enrollment(
        &state,
        &signed.live.cookie,
        &signed.user().id,
        &form.name,
        &form.code,
    )
    .await?;
    let t = lang.tr(signed.user().locale.as_deref(), None);
    let (message, status) = match outcome {
        Ok(enrolled) => return Ok(enrolled_response(&state, t, &signed, enrolled, &form.tx)),
        // A new key is made on the next visit.
        Err(EnrollError::Expired) => {
            return Ok(see_other(&format!(
                "/account/mfa/totp{}",
                tx_query(&form.tx)
            )));
        }
        Err(EnrollError::WrongCode) => (t.get("mfa_totp.wrong_code"), StatusCode::BAD_REQUEST),
        Err(EnrollError::Throttled) => (t.get("mfa_totp.throttled"), StatusCode::TOO_MANY_REQUESTS),
        Err(EnrollError::BadName(why)) => (t.get(why), StatusCode::BAD_REQUEST),
    };
    render_enrollment(
        &state,
        t,
        &signed,
        &form.tx,
        &form.name,
        Some(message),
        status,
    )
    .await
}

/// After any enrollment: the recovery codes when they were just made, else onwards.
pub(super) fn enrolled_response(
    state: &AppState,
    t: Tr,
    signed: &SignedIn,
    enrolled: Enrolled,
    tx: &str,
) -> Response {
    tracing::info!(user_id = %signed.user().id, kind = %enrolled.factor.kind, "second factor enrolled");
    match enrolled.recovery_codes {
        Some(codes) => recovery_codes_page(state, t, signed, codes, &after_enrollment(tx)),
        None => see_other(&after_enrollment(tx)),
    }
}

#[cfg(test)]
mod tests {
    use super::group_by_four;

    #[test]
    fn keys_are_grouped_by_four() {
        assert_eq!(group_by_four("GEZDGNBVGY"), "GEZD GNBV GY");
        assert_eq!(group_by_four(""), "");
    }
}
