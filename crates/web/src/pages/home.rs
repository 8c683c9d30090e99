//! The home page: what needs this person today, by role.

use super::{Chrome, long_date, render};
use crate::AppState;
use crate::error::AppError;
use crate::session::SignedIn;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use domain::organisation::{IsaStanding, IsaStatus};
use domain::role::Role;

/// One thing waiting for this person.
pub struct Task {
    /// What it is.
    pub text: String,
    /// Where to deal with it.
    pub href: String,
}

/// A panel this person chairs or supports.
pub struct MyPanel {
    /// Panel name.
    pub name: String,
    /// How often it meets, in words.
    pub cadence: String,
    /// This person's part in it.
    pub part: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    given_name: String,
    roles: Vec<&'static str>,
    isa_standing: IsaStanding,
    organisation: String,
    tasks: Vec<Task>,
    panels: Vec<MyPanel>,
    runs_panels: bool,
    works_with_families: bool,
    views_sharing_log: bool,
    break_glass: bool,
    /// Whether the reader sets the programme's rules.
    programme: bool,
    /// What the panels decided on the reader's referrals in the last twelve weeks.
    feedback: Vec<Feedback>,
}

/// One referral's outcome as its referrer reads it on the home page.
struct Feedback {
    /// What happened, in a sentence.
    text: String,
    /// The family's page, when the referrer may see the family.
    href: Option<String>,
}

