//! Organisations and the ISA register: who takes part in information sharing, since when,
//! and until when.

use crate::accounts::isa_from_columns;
use crate::audit::AuditEntry;
use crate::error::parse_code;
use crate::{Store, StoreError};
use domain::OrganisationId;
use domain::organisation::{IsaStatus, OrganisationKind};
use policy::{ApplyToJoin, ManageOrganisation, Permit, ViewIsaRegister};
use time::Date;
use uuid::Uuid;

/// An organisation as the ISA register shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    /// Its id.
    pub id: OrganisationId,
    /// Its name.
    pub name: String,
    /// What kind of agency it is.
    pub kind: OrganisationKind,
    /// The domain its secure e-mail comes from.
    pub secure_email_domain: String,
    /// Postal address.
    pub address: String,
    /// Where it stands with the ISA.
    pub isa: IsaStatus,
    /// Whether all its staff must use a second factor.
    pub mfa_required: bool,
    /// How many active staff accounts it has.
    pub staff_count: i64,
    /// Optimistic-locking version.
    pub version: i64,
}

/// A new organisation's application to join the ISA.
#[derive(Debug, Clone)]
pub struct Application {
    /// Its name.
    pub name: String,
    /// What kind of agency it is.
    pub kind: OrganisationKind,
    /// The domain its secure e-mail comes from.
    pub secure_email_domain: String,
    /// Postal address.
    pub address: String,
}

#[derive(sqlx::FromRow)]
struct OrganisationRow {
    id: Uuid,
    name: String,
    kind: String,
    secure_email_domain: String,
    address: String,
    isa_state: String,
    isa_applied_on: Option<Date>,
    isa_signed_on: Option<Date>,
    isa_signatory: Option<String>,
    isa_review_due: Option<Date>,
    isa_withdrawn_on: Option<Date>,
    mfa_required: bool,
    staff_count: i64,
    version: i64,
}

impl TryFrom<OrganisationRow> for Organisation {
    type Error = StoreError;
    fn try_from(r: OrganisationRow) -> Result<Self, StoreError> {
        Ok(Organisation {
            id: OrganisationId(r.id),
            kind: parse_code(&r.kind, "organisation kind")?,
            isa: isa_from_columns(
                &r.isa_state,
                r.isa_applied_on,
                r.isa_signed_on,
                r.isa_signatory,
                r.isa_review_due,
                r.isa_withdrawn_on,
            )?,
            name: r.name,
            secure_email_domain: r.secure_email_domain,
            address: r.address,
            mfa_required: r.mfa_required,
            staff_count: r.staff_count,
            version: r.version,
        })
    }
}

const ORG_SELECT: &str = "SELECT o.id, o.name, o.kind, o.secure_email_domain, o.address, o.isa_state, o.isa_applied_on, \
     o.isa_signed_on, o.isa_signatory, o.isa_review_due, o.isa_withdrawn_on, o.mfa_required, o.version, \
     (SELECT COUNT(*) FROM users u WHERE u.organisation_id = o.id AND u.active) AS staff_count FROM organisations o";

/// The columns an [`IsaStatus`] is stored in.
pub(crate) struct IsaColumns {
    pub state: &'static str,
    pub applied_on: Option<Date>,
    pub signed_on: Option<Date>,
    pub signatory: Option<String>,
    pub review_due: Option<Date>,
    pub withdrawn_on: Option<Date>,
}

impl From<&IsaStatus> for IsaColumns {
    fn from(s: &IsaStatus) -> Self {
        let none = IsaColumns {
            state: "",
            applied_on: None,
            signed_on: None,
            signatory: None,
            review_due: None,
            withdrawn_on: None,
        };
        match s {
            IsaStatus::Applied { applied_on } => IsaColumns {
                state: "applied",
                applied_on: Some(*applied_on),
                ..none
            },
            IsaStatus::Signed {
                signed_on,
                signatory,
                review_due,
            } => IsaColumns {
                state: "signed",
                signed_on: Some(*signed_on),
                signatory: Some(signatory.clone()),
                review_due: Some(*review_due),
                ..none
            },
            IsaStatus::Withdrawn { withdrawn_on } => IsaColumns {
                state: "withdrawn",
                withdrawn_on: Some(*withdrawn_on),
                ..none
            },
        }
    }
}

