//! Real HTTP on 127.0.0.1 for the webhook contracts and the real-window tests: a scripted receiver
//! that records what it gets (the other side of outbound delivery), and signed POSTs to Ledgerdesk's
//! receiver.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::Utc;
use ledgerdesk_core::webhooks::signature::{DEFAULT_TOLERANCE, Secret, WebhookHeaders, verify};

/// One request a [`Sink`] received.
#[derive(Debug, Clone)]
pub struct Received {
    pub webhook_id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
}

impl Received {
    /// Whether one of the signatures is `secret`'s over exactly these bytes, now.
    pub fn signed_by(&self, secret: &str) -> bool {
        let headers = WebhookHeaders {
            id: Some(self.webhook_id.clone()),
            timestamp: Some(self.timestamp.clone()),
            signature: Some(self.signature.clone()),
        };
        let secret = Secret::parse(secret).expect("a secret");
        verify(&[secret], &headers, self.body.as_bytes(), Utc::now(), DEFAULT_TOLERANCE).is_ok()
    }
}

/// What a sink answers to its `n`-th request (from 0): a status, after an optional delay.
pub type Script = Arc<dyn Fn(usize) -> (u16, Duration) + Send + Sync>;

#[derive(Clone)]
struct SinkState {
    received: Arc<Mutex<Vec<Received>>>,
    script: Script,
}

/// A receiving endpoint on 127.0.0.1 that answers as scripted and records every request.
pub struct Sink {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Sink {
    /// Starts a sink answering per `script`.
    pub async fn start(script: impl Fn(usize) -> (u16, Duration) + Send + Sync + 'static) -> Sink {
        let received = Arc::new(Mutex::new(Vec::new()));
        let state = SinkState { received: Arc::clone(&received), script: Arc::new(script) };
        let app = Router::new().route("/hook", post(record)).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let address: SocketAddr = listener.local_addr().expect("an address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Sink { url: format!("http://{address}/hook"), received, stop: Some(stop) }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("the sink's log").clone()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn record(State(state): State<SinkState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let n = {
        let mut received = state.received.lock().expect("the sink's log");
        received.push(Received {
            webhook_id: header("webhook-id"),
            timestamp: header("webhook-timestamp"),
            signature: header("webhook-signature"),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        received.len() - 1
    };
    let (status, delay) = (state.script)(n);
    tokio::time::sleep(delay).await;
    StatusCode::from_u16(status).expect("a status")
}

/// A client for posting to a receiver.
pub fn client() -> reqwest::Client {
    ledgerdesk_webhooks::http_client(Duration::from_secs(5), Duration::from_secs(30)).expect("an HTTP client")
}

/// POSTs `body` to `url` signed by `secret` as message `id` at `timestamp` (or with the headers given);
/// returns the status and the answer.
pub async fn post_signed(
    client: &reqwest::Client,
    url: &str,
    secrets: &[&str],
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> (u16, String) {
    let secrets: Vec<Secret> = secrets.iter().map(|s| Secret::parse(s).expect("a secret")).collect();
    let signature = ledgerdesk_core::webhooks::signature::signature_header(&secrets, id, timestamp, body);
    post_with(
        client,
        url,
        &[("webhook-id", id), ("webhook-timestamp", &timestamp.to_string()), ("webhook-signature", &signature)],
        body,
    )
    .await
}

/// POSTs `body` with exactly `headers`.
pub async fn post_with(client: &reqwest::Client, url: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let mut request = client.post(url).header("content-type", "application/json").body(body.to_vec());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}
