//! A Postgres cluster of a test's own (`initdb` in a temporary folder, on a port of its own), for the
//! tests that restart a server or need one that checks passwords, so the suite's shared server is never
//! touched.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A Postgres cluster of a test's own, stopped when dropped.
pub struct OwnServer {
    bin: PathBuf,
    data: PathBuf,
    _folder: tempfile::TempDir,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// The server's own options: its port, its address, its socket folder.
    options: String,
}

/// The newest installed Postgres's programs (`/usr/lib/postgresql/N/bin` on Debian).
fn postgres_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("Postgres's programs in /usr/lib/postgresql (.ci/run installs postgresql)")
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().expect("an initdb")
}

/// The superuser's password of a server that checks passwords ([`OwnServer::with_passwords`]).
pub const SUPERUSER_PASSWORD: &str = "the own server's superuser";

impl OwnServer {
    /// A server that trusts every connection from this machine.
    pub fn start() -> OwnServer {
        OwnServer::init(false, false)
    }

    /// A server that checks every password (SCRAM-SHA-256), its superuser's being
    /// [`SUPERUSER_PASSWORD`].
    pub fn with_passwords() -> OwnServer {
        OwnServer::init(true, false)
    }

    /// A trusting server that also speaks TLS, with a certificate for `localhost` and `127.0.0.1` signed
    /// by a certificate authority of its own ([`OwnServer::ca_file`]).
    pub fn with_tls() -> OwnServer {
        OwnServer::init(false, true)
    }

    /// As [`OwnServer::with_tls`], but its `pg_hba.conf` admits TCP connections over TLS alone.
    pub fn with_tls_only() -> OwnServer {
        let server = OwnServer::init(false, true);
        let hba = server.data.join("pg_hba.conf");
        std::fs::write(&hba, "local all all trust\nhostssl all all 127.0.0.1/32 trust\n").expect("pg_hba.conf");
        server.pg_ctl(&["reload"]);
        server
    }

    /// The certificate authority that signed a TLS server's certificate (PEM).
    pub fn ca_file(&self) -> PathBuf {
        folder_of(&self.data).join("tls").join("ca.pem")
    }

    fn init(passwords: bool, tls: bool) -> OwnServer {
        let folder = tempfile::tempdir().expect("a folder for the cluster");
        let data = folder.path().join("data");
        // Postgres refuses to run as root: as root (CI), the cluster belongs to the postgres user.
        if unsafe_free_uid() == 0 {
            run(Command::new("chown").args(["postgres:postgres"]).arg(folder.path()));
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().unwrap().port();
        let mut options = format!("-p {port} -c listen_addresses=127.0.0.1 -k {}", path(folder.path()));
        if tls {
            let certificates = folder.path().join("tls");
            let ca = certificate_authority(&certificates, "Ledgerdesk test CA");
            let (cert, key) = server_certificate(&certificates, &ca);
            if unsafe_free_uid() == 0 {
                run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(&certificates));
            }
            options.push_str(&format!(" -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}", path(&cert), path(&key)));
        }
        let server = OwnServer { bin: postgres_bin(), data, _folder: folder, port, options };
        let initdb = server.bin.join("initdb");
        let mut args = vec!["-D", path(&server.data), "-U", "postgres", "--no-sync"];
        let password_file = path(folder_of(&server.data)).to_owned() + "/superuser-password";
        if passwords {
            std::fs::write(&password_file, SUPERUSER_PASSWORD).expect("the password file");
            if unsafe_free_uid() == 0 {
                run(Command::new("chown").args(["postgres:postgres", &password_file]));
            }
            args.extend(["-A", "scram-sha-256", "--pwfile", &password_file]);
        } else {
            args.extend(["-A", "trust"]);
        }
        server.pg(&initdb, &args);
        server.start_again();
        server
    }

    /// Starts the server (it must be stopped).
    pub fn start_again(&self) {
        self.pg_ctl(&["start", "-w", "-o", &self.options, "-l", &self.log()]);
    }

    /// The server's log. Every start names it: a server started without one would keep this process's
    /// output pipes open, and waiting for `pg_ctl` would never end.
    fn log(&self) -> String {
        format!("{}/log", path(folder_of(&self.data)))
    }

    /// A fast shutdown (sessions cut off), then, `away` later, the server again.
    pub fn restart_after(&self, away: Duration) {
        self.pg_ctl(&["stop", "-m", "fast", "-w"]);
        std::thread::sleep(away);
        self.start_again();
    }

    /// Its `postgres` database, as its superuser (with the password, if the server checks them).
    pub fn url(&self) -> String {
        format!("postgres://postgres:{}@127.0.0.1:{}/postgres", SUPERUSER_PASSWORD.replace(' ', "%20"), self.port)
    }

    /// Runs a Postgres program as the cluster's owner.
    fn pg(&self, program: &Path, args: &[&str]) {
        let mut command = if unsafe_free_uid() == 0 {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        run(command.args(args));
    }

    fn pg_ctl(&self, args: &[&str]) {
        let mut all = vec!["-D", path(&self.data)];
        all.extend_from_slice(args);
        self.pg(&self.bin.join("pg_ctl"), &all);
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        // Best effort, and never a panic while a failed test unwinds.
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", path(&self.data), "stop", "-m", "immediate"])
            .output();
        let _ =
            Command::new(self.bin.join("pg_ctl")).args(["-D", path(&self.data), "stop", "-m", "immediate"]).output();
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// This process's user id, from `id -u` (no libc call, no unsafe).
fn unsafe_free_uid() -> u32 {
    let output = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&output.stdout).trim().parse().expect("a user id")
}

fn folder_of(data: &Path) -> &Path {
    data.parent().expect("the cluster's folder")
}

/// A new certificate authority in `dir` (created): its certificate `ca.pem` and key `ca.key`. Returns
/// the certificate's path.
pub fn certificate_authority(dir: &Path, name: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("a folder for the certificates");
    let (cert, key) = (dir.join("ca.pem"), dir.join("ca.key"));
    run(Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
        .args(["-subj", &format!("/CN={name}"), "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert));
    cert
}

/// A server certificate for `localhost` and `127.0.0.1`, signed by the authority whose certificate is
/// `ca` (its key beside it); returns the certificate's and the key's paths (the key mode 0600, as
/// Postgres demands).
fn server_certificate(dir: &Path, ca: &Path) -> (PathBuf, PathBuf) {
    let (cert, key, request, extensions) =
        (dir.join("server.pem"), dir.join("server.key"), dir.join("server.csr"), dir.join("server.ext"));
    std::fs::write(
        &extensions,
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("the extensions file");
    run(Command::new("openssl")
        .args(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&request));
    run(Command::new("openssl")
        .args(["x509", "-req", "-days", "2", "-in"])
        .arg(&request)
        .arg("-CA")
        .arg(ca)
        .arg("-CAkey")
        .arg(ca.with_extension("key"))
        .args(["-CAcreateserial", "-extfile"])
        .arg(&extensions)
        .arg("-out")
        .arg(&cert));
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).expect("the key's mode");
    (cert, key)
}
