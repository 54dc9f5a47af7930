//! The built-in `image` pack: images, Dockerfiles, build contexts.
//!
//! Written exactly like a user's pack: each rule is a file under `rules/` with its documentation as
//! its doc comment and a plain check function over the model; `rules/mod.rs` lists them and this
//! file declares the pack.

mod common;
pub mod rules;
mod settings;

pub use settings::Settings;

plimsoll_sdk::pack! {
    /// The `image` pack.
    pub struct Image {
        id: "image",
        summary: "images, Dockerfiles, build contexts",
        settings: Settings,
        rules: rules,
    }
}
