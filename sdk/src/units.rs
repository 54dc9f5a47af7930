//! Units for messages and settings: bytes and durations, formatted the way people read them and
//! parsed the way Docker Compose parses them.
//!
//! The model carries bytes as `u64`, CPUs as `f64` and durations as milliseconds; these helpers turn
//! them into `1.5 GiB`, `512 MiB`, `1m30s` for messages. [`parse_bytes`] (go-units `RAMInBytes`)
//! and [`parse_duration_ms`] (Go's `time.ParseDuration`, truncated to milliseconds) are the very
//! code the host's loader uses (`units/parse.rs`, compiled into both crates), so a size in a pack's
//! settings means what the same text means in a compose file. Nothing here reads a project.
//!
//! ```
//! use plimsoll_sdk::units::{GIB, MIB, parse_bytes, parse_duration_ms};
//! assert_eq!(parse_bytes("16GiB"), Ok(16 * GIB));
//! assert_eq!(parse_bytes("12 GB"), Ok(12 * GIB)); // binary, as Docker reads memory
//! assert_eq!(parse_bytes("0.7k"), Ok(716)); // truncated like Go's int64(…)
//! assert_eq!(parse_bytes("256MiB"), Ok(256 * MIB));
//! assert!(parse_bytes("12 parsecs").is_err());
//! assert_eq!(parse_duration_ms("1m30s"), Ok(90_000));
//! assert_eq!(parse_duration_ms("1500us"), Ok(1)); // sub-millisecond parts are truncated
//! assert!(parse_duration_ms("30").is_err()); // a number needs a unit, except a lone 0
//! ```

mod parse;

pub use parse::{parse_bytes, parse_duration_ms};

/// One kibibyte.
pub const KIB: u64 = 1024;
/// One mebibyte.
pub const MIB: u64 = 1024 * KIB;
/// One gibibyte.
pub const GIB: u64 = 1024 * MIB;

/// Format bytes with a binary unit and at most two decimals: `512 MiB`, `1.5 GiB`, `19.5 GiB`.
///
/// ```
/// use plimsoll_sdk::units::{GIB, MIB, format_bytes};
/// assert_eq!(format_bytes(512 * MIB), "512 MiB");
/// assert_eq!(format_bytes(3 * GIB / 2), "1.5 GiB");
/// ```
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [(&str, u64); 4] = [("TiB", GIB * 1024), ("GiB", GIB), ("MiB", MIB), ("KiB", KIB)];
    for (name, size) in UNITS {
        if bytes >= size {
            return format!("{} {name}", trim_decimals(bytes as f64 / size as f64));
        }
    }
    format!("{bytes} B")
}

/// Format CPUs: `2`, `0.5`, `6.45`.
///
/// ```
/// assert_eq!(plimsoll_sdk::units::format_cpus(0.5), "0.5");
/// assert_eq!(plimsoll_sdk::units::format_cpus(2.0), "2");
/// ```
pub fn format_cpus(cpus: f64) -> String {
    trim_decimals(cpus)
}

/// Format milliseconds as a Go-style duration: `30s`, `1m30s`, `500ms`, `2h`; seconds keep at
/// most two decimals (`1.23s` for 1234 ms, where Go prints `1.234s`).
///
/// ```
/// assert_eq!(plimsoll_sdk::units::format_duration_ms(90_000), "1m30s");
/// assert_eq!(plimsoll_sdk::units::format_duration_ms(500), "500ms");
/// ```
pub fn format_duration_ms(ms: u64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, frac) = (rest / 1000, rest % 1000);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || frac > 0 {
        if frac > 0 {
            out.push_str(&format!("{}s", trim_decimals(s as f64 + frac as f64 / 1000.0)));
        } else {
            out.push_str(&format!("{s}s"));
        }
    }
    out
}

fn trim_decimals(value: f64) -> String {
    let s = format!("{value:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_bytes_in_binary_units() {
        assert_eq!(format_bytes(512 * MIB), "512 MiB");
        assert_eq!(format_bytes(3 * GIB / 2), "1.5 GiB");
        assert_eq!(format_bytes(39 * GIB / 2), "19.5 GiB");
        assert_eq!(format_bytes(100), "100 B");
    }

    #[test]
    fn formats_durations_like_go() {
        assert_eq!(format_duration_ms(90_000), "1m30s");
        assert_eq!(format_duration_ms(500), "500ms");
        assert_eq!(format_duration_ms(180_000), "3m");
        assert_eq!(format_duration_ms(1_500), "1.5s");
        assert_eq!(format_duration_ms(7_200_000), "2h");
        assert_eq!(format_duration_ms(1_234), "1.23s");
    }
}
