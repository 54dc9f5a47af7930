//! The built-in packs, compiled for `wasm32-wasip2` by the build script and embedded here.

include!(concat!(env!("OUT_DIR"), "/builtin_packs.rs"));

/// The component bytes of a built-in pack, by id.
pub fn pack_bytes(id: &str) -> Option<&'static [u8]> {
    BUILTIN_PACKS.iter().find(|(pack, _)| *pack == id).map(|(_, bytes)| *bytes)
}
