//! Token lifetimes as typed on the command line: a whole number and a unit, `90m`, `12h`,
//! `30d` or `52w`. Expiry is required, so there is no "never".

/// Seconds in `s`, or `None` if it is not `<digits><unit>` with unit `m`, `h`, `d` or `w`, the
/// number is zero, or the result does not fit.
pub fn parse_lifetime(s: &str) -> Option<i64> {
    let unit_at = s.len().checked_sub(1)?;
    let (number, unit) = s.split_at_checked(unit_at)?;
    let per_unit: i64 = match unit {
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    if number.is_empty() || number.len() > 9 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let count: i64 = number.parse().ok()?;
    if count == 0 {
        return None;
    }
    count.checked_mul(per_unit)
}

#[cfg(test)]
mod tests {
    use super::parse_lifetime;

    #[test]
    fn units() {
        assert_eq!(parse_lifetime("90m"), Some(5_400));
        assert_eq!(parse_lifetime("12h"), Some(43_200));
        assert_eq!(parse_lifetime("30d"), Some(2_592_000));
        assert_eq!(parse_lifetime("2w"), Some(1_209_600));
    }

    #[test]
    fn malformed_is_refused() {
        for bad in [
            "",
            "d",
            "30",
            "0d",
            "-1d",
            "+1d",
            "1.5d",
            "30D",
            "30 d",
            " 30d",
            "1y",
            "30dd",
            "9999999999d",
            "é",
            "1é",
        ] {
            assert_eq!(parse_lifetime(bad), None, "{bad:?}");
        }
    }
}
