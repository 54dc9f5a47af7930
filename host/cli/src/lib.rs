//! The `plimsoll` command's library half: what the binary and its tests share.
//!
//! The check pipeline is `plimsoll-check` and the formats are `plimsoll-report`; this crate only
//! adds the front end's own pieces: showing paths relative to the working directory ([`display`]),
//! atomic writes ([`output`]) and the policy-authoring commands ([`policy`]). It never decides
//! anything a check reports.
#![forbid(unsafe_code)]

pub mod display;
pub mod output;
pub mod policy;
