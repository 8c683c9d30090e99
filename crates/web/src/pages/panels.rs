//! Panels as configured: when they meet, who chairs, who sits on them; and, for administrators
//! with a second factor (`ManagePanels`), the form that sets a panel up or changes it. The
//! form is read into a [`PanelInput`] and checked in one go by the domain
//! ([`PanelConfiguration::parse`]), then by the store for what only it knows (who may chair,
//! which organisations are current signatories); every problem comes back beside its field
//! with everything typed kept.

use super::{Chrome, render, render_with, short_time};
use crate::AppState;
use crate::error::{AppError, panel_form_errors};
use crate::forms::{CsrfForm, FormErrors};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::panel::{Cadence, Membership, PanelKind};
use domain::panel_config::{MEETING_WEEKDAYS, MemberInput, PanelConfiguration, PanelInput, weekday_code};
use domain::{LocalityId, OrganisationId, PanelId, UserId};
use serde::Deserialize;
use store::panels::{PanelChoices, PanelSaved, PanelSummary, StoredPanel};

#[derive(Template)]
#[template(path = "panels.html")]
struct PanelsPage {
    chrome: Chrome,
    panels: Vec<(PanelSummary, String)>,
    /// Whether the reader may set panels up (the links are shown only then).
    manages: bool,
    notice: Option<String>,
}

/// What a save reports back after its redirect.
#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    added: Option<usize>,
    #[serde(default)]
    cancelled: Option<usize>,
    #[serde(default)]
    moved: Option<usize>,
}

/// Every panel with its cadence, chairs and members.
pub async fn list(State(state): State<AppState>, who: SignedIn, Query(q): Query<SavedQuery>) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ViewPanels, &who.address).await?;
    let panels = state
        .store
        .list_panels(&permit)
        .await?
        .into_iter()
        .map(|p| {
            let when = format!("{}, {} to {}", p.cadence.describe(), short_time(p.starts_at), short_time(p.ends_at));
            (p, when)
        })
        .collect();
    let notice = q.saved.as_deref().map(|name| {
        let mut said = format!("{name} saved.");
        match q.added.unwrap_or(0) {
            0 => {}
            1 => said.push_str(" 1 meeting added."),
            n => said.push_str(&format!(" {n} meetings added.")),
        }
        match q.cancelled.unwrap_or(0) {
            0 => {}
            n => said.push_str(&format!(
                " {n} planned meeting{} no longer on its cadence cancelled; {} case{} moved to the next meeting and their leads told.",
                if n == 1 { "" } else { "s" },
                q.moved.unwrap_or(0),
                if q.moved == Some(1) { "" } else { "s" }
            )),
        }
        said
    });
    render(&PanelsPage {
        chrome: Chrome::signed_in(&state, &who, "Panels", "panels"),
        panels,
        manages: state.authority.decide(&who.principal, policy::ManagePanels).is_ok(),
        notice,
    })
}

#[derive(Template)]
#[template(path = "panel_form.html")]
struct PanelFormPage {
    chrome: Chrome,
    /// `None` for a new panel.
    panel: Option<PanelId>,
    version: i64,
    form: PanelInput,
    choices: PanelChoices,
    errors: FormErrors,
    kinds: [PanelKind; 4],
    weekdays: [time::Weekday; 5],
}

impl PanelFormPage {
    fn action(&self) -> String {
        match self.panel {
            Some(id) => format!("/panels/{id}/edit"),
            None => "/panels/new".into(),
        }
    }
    fn weekday_code(&self, d: &time::Weekday) -> &'static str {
        weekday_code(*d)
    }
    fn locality_selected(&self, id: &LocalityId) -> bool {
        self.form.locality == Some(*id)
    }
    fn chair_selected(&self, turn: &usize, id: &UserId) -> bool {
        self.form.chairs.get(*turn) == Some(id)
    }
    fn bs_selected(&self, id: &UserId) -> bool {
        self.form.business_support == Some(*id)
    }
    fn seat(&self, org: &OrganisationId) -> Option<&MemberInput> {
        self.form.members.iter().find(|m| m.organisation == *org)
    }
    fn seat_code(&self, org: &OrganisationId) -> &'static str {
        self.seat(org).map_or("", |m| m.membership.code())
    }
    fn rep_selected(&self, org: &OrganisationId, user: &UserId) -> bool {
        self.seat(org).and_then(|m| m.representative) == Some(*user)
    }
    fn mailbox(&self, org: &OrganisationId) -> String {
        self.seat(org).map(|m| m.secure_email.clone()).unwrap_or_default()
    }
    fn turns(&self) -> Vec<usize> {
        (0..3).collect()
    }
    fn weeks(&self) -> Vec<(&'static str, &'static str)> {
        vec![("1", "First"), ("2", "Second"), ("3", "Third"), ("4", "Fourth")]
    }
    /// (field, label, hint, value) of each deadline rule.
    fn deadline_fields(&self) -> Vec<(&'static str, &'static str, &'static str, String)> {
        vec![
            (
                "list_days",
                "Full working days between the list of families going to members and the meeting",
                "Usually 5",
                self.form.list_days.clone(),
            ),
            (
                "notes_bs_days",
                "Working days for the action notes to reach business support",
                "Usually 3",
                self.form.notes_bs_days.clone(),
            ),
            (
                "notes_members_days",
                "Days for the action notes to reach members",
                "Usually 7",
                self.form.notes_members_days.clone(),
            ),
            (
                "step_up_hours",
                "Hours for a step-up to reach children’s social care",
                "Usually 24",
                self.form.step_up_hours.clone(),
            ),
        ]
    }
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
    /// Every message for a field (the members table can have one per organisation).
    fn errors_for(&self, field: &str) -> Vec<&str> {
        self.errors.0.iter().filter(|(f, _)| *f == field).map(|(_, m)| m.as_str()).collect()
    }
}

