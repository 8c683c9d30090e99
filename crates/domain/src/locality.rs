//! Localities and the postcode table that allocates a family to one.

use crate::{LocalityId, postcode::Postcode};
use serde::{Deserialize, Serialize};

/// One row of the configurable postcode → locality table. `prefix` is a postcode district
/// ("NX4") or sector ("NX4 7"); a sector row wins over its district, so a district split
/// between two localities is configured by listing its sectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostcodeArea {
    /// District or sector, in normal form.
    pub prefix: String,
    /// The locality it belongs to.
    pub locality: LocalityId,
}

/// Finds the locality for a postcode: the sector row if there is one, else the district row.
pub fn locality_for(postcode: &Postcode, table: &[PostcodeArea]) -> Option<LocalityId> {
    table
        .iter()
        .find(|a| a.prefix == postcode.sector())
        .or_else(|| table.iter().find(|a| a.prefix == postcode.district()))
        .map(|a| a.locality)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sector_row_wins_over_its_district() {
        let north = LocalityId::new();
        let south = LocalityId::new();
        let table = vec![
            PostcodeArea {
                prefix: "NX4".into(),
                locality: north,
            },
            PostcodeArea {
                prefix: "NX4 9".into(),
                locality: south,
            },
        ];
        assert_eq!(locality_for(&Postcode::parse("NX4 1AB").unwrap(), &table), Some(north));
        assert_eq!(locality_for(&Postcode::parse("NX4 9AB").unwrap(), &table), Some(south));
        assert_eq!(locality_for(&Postcode::parse("NX5 9AB").unwrap(), &table), None);
    }
}
