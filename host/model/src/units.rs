//! Byte sizes, durations and image references parsed exactly as Docker parses them.
//!
//! [`parse_bytes`] follows go-units `RAMInBytes` (binary multiples whatever the suffix says),
//! [`parse_duration_ms`] follows Go's `time.ParseDuration` (which compose-go uses for every
//! duration), and [`parse_image_ref`] follows the reference grammar of `distribution/reference`
//! closely enough to split a reference into registry, repository, tag and digest (re-exported
//! from [`crate::image`] so there is one implementation). These are pure
//! functions shared by the compose and Dockerfile loaders; they never panic.

/// Parse a byte size like Docker's go-units `RAMInBytes`: `512m`, `1.5G`, `2gb`, `1GiB`, `10 k`, `1024`.
///
/// Suffixes `b`, `k`, `m`, `g`, `t`, `p` (optionally followed by `i` and/or `b`) are case-insensitive
/// and always binary (`1k` = 1024); one space may separate the number from the suffix; a plain
/// number is bytes. The result is truncated to whole bytes.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let invalid = || format!("invalid size {s:?}: expected a number with an optional unit (b, k, m, g, t, p)");
    let digits_end = s.bytes().position(|b| !(b.is_ascii_digit() || b == b'.')).unwrap_or(s.len());
    let (number, rest) = s.split_at(digits_end);
    if number.is_empty() || !number.as_bytes()[0].is_ascii_digit() || number.ends_with('.') || number.contains("..") {
        return Err(invalid());
    }
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let mut chars = rest.chars().peekable();
    let mut multiplier: u64 = 1;
    if let Some(c) = chars.peek().copied() {
        let m = match c.to_ascii_lowercase() {
            'k' => Some(1u64 << 10),
            'm' => Some(1 << 20),
            'g' => Some(1 << 30),
            't' => Some(1 << 40),
            'p' => Some(1 << 50),
            _ => None,
        };
        if let Some(m) = m {
            multiplier = m;
            chars.next();
        }
    }
    if chars.peek().is_some_and(|c| c.eq_ignore_ascii_case(&'i')) {
        chars.next();
    }
    if chars.peek().is_some_and(|c| c.eq_ignore_ascii_case(&'b')) {
        chars.next();
    }
    if chars.next().is_some() {
        return Err(invalid());
    }
    let value: f64 = number.parse().map_err(|_| invalid())?;
    let bytes = value * multiplier as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(format!("size {s:?} is too large"));
    }
    Ok(bytes as u64)
}

/// Parse a Go duration (`1m30s`, `500ms`, `1h`, `10s`, `1.5s`, `2h45m`) into whole milliseconds.
///
/// Like `time.ParseDuration`, every number needs a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`)
/// except a lone `0`; so a plain integer such as `30` is rejected, as Compose rejects it.
/// Negative durations are rejected; sub-millisecond remainders are truncated.
pub fn parse_duration_ms(s: &str) -> Result<u64, String> {
    let invalid = |why: &str| format!("invalid duration {s:?}: {why}");
    let body = s.strip_prefix('+').unwrap_or(s);
    if let Some(negative) = body.strip_prefix('-') {
        if !negative.is_empty() && negative.chars().all(|c| c == '0' || c == '.') {
            return Ok(0);
        }
        return Err(invalid("durations cannot be negative"));
    }
    if body == "0" {
        return Ok(0);
    }
    if body.is_empty() {
        return Err(invalid("empty"));
    }
    let mut total_ns: f64 = 0.0;
    let mut rest = body;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number = &rest[..num_end];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(invalid("expected a number"));
        }
        rest = &rest[num_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = &rest[..unit_end];
        rest = &rest[unit_end..];
        let scale: f64 = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(invalid("missing unit (use us, ms, s, m or h)")),
            _ => return Err(invalid(&format!("unknown unit {unit:?}"))),
        };
        let value: f64 = number.parse().map_err(|_| invalid("expected a number"))?;
        total_ns += value * scale;
    }
    // Go's durations are int64 nanoseconds.
    if !total_ns.is_finite() || total_ns > i64::MAX as f64 {
        return Err(invalid("too large"));
    }
    Ok((total_ns as u64) / 1_000_000)
}

/// Split an image reference into registry, repository, tag and digest (one implementation, in [`crate::image`]).
pub use crate::image::parse_image_ref;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_like_go_units() {
        assert_eq!(parse_bytes("512m"), Ok(512 << 20));
        assert_eq!(parse_bytes("1.5G"), Ok(3 << 29));
        assert_eq!(parse_bytes("2gb"), Ok(2 << 30));
        assert_eq!(parse_bytes("1GiB"), Ok(1 << 30));
        assert_eq!(parse_bytes("1024"), Ok(1024));
        assert_eq!(parse_bytes("10 k"), Ok(10 << 10));
        assert_eq!(parse_bytes("100b"), Ok(100));
        assert!(parse_bytes("12 gigs").is_err());
        assert!(parse_bytes("").is_err());
        assert!(parse_bytes("-1").is_err());
        assert!(parse_bytes("1..5g").is_err());
        assert!(parse_bytes("g").is_err());
        assert!(parse_bytes("99999999999999999999999p").is_err());
    }

    #[test]
    fn durations_like_go() {
        assert_eq!(parse_duration_ms("1m30s"), Ok(90_000));
        assert_eq!(parse_duration_ms("500ms"), Ok(500));
        assert_eq!(parse_duration_ms("1h"), Ok(3_600_000));
        assert_eq!(parse_duration_ms("1.5s"), Ok(1_500));
        assert_eq!(parse_duration_ms("2h45m"), Ok(9_900_000));
        assert_eq!(parse_duration_ms("0"), Ok(0));
        assert_eq!(parse_duration_ms("1500us"), Ok(1));
        assert!(parse_duration_ms("30").is_err());
        assert!(parse_duration_ms("-5s").is_err());
        assert!(parse_duration_ms("5 s").is_err());
        assert!(parse_duration_ms("1d").is_err());
        assert!(parse_duration_ms("").is_err());
        assert!(parse_duration_ms("s").is_err());
    }

    #[test]
    fn image_refs() {
        let r = parse_image_ref("postgres");
        assert_eq!((r.registry, r.repository.as_str(), r.tag, r.digest), (None, "postgres", None, None));
        let r = parse_image_ref("localhost:5000/team/app:1.2@sha256:abc");
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        let r = parse_image_ref("ghcr.io/org/img");
        assert_eq!((r.registry.as_deref(), r.repository.as_str(), r.tag), (Some("ghcr.io"), "org/img", None));
        let r = parse_image_ref("bitnami/redis:7.2");
        assert_eq!((r.registry, r.repository.as_str(), r.tag.as_deref()), (None, "bitnami/redis", Some("7.2")));
        let r = parse_image_ref("localhost/app");
        assert_eq!(r.registry.as_deref(), Some("localhost"));
    }
}
