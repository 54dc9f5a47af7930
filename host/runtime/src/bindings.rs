//! Host bindings of the `plimsoll:policy` world, generated from `wit/` (the only `bindgen!`).
#![allow(missing_docs, clippy::all)]

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "policy",
    additional_derives: [serde::Serialize, serde::Deserialize],
});

impl<T: 'static> PolicyPre<T> {
    /// Instantiate like [`PolicyPre::instantiate`], without type-checking the exports again:
    /// [`PolicyPre::new`] checked them against the component once, and every instance of a
    /// component has its types.
    pub fn instantiate_prechecked(&self, mut store: impl wasmtime::AsContextMut<Data = T>) -> wasmtime::Result<Policy> {
        let instance = self.instance_pre.instantiate(&mut store)?;
        let mut func = |index: &wasmtime::component::ComponentExportIndex, name: &str| {
            instance.get_func(&mut store, index).ok_or_else(|| wasmtime::format_err!("no export `{name}` found"))
        };
        Ok(Policy {
            describe: func(&self.indices.describe, "describe")?,
            validate_settings: func(&self.indices.validate_settings, "validate-settings")?,
            evaluate: func(&self.indices.evaluate, "evaluate")?,
        })
    }
}
