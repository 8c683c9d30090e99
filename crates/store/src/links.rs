//! Links e-mailed to the holder of an account: an invitation to choose a first password, and
//! a password reset.
//!
//! The store makes each link's token itself (32 random bytes) and keeps only its SHA-256
//! digest for checking, so nobody with the database, and no page, ever holds a usable link:
//! the administrator who invites someone sees whether the invitation was accepted, never the
//! link. The token also waits, sealed with the secrets key, for the worker to put it in the
//! e-mail ([`crate::outbox::Job::SendAccountLink`]); once sent, used, superseded or given up,
//! it is blanked. A link works once, before it expires, for an active account, and a newer
//! link of the same kind supersedes it.
//!
//! People using a link are not signed in, so these operations take no permit: holding the
//! token is the proof, as the password is at sign-in. Every change is audited.

use crate::audit::{AuditEntry, Outcome};
use crate::secrets::Purpose;
use crate::{Store, StoreError};
use domain::UserId;
use domain::email::EmailAddress;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// An e-mailed link's id (UUIDv7); job payloads carry it instead of the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountLinkId(pub Uuid);

impl std::fmt::Display for AccountLinkId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Choose the first password of an account an administrator created.
    Invitation,
    /// Choose a new password for an account whose password was forgotten.
    PasswordReset,
}

impl LinkPurpose {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::PasswordReset => "password_reset",
        }
    }

    fn from_code(code: &str) -> Result<Self, StoreError> {
        match code {
            "invitation" => Ok(LinkPurpose::Invitation),
            "password_reset" => Ok(LinkPurpose::PasswordReset),
            other => Err(StoreError::Corrupt(format!("link purpose {other}"))),
        }
    }
}

/// The digest of a link's token: all the database keeps to check it.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh link: its id, the digest of its token and the token sealed for the worker.
pub(crate) struct FreshLink {
    pub(crate) id: AccountLinkId,
    pub(crate) token_hash: String,
    pub(crate) sealed_token: String,
}

impl FreshLink {
    pub(crate) fn new(store: &Store) -> Result<Self, StoreError> {
        use base64::Engine;
        let id = AccountLinkId(Uuid::now_v7());
        let bytes: [u8; 32] = rand::random();
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        Ok(Self {
            id,
            token_hash: token_digest(&token),
            sealed_token: store.secrets_key()?.seal(Purpose::LinkToken, id.0, &token)?,
        })
    }
}

/// Inserts a fresh link for `$user` inside the current write transaction, superseding any
/// open link of the same purpose, and enqueues the job that e-mails it.
macro_rules! insert_account_link {
    ($tx:ident, $store:expr, $link:expr, $user:expr, $purpose:expr, $created_by:expr, $expires_at:expr) => {{
        let link: &$crate::links::FreshLink = $link;
        let now = $store.now();
        sqlx::query(
            "UPDATE account_links SET superseded_at = $1, sealed_token = NULL \
             WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL AND superseded_at IS NULL",
        )
        .bind(now)
        .bind($user.0)
        .bind($purpose.code())
        .execute(&mut *$tx)
        .await?;
        sqlx::query(
            "INSERT INTO account_links (id, user_id, purpose, token_hash, sealed_token, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(link.id.0)
        .bind($user.0)
        .bind($purpose.code())
        .bind(&link.token_hash)
        .bind(&link.sealed_token)
        .bind($created_by.map(|u: domain::UserId| u.0))
        .bind(now)
        .bind($crate::engine::db_instant($expires_at))
        .execute(&mut *$tx)
        .await?;
        enqueue_job!($tx, $store, $crate::outbox::Job::SendAccountLink { link: link.id }, now);
    }};
}

/// The latest invitation of an account, as its administrator sees it (never the link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationStatus {
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
    /// When its e-mail was sent.
    pub sent_at: Option<OffsetDateTime>,
    /// When sending it was given up.
    pub send_failed_at: Option<OffsetDateTime>,
    /// When the person used it to choose their password.
    pub used_at: Option<OffsetDateTime>,
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    /// The person chose their password with it.
    Accepted,
    /// Waiting for the worker to send it.
    Waiting,
    /// Sent; not yet used.
    Sent,
    /// The e-mail could not be sent (after every retry).
    NotDelivered,
    /// Not used in time.
    Expired,
}

