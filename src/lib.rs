//! Pomichnyk ("помічник", helper): a Telegram bot that teaches residents of the
//! Khmelnytskyi community digital skills and cyber-safety, with lessons and
//! menus that admins write as files.
//!
//! # Layout
//!
//! - [`settings`]: the typed settings tree (`config/default.toml`, `config/local.toml`,
//!   `POMICHNYK__SECTION__KEY`), loaded once at start-up.
//! - [`script`]: the dialogue file format, its loader and every check `pomichnyk check` runs.
//!   Pure, apart from reading the content folder.
//! - [`content`]: the content being served, swapped whole by a live reload when it is valid.
//! - [`engine`]: one pure function, [`engine::step`], from (script, state, input) to
//!   (state, replies, events). No I/O, no clock, no Telegram.
//! - [`broadcast`]: announcements, the pure part: audiences, quiet hours, the librarian's draft.
//! - [`store`]: SQLite through sqlx; the only module that speaks SQL.
//! - [`chart`]: the PNG chart of weekly figures that `/stats` sends admins (plotters).
//! - [`chat`]: the terminal adapter behind `pomichnyk chat`.
//! - [`check`]: the `pomichnyk check` command's report.
//! - [`graph`]: the `pomichnyk graph` drawing of one dialogue, as Mermaid or Graphviz DOT.
//! - [`qr`]: the printable QR posters behind `pomichnyk qr` (a hub's deep link and name).
//! - [`stats`]: the `pomichnyk stats` report as text, CSV or JSON; the figures come from
//!   [`store::Store::stats`].
//! - [`telegram`]: the Telegram adapter behind `pomichnyk run` (teloxide); the only module that
//!   speaks Telegram.
//!
//! `src/main.rs` only parses the command line, starts tracing, loads settings and
//! calls into this library. See `ARCHITECTURE.md` for how an input flows through.

pub mod app;
pub mod broadcast;
pub mod chart;
pub mod chat;
pub mod check;
pub mod clock;
pub mod commands;
pub mod content;
pub mod engine;
pub mod faq;
pub mod graph;
pub mod hubs;
pub mod qr;
pub mod script;
pub mod settings;
pub mod stats;
pub mod store;
pub mod telegram;
