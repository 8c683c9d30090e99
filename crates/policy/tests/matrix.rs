//! The whole decision table: every role × action × ISA standing × second factor × consent
//! exclusion × own or other organisation, checked against the specification in
//! `support/mod.rs`, and printed for people:
//!
//! ```text
//! cargo test -p earlyhelp-policy --test matrix -- --nocapture print_matrix
//! ```

#![allow(clippy::unwrap_used, reason = "a test or bench should stop loudly at the first surprise")]

mod support;

use domain::role::Role;
use earlyhelp_policy::Authority;
use std::fmt::Write as _;
use support::{COLUMNS, STANDINGS, decide, expected, outcome, principal};

/// The role sets checked exhaustively: nobody's roles, each role alone, every pair, all roles.
fn role_sets() -> Vec<Vec<Role>> {
    let mut sets = vec![vec![], Role::ALL.to_vec()];
    for (i, a) in Role::ALL.iter().enumerate() {
        sets.push(vec![*a]);
        for b in &Role::ALL[i + 1..] {
            sets.push(vec![*a, *b]);
        }
    }
    sets
}

#[test]
fn every_cell_of_the_matrix_matches_the_specification() {
    let authority = Authority::new().unwrap();
    let mut disagreements = Vec::new();
    for roles in role_sets() {
        for isa in STANDINGS {
            for mfa in [false, true] {
                let who = principal(&roles, isa, mfa);
                for column in COLUMNS {
                    let actual = decide(&authority, &who, column);
                    let want = expected(&roles, isa, mfa, column);
                    if outcome(&actual) != want {
                        disagreements.push(format!(
                            "{roles:?} {isa:?} mfa={mfa} {} {:?}: policy {:?}, spec {want:?}",
                            column.action,
                            column.about,
                            outcome(&actual)
                        ));
                    }
                }
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} cells disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// One letter per outcome, so a row fits on a screen.
fn mark(result: Result<(), &str>) -> &'static str {
    match result {
        Ok(()) => "yes",
        Err("default-deny") => "-",
        Err("isa-signatories-only") => "ISA",
        Err("administrators-see-no-case-content") => "ADM",
        Err("consent-exclusion") => "CON",
        Err("administrators-see-case-content-only-through-break-glass") => "BG?",
        Err("not-your-own-organisation") => "OWN",
        Err("admin-actions-need-a-second-factor") => "MFA",
        Err(_) => "ERR",
    }
}

#[test]
fn print_matrix() {
    let authority = Authority::new().unwrap();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nWho may do what (one role each; people with several roles get the union of grants, \
         and any forbid still applies)\n\
         yes = permitted   - = no rule permits (default-deny)   ISA = isa-signatories-only\n\
         ADM = administrators-see-no-case-content   CON = consent-exclusion   \
         MFA = admin-actions-need-a-second-factor   OWN = not-your-own-organisation\n\
         BG? = administrators-see-case-content-only-through-break-glass\n\
         Fam(x) = ViewFamily on a family the asker is connected to as x: none, works with it \
         (lead professional or TAF), panel core member, invited extended member, break-glass; \
         FamX = the same on a family whose consent excludes the asker's organisation\n\
         Share = RecordSharing; OpenBG = OpenBreakGlass (X: family excludes the asker's organisation)\n\
         Cons = RecordConsent (core: panel core member; invt: invited extended member)\n\
         Overr = AuthoriseConsentOverride on a family the asker works with (wk), recorded (rec), holds an \
         urgent concern for (MASH) or has no connection to (no)\n\
         Move = RecordMove (a family's move of house), by connection as for Pers (RecordPerson)\n\
         Org(othr) / Org(own) = ManageOrganisation on another organisation / the asker's own\n"
    );
    let _ = write!(out, "{:<28} {:<10} {:<4}", "role", "ISA", "2FA");
    for column in COLUMNS {
        let _ = write!(out, " {:>9}", column.header);
    }
    let _ = writeln!(out);
    for role in Role::ALL {
        for isa in STANDINGS {
            for mfa in [true, false] {
                let who = principal(&[role], isa, mfa);
                let _ = write!(out, "{:<28} {:<10} {:<4}", role.label(), isa.code(), if mfa { "yes" } else { "no" });
                for column in COLUMNS {
                    let _ = write!(out, " {:>9}", mark(outcome(&decide(&authority, &who, column))));
                }
                let _ = writeln!(out);
            }
        }
    }
    println!("{out}");
}
