//! Guest bindings of the `plimsoll:policy` world, generated from `wit/` (the only `generate!`).
//!
//! Authors rarely need this module directly: [`crate::model`] re-exports the model types and
//! [`crate::export_pack!`] wires a [`crate::Pack`] to the exports. Hand-written components (such as
//! the hostile test guests) implement [`Guest`] and call `bindings::__export_policy_world!`.
#![allow(missing_docs, unsafe_code, clippy::all)]

wit_bindgen::generate!({
    path: "../wit",
    world: "policy",
    pub_export_macro: true,
    export_macro_name: "__export_policy_world",
    default_bindings_module: "plimsoll_sdk::bindings",
    runtime_path: "plimsoll_sdk::__wit_bindgen::rt",
    additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
    generate_all,
});