/// The form's fixed fields; each organisation's seat comes as `seat_<id>`, `rep_<id>` and
/// `mailbox_<id>`, read from the pairs.
#[derive(Deserialize, Default)]
pub struct PanelFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    locality: String,
    #[serde(default)]
    cadence: String,
    #[serde(default)]
    weekday: String,
    #[serde(default)]
    first_date: String,
    #[serde(default)]
    nth: String,
    #[serde(default)]
    dates: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    online: Option<String>,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    chair_1: String,
    #[serde(default)]
    chair_2: String,
    #[serde(default)]
    chair_3: String,
    #[serde(default)]
    business_support: String,
    #[serde(default)]
    statement: String,
    #[serde(default)]
    list_days: String,
    #[serde(default)]
    notes_bs_days: String,
    #[serde(default)]
    notes_members_days: String,
    #[serde(default)]
    step_up_hours: String,
    #[serde(default)]
    version: i64,
}

/// Reads the submitted form into the domain's input, organisation by organisation of those
/// offered (a seat for an organisation not offered is not read, so cannot be smuggled in).
fn input_from(form: &CsrfForm<PanelFields>, choices: &PanelChoices) -> PanelInput {
    let f = &form.value;
    let field = |name: String| form.all(&name).first().map(|v| (*v).to_owned()).unwrap_or_default();
    let members = choices
        .organisations
        .iter()
        .filter_map(|o| {
            let membership = Membership::from_code(&field(format!("seat_{}", o.id)))?;
            Some(MemberInput {
                organisation: o.id,
                organisation_name: o.name.clone(),
                membership,
                representative: field(format!("rep_{}", o.id)).parse().ok(),
                secure_email: field(format!("mailbox_{}", o.id)),
            })
        })
        .collect();
    PanelInput {
        name: f.name.clone(),
        kind: f.kind.clone(),
        locality: f.locality.parse().ok(),
        cadence: f.cadence.clone(),
        weekday: f.weekday.clone(),
        first_date: f.first_date.clone(),
        nth: f.nth.clone(),
        dates: f.dates.clone(),
        starts_at: f.starts_at.clone(),
        ends_at: f.ends_at.clone(),
        online: f.online.is_some(),
        venue: f.venue.clone(),
        chairs: [&f.chair_1, &f.chair_2, &f.chair_3]
            .into_iter()
            .filter_map(|c| c.parse().ok())
            .collect(),
        business_support: f.business_support.parse().ok(),
        members,
        statement: f.statement.clone(),
        list_days: f.list_days.clone(),
        notes_bs_days: f.notes_bs_days.clone(),
        notes_members_days: f.notes_members_days.clone(),
        step_up_hours: f.step_up_hours.clone(),
    }
}

/// The stored panel as the form shows it to be changed.
fn input_of(p: &StoredPanel, choices: &PanelChoices) -> PanelInput {
    let hm = |t: time::Time| format!("{:02}:{:02}", t.hour(), t.minute());
    let uk = |d: time::Date| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
    let (cadence, weekday, first_date, nth, dates) = match &p.cadence {
        Cadence::Weekly { weekday } => ("weekly", weekday_code(*weekday), String::new(), String::new(), String::new()),
        Cadence::Fortnightly { weekday, first } => ("fortnightly", weekday_code(*weekday), uk(*first), String::new(), String::new()),
        Cadence::MonthlyNthWeekday { nth, weekday } => ("monthly", weekday_code(*weekday), String::new(), nth.to_string(), String::new()),
        Cadence::Dates { dates } => (
            "dates",
            "",
            String::new(),
            String::new(),
            dates.iter().map(|d| uk(*d)).collect::<Vec<_>>().join("\n"),
        ),
    };
    let online = p.venue == domain::panel_config::ONLINE;
    PanelInput {
        name: p.name.clone(),
        kind: p.kind.code().to_owned(),
        locality: Some(p.locality),
        cadence: cadence.to_owned(),
        weekday: weekday.to_owned(),
        first_date,
        nth,
        dates,
        starts_at: hm(p.starts_at),
        ends_at: hm(p.ends_at),
        online,
        venue: if online { String::new() } else { p.venue.clone() },
        chairs: p.chairs.clone(),
        business_support: Some(p.business_support),
        members: p
            .members
            .iter()
            .map(|(org, membership, rep, mailbox)| MemberInput {
                organisation: *org,
                organisation_name: choices
                    .organisations
                    .iter()
                    .find(|o| o.id == *org)
                    .map(|o| o.name.clone())
                    .unwrap_or_default(),
                membership: *membership,
                representative: *rep,
                secure_email: mailbox.clone().unwrap_or_default(),
            })
            .collect(),
        statement: p.conflict_of_interest_statement.clone(),
        list_days: p.rules.list_to_members_working_days.to_string(),
        notes_bs_days: p.rules.notes_to_business_support_working_days.to_string(),
        notes_members_days: p.rules.notes_to_members_days.to_string(),
        step_up_hours: p.rules.step_up_hours.to_string(),
    }
}

