//! Staff accounts, roles, sign-in throttling, sessions, second factors and API tokens.
//!
//! Secrets are never stored as given: passwords as argon2id hashes (made by the web crate),
//! session and API tokens and recovery codes as SHA-256 digests, so a copy of the database
//! cannot be replayed as a sign-in.

use crate::audit::{AuditEntry, Outcome};
use crate::error::parse_code;
use crate::{Store, StoreError};
use domain::email::EmailAddress;
use domain::organisation::IsaStatus;
use domain::role::Role;
use domain::{OrganisationId, UserId};
use policy::{ManageOwnAccount, ManageUsers, Permit};
use time::OffsetDateTime;
use uuid::Uuid;

/// An API token as administrators see it: never the token, only what identifies it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiToken {
    /// The token's id.
    #[sqlx(try_from = "Uuid")]
    pub id: domain::ApiTokenId,
    /// The name it was given (the agency system it is for).
    pub name: String,
    /// When it was issued.
    pub created_at: OffsetDateTime,
    /// When it was last used (to the minute).
    pub last_used_at: Option<OffsetDateTime>,
    /// When it stops working.
    pub expires_at: Option<OffsetDateTime>,
    /// When it was revoked.
    pub revoked_at: Option<OffsetDateTime>,
}

/// A member of staff as the rest of the product sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffAccount {
    /// Their id.
    pub id: UserId,
    /// The organisation they work for.
    pub organisation_id: OrganisationId,
    /// Its name.
    pub organisation_name: String,
    /// Its ISA status, which decides whether they may see family data.
    pub organisation_isa: IsaStatus,
    /// Whether their organisation requires a second factor of all its staff.
    pub organisation_mfa_required: bool,
    /// Sign-in address.
    pub email: EmailAddress,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Job title.
    pub job_title: String,
    /// Roles held.
    pub roles: Vec<Role>,
    /// Whether they may sign in.
    pub active: bool,
    /// Whether a second factor is set up.
    pub mfa_enabled: bool,
    /// Whether they must choose a new password at next sign-in.
    pub must_change_password: bool,
    /// Optimistic-locking version of what administrators edit (roles, active); changes people
    /// make to their own sign-in (password, second factor) do not move it.
    pub version: i64,
}

impl StaffAccount {
    /// "Given Family".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }

    /// Whether this person must set up a second factor before using the product.
    pub fn requires_mfa(&self) -> bool {
        domain::role::second_factor_required(&self.roles, self.organisation_mfa_required)
    }

    /// Whether sign-in must ask for the second factor (the rule is the domain's
    /// [`domain::role::second_factor_asked`]).
    pub fn must_pass_second_factor(&self) -> bool {
        domain::role::second_factor_asked(&self.roles, self.organisation_mfa_required, self.mfa_enabled)
    }
}

/// What sign-in needs to check a password.
#[derive(Debug, Clone)]
pub struct SignInRecord {
    /// The account.
    pub id: UserId,
    /// argon2id PHC string; None if a password was never set.
    pub password_hash: Option<String>,
    /// Whether the account may sign in.
    pub active: bool,
}

/// A stored session.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// Whose session.
    pub user_id: UserId,
    /// When they signed in (the absolute timeout counts from here).
    pub created_at: OffsetDateTime,
    /// When the session was last used (the idle timeout counts from here).
    pub last_seen_at: OffsetDateTime,
    /// Whether the second factor was passed in this session.
    pub mfa_passed: bool,
}

/// A new staff account to create.
#[derive(Debug, Clone)]
pub struct NewStaff {
    /// Their organisation.
    pub organisation_id: OrganisationId,
    /// Sign-in address.
    pub email: EmailAddress,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Job title.
    pub job_title: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// argon2id hash of the first password an operator chose at the console; `None` for a
    /// person invited by e-mail, who chooses their own.
    pub password_hash: Option<String>,
    /// Whether they must change it when they first sign in (true when someone else chose it).
    pub must_change_password: bool,
}

