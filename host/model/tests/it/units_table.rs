//! The model parses sizes and durations as the table shared with the SDK says
//! (`sdk/tests/data/units.tsv`): go-units `RAMInBytes` and Go's `time.ParseDuration`.
//!
//! Tests only the public `plimsoll_model::units` parsers.

#[path = "../../../../sdk/tests/data/units_table.rs"]
mod shared;

#[test]
fn model_units_follow_the_shared_table() {
    let checked = shared::check(plimsoll_model::units::parse_bytes, plimsoll_model::units::parse_duration_ms);
    assert!(checked > 150, "only {checked} cases");
}
