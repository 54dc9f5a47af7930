//! End-to-end tests through real components, in one test binary (each binary links the wasmtime
//! host): the acceptance stacks, every built-in pack's fixtures, the gate with a crashing pack, the
//! runtime's contract and the sandbox's limits with a hostile guest.

mod acceptance;
mod fixtures;
mod gate;
mod module_graph;
mod runtime;
mod sandbox;