#[derive(sqlx::FromRow)]
struct StaffRow {
    id: Uuid,
    organisation_id: Uuid,
    organisation_name: String,
    isa_state: String,
    isa_applied_on: Option<time::Date>,
    isa_signed_on: Option<time::Date>,
    isa_signatory: Option<String>,
    isa_review_due: Option<time::Date>,
    isa_withdrawn_on: Option<time::Date>,
    mfa_required: bool,
    email: String,
    given_name: String,
    family_name: String,
    job_title: String,
    active: bool,
    mfa_enabled_at: Option<OffsetDateTime>,
    must_change_password: bool,
    version: i64,
}

const STAFF_SELECT: &str = "SELECT u.id, u.organisation_id, o.name AS organisation_name, o.isa_state, o.isa_applied_on, \
     o.isa_signed_on, o.isa_signatory, o.isa_review_due, o.isa_withdrawn_on, o.mfa_required, u.email, u.given_name, \
     u.family_name, u.job_title, u.active, u.mfa_enabled_at, u.must_change_password, u.version \
     FROM users u JOIN organisations o ON o.id = u.organisation_id";

/// Rebuilds an [`IsaStatus`] from its columns.
pub(crate) fn isa_from_columns(
    state: &str,
    applied_on: Option<time::Date>,
    signed_on: Option<time::Date>,
    signatory: Option<String>,
    review_due: Option<time::Date>,
    withdrawn_on: Option<time::Date>,
) -> Result<IsaStatus, StoreError> {
    let corrupt = || StoreError::Corrupt(format!("ISA status {state} with missing dates"));
    Ok(match state {
        "applied" => IsaStatus::Applied {
            applied_on: applied_on.ok_or_else(corrupt)?,
        },
        "signed" => IsaStatus::Signed {
            signed_on: signed_on.ok_or_else(corrupt)?,
            signatory: signatory.ok_or_else(corrupt)?,
            review_due: review_due.ok_or_else(corrupt)?,
        },
        "withdrawn" => IsaStatus::Withdrawn {
            withdrawn_on: withdrawn_on.ok_or_else(corrupt)?,
        },
        other => return Err(StoreError::Corrupt(format!("ISA state {other}"))),
    })
}

impl StaffRow {
    fn into_account(self, roles: Vec<Role>) -> Result<StaffAccount, StoreError> {
        Ok(StaffAccount {
            id: UserId(self.id),
            organisation_id: OrganisationId(self.organisation_id),
            organisation_name: self.organisation_name,
            organisation_isa: isa_from_columns(
                &self.isa_state,
                self.isa_applied_on,
                self.isa_signed_on,
                self.isa_signatory,
                self.isa_review_due,
                self.isa_withdrawn_on,
            )?,
            organisation_mfa_required: self.mfa_required,
            email: EmailAddress::parse(&self.email).map_err(|_| StoreError::Corrupt("email".into()))?,
            given_name: self.given_name,
            family_name: self.family_name,
            job_title: self.job_title,
            roles,
            active: self.active,
            mfa_enabled: self.mfa_enabled_at.is_some(),
            must_change_password: self.must_change_password,
            version: self.version,
        })
    }
}

fn group_roles(rows: Vec<(Uuid, String)>) -> Result<std::collections::HashMap<Uuid, Vec<Role>>, StoreError> {
    let mut map: std::collections::HashMap<Uuid, Vec<Role>> = Default::default();
    for (id, code) in rows {
        map.entry(id).or_default().push(parse_code(&code, "role")?);
    }
    for roles in map.values_mut() {
        roles.sort();
    }
    Ok(map)
}

impl Store {
    /// The account a sign-in attempt names, if any.
    pub async fn find_sign_in(&self, email: &EmailAddress) -> Result<Option<SignInRecord>, StoreError> {
        let row: Option<(Uuid, Option<String>, bool)> = read!(self, db => {
            sqlx::query_as("SELECT id, password_hash, active FROM users WHERE email = $1")
                .bind(email.as_str())
                .fetch_optional(db)
                .await?
        });
        Ok(row.map(|(id, password_hash, active)| SignInRecord {
            id: UserId(id),
            password_hash,
            active,
        }))
    }

