//! Tests of the CMDB rules, one file per concern.

mod catalog;
mod impact;
mod input;
mod ip;
mod revision;
mod topology;