impl InvitationStatus {
    /// Where the invitation stands at `now`.
    pub fn state(&self, now: OffsetDateTime) -> InvitationState {
        if self.used_at.is_some() {
            InvitationState::Accepted
        } else if self.expires_at <= now {
            InvitationState::Expired
        } else if self.send_failed_at.is_some() {
            InvitationState::NotDelivered
        } else if self.sent_at.is_some() {
            InvitationState::Sent
        } else {
            InvitationState::Waiting
        }
    }
}

/// Whose link a token is, for the page where it is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkHolder {
    /// The account.
    pub user_id: UserId,
    /// Its sign-in address (shown so a password manager files the new password correctly).
    pub email: EmailAddress,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
}

/// What the worker needs to e-mail a link: read when it runs, never kept in the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkDelivery {
    /// Invitation or reset.
    pub purpose: LinkPurpose,
    /// The token, unsealed: goes into the e-mail and nowhere else.
    pub token: String,
    /// Where to send it.
    pub email: EmailAddress,
    /// The holder's given name, to greet them.
    pub given_name: String,
    /// Their organisation's name.
    pub organisation_name: String,
    /// When the link stops working.
    pub expires_at: OffsetDateTime,
}

/// The condition for a link that still works, with "now" as `$now`.
fn open_link(now: usize) -> String {
    format!(
        "l.used_at IS NULL AND l.superseded_at IS NULL AND l.expires_at > ${now} \
         AND l.user_id IN (SELECT id FROM users WHERE active)"
    )
}

impl Store {
    /// Makes a new invitation for an account still waiting to choose its first password (the
    /// last e-mail went astray, or the link expired). The old link stops working.
    pub async fn resend_invitation(
        &self,
        permit: &policy::Permit<policy::ManageUsers>,
        user: UserId,
        valid_for: time::Duration,
    ) -> Result<(), StoreError> {
        let actor = permit.principal().user;
        let link = FreshLink::new(self)?;
        let expires_at = self.now() + valid_for;
        write!(self, tx, kind => {
            let waiting: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM users WHERE id = $1 AND active AND password_hash IS NULL")
                .bind(user.0)
                .fetch_optional(&mut *tx)
                .await?;
            if waiting.is_none() {
                return Err(StoreError::NotFound("account waiting for its invitation"));
            }
            insert_account_link!(tx, self, &link, user, LinkPurpose::Invitation, Some(actor), expires_at);
            audit_append!(tx, self, AuditEntry::new(Some(actor), "user.invite", "user", Some(user.to_string())));
        });
        Ok(())
    }

    /// The latest invitation of an account, if it was invited.
    pub async fn invitation_status(
        &self,
        _permit: &policy::Permit<policy::ManageUsers>,
        user: UserId,
    ) -> Result<Option<InvitationStatus>, StoreError> {
        type Row = (
            OffsetDateTime,
            OffsetDateTime,
            Option<OffsetDateTime>,
            Option<OffsetDateTime>,
            Option<OffsetDateTime>,
        );
        let row: Option<Row> = read!(self, db => {
            sqlx::query_as("SELECT created_at, expires_at, sent_at, send_failed_at, used_at FROM account_links \
                            WHERE user_id = $1 AND purpose = 'invitation' ORDER BY created_at DESC, id DESC LIMIT 1")
                .bind(user.0)
                .fetch_optional(db)
                .await?
        });
        Ok(
            row.map(|(created_at, expires_at, sent_at, send_failed_at, used_at)| InvitationStatus {
                created_at,
                expires_at,
                sent_at,
                send_failed_at,
                used_at,
            }),
        )
    }

