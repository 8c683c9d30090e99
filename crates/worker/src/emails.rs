//! The e-mails the service sends, as plain-text askama templates (`templates/*.txt`, not
//! HTML-escaped). Each is built from what the store hands the worker when the job runs.

use crate::mail::{Outgoing, PublicUrl};
use askama::Template;
use store::links::{LinkDelivery, LinkPurpose};

#[derive(Template)]
#[template(path = "invitation.txt")]
struct Invitation<'a> {
    given_name: &'a str,
    organisation: &'a str,
    council: &'a str,
    link: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "password_reset.txt")]
struct PasswordReset<'a> {
    given_name: &'a str,
    council: &'a str,
    link: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "referral_notice.txt")]
struct ReferralNotice<'a> {
    given_name: &'a str,
    sentence: String,
    council: &'a str,
    link: String,
}

/// The e-mail that tells someone a referral needs them, or what became of theirs. It carries a
/// link to the referral and nothing about the family, so it shares nothing an intercepted or
/// forwarded e-mail could leak; the page behind the link asks the policy as always.
pub fn referral_notice(
    delivery: &store::referrals::NoticeDelivery,
    public_url: &PublicUrl,
    council: &str,
) -> Result<Outgoing, askama::Error> {
    use store::referrals::Notice;
    let (subject, sentence) = match delivery.notice {
        Notice::UrgentConcern => (
            "Early Help: an urgent safeguarding concern for MASH".to_owned(),
            "An urgent safeguarding concern has been sent to MASH. It must be acknowledged within 24 hours.".to_owned(),
        ),
        Notice::ToScreen => (
            "Early Help: a referral to screen".to_owned(),
            "A referral is waiting to be screened for a panel you chair.".to_owned(),
        ),
        Notice::ToSignOff => (
            "Early Help: a checklist to sign off".to_owned(),
            "A referral names you to sign off its checklist before it can be screened.".to_owned(),
        ),
        Notice::Returned => (
            "Early Help: your referral was returned".to_owned(),
            "The panel chair returned your referral and says what to put right.".to_owned(),
        ),
        Notice::Accepted => (
            "Early Help: your referral was accepted".to_owned(),
            match delivery.meeting_date {
                Some(d) => format!(
                    "Your referral was accepted for discussion at the panel meeting on {}.",
                    domain::clock::long_date(d)
                ),
                None => "Your referral was accepted for discussion at a panel.".to_owned(),
            },
        ),
        Notice::Redirected => (
            "Early Help: your referral was redirected".to_owned(),
            "Your referral was redirected to another service; the referral says where.".to_owned(),
        ),
        Notice::Acknowledged => (
            "Early Help: MASH acknowledged your concern".to_owned(),
            "MASH has acknowledged the urgent safeguarding concern you raised.".to_owned(),
        ),
        Notice::Rescheduled => (
            "Early Help: a case you lead on has a new panel date".to_owned(),
            match delivery.meeting_date {
                Some(d) => format!(
                    "The panel meeting for a case you referred or lead on has changed: it will now be discussed on {}.",
                    domain::clock::long_date(d)
                ),
                None => "The panel meeting for a case you referred or lead on has changed.".to_owned(),
            },
        ),
        Notice::StuckOnAgenda => (
            "Early Help: a stuck plan is back on your panel’s agenda".to_owned(),
            match delivery.meeting_date {
                Some(d) => format!(
                    "A lead professional has brought a family’s stuck plan back to your panel: it is on the agenda for {}.",
                    domain::clock::long_date(d)
                ),
                None => "A lead professional has brought a family’s stuck plan back to your panel.".to_owned(),
            },
        ),
        Notice::Decided => decided(delivery.outcome.as_ref()),
    };
    // Someone whose organisation the family's consent excludes is not sent to the referral,
    // which they may no longer open.
    let told_only_considered = delivery.notice == Notice::Decided && delivery.outcome.as_ref().is_none_or(|o| o.decision.is_none());
    let body = ReferralNotice {
        given_name: &delivery.given_name,
        sentence,
        council,
        link: if told_only_considered {
            public_url.page("/")
        } else {
            public_url.page(&format!("/referrals/{}", delivery.referral))
        },
    }
    .render()?;
    Ok(Outgoing {
        to: delivery.email.clone(),
        subject,
        body,
    })
}

/// The subject and sentence of the panel's decision as the referrer hears it by e-mail:
/// that the panel decided, with the dates, and that the decision and who leads are in Early
/// Help, or, when the family's consent excludes their organisation, only that it was
/// considered. Like every notice, it holds no case information: the outcome and the lead
/// professional are read in Early Help, where the policy decides who sees them.
fn decided(feedback: Option<&store::referrals::PanelFeedback>) -> (String, String) {
    use domain::clock::long_date;
    let considered = "Early Help: your referral was considered".to_owned();
    match feedback {
        None => (considered, "Your referral was considered by the panel.".to_owned()),
        Some(f) if f.decision.is_none() => (
            considered,
            format!(
                "Your referral of {} was considered by the panel on {}.",
                long_date(f.referred_on),
                long_date(f.considered_on)
            ),
        ),
        Some(f) => (
            "Early Help: the panel has decided on your referral".to_owned(),
            format!(
                "The panel considered your referral of {} on {} and has decided. Its decision and who the lead professional is are in Early Help.",
                long_date(f.referred_on),
                long_date(f.considered_on)
            ),
        ),
    }
}

