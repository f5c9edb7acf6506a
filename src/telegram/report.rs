//! `/stats` for admins: the main figures in words, a PNG chart of the last
//! 12 weeks (active residents, lessons completed) and the full report as a
//! CSV file, the same one `pomichnyk stats --format csv` prints.

use std::future::IntoFuture;

use teloxide::prelude::*;
use teloxide::types::{InputFile, ParseMode};

use super::{render, App, HandlerResult};
use crate::chart;
use crate::engine::Keyboard;
use crate::script::{markup, Msg};
use crate::stats;
use crate::store::{LessonOrder, Window};

/// The window of the full report, in days.
const REPORT_DAYS: u32 = 30;

impl App {
    pub(super) async fn send_stats(&self, bot: &Bot, chat: ChatId, lang: usize) -> HandlerResult {
        let now = self.now();
        let script = self.script();
        let order = LessonOrder::from_script(&script);
        let month = Window::last_days(now, REPORT_DAYS, self.tz.clone());
        let month = match self.store.stats(&month, &order).await {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %e, "/stats: cannot read the figures");
                return self.say(bot, chat, lang, Msg::StatsFailed, &[]).await;
            }
        };
        let s = &script.strings;
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
        self.reply(bot, chat, summary, Keyboard::None).await?;

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
            Ok(png) => {
                let caption = markup::to_html(s.get(Msg::StatsCaption, lang));
                self.global_pace(chat).await;
                render::call(|| {
                    bot.send_photo(chat, InputFile::memory(png.clone()).file_name("stats.png"))
                        .caption(caption.clone())
                        .parse_mode(ParseMode::Html)
                        .into_future()
                })
                .await?;
            }
            Err(e) => tracing::warn!(error = %e, "/stats: cannot draw the chart"),
        }

        let csv = stats::csv(&month);
        let date = stats::local(now, &self.tz, "%Y-%m-%d");
        let caption = markup::to_html(&s.fill(
            Msg::StatsDocument,
            lang,
            &[("days", &REPORT_DAYS.to_string())],
        ));
        self.global_pace(chat).await;
        render::call(|| {
            bot.send_document(
                chat,
                InputFile::memory(csv.clone().into_bytes())
                    .file_name(format!("pomichnyk-stats-{date}.csv")),
            )
            .caption(caption.clone())
            .parse_mode(ParseMode::Html)
            .into_future()
        })
        .await?;
        Ok(())
    }
}
