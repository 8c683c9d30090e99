//! Typed identifiers. Every id is a UUIDv7: sortable by creation time, safe to show in a URL,
//! and never a sequence number that would reveal how many families a council holds.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The id in a URL path. A malformed one becomes the nil id, which names no record,
            /// so it is refused in exactly the words of an id the asker may not see.
            pub fn from_path(raw: &str) -> Self {
                raw.parse().unwrap_or(Self(Uuid::nil()))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

id_type!(
    /// A member organisation (council service, health trust, school, police force, charity…).
    OrganisationId
);
id_type!(
    /// A staff account: a person who signs in on behalf of one organisation.
    UserId
);
id_type!(
    /// A locality: the area one or more panels serve, found from a postcode.
    LocalityId
);
id_type!(
    /// A panel, forum or complex multi-agency meeting series.
    PanelId
);
id_type!(
    /// A family (household) known to early help.
    FamilyId
);
id_type!(
    /// A person: a child, young person or adult in a family.
    PersonId
);
id_type!(
    /// An API token issued to an agency system.
    ApiTokenId
);
id_type!(
    /// A consent record: what a family agreed to, when and how (see [`crate::consent`]).
    ConsentId
);
id_type!(
    /// A referral into early help, from any route (see [`crate::referral`]).
    ReferralId
);
id_type!(
    /// One meeting of a panel on one date: what a referral is accepted for.
    MeetingId
);
id_type!(
    /// An action agreed at a panel meeting, with its owner and due date.
    AgreedActionId
);
id_type!(
    /// A family's plan.
    PlanId
);
id_type!(
    /// One need on a family's plan.
    NeedId
);
