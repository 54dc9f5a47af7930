//! Reads `units.tsv` and checks a pair of parsers against every case: shared by the SDK's and the
//! model's `tests/units_table.rs` (through `#[path]`), so both crates run the same table.
//!
//! Only test code: it panics with the table's line number on the first case that differs.

/// A parser under test: text in, bytes or milliseconds out.
pub type Parse = fn(&str) -> Result<u64, String>;

/// The cases: kind, input between double quotes, expected number or `error`, note; tab-separated.
const TABLE: &str = include_str!("units.tsv");

/// Check `bytes` against every `bytes` case and `ms` against every `ms` case; returns the count.
pub fn check(bytes: Parse, ms: Parse) -> usize {
    let mut checked = 0;
    for (n, line) in TABLE.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#')) {
        let at = n + 1;
        let fields: Vec<&str> = line.split('\t').collect();
        assert!(fields.len() >= 3, "units.tsv:{at}: expected kind, input, expected: {line:?}");
        let input = fields[1]
            .strip_prefix('"')
            .and_then(|f| f.strip_suffix('"'))
            .unwrap_or_else(|| panic!("units.tsv:{at}: the input must be between double quotes: {line:?}"));
        let got = match fields[0] {
            "bytes" => bytes(input),
            "ms" => ms(input),
            other => panic!("units.tsv:{at}: unknown kind {other:?}"),
        };
        match fields[2] {
            "error" => assert!(got.is_err(), "units.tsv:{at}: {input:?} must be rejected, got {got:?}"),
            expected => {
                let expected: u64 = expected.parse().unwrap_or_else(|_| panic!("units.tsv:{at}: bad number"));
                assert_eq!(got, Ok(expected), "units.tsv:{at}: {input:?}");
            }
        }
        checked += 1;
    }
    checked
}
