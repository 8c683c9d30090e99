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
}

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
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("could not read the audit key {}", path.display()))?;
                let seed: [u8; 32] = hex::decode(text.trim())
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .with_context(|| format!("{} must hold 64 hexadecimal characters", path.display()))?;
                Ok(store::audit::CheckpointKey::from_seed(seed))
            }
            None => Ok(store.stored_checkpoint_key().await?),
        }
    }
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