/// The home page.
pub async fn home(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    let today = state.store.clock().today();
    let mut tasks = Vec::new();

    if state.authority.decide(&who.principal, policy::ManageOrganisations).is_ok() {
        let orgs = state
            .store
            .list_organisations(&state.require(&who.principal, policy::ViewIsaRegister, &who.address).await?)
            .await?;
        for o in &orgs {
            match o.isa.standing(today) {
                IsaStanding::Pending => tasks.push(Task {
                    text: format!("Decide {}'s application to join the Information Sharing Agreement", o.name),
                    href: format!("/organisations/{}", o.id),
                }),
                IsaStanding::Lapsed => tasks.push(Task {
                    text: format!(
                        "{}'s signature has lapsed: its staff cannot see family information until it is renewed",
                        o.name
                    ),
                    href: format!("/organisations/{}", o.id),
                }),
                IsaStanding::Current => {
                    if let IsaStatus::Signed { review_due, .. } = &o.isa
                        && (*review_due - today).whole_days() <= 60
                    {
                        tasks.push(Task {
                            text: format!("Review {}'s signature by {}", o.name, long_date(*review_due)),
                            href: format!("/organisations/{}", o.id),
                        });
                    }
                }
                IsaStanding::Withdrawn => {}
            }
        }
    }
    if let Ok(review) = state.authority.decide(&who.principal, policy::ReviewBreakGlass) {
        let waiting = state
            .store
            .break_glass_grants(&review)
            .await?
            .iter()
            .filter(|g| g.reviewed_by.is_none())
            .count();
        if waiting > 0 {
            tasks.push(Task {
                text: format!("Review {waiting} break-glass opening{}", if waiting == 1 { "" } else { "s" }),
                href: "/break-glass".into(),
            });
        }
    }
    if state.authority.decide(&who.principal, policy::ManageUsers).is_ok() {
        let staff = state
            .store
            .list_staff(&state.require(&who.principal, policy::ViewStaffDirectory, &who.address).await?)
            .await?;
        let without = staff.iter().filter(|s| s.active && s.requires_mfa() && !s.mfa_enabled).count();
        if without > 0 {
            tasks.push(Task {
                text: format!("{without} people must set up a second factor when they next sign in"),
                href: "/people".into(),
            });
        }
    }

    // Business support's notes deadline: each held meeting whose notes are not yet sent.
    for m in state.store.notes_to_send(&who.principal).await? {
        let facts = state.store.meeting_facts(&who.principal, m.id).await?;
        if facts.is_none_or(|f| state.authority.decide_meeting(&who.principal, policy::PrepareAgenda, &f).is_err()) {
            continue;
        }
        let by = m.deadlines.notes_to_members_by.date;
        let standing = domain::meeting::DeadlineStanding::of(by, None, today);
        tasks.push(Task {
            text: format!(
                "Send the action notes of {}’s meeting on {} to members by {} ({})",
                m.panel_name,
                long_date(m.date),
                long_date(by),
                standing.label()
            ),
            href: format!("/meetings/{}/notes", m.id),
        });
    }

    if state.authority.decide(&who.principal, policy::ViewFamilyList).is_ok() {
        let queues = state.store.referral_queues(&state.authority, &who.principal).await?;
        let plural = |n: usize, one: &str, many: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {many}") };
        if !queues.screening.is_empty() {
            tasks.push(Task {
                text: format!("Screen {} for your panels", plural(queues.screening.len(), "referral", "referrals")),
                href: "/referrals#screening".into(),
            });
        }
        if !queues.sign_off.is_empty() {
            tasks.push(Task {
                text: format!(
                    "Sign off {}",
                    plural(
                        queues.sign_off.len(),
                        "step-down or step-up checklist",
                        "step-down and step-up checklists"
                    )
                ),
                href: "/referrals#sign-off".into(),
            });
        }
        let unacknowledged = queues
            .mash
            .iter()
            .filter(|r| r.status == domain::referral::ReferralStatus::EscalatedToMash)
            .count();
        if unacknowledged > 0 {
            tasks.push(Task {
                text: format!(
                    "Acknowledge {} (within 24 hours of escalation)",
                    plural(unacknowledged, "urgent safeguarding concern", "urgent safeguarding concerns")
                ),
                href: "/referrals#mash".into(),
            });
        }
    }

    // Lead professionals: each plan whose Team Around the Family review is overdue, confirmed
    // family by family with the policy (a family whose consent now excludes them drops out).
    for (family, address_line, due) in state.store.overdue_reviews(who.principal.user).await? {
        let facts = state.store.family_facts(&who.principal, family).await?;
        if facts.is_some_and(|f| state.authority.decide_family(&who.principal, policy::RecordPlan, &f).is_ok()) {
            tasks.push(Task {
                text: format!(
                    "Review the plan for the family at {address_line}: the Team Around the Family review was due on {}",
                    long_date(due)
                ),
                href: format!("/families/{family}/plan"),
            });
        }
    }

    // Lead professionals, months after a plan closed because things improved: the check that
    // the improvement held, which is the evidence a claim rests on.
    for (family, address_line, due) in state.store.sustain_checks_due(who.principal.user).await? {
        let facts = state.store.family_facts(&who.principal, family).await?;
        if facts.is_some_and(|f| state.authority.decide_family(&who.principal, policy::RecordPlan, &f).is_ok()) {
            tasks.push(Task {
                text: format!(
                    "Confirm whether progress held for the family at {address_line}: the check was due on {}",
                    long_date(due)
                ),
                href: format!("/families/{family}/plan/sustained"),
            });
        }
    }

    // Chairs: each stuck plan a lead professional has brought back onto their panels' agendas,
    // confirmed family by family with the policy.
    for s in state.store.stuck_plans_for_chair(who.principal.user).await? {
        let facts = state.store.family_facts(&who.principal, s.family).await?;
        if facts.is_some_and(|f| state.authority.decide_family(&who.principal, policy::ViewFamily, &f).is_ok()) {
            tasks.push(Task {
                text: format!(
                    "Prepare for the stuck plan of the family at {}: it is on the agenda of {} for {}",
                    s.address_line,
                    s.panel_name,
                    long_date(s.meeting.1)
                ),
                href: format!("/meetings/{}", s.meeting.0),
            });
        }
    }

    // Referrers: what the panel decided on each referral they made (feedback to referrers).
    // Each family is confirmed with the policy; whoever may not see it now (the family's
    // consent excludes their organisation) reads only that the referral was considered.
    let mut feedback = Vec::new();
    for f in state.store.panel_feedback(who.principal.user, None).await? {
        let shown = match &f.decision {
            Some(d) => state
                .store
                .family_facts(&who.principal, d.family.0)
                .await?
                .is_some_and(|facts| state.authority.decide_family(&who.principal, policy::ViewFamily, &facts).is_ok()),
            None => false,
        };
        feedback.push(match (&f.decision, shown) {
            (Some(d), true) => {
                let lead = match (&d.lead_professional, &d.lead_organisation) {
                    (Some((name, org, _)), _) => format!("; lead professional {name}, {org}"),
                    (None, Some(org)) => format!("; {org} leads"),
                    (None, None) => String::new(),
                };
                Feedback {
                    text: format!(
                        "The family at {}, considered on {}: {}{lead}",
                        d.family.1,
                        long_date(f.considered_on),
                        d.outcome.label()
                    ),
                    href: Some(format!("/families/{}", d.family.0)),
                }
            }
            _ => Feedback {
                text: format!(
                    "Your referral of {} was considered by the panel on {}",
                    long_date(f.referred_on),
                    long_date(f.considered_on)
                ),
                href: None,
            },
        });
    }

    // Showing a family's address and decision is a read of family data: audited, once for the
    // page, naming the families.
    let shown_families: Vec<String> = feedback
        .iter()
        .filter_map(|f| f.href.as_ref().and_then(|h| h.strip_prefix("/families/")).map(str::to_owned))
        .collect();
    if !shown_families.is_empty() {
        state
            .store
            .audit_read(
                store::audit::AuditEntry::new(Some(who.principal.user), "referral.feedback_view", "family", None)
                    .from_address(Some(who.address.clone()))
                    .personal(format!("families={}", shown_families.join(","))),
            )
            .await?;
    }

    // Business support and chairs: each list of families going out in the next five working
    // days, so nothing is added to an agenda after its members have started checking.
    if who
        .account
        .roles
        .iter()
        .any(|r| matches!(r, Role::PanelChair | Role::BusinessSupport))
    {
        let calendar = state.store.working_calendar().await?;
        let until = calendar.add_working_days(today, 5).unwrap_or(today);
        for m in state.store.lists_due_for(&who.principal, until).await? {
            if state
                .authority
                .decide_meeting(&who.principal, policy::PrepareAgenda, &m.facts)
                .is_ok()
            {
                tasks.push(Task {
                    text: format!(
                        "The list for {} on {} goes to members on {} {} at {}",
                        m.panel_name,
                        long_date(m.date),
                        m.circulate_by.weekday(),
                        long_date(m.circulate_by),
                        super::short_time(domain::meeting::CIRCULATION_TIME)
                    ),
                    href: format!("/meetings/{}", m.facts.id),
                });
            }
        }
    }

    let mut panels = Vec::new();
    let runs_panels = who
        .account
        .roles
        .iter()
        .any(|r| matches!(r, Role::PanelChair | Role::BusinessSupport));
    if runs_panels {
        let all = state
            .store
            .list_panels(&state.require(&who.principal, policy::ViewPanels, &who.address).await?)
            .await?;
        for p in all {
            let part = if p.chairs.iter().any(|(id, _)| *id == who.account.id) {
                "Chair"
            } else if p.business_support.0 == who.account.id {
                "Business support"
            } else {
                continue;
            };
            panels.push(MyPanel {
                cadence: format!(
                    "{}, {} to {}",
                    p.cadence.describe(),
                    super::short_time(p.starts_at),
                    super::short_time(p.ends_at)
                ),
                name: p.name,
                part,
            });
        }
    }
    let works_with_families = state.authority.decide(&who.principal, policy::ViewFamilyList).is_ok();
    let page = HomePage {
        chrome: Chrome::signed_in(&state, &who, "Home", "home"),
        given_name: who.account.given_name.clone(),
        roles: who.account.roles.iter().map(|r| r.label()).collect(),
        isa_standing: who.principal.isa,
        organisation: who.account.organisation_name.clone(),
        tasks,
        panels,
        runs_panels,
        works_with_families,
        views_sharing_log: state.authority.decide(&who.principal, policy::ViewSharingLog).is_ok(),
        break_glass: state.authority.decide(&who.principal, policy::ReviewBreakGlass).is_ok() || state.may_open_break_glass(&who.principal),
        programme: state.authority.decide(&who.principal, policy::ManageProgramme).is_ok(),
        feedback,
    };
    render(&page)
}
