//! `/stats` for admins: the main figures in words, a PNG chart of the last
//! 12 weeks (active residents, lessons completed) and the full report as a
//! CSV file, the same one `pomichnyk stats --format csv` prints.

use super::{AppError, Body, Outgoing, To, Turn};
use crate::chart;
use crate::engine::Keyboard;
use crate::script::Msg;
use crate::stats;
use crate::store::{LessonOrder, Window};

/// The window of the full report, in days.
const REPORT_DAYS: u32 = 30;

impl super::App {
    pub(super) async fn stats(&self, t: &mut Turn<'_>) -> Result<(), AppError> {
        let now = self.now();
        let script = t.script.clone();
        let (s, lang) = (&script.strings, t.lang);
        let order = LessonOrder::from_script(&script);
        let month = Window::last_days(now, REPORT_DAYS, self.tz.clone());
        let month = match self.store.stats(&month, &order).await {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %e, "/stats: cannot read the figures");
                t.say(Msg::StatsFailed, &[]);
                return Ok(());
            }
        };
        let completed: i64 = month.lessons.iter().map(|l| l.completed).sum();
        let summary = s.fill(
            Msg::StatsSummary,
            lang,
            &[
                ("total", &month.residents.total.to_string()),
                ("new", &month.residents.new_7d.to_string()),
                ("active_week", &month.residents.active_7d.to_string()),
                ("active_month", &month.residents.active_30d.to_string()),
                ("blocked", &month.residents.blocked.to_string()),
                ("completed", &completed.to_string()),
            ],
        );
        t.text(summary, Keyboard::None);

        let points: Vec<chart::Point> = month
            .weekly
            .iter()
            .map(|w| chart::Point {
                label: stats::local(w.start, &self.tz, "%d.%m"),
                active: w.active,
                completed: w.completions,
            })
            .collect();
        let png = chart::weekly_png(
            &points,
            s.get(Msg::StatsLegendActive, lang),
            s.get(Msg::StatsLegendCompleted, lang),
        );
        match png {
            Ok(png) => t.out.push(Outgoing {
                to: To::Person(t.user),
                body: Body::Picture {
                    png,
                    caption: s.get(Msg::StatsCaption, lang).to_string(),
                },
                reply_to: None,
            }),
            Err(e) => tracing::warn!(error = %e, "/stats: cannot draw the chart"),
        }

        let date = stats::local(now, &self.tz, "%Y-%m-%d");
        t.out.push(Outgoing {
            to: To::Person(t.user),
            body: Body::File {
                bytes: stats::csv(&month).into_bytes(),
                name: format!("pomichnyk-stats-{date}.csv"),
                caption: s.fill(
                    Msg::StatsDocument,
                    lang,
                    &[("days", &REPORT_DAYS.to_string())],
                ),
            },
            reply_to: None,
        });
        Ok(())
    }
}
