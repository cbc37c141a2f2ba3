//! escalate (crate docs are written as a tour; see below).
#![doc(html_root_url = "https://docs.rs/escalate/0.1.0")]

pub mod sla;
