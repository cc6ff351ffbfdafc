//! The laid-out pages written as PDF with krilla.

use std::sync::OnceLock;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use ledgerdesk_core::documents::FixedDocument;

use crate::layout::{Fonts, PAGE_HEIGHT, PAGE_WIDTH, Step, lay_out};
use crate::measure::{BOLD, Metrics, REGULAR};

/// The fonts, read once per process.
struct Embedded {
    regular: Font,
    bold: Font,
    metrics: Fonts,
}

fn embedded() -> Result<&'static Embedded, String> {
    static EMBEDDED: OnceLock<Option<Embedded>> = OnceLock::new();
    EMBEDDED
        .get_or_init(|| {
            Some(Embedded {
                regular: Font::new(REGULAR.into(), 0)?,
                bold: Font::new(BOLD.into(), 0)?,
                metrics: Fonts { regular: Metrics::of(REGULAR)?, bold: Metrics::of(BOLD)? },
            })
        })
        .as_ref()
        .ok_or_else(|| "the embedded fonts do not load".to_owned())
}

/// The PDF of `document`.
pub(crate) fn render(document: &FixedDocument) -> Result<Vec<u8>, String> {
    let fonts = embedded()?;
    let logo = match &document.logo {
        Some(png) => Some(Image::from_png(png.clone().into(), true).map_err(|e| format!("the logo: {e}"))?),
        None => None,
    };
    let pages = lay_out(document, logo.as_ref().map(Image::size), &fonts.metrics);
    let mut pdf = Document::new();
    let title = format!("{} {}", document.invoice.number, document.parties.supplier.name);
    // Title, language and creator only: no creation date, so the same document has the same bytes.
    pdf.set_metadata(
        Metadata::new()
            .title(title)
            .language(document.parties.language.as_str().to_owned())
            .creator("Ledgerdesk".to_owned()),
    );
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or("the page size is invalid")?;
    for steps in &pages {
        let mut page = pdf.start_page_with(settings.clone());
        let mut surface = page.surface();
        for step in steps {
            draw(&mut surface, step, fonts, logo.as_ref())?;
        }
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| format!("{e:?}"))
}

fn draw(surface: &mut Surface<'_>, step: &Step, fonts: &Embedded, logo: Option<&Image>) -> Result<(), String> {
    match step {
        Step::Text { x, y, size, bold, grey, text } => {
            let shade = if *grey { 96 } else { 0 };
            surface.set_fill(Some(Fill { paint: rgb::Color::new(shade, shade, shade).into(), ..Fill::default() }));
            let font = if *bold { &fonts.bold } else { &fonts.regular };
            surface.draw_text(Point::from_xy(*x, *y), font.clone(), *size, text, false, TextDirection::Auto);
        }
        Step::Rule { from, to, y, width } => {
            let mut path = PathBuilder::new();
            path.move_to(*from, *y);
            path.line_to(*to, *y);
            let path = path.finish().ok_or("a rule has no length")?;
            surface.set_fill(None);
            surface.set_stroke(Some(Stroke {
                paint: rgb::Color::new(160, 160, 160).into(),
                width: *width,
                ..Stroke::default()
            }));
            surface.draw_path(&path);
            surface.set_stroke(None);
        }
        Step::Logo { x, y, width, height } => {
            let (Some(image), Some(size)) = (logo, Size::from_wh(*width, *height)) else {
                return Ok(());
            };
            surface.push_transform(&Transform::from_translate(*x, *y));
            surface.draw_image(image.clone(), size);
            surface.pop();
        }
    }
    Ok(())
}