    /// One member of staff, with their organisation and roles.
    pub async fn staff_account(&self, id: UserId) -> Result<Option<StaffAccount>, StoreError> {
        let (row, roles): (Option<StaffRow>, Vec<(Uuid, String)>) = read!(self, db => {
            let row = sqlx::query_as(&format!("{STAFF_SELECT} WHERE u.id = $1")).bind(id.0).fetch_optional(db).await?;
            let roles = sqlx::query_as("SELECT user_id, role FROM user_roles WHERE user_id = $1").bind(id.0).fetch_all(db).await?;
            (row, roles)
        });
        let mut roles = group_roles(roles)?;
        row.map(|r| {
            let rs = roles.remove(&r.id).unwrap_or_default();
            r.into_account(rs)
        })
        .transpose()
    }

    /// One member of staff, as someone else views them: the read is recorded in the audit
    /// trail (who looked at whose details, from where) before the details are returned.
    pub async fn view_staff_account(
        &self,
        permit: &Permit<policy::ViewStaffDirectory>,
        id: UserId,
        address: &str,
    ) -> Result<Option<StaffAccount>, StoreError> {
        let Some(account) = self.staff_account(id).await? else {
            return Ok(None);
        };
        self.audit_read(
            AuditEntry::new(Some(permit.principal().user), "user.view", "user", Some(id.to_string()))
                .from_address(Some(address.to_owned())),
        )
        .await?;
        Ok(Some(account))
    }

    /// Every member of staff, by organisation then name: the people-and-roles page.
    pub async fn list_staff(&self, _permit: &Permit<policy::ViewStaffDirectory>) -> Result<Vec<StaffAccount>, StoreError> {
        let (rows, roles): (Vec<StaffRow>, Vec<(Uuid, String)>) = read!(self, db => {
            let rows = sqlx::query_as(&format!("{STAFF_SELECT} ORDER BY o.name, u.family_name, u.given_name")).fetch_all(db).await?;
            let roles = sqlx::query_as("SELECT user_id, role FROM user_roles").fetch_all(db).await?;
            (rows, roles)
        });
        let mut roles = group_roles(roles)?;
        rows.into_iter()
            .map(|r| {
                let rs = roles.remove(&r.id).unwrap_or_default();
                r.into_account(rs)
            })
            .collect()
    }

    /// How many sign-in failures a subject (an account or an address) has had since a moment.
    pub async fn sign_in_failures_since(&self, subject: &str, since: OffsetDateTime) -> Result<i64, StoreError> {
        let (n,): (i64,) = read!(self, db => {
            sqlx::query_as("SELECT COUNT(*) FROM sign_in_failures WHERE subject = $1 AND failed_at > $2")
                .bind(subject)
                .bind(crate::engine::db_instant(since))
                .fetch_one(db)
                .await?
        });
        Ok(n)
    }

