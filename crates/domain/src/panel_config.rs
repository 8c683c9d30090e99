//! Setting a panel up: what an administrator types into the panel form, checked in one go.
//!
//! A [`PanelConfiguration`] can only be made by [`PanelConfiguration::parse`], which reads a
//! [`PanelInput`] (the form's text, as typed) and returns either a configuration that holds
//! together or *every* problem at once, each tied to the [`PanelField`] it belongs beside, in
//! words a person can act on. The store then checks what only it can know (that a chair is an
//! active member of staff of a current signatory, that the locality exists).
//!
//! Alternating chairs (seed 004: a locality lead and a children's social care manager as
//! co-chair) are a rota: [`chair_by_turn`] says who chairs the nth meeting.

use crate::email::EmailAddress;
use crate::meeting::DeadlineRules;
use crate::panel::{Cadence, Membership, PanelKind};
use crate::{LocalityId, OrganisationId, UserId};
use std::collections::BTreeSet;
use time::{Date, Time, Weekday};

/// The longest panel name accepted.
pub const NAME_MAX: usize = 120;
/// The longest venue accepted.
pub const VENUE_MAX: usize = 200;
/// The longest conflict-of-interest statement accepted (it is read out at every meeting).
pub const STATEMENT_MAX: usize = 2000;
/// The word stored as the venue of a panel that meets online.
pub const ONLINE: &str = "Online";

/// The sensible range of each deadline rule: wide enough for every seed, narrow enough that a
/// typing slip (50 working days instead of 5) is caught.
pub const LIST_DAYS: std::ops::RangeInclusive<u32> = 1..=20;
/// Working days for the action notes to reach business support.
pub const NOTES_TO_BUSINESS_SUPPORT_DAYS: std::ops::RangeInclusive<u32> = 1..=20;
/// Calendar days for the action notes to reach members.
pub const NOTES_TO_MEMBERS_DAYS: std::ops::RangeInclusive<u32> = 1..=31;
/// Hours for a step-up to reach children's social care.
pub const STEP_UP_HOURS: std::ops::RangeInclusive<u32> = 1..=168;

/// A field of the panel form, so each problem is shown beside the field it is about and the
/// error summary links to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PanelField {
    /// The panel's name.
    Name,
    /// Its kind.
    Kind,
    /// The locality it serves.
    Locality,
    /// How often it meets.
    Cadence,
    /// The day of the week it meets.
    Weekday,
    /// The date of one fortnightly meeting.
    FirstDate,
    /// Which week of the month.
    Nth,
    /// The list of set dates.
    Dates,
    /// Start time.
    StartsAt,
    /// End time.
    EndsAt,
    /// Where it meets.
    Venue,
    /// Its chairs.
    Chairs,
    /// Its business-support officer.
    BusinessSupport,
    /// Its member organisations.
    Members,
    /// The conflict-of-interest statement.
    Statement,
    /// Working days the list goes out before the meeting.
    ListDays,
    /// Working days for the notes to reach business support.
    NotesToBusinessSupportDays,
    /// Days for the notes to reach members.
    NotesToMembersDays,
    /// Hours for a step-up.
    StepUpHours,
}

impl PanelField {
    /// The form field's `id` (and `name`), which the error summary links to.
    pub fn id(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Kind => "kind",
            Self::Locality => "locality",
            Self::Cadence => "cadence",
            Self::Weekday => "weekday",
            Self::FirstDate => "first_date",
            Self::Nth => "nth",
            Self::Dates => "dates",
            Self::StartsAt => "starts_at",
            Self::EndsAt => "ends_at",
            Self::Venue => "venue",
            Self::Chairs => "chairs",
            Self::BusinessSupport => "business_support",
            Self::Members => "members",
            Self::Statement => "statement",
            Self::ListDays => "list_days",
            Self::NotesToBusinessSupportDays => "notes_bs_days",
            Self::NotesToMembersDays => "notes_members_days",
            Self::StepUpHours => "step_up_hours",
        }
    }
}

/// One thing wrong with a panel's configuration, and where it belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelProblem {
    /// The field to show it beside.
    pub field: PanelField,
    /// What to put right, in plain words.
    pub message: String,
}

/// Every problem found with a panel's configuration, in the order of the form's fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the panel's configuration has {} problem(s)", .0.len())]
pub struct PanelProblems(pub Vec<PanelProblem>);

