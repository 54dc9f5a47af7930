//! Host bindings of the `plimsoll:policy` world, generated from `wit/` (the only `bindgen!`).
#![allow(missing_docs, clippy::all)]

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "policy",
    additional_derives: [serde::Serialize, serde::Deserialize],
});
