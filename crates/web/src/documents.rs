//! The files that leave the system: a meeting's action notes and a family's own copy of its
//! plan as PDFs, and the families-discussed report and the claims list as XLSX workbooks and
//! CSV files.
//!
//! Each is rendered from what the store returned for one reader (already filtered family by
//! family by the policy), so a file never holds more than its page showed. The PDF uses the
//! built-in Helvetica (no font files to ship) and draws its tables with lines; its streams are
//! left uncompressed, which keeps it small enough for e-mail and lets the tests read its text.
//! It is not encrypted here: business support sends it as a password-protected attachment
//! with their secure e-mail, as the Information Sharing Agreement asks.

use domain::clock::long_date;
use printpdf::{
    BuiltinFont, Color, Line, LinePoint, Mm, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rgb, TextItem,
};
use store::families::PersonRecord;
use store::notes::{ActionNotes, DiscussedRow};
use store::plan_actions::PlanAction;
use store::plans::{ClaimRow, PlanView};
use time::Date;

/// Why a file could not be made. Never expected in practice; the handler shows a 500 with a
/// reference id.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The spreadsheet writer refused.
    #[error("the spreadsheet could not be written: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// The CSV writer refused.
    #[error("the CSV file could not be written: {0}")]
    Csv(#[from] csv::Error),
    /// The CSV buffer could not be finished.
    #[error("the CSV file could not be finished")]
    CsvBuffer,
}

/// The column headings of the families-discussed report, in the XLSX and the CSV alike.
pub const REPORT_HEADINGS: [&str; 9] = [
    "Meeting date",
    "Panel",
    "Family",
    "Family id",
    "Decision",
    "Lead agency",
    "Lead professional",
    "First TAF meeting by",
    "Actions",
];

/// A4 portrait, in millimetres.
const PAGE_WIDTH: f32 = 210.0;
const PAGE_HEIGHT: f32 = 297.0;
const MARGIN: f32 = 15.0;
/// Body text size in points, and the line height it is set on.
const BODY_PT: f32 = 9.0;
const LINE_MM: f32 = 4.2;
/// Padding inside a table cell.
const PAD_MM: f32 = 1.5;

