//! Translations of what an admission point is asked to admit into a Compose document.
//!
//! The Docker Engine authorization plugin sees a container-create body, a Kubernetes webhook sees
//! a Pod or a workload; both become a Compose file that the model loads like any other, so every
//! rule sees the values it would see from the equivalent `compose.yaml`. Each line of the
//! generated document remembers the field of the request it came from ([`Translated::origin_of`]),
//! so a finding located on a line maps back to the request (`HostConfig.Memory`,
//! `spec.containers[1].resources.limits.memory`).
//!
//! This crate only translates: it never reads files, talks to a daemon or evaluates a policy, and
//! it never puts a value it was given into anything but the generated document.

pub mod compose;
pub mod docker;
mod fields;
pub mod kubernetes;

pub use compose::{Node, Translated, Tree};
