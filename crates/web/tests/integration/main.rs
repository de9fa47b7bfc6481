//! Integration tests of the web layer, through the router in-process, on SQLite by default and
//! on PostgreSQL when `YUNWEI_TEST_DATABASE_URL` is set.

mod api;
mod audit;
mod auth;
mod cmdb;
mod consistency;
mod contract;
mod escalation;
mod incidents;
mod inspections;
mod jobs;
mod monitoring;
mod paging;
mod permissions;
mod security;
mod support;
mod ui;
mod ui_alerts;
mod ui_daily_log;
mod ui_inspections;
mod ui_templates;
