//! Outbound e-mail: where messages go (an SMTP server, a directory of `.eml` files, or memory
//! for tests) and the address links in them point at.
//!
//! Only the worker sends, from the outbox, never a request handler: a slow or failed SMTP
//! server delays an e-mail but loses nothing, and the request that caused it has already
//! answered. Errors are reduced to fixed texts with no addresses in them (an SMTP server's
//! refusal often quotes the recipient), because they are stored with the job and logged.

use domain::email::EmailAddress;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::{AsyncSmtpTransport, PoolConfig};
use lettre::{AsyncTransport, Tokio1Executor};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why the mail settings were refused at start-up.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    /// The public URL is not an absolute http(s) address without query or fragment.
    #[error("EARLYHELP_PUBLIC_URL must be the address people open, like https://earlyhelp.example.gov.uk (no path query or fragment)")]
    PublicUrl,
    /// The public URL is plain HTTP on a host other than this machine.
    #[error("EARLYHELP_PUBLIC_URL must use https:// (plain http:// is allowed only for localhost): links in e-mails carry sign-in tokens")]
    PublicUrlNotHttps,
    /// The SMTP URL could not be used.
    #[error("EARLYHELP_SMTP_URL is not a usable SMTP address: {0}")]
    SmtpUrl(&'static str),
    /// The sender address does not parse.
    #[error("EARLYHELP_MAIL_FROM is not an e-mail address (like `Early Help <early-help@council.example.gov.uk>`)")]
    From,
}

/// The address people open the service at, from configuration: the base of every link in an
/// e-mail. Never taken from a request's `Host` header, which the sender of the request
/// chooses (a reset link pointing at an attacker's host would hand them the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// Parses the configured address: `https://host[:port]` (or `http://` for localhost), no
    /// path other than `/`, no query, fragment or user name.
    pub fn parse(input: &str) -> Result<Self, MailConfigError> {
        let url = url::Url::parse(input.trim()).map_err(|_| MailConfigError::PublicUrl)?;
        let host = url.host_str().ok_or(MailConfigError::PublicUrl)?;
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() || url.path() != "/"
        {
            return Err(MailConfigError::PublicUrl);
        }
        let local = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        match url.scheme() {
            "https" => {}
            "http" if local => {}
            "http" => return Err(MailConfigError::PublicUrlNotHttps),
            _ => return Err(MailConfigError::PublicUrl),
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    /// A link to `path` (which starts with `/`) carrying `token` in its query string (so the
    /// token never appears in the request log, which records paths only).
    pub fn link(&self, path: &str, token: &str) -> String {
        format!("{}{path}?token={token}", self.0)
    }

    /// A link to a page of the service, `path` starting with `/`.
    pub fn page(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// The host, for the SMTP greeting and message ids.
    pub fn host(&self) -> &str {
        self.0
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(&self.0)
            .split(':')
            .next()
            .unwrap_or("localhost")
    }
}

impl std::fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One e-mail to send: to one person, plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The recipient.
    pub to: EmailAddress,
    /// The subject line.
    pub subject: String,
    /// The text.
    pub body: String,
}

/// Why sending failed, in words safe to store and log (no addresses, no message text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: the server is down, busy or slow, or refused for now.
    #[error("{0}")]
    Transient(String),
    /// Trying again will not help: the server refused the message outright.
    #[error("{0}")]
    Permanent(String),
}

impl SendError {
    /// Whether trying again later could succeed.
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }
}

/// What a test sees of the messages "sent" to memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryOutbox {
    sent: Arc<Mutex<Vec<Outgoing>>>,
    failures: Arc<Mutex<Vec<SendError>>>,
}

impl MemoryOutbox {
    /// Every message sent so far, oldest first.
    pub fn sent(&self) -> Vec<Outgoing> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Makes the next sends fail with these errors, one each, as a broken SMTP server would.
    pub fn fail_next(&self, errors: impl IntoIterator<Item = SendError>) {
        if let Ok(mut f) = self.failures.lock() {
            f.extend(errors);
        }
    }

    fn take_failure(&self) -> Option<SendError> {
        self.failures.lock().ok().and_then(|mut f| (!f.is_empty()).then(|| f.remove(0)))
    }
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
    Memory(MemoryOutbox),
}

/// Sends e-mail from the configured sender through the configured transport. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    host: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.transport {
            Transport::Smtp(_) => "smtp",
            Transport::Files(_) => "files",
            Transport::Memory(_) => "memory",
        };
        f.debug_struct("Mailer").field("transport", &kind).finish()
    }
}

fn mailbox(from: &str) -> Result<Mailbox, MailConfigError> {
    from.parse().map_err(|_| MailConfigError::From)
}

