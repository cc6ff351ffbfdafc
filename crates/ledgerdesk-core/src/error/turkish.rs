//! The Turkish messages of [`Error`], one per variant, kept apart from the English ones (on the enum)
//! so that each file stays readable.

use ledgerdesk_types::Localized;

use super::Error;

/// The Turkish message of `error`.
pub(super) fn message(error: &Error) -> String {
    match error {
        Error::InvalidDatabaseUrl(url) => {
            format!("Geçersiz veritabanı adresi {url:?}: sqlite:YOL veya postgres://kullanıcı@sunucu/vt kullanın")
        }
        Error::BookNotFound(place) => format!(
            "{place} konumunda defter yok; hiçbir şey oluşturulmadı. Yolu denetleyin; yeni bir defterde numaralandırma \
             1'den yeniden başlar, bu yüzden yalnızca bilerek oluşturun (dosya: `ledgerdesk init` veya masaüstünde \
             Yeni defter; Postgres: `createdb`)"
        ),
        Error::BookAlreadyExists(place) => {
            format!("{place} konumunda zaten bir defter var; yenisini oluşturmak yerine onu açın")
        }
        Error::PaymentCurrencyMismatch { number, invoice, payment } => format!(
            "{number:?} faturası {invoice} cinsinden; ona {payment} cinsinden bir ödeme kaydedilemez"
        ),
        Error::PaymentExceedsBalance { number, amount, remaining, currency } => format!(
            "{amount} {currency} tutarındaki ödeme, {number:?} faturasında ödenecek kalan tutarı ({remaining} {currency}) aşıyor"
        ),
        Error::WebhookSourceNotFound { tenant, name } => {
            format!("{tenant:?} kiracısı için {name:?} webhook kaynağı bulunamadı")
        }
        Error::WebhookEndpointNotFound(id) => format!("{id} numaralı webhook uç noktası bulunamadı"),
        Error::WebhookEventNotFound(id) => format!("{id} numaralı gelen webhook olayı bulunamadı"),
        Error::DatabaseRule { code, detail } => format!("veritabanı bunu reddetti ({code}): {detail}"),
        Error::WebhookMessageNotFound(id) => format!("{id} numaralı giden webhook mesajı bulunamadı"),
        Error::Export(e) => e.message_tr(),
        Error::Credit(e) => e.message_tr(),
        Error::Identity(e) => e.message_tr(),
        Error::AuditChainBroken(link) => format!(
            "denetim kaydı {}. girişte bozuk: {} ({})",
            link.seq,
            match link.kind {
                ledgerdesk_types::ChainBreak::ContentChanged => "içerik değişmiş",
                ledgerdesk_types::ChainBreak::RowMissing => "giriş eksik",
                ledgerdesk_types::ChainBreak::RowInserted => "giriş sonradan eklenmiş",
            },
            link.detail
        ),
        Error::WebhookMessageInDelivery(id) => {
            format!("{id} numaralı giden webhook mesajı şu anda gönderiliyor; denemesi kaydedilince yeniden deneyin")
        }
        Error::WebhookEventNotReapplicable { id, status } => format!(
            "{id} numaralı gelen olayın durumu {status}: yalnızca başarısız bir olay yeniden uygulanabilir"
        ),
        Error::WebhookRefused(refusal) => format!("Webhook reddedildi: {}", refusal.reason()),
        Error::NotABook(detail) => format!("Bir Ledgerdesk defteri değil: {detail}"),
        Error::RecordImmutable(detail) => {
            format!("Bu kayıt yazıldığı gibi saklanır; değiştirilemez veya silinemez ({detail})")
        }
        Error::TlsVerificationFailed(detail) => format!(
            "Postgres bağlantısı güvenli hale getirilemedi: {detail}. sslmode ve sslrootcert ayarlarını (sunucu \
             sertifikasını imzalayan sertifika yetkilisini) denetleyin"
        ),
        Error::BookReadOnly(place) => {
            format!("{place} defteri burada salt okunur: okunabilir, ancak ona hiçbir şey yazılamaz")
        }
        Error::IssueDateInFuture { date, latest } => format!(
            "Düzenleme tarihi {date} ileride: bu kiracının bugün kabul ettiği en geç tarih {latest}"
        ),
        Error::IssueDateBeforeBooksOpen { date, books_open_from } => format!(
            "Düzenleme tarihi {date}, bu kiracının defterlerinin açıldığı {books_open_from} tarihinden önce; \
             bir yönetici defterleri daha erken açabilir"
        ),
        Error::BooksOpenMovesEarlierOnly { current, requested } => format!(
            "Defterler {current} tarihinde açılıyor; daha erken açılabilir, asla daha geç değil (istenen: {requested})"
        ),
        Error::SeriesRetired(series) => format!("{series:?} serisi kullanımdan kaldırıldı: artık numara vermiyor"),
        Error::SeriesWouldCollide { series, format, other, example, proposal } => {
            let other = match other.strip_prefix("series ") {
                Some(code) => format!("{code} serisi"),
                None => format!("kendi önceki şablonu {}", other.trim_start_matches("its own earlier template ")),
            };
            let proposal =
                proposal.as_ref().map(|p| format!(". Çakışamayacak bir şablon: {p:?}")).unwrap_or_default();
            format!(
                "{format:?} şablonlu {series:?} serisi {example:?} numarasını yazabilir; {other} da bunu yazabilir; \
                 numaralar kiracı içinde benzersiz olmalıdır{proposal}"
            )
        }
        Error::DiskFull { backend, detail } => format!(
            "{backend} veritabanının bulunduğu disk dolu; bu değişikliğin hiçbir parçası yazılmadı. Yer açıp yeniden deneyin ({detail})"
        ),
        Error::BookDamaged(detail) => format!(
            "bu defterin dosyası bozuk (SQLite: {detail}); ona hiçbir şey yazılmadı. Bir yedekten geri yükleyin ya da şununla denetleyin: sqlite3 DOSYA 'PRAGMA integrity_check'"
        ),
        Error::DatabaseUnavailable { backend, detail } => {
            format!("{backend} veritabanı açılamıyor: {detail}")
        }
        Error::MigrationChecksumMismatch { version, name } => format!(
            "{version} numaralı geçiş ({name}) bu veritabanına uygulanmış olandan farklı; veritabanı açılmadı"
        ),
        Error::SchemaTooNew { found, known } => format!(
            "Veritabanının şema sürümü {found}, bu programın bildiğinden ({known}) yeni; Ledgerdesk'i güncelleyin"
        ),
        Error::InvalidInput { field, reason_tr, .. } => format!("Geçersiz {field}: {reason_tr}"),
        Error::BatchRecordInvalid { line, reason_tr, .. } => format!("Satır {line}: {reason_tr}"),
        Error::Line(e) => e.message_tr(),
        Error::SeriesFormatInvalid { format, reason_tr, .. } => {
            format!("Geçersiz seri biçimi {format:?}: {reason_tr}")
        }
        Error::TenantNotFound(code) => format!("{code:?} kiracısı bulunamadı"),
        Error::SeriesNotFound { tenant, series } => {
            format!("{tenant:?} kiracısı için {series:?} serisi bulunamadı")
        }
        Error::CustomerNotFound { tenant, customer } => {
            format!("{tenant:?} kiracısı için {customer:?} müşterisi bulunamadı")
        }
        Error::AlreadyExistsDifferently { kind, code, fields } => {
            let kind = match *kind {
                "tenant" => "kiracı",
                "series" => "seri",
                "endpoint" => "uç nokta",
                "source" => "kaynak",
                _ => "müşteri",
            };
            format!("{code:?} kodlu {kind} farklı bir {} ile zaten mevcut", fields.join(", "))
        }
        Error::IssueDateOutOfOrder { series, issue_date, last_issue_date } => format!(
            "Düzenleme tarihi {issue_date}, {series:?} serisinde son düzenlenen faturanın tarihi olan {last_issue_date} tarihinden önce"
        ),
        Error::IssueDateAfterLaterNumber { series, issue_date, next_number, next_date } => format!(
            "Düzenleme tarihi {issue_date}, {series:?} serisinde daha sonraki {next_number} numarasının tarihi olan {next_date} tarihinden sonra"
        ),
        Error::ReservationNotFound(id) => format!("{id} numaralı rezervasyon bulunamadı"),
        Error::ReservationReleased(id) => {
            format!("{id} numaralı rezervasyon serbest bırakıldı; kullanılmayan numaraları iptal edildi")
        }
        Error::ReservedNumberUnavailable { reservation, seq } => {
            format!("{reservation} numaralı rezervasyonun {seq}. sırası boş değil")
        }
        Error::ReservationPeriodMismatch { reservation, period, issue_date } => format!(
            "Düzenleme tarihi {issue_date}, {reservation} numaralı rezervasyonun {period} döneminin dışında"
        ),
        Error::InvoiceNumberTaken { number, series, holder } if series == holder => format!(
            "{number:?} numarası {holder:?} serisinin kendisinde zaten var (şablonu aynı numarayı iki dönemde yazıyor); \
             hiçbir fatura düzenlenmedi"
        ),
        Error::InvoiceNumberTaken { number, holder, .. } => format!(
            "{number:?} numarası bu kiracının {holder:?} serisinde zaten var; her seriye kendi önekini veya {{SERIES}} \
             verin; hiçbir fatura düzenlenmedi"
        ),
        Error::InvoiceNotFound(number) => format!("{number:?} numaralı fatura bulunamadı"),
        Error::DocumentRender { number, detail } => {
            format!("{number} faturasının belgesi PDF olarak oluşturulamadı: {detail}")
        }
        Error::DocumentNotReproducible { number, recorded, rendered } => format!(
            "{number} faturasının belgesi ilk basımından farklı basılırdı (kayıtlı SHA-256 {recorded}, bu basım {rendered}); hiçbir şey kaydedilmedi — bildirin, bu sürüm onu yeniden üretemiyor"
        ),
        Error::NumberingContention { attempts } => format!(
            "Fatura numaralandırma meşgul: {attempts} denemeden sonra vazgeçildi; hiçbir fatura düzenlenmedi, tekrar deneyin"
        ),
        Error::Transient { backend, detail } => format!("{backend} meşgul: {detail}"),
        Error::DatabaseBusy { attempts } => {
            format!(
                "Veritabanı meşgul: {attempts} denemeden sonra vazgeçildi; hiçbir şey yazılmadı, tekrar deneyin"
            )
        }
        Error::InvoiceImmutable => {
            "Düzenlenmiş faturalar, satırları ve iptal edilmiş numaralar değiştirilemez veya silinemez".into()
        }
        Error::Storage { backend, detail } => format!("{backend} hatası: {detail}"),
        Error::IdempotencyKeyInvalid(reason) => format!("Geçersiz tekrar anahtarı: {}", key_reason_tr(reason)),
        Error::IdempotencyKeyInUse { locked_until } => format!(
            "Bu tekrar anahtarıyla gönderilen bir istek hâlâ sürüyor (kilidi {locked_until} tarihine kadar); biraz sonra tekrar deneyin"
        ),
        Error::IdempotencyKeyReused { command } => format!(
            "Bu tekrar anahtarı {command} için farklı bağımsız değişkenlerle zaten kullanıldı; yeni bir anahtar kullanın"
        ),
        Error::IdempotencyLeaseLost => "Kilit süresi dolduğu için bu tekrar anahtarını başka bir istek devraldı; hiçbir şey yazılmadı, yanıtını almak için tekrar deneyin".into(),
        Error::Replayed(body) => body.message_tr.clone(),
        Error::LicenseNotFound(id) => format!("{id} numaralı lisans bulunamadı"),
        Error::LicenseAlreadyActive { holder } => {
            format!("{holder:?} kullanıcısının zaten etkin bir lisansı var; önce iptal edin veya askıya alın")
        }
        Error::LicenseStateInvalid { license, status, action } => {
            let action = match *action {
                "extend" => "uzatılamaz",
                "suspend" => "askıya alınamaz",
                "resume" => "yeniden etkinleştirilemez",
                _ => "iptal edilemez",
            };
            format!("{license} numaralı lisans {action}: durumu {}", status.as_str())
        }
        Error::ExtensionShortens { license, current, requested } => format!(
            "{license} numaralı lisansın bitişi {current}; {requested} tarihine uzatma süreyi uzatmaz"
        ),
        Error::VersionConflict { license, expected, current } => format!(
            "{license} numaralı lisans siz yükledikten sonra değişti (sürüm {expected}, şimdi {}); yeniden yükleyip tekrar deneyin",
            current.version
        ),
    }
}

/// Turkish for the reasons of [`Error::IdempotencyKeyInvalid`].
fn key_reason_tr(reason: &str) -> &'static str {
    match reason {
        "it is empty" => "boş",
        "it is longer than 255 characters" => "255 karakterden uzun",
        _ => "yalnızca yazdırılabilir ASCII karakterler kullanılabilir",
    }
}
