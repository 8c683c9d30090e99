//! Bar charts drawn as inline SVG, for the dashboards: no script, no chart library to ship, and
//! each chart sits beside a table of the same figures, which is what screen readers and
//! keyboard users read (the chart's title says so).

use std::fmt::Write as _;

/// One series of bars: its name and one value per category.
pub struct Series<'a> {
    /// What the bars count, for the key.
    pub name: &'a str,
    /// One value per category, in the categories' order.
    pub values: Vec<f64>,
}

/// GOV.UK colours, distinguishable for most kinds of colour blindness when in this order.
const COLOURS: [&str; 5] = ["#1d70b8", "#f47738", "#28a197", "#912b88", "#505a5f"];

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 40.0;
const TOP: f64 = 30.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A gridline's value: whole numbers as such, others to one decimal place.
fn tick(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// A round top for the value axis at or above `max`: 1, 2 or 5 times a power of ten.
fn axis_top(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|t| *t >= max)
        .unwrap_or(max)
}

/// A grouped bar chart: one group per category, one bar per series, a key above and four
/// gridlines. `title` is the chart's accessible name.
pub fn bars(title: &str, categories: &[String], series: &[Series<'_>]) -> String {
    let max = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0, f64::max);
    let top = axis_top(max);
    // The key first, in as many rows as its names need; the plot starts below it.
    let mut key = Vec::with_capacity(series.len());
    let (mut key_x, mut key_y) = (LEFT, 8.0);
    for one in series {
        let width = 22.0 + 6.4 * one.name.chars().count() as f64;
        if key_x + width > WIDTH - 10.0 && key_x > LEFT {
            key_x = LEFT;
            key_y += 18.0;
        }
        key.push((key_x, key_y));
        key_x += width + 12.0;
    }
    let plot_top = key_y + TOP - 8.0;
    let plot_w = WIDTH - LEFT - 10.0;
    let plot_h = HEIGHT - plot_top - BOTTOM;
    let group_w = plot_w / categories.len().max(1) as f64;
    let bar_w = (group_w * 0.8 / series.len().max(1) as f64).min(28.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"app-chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" focusable=\"false\" font-family=\"GDS Transport, arial, sans-serif\" xmlns=\"http://www.w3.org/2000/svg\"><title>{} (the table gives the figures)</title>",
        escape(title)
    );
    for i in 0..=4 {
        let value = top * f64::from(i) / 4.0;
        let y = plot_top + plot_h - plot_h * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#b1b4b6\" stroke-width=\"1\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#0b0c0c\">{}</text>",
            WIDTH - 10.0,
            LEFT - 6.0,
            y + 4.0,
            tick(value)
        );
    }
    for (c, category) in categories.iter().enumerate() {
        let group_x = LEFT + group_w * c as f64 + (group_w - bar_w * series.len() as f64) / 2.0;
        for (s, one) in series.iter().enumerate() {
            let value = one.values.get(c).copied().unwrap_or(0.0).max(0.0);
            let h = plot_h * value / top;
            let _ = write!(
                svg,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar_w:.1}\" height=\"{h:.1}\" fill=\"{}\"/>",
                group_x + bar_w * s as f64,
                plot_top + plot_h - h,
                COLOURS[s % COLOURS.len()]
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#0b0c0c\">{}</text>",
            LEFT + group_w * (c as f64 + 0.5),
            HEIGHT - BOTTOM + 18.0,
            escape(category)
        );
    }
    for (s, (one, (x, y))) in series.iter().zip(key).enumerate() {
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#0b0c0c\">{}</text>",
            COLOURS[s % COLOURS.len()],
            x + 16.0,
            y + 10.0,
            escape(one.name)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A horizontal bar chart, for categories with long names (the outcome areas): one row per
/// category with its name on the left, one bar per series in the row, a key above.
pub fn rows(title: &str, categories: &[String], series: &[Series<'_>]) -> String {
    const LABEL: f64 = 250.0;
    const BAR: f64 = 9.0;
    let max = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0, f64::max);
    let top = axis_top(max);
    let row_h = BAR * series.len() as f64 + 8.0;
    let plot_top = 34.0;
    let plot_w = WIDTH - LABEL - 20.0;
    let height = plot_top + row_h * categories.len() as f64 + 24.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"app-chart\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\" focusable=\"false\" font-family=\"GDS Transport, arial, sans-serif\" xmlns=\"http://www.w3.org/2000/svg\"><title>{} (the table gives the figures)</title>",
        escape(title)
    );
    let mut key_x = LABEL;
    for (s, one) in series.iter().enumerate() {
        let _ = write!(
            svg,
            "<rect x=\"{key_x:.1}\" y=\"8\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{:.1}\" y=\"18\" font-size=\"12\" fill=\"#0b0c0c\">{}</text>",
            COLOURS[s % COLOURS.len()],
            key_x + 16.0,
            escape(one.name)
        );
        key_x += 34.0 + 6.4 * one.name.chars().count() as f64;
    }
    for i in 0..=4 {
        let x = LABEL + plot_w * f64::from(i) / 4.0;
        let value = top * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{plot_top}\" y2=\"{:.1}\" stroke=\"#b1b4b6\" stroke-width=\"1\"/><text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#0b0c0c\">{}</text>",
            height - 20.0,
            height - 6.0,
            tick(value)
        );
    }
    for (c, category) in categories.iter().enumerate() {
        let y = plot_top + row_h * c as f64 + 4.0;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#0b0c0c\">{}</text>",
            LABEL - 8.0,
            y + row_h / 2.0,
            escape(category)
        );
        for (s, one) in series.iter().enumerate() {
            let value = one.values.get(c).copied().unwrap_or(0.0).max(0.0);
            let _ = write!(
                svg,
                "<rect x=\"{LABEL}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{BAR}\" fill=\"{}\"/>",
                y + BAR * s as f64,
                plot_w * value / top,
                COLOURS[s % COLOURS.len()]
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_axis_tops_out_at_a_round_number_above_the_largest_bar() {
        assert_eq!(axis_top(0.0), 1.0);
        assert_eq!(axis_top(7.0), 10.0);
        assert_eq!(axis_top(13.0), 20.0);
        assert_eq!(axis_top(41.0), 50.0);
        assert_eq!(axis_top(100.0), 100.0);
    }

    #[test]
    fn gridlines_are_labelled_without_rounding_a_half_away() {
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(5.0), "5");
    }

    #[test]
    fn a_chart_names_itself_points_to_its_table_and_escapes_its_labels() {
        let svg = bars(
            "Referrals <by route>",
            &["Oct".into(), "Nov".into()],
            &[Series {
                name: "Step-up & down",
                values: vec![3.0, 9.0],
            }],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title>Referrals &lt;by route&gt; (the table gives the figures)</title>"));
        assert!(svg.contains("Step-up &amp; down"));
        assert_eq!(svg.matches("<rect").count(), 3, "two bars and one key");
    }

    #[test]
    fn a_row_chart_names_each_category_beside_its_bars() {
        let svg = rows(
            "Needs by area",
            &["Getting a good education".into(), "Secure housing".into()],
            &[
                Series {
                    name: "Closed",
                    values: vec![10.0, 5.0],
                },
                Series {
                    name: "Improved",
                    values: vec![6.0, 0.0],
                },
            ],
        );
        assert!(svg.contains(">Getting a good education</text>"));
        assert_eq!(svg.matches("<rect").count(), 6, "four bars and two keys");
    }
}