impl Mailer {
    /// Sends through an SMTP server: `smtps://user:password@host[:465]` (TLS from the start)
    /// or `smtp://user:password@host[:587]?tls=required` (STARTTLS, refused if the server
    /// does not offer it). Plain or opportunistic SMTP, which a network attacker can strip, is
    /// allowed only to a relay on this machine (`smtp://localhost:25`). Call it inside the
    /// Tokio runtime: the connection pool starts a task.
    pub fn smtp(url: &str, from: &str, public_url: &PublicUrl) -> Result<Self, MailConfigError> {
        let parsed = url::Url::parse(url).map_err(|_| MailConfigError::SmtpUrl("it does not parse as a URL"))?;
        let host = parsed.host_str().ok_or(MailConfigError::SmtpUrl("it names no host"))?;
        let local = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        let tls = parsed.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        match (parsed.scheme(), tls.as_deref()) {
            ("smtps", None) | ("smtp", Some("required")) => {}
            ("smtp", None) if local => {}
            ("smtp", _) => {
                return Err(MailConfigError::SmtpUrl(
                    "use smtps://… or smtp://…?tls=required (unencrypted SMTP is allowed only to localhost)",
                ));
            }
            _ => return Err(MailConfigError::SmtpUrl("the scheme must be smtps or smtp")),
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|_| MailConfigError::SmtpUrl("the SMTP library refused it"))?
            .hello_name(ClientId::Domain(public_url.host().to_owned()))
            .timeout(Some(Duration::from_secs(60)))
            .pool_config(PoolConfig::new().max_size(4))
            .build();
        Ok(Self {
            transport: Transport::Smtp(transport),
            from: mailbox(from)?,
            host: public_url.host().to_owned(),
        })
    }

    /// Writes each message as an `.eml` file in `dir` (created if missing), named by the
    /// job's id, so running a job twice writes the same file again rather than a second
    /// one. For the demo and for deployments that hand mail to another system by file.
    pub fn files(dir: PathBuf, from: &str, public_url: &PublicUrl) -> Result<Self, MailConfigError> {
        Ok(Self {
            transport: Transport::Files(dir),
            from: mailbox(from)?,
            host: public_url.host().to_owned(),
        })
    }

    /// Keeps messages in memory, for tests; returns what the test reads them from.
    pub fn memory(from: &str) -> Result<(Self, MemoryOutbox), MailConfigError> {
        let outbox = MemoryOutbox::default();
        Ok((
            Self {
                transport: Transport::Memory(outbox.clone()),
                from: mailbox(from)?,
                host: "localhost".into(),
            },
            outbox,
        ))
    }

    /// Where files go, for the file transport (the demo prints it).
    pub fn directory(&self) -> Option<&std::path::Path> {
        match &self.transport {
            Transport::Files(dir) => Some(dir),
            _ => None,
        }
    }

    /// Sends one message. `id` (the job's id) becomes its `Message-ID`, the same on every
    /// attempt, so a message sent twice after a crash can be recognised as one.
    pub async fn send(&self, id: &str, sent_at: time::OffsetDateTime, message: &Outgoing) -> Result<(), SendError> {
        if let Transport::Memory(outbox) = &self.transport {
            if let Some(failure) = outbox.take_failure() {
                return Err(failure);
            }
            if let Ok(mut sent) = outbox.sent.lock() {
                sent.push(message.clone());
            }
            return Ok(());
        }
        let to: Mailbox = message
            .to
            .as_str()
            .parse()
            .map_err(|_| SendError::Permanent("the recipient's address is not one SMTP accepts".into()))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .message_id(Some(format!("<{id}@{}>", self.host)))
            .date(sent_at.into())
            .header(ContentType::TEXT_PLAIN)
            .body(plain_body(&message.body))
            .map_err(|_| SendError::Permanent("the message could not be built".into()))?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(email).await.map(|_| ()).map_err(smtp_error),
            Transport::Files(dir) => write_file(dir, id, &email.formatted()).await,
            Transport::Memory(_) => Ok(()),
        }
    }
}

/// The text as it goes on the wire. Plain ASCII (nearly every message) is sent as 7bit with
/// lines as written, up to RFC 5322's 998 characters, so a link stays one unbroken line that
/// can be read, or copied, from the raw message; anything else is left to lettre's choice of
/// quoted-printable or base64.
fn plain_body(text: &str) -> lettre::message::Body {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let seven_bit = text.is_ascii() && !text.contains('\0') && crlf.split("\r\n").all(|line| line.len() <= 998);
    if seven_bit {
        lettre::message::Body::dangerous_pre_encoded(crlf.into_bytes(), lettre::message::header::ContentTransferEncoding::SevenBit)
    } else {
        lettre::message::Body::new(text.to_owned())
    }
}

