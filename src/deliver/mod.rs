//! Delivering rendered reports to recipients.

pub mod email;
