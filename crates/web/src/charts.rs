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
            if top < 4.0 { format!("{value:.1}") } else { format!("{value:.0}") }
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
}
