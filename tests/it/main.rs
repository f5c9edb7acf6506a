//! Pomichnyk's integration tests, one binary (two cores link one far faster
//! than twenty). Each module is one area, read as conversations: what a
//! resident sends, what the bot answers.

mod support;

mod admin_stats;
mod app;
mod ask;
mod backup;
mod certificates;
mod chat;
mod check;
mod crash;
mod curriculum;
mod engine;
mod faq_eval;
mod graph;
mod hubs;
mod outbox_crash;
mod privacy;
mod qr;
mod quiz;
mod reliability;
mod reload;
mod run;
mod schema;
mod staff;
mod stats;
mod store;
mod telegram;
mod webinars;
