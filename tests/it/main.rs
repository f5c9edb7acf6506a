//! Pomichnyk's integration tests, one binary (two cores link one far faster
//! than twenty). Each module is one area, read as conversations: what a
//! resident sends, what the bot answers.

mod support;

mod admin_stats;
mod app;
mod ask;
mod backup;
mod certificates;
mod chaos;
mod chat;
mod check;
mod checked;
mod crash;
mod curriculum;
mod engine;
mod faq_eval;
mod faq_review;
mod fold;
mod fuzz;
mod fuzz_targets;
mod glossary;
mod graph;
mod hubs;
mod myhub;
mod outbox_crash;
mod pictures;
mod privacy;
mod qr;
mod quiz;
mod reliability;
mod reload;
mod replicas;
mod replicas_webhook;
mod review;
mod run;
mod schema;
mod seasons;
mod staff;
mod stats;
mod store;
mod telegram;
mod webhook_crash;
mod webinars;
