//! The PNG chart `/stats` sends admins: active residents and lessons
//! completed, week by week. Drawn with `plotters` into memory and encoded
//! with `image`; the labels use the bundled DejaVu Sans, which has Cyrillic.
//!
//! Pure: figures and labels in, PNG bytes out.

use std::io::Cursor;
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

/// The chart's size in pixels: wide enough to read on a phone turned sideways.
pub const WIDTH: u32 = 960;
pub const HEIGHT: u32 = 540;

/// The font family name the chart asks for; registered once from the bundled font.
const FAMILY: &str = "sans-serif";

/// The colours of the two lines (also used by tests that look for them).
pub const ACTIVE_COLOUR: RGBColor = RGBColor(31, 119, 180);
pub const COMPLETED_COLOUR: RGBColor = RGBColor(44, 160, 44);

/// One week on the chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    /// The week's label on the x axis, such as "23.11".
    pub label: String,
    pub active: i64,
    pub completed: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("cannot draw the chart: {0}")]
    Draw(String),
    #[error("cannot encode the chart as PNG: {0}")]
    Encode(#[from] image::ImageError),
}

fn draw_error(e: impl std::fmt::Display) -> ChartError {
    ChartError::Draw(e.to_string())
}

/// Draws both lines over the weeks in `points` (oldest first) and returns a PNG.
/// `active_label` and `completed_label` name the lines in the legend.
pub fn weekly_png(
    points: &[Point],
    active_label: &str,
    completed_label: &str,
) -> Result<Vec<u8>, ChartError> {
    static FONT: Once = Once::new();
    FONT.call_once(|| {
        if plotters::style::register_font(FAMILY, FontStyle::Normal, crate::qr::FONT).is_err() {
            tracing::warn!("the bundled font cannot be read; the chart has no labels");
        }
    });
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let top = points
            .iter()
            .map(|p| p.active.max(p.completed))
            .max()
            .unwrap_or(0)
            .max(1);
        let last = points.len().saturating_sub(1).max(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(24)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0..last, 0..top + top / 8 + 1)
            .map_err(draw_error)?;
        chart
            .configure_mesh()
            .x_labels(points.len().max(2))
            .x_label_formatter(&|i| points.get(*i).map(|p| p.label.clone()).unwrap_or_default())
            .y_label_formatter(&|v| v.to_string())
            .label_style((FAMILY, 18))
            .draw()
            .map_err(draw_error)?;
        for (label, colour, value) in [
            (
                active_label,
                ACTIVE_COLOUR,
                (|p: &Point| p.active) as fn(&Point) -> i64,
            ),
            (completed_label, COMPLETED_COLOUR, |p: &Point| p.completed),
        ] {
            chart
                .draw_series(LineSeries::new(
                    points.iter().enumerate().map(|(i, p)| (i, value(p))),
                    colour.stroke_width(4),
                ))
                .map_err(draw_error)?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(4))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font((FAMILY, 20))
            .draw()
            .map_err(draw_error)?;
        root.present().map_err(draw_error)?;
    }
    let image = image::RgbImage::from_raw(WIDTH, HEIGHT, pixels)
        .ok_or_else(|| ChartError::Draw("the pixel buffer has the wrong size".into()))?;
    let mut png = Vec::new();
    image.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(png: &[u8], colour: RGBColor) -> usize {
        let image = image::load_from_memory(png).expect("a PNG").to_rgb8();
        image
            .pixels()
            .filter(|p| p.0 == [colour.0, colour.1, colour.2])
            .count()
    }

    #[test]
    fn both_lines_and_the_labels_are_drawn() {
        let points: Vec<Point> = (0..12)
            .map(|i| Point {
                label: format!("{:02}.11", i + 1),
                active: 10 + i * 3,
                completed: i,
            })
            .collect();
        let png = weekly_png(&points, "Активні мешканці", "Пройдені уроки").expect("chart");
        let image = image::load_from_memory(&png).expect("a PNG");
        assert_eq!((image.width(), image.height()), (WIDTH, HEIGHT));
        // Each line is thick and crosses the chart: hundreds of pixels of its colour.
        assert!(
            count(&png, ACTIVE_COLOUR) > 500,
            "{}",
            count(&png, ACTIVE_COLOUR)
        );
        assert!(count(&png, COMPLETED_COLOUR) > 500);
        // Text is drawn (dark pixels besides the black axis lines) with the bundled font:
        // the chart without legend words differs from the one with them.
        let blank = weekly_png(&points, "", "").expect("chart");
        assert_ne!(png, blank);
    }

    #[test]
    fn no_weeks_or_zero_weeks_still_make_a_chart() {
        let png = weekly_png(&[], "a", "b").expect("chart");
        assert!(image::load_from_memory(&png).is_ok());
        let zeros = vec![
            Point {
                label: "01.11".into(),
                active: 0,
                completed: 0
            };
            12
        ];
        let png = weekly_png(&zeros, "a", "b").expect("chart");
        assert!(count(&png, ACTIVE_COLOUR) + count(&png, COMPLETED_COLOUR) > 0);
    }
}
