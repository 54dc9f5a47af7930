//! The SDK parses sizes and durations as the shared table says (the model runs the same table).
//!
//! Tests only the public `plimsoll_sdk::units` parsers; formatting is tested in `units.rs`.

#[path = "data/units_table.rs"]
mod units_table;

#[test]
fn sdk_units_follow_the_shared_table() {
    let checked = units_table::check(plimsoll_sdk::units::parse_bytes, plimsoll_sdk::units::parse_duration_ms);
    assert!(checked > 150, "only {checked} cases");
}
