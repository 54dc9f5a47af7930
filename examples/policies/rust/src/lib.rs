//! The `acme` example pack: house rules written with `plimsoll-sdk`.
//!
//! Two rules show the two kinds of checks a team writes: `owner-label-missing` reads only the
//! compose model, `base-image-not-allowed` follows a service to the Dockerfile it builds and the
//! stage chain of its target. The Python and JavaScript examples implement the same rules and must
//! report the same findings.

pub mod rules;
mod settings;

pub use settings::Settings;

plimsoll_sdk::pack! {
    /// The `acme` pack.
    pub struct Acme {
        id: "acme",
        summary: "acme's house rules: service owners and allowed base images",
        settings: Settings,
        rules: rules,
    }
}