impl PanelProblems {
    /// The message for a field, if it has one (the first, when several).
    pub fn get(&self, field: PanelField) -> Option<&str> {
        self.0.iter().find(|p| p.field == field).map(|p| p.message.as_str())
    }
}

/// A member organisation's seat as the form sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInput {
    /// The organisation.
    pub organisation: OrganisationId,
    /// Its name, so a problem with its row can say which organisation it is about.
    pub organisation_name: String,
    /// Core or extended.
    pub membership: Membership,
    /// Its named representative, if any.
    pub representative: Option<UserId>,
    /// The secure mailbox for an organisation without accounts, as typed (blank for none).
    pub secure_email: String,
}

/// What the panel form sends: text as typed, ids as chosen. Nothing here is trusted yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PanelInput {
    /// Name.
    pub name: String,
    /// A [`PanelKind`] code.
    pub kind: String,
    /// The locality chosen.
    pub locality: Option<LocalityId>,
    /// "weekly", "fortnightly", "monthly" or "dates".
    pub cadence: String,
    /// A weekday code ("tuesday"), for every cadence but a list of dates.
    pub weekday: String,
    /// The date of one fortnightly meeting.
    pub first_date: String,
    /// "1" to "4", for a monthly cadence.
    pub nth: String,
    /// The set dates, one a line (or separated by commas).
    pub dates: String,
    /// "HH:MM".
    pub starts_at: String,
    /// "HH:MM".
    pub ends_at: String,
    /// Whether the panel meets online (the venue is then ignored).
    pub online: bool,
    /// Where it meets in person.
    pub venue: String,
    /// Chairs in the order they take turns.
    pub chairs: Vec<UserId>,
    /// The business-support officer.
    pub business_support: Option<UserId>,
    /// Member organisations.
    pub members: Vec<MemberInput>,
    /// Read out at the start of each meeting.
    pub statement: String,
    /// Deadline rules, as typed.
    pub list_days: String,
    /// Working days for the notes to reach business support.
    pub notes_bs_days: String,
    /// Days for the notes to reach members.
    pub notes_members_days: String,
    /// Hours for a step-up.
    pub step_up_hours: String,
}

impl PanelInput {
    /// The form for a new panel: the seeds' deadline rules and a weekly cadence filled in.
    pub fn new_panel() -> Self {
        let rules = DeadlineRules::default();
        Self {
            cadence: "weekly".into(),
            list_days: rules.list_to_members_working_days.to_string(),
            notes_bs_days: rules.notes_to_business_support_working_days.to_string(),
            notes_members_days: rules.notes_to_members_days.to_string(),
            step_up_hours: rules.step_up_hours.to_string(),
            ..Self::default()
        }
    }
}

/// Where a panel meets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Venue {
    /// A room, in words.
    Place(String),
    /// Online.
    Online,
}

impl Venue {
    /// The venue as stored and shown.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Place(p) => p,
            Self::Online => ONLINE,
        }
    }

    /// The venue from its stored text.
    pub fn from_stored(s: &str) -> Self {
        if s == ONLINE { Self::Online } else { Self::Place(s.to_owned()) }
    }
}

/// A member organisation's seat, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelSeat {
    /// The organisation.
    pub organisation: OrganisationId,
    /// Core or extended.
    pub membership: Membership,
    /// Its named representative, if any.
    pub representative: Option<UserId>,
    /// Where the list goes for an organisation without accounts.
    pub secure_email: Option<EmailAddress>,
}

/// A panel's configuration that holds together; made only by [`PanelConfiguration::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelConfiguration {
    name: String,
    kind: PanelKind,
    locality: LocalityId,
    cadence: Cadence,
    starts_at: Time,
    ends_at: Time,
    venue: Venue,
    chairs: Vec<UserId>,
    business_support: UserId,
    members: Vec<PanelSeat>,
    statement: String,
    rules: DeadlineRules,
}

