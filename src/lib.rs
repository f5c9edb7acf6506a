//! Pomichnyk ("помічник", helper): a Telegram bot that teaches residents of the
//! Khmelnytskyi community digital skills and cyber-safety, with lessons and
//! menus that admins write as files.
//!
//! # Layout
//!
//! Three layers (see `ARCHITECTURE.md`):
//!
//! - The core, pure (no I/O, no clock): [`script`] (the dialogue file format and every check
//!   `pomichnyk check` runs), [`engine`] ([`engine::step`]: script, state, input → state,
//!   replies, events), [`faq`], [`hubs`], [`commands`] (the registry of bot commands),
//!   [`broadcast`] (audiences, quiet hours, librarians' drafts), [`graph`], [`chart`],
//!   [`certificates`] (the signed record, its check, the PDF and the preview, the final test).
//! - [`store`]: SQLite through sqlx; the only module that speaks SQL. [`content`]: the content
//!   being served and the one reader of the content folder. [`clock`]: the one reader of the clock.
//! - [`app`]: the application layer, every use case once, channel-free: plain [`app::Update`]s
//!   in, plain [`app::Outgoing`] messages out, one transaction per update, the durable outbox.
//! - Adapters over it: [`telegram`] (teloxide; the only module that speaks Telegram),
//!   [`chat`] (a terminal) and [`verify_http`] (the certificates' verification page).
//! - Commands of the binary: [`check`], [`stats`] (text, CSV, JSON), [`qr`] (posters), and
//!   [`settings`] (the typed settings tree, loaded once).
//!
//! `src/main.rs` only parses the command line, starts tracing, loads settings and
//! calls into this library.

pub mod app;
pub mod broadcast;
pub mod certificates;
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
pub mod verify_http;