impl Store {
    /// Every organisation, by name: the ISA register.
    pub async fn list_organisations(&self, _permit: &Permit<ViewIsaRegister>) -> Result<Vec<Organisation>, StoreError> {
        let rows: Vec<OrganisationRow> = read!(self, db => {
            sqlx::query_as(&format!("{ORG_SELECT} ORDER BY o.name")).fetch_all(db).await?
        });
        rows.into_iter().map(Organisation::try_from).collect()
    }

    /// One organisation, for its page on the register.
    pub async fn organisation(&self, _permit: &Permit<ViewIsaRegister>, id: OrganisationId) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrganisationRow> = read!(self, db => {
            sqlx::query_as(&format!("{ORG_SELECT} WHERE o.id = $1")).bind(id.0).fetch_optional(db).await?
        });
        row.map(Organisation::try_from).transpose()
    }

    /// Records an organisation's application to join the ISA.
    pub async fn record_application(&self, permit: &Permit<ApplyToJoin>, application: &Application) -> Result<OrganisationId, StoreError> {
        let id = OrganisationId::new();
        let now = self.now();
        let today = self.clock.today();
        let actor = permit.principal().user;
        write!(self, tx, kind => {
            sqlx::query("INSERT INTO organisations (id, name, kind, secure_email_domain, address, isa_state, isa_applied_on, \
                         mfa_required, created_at) VALUES ($1, $2, $3, $4, $5, 'applied', $6, FALSE, $7)")
                .bind(id.0)
                .bind(&application.name)
                .bind(application.kind.code())
                .bind(&application.secure_email_domain)
                .bind(&application.address)
                .bind(today)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::unique_as(e, "organisation name"))?;
            audit_append!(tx, self, AuditEntry::new(Some(actor), "organisation.apply", "organisation", Some(id.to_string())));
        });
        Ok(id)
    }

    /// Changes an organisation's ISA status (approval, renewal, withdrawal), checking the
    /// version so two administrators cannot silently overwrite each other.
    pub async fn set_isa_status(&self, permit: &Permit<ManageOrganisation>, status: &IsaStatus, version: i64) -> Result<(), StoreError> {
        let c = IsaColumns::from(status);
        let actor = permit.principal().user;
        let id = permit.organisation();
        write!(self, tx, kind => {
            let n = sqlx::query("UPDATE organisations SET isa_state = $1, isa_applied_on = COALESCE($2, isa_applied_on), \
                                 isa_signed_on = $3, isa_signatory = $4, isa_review_due = $5, isa_withdrawn_on = $6, \
                                 version = version + 1 WHERE id = $7 AND version = $8")
                .bind(c.state)
                .bind(c.applied_on)
                .bind(c.signed_on)
                .bind(c.signatory.as_deref())
                .bind(c.review_due)
                .bind(c.withdrawn_on)
                .bind(id.0)
                .bind(version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::StaleVersion("organisation"));
            }
            audit_append!(tx, self, AuditEntry::new(Some(actor), "organisation.set_isa_status", "organisation", Some(id.to_string()))
                .personal(format!("state={}", c.state)));
        });
        Ok(())
    }

    /// Requires (or stops requiring) a second factor of all an organisation's staff.
    pub async fn set_organisation_mfa(&self, permit: &Permit<ManageOrganisation>, required: bool, version: i64) -> Result<(), StoreError> {
        let actor = permit.principal().user;
        let id = permit.organisation();
        write!(self, tx, kind => {
            let n = sqlx::query("UPDATE organisations SET mfa_required = $1, version = version + 1 WHERE id = $2 AND version = $3")
                .bind(required)
                .bind(id.0)
                .bind(version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::StaleVersion("organisation"));
            }
            audit_append!(tx, self, AuditEntry::new(Some(actor), "organisation.set_mfa", "organisation", Some(id.to_string())));
        });
        Ok(())
    }
}

impl Store {
    /// Finds an organisation by its exact name: for operators at the console.
    pub async fn organisation_id_by_name(&self, name: &str) -> Result<Option<OrganisationId>, StoreError> {
        let row: Option<(Uuid,)> =
            read!(self, db => sqlx::query_as("SELECT id FROM organisations WHERE name = $1").bind(name).fetch_optional(db).await?);
        Ok(row.map(|(id,)| OrganisationId(id)))
    }
}