impl PanelConfiguration {
    /// Checks a panel form as a whole, on `today` (a list of dates must not be in the past),
    /// returning every problem at once.
    pub fn parse(input: &PanelInput, today: Date) -> Result<Self, PanelProblems> {
        let mut problems = Vec::new();
        let mut problem = |field: PanelField, message: String| problems.push(PanelProblem { field, message });

        let name = input.name.trim();
        if name.is_empty() {
            problem(PanelField::Name, "Enter the panel's name".into());
        } else if name.chars().count() > NAME_MAX {
            problem(PanelField::Name, format!("The name must be {NAME_MAX} characters or fewer"));
        }
        let kind = input.kind.parse::<PanelKind>().ok();
        if kind.is_none() {
            problem(PanelField::Kind, "Select the kind of panel".into());
        }
        if input.locality.is_none() {
            problem(PanelField::Locality, "Select the locality the panel serves".into());
        }

        let cadence = parse_cadence(input, today, &mut problem);

        let starts_at = parse_time(&input.starts_at, "start");
        let ends_at = parse_time(&input.ends_at, "end");
        if let Err(m) = &starts_at {
            problem(PanelField::StartsAt, m.clone());
        }
        match (&starts_at, &ends_at) {
            (_, Err(m)) => problem(PanelField::EndsAt, m.clone()),
            (Ok(s), Ok(e)) if e <= s => problem(PanelField::EndsAt, "The end time must be after the start time".into()),
            _ => {}
        }

        let venue = if input.online {
            Some(Venue::Online)
        } else {
            let v = input.venue.trim();
            if v.is_empty() {
                problem(PanelField::Venue, "Enter where the panel meets, or choose online".into());
                None
            } else if v.chars().count() > VENUE_MAX {
                problem(PanelField::Venue, format!("The venue must be {VENUE_MAX} characters or fewer"));
                None
            } else {
                Some(Venue::Place(v.to_owned()))
            }
        };

        if input.chairs.is_empty() {
            problem(PanelField::Chairs, "Choose at least one chair".into());
        } else if input.chairs.iter().collect::<BTreeSet<_>>().len() != input.chairs.len() {
            problem(
                PanelField::Chairs,
                "Choose each chair once; the order is the order they take turns".into(),
            );
        }
        if input.business_support.is_none() {
            problem(PanelField::BusinessSupport, "Choose the business-support officer".into());
        }

        let mut seen = BTreeSet::new();
        let mut members = Vec::with_capacity(input.members.len());
        for m in &input.members {
            if !seen.insert(m.organisation) {
                problem(
                    PanelField::Members,
                    format!("{} is listed twice; give it one seat", m.organisation_name),
                );
                continue;
            }
            let secure_email = match m.secure_email.trim() {
                "" => None,
                typed => match EmailAddress::parse(typed) {
                    Ok(e) => Some(e),
                    Err(_) => {
                        problem(
                            PanelField::Members,
                            format!(
                                "Enter {}’s secure mailbox as an email address, like team@example.org.uk",
                                m.organisation_name
                            ),
                        );
                        None
                    }
                },
            };
            members.push(PanelSeat {
                organisation: m.organisation,
                membership: m.membership,
                representative: m.representative,
                secure_email,
            });
        }

        let statement = input.statement.trim();
        if statement.is_empty() {
            problem(
                PanelField::Statement,
                "Enter the conflict-of-interest statement read out at each meeting".into(),
            );
        } else if statement.chars().count() > STATEMENT_MAX {
            problem(
                PanelField::Statement,
                format!("The statement must be {STATEMENT_MAX} characters or fewer"),
            );
        }

        let mut number = |field: PanelField, raw: &str, range: std::ops::RangeInclusive<u32>, what: &str| -> Option<u32> {
            match raw.trim().parse::<u32>() {
                Ok(n) if range.contains(&n) => Some(n),
                Ok(_) | Err(_) if raw.trim().is_empty() => {
                    problem(field, format!("Enter the number of {what}"));
                    None
                }
                _ => {
                    problem(
                        field,
                        format!(
                            "The number of {what} must be a whole number from {} to {}",
                            range.start(),
                            range.end()
                        ),
                    );
                    None
                }
            }
        };
        let list = number(PanelField::ListDays, &input.list_days, LIST_DAYS, "working days before the meeting");
        let notes_bs = number(
            PanelField::NotesToBusinessSupportDays,
            &input.notes_bs_days,
            NOTES_TO_BUSINESS_SUPPORT_DAYS,
            "working days for the notes to reach business support",
        );
        let notes_members = number(
            PanelField::NotesToMembersDays,
            &input.notes_members_days,
            NOTES_TO_MEMBERS_DAYS,
            "days for the notes to reach members",
        );
        let step_up = number(PanelField::StepUpHours, &input.step_up_hours, STEP_UP_HOURS, "hours for a step-up");

        match (
            kind,
            input.locality,
            cadence,
            starts_at,
            ends_at,
            venue,
            input.business_support,
            list,
            notes_bs,
            notes_members,
            step_up,
        ) {
            (
                Some(kind),
                Some(locality),
                Some(cadence),
                Ok(starts_at),
                Ok(ends_at),
                Some(venue),
                Some(business_support),
                Some(list),
                Some(notes_bs),
                Some(notes_members),
                Some(step_up),
            ) if problems.is_empty() => Ok(Self {
                name: name.to_owned(),
                kind,
                locality,
                cadence,
                starts_at,
                ends_at,
                venue,
                chairs: input.chairs.clone(),
                business_support,
                members,
                statement: statement.to_owned(),
                rules: DeadlineRules {
                    list_to_members_working_days: list,
                    notes_to_business_support_working_days: notes_bs,
                    notes_to_members_days: notes_members,
                    step_up_hours: step_up,
                },
            }),
            _ => Err(PanelProblems(problems)),
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its kind.
    pub fn kind(&self) -> PanelKind {
        self.kind
    }
    /// The locality it serves.
    pub fn locality(&self) -> LocalityId {
        self.locality
    }
    /// How often it meets.
    pub fn cadence(&self) -> &Cadence {
        &self.cadence
    }
    /// Start time.
    pub fn starts_at(&self) -> Time {
        self.starts_at
    }
    /// End time, after the start.
    pub fn ends_at(&self) -> Time {
        self.ends_at
    }
    /// Where it meets.
    pub fn venue(&self) -> &Venue {
        &self.venue
    }
    /// Its chairs in turn order: at least one, each once.
    pub fn chairs(&self) -> &[UserId] {
        &self.chairs
    }
    /// Its business-support officer.
    pub fn business_support(&self) -> UserId {
        self.business_support
    }
    /// Its member organisations, each once.
    pub fn members(&self) -> &[PanelSeat] {
        &self.members
    }
    /// The conflict-of-interest statement.
    pub fn conflict_of_interest_statement(&self) -> &str {
        &self.statement
    }
    /// Its deadline rules, each within its sensible range.
    pub fn rules(&self) -> DeadlineRules {
        self.rules
    }
}

/// Who chairs the `n`th meeting of a panel (counting from 0) whose chairs take turns in the
/// order given: a panel with one chair always has that chair; alternating chairs go round in
/// order. `None` only when there are no chairs.
pub fn chair_by_turn<T>(chairs: &[T], n: usize) -> Option<&T> {
    if chairs.is_empty() { None } else { chairs.get(n % chairs.len()) }
}

/// The stored code of a weekday, as the form's select sends it.
pub fn weekday_code(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "monday",
        Weekday::Tuesday => "tuesday",
        Weekday::Wednesday => "wednesday",
        Weekday::Thursday => "thursday",
        Weekday::Friday => "friday",
        Weekday::Saturday => "saturday",
        Weekday::Sunday => "sunday",
    }
}

/// The weekdays a panel can meet on, in order, for the form's select.
pub const MEETING_WEEKDAYS: [Weekday; 5] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
];

