//! The small part of iCalendar (RFC 5545) the meetings feed needs, written by hand: a
//! `VCALENDAR` of `VEVENT`s with text escaped (§3.3.11) and lines folded at 75 octets (§3.1).
//!
//! Why not the `icalendar` crate: its API takes `chrono` values, while every date and time here
//! is a `time` value (chrono is in the lock file only inside Cedar), so each would be converted;
//! and it would be a new direct dependency (and lock-file change) for nine properties that we
//! write and test here in a page of code.

use time::{Date, OffsetDateTime, Time, UtcOffset};

/// One event of the feed. Only what a member's own calendar needs: when, which panel, where.
/// Never anything about a family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Globally unique and stable across fetches: `<meeting id>@<host>`.
    pub uid: String,
    /// The meeting's day, as people in London mean it.
    pub date: Date,
    /// Start time in London.
    pub starts_at: Time,
    /// End time in London.
    pub ends_at: Time,
    /// The panel's name.
    pub summary: String,
    /// The venue, or "Online".
    pub location: String,
    /// The meeting's page, for the calendar app's link.
    pub url: String,
    /// A cancelled meeting stays in the feed as cancelled, so calendars remove it.
    pub cancelled: bool,
}

/// A London wall-clock time on a day as an instant, with the offset in force then (GMT or
/// BST). Meetings are held in the daytime, never in the hour the clocks change.
pub fn london_instant(date: Date, at: Time) -> OffsetDateTime {
    let naive = date.with_time(at);
    naive.assume_offset(domain::clock::london_offset(naive.assume_utc()))
}

/// `20261229T093000Z`: an instant in UTC, the form every calendar app reads without a
/// `VTIMEZONE` block.
fn utc_stamp(at: OffsetDateTime) -> String {
    let u = at.to_offset(UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        u.year(),
        u.month() as u8,
        u.day(),
        u.hour(),
        u.minute(),
        u.second()
    )
}

/// Escapes a TEXT value: backslash, semicolon, comma and line breaks (RFC 5545 §3.3.11).
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded so no physical line exceeds 75 octets (continuations
/// begin with a space, which counts), never splitting a UTF-8 character, ending in CRLF.
pub fn push_line(out: &mut String, line: &str) {
    let mut width = 0usize;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// The whole calendar, as `text/calendar` text.
pub fn calendar(name: &str, stamp: OffsetDateTime, events: &[Event]) -> String {
    let mut out = String::new();
    let mut line = |s: &str| push_line(&mut out, s);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//earlyhelp//Panel meetings//EN");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", escape_text(name)));
    let dtstamp = utc_stamp(stamp);
    for e in events {
        line("BEGIN:VEVENT");
        line(&format!("UID:{}", escape_text(&e.uid)));
        line(&format!("DTSTAMP:{dtstamp}"));
        line(&format!("DTSTART:{}", utc_stamp(london_instant(e.date, e.starts_at))));
        line(&format!("DTEND:{}", utc_stamp(london_instant(e.date, e.ends_at))));
        line(&format!("SUMMARY:{}", escape_text(&e.summary)));
        line(&format!("LOCATION:{}", escape_text(&e.location)));
        line(&format!("URL:{}", e.url));
        line(if e.cancelled { "STATUS:CANCELLED" } else { "STATUS:CONFIRMED" });
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    fn event(summary: &str) -> Event {
        Event {
            uid: "0190-abc@earlyhelp.example".into(),
            date: date!(2026 - 12 - 29),
            starts_at: time!(9:30),
            ends_at: time!(12:00),
            summary: summary.into(),
            location: "Town Hall, Room 2; first floor".into(),
            url: "https://earlyhelp.example/meetings/0190-abc".into(),
            cancelled: false,
        }
    }

    #[test]
    fn winter_meetings_are_in_gmt_and_summer_ones_an_hour_earlier_in_utc() {
        assert_eq!(utc_stamp(london_instant(date!(2026 - 12 - 29), time!(9:30))), "20261229T093000Z");
        assert_eq!(utc_stamp(london_instant(date!(2026 - 07 - 07), time!(9:30))), "20260707T083000Z");
    }

    #[test]
    fn text_values_escape_backslashes_separators_and_line_breaks() {
        assert_eq!(escape_text("a\\b;c,d\r\ne\nf"), "a\\\\b\\;c\\,d\\ne\\nf");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(60));
        push_line(&mut out, &long);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{long}\r\n"));
    }

    #[test]
    fn a_calendar_has_its_header_and_one_event_per_meeting_and_a_cancelled_one_says_so() {
        let mut cancelled = event("Northgate MAP");
        cancelled.cancelled = true;
        let text = calendar(
            "Early help meetings",
            datetime!(2026-12-02 09:00 UTC),
            &[event("Northgate MAP"), cancelled],
        );
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
        assert!(text.contains("LOCATION:Town Hall\\, Room 2\\; first floor\r\n"));
        assert!(text.contains("DTSTART:20261229T093000Z\r\nDTEND:20261229T120000Z\r\n"));
        assert_eq!(text.matches("STATUS:CANCELLED").count(), 1);
        assert!(text.split("\r\n").all(|l| l.len() <= 75));
    }
}
