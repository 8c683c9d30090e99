//! Prints the explanation (the waterfall's bars) of chosen pairs of two CSV files.
//!
//! usage: `cargo run --release --example explain -- LEFT RIGHT LEFT_ID:RIGHT_ID...`
//! For looking into why a pair did or did not link while tuning a data set's settings.

use earlyhelp_linkage::batch::{Columns, read_side};
use earlyhelp_linkage::vocab::Vocabulary;
use earlyhelp_linkage::{Linkage, Settings};
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [left, right, pairs @ ..] = args.as_slice() else {
        return Err("usage: explain LEFT RIGHT LEFT_ID:RIGHT_ID...".into());
    };
    let mut v = Vocabulary::new();
    let l = read_side(Path::new(left), &Columns::default(), &mut v)?;
    let r = read_side(Path::new(right), &Columns::default(), &mut v)?;
    let (lids, rids) = (l.ids.clone(), r.ids.clone());
    let linkage = Linkage::from_people(v, l.people, r.people, Settings::default());
    for pair in pairs {
        let (a, b) = pair.split_once(':').ok_or("pairs are LEFT_ID:RIGHT_ID")?;
        let li = lids.iter().position(|x| x == a).ok_or("no such left id")?;
        let ri = rids.iter().position(|x| x == b).ok_or("no such right id")?;
        let e = linkage.explain(li, ri);
        println!(
            "{a} ~ {b}: weight {:.2}, probability {:.4}, {:?}",
            e.match_weight, e.match_probability, e.decision
        );
        println!("  prior {:+.2}", e.prior_weight);
        for c in &e.contributions {
            println!(
                "  {:<14} {:<28} {:+.2} (tf {:+.2})",
                c.label, c.level, c.weight, c.term_frequency_adjustment
            );
        }
        if let Some(rule) = e.household_rule {
            println!("  household rule: {} ({:+.2})", rule.reason(), e.household_adjustment);
        }
    }
    Ok(())
}
