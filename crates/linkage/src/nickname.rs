//! The nickname table: Bob is Robert, Liz is Elizabeth.
//!
//! Shipped as a data file (`data/nicknames.txt`) compiled into the crate, so a council can read
//! and extend the list without reading Rust. Jaro–Winkler alone scores "Bob"/"Robert" as
//! different people; a table is the only way to know they are not.

use crate::record::normalise_name;
use rustc_hash::FxHashMap;
use std::sync::LazyLock;

const TABLE: &str = include_str!("../data/nicknames.txt");

/// Nickname groups, indexed by normalised name. A name may belong to several groups.
#[derive(Debug)]
pub struct Nicknames {
    groups: FxHashMap<String, Vec<u16>>,
    count: usize,
}

static STANDARD: LazyLock<Nicknames> = LazyLock::new(|| Nicknames::parse(TABLE));

impl Nicknames {
    /// The table shipped with the crate. Parsed once; it is immutable data, not configuration.
    pub fn standard() -> &'static Nicknames {
        &STANDARD
    }

    /// Reads the file format: one group a line, comma-separated, `#` starts a comment.
    pub fn parse(text: &str) -> Self {
        let mut groups: FxHashMap<String, Vec<u16>> = FxHashMap::default();
        let mut count = 0usize;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let id = u16::try_from(count).unwrap_or(u16::MAX);
            count += 1;
            for name in line.split(',') {
                let n = normalise_name(name);
                if !n.is_empty() {
                    let entry = groups.entry(n).or_default();
                    if !entry.contains(&id) {
                        entry.push(id);
                    }
                }
            }
        }
        Self { groups, count }
    }

    /// How many groups the table holds.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True for an empty table (a configuration could switch nicknames off this way).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The groups a normalised name belongs to, at most three (enough for every real entry).
    pub fn groups_of(&self, normalised: &str) -> [u16; 3] {
        let mut out = [u16::MAX; 3];
        if let Some(g) = self.groups.get(normalised) {
            for (slot, id) in out.iter_mut().zip(g.iter()) {
                *slot = *id;
            }
        }
        out
    }

    /// Whether two names (any case) are known by each other: they share a group.
    pub fn equivalent(&self, a: &str, b: &str) -> bool {
        groups_overlap(self.groups_of(&normalise_name(a)), self.groups_of(&normalise_name(b)))
    }
}

/// Whether two group sets from [`Nicknames::groups_of`] share a group.
pub(crate) fn groups_overlap(a: [u16; 3], b: [u16; 3]) -> bool {
    a.iter().any(|x| *x != u16::MAX && b.contains(x))
}
