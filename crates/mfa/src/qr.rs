//! QR codes rendered on the server as inline SVG, so enrollment needs no external service and
//! no script.

use qrcode::QrCode;
use qrcode::render::svg;

/// Smallest side of the rendered image, in SVG user units (pixels when not scaled by CSS).
const MIN_SIDE: u32 = 200;

/// The text does not fit in any QR code (the limit is about 2,300 bytes at the error
/// correction level used here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the text is too long for a QR code")]
pub struct QrError;

/// Renders `text` (typically a provisioning URI) as a standalone `<svg>` element, black on
/// white with the standard quiet zone, ready to embed in an HTML page.
pub fn qr_svg(text: &str) -> Result<String, QrError> {
    let code = QrCode::new(text.as_bytes()).map_err(|_| QrError)?;
    let document = code
        .render::<svg::Color<'_>>()
        .min_dimensions(MIN_SIDE, MIN_SIDE)
        .build();
    // Drop the `<?xml ...?>` prolog: it is not allowed where the SVG is embedded in HTML.
    let element = match document.find("<svg") {
        Some(start) => document[start..].to_owned(),
        None => document,
    };
    Ok(element)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Reads the `width` attribute and the dark rectangles (`M{x} {y}h{w}v{h}H{x}V{y}`) of the
    /// SVG back into a bitmap and decodes it, as a phone camera would.
    fn decode_svg(svg: &str) -> String {
        let number_after = |key: &str| -> usize {
            let start = svg.find(key).unwrap() + key.len();
            let end = start + svg[start..].find('"').unwrap();
            svg[start..end].parse().unwrap()
        };
        let side = number_after("width=\"");
        assert_eq!(side, number_after("height=\""));

        let path_start = svg.find(" d=\"").unwrap() + 4;
        let path_end = path_start + svg[path_start..].find('"').unwrap();
        let mut dark = vec![false; side * side];
        for rect in svg[path_start..path_end]
            .split('M')
            .filter(|r| !r.is_empty())
        {
            let numbers: Vec<usize> = rect
                .split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .map(|n| n.parse().unwrap())
                .collect();
            let [left, top, width, height, ..] = numbers[..] else {
                unreachable!("malformed rectangle {rect:?}");
            };
            for y in top..top + height {
                for x in left..left + width {
                    dark[y * side + x] = true;
                }
            }
        }

        let mut image =
            rqrr::PreparedImage::prepare_from_bitmap(side, side, |x, y| dark[y * side + x]);
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        grids[0].decode().unwrap().1
    }

    #[test]
    fn svg_is_an_embeddable_element() {
        let svg = qr_svg("otpauth://totp/Poort:alice?secret=GEZDGNBV").unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.ends_with("</svg>"), "{svg}");
        assert!(!svg.contains("<?xml"));
    }

    #[test]
    fn svg_decodes_back_to_the_text() {
        let uri = "otpauth://totp/Poort:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
                   &issuer=Poort&algorithm=SHA1&digits=6&period=30";
        let svg = qr_svg(uri).unwrap();
        assert_eq!(decode_svg(&svg), uri);
    }

    #[test]
    fn svg_is_at_least_the_minimum_size() {
        let svg = qr_svg("x").unwrap();
        assert!(svg.contains("width=\""));
        let start = svg.find("width=\"").unwrap() + 7;
        let end = start + svg[start..].find('"').unwrap();
        assert!(svg[start..end].parse::<u32>().unwrap() >= MIN_SIDE);
    }

    #[test]
    fn text_too_long_is_an_error() {
        assert_eq!(qr_svg(&"a".repeat(8_000)), Err(QrError));
    }
}