/// An SMTP failure in words with no addresses: the server's reply text is dropped, its code kept.
fn smtp_error(e: lettre::transport::smtp::Error) -> SendError {
    let code = e.status().map(|c| c.to_string()).unwrap_or_default();
    if e.is_permanent() {
        SendError::Permanent(format!("the SMTP server refused the message ({code})"))
    } else if e.is_transient() {
        SendError::Transient(format!("the SMTP server refused the message for now ({code})"))
    } else if e.is_timeout() {
        SendError::Transient("the SMTP server did not answer in time".into())
    } else if e.is_tls() {
        SendError::Transient("TLS with the SMTP server failed".into())
    } else {
        SendError::Transient("could not talk to the SMTP server".into())
    }
}

/// Writes the message beside its final name and renames it into place, so a reader of the
/// directory never sees half a message; readable only by this user (it carries a link).
async fn write_file(dir: &std::path::Path, id: &str, bytes: &[u8]) -> Result<(), SendError> {
    let fail = |e: std::io::Error| SendError::Transient(format!("could not write the e-mail file ({:?})", e.kind()));
    tokio::fs::create_dir_all(dir).await.map_err(fail)?;
    let partial = dir.join(format!(".{id}.eml.partial"));
    let done = dir.join(format!("{id}.eml"));
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(&partial).await.map_err(fail)?;
    tokio::io::AsyncWriteExt::write_all(&mut file, bytes).await.map_err(fail)?;
    file.sync_all().await.map_err(fail)?;
    tokio::fs::rename(&partial, &done).await.map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn the_file_sink_writes_one_readable_eml_per_message_and_rewrites_it_on_a_retry() {
        let dir = std::env::temp_dir().join(format!("earlyhelp-mail-{}", std::process::id()));
        let public = PublicUrl::parse("http://127.0.0.1:8080").unwrap();
        let mailer = Mailer::files(dir.clone(), "Early Help <early-help@northmere.example>", &public).unwrap();
        let link = public.link("/invitation", &"x".repeat(43));
        let message = Outgoing {
            to: EmailAddress::parse("robin.ashdown@familyservices.northmere.example").unwrap(),
            subject: "Your Early Help account".into(),
            body: format!("Hello Robin,\n\n{link}\n"),
        };
        let at = time::macros::datetime!(2026-11-25 09:00 UTC);
        mailer.send("job-1", at, &message).await.unwrap();
        mailer.send("job-1", at, &message).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(files, vec![std::ffi::OsString::from("job-1.eml")]);
        let eml = std::fs::read_to_string(dir.join("job-1.eml")).unwrap();
        assert!(eml.contains("Content-Transfer-Encoding: 7bit"), "{eml}");
        assert!(eml.contains(&format!("\r\n{link}\r\n")), "the link is one unbroken line");
        assert!(eml.contains("Message-ID: <job-1@127.0.0.1>"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_public_url_must_be_https_except_on_this_machine() {
        assert_eq!(
            PublicUrl::parse("https://earlyhelp.example.gov.uk/").unwrap().to_string(),
            "https://earlyhelp.example.gov.uk"
        );
        assert!(PublicUrl::parse("http://127.0.0.1:8080").is_ok());
        assert!(PublicUrl::parse("http://localhost:8080").is_ok());
        assert!(matches!(
            PublicUrl::parse("http://earlyhelp.example.gov.uk"),
            Err(MailConfigError::PublicUrlNotHttps)
        ));
    }

    #[test]
    fn the_public_url_has_no_path_query_or_credentials() {
        for bad in [
            "earlyhelp.example.gov.uk",
            "https://earlyhelp.example.gov.uk/app",
            "https://earlyhelp.example.gov.uk/?x=1",
            "https://user@earlyhelp.example.gov.uk",
            "ftp://earlyhelp.example.gov.uk",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn links_carry_the_token_in_the_query_string() {
        let url = PublicUrl::parse("https://earlyhelp.example.gov.uk:8443").unwrap();
        assert_eq!(
            url.link("/invitation", "abc"),
            "https://earlyhelp.example.gov.uk:8443/invitation?token=abc"
        );
        assert_eq!(url.host(), "earlyhelp.example.gov.uk");
    }

    #[tokio::test]
    async fn smtp_must_be_encrypted_unless_the_relay_is_on_this_machine() {
        let public = PublicUrl::parse("https://earlyhelp.example.gov.uk").unwrap();
        let from = "Early Help <early-help@example.gov.uk>";
        assert!(Mailer::smtp("smtps://u:p@smtp.example.gov.uk", from, &public).is_ok());
        assert!(Mailer::smtp("smtp://u:p@smtp.example.gov.uk:587?tls=required", from, &public).is_ok());
        assert!(Mailer::smtp("smtp://localhost:25", from, &public).is_ok());
        assert!(Mailer::smtp("smtp://smtp.example.gov.uk:25", from, &public).is_err());
        assert!(Mailer::smtp("smtp://smtp.example.gov.uk:587?tls=opportunistic", from, &public).is_err());
        assert!(Mailer::smtp("smtps://smtp.example.gov.uk", "not an address", &public).is_err());
    }
}