/// A date as people type it (25/11/2026) or as a date input sends it (2026-11-25).
pub fn parse_typed_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let iso = time::macros::format_description!("[year]-[month]-[day]");
    let uk = time::macros::format_description!("[day padding:none]/[month padding:none]/[year]");
    Date::parse(s, uk).or_else(|_| Date::parse(s, iso)).ok()
}

fn parse_time(raw: &str, what: &str) -> Result<Time, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(format!("Enter the {what} time"));
    }
    let hm = time::macros::format_description!("[hour padding:none]:[minute]");
    Time::parse(s, hm)
        .or_else(|_| Time::parse(&s.replace('.', ":"), hm))
        .map_err(|_| format!("Enter the {what} time as hours and minutes on the 24-hour clock, like 09:30"))
}

fn parse_cadence(input: &PanelInput, today: Date, problem: &mut impl FnMut(PanelField, String)) -> Option<Cadence> {
    let weekday = || -> Option<Weekday> { MEETING_WEEKDAYS.into_iter().find(|d| weekday_code(*d) == input.weekday) };
    match input.cadence.as_str() {
        "weekly" => match weekday() {
            Some(weekday) => Some(Cadence::Weekly { weekday }),
            None => {
                problem(PanelField::Weekday, "Select the day of the week the panel meets".into());
                None
            }
        },
        "fortnightly" => {
            let day = weekday();
            if day.is_none() {
                problem(PanelField::Weekday, "Select the day of the week the panel meets".into());
            }
            let first = if input.first_date.trim().is_empty() {
                problem(PanelField::FirstDate, "Enter the date of one fortnightly meeting".into());
                None
            } else {
                let parsed = parse_typed_date(&input.first_date);
                if parsed.is_none() {
                    problem(
                        PanelField::FirstDate,
                        "The date of one meeting must be a real date, like 10/12/2026".into(),
                    );
                }
                parsed
            };
            match (day, first) {
                (Some(weekday), Some(first)) if first.weekday() == weekday => Some(Cadence::Fortnightly { weekday, first }),
                (Some(weekday), Some(first)) => {
                    problem(
                        PanelField::FirstDate,
                        format!(
                            "{} {} is a {}; enter a {weekday} the panel meets",
                            first.weekday(),
                            crate::clock::long_date(first),
                            first.weekday()
                        ),
                    );
                    None
                }
                _ => None,
            }
        }
        "monthly" => {
            let day = weekday();
            if day.is_none() {
                problem(PanelField::Weekday, "Select the day of the week the panel meets".into());
            }
            let nth = match input.nth.trim().parse::<u8>() {
                Ok(n @ 1..=4) => Some(n),
                _ => {
                    problem(
                        PanelField::Nth,
                        "Select which week of the month: first, second, third or fourth".into(),
                    );
                    None
                }
            };
            day.zip(nth).map(|(weekday, nth)| Cadence::MonthlyNthWeekday { nth, weekday })
        }
        "dates" => {
            let mut dates = Vec::new();
            let mut bad = Vec::new();
            let mut past = Vec::new();
            for piece in input.dates.split(['\n', ',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
                match parse_typed_date(piece) {
                    Some(d) if d < today => past.push(format!("{} {}", d.weekday(), crate::clock::long_date(d))),
                    Some(d) => dates.push(d),
                    None => bad.push(piece.to_owned()),
                }
            }
            if !bad.is_empty() {
                problem(
                    PanelField::Dates,
                    format!(
                        "These are not real dates: {}. Enter each like 16/12/2026, one a line",
                        bad.join(", ")
                    ),
                );
            }
            if !past.is_empty() {
                problem(PanelField::Dates, format!("These dates are in the past: {}", past.join(", ")));
            }
            if dates.is_empty() && bad.is_empty() && past.is_empty() {
                problem(PanelField::Dates, "Enter at least one meeting date".into());
            }
            dates.sort_unstable();
            dates.dedup();
            (bad.is_empty() && past.is_empty() && !dates.is_empty()).then_some(Cadence::Dates { dates })
        }
        _ => {
            problem(PanelField::Cadence, "Select how often the panel meets".into());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, time};

    const TODAY: Date = date!(2026 - 11 - 25);

    fn valid() -> PanelInput {
        PanelInput {
            name: "Riverside early help panel".into(),
            kind: "multi_agency_panel".into(),
            locality: Some(LocalityId::new()),
            cadence: "weekly".into(),
            weekday: "tuesday".into(),
            starts_at: "09:30".into(),
            ends_at: "12:00".into(),
            venue: "Riverside Family Hub".into(),
            chairs: vec![UserId::new()],
            business_support: Some(UserId::new()),
            statement: "Declare any conflict of interest now.".into(),
            ..PanelInput::new_panel()
        }
    }

    fn problems(input: &PanelInput) -> PanelProblems {
        PanelConfiguration::parse(input, TODAY).expect_err("refused")
    }

    #[test]
    fn a_complete_weekly_panel_is_accepted_with_the_seeds_deadlines() {
        let config = PanelConfiguration::parse(&valid(), TODAY).expect("accepted");
        assert_eq!(config.cadence(), &Cadence::Weekly { weekday: Weekday::Tuesday });
        assert_eq!(config.starts_at(), time!(09:30));
        assert_eq!(config.venue().as_str(), "Riverside Family Hub");
        assert_eq!(config.rules(), DeadlineRules::default());
    }

    #[test]
    fn every_problem_is_reported_at_once_each_beside_its_field() {
        let input = PanelInput {
            name: "  ".into(),
            starts_at: "14:00".into(),
            ends_at: "13:00".into(),
            chairs: vec![],
            business_support: None,
            list_days: "50".into(),
            ..valid()
        };
        let p = problems(&input);
        let fields: Vec<PanelField> = p.0.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            vec![
                PanelField::Name,
                PanelField::EndsAt,
                PanelField::Chairs,
                PanelField::BusinessSupport,
                PanelField::ListDays
            ]
        );
        assert_eq!(p.get(PanelField::EndsAt), Some("The end time must be after the start time"));
        assert_eq!(
            p.get(PanelField::ListDays),
            Some("The number of working days before the meeting must be a whole number from 1 to 20")
        );
    }

    #[test]
    fn the_same_organisation_twice_is_refused_naming_it() {
        let org = OrganisationId::new();
        let seat = |membership| MemberInput {
            organisation: org,
            organisation_name: "Northmere Police".into(),
            membership,
            representative: None,
            secure_email: String::new(),
        };
        let input = PanelInput {
            members: vec![seat(Membership::Core), seat(Membership::Extended)],
            ..valid()
        };
        assert_eq!(
            problems(&input).get(PanelField::Members),
            Some("Northmere Police is listed twice; give it one seat")
        );
    }

    #[test]
    fn a_secure_mailbox_must_be_an_email_address() {
        let input = PanelInput {
            members: vec![MemberInput {
                organisation: OrganisationId::new(),
                organisation_name: "Harbour Women’s Aid".into(),
                membership: Membership::Extended,
                representative: None,
                secure_email: "team at harbour".into(),
            }],
            ..valid()
        };
        assert!(
            problems(&input)
                .get(PanelField::Members)
                .unwrap()
                .contains("Harbour Women’s Aid’s secure mailbox")
        );
        let ok = PanelInput {
            members: vec![MemberInput {
                secure_email: " Team@Harbour.example ".into(),
                ..input.members[0].clone()
            }],
            ..valid()
        };
        let config = PanelConfiguration::parse(&ok, TODAY).unwrap();
        assert_eq!(config.members()[0].secure_email.as_ref().unwrap().as_str(), "team@harbour.example");
    }

    #[test]
    fn the_same_chair_twice_is_refused() {
        let chair = UserId::new();
        let input = PanelInput {
            chairs: vec![chair, chair],
            ..valid()
        };
        assert!(problems(&input).get(PanelField::Chairs).is_some());
    }

    #[test]
    fn a_list_of_dates_must_hold_real_future_dates() {
        let dates = |text: &str| PanelInput {
            cadence: "dates".into(),
            dates: text.into(),
            ..valid()
        };
        assert_eq!(
            problems(&dates("  \n ")).get(PanelField::Dates),
            Some("Enter at least one meeting date")
        );
        assert_eq!(
            problems(&dates("16/12/2026\n3/11/2026")).get(PanelField::Dates),
            Some("These dates are in the past: Tuesday 3 November 2026")
        );
        assert!(
            problems(&dates("31/02/2027"))
                .get(PanelField::Dates)
                .unwrap()
                .contains("31/02/2027")
        );
        let config = PanelConfiguration::parse(&dates("20/01/2027\n16/12/2026, 16/12/2026"), TODAY).unwrap();
        assert_eq!(
            config.cadence(),
            &Cadence::Dates {
                dates: vec![date!(2026 - 12 - 16), date!(2027 - 01 - 20)]
            }
        );
    }

    #[test]
    fn a_monthly_cadence_needs_a_week_from_first_to_fourth() {
        for nth in ["0", "5", "", "second"] {
            let input = PanelInput {
                cadence: "monthly".into(),
                nth: nth.into(),
                ..valid()
            };
            assert!(problems(&input).get(PanelField::Nth).is_some(), "{nth:?}");
        }
        let input = PanelInput {
            cadence: "monthly".into(),
            nth: "2".into(),
            ..valid()
        };
        assert_eq!(
            PanelConfiguration::parse(&input, TODAY).unwrap().cadence(),
            &Cadence::MonthlyNthWeekday {
                nth: 2,
                weekday: Weekday::Tuesday
            }
        );
    }

    #[test]
    fn a_fortnightly_cadence_needs_a_first_date_on_its_weekday() {
        let input = PanelInput {
            cadence: "fortnightly".into(),
            weekday: "thursday".into(),
            first_date: "11/12/2026".into(),
            ..valid()
        };
        assert_eq!(
            problems(&input).get(PanelField::FirstDate),
            Some("Friday 11 December 2026 is a Friday; enter a Thursday the panel meets")
        );
        let input = PanelInput {
            first_date: "10/12/2026".into(),
            ..input
        };
        assert_eq!(
            PanelConfiguration::parse(&input, TODAY).unwrap().cadence(),
            &Cadence::Fortnightly {
                weekday: Weekday::Thursday,
                first: date!(2026 - 12 - 10)
            }
        );
    }

    #[test]
    fn an_online_panel_needs_no_venue() {
        let input = PanelInput {
            online: true,
            venue: String::new(),
            ..valid()
        };
        assert_eq!(PanelConfiguration::parse(&input, TODAY).unwrap().venue(), &Venue::Online);
        assert_eq!(Venue::from_stored(ONLINE), Venue::Online);
        let input = PanelInput { online: false, ..input };
        assert!(problems(&input).get(PanelField::Venue).is_some());
    }

    #[test]
    fn times_and_deadline_numbers_are_explained_when_unreadable() {
        let input = PanelInput {
            starts_at: "half nine".into(),
            ends_at: String::new(),
            step_up_hours: "0".into(),
            notes_members_days: String::new(),
            kind: "tea party".into(),
            cadence: "yearly".into(),
            locality: None,
            ..valid()
        };
        let p = problems(&input);
        assert!(p.get(PanelField::StartsAt).unwrap().contains("24-hour clock"));
        assert_eq!(p.get(PanelField::EndsAt), Some("Enter the end time"));
        assert!(p.get(PanelField::StepUpHours).unwrap().contains("from 1 to 168"));
        assert_eq!(
            p.get(PanelField::NotesToMembersDays),
            Some("Enter the number of days for the notes to reach members")
        );
        assert!(p.get(PanelField::Kind).is_some() && p.get(PanelField::Cadence).is_some() && p.get(PanelField::Locality).is_some());
    }

    #[test]
    fn one_chair_chairs_every_meeting_and_two_alternate() {
        assert_eq!(chair_by_turn(&["A"], 0), Some(&"A"));
        assert_eq!(chair_by_turn(&["A"], 7), Some(&"A"));
        let two = ["Lead", "Co-chair"];
        let rota: Vec<&str> = (0..5).map(|n| *chair_by_turn(&two, n).unwrap()).collect();
        assert_eq!(rota, vec!["Lead", "Co-chair", "Lead", "Co-chair", "Lead"]);
        assert_eq!(chair_by_turn::<&str>(&[], 3), None);
    }

    proptest! {
        #[test]
        fn in_any_run_of_meetings_as_long_as_the_rota_each_chair_chairs_exactly_once(
            chairs in 1usize..6, start in 0usize..10_000,
        ) {
            let rota: Vec<usize> = (0..chairs).collect();
            let mut chaired: Vec<usize> = (start..start + chairs).map(|n| *chair_by_turn(&rota, n).unwrap()).collect();
            chaired.sort_unstable();
            prop_assert_eq!(chaired, rota.clone());
            // and with more than one chair, nobody chairs two meetings in a row
            if chairs > 1 {
                prop_assert_ne!(chair_by_turn(&rota, start), chair_by_turn(&rota, start + 1));
            }
        }

        #[test]
        fn whatever_is_typed_parsing_never_panics_and_a_refusal_always_says_why(
            name in ".{0,200}", starts in "[0-9:]{0,6}", ends in "[0-9:]{0,6}", days in "[0-9]{0,3}",
            cadence in prop::sample::select(vec!["weekly", "fortnightly", "monthly", "dates", "x"]),
            dates in "[0-9/\n]{0,30}", nth in "[0-9]{0,2}",
        ) {
            let input = PanelInput {
                name, starts_at: starts, ends_at: ends, list_days: days, cadence: cadence.into(), dates, nth,
                first_date: "10/12/2026".into(), ..valid()
            };
            match PanelConfiguration::parse(&input, TODAY) {
                Ok(c) => {
                    prop_assert!(c.ends_at() > c.starts_at());
                    prop_assert!(LIST_DAYS.contains(&c.rules().list_to_members_working_days));
                    prop_assert!(!c.name().is_empty() && !c.chairs().is_empty());
                }
                Err(p) => prop_assert!(!p.0.is_empty() && p.0.iter().all(|p| !p.message.is_empty())),
            }
        }
    }
}