    /// Someone asked for a password reset for `email`. If it names an active account with a
    /// password, a reset link is made (superseding any earlier one) and queued for e-mail;
    /// otherwise nothing is. Either way the same work is done in the database (the throttling
    /// subjects are counted and one audit entry is written), so neither the answer nor its
    /// timing says whether the account exists.
    pub async fn request_password_reset(
        &self,
        email: &EmailAddress,
        throttle_subjects: &[String],
        address: &str,
        valid_for: time::Duration,
    ) -> Result<(), StoreError> {
        let link = FreshLink::new(self)?;
        let now = self.now();
        let expires_at = now + valid_for;
        write!(self, tx, kind => {
            for s in throttle_subjects {
                sqlx::query("INSERT INTO sign_in_failures (subject, failed_at) VALUES ($1, $2)")
                    .bind(s)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            let holder: Option<(Uuid,)> =
                sqlx::query_as("SELECT id FROM users WHERE email = $1 AND active AND password_hash IS NOT NULL")
                    .bind(email.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            match holder {
                Some((id,)) => {
                    let user = UserId(id);
                    insert_account_link!(tx, self, &link, user, LinkPurpose::PasswordReset, None::<UserId>, expires_at);
                    audit_append!(tx, self, AuditEntry::new(None, "user.request_password_reset", "user", Some(user.to_string()))
                        .from_address(Some(address.to_owned())));
                }
                None => {
                    audit_append!(tx, self, AuditEntry::new(None, "user.request_password_reset", "user", None)
                        .from_address(Some(address.to_owned()))
                        .outcome(Outcome::Failed));
                }
            }
        });
        Ok(())
    }

    /// Whose account a token opens, if it is a link of this purpose that still works. Reading
    /// changes nothing, so a mail scanner that opens the link does not spend it.
    pub async fn link_holder(&self, token: &str, purpose: LinkPurpose) -> Result<Option<LinkHolder>, StoreError> {
        let now = self.now();
        let sql = format!(
            "SELECT u.id, u.email, u.given_name, u.family_name FROM account_links l JOIN users u ON u.id = l.user_id \
             WHERE l.token_hash = $1 AND l.purpose = $2 AND {}",
            open_link(3)
        );
        let row: Option<(Uuid, String, String, String)> = read!(self, db => {
            sqlx::query_as(&sql).bind(token_digest(token)).bind(purpose.code()).bind(now).fetch_optional(db).await?
        });
        row.map(|(id, email, given_name, family_name)| {
            Ok(LinkHolder {
                user_id: UserId(id),
                email: EmailAddress::parse(&email).map_err(|_| StoreError::Corrupt("email".into()))?,
                given_name,
                family_name,
            })
        })
        .transpose()
    }

    /// Spends an invitation: sets the first password the person chose. `None` if the link
    /// does not work (unknown, used, superseded, expired, or the account deactivated); two
    /// requests racing with one link cannot both succeed.
    pub async fn accept_invitation(&self, token: &str, password_hash: &str, address: &str) -> Result<Option<UserId>, StoreError> {
        self.spend_link(token, LinkPurpose::Invitation, password_hash, address).await
    }

    /// Spends a password-reset link: sets the new password and ends every session of the
    /// account, everywhere. The second factor is untouched, so the next sign-in still asks
    /// for it. `None` if the link does not work.
    pub async fn reset_password(&self, token: &str, password_hash: &str, address: &str) -> Result<Option<UserId>, StoreError> {
        self.spend_link(token, LinkPurpose::PasswordReset, password_hash, address).await
    }

    async fn spend_link(
        &self,
        token: &str,
        purpose: LinkPurpose,
        password_hash: &str,
        address: &str,
    ) -> Result<Option<UserId>, StoreError> {
        let now = self.now();
        let sql = format!(
            "UPDATE account_links SET used_at = $1, sealed_token = NULL WHERE id = \
             (SELECT l.id FROM account_links l WHERE l.token_hash = $2 AND l.purpose = $3 AND {}) RETURNING user_id",
            open_link(1)
        );
        let spent = write!(self, tx, kind => {
            let row: Option<(Uuid,)> = sqlx::query_as(&sql)
                .bind(now)
                .bind(token_digest(token))
                .bind(purpose.code())
                .fetch_optional(&mut *tx)
                .await?;
            let Some((id,)) = row else { return Ok(None) };
            let user = UserId(id);
            sqlx::query("UPDATE users SET password_hash = $1, must_change_password = FALSE WHERE id = $2")
                .bind(password_hash)
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            let action = match purpose {
                LinkPurpose::Invitation => "user.accept_invitation",
                LinkPurpose::PasswordReset => {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(&mut *tx).await?;
                    "user.reset_password"
                }
            };
            audit_append!(tx, self, AuditEntry::new(Some(user), action, "user", Some(user.to_string()))
                .from_address(Some(address.to_owned())));
            Some(user)
        });
        Ok(spent)
    }

    /// What the worker needs to send a link, if it should still be sent: not yet sent, used,
    /// superseded or expired, its account active, its token still sealed here.
    pub async fn link_for_delivery(&self, link: AccountLinkId) -> Result<Option<LinkDelivery>, StoreError> {
        let now = self.now();
        let sql = format!(
            "SELECT l.purpose, l.sealed_token, u.email, u.given_name, o.name, l.expires_at \
             FROM account_links l JOIN users u ON u.id = l.user_id JOIN organisations o ON o.id = u.organisation_id \
             WHERE l.id = $1 AND l.sent_at IS NULL AND l.sealed_token IS NOT NULL AND {}",
            open_link(2)
        );
        type Row = (String, String, String, String, String, OffsetDateTime);
        let row: Option<Row> = read!(self, db => sqlx::query_as(&sql).bind(link.0).bind(now).fetch_optional(db).await?);
        let Some((purpose, sealed, email, given_name, organisation_name, expires_at)) = row else {
            return Ok(None);
        };
        Ok(Some(LinkDelivery {
            purpose: LinkPurpose::from_code(&purpose)?,
            token: self.secrets_key()?.open(Purpose::LinkToken, link.0, &sealed)?,
            email: EmailAddress::parse(&email).map_err(|_| StoreError::Corrupt("email".into()))?,
            given_name,
            organisation_name,
            expires_at,
        }))
    }

    /// Notes that a link's e-mail went out, and forgets its token (only the digest stays).
    pub async fn mark_link_sent(&self, link: AccountLinkId) -> Result<(), StoreError> {
        let now = self.now();
        write!(self, tx, kind => {
            let row: Option<(Uuid, String)> =
                sqlx::query_as("UPDATE account_links SET sent_at = $1, sealed_token = NULL WHERE id = $2 AND sent_at IS NULL RETURNING user_id, purpose")
                    .bind(now)
                    .bind(link.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some((user, purpose)) = row {
                let action = match LinkPurpose::from_code(&purpose)? {
                    LinkPurpose::Invitation => "mail.invitation_sent",
                    LinkPurpose::PasswordReset => "mail.password_reset_sent",
                };
                audit_append!(tx, self, AuditEntry::new(None, action, "user", Some(UserId(user).to_string())));
            }
        });
        Ok(())
    }

    /// Notes that a link's e-mail could not be sent after every retry, and forgets its token:
    /// the administrator sees it and can send a new one.
    pub async fn mark_link_undeliverable(&self, link: AccountLinkId) -> Result<(), StoreError> {
        let now = self.now();
        write!(self, tx, kind => {
            sqlx::query("UPDATE account_links SET send_failed_at = $1, sealed_token = NULL WHERE id = $2 AND sent_at IS NULL")
                .bind(now)
                .bind(link.0)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Forgets the sealed tokens of links that can no longer be used (expired before they
    /// were sent): background housekeeping.
    pub async fn forget_dead_link_tokens(&self) -> Result<u64, StoreError> {
        let now = self.now();
        let n = write!(self, tx, kind => {
            sqlx::query("UPDATE account_links SET sealed_token = NULL WHERE sealed_token IS NOT NULL AND expires_at <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        Ok(n)
    }
}
