//! `[branding]`: the installation's name, colour, logo, fonts, locale, PowerPoint template.

use serde::{Deserialize, Serialize};

/// `[branding]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BrandingConfig {
    /// Shown in the page header, the PDF title block and email subjects.
    pub name: String,
    /// Accent colour, `#rrggbb`.
    pub color: String,
    /// A PNG, JPEG or SVG file shown on the PDF cover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<std::path::PathBuf>,
    /// Folders of TTF/OTF/TTC fonts for PDF text the embedded DejaVu Sans lacks (Chinese,
    /// Japanese, Korean, Arabic, ...): indexed once at start, each file read when first used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub font_dirs: Vec<std::path::PathBuf>,
    /// Also search the system's font folders (`/usr/share/fonts`, `/usr/local/share/fonts`).
    #[serde(default)]
    pub system_fonts: bool,
    /// How numbers, money and dates are written on pages and in documents: `en-US`, `en-GB`,
    /// `de-DE` or `fr-FR` (separators, the currency and its place, the order of a date).
    pub locale: String,
    /// A PowerPoint file (.pptx or .potx) whose slide master and layouts the decks use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pptx_template: Option<std::path::PathBuf>,
}

impl Default for BrandingConfig {
    fn default() -> Self {
        BrandingConfig {
            name: "Quire".into(),
            color: "#1f5fa8".into(),
            logo: None,
            font_dirs: Vec::new(),
            system_fonts: false,
            locale: "en-US".into(),
            pptx_template: None,
        }
    }
}

/// Largest logo file.
pub const MAX_LOGO_BYTES: u64 = 1 << 20;

impl BrandingConfig {
    /// The locale `locale` names (checked at start: an unknown one stops it).
    pub fn locale(&self) -> crate::model::report::Locale {
        crate::model::report::Locale::parse(&self.locale).unwrap_or_default()
    }

    /// The logo's bytes and its kind (`png`, `jpg` or `svg`), checked.
    pub fn read_logo(&self) -> Result<Option<(Vec<u8>, &'static str)>, String> {
        let Some(path) = &self.logo else {
            return Ok(None);
        };
        let shown = path.display();
        let size = std::fs::metadata(path)
            .map_err(|e| format!("`{shown}`: {e}"))?
            .len();
        if size > MAX_LOGO_BYTES {
            return Err(format!(
                "`{shown}` is {size} bytes; a logo may be at most {MAX_LOGO_BYTES}"
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("`{shown}`: {e}"))?;
        let kind = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "png"
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            "jpg"
        } else if std::str::from_utf8(&bytes[..bytes.len().min(1024)])
            .is_ok_and(|head| head.contains("<svg"))
        {
            "svg"
        } else {
            return Err(format!("`{shown}` is not a PNG, JPEG or SVG image"));
        };
        Ok(Some((bytes, kind)))
    }
}

impl BrandingConfig {
    /// Checks what serde cannot; the error is (key, message).
    pub fn check(&self) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        if !is_hex_colour(&self.color) {
            return err("branding.color", format!("`{}` is not #rrggbb", self.color));
        }
        if crate::model::report::Locale::parse(&self.locale).is_none() {
            return err(
                "branding.locale",
                format!(
                    "`{}` is not a locale Quire knows ({})",
                    crate::model::text::truncate(&self.locale, 40),
                    crate::model::report::Locale::ALL
                        .map(|l| l.tag())
                        .join(", ")
                ),
            );
        }
        for (i, dir) in self.font_dirs.iter().enumerate() {
            if !dir.is_dir() {
                return err(
                    &format!("branding.font_dirs[{i}]"),
                    format!("`{}` is not a folder", dir.display()),
                );
            }
        }
        if let Err(m) = self.read_logo() {
            return err("branding.logo", m);
        }
        if let Some(t) = &self.pptx_template {
            let head = std::fs::File::open(t).and_then(|f| {
                use std::io::Read;
                let size = f.metadata()?.len();
                let mut magic = [0u8; 4];
                f.take(4).read_exact(&mut magic)?;
                Ok((size, magic))
            });
            match head {
                Err(e) => return err("branding.pptx_template", format!("`{}`: {e}", t.display())),
                Ok((size, _)) if size > 20 << 20 => {
                    return err(
                        "branding.pptx_template",
                        format!("`{}` is larger than 20 MB", t.display()),
                    )
                }
                Ok((_, magic)) if &magic != b"PK\x03\x04" => {
                    return err(
                        "branding.pptx_template",
                        format!("`{}` is not a .pptx or .potx file", t.display()),
                    )
                }
                Ok(_) => {}
            }
        }
        Ok(())
    }
}

fn is_hex_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}
