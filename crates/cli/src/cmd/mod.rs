//! The subcommands, one file per module of the product.

pub mod audit;
pub mod backup;
pub mod cmdb;
pub mod contract;
pub mod user;
