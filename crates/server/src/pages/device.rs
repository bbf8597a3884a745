//! The device flow's pages (RFC 8628 §3.3): typing the user code, and the confirmation that
//! shows it again beside the client and the scopes. The answer is a notice page
//! (`pages::reset::NoticePage`).

use askama::Template;

use super::ScopeView;
use crate::i18n::Tr;

/// `/device`: the code the device shows, typed (or prefilled from `verification_uri_complete`).
#[derive(Template)]
#[template(path = "device.html")]
pub struct DevicePage {
    pub t: Tr,
    pub csrf: String,
    pub user_code: String,
    pub error: Option<String>,
}

/// `/device/confirm`: approve or deny, with the user code to compare (RFC 8628 §5.4).
#[derive(Template)]
#[template(path = "device_confirm.html")]
pub struct DeviceConfirmPage {
    pub t: Tr,
    pub csrf: String,
    pub tx: String,
    pub client_name: String,
    pub user_email: String,
    /// As the device shows it: `BCDF-GHJK`.
    pub user_code: String,
    pub scopes: Vec<ScopeView>,
}
