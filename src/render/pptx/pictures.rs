//! A picture's size (PNG and JPEG headers), to draw it in a box without stretching it.

use super::xml::Rect;

/// The width and height of a PNG or JPEG, from its header.
pub fn size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() >= 24 {
        let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
        let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
        return (w > 0 && h > 0).then_some((w, h));
    }
    if bytes.starts_with(&[0xff, 0xd8]) {
        // Segments up to a start of frame (SOF0..SOF15 but DHT, JPG, DAC), whose header holds
        // the height then the width.
        let mut at = 2;
        while at + 9 < bytes.len() {
            if bytes[at] != 0xff {
                return None;
            }
            let marker = bytes[at + 1];
            let len = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
            if (0xc0..=0xcf).contains(&marker) && !matches!(marker, 0xc4 | 0xc8 | 0xcc) {
                let h = u16::from_be_bytes([bytes[at + 5], bytes[at + 6]]) as u32;
                let w = u16::from_be_bytes([bytes[at + 7], bytes[at + 8]]) as u32;
                return (w > 0 && h > 0).then_some((w, h));
            }
            at += 2 + len;
        }
    }
    None
}

/// The largest box of the picture's proportions inside `area`, centred.
pub fn fit(bytes: &[u8], area: Rect) -> Option<Rect> {
    let (w, h) = size(bytes)?;
    let Rect(x, y, aw, ah) = area;
    let scale = (aw as f64 / w as f64).min(ah as f64 / h as f64);
    let (fw, fh) = ((w as f64 * scale) as i64, (h as f64 * scale) as i64);
    Some(Rect(x + (aw - fw) / 2, y + (ah - fh) / 2, fw, fh))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_keeps_its_proportions_in_a_box() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(200u32.to_be_bytes());
        png.extend(100u32.to_be_bytes());
        assert_eq!(size(&png), Some((200, 100)));
        let Rect(x, y, w, h) = fit(&png, Rect(0, 0, 1000, 1000)).unwrap();
        assert_eq!((x, y, w, h), (0, 250, 1000, 500));
        assert_eq!(size(b"GIF89a"), None);
    }
}