    /// Records a failed sign-in against each subject, and audits it without the typed address.
    pub async fn record_sign_in_failure(&self, subjects: &[String], user: Option<UserId>, address: &str) -> Result<(), StoreError> {
        let now = self.now();
        write!(self, tx, kind => {
            for s in subjects {
                sqlx::query("INSERT INTO sign_in_failures (subject, failed_at) VALUES ($1, $2)")
                    .bind(s)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            // Old failures no longer count towards any lockout; keep the table small.
            sqlx::query("DELETE FROM sign_in_failures WHERE failed_at < $1")
                .bind(now - time::Duration::days(1))
                .execute(&mut *tx)
                .await?;
            audit_append!(tx, self, AuditEntry::new(user, "session.sign_in", "user", user.map(|u| u.to_string()))
                .from_address(Some(address.to_owned()))
                .outcome(Outcome::Failed));
        });
        Ok(())
    }

    /// Forgets a subject's failures after a successful sign-in.
    pub async fn clear_sign_in_failures(&self, subject: &str) -> Result<(), StoreError> {
        write!(self, tx, kind => {
            sqlx::query("DELETE FROM sign_in_failures WHERE subject = $1").bind(subject).execute(&mut *tx).await?;
        });
        Ok(())
    }

    /// Starts a session after a correct password. The token itself is never stored.
    pub async fn create_session(&self, token_hash: &str, user: UserId, mfa_passed: bool, address: &str) -> Result<(), StoreError> {
        let now = self.now();
        write!(self, tx, kind => {
            sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, mfa_passed, client_address) \
                         VALUES ($1, $2, $3, $3, $4, $5)")
                .bind(token_hash)
                .bind(user.0)
                .bind(now)
                .bind(mfa_passed)
                .bind(address)
                .execute(&mut *tx)
                .await?;
            audit_append!(tx, self, AuditEntry::new(Some(user), "session.sign_in", "user", Some(user.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }

    /// The session a cookie's token belongs to.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row: Option<(Uuid, OffsetDateTime, OffsetDateTime, bool)> = read!(self, db => {
            sqlx::query_as("SELECT user_id, created_at, last_seen_at, mfa_passed FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(db)
                .await?
        });
        Ok(row.map(|(u, created_at, last_seen_at, mfa_passed)| SessionRecord {
            user_id: UserId(u),
            created_at,
            last_seen_at,
            mfa_passed,
        }))
    }

    /// Notes that a session was used, which pushes back its idle timeout.
    pub async fn touch_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let now = self.now();
        write!(self, tx, kind => {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2").bind(now).bind(token_hash).execute(&mut *tx).await?;
        });
        Ok(())
    }

    /// Marks the second factor as passed, moving the session to a new token: a token seen
    /// before the second factor was passed is worth nothing after it.
    pub async fn pass_session_mfa(&self, token_hash: &str, new_token_hash: &str, user: UserId, address: &str) -> Result<(), StoreError> {
        write!(self, tx, kind => {
            sqlx::query("UPDATE sessions SET mfa_passed = TRUE, token_hash = $1 WHERE token_hash = $2")
                .bind(new_token_hash)
                .bind(token_hash)
                .execute(&mut *tx)
                .await?;
            audit_append!(tx, self, AuditEntry::new(Some(user), "session.mfa", "user", Some(user.to_string()))
                .from_address(Some(address.to_owned())));
        });
        Ok(())
    }

    /// Ends one session (sign out, or a timeout noticed on the next request).
    pub async fn end_session(&self, token_hash: &str, user: UserId, reason: &'static str) -> Result<(), StoreError> {
        write!(self, tx, kind => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?;
            audit_append!(tx, self, AuditEntry::new(Some(user), reason, "user", Some(user.to_string())));
        });
        Ok(())
    }

    /// Ends every session of a person, on every server: "sign out everywhere".
    pub async fn end_all_sessions(&self, _permit: &Permit<ManageOwnAccount>, user: UserId) -> Result<u64, StoreError> {
        let n = write!(self, tx, kind => {
            let n = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(&mut *tx).await?.rows_affected();
            audit_append!(tx, self, AuditEntry::new(Some(user), "session.sign_out_everywhere", "user", Some(user.to_string())));
            n
        });
        Ok(n)
    }

    /// Removes sessions past the absolute or idle limit; background housekeeping.
    pub async fn purge_expired_sessions(&self, idle_before: OffsetDateTime, created_before: OffsetDateTime) -> Result<u64, StoreError> {
        let n = write!(self, tx, kind => {
            sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
                .bind(crate::engine::db_instant(idle_before))
                .bind(crate::engine::db_instant(created_before))
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        Ok(n)
    }

    /// Sets a new password chosen by its owner, and ends their other sessions.
    pub async fn change_own_password(
        &self,
        permit: &Permit<ManageOwnAccount>,
        password_hash: &str,
        keep_session: &str,
    ) -> Result<(), StoreError> {
        let user = permit.principal().user;
        write!(self, tx, kind => {
            sqlx::query("UPDATE users SET password_hash = $1, must_change_password = FALSE WHERE id = $2")
                .bind(password_hash)
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2").bind(user.0).bind(keep_session).execute(&mut *tx).await?;
            audit_append!(tx, self, AuditEntry::new(Some(user), "user.change_password", "user", Some(user.to_string())));
        });
        Ok(())
    }

    /// The secret of a person's second factor, set up or being set up, unsealed. A value that
    /// does not open (another key, moved from another account, altered, or planted in plain
    /// text) is [`StoreError::Undecryptable`]: the sign-in fails with an error, it never
    /// carries on without the second factor.
    pub async fn mfa_secrets(&self, user: UserId) -> Result<(Option<String>, Option<String>), StoreError> {
        let row: Option<(Option<String>, Option<String>)> = read!(self, db => {
            sqlx::query_as("SELECT mfa_secret, mfa_pending_secret FROM users WHERE id = $1").bind(user.0).fetch_optional(db).await?
        });
        let (secret, pending) = row.ok_or(StoreError::NotFound("user"))?;
        let key = self.secrets_key()?;
        let open = |v: Option<String>| v.map(|v| key.open(crate::secrets::Purpose::TotpSecret, user.0, &v)).transpose();
        Ok((open(secret)?, open(pending)?))
    }

    /// Keeps a freshly generated secret, sealed, until the person proves their app has it.
    pub async fn begin_mfa_enrolment(&self, user: UserId, secret: &str) -> Result<(), StoreError> {
        let sealed = self.secrets_key()?.seal(crate::secrets::Purpose::TotpSecret, user.0, secret)?;
        write!(self, tx, kind => {
            sqlx::query("UPDATE users SET mfa_pending_secret = $1 WHERE id = $2").bind(&sealed).bind(user.0).execute(&mut *tx).await?;
        });
        Ok(())
    }

    /// Seals every second-factor secret an earlier version stored in plain text, with this
    /// store's key: run at start-up, before serving, so that afterwards a plain value is never
    /// trusted. Returns how many values were sealed. Idempotent.
    pub async fn seal_plaintext_secrets(&self) -> Result<u64, StoreError> {
        let key = self.secrets_key()?.clone();
        let rows: Vec<(Uuid, Option<String>, Option<String>)> = read!(self, db => {
            sqlx::query_as("SELECT id, mfa_secret, mfa_pending_secret FROM users WHERE \
                            (mfa_secret IS NOT NULL AND mfa_secret NOT LIKE 'v1:%') OR \
                            (mfa_pending_secret IS NOT NULL AND mfa_pending_secret NOT LIKE 'v1:%')")
                .fetch_all(db)
                .await?
        });
        let mut sealed = 0;
        for (id, secret, pending) in rows {
            let mut seal = |v: &Option<String>| -> Result<Option<String>, StoreError> {
                match v {
                    Some(v) if !crate::secrets::is_sealed(v) => {
                        sealed += 1;
                        key.seal(crate::secrets::Purpose::TotpSecret, id, v).map(Some)
                    }
                    other => Ok(other.clone()),
                }
            };
            let (new_secret, new_pending) = (seal(&secret)?, seal(&pending)?);
            write!(self, tx, kind => {
                // Only a row still as it was read: a person enrolling meanwhile keeps what they did.
                sqlx::query("UPDATE users SET mfa_secret = $1, mfa_pending_secret = $2 WHERE id = $3 \
                             AND mfa_secret IS NOT DISTINCT FROM $4 AND mfa_pending_secret IS NOT DISTINCT FROM $5")
                    .bind(new_secret.as_deref())
                    .bind(new_pending.as_deref())
                    .bind(id)
                    .bind(secret.as_deref())
                    .bind(pending.as_deref())
                    .execute(&mut *tx)
                    .await?;
                audit_append!(tx, self, AuditEntry::new(None, "user.seal_mfa_secret", "user", Some(UserId(id).to_string())));
            });
        }
        Ok(sealed)
    }

    /// Turns on the second factor with the pending secret, storing digests of the recovery
    /// codes, and moves the session to a new token as [`Store::pass_session_mfa`] does.
    pub async fn complete_mfa_enrolment(
        &self,
        user: UserId,
        recovery_code_hashes: &[String],
        token_hash: &str,
        new_token_hash: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        write!(self, tx, kind => {
            let n = sqlx::query("UPDATE users SET mfa_secret = mfa_pending_secret, mfa_pending_secret = NULL, mfa_enabled_at = $1 \
                                 WHERE id = $2 AND mfa_pending_secret IS NOT NULL")
                .bind(now)
                .bind(user.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("pending second factor"));
            }
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.0).execute(&mut *tx).await?;
            for h in recovery_code_hashes {
                sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)").bind(user.0).bind(h).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE sessions SET mfa_passed = TRUE, token_hash = $1 WHERE token_hash = $2")
                .bind(new_token_hash)
                .bind(token_hash)
                .execute(&mut *tx)
                .await?;
            audit_append!(tx, self, AuditEntry::new(Some(user), "user.enable_mfa", "user", Some(user.to_string())));
        });
        Ok(())
    }

