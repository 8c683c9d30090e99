//! The one configuration struct, layered: defaults, then an optional TOML file, then
//! `EARLYHELP_*` environment variables (e.g. `EARLYHELP_DATABASE_URL`, `EARLYHELP_ADDR`).

use anyhow::{Context, Result};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Everything the binary can be told.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// `sqlite://…` or `postgres://…`.
    pub database_url: Option<String>,
    /// Address to listen on.
    pub addr: String,
    /// Database connections (PostgreSQL) or readers (SQLite).
    pub max_connections: u32,
    /// The council's name in the header.
    pub council_name: String,
    /// Mark cookies `Secure` (keep true behind HTTPS).
    pub secure_cookies: bool,
    /// `text` for people, `json` for log collectors.
    pub log_format: String,
    /// Serve Prometheus metrics at /metrics on this separate address (e.g. 127.0.0.1:9464);
    /// unset, no metrics are served.
    pub metrics_addr: Option<String>,
    /// Addresses of reverse proxies in front of the service: for requests from them, the
    /// client address is taken from X-Forwarded-For (throttling and the audit trail need it).
    pub trusted_proxies: Vec<String>,
    /// A file holding the Ed25519 key (64 hex characters) that signs audit checkpoints, kept
    /// outside the database (make one with `earlyhelp audit new-key`). Unset, a key kept in
    /// the database is used.
    pub audit_key_file: Option<std::path::PathBuf>,
    /// A file holding the 32-byte key (64 hex characters) that seals second-factor secrets
    /// and e-mailed link tokens at rest (make one with `earlyhelp secrets new-key`). Unset, a
    /// key kept in the database is used, which protects nothing from someone who can read
    /// the database: set it in production.
    pub secrets_key_file: Option<std::path::PathBuf>,
    /// The address people open the service at (`https://…`): the base of every link in an
    /// e-mail. Required by `serve`; never taken from a request's Host header.
    pub public_url: Option<String>,
    /// The SMTP server e-mail is sent through: `smtps://user:password@host[:465]` or
    /// `smtp://user:password@host[:587]?tls=required` (plain SMTP only to localhost).
    pub smtp_url: Option<SmtpUrl>,
    /// The sender of e-mails, e.g. `Early Help <early-help@council.example.gov.uk>`. Required
    /// with `smtp_url`.
    pub mail_from: Option<String>,
    /// Instead of SMTP, write each e-mail as an `.eml` file in this directory (the demo
    /// writes to `<data dir>/outbox`).
    pub mail_dir: Option<std::path::PathBuf>,
}

/// The SMTP URL, which holds a password: its `Debug` shows only that it is set.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SmtpUrl(pub String);

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpUrl(…)")
    }
}

/// The sender used when none is configured (the demo and the file sink): a reserved domain.
pub const DEFAULT_MAIL_FROM: &str = "Early Help <early-help@northmere.example>";

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: None,
            addr: "127.0.0.1:8080".into(),
            max_connections: 16,
            council_name: "Northmere Council".into(),
            secure_cookies: true,
            log_format: "text".into(),
            metrics_addr: None,
            trusted_proxies: Vec::new(),
            audit_key_file: None,
            secrets_key_file: None,
            public_url: None,
            smtp_url: None,
            mail_from: None,
            mail_dir: None,
        }
    }
}

impl Config {
    /// Reads the layers.
    pub fn load(file: Option<&Path>) -> Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(f) = file {
            figment = figment.merge(Toml::file_exact(f));
        }
        figment
            .merge(Env::prefixed("EARLYHELP_"))
            .extract()
            .context("configuration is not valid")
    }
}

impl Config {
    /// The key that signs audit checkpoints: the configured file's, or the database's own.
    pub async fn checkpoint_key(&self, store: &store::Store) -> Result<store::audit::CheckpointKey> {
        match &self.audit_key_file {
            Some(path) => Ok(store::audit::CheckpointKey::from_seed(read_key_file(path, "audit key")?)),
            None => Ok(store.stored_checkpoint_key().await?),
        }
    }
}

impl Config {
    /// The key that seals secrets at rest: the configured file's, or the database's own.
    pub async fn secrets_key(&self, store: &store::Store) -> Result<store::secrets::SecretsKey> {
        match &self.secrets_key_file {
            Some(path) => Ok(store::secrets::SecretsKey::from_bytes(read_key_file(path, "secrets key")?)?),
            None => Ok(store.stored_secrets_key().await?),
        }
    }

    /// Where `serve` sends e-mail: SMTP if configured, else `.eml` files in `mail_dir`;
    /// neither is a start-up error, so invitations are never silently dropped.
    pub fn mailer(&self, public_url: &worker::mail::PublicUrl) -> Result<worker::Mailer> {
        match (&self.smtp_url, &self.mail_dir) {
            (Some(url), _) => {
                let from = self
                    .mail_from
                    .as_deref()
                    .context("set EARLYHELP_MAIL_FROM (the sender of e-mails) along with EARLYHELP_SMTP_URL")?;
                Ok(worker::Mailer::smtp(&url.0, from, public_url)?)
            }
            (None, Some(dir)) => Ok(worker::Mailer::files(
                dir.clone(),
                self.mail_from.as_deref().unwrap_or(DEFAULT_MAIL_FROM),
                public_url,
            )?),
            (None, None) => anyhow::bail!(
                "configure outbound e-mail: EARLYHELP_SMTP_URL (and EARLYHELP_MAIL_FROM), or EARLYHELP_MAIL_DIR to write .eml files"
            ),
        }
    }

    /// The configured public URL, parsed.
    pub fn public_url(&self) -> Result<worker::mail::PublicUrl> {
        let url = self
            .public_url
            .as_deref()
            .context("set EARLYHELP_PUBLIC_URL to the address people open the service at (links in e-mails point there)")?;
        Ok(worker::mail::PublicUrl::parse(url)?)
    }
}

/// Reads a 32-byte key kept as 64 hex characters in a file.
fn read_key_file(path: &Path, what: &str) -> Result<[u8; 32]> {
    let text = std::fs::read_to_string(path).with_context(|| format!("could not read the {what} {}", path.display()))?;
    hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .with_context(|| format!("{} must hold 64 hexadecimal characters", path.display()))
}

/// Structured logs to stderr. Spans carry request ids; nothing logs personal data.
pub fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("EARLYHELP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.compact().init();
    }
}
