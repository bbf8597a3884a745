//! Static assets of the theme, embedded in the binary so `poort` runs from any directory.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "poort.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../../../themes/default/static/poort.css"),
    },
    Asset {
        name: "webauthn.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../../themes/default/static/webauthn.js"),
    },
    Asset {
        name: "logo.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../../../themes/default/static/logo.svg"),
    },
];

pub async fn serve(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(asset) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(asset.content_type),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=86400"),
                ),
            ],
            asset.body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
