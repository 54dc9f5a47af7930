//! The `plimsoll` command's integration tests, in one test binary (each binary links the wasmtime
//! host, so one link instead of eight): every output format, the gate through the real binary,
//! the score, the configuration docs, and the policy-authoring commands.

mod custom_packs;
mod distribution;
mod docker_authz;
mod docs;
mod formats;
mod gate;
mod html_report;
mod kubernetes;
mod monorepo;
mod policy_common;
mod policy_docs;
mod policy_errors;
mod policy_examples;
mod policy_scaffold;
mod policy_verify;
mod score;
mod serve;
