//! Resource indicators (RFC 8707): the APIs a client asks an access token for, which become
//! the token's `aud`. A resource is an absolute URI without a fragment (§2).

use crate::error::OAuthError;

/// Most resources one request may name; real clients name one or two.
pub const MAX_RESOURCES: usize = 10;
/// Longest resource URI accepted.
const MAX_RESOURCE_LEN: usize = 512;

/// Why a resource URI is not acceptable (in words for the client's developer or the operator).
pub fn check_resource(resource: &str) -> Result<(), &'static str> {
    if resource.len() > MAX_RESOURCE_LEN {
        return Err("is too long");
    }
    let Ok(url) = url::Url::parse(resource) else {
        return Err("is not an absolute URI");
    };
    if url.fragment().is_some() {
        return Err("must not have a fragment");
    }
    if url.cannot_be_a_base() {
        return Err("must be a hierarchical URI such as https://api.example.com");
    }
    Ok(())
}

/// Checks every `resource` parameter of a request: `invalid_target` for a malformed one or
/// too many. Duplicates collapse; order is kept.
pub fn parse_resources(values: Vec<String>) -> Result<Vec<String>, OAuthError> {
    if values.len() > MAX_RESOURCES {
        return Err(OAuthError::invalid_target("too many resource parameters"));
    }
    let mut resources: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        if let Err(why) = check_resource(&value) {
            return Err(OAuthError::invalid_target(format!("resource {why}")));
        }
        if !resources.contains(&value) {
            resources.push(value);
        }
    }
    Ok(resources)
}

/// The audiences of an access token (RFC 8707 §2.2). `granted`: the resources the grant
/// names (an authorization request's, kept by its refresh tokens); `registered`: the client's
/// audiences, what it may ask for when the grant names none; `requested`: the token request's.
/// Each requested resource must be within what may be asked for (`invalid_target`). Without a
/// request the token is for the whole grant; an empty answer means the client itself.
pub fn token_audiences(
    granted: &[String],
    registered: &[String],
    requested: &[String],
) -> Result<Vec<String>, OAuthError> {
    let askable = match granted.is_empty() {
        true => registered,
        false => granted,
    };
    if let Some(outside) = requested.iter().find(|r| !askable.contains(r)) {
        let whose = match granted.is_empty() {
            true => "an audience of this client",
            false => "one this grant was authorized for",
        };
        return Err(OAuthError::invalid_target(format!(
            "resource {outside} is not {whose}"
        )));
    }
    Ok(match requested.is_empty() {
        true => granted.to_vec(),
        false => requested.to_vec(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_token_is_for_the_request_within_the_grant_or_the_whole_grant() {
        let (a, b, c) = (
            "https://a.example",
            "https://b.example",
            "https://c.example",
        );
        let registered = list(&[a, b, c]);
        // The grant names resources: only those may be asked for.
        let granted = list(&[a, b]);
        assert_eq!(
            token_audiences(&granted, &registered, &[]).unwrap(),
            granted
        );
        assert_eq!(
            token_audiences(&granted, &registered, &list(&[b])).unwrap(),
            list(&[b])
        );
        let error = token_audiences(&granted, &registered, &list(&[c])).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidTarget);
        // The grant names none: any registered audience may be asked for; none asked, none given.
        assert_eq!(
            token_audiences(&[], &registered, &list(&[c])).unwrap(),
            list(&[c])
        );
        assert!(token_audiences(&[], &registered, &[]).unwrap().is_empty());
        let error = token_audiences(&[], &registered, &list(&["https://d.example"])).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidTarget);
        assert_eq!(
            token_audiences(&[], &[], &list(&[a])).unwrap_err().code,
            ErrorCode::InvalidTarget
        );
    }

    fn parse(values: &[&str]) -> Result<Vec<String>, OAuthError> {
        parse_resources(values.iter().map(|v| v.to_string()).collect())
    }

    #[test]
    fn absolute_uris_are_kept_in_order_without_duplicates() {
        assert_eq!(
            parse(&[
                "https://b.example",
                "https://a.example/api",
                "https://b.example"
            ])
            .unwrap(),
            vec!["https://b.example", "https://a.example/api"]
        );
        assert!(parse(&[]).unwrap().is_empty());
    }

    #[test]
    fn malformed_resources_are_invalid_target() {
        for bad in [
            "api.example.com",
            "/relative",
            "https://api.example.com/#frag",
            "urn:example:api",
            "mailto:a@example.com",
        ] {
            let error = parse(&[bad]).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidTarget, "{bad}");
        }
        let long = format!("https://api.example.com/{}", "a".repeat(600));
        assert_eq!(parse(&[&long]).unwrap_err().code, ErrorCode::InvalidTarget);
    }

    #[test]
    fn too_many_resources_are_refused() {
        let many: Vec<String> = (0..=MAX_RESOURCES)
            .map(|i| format!("https://api{i}.example.com"))
            .collect();
        assert_eq!(
            parse_resources(many).unwrap_err().code,
            ErrorCode::InvalidTarget
        );
    }
}
