//! Units for messages and settings: bytes and durations, formatted the way people read them.
//!
//! The model carries bytes as `u64`, CPUs as `f64` and durations as milliseconds; these helpers turn
//! them into `1.5 GiB`, `512 MiB`, `1m30s` for messages, and parse the sizes users write in settings.

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

/// Format milliseconds as a Go-style duration: `30s`, `1m30s`, `500ms`, `2h`.
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

/// Parse a size as users write it in settings: `16GiB`, `12 GB`, `512m`, `1.5G`, `1024` (bytes).
///
/// Binary and decimal suffixes are both read as powers of 1024, as Docker does.
///
/// ```
/// use plimsoll_sdk::units::{GIB, parse_bytes};
/// assert_eq!(parse_bytes("16GiB"), Ok(16 * GIB));
/// assert_eq!(parse_bytes("1.5G"), Ok(3 * GIB / 2));
/// assert!(parse_bytes("12 parsecs").is_err());
/// ```
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().map_err(|_| format!("invalid size `{text}`"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => KIB,
        "m" | "mb" | "mib" => MIB,
        "g" | "gb" | "gib" => GIB,
        "t" | "tb" | "tib" => GIB * 1024,
        _ => return Err(format!("invalid size `{text}`: unknown unit `{}`", unit.trim())),
    };
    let bytes = value * mult as f64;
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(format!("invalid size `{text}`: out of range"));
    }
    Ok(bytes.round() as u64)
}

/// Parse a Go-style duration as users write it in settings (`1m30s`, `500ms`, `2h`, `1.5s`) into
/// milliseconds; every number needs a unit (`ms`, `s`, `m`, `h`) except a lone `0`.
///
/// ```
/// use plimsoll_sdk::units::parse_duration_ms;
/// assert_eq!(parse_duration_ms("1m30s"), Ok(90_000));
/// assert_eq!(parse_duration_ms("1.5s"), Ok(1_500));
/// assert!(parse_duration_ms("30").is_err());
/// ```
pub fn parse_duration_ms(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if t == "0" {
        return Ok(0);
    }
    if t.is_empty() {
        return Err(format!("invalid duration `{text}`"));
    }
    let mut rest = t;
    let mut total = 0.0f64;
    while !rest.is_empty() {
        let split = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (num, after) = rest.split_at(split);
        let value: f64 = num.parse().map_err(|_| format!("invalid duration `{text}`"))?;
        let unit_len = after.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let ms = match unit {
            "ms" => 1.0,
            "s" => 1_000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            "" => return Err(format!("invalid duration `{text}`: a number needs a unit (`ms`, `s`, `m`, `h`)")),
            other => return Err(format!("invalid duration `{text}`: unknown unit `{other}`")),
        };
        total += value * ms;
        rest = next;
    }
    if !total.is_finite() || total > u64::MAX as f64 {
        return Err(format!("invalid duration `{text}`: out of range"));
    }
    Ok(total.round() as u64)
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
    }

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration_ms("2h45m"), Ok(9_900_000));
        assert_eq!(parse_duration_ms("0"), Ok(0));
        assert_eq!(parse_duration_ms("250ms"), Ok(250));
        assert!(parse_duration_ms("5 minutes").is_err());
        assert!(parse_duration_ms("").is_err());
    }

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_bytes("16GiB"), Ok(16 * GIB));
        assert_eq!(parse_bytes("12 GB"), Ok(12 * GIB));
        assert_eq!(parse_bytes("1.5G"), Ok(3 * GIB / 2));
        assert_eq!(parse_bytes("1024"), Ok(1024));
        assert!(parse_bytes("12 parsecs").is_err());
        assert!(parse_bytes("").is_err());
    }
}
