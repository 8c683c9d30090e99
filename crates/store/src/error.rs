//! Store errors as types; the web crate maps them to pages in one place.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or refused a statement.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed to apply.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The URL names an engine we do not support.
    #[error("unsupported database URL (use sqlite://… or postgres://…)")]
    UnsupportedUrl,
    /// The record was not found.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Someone else changed the record since it was read (optimistic locking).
    #[error("{0} was changed by someone else")]
    StaleVersion(&'static str),
    /// A unique value (e-mail, name) is already taken.
    #[error("{0} is already in use")]
    Duplicate(&'static str),
    /// The audit writer has stopped (the server is shutting down): nothing is shown unrecorded.
    #[error("the audit trail is not accepting entries")]
    AuditUnavailable,
    /// Appending to the audit trail failed; the read it recorded must not be shown.
    #[error("the audit trail could not be written: {0}")]
    AuditFailed(String),
    /// A sealed secret did not open: it was made with another key, moved from another record,
    /// altered, or stored in plain text after the start-up sealing. Never a reason to carry
    /// on without the secret (a second factor is refused, not skipped).
    #[error("{0} could not be decrypted (wrong secrets key, or the stored value was altered)")]
    Undecryptable(&'static str),
    /// The store was opened without the key that seals secrets (a start-up mistake).
    #[error("no secrets key was given to the store")]
    NoSecretsKey,
    /// A stored value could not be read back into a domain type: the data is corrupt.
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Turns a unique-constraint violation into [`StoreError::Duplicate`], naming the field.
    pub(crate) fn unique_as(e: sqlx::Error, what: &'static str) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(what),
            _ => StoreError::Database(e),
        }
    }
}

/// Reads a stored code back into a domain enum, or reports corruption.
pub(crate) fn parse_code<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("{what}: {s}")))
}
