//! How wide text is in the embedded fonts, to right-align amounts and wrap long descriptions.

use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

/// DejaVu Sans: every glyph of English and Turkish (ç ğ ı İ ş ö ü) and of € and ₺.
pub(crate) const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold, for headings and totals.
pub(crate) const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// The advance widths of one font, per point of size.
pub(crate) struct Metrics {
    font: FontRef<'static>,
}

impl Metrics {
    /// The metrics of `data`, a font built into this crate.
    pub(crate) fn of(data: &'static [u8]) -> Option<Metrics> {
        FontRef::new(data).ok().map(|font| Metrics { font })
    }

    /// The width of `text` at `size` points (kerning aside, which moves amounts by a hair at most).
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let glyphs = self.font.glyph_metrics(Size::new(size), LocationRef::default());
        let charmap = self.font.charmap();
        text.chars().map(|c| charmap.map(c).and_then(|glyph| glyphs.advance_width(glyph)).unwrap_or(size * 0.6)).sum()
    }

    /// `text` broken into lines of at most `width` points at `size`: at spaces where it can, inside a
    /// word that is wider than a line by itself.
    pub(crate) fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if self.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for c in word.chars() {
                line.push(c);
                if self.width(&line, size) > width && line.chars().count() > 1 {
                    let last = line.pop().unwrap_or(c);
                    lines.push(std::mem::replace(&mut line, last.to_string()));
                }
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fonts_have_every_glyph_of_both_languages() {
        for data in [REGULAR, BOLD] {
            let font = FontRef::new(data).unwrap();
            for c in "çğıİşöüÇĞŞÖÜ€₺".chars() {
                assert!(font.charmap().map(c).is_some(), "no glyph for {c}");
            }
        }
    }

    #[test]
    fn text_wraps_at_spaces_and_inside_overlong_words() {
        let metrics = Metrics::of(REGULAR).unwrap();
        assert!(metrics.width("MMMM", 10.0) > metrics.width("iiii", 10.0));
        let lines = metrics.wrap("consulting services for the month of November", 9.0, 80.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|line| metrics.width(line, 9.0) <= 80.0), "{lines:?}");
        assert_eq!(lines.join(" "), "consulting services for the month of November");
        let word = "x".repeat(200);
        let lines = metrics.wrap(&word, 9.0, 80.0);
        assert!(lines.len() > 3 && lines.concat() == word, "{lines:?}");
        assert_eq!(metrics.wrap("", 9.0, 80.0), [""]);
    }
}
