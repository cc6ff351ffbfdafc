//! The checks of document details, made before anything is written.

use ledgerdesk_types::DocumentLanguage;

use super::*;

fn change() -> SupplierChange {
    SupplierChange {
        tenant: "ACME".into(),
        address: vec!["  Calle Mayor 1 ".into(), "".into(), "28013 Madrid".into()],
        vat_id: Some(" ESB12345678 ".into()),
        iban: Some("ES91 2100 0418 4502 0005 1332".into()),
        language: DocumentLanguage::Tr,
        logo: LogoChange::Keep,
        user: "ayse".into(),
    }
}

#[test]
fn addresses_drop_blank_lines_and_ibans_lose_their_spaces() {
    let checked = check_supplier(&change()).unwrap();
    assert_eq!(checked.address, "Calle Mayor 1\n28013 Madrid");
    assert_eq!(address_lines(&checked.address), ["Calle Mayor 1", "28013 Madrid"]);
    assert_eq!(checked.vat_id.as_deref(), Some("ESB12345678"));
    assert_eq!(checked.iban.as_deref(), Some("ES9121000418450200051332"));
    assert_eq!(checked.language, "tr");
}

#[test]
fn a_wrong_iban_vat_id_or_address_is_refused_by_field() {
    let field = |change: SupplierChange| match check_supplier(&change) {
        Err(Error::InvalidInput { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(field(SupplierChange { iban: Some("ES91 2100 0418 4502 0005 1333".into()), ..change() }), "iban");
    assert_eq!(field(SupplierChange { vat_id: Some("ES<script>".into()), ..change() }), "vat_id");
    assert_eq!(field(SupplierChange { address: vec!["line".into(); 6], ..change() }), "address");
    assert_eq!(field(SupplierChange { address: vec!["Mayor\u{202E}1".into()], ..change() }), "address");
}

#[test]
fn a_logo_must_be_a_whole_small_png() {
    let field = |png: Vec<u8>| match check_supplier(&SupplierChange { logo: LogoChange::Set(png), ..change() }) {
        Err(Error::InvalidInput { field, reason, .. }) => format!("{field}: {reason}"),
        other => panic!("{other:?}"),
    };
    assert!(field(b"GIF89a".to_vec()).starts_with("logo: is not a PNG"), "{}", field(b"GIF89a".to_vec()));
    let png = tiny_png(4, 4);
    let checked = check_supplier(&SupplierChange { logo: LogoChange::Set(png.clone()), ..change() }).unwrap();
    assert_eq!(checked.logo, Some(Some((png.clone(), sha256_hex(&png)))));
    assert!(field(png[..png.len() - 20].to_vec()).starts_with("logo: is a damaged PNG"));
    assert!(field(tiny_png(2_001, 1)).contains("2001×1 pixels"));
}

#[test]
fn hashes_are_lowercase_hex() {
    assert!(check_hash(&sha256_hex(b"x")).is_ok());
    assert!(check_hash(&sha256_hex(b"x").to_uppercase()).is_err());
    assert!(check_hash("abc").is_err());
}

/// A grey PNG of `width` × `height`.
pub(crate) fn tiny_png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&vec![128; (width * height) as usize]).unwrap();
    writer.finish().unwrap();
    bytes
}