struct FormState {
    panel: Option<PanelId>,
    version: i64,
    form: PanelInput,
    choices: PanelChoices,
    errors: FormErrors,
}

fn form_page(state: &AppState, who: &SignedIn, s: FormState, status: StatusCode) -> Result<Response, AppError> {
    let title = if s.panel.is_some() { "Change a panel" } else { "Set up a panel" };
    render_with(
        status,
        &PanelFormPage {
            chrome: Chrome::signed_in(state, who, title, "panels").with_errors(&s.errors),
            panel: s.panel,
            version: s.version,
            form: s.form,
            choices: s.choices,
            errors: s.errors,
            kinds: PanelKind::ALL,
            weekdays: MEETING_WEEKDAYS,
        },
    )
}

fn saved(name: &str, s: PanelSaved) -> Response {
    let q = serde_urlencoded::to_string([
        ("saved", name.to_owned()),
        ("added", s.added.to_string()),
        ("cancelled", s.cancelled.to_string()),
        ("moved", s.cases_moved.to_string()),
    ])
    .unwrap_or_default();
    Redirect::to(&format!("/panels?{q}")).into_response()
}

fn panel_id(raw: &str) -> Result<PanelId, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// The form to set up a new panel, with the seeds' deadline rules filled in.
pub async fn new_form(State(state): State<AppState>, who: SignedIn) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ManagePanels, &who.address).await?;
    let choices = state.store.panel_choices(&permit, None).await?;
    let s = FormState {
        panel: None,
        version: 0,
        form: PanelInput::new_panel(),
        choices,
        errors: FormErrors::default(),
    };
    form_page(&state, &who, s, StatusCode::OK)
}

/// Sets a new panel up, or shows the form again with every problem beside its field.
pub async fn create(State(state): State<AppState>, who: SignedIn, form: CsrfForm<PanelFields>) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ManagePanels, &who.address).await?;
    let choices = state.store.panel_choices(&permit, None).await?;
    let input = input_from(&form, &choices);
    let mut errors = FormErrors::default();
    let status = match PanelConfiguration::parse(&input, state.store.clock().today()) {
        Ok(config) => match state.store.create_panel(&permit, &config, &who.address).await {
            Ok(s) => return Ok(saved(config.name(), s)),
            Err(e) => panel_form_errors(&mut errors, e)?,
        },
        Err(problems) => panel_form_errors(&mut errors, problems.into())?,
    };
    let s = FormState {
        panel: None,
        version: 0,
        form: input,
        choices,
        errors,
    };
    form_page(&state, &who, s, status)
}

/// The form to change a panel, filled in as it stands.
pub async fn edit_form(State(state): State<AppState>, who: SignedIn, Path(id): Path<String>) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ManagePanels, &who.address).await?;
    let id = panel_id(&id)?;
    let stored = state.store.stored_panel(&permit, id).await?.ok_or(AppError::NotFound)?;
    let choices = state.store.panel_choices(&permit, Some(id)).await?;
    let s = FormState {
        panel: Some(id),
        version: stored.version,
        form: input_of(&stored, &choices),
        choices,
        errors: FormErrors::default(),
    };
    form_page(&state, &who, s, StatusCode::OK)
}

/// Changes a panel. A refusal, or a form someone else's save made stale, shows the form again
/// with everything typed kept.
pub async fn update(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    form: CsrfForm<PanelFields>,
) -> Result<Response, AppError> {
    let permit = state.require(&who.principal, policy::ManagePanels, &who.address).await?;
    let id = panel_id(&id)?;
    let choices = state.store.panel_choices(&permit, Some(id)).await?;
    let input = input_from(&form, &choices);
    let mut version = form.value.version;
    let mut errors = FormErrors::default();
    let status = match PanelConfiguration::parse(&input, state.store.clock().today()) {
        Ok(config) => match state.store.update_panel(&permit, id, &config, version, &who.address).await {
            Ok(s) => return Ok(saved(config.name(), s)),
            Err(e) => panel_form_errors(&mut errors, e)?,
        },
        Err(problems) => panel_form_errors(&mut errors, problems.into())?,
    };
    if status == StatusCode::CONFLICT {
        // Saving again is a choice made having been told: it applies over the other change.
        version = state.store.stored_panel(&permit, id).await?.ok_or(AppError::NotFound)?.version;
    }
    let s = FormState {
        panel: Some(id),
        version,
        form: input,
        choices,
        errors,
    };
    form_page(&state, &who, s, status)
}