/// Pages being laid out top to bottom; starts a new page when the next block would not fit.
struct Layout {
    pages: Vec<Vec<Op>>,
    /// Distance of the next line's top from the bottom of the page.
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: PAGE_HEIGHT - MARGIN,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        // `pages` is never empty: it starts with one and only grows.
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Makes room for `height` millimetres, on a new page if this one is full.
    fn room(&mut self, height: f32) {
        if self.y - height < MARGIN {
            self.pages.push(Vec::new());
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    fn text_at(&mut self, x: f32, baseline: f32, size: f32, bold: bool, text: &str) {
        let font = if bold { BuiltinFont::HelveticaBold } else { BuiltinFont::Helvetica };
        self.ops().extend([
            Op::StartTextSection,
            Op::SetTextCursor {
                pos: Point::new(Mm(x), Mm(baseline)),
            },
            Op::SetFont {
                font: PdfFontHandle::Builtin(font),
                size: Pt(size),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    /// A heading or paragraph across the page, wrapped.
    fn paragraph(&mut self, text: &str, size: f32, bold: bool) {
        let line = size * 0.3528 * 1.35;
        for l in wrap(text, PAGE_WIDTH - 2.0 * MARGIN, size) {
            self.room(line);
            self.y -= line;
            self.text_at(MARGIN, self.y + line * 0.25, size, bold, &l);
        }
        self.y -= line * 0.4;
    }

    fn rule(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.ops().push(Op::DrawLine {
            line: Line {
                points: vec![
                    LinePoint {
                        p: Point::new(Mm(x1), Mm(y1)),
                        bezier: false,
                    },
                    LinePoint {
                        p: Point::new(Mm(x2), Mm(y2)),
                        bezier: false,
                    },
                ],
                is_closed: false,
            },
        });
    }

    /// A table: a bold heading row (repeated on each new page) and wrapped cells, ruled.
    fn table(&mut self, widths: &[f32], headings: &[&str], rows: &[Vec<String>]) {
        self.ops().extend([
            Op::SetOutlineThickness { pt: Pt(0.5) },
            Op::SetOutlineColor {
                col: Color::Rgb(Rgb {
                    r: 0.4,
                    g: 0.4,
                    b: 0.4,
                    icc_profile: None,
                }),
            },
        ]);
        let headings: Vec<String> = headings.iter().map(|h| (*h).to_owned()).collect();
        self.row(widths, &headings, true);
        for r in rows {
            let height = row_height(widths, r);
            if self.y - height < MARGIN {
                self.room(height + PAGE_HEIGHT);
                self.row(widths, &headings, true);
            }
            self.row(widths, r, false);
        }
        self.y -= LINE_MM;
    }

    fn row(&mut self, widths: &[f32], cells: &[String], bold: bool) {
        let height = row_height(widths, cells);
        self.room(height);
        let top = self.y;
        let bottom = top - height;
        let right = MARGIN + widths.iter().sum::<f32>();
        self.rule(MARGIN, top, right, top);
        self.rule(MARGIN, bottom, right, bottom);
        let mut x = MARGIN;
        self.rule(x, top, x, bottom);
        for (w, cell) in widths.iter().zip(cells) {
            for (i, l) in wrap(cell, w - 2.0 * PAD_MM, BODY_PT).iter().enumerate() {
                let baseline = top - PAD_MM - LINE_MM * (i as f32 + 1.0) + 1.0;
                self.text_at(x + PAD_MM, baseline, BODY_PT, bold, l);
            }
            x += w;
            self.rule(x, top, x, bottom);
        }
        self.y = bottom;
    }

    fn finish(self, title: &str) -> Vec<u8> {
        let mut doc = PdfDocument::new(title);
        let pages: Vec<PdfPage> = self
            .pages
            .into_iter()
            .map(|ops| PdfPage::new(Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT), ops))
            .collect();
        let options = PdfSaveOptions {
            optimize: false,
            ..PdfSaveOptions::default()
        };
        doc.with_pages(pages).save(&options, &mut Vec::new())
    }
}

fn row_height(widths: &[f32], cells: &[String]) -> f32 {
    let lines = widths
        .iter()
        .zip(cells)
        .map(|(w, c)| wrap(c, w - 2.0 * PAD_MM, BODY_PT).len())
        .max()
        .unwrap_or(1)
        .max(1);
    lines as f32 * LINE_MM + 2.0 * PAD_MM
}

/// Splits text into lines that fit `width` millimetres at `size` points, by words (a word
/// longer than a line is cut). Helvetica's glyphs average about half an em; capitals and wide
/// letters are allowed for by counting at 0.55 em.
fn wrap(text: &str, width: f32, size: f32) -> Vec<String> {
    let per_line = ((width / (size * 0.3528 * 0.55)).floor() as usize).max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let mut word: String = word.to_owned();
            while word.chars().count() > per_line {
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                let head: String = word.chars().take(per_line).collect();
                word = word.chars().skip(per_line).collect();
                lines.push(head);
            }
            let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
            if needed > per_line && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        lines.push(line);
    }
    lines
}

fn day(d: Date) -> String {
    format!("{} {}", d.weekday(), long_date(d))
}

/// Every action on one line each: what, who (organisation), by when, status.
fn actions_text<'a>(actions: impl Iterator<Item = (&'a str, &'a str, &'a str, Date, &'static str)>) -> String {
    actions
        .map(|(description, owner, organisation, due_on, status)| {
            format!("{description} ({owner}, {organisation}; due {}; {status})", long_date(due_on))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A meeting's action notes as an A4 PDF: a title, the meeting's details, an attendance table,
/// a table of the cases discussed with their decisions and actions, and the open part.
pub fn notes_pdf(notes: &ActionNotes) -> Vec<u8> {
    let m = &notes.meeting;
    let title = format!("Action notes: {} meeting on {}", m.panel_name, long_date(m.date));
    let mut layout = Layout::new();
    layout.paragraph("OFFICIAL-SENSITIVE: shared under the Information Sharing Agreement", 8.0, true);
    layout.paragraph(&title, 16.0, true);
    layout.paragraph(
        &format!(
            "{}, {} to {}, {}. {}: {}. Business support: {}.",
            day(m.date),
            domain::clock::short_time(m.starts_at),
            domain::clock::short_time(m.ends_at),
            m.venue,
            if m.chairs.len() > 1 { "Chairs" } else { "Chair" },
            m.chairs.join(", "),
            m.business_support
        ),
        BODY_PT,
        false,
    );
    layout.paragraph("Attendance", 12.0, true);
    let attendance: Vec<Vec<String>> = notes
        .attendance
        .iter()
        .map(|a| {
            vec![
                format!("{}{}", a.organisation_name, if a.core { "" } else { " (extended)" }),
                a.status.map(|s| s.label().to_owned()).unwrap_or_else(|| "Not recorded".to_owned()),
                a.attendee.clone().unwrap_or_default(),
            ]
        })
        .collect();
    layout.table(&[80.0, 40.0, 60.0], &["Organisation", "Attendance", "Who came"], &attendance);

    layout.paragraph("Cases discussed", 12.0, true);
    let cases: Vec<Vec<String>> = notes
        .cases
        .iter()
        .map(|c| {
            let people: Vec<String> = c
                .case
                .people
                .iter()
                .map(|p| format!("{} {}", p.given_name, p.family_name))
                .collect();
            let (decision, lead) = match &c.decision {
                Some(d) => (
                    format!("{}\n{}", d.outcome.label(), d.reasons),
                    [
                        d.lead_organisation.clone(),
                        d.lead_professional.clone(),
                        d.first_taf_by.map(|t| format!("First TAF by {}", long_date(t))),
                        d.service.clone(),
                        d.review_on.map(|r| format!("Review on {}", long_date(r))),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("\n"),
                ),
                None => ("No decision recorded".to_owned(), String::new()),
            };
            let actions = actions_text(c.actions.iter().map(|a| {
                (
                    a.description.as_str(),
                    a.owner.as_str(),
                    a.organisation.as_str(),
                    a.due_on,
                    a.status.label(),
                )
            }));
            vec![
                match &c.case.anonymous {
                    Some(label) => format!("{}\n{label}\nDiscussed anonymously", c.case.section.label()),
                    None => format!("{}\n{}\n{}", c.case.section.label(), c.case.address, people.join(", ")),
                },
                decision,
                lead,
                actions,
            ]
        })
        .collect();
    if cases.is_empty() {
        layout.paragraph("No cases you may see were discussed.", BODY_PT, false);
    } else {
        layout.table(
            &[45.0, 50.0, 35.0, 50.0],
            &["Family", "Decision and reasons", "Lead", "Actions"],
            &cases,
        );
    }

    layout.paragraph("Open part", 12.0, true);
    let open: Vec<Vec<String>> = m
        .open_items
        .iter()
        .map(|i| vec![i.section.label().to_owned(), i.title.clone()])
        .collect();
    if open.is_empty() {
        layout.paragraph("No community issues or other business.", BODY_PT, false);
    } else {
        layout.table(&[50.0, 130.0], &["Section", "Item"], &open);
    }
    layout.finish(&title)
}

/// The family's own copy of its plan, in plain English, as an A4 PDF the lead professional
/// prints or sends them: who is helping, when the team meets, each need with where things
/// started, what good looks like and how it is going, who is doing what by when, and the
/// family's own words from the latest review (the child's only when `with_child_words`: a
/// child may have said things they did not want their parents to read). No case notes, agency
/// checks or panel reasons are in it.
pub fn family_plan_pdf(
    council: &str,
    address: &str,
    people: &[PersonRecord],
    plan: &PlanView,
    actions: &[PlanAction],
    with_child_words: bool,
    today: Date,
) -> Vec<u8> {
    let title = "Our family plan";
    let mut layout = Layout::new();
    layout.paragraph("Private: this plan is about your family. Keep it somewhere safe.", 8.0, true);
    layout.paragraph(title, 18.0, true);
    let names: Vec<String> = people.iter().map(|p| format!("{} {}", p.given_name, p.family_name)).collect();
    layout.paragraph(
        &format!(
            "For {} at {address}. Made with {council} Early Help on {}; printed on {}.",
            if names.is_empty() {
                "the family".to_owned()
            } else {
                names.join(", ")
            },
            long_date(plan.opened_on),
            long_date(today)
        ),
        10.0,
        false,
    );

    layout.paragraph("Who is helping us", 13.0, true);
    layout.paragraph(
        &match &plan.lead_professional {
            Some(l) => format!(
                "{} from {} is our lead professional: the person who keeps the plan going, and who we can talk to about it. E-mail: {}.",
                l.name, l.organisation, l.email
            ),
            None => "Our lead professional has not been named yet. Until then, talk to the person who gave you this plan.".to_owned(),
        },
        10.0,
        false,
    );

    layout.paragraph("When we meet", 13.0, true);
    layout.paragraph(
        &match &plan.closure {
            Some(c) => format!("This plan finished on {}: {}.", long_date(c.closed_on), c.reason.label()),
            None if plan.review_overdue => format!(
                "We meet as a Team Around the Family (us, and the people helping us) every {} weeks to see how things are going. Our next meeting was due on {}: our lead professional will arrange it.",
                plan.review_weeks,
                day(plan.next_review_due)
            ),
            None => format!(
                "We meet as a Team Around the Family (us, and the people helping us) every {} weeks to see how things are going. Our next meeting is on {}.",
                plan.review_weeks,
                day(plan.next_review_due)
            ),
        },
        10.0,
        false,
    );

    layout.paragraph("What we are working on", 13.0, true);
    if plan.needs.is_empty() {
        layout.paragraph("We have not written down what we are working on yet.", 10.0, false);
    } else {
        let rows: Vec<Vec<String>> = plan
            .needs
            .iter()
            .map(|n| {
                vec![
                    format!("{}\nFor {}", n.area, n.concerns.as_deref().unwrap_or("the whole family")),
                    n.baseline.clone(),
                    n.goal.clone(),
                    n.status_at_close
                        .or(n.progress)
                        .map_or("We have not looked at this together yet", |p| p.for_the_family())
                        .to_owned(),
                ]
            })
            .collect();
        layout.table(
            &[50.0, 45.0, 45.0, 40.0],
            &["What it is about", "Where we started", "What good looks like", "How it is going"],
            &rows,
        );
    }

    let to_do: Vec<Vec<String>> = actions
        .iter()
        .filter(|a| a.status == domain::decision::ActionStatus::Open)
        .map(|a| {
            let need = a
                .need
                .and_then(|id| plan.needs.iter().find(|n| n.id == id))
                .map_or_else(String::new, |n| n.area.clone());
            vec![
                a.description.clone(),
                format!("{} ({})", a.owner, a.organisation),
                long_date(a.due_on),
                need,
            ]
        })
        .collect();
    if !to_do.is_empty() {
        layout.paragraph("Who is doing what", 13.0, true);
        layout.table(&[70.0, 45.0, 30.0, 35.0], &["What will be done", "Who", "By", "For"], &to_do);
    }

    layout.paragraph("What we said", 13.0, true);
    let latest = plan.reviews.first();
    let parents = latest.and_then(|r| r.parents_words.as_deref());
    // A child's words go in only when the keeper chose to share them with the family.
    let child = latest.and_then(|r| r.child_words.as_deref()).filter(|_| with_child_words);
    if parents.is_none() && child.is_none() {
        layout.paragraph(
            "When the team meets, what you tell us is written here in your own words.",
            10.0,
            false,
        );
    }
    if let Some(w) = parents {
        layout.paragraph(&format!("Parents and carers: \"{w}\""), 10.0, false);
    }
    if let Some(w) = child {
        layout.paragraph(&format!("Children and young people: \"{w}\""), 10.0, false);
    }
    if let Some(changes) = latest.and_then(|r| r.changes.as_deref()) {
        layout.paragraph(&format!("What we changed at our last meeting: {changes}"), 10.0, false);
    }

    layout.paragraph("If you are worried", 13.0, true);
    layout.paragraph(
        "If you think a child is in danger right now, call 999. If you have a question about this plan, or want to change it, talk to your lead professional.",
        10.0,
        false,
    );
    layout.finish(title)
}

/// The cells of one report row, dates as ISO text (the XLSX writes them as real dates).
fn report_cells(r: &DiscussedRow) -> [String; 9] {
    [
        r.date.to_string(),
        r.panel.clone(),
        r.address.clone(),
        r.facts.id.to_string(),
        r.outcome.label().to_owned(),
        r.lead_organisation.clone().unwrap_or_default(),
        r.lead_professional.clone().unwrap_or_default(),
        r.first_taf_by.map(|d| d.to_string()).unwrap_or_default(),
        actions_text(r.actions.iter().map(|a| {
            (
                a.description.as_str(),
                a.owner.as_str(),
                a.organisation.as_str(),
                a.due_on,
                a.status.label(),
            )
        })),
    ]
}

fn excel_date(d: Date) -> Result<rust_xlsxwriter::ExcelDateTime, rust_xlsxwriter::XlsxError> {
    // Dates the store holds are within Excel's range (1900–9999); the writer refuses others.
    let year = u16::try_from(d.year()).unwrap_or(0);
    rust_xlsxwriter::ExcelDateTime::from_ymd(year, u8::from(d.month()), d.day())
}

/// One cell of a downloaded table: text, a real date, or long text wrapped in its cell.
enum Cell {
    Text(String),
    Date(Date),
    Wrapped(String),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(t) | Cell::Wrapped(t) => t.clone(),
            Cell::Date(d) => d.to_string(),
        }
    }
}

/// Figures (rows of text cells) as an XLSX workbook with one sheet.
pub fn figures_xlsx(headings: &[&str], rows: &[[String; 4]]) -> Result<Vec<u8>, DocumentError> {
    let rows: Vec<Vec<Cell>> = rows.iter().map(|r| r.iter().map(|c| Cell::Text(c.clone())).collect()).collect();
    sheet_xlsx("Figures", headings, &[26.0, 40.0, 30.0, 16.0], &rows)
}

/// Figures (rows of text cells) as a CSV file.
pub fn figures_csv(headings: &[&str], rows: &[[String; 4]]) -> Result<Vec<u8>, DocumentError> {
    let rows: Vec<Vec<Cell>> = rows.iter().map(|r| r.iter().map(|c| Cell::Text(c.clone())).collect()).collect();
    sheet_csv(headings, &rows)
}

/// A table as an XLSX workbook: one named sheet, a bold frozen heading row with filters, real
/// dates, and cells written as text (never as formulas).
fn sheet_xlsx(name: &str, headings: &[&str], widths: &[f64], rows: &[Vec<Cell>]) -> Result<Vec<u8>, DocumentError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let wrapped = Format::new().set_text_wrap();
    let sheet = book.add_worksheet();
    sheet.set_name(name)?;
    for (col, heading) in (0u16..).zip(headings) {
        sheet.write_string_with_format(0, col, *heading, &bold)?;
    }
    for (col, width) in (0u16..).zip(widths) {
        sheet.set_column_width(col, *width)?;
    }
    for (row, cells) in (1u32..).zip(rows) {
        for (col, cell) in (0u16..).zip(cells) {
            match cell {
                Cell::Text(t) => sheet.write_string(row, col, t)?,
                Cell::Date(d) => sheet.write_date_with_format(row, col, excel_date(*d)?, &date)?,
                Cell::Wrapped(t) => sheet.write_string_with_format(row, col, t, &wrapped)?,
            };
        }
    }
    let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let last_col = u16::try_from(headings.len().saturating_sub(1)).unwrap_or(0);
    sheet.autofilter(0, 0, last_row, last_col)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(book.save_to_buffer()?)
}

/// A table as CSV, every cell neutralised against formula injection.
fn sheet_csv(headings: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, DocumentError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(headings)?;
    for cells in rows {
        out.write_record(cells.iter().map(|c| crate::pages::governance::neutralise(&c.text())))?;
    }
    out.into_inner().map_err(|_| DocumentError::CsvBuffer)
}

/// A families-discussed row as cells: real dates for the meeting and the first TAF date.
fn report_row(r: &DiscussedRow) -> Vec<Cell> {
    let [_, panel, address, id, outcome, lead_organisation, lead_professional, taf, actions] = report_cells(r);
    vec![
        Cell::Date(r.date),
        Cell::Text(panel),
        Cell::Text(address),
        Cell::Text(id),
        Cell::Text(outcome),
        Cell::Text(lead_organisation),
        Cell::Text(lead_professional),
        r.first_taf_by.map_or(Cell::Text(taf), Cell::Date),
        Cell::Wrapped(actions),
    ]
}

/// The families-discussed report as an XLSX workbook.
pub fn report_xlsx(rows: &[DiscussedRow]) -> Result<Vec<u8>, DocumentError> {
    let rows: Vec<Vec<Cell>> = rows.iter().map(report_row).collect();
    sheet_xlsx(
        "Families discussed",
        &REPORT_HEADINGS,
        &[12.0, 28.0, 36.0, 38.0, 36.0, 28.0, 22.0, 14.0, 60.0],
        &rows,
    )
}

/// The families-discussed report as CSV.
pub fn report_csv(rows: &[DiscussedRow]) -> Result<Vec<u8>, DocumentError> {
    let rows: Vec<Vec<Cell>> = rows.iter().map(report_row).collect();
    sheet_csv(&REPORT_HEADINGS, &rows)
}

/// The claims list's columns, in the order the programme's returns ask for them.
pub const CLAIM_HEADINGS: [&str; 9] = [
    "Family",
    "Family id",
    "Plan opened",
    "Plan closed",
    "Why it closed",
    "Outcome areas with significant and sustained progress",
    "Progress confirmed",
    "Evidence",
    "Lead professional",
];

fn claim_row(r: &ClaimRow) -> Vec<Cell> {
    vec![
        Cell::Text(r.address.clone()),
        Cell::Text(r.facts.id.to_string()),
        Cell::Date(r.opened_on),
        Cell::Date(r.closed_on),
        Cell::Text(r.reason.label().to_owned()),
        Cell::Wrapped(r.areas.join("; ")),
        Cell::Date(r.checked_on),
        Cell::Wrapped(r.evidence.clone()),
        Cell::Text(r.lead_professional.clone().unwrap_or_default()),
    ]
}

/// The claims list as an XLSX workbook.
pub fn claims_xlsx(rows: &[ClaimRow]) -> Result<Vec<u8>, DocumentError> {
    let rows: Vec<Vec<Cell>> = rows.iter().map(claim_row).collect();
    sheet_xlsx(
        "Claims",
        &CLAIM_HEADINGS,
        &[36.0, 38.0, 12.0, 12.0, 30.0, 48.0, 12.0, 60.0, 24.0],
        &rows,
    )
}

/// The claims list as CSV.
pub fn claims_csv(rows: &[ClaimRow]) -> Result<Vec<u8>, DocumentError> {
    let rows: Vec<Vec<Cell>> = rows.iter().map(claim_row).collect();
    sheet_csv(&CLAIM_HEADINGS, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_fit_their_width_and_keep_every_word() {
        let text = "Share the school attendance record with the lead professional before the first meeting";
        let lines = wrap(text, 30.0, BODY_PT);
        assert!(lines.len() > 1);
        let per_line = (30.0 / (BODY_PT * 0.3528 * 0.55)).floor() as usize;
        assert!(lines.iter().all(|l| l.chars().count() <= per_line));
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn a_word_longer_than_a_line_is_cut_rather_than_overflowing() {
        let lines = wrap(&"x".repeat(100), 20.0, BODY_PT);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat().len(), 100);
    }

    #[test]
    fn an_empty_cell_is_one_empty_line() {
        assert_eq!(wrap("", 20.0, BODY_PT), vec![String::new()]);
    }
}
