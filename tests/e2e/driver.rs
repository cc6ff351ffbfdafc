//! A small WebDriver client for the real Ledgerdesk window: `tauri-driver` in front of WebKitWebDriver,
//! under its own Xvfb display and D-Bus session, spoken to over plain HTTP.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const PATIENCE: Duration = Duration::from_secs(30);

/// A running `tauri-driver` and one session driving the app.
pub struct Driver {
    base: String,
    session: String,
    driver: Child,
    shots: PathBuf,
    /// Milliseconds from asking for the window to the first interactive element.
    pub launch_ms: u128,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn require(tool: &str, install: &str) {
    let found =
        Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success());
    assert!(found, "{tool} is not installed: {install}");
}

impl Driver {
    /// Starts the app at `application` with `env`, and waits until `ready` (a CSS selector) is shown.
    pub fn launch(application: &Path, env: &[(&str, String)], ready: &str, shots: PathBuf) -> Driver {
        require("tauri-driver", "cargo install tauri-driver --version ^2");
        require("WebKitWebDriver", "apt-get install webkit2gtk-driver");
        require("xvfb-run", "apt-get install xvfb");
        require("dbus-run-session", "apt-get install dbus");
        std::fs::create_dir_all(&shots).expect("screenshot directory");
        let (port, native) = (free_port(), free_port());
        let mut command = Command::new("xvfb-run");
        command
            .args(["-a", "-s", "-screen 0 1280x900x24", "dbus-run-session", "--", "tauri-driver"])
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("NO_AT_BRIDGE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        // Its own process group, so that Xvfb and WebKitWebDriver end with it.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = command.spawn().expect("start tauri-driver under xvfb-run");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + PATIENCE;
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not answer on {base}");
            std::thread::sleep(Duration::from_millis(100));
        }
        let started = Instant::now();
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "tauri:options": { "application": application.display().to_string() }
        }}});
        let created = post(&format!("{base}/session"), capabilities);
        let session = created["value"]["sessionId"].as_str().expect("a session id").to_owned();
        let mut this = Driver { base, session, driver, shots, launch_ms: 0 };
        this.find(ready);
        this.launch_ms = started.elapsed().as_millis();
        this
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{}", self.base, self.session, path)
    }

    /// The first element matching `selector`, waiting for it to appear.
    pub fn find(&self, selector: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let found = ureq::post(&self.url("/element"))
                .send_json(json!({ "using": "css selector", "value": selector }))
                .ok()
                .and_then(|r| r.into_json::<Value>().ok())
                .and_then(|v| v["value"][ELEMENT].as_str().map(str::to_owned));
            if let Some(id) = found {
                return id;
            }
            assert!(Instant::now() < deadline, "no element matches {selector}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Clicks the element matching `selector`. Leptos may replace a row between finding and clicking
    /// (a list that reloads): a stale element is looked up again.
    pub fn click(&self, selector: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let id = self.find(selector);
            match ureq::post(&self.url(&format!("/element/{id}/click"))).send_json(json!({})) {
                Ok(_) => return,
                Err(ureq::Error::Status(404, _)) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(ureq::Error::Status(code, response)) => {
                    panic!("clicking {selector} answered {code}: {}", response.into_string().unwrap_or_default())
                }
                Err(e) => panic!("clicking {selector}: {e}"),
            }
        }
    }

    /// Replaces the text of an input.
    pub fn fill(&self, selector: &str, text: &str) {
        let id = self.find(selector);
        post(&self.url(&format!("/element/{id}/clear")), json!({}));
        post(&self.url(&format!("/element/{id}/value")), json!({ "text": text }));
    }

    pub fn text(&self, selector: &str) -> String {
        let id = self.find(selector);
        get(&self.url(&format!("/element/{id}/text")))["value"].as_str().unwrap_or_default().to_owned()
    }

    /// The text of `selector` now, or nothing if it is missing or was just replaced.
    fn text_now(&self, selector: &str) -> Option<String> {
        let id = self.find(selector);
        let answer: Value = ureq::get(&self.url(&format!("/element/{id}/text"))).call().ok()?.into_json().ok()?;
        answer["value"].as_str().map(str::to_owned)
    }

    /// The live `value` of an input.
    pub fn value(&self, selector: &str) -> String {
        let id = self.find(selector);
        get(&self.url(&format!("/element/{id}/property/value")))["value"].as_str().unwrap_or_default().to_owned()
    }

    /// Waits until the text of `selector` satisfies `wanted`; returns it.
    pub fn wait_text(&self, selector: &str, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let text = self.text_now(selector).unwrap_or_default();
            if wanted(&text) {
                return text;
            }
            assert!(Instant::now() < deadline, "{selector} never showed {what}; last text: {text:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until nothing matches `selector`.
    pub fn wait_gone(&self, selector: &str, what: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let found = ureq::post(&self.url("/elements"))
                .send_json(json!({ "using": "css selector", "value": selector }))
                .ok()
                .and_then(|r| r.into_json::<Value>().ok())
                .and_then(|v| v["value"].as_array().map(Vec::len));
            if found == Some(0) {
                return;
            }
            assert!(Instant::now() < deadline, "{what} ({selector}) never went away");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Scrolls the element matching `selector` into the middle of the window (before a screenshot).
    pub fn scroll_to(&self, selector: &str) {
        let id = self.find(selector);
        let script = "arguments[0].scrollIntoView({block: 'center'});";
        post(&self.url("/execute/sync"), json!({ "script": script, "args": [{ ELEMENT: id }] }));
    }

    /// Saves a screenshot of the window as `<name>.png`.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        // WebKit can hand back the previous frame right after a DOM change: let it paint first.
        std::thread::sleep(Duration::from_millis(400));
        let encoded = get(&self.url("/screenshot"))["value"].as_str().unwrap_or_default().to_owned();
        let png = base64::engine::general_purpose::STANDARD.decode(encoded).expect("a base64 screenshot");
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.url("")).call();
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.driver.wait();
    }
}

fn post(url: &str, body: Value) -> Value {
    match ureq::post(url).send_json(body) {
        Ok(response) => response.into_json().expect("a JSON answer"),
        Err(ureq::Error::Status(code, response)) => {
            panic!("{url} answered {code}: {}", response.into_string().unwrap_or_default())
        }
        Err(e) => panic!("{url}: {e}"),
    }
}

fn get(url: &str) -> Value {
    ureq::get(url).call().unwrap_or_else(|e| panic!("{url}: {e}")).into_json().expect("a JSON answer")
}