#[derive(Template)]
#[template(path = "agenda_copy.txt")]
struct AgendaCopyMail<'a> {
    organisation: &'a str,
    panel: &'a str,
    date: String,
    time: String,
    venue: &'a str,
    cases: Vec<CopyLine>,
    council: &'a str,
}

struct CopyLine {
    section: &'static str,
    minutes: u32,
    anonymous: Option<String>,
    address: String,
    people: Vec<String>,
}

#[derive(Template)]
#[template(path = "agenda_notice.txt")]
struct AgendaNotice<'a> {
    given_name: &'a str,
    panel: &'a str,
    date: String,
    link: String,
    council: &'a str,
}

/// The secure e-mail that carries a member organisation's copy of a meeting's list of families
/// to the mailbox its panel seat names: the names, dates of birth and addresses the agency
/// checks its own systems for, and nothing else (no reasons for referral).
pub fn agenda_copy(delivery: &store::meetings::CopyDelivery, council: &str) -> Result<Outgoing, askama::Error> {
    let cases = delivery
        .cases
        .iter()
        .map(|c| CopyLine {
            section: c.section.label(),
            minutes: c.minutes.get(),
            anonymous: c.anonymous.clone(),
            address: c.address.clone(),
            people: c
                .people
                .iter()
                .map(|p| {
                    format!(
                        "{} {}, born {} ({})",
                        p.given_name,
                        p.family_name,
                        domain::clock::long_date(p.date_of_birth),
                        p.household_role.label().to_lowercase()
                    )
                })
                .collect(),
        })
        .collect();
    let body = AgendaCopyMail {
        organisation: &delivery.organisation_name,
        panel: &delivery.panel_name,
        date: domain::clock::long_date(delivery.date),
        time: domain::clock::short_time(delivery.starts_at),
        venue: &delivery.venue,
        cases,
        council,
    }
    .render()?;
    Ok(Outgoing {
        to: delivery.to.clone(),
        subject: format!(
            "OFFICIAL-SENSITIVE: {} list of families, {}",
            delivery.panel_name,
            domain::clock::long_date(delivery.date)
        ),
        body,
    })
}

/// The link-only e-mail telling a member's representative that the organisation's copy of a
/// list is in Early Help.
pub fn agenda_notice(delivery: &store::meetings::CopyNotice, public_url: &PublicUrl, council: &str) -> Result<Outgoing, askama::Error> {
    let body = AgendaNotice {
        given_name: &delivery.given_name,
        panel: &delivery.panel_name,
        date: domain::clock::long_date(delivery.date),
        link: public_url.page(&format!("/meetings/{}/copy", delivery.meeting)),
        council,
    }
    .render()?;
    Ok(Outgoing {
        to: delivery.email.clone(),
        subject: format!("Early Help: the list of families for {} is ready to check", delivery.panel_name),
        body,
    })
}

#[derive(Template)]
#[template(path = "action_reminder.txt")]
struct ActionReminder<'a> {
    given_name: &'a str,
    due: String,
    link: String,
    council: &'a str,
}

/// The e-mail reminding an owner that an action agreed at a panel is overdue: a link and the
/// due date, nothing about the family.
pub fn action_reminder(
    delivery: &store::agreed_actions::ReminderDelivery,
    public_url: &PublicUrl,
    council: &str,
) -> Result<Outgoing, askama::Error> {
    let body = ActionReminder {
        given_name: &delivery.given_name,
        due: domain::clock::long_date(delivery.due_on),
        link: public_url.page(&format!("/actions/{}", delivery.action)),
        council,
    }
    .render()?;
    Ok(Outgoing {
        to: delivery.email.clone(),
        subject: "Early Help: an action you own is overdue".to_owned(),
        body,
    })
}

/// The path an invitation link opens (its token goes in the query string).
pub const INVITATION_PATH: &str = "/invitation";
/// The path a password-reset link opens.
pub const PASSWORD_RESET_PATH: &str = "/password-reset";

/// The e-mail that carries an account link to its holder.
pub fn account_link(delivery: &LinkDelivery, public_url: &PublicUrl, council: &str) -> Result<Outgoing, askama::Error> {
    let expires = domain::clock::london_moment(delivery.expires_at);
    let (subject, body) = match delivery.purpose {
        LinkPurpose::Invitation => (
            format!("Your Early Help account at {council}"),
            Invitation {
                given_name: &delivery.given_name,
                organisation: &delivery.organisation_name,
                council,
                link: public_url.link(INVITATION_PATH, &delivery.token),
                expires,
            }
            .render()?,
        ),
        LinkPurpose::PasswordReset => (
            "Reset your Early Help password".to_owned(),
            PasswordReset {
                given_name: &delivery.given_name,
                council,
                link: public_url.link(PASSWORD_RESET_PATH, &delivery.token),
                expires,
            }
            .render()?,
        ),
    };
    Ok(Outgoing {
        to: delivery.email.clone(),
        subject,
        body,
    })
}
