//! HTTP tests of the real server over real TCP, against SQLite and PostgreSQL.

mod support;

mod ask;
mod auth;
mod chat;
mod cli;
mod credentials;
mod failures;
mod faq_files;
mod faq_suggestions;
mod faqs;
mod frontend;
mod help_centre;
mod input;
mod members;
mod openapi;
mod queue;
mod repositories;
mod streams;
mod tasks;
mod usage;