    /// Accepts a one-time code's time step only if it is later than the last one accepted for
    /// this person, so a code seen over someone's shoulder cannot be used again (RFC 6238 §5.2).
    pub async fn accept_totp_step(&self, user: UserId, step: u64) -> Result<bool, StoreError> {
        let step = i64::try_from(step).map_err(|_| StoreError::Corrupt("time step out of range".into()))?;
        let accepted = write!(self, tx, kind => {
            sqlx::query("UPDATE users SET mfa_last_step = $1 WHERE id = $2 AND (mfa_last_step IS NULL OR mfa_last_step < $1)")
                .bind(step)
                .bind(user.0)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1
        });
        Ok(accepted)
    }

    /// Spends a recovery code; true if it was valid and unused.
    pub async fn use_recovery_code(&self, user: UserId, code_hash: &str) -> Result<bool, StoreError> {
        let now = self.now();
        let used = write!(self, tx, kind => {
            let n = sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
                .bind(now)
                .bind(user.0)
                .bind(code_hash)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0 {
                audit_append!(tx, self, AuditEntry::new(Some(user), "user.use_recovery_code", "user", Some(user.to_string())));
            }
            n > 0
        });
        Ok(used)
    }

    /// How many unused recovery codes a person has left.
    pub async fn recovery_codes_left(&self, user: UserId) -> Result<i64, StoreError> {
        let (n,): (i64,) = read!(self, db => {
            sqlx::query_as("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL").bind(user.0).fetch_one(db).await?
        });
        Ok(n)
    }

