//! The HTTP receiver: `POST /webhooks/{tenant}/{source}`, answered by the core's inbox.
//!
//! Everything a request carries is hostile until verified. The body is read up to the size limit and
//! no further (a larger one is refused with 413, and recorded, without being read whole); the raw bytes,
//! every header and the path go to [`WebhookInbox::receive_webhook`], which verifies the signature before
//! parsing anything. Accepted events (new, duplicate, failed effect or ignored type) are answered 200 so
//! the sender stops retrying; refusals get their own status (400, 401, 404, 413); a database that cannot
//! be reached gets 503, so the sender retries later.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::Utc;
use ledgerdesk_core::webhooks::inbound::{Delivery, Rejected, WebhookInbox};
use ledgerdesk_core::webhooks::signature::{DEFAULT_TOLERANCE, Refusal};
use ledgerdesk_core::{Error, Result};
use ledgerdesk_types::Localized;
use serde_json::json;

/// How the receiver treats requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverOptions {
    /// Largest body accepted, in bytes.
    pub max_body: usize,
    /// How far a `webhook-timestamp` may be from now, either way.
    pub tolerance: chrono::Duration,
}

impl Default for ReceiverOptions {
    /// 256 KiB; five minutes.
    fn default() -> Self {
        ReceiverOptions { max_body: 256 * 1024, tolerance: DEFAULT_TOLERANCE }
    }
}

struct Shared<S> {
    store: S,
    options: ReceiverOptions,
}

/// The receiver's routes over `store`.
pub fn router<S: WebhookInbox + 'static>(store: S, options: ReceiverOptions) -> Router {
    Router::new()
        .route("/webhooks/{tenant}/{source}", post(receive::<S>))
        .with_state(Arc::new(Shared { store, options }))
}

/// A receiver listening on an address (port 0 picks a free one).
pub struct Receiver {
    listener: tokio::net::TcpListener,
    router: Router,
}

impl Receiver {
    /// Binds `address`.
    pub async fn bind<S: WebhookInbox + 'static>(
        address: SocketAddr,
        store: S,
        options: ReceiverOptions,
    ) -> Result<Receiver> {
        let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| {
            Error::invalid("listen", format!("cannot listen on {address}: {e}"), format!("{address} dinlenemiyor: {e}"))
        })?;
        Ok(Receiver { listener, router: router(store, options) })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.listener
            .local_addr()
            .map_err(|e| Error::Storage { backend: "http", detail: format!("no local address: {e}") })
    }

    /// Serves until `stop` completes; requests under way finish first.
    pub async fn run(self, stop: impl std::future::Future<Output = ()> + Send + 'static) -> Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(stop)
            .await
            .map_err(|e| Error::Storage { backend: "http", detail: format!("the receiver stopped: {e}") })
    }
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

async fn receive<S: WebhookInbox>(
    State(shared): State<Arc<Shared<S>>>,
    Path((tenant, source)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let received_at = Utc::now();
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    let max = shared.options.max_body;
    // A body over the limit is never kept; it is read (up to a bound) only so the sender hears 413.
    let (body, size) = read_at_most(body, max).await;
    let delivery = Delivery {
        tenant,
        source,
        headers,
        body: body.clone().unwrap_or_default(),
        received_at,
        tolerance: shared.options.tolerance,
    };
    if body.is_none() {
        let mut rejected = Rejected::of(&delivery, Refusal::BodyTooLarge);
        (rejected.body_size, rejected.body) = (size, None);
        return match shared.store.record_rejection(rejected).await {
            Ok(()) => refused(Refusal::BodyTooLarge),
            Err(error) => failed(&error),
        };
    }
    match shared.store.receive_webhook(delivery).await {
        Ok(receipt) => answer(
            StatusCode::OK,
            json!({ "event": receipt.event, "status": receipt.status, "duplicate": receipt.duplicate }),
        ),
        Err(Error::WebhookRefused(refusal)) => refused(refusal),
        Err(error) => failed(&error),
    }
}

/// Beyond the limit, a body is read and thrown away up to this much, so the sender hears its 413
/// instead of a connection closed under it; past this, the connection is simply closed.
const DISCARD_AT_MOST: u64 = 16 * 1024 * 1024;

/// The body if it is at most `max` bytes, and the bytes seen (a larger body is never kept).
async fn read_at_most(body: Body, max: usize) -> (Option<Vec<u8>>, u64) {
    use futures_util::StreamExt as _;
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut seen: u64 = 0;
    while let Some(Ok(chunk)) = stream.next().await {
        seen += chunk.len() as u64;
        if seen <= max as u64 {
            kept.extend_from_slice(&chunk);
        } else if seen > DISCARD_AT_MOST {
            break;
        }
    }
    if seen <= max as u64 { (Some(kept), seen) } else { (None, seen) }
}

fn refused(refusal: Refusal) -> Response {
    let status = StatusCode::from_u16(refusal.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    answer(status, json!({ "error": refusal.reason() }))
}

/// The store failed (it could not be reached, or kept meeting locks): the sender should retry later.
fn failed(error: &Error) -> Response {
    answer(StatusCode::SERVICE_UNAVAILABLE, json!({ "error": error.code(), "message": "try again later" }))
}
