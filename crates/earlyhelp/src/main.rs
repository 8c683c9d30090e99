//! # earlyhelp — the binary
//!
//! Command line, configuration and the server's lifecycle: `demo` and `serve` run the web app
//! (and its background work) until SIGTERM or Ctrl-C, finishing in-flight requests; the other
//! commands are operator tools. Configuration is one typed struct layered from defaults, an
//! optional TOML file and `EARLYHELP_*` environment variables (see [`config`]).

mod config;
mod server;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use config::Config;
use domain::email::EmailAddress;
use domain::password::NewPassword;
use domain::role::Role;
use std::path::PathBuf;
use std::sync::Arc;
use store::Store;
use store::engine::{ConnectOptions, SystemClock};

/// Early Help panels for councils and their partner agencies.
#[derive(Parser)]
#[command(name = "earlyhelp", version, about, long_about = None)]
struct Cli {
    /// A TOML configuration file (settings there are overridden by EARLYHELP_* variables).
    #[arg(long, global = true, env = "EARLYHELP_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a synthetic demo county on an embedded SQLite database (created on first run).
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Where the demo database lives.
        #[arg(long, default_value = ".earlyhelp")]
        data_dir: PathBuf,
    },
    /// Serve for real, against SQLite or PostgreSQL.
    Serve {
        /// sqlite://path/to/file.db or postgres://user@host/db [env: EARLYHELP_DATABASE_URL]
        #[arg(long)]
        database_url: Option<String>,
        /// Address to listen on [env: EARLYHELP_ADDR]
        #[arg(long)]
        addr: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate {
        /// Database URL [env: EARLYHELP_DATABASE_URL]
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Load a deterministic synthetic county (staff, panels and N families) into an empty database.
    Seed {
        /// Database URL [env: EARLYHELP_DATABASE_URL]
        #[arg(long)]
        database_url: Option<String>,
        /// How many families to generate.
        #[arg(long, default_value_t = 300)]
        families: usize,
        /// The random seed: the same seed gives the same county.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Issue API tokens for agency systems.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The key that seals second-factor secrets and e-mailed links at rest.
    Secrets {
        #[command(subcommand)]
        command: SecretsCommand,
    },
    /// Copy a SQLite database to a file while the service runs (PostgreSQL: use pg_dump).
    Backup {
        /// Database URL [env: EARLYHELP_DATABASE_URL]
        #[arg(long)]
        database_url: Option<String>,
        /// The backup file to write (must not exist).
        #[arg(long)]
        to: PathBuf,
    },
    /// Link two CSV files of people without a database (config: the `[linkage]` table of --config).
    Link(linkage::LinkArgs),
    /// Put a SQLite backup in place of a database file (stop the service first).
    Restore {
        /// The backup file made by `earlyhelp backup`.
        #[arg(long)]
        from: PathBuf,
        /// The database file to replace.
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a staff account (the first administrator, typically).
    Create {
        /// Database URL [env: EARLYHELP_DATABASE_URL]
        #[arg(long)]
        database_url: Option<String>,
        /// Sign-in e-mail address.
        #[arg(long)]
        email: String,
        /// First name.
        #[arg(long)]
        given_name: String,
        /// Last name.
        #[arg(long)]
        family_name: String,
        /// Job title.
        #[arg(long)]
        job_title: String,
        /// The organisation's exact name on the register.
        #[arg(long)]
        organisation: String,
        /// Role codes, comma-separated (e.g. administrator,information_governance).
        #[arg(long, value_delimiter = ',')]
        roles: Vec<String>,
        /// The first password [env: EARLYHELP_NEW_PASSWORD]; they must change it at first sign-in.
        #[arg(long, env = "EARLYHELP_NEW_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Remove a person's second factor (lost phone); they set it up again at next sign-in.
    ResetMfa {
        /// Database URL [env: EARLYHELP_DATABASE_URL]
        #[arg(long)]
        database_url: Option<String>,
        /// Their e-mail address.
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue a token acting as this user; it is printed once and only its digest is kept.
    Create {
        /// Database URL [env: EARLYHELP_DATABASE_URL]
        #[arg(long)]
        database_url: Option<String>,
        /// The account the agency system acts as.
        #[arg(long)]
        user: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "agency system")]
        name: String,
        /// Days until the token stops working (1 to 730).
        #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u16).range(1..=730))]
        expires_in_days: u16,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole audit chain and its signed checkpoints; names the first entry altered,
    /// inserted, removed or reordered.
    Verify {
        /// Database URL [env: EARLYHELP_DATABASE_URL]
        #[arg(long)]
        database_url: Option<String>,
        /// Checkpoints an outside witness kept (the JSON lines `audit checkpoints` wrote):
        /// the chain must still match every one of them.
        #[arg(long)]
        witness: Option<PathBuf>,
        /// The public key (hex) the witness pinned; every checkpoint must be signed by it.
        #[arg(long, requires = "witness")]
        public_key: Option<String>,
    },
    /// Sign a checkpoint of the chain's head now (the server also does this every few minutes).
    Checkpoint {
        /// Database URL [env: EARLYHELP_DATABASE_URL]
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Write every signed checkpoint as JSON lines, for an outside witness to keep.
    Checkpoints {
        /// Database URL [env: EARLYHELP_DATABASE_URL]
        #[arg(long)]
        database_url: Option<String>,
        /// The file to write (standard output if not given).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Make a new checkpoint signing key file (then set EARLYHELP_AUDIT_KEY_FILE to it).
    NewKey {
        /// The file to write (must not exist); keep it readable only by the service.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Make a new secrets key file (then set EARLYHELP_SECRETS_KEY_FILE to it before the first
    /// start: secrets sealed with one key do not open with another).
    NewKey {
        /// The file to write (must not exist); keep it readable only by the service.
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    if let Command::Link(args) = &cli.command {
        return linkage::run(args, cli.config.as_deref()).map(|_| ()).map_err(Into::into);
    }
    let config = Config::load(cli.config.as_deref())?;
    config::init_logging(&config);
    rustls::crypto::ring::default_provider()
        .install_default()
        .map_err(|_| anyhow::anyhow!("could not install the TLS provider"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(cli.command, config))
}

async fn open(config: &Config, url: Option<String>) -> Result<Store> {
    let url = url
        .or_else(|| config.database_url.clone())
        .context("no database: give --database-url or set EARLYHELP_DATABASE_URL")?;
    let store = Store::connect(
        &ConnectOptions {
            database_url: url,
            max_connections: config.max_connections,
        },
        Arc::new(SystemClock),
    )
    .await
    .context("could not open the database")?;
    store.migrate().await.context("could not migrate the database")?;
    let key = config.secrets_key(&store).await?;
    let store = store.with_secrets_key(key);
    // Second-factor secrets an earlier version kept in plain text are sealed before anything
    // can read them; from then on a plain value is refused, never trusted.
    let sealed = store
        .seal_plaintext_secrets()
        .await
        .context("could not seal the second-factor secrets stored in plain text")?;
    if sealed > 0 {
        tracing::info!(sealed, "sealed second-factor secrets that were stored in plain text");
    }
    Ok(store)
}

/// The stores a command opened, closed when it ends: closing waits for the command's audit
/// entries to join the chain (on PostgreSQL the sequencer chains them moments after each
/// write), so a tool that exits straight after a change leaves none waiting.
#[derive(Default)]
struct Opened(Vec<Store>);

impl Opened {
    async fn open(&mut self, config: &Config, url: Option<String>) -> Result<Store> {
        let store = open(config, url).await?;
        self.0.push(store.clone());
        Ok(store)
    }

    async fn close(self) {
        for store in self.0 {
            store.close().await;
        }
    }
}

async fn run(command: Command, config: Config) -> Result<()> {
    let mut opened = Opened::default();
    let result = run_command(command, config, &mut opened).await;
    opened.close().await;
    result
}

async fn run_command(command: Command, mut config: Config, opened: &mut Opened) -> Result<()> {
    match command {
        Command::Demo { addr, data_dir } => {
            std::fs::create_dir_all(&data_dir).with_context(|| format!("could not create {}", data_dir.display()))?;
            let url = format!("sqlite://{}", data_dir.join("earlyhelp.db").display());
            let store = opened.open(&config, Some(url)).await?;
            let spec = match store.loaded_county().await? {
                Some(spec) => spec,
                None if store.has_staff().await? => {
                    bail!(
                        "{} holds a demo county that was only partly loaded; delete the folder and run again",
                        data_dir.display()
                    )
                }
                None => {
                    let spec = county::Spec {
                        seed: 2026,
                        families: 300,
                        today: store.clock().today(),
                    };
                    seed(&store, &spec).await?;
                    store
                        .meet_today_for_the_demo(&county::generate(&spec))
                        .await
                        .context("could not hold the demo chair's meeting today")?;
                    spec
                }
            };
            let county = county::generate(&spec);
            config.addr = addr;
            // The demo is plain HTTP on this machine; Secure cookies would not come back.
            config.secure_cookies = false;
            let listener = tokio::net::TcpListener::bind(&config.addr)
                .await
                .with_context(|| format!("could not listen on {}", config.addr))?;
            let local = listener.local_addr()?;
            println!(
                "\nEarly Help demo: {} with {} synthetic families",
                county.council_name, spec.families
            );
            println!(
                "Open http://{local}/ and sign in with any of these (password: {}):\n",
                county::DEMO_PASSWORD
            );
            for (role, email) in county::demo_sign_ins(&county) {
                let org_requires = county
                    .staff
                    .iter()
                    .find(|s| s.email == email)
                    .and_then(|s| county.organisations.iter().find(|o| o.id == s.organisation))
                    .is_some_and(|o| o.mfa_required);
                let note = if role.always_requires_mfa() || org_requires {
                    "  (asks you to set up an authenticator app)"
                } else {
                    ""
                };
                println!("  {:<28} {}{}", role.label(), email, note);
            }
            let outbox = data_dir.join("outbox");
            println!(
                "\nData: {}  ·  E-mails (invitations, password resets): {}, one .eml file each  ·  Stop with Ctrl-C\n",
                data_dir.display(),
                outbox.display()
            );
            // The demo's addresses are made up: its e-mails always go to files, never to SMTP.
            let public_url = worker::mail::PublicUrl::parse(&format!("http://{local}"))?;
            let mailer = worker::Mailer::files(outbox, config::DEFAULT_MAIL_FROM, &public_url)?;
            server::serve(store, &config, listener, public_url, mailer).await
        }
        Command::Serve { database_url, addr } => {
            let public_url = config.public_url()?;
            let mailer = config.mailer(&public_url)?;
            let store = opened.open(&config, database_url).await?;
            if let Some(addr) = addr {
                config.addr = addr;
            }
            let listener = tokio::net::TcpListener::bind(&config.addr)
                .await
                .with_context(|| format!("could not listen on {}", config.addr))?;
            tracing::info!(addr = %listener.local_addr()?, mail = ?mailer, "serving");
            server::serve(store, &config, listener, public_url, mailer).await
        }
        Command::Migrate { database_url } => {
            opened.open(&config, database_url).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::Seed {
            database_url,
            families,
            seed: s,
        } => {
            let store = opened.open(&config, database_url).await?;
            if store.loaded_county().await?.is_some() {
                bail!("this database already holds a county; seed an empty database");
            }
            if store.has_staff().await? {
                bail!(
                    "this database already has staff accounts; the synthetic county's accounts share a published password, so seed only an empty database"
                );
            }
            let spec = county::Spec {
                seed: s,
                families,
                today: store.clock().today(),
            };
            let started = std::time::Instant::now();
            seed(&store, &spec).await?;
            println!(
                "Loaded {} families in {:.1}s.",
                store.family_count_for_operator().await?,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    database_url,
                    email,
                    given_name,
                    family_name,
                    job_title,
                    organisation,
                    roles,
                    password,
                },
        } => {
            let store = opened.open(&config, database_url).await?;
            let email = EmailAddress::parse(&email)?;
            let roles: Vec<Role> = roles.iter().map(|r| r.parse()).collect::<Result<_, _>>()?;
            if roles.is_empty() {
                bail!("give at least one role with --roles");
            }
            let password = NewPassword::for_person(&password, Some(&email), &given_name, &family_name)?;
            let org = store
                .organisation_id_by_name(&organisation)
                .await?
                .with_context(|| format!("no organisation called “{organisation}” on the register"))?;
            let new = store::accounts::NewStaff {
                organisation_id: org,
                email,
                given_name,
                family_name,
                job_title,
                roles,
                password_hash: Some(hash_password(password.expose())?),
                must_change_password: true,
            };
            let id = store.create_staff_from_console(&new).await?;
            println!("Created account {id}. They must choose a new password when they first sign in.");
            Ok(())
        }
        Command::User {
            command: UserCommand::ResetMfa { database_url, email },
        } => {
            let store = opened.open(&config, database_url).await?;
            let email = EmailAddress::parse(&email)?;
            let id = store
                .user_id_by_email(&email)
                .await?
                .context("no account with that e-mail address")?;
            store.reset_mfa_from_console(id).await?;
            println!("Second factor removed; they will set it up again at their next sign-in.");
            Ok(())
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    database_url,
                    user,
                    name,
                    expires_in_days,
                },
        } => {
            let store = opened.open(&config, database_url).await?;
            let email = EmailAddress::parse(&user)?;
            let id = store
                .user_id_by_email(&email)
                .await?
                .context("no account with that e-mail address")?;
            let token = web::session::new_token();
            store
                .create_api_token_from_console(
                    id,
                    &name,
                    &web::session::token_digest(&token),
                    store.now() + time::Duration::days(i64::from(expires_in_days)),
                )
                .await?;
            println!("{token}");
            eprintln!(
                "Keep this token secret: it is shown once and stops working in {expires_in_days} days. Send it as `Authorization: Bearer <token>`."
            );
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify {
                database_url,
                witness,
                public_key,
            },
        } => {
            let store = opened.open(&config, database_url).await?;
            let n = match store.verify_audit_chain().await? {
                Ok(n) => n,
                Err(b) => bail!("audit chain broken at entry {}: {}", b.seq, b.reason),
            };
            let own = store.checkpoints().await?;
            if let Err(b) = store.verify_checkpoints(&own, None).await? {
                bail!("audit chain broken at entry {}: {}", b.seq, b.reason);
            }
            let mut witnessed = 0;
            if let Some(path) = witness {
                let text = std::fs::read_to_string(&path).with_context(|| format!("could not read {}", path.display()))?;
                let kept: Vec<store::audit::Checkpoint> = text
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .enumerate()
                    .map(|(i, l)| serde_json::from_str(l).with_context(|| format!("{} line {} is not a checkpoint", path.display(), i + 1)))
                    .collect::<Result<_>>()?;
                match store.verify_checkpoints(&kept, public_key.as_deref()).await? {
                    Ok(k) => witnessed = k,
                    Err(b) => bail!("audit chain broken at entry {}: {}", b.seq, b.reason),
                }
            }
            println!(
                "Audit chain verified: {n} entries, unbroken; {} signed checkpoints match{}.",
                own.len(),
                if witnessed > 0 {
                    format!(", and so do the witness's {witnessed}")
                } else {
                    String::new()
                }
            );
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Checkpoint { database_url },
        } => {
            let store = opened.open(&config, database_url).await?;
            let key = config.checkpoint_key(&store).await?;
            match store.sign_checkpoint(&key).await? {
                Some(c) => println!("Signed a checkpoint at entry {} with key {}.", c.seq, c.public_key),
                None => println!("Nothing new to sign: the chain's head is already checkpointed (or the chain is empty)."),
            }
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Checkpoints { database_url, out },
        } => {
            let store = opened.open(&config, database_url).await?;
            let mut lines = String::new();
            for c in store.checkpoints().await? {
                lines.push_str(&serde_json::to_string(&c)?);
                lines.push('\n');
            }
            match out {
                Some(path) => std::fs::write(&path, lines).with_context(|| format!("could not write {}", path.display()))?,
                None => print!("{lines}"),
            }
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::NewKey { out },
        } => {
            let seed = write_new_key(&out)?;
            println!(
                "Wrote a new key to {}. Its public key, for witnesses: {}",
                out.display(),
                store::audit::CheckpointKey::from_seed(seed).public_key()
            );
            Ok(())
        }
        Command::Secrets {
            command: SecretsCommand::NewKey { out },
        } => {
            write_new_key(&out)?;
            println!(
                "Wrote a new secrets key to {}. Set EARLYHELP_SECRETS_KEY_FILE to it, and back it up apart from the database.",
                out.display()
            );
            Ok(())
        }
        Command::Backup { database_url, to } => {
            let store = opened.open(&config, database_url).await?;
            if to.exists() {
                bail!("{} already exists; choose a new file", to.display());
            }
            if store.kind() != store::EngineKind::Sqlite {
                bail!("for PostgreSQL use pg_dump --format=custom (see docs/operations.md)");
            }
            store.backup_sqlite(&to.to_string_lossy()).await?;
            println!("Backed up to {}.", to.display());
            Ok(())
        }
        Command::Link(_) => bail!("`link` needs no runtime and is handled in main"),
        Command::Restore { from, to } => {
            if !from.exists() {
                bail!("{} does not exist", from.display());
            }
            for suffix in ["-wal", "-shm"] {
                let side = PathBuf::from(format!("{}{suffix}", to.display()));
                if side.exists() {
                    std::fs::remove_file(&side)?;
                }
            }
            std::fs::copy(&from, &to).with_context(|| format!("could not copy to {}", to.display()))?;
            println!("Restored {} from {}.", to.display(), from.display());
            Ok(())
        }
    }
}

/// Writes 32 random bytes as hex to a new file readable only by this user.
fn write_new_key(out: &std::path::Path) -> Result<[u8; 32]> {
    use std::io::Write;
    let seed: [u8; 32] = rand::random();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(out)
        .with_context(|| format!("could not create {} (it must not exist)", out.display()))?;
    writeln!(file, "{}", hex::encode(seed))?;
    Ok(seed)
}

fn hash_password(password: &str) -> Result<String> {
    use argon2::password_hash::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

async fn seed(store: &Store, spec: &county::Spec) -> Result<()> {
    let county = county::generate(spec);
    let hash = hash_password(county::DEMO_PASSWORD)?;
    store
        .load_county(&county, spec, &hash)
        .await
        .context("could not load the synthetic county")?;
    Ok(())
}