    /// Creates a staff account with no password and e-mails its holder an invitation to
    /// choose one (a single-use link valid for `valid_for`), all in one transaction: the
    /// account, the link and the job that sends it commit together or not at all. The
    /// administrator never knows a password for the account, so they cannot sign in as it.
    pub async fn invite_staff(
        &self,
        permit: &Permit<ManageUsers>,
        new: &NewStaff,
        valid_for: time::Duration,
    ) -> Result<UserId, StoreError> {
        let id = UserId::new();
        let invitation = crate::links::FreshLink::new(self)?;
        let expires_at = self.now() + valid_for;
        let new = NewStaff {
            password_hash: None,
            must_change_password: false,
            ..new.clone()
        };
        self.insert_staff(Some(permit.principal().user), id, &new, Some((&invitation, expires_at)))
            .await?;
        Ok(id)
    }

    /// Creates a staff account from the command line (an operator at the console, no session).
    pub async fn create_staff_from_console(&self, new: &NewStaff) -> Result<UserId, StoreError> {
        let id = UserId::new();
        self.insert_staff(None, id, new, None).await?;
        Ok(id)
    }

    async fn insert_staff(
        &self,
        actor: Option<UserId>,
        id: UserId,
        new: &NewStaff,
        invitation: Option<(&crate::links::FreshLink, OffsetDateTime)>,
    ) -> Result<(), StoreError> {
        let now = self.now();
        write!(self, tx, kind => {
            sqlx::query("INSERT INTO users (id, organisation_id, email, given_name, family_name, job_title, password_hash, \
                         must_change_password, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE, $9)")
                .bind(id.0)
                .bind(new.organisation_id.0)
                .bind(new.email.as_str())
                .bind(&new.given_name)
                .bind(&new.family_name)
                .bind(&new.job_title)
                .bind(new.password_hash.as_deref())
                .bind(new.must_change_password)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::unique_as(e, "email address"))?;
            for role in &new.roles {
                sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)").bind(id.0).bind(role.code()).execute(&mut *tx).await?;
            }
            let roles: Vec<&str> = new.roles.iter().map(|r| r.code()).collect();
            audit_append!(tx, self, AuditEntry::new(actor, "user.create", "user", Some(id.to_string()))
                .personal(format!("email={}; name={} {}; roles={}", new.email, new.given_name, new.family_name, roles.join(","))));
            if let Some((link, expires_at)) = invitation {
                insert_account_link!(tx, self, link, id, crate::links::LinkPurpose::Invitation, actor, expires_at);
                audit_append!(tx, self, AuditEntry::new(actor, "user.invite", "user", Some(id.to_string())));
            }
        });
        Ok(())
    }

    /// Replaces a person's roles, refusing if someone else changed the account meanwhile.
    pub async fn set_roles(&self, permit: &Permit<ManageUsers>, user: UserId, roles: &[Role], version: i64) -> Result<(), StoreError> {
        let actor = permit.principal().user;
        write!(self, tx, kind => {
            let n = sqlx::query("UPDATE users SET version = version + 1 WHERE id = $1 AND version = $2")
                .bind(user.0)
                .bind(version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::StaleVersion("account"));
            }
            sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(user.0).execute(&mut *tx).await?;
            for role in roles {
                sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)").bind(user.0).bind(role.code()).execute(&mut *tx).await?;
            }
            let codes: Vec<&str> = roles.iter().map(|r| r.code()).collect();
            audit_append!(tx, self, AuditEntry::new(Some(actor), "user.set_roles", "user", Some(user.to_string()))
                .personal(format!("roles={}", codes.join(","))));
        });
        Ok(())
    }

    /// Deactivates or reactivates an account; deactivation ends its sessions and API tokens.
    pub async fn set_active(&self, permit: &Permit<ManageUsers>, user: UserId, active: bool, version: i64) -> Result<(), StoreError> {
        let actor = permit.principal().user;
        let now = self.now();
        write!(self, tx, kind => {
            let n = sqlx::query("UPDATE users SET active = $1, version = version + 1 WHERE id = $2 AND version = $3")
                .bind(active)
                .bind(user.0)
                .bind(version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::StaleVersion("account"));
            }
            if !active {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(&mut *tx).await?;
                sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await?;
            }
            let action = if active { "user.reactivate" } else { "user.deactivate" };
            audit_append!(tx, self, AuditEntry::new(Some(actor), action, "user", Some(user.to_string())));
        });
        Ok(())
    }

    /// Removes a person's second factor (lost phone): they set it up again at next sign-in.
    pub async fn reset_mfa(&self, permit: &Permit<ManageUsers>, user: UserId) -> Result<(), StoreError> {
        self.remove_second_factor(Some(permit.principal().user), user).await
    }

    /// The same, from the command line (an operator at the console, no session).
    pub async fn reset_mfa_from_console(&self, user: UserId) -> Result<(), StoreError> {
        self.remove_second_factor(None, user).await
    }

    async fn remove_second_factor(&self, actor: Option<UserId>, user: UserId) -> Result<(), StoreError> {
        write!(self, tx, kind => {
            let n = sqlx::query("UPDATE users SET mfa_secret = NULL, mfa_pending_secret = NULL, mfa_enabled_at = NULL, \
                                 mfa_last_step = NULL WHERE id = $1")
                .bind(user.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("account"));
            }
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.0).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(&mut *tx).await?;
            audit_append!(tx, self, AuditEntry::new(actor, "user.reset_mfa", "user", Some(user.to_string())));
        });
        Ok(())
    }

    /// Looks up an account id by e-mail (command-line tools).
    pub async fn user_id_by_email(&self, email: &EmailAddress) -> Result<Option<UserId>, StoreError> {
        Ok(self.find_sign_in(email).await?.map(|r| r.id))
    }

    /// Issues an API token for an agency system acting as this user, from the command line
    /// (an operator at the console). Only its digest is kept.
    pub async fn create_api_token_from_console(
        &self,
        user: UserId,
        name: &str,
        token_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<domain::ApiTokenId, StoreError> {
        self.insert_api_token(None, user, name, token_hash, expires_at).await
    }

    /// Issues an API token from the administration pages. Only its digest is kept; the token
    /// itself is shown once.
    pub async fn create_api_token(
        &self,
        permit: &Permit<policy::IssueApiToken>,
        user: UserId,
        name: &str,
        token_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<domain::ApiTokenId, StoreError> {
        self.insert_api_token(Some(permit.principal().user), user, name, token_hash, expires_at)
            .await
    }

    async fn insert_api_token(
        &self,
        actor: Option<UserId>,
        user: UserId,
        name: &str,
        token_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<domain::ApiTokenId, StoreError> {
        let id = domain::ApiTokenId::new();
        let now = self.now();
        write!(self, tx, kind => {
            sqlx::query("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id.0)
                .bind(user.0)
                .bind(name)
                .bind(token_hash)
                .bind(now)
                .bind(crate::engine::db_instant(expires_at))
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::unique_as(e, "token"))?;
            audit_append!(tx, self, AuditEntry::new(actor, "api_token.create", "user", Some(user.to_string())));
        });
        Ok(id)
    }

    /// A person's API tokens, newest first (never the tokens themselves).
    pub async fn api_tokens_of(&self, _permit: &Permit<policy::IssueApiToken>, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
        let rows: Vec<ApiToken> = read!(self, db => {
            sqlx::query_as("SELECT id, name, created_at, last_used_at, expires_at, revoked_at FROM api_tokens WHERE user_id = $1 \
                            ORDER BY created_at DESC, id DESC")
                .bind(user.0)
                .fetch_all(db)
                .await?
        });
        Ok(rows)
    }

    /// Revokes one of a person's API tokens at once.
    pub async fn revoke_api_token(
        &self,
        permit: &Permit<policy::IssueApiToken>,
        user: UserId,
        token: domain::ApiTokenId,
    ) -> Result<(), StoreError> {
        let now = self.now();
        write!(self, tx, kind => {
            let n = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
                .bind(now)
                .bind(token.0)
                .bind(user.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("unrevoked token"));
            }
            audit_append!(tx, self, AuditEntry::new(Some(permit.principal().user), "api_token.revoke", "user", Some(user.to_string())));
        });
        Ok(())
    }

    /// The user an API token acts for, if the token is known, unexpired and not revoked and
    /// its account active; notes its use.
    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<UserId>, StoreError> {
        let now = self.now();
        let row: Option<(Uuid, Option<OffsetDateTime>)> = read!(self, db => {
            sqlx::query_as("SELECT t.user_id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
                            WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active \
                            AND (t.expires_at IS NULL OR t.expires_at > $2)")
                .bind(token_hash)
                .bind(now)
                .fetch_optional(db)
                .await?
        });
        let Some((user, last_used)) = row else { return Ok(None) };
        // Note the last use once a minute at most: enough to spot a forgotten token, and no
        // write transaction on every call.
        if last_used.is_some_and(|t| t >= now - time::Duration::MINUTE) {
            return Ok(Some(UserId(user)));
        }
        write!(self, tx, kind => {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 AND (last_used_at IS NULL OR last_used_at < $3)")
                .bind(now)
                .bind(token_hash)
                .bind(now - time::Duration::MINUTE)
                .execute(&mut *tx)
                .await?;
        });
        Ok(Some(UserId(user)))
    }
}
