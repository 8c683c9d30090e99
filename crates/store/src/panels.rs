//! Panels as configured: cadence, venue, chairs, business support and membership.

use crate::error::parse_code;
use crate::{Store, StoreError};
use domain::panel::{Cadence, Membership, PanelKind};
use domain::{OrganisationId, PanelId, UserId};
use policy::{Permit, ViewPanels};
use time::Time;
use uuid::Uuid;

/// A panel with the names people need to see.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelSummary {
    /// Its id.
    pub id: PanelId,
    /// Its name.
    pub name: String,
    /// What kind of meeting it is.
    pub kind: PanelKind,
    /// The locality it serves.
    pub locality_name: String,
    /// How often it meets.
    pub cadence: Cadence,
    /// Start time.
    pub starts_at: Time,
    /// End time.
    pub ends_at: Time,
    /// Where it meets.
    pub venue: String,
    /// Chairs, in the order they take turns.
    pub chairs: Vec<(UserId, String)>,
    /// The business support officer.
    pub business_support: (UserId, String),
    /// Member organisations and, where named, their representative.
    pub members: Vec<PanelMemberSummary>,
    /// Statement read out at the start of each meeting.
    pub conflict_of_interest_statement: String,
}

/// One member organisation of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelMemberSummary {
    /// The organisation.
    pub organisation_id: OrganisationId,
    /// Its name.
    pub organisation_name: String,
    /// The named representative, if any.
    pub representative: Option<String>,
    /// Core or extended.
    pub membership: Membership,
}

/// (panel, user, given name, family name)
type ChairRow = (Uuid, Uuid, String, String);
/// (panel, organisation, organisation name, given name, family name, membership)
type MemberRow = (Uuid, Uuid, String, Option<String>, Option<String>, String);

#[derive(sqlx::FromRow)]
struct PanelRow {
    id: Uuid,
    name: String,
    kind: String,
    locality_name: String,
    cadence: String,
    starts_at: Time,
    ends_at: Time,
    venue: String,
    bs_id: Uuid,
    bs_given: String,
    bs_family: String,
    conflict_of_interest_statement: String,
}

impl Store {
    /// Every panel with its chairs and members, by name.
    pub async fn list_panels(&self, _permit: &Permit<ViewPanels>) -> Result<Vec<PanelSummary>, StoreError> {
        let (rows, chairs, members): (Vec<PanelRow>, Vec<ChairRow>, Vec<MemberRow>) = read!(self, db => {
            let rows = sqlx::query_as(
                "SELECT p.id, p.name, p.kind, l.name AS locality_name, p.cadence, p.starts_at, p.ends_at, p.venue, \
                 u.id AS bs_id, u.given_name AS bs_given, u.family_name AS bs_family, p.conflict_of_interest_statement \
                 FROM panels p JOIN localities l ON l.id = p.locality_id JOIN users u ON u.id = p.business_support_user_id \
                 ORDER BY p.name",
            )
            .fetch_all(db)
            .await?;
            let chairs = sqlx::query_as(
                "SELECT c.panel_id, u.id, u.given_name, u.family_name FROM panel_chairs c JOIN users u ON u.id = c.user_id \
                 ORDER BY c.panel_id, c.turn",
            )
            .fetch_all(db)
            .await?;
            let members = sqlx::query_as(
                "SELECT m.panel_id, o.id, o.name, u.given_name, u.family_name, m.membership FROM panel_members m \
                 JOIN organisations o ON o.id = m.organisation_id LEFT JOIN users u ON u.id = m.user_id \
                 ORDER BY m.panel_id, m.membership, o.name",
            )
            .fetch_all(db)
            .await?;
            (rows, chairs, members)
        });
        rows.into_iter()
            .map(|r| {
                let cadence: Cadence = serde_json::from_str(&r.cadence).map_err(|e| StoreError::Corrupt(format!("cadence: {e}")))?;
                let members = members
                    .iter()
                    .filter(|m| m.0 == r.id)
                    .map(|(_, org, org_name, given, family, membership)| {
                        Ok(PanelMemberSummary {
                            organisation_id: OrganisationId(*org),
                            organisation_name: org_name.clone(),
                            representative: given.as_ref().zip(family.as_ref()).map(|(g, f)| format!("{g} {f}")),
                            membership: Membership::from_code(membership)
                                .ok_or_else(|| StoreError::Corrupt(format!("membership {membership}")))?,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                Ok(PanelSummary {
                    id: PanelId(r.id),
                    kind: parse_code(&r.kind, "panel kind")?,
                    name: r.name,
                    locality_name: r.locality_name,
                    cadence,
                    starts_at: r.starts_at,
                    ends_at: r.ends_at,
                    venue: r.venue,
                    chairs: chairs
                        .iter()
                        .filter(|c| c.0 == r.id)
                        .map(|c| (UserId(c.1), format!("{} {}", c.2, c.3)))
                        .collect(),
                    business_support: (UserId(r.bs_id), format!("{} {}", r.bs_given, r.bs_family)),
                    members,
                    conflict_of_interest_statement: r.conflict_of_interest_statement,
                })
            })
            .collect()
    }
}
