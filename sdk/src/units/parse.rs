//! Byte sizes and durations read exactly as Docker Compose reads them: sizes as go-units
//! `RAMInBytes`, durations as Go's `time.ParseDuration`.
//!
//! This one file is compiled into two crates: the SDK (`plimsoll_sdk::units`, what packs use for
//! their settings) and `plimsoll-model` (`plimsoll_model::units`, through `#[path]` in
//! `host/model/src/units.rs`, what the loader uses for `mem_limit`, `healthcheck.interval`,
//! `host.memory` …), so host and guest can never disagree about a value. It must therefore use
//! nothing but `core` and `alloc` (no crate, no `crate::` path) and never panic. Both crates test it
//! against the same table, `sdk/tests/data/units.tsv` (`tests/units_table.rs` in each crate).

/// Go's `1 << 63`: the first value past `int64`, where Go's sizes and durations end.
const INT64_END: u64 = 1 << 63;

/// Parse a byte size as Docker's go-units `RAMInBytes` does, which is how Compose reads
/// `mem_limit`, `mem_reservation`, `memswap_limit`, `shm_size` and `deploy.resources.*.memory`.
///
/// - A decimal number, as Go's `strconv.ParseFloat` reads it: `512`, `1.5`, `.5`, `5.`, `1e3`,
///   an optional sign (`+5m`; negative sizes are rejected, `-0` is 0).
/// - Then, optionally after one space, a case-insensitive unit: `b`, or `k`, `m`, `g`, `t`, `p`
///   alone or followed by `b` or `ib`. Every unit is binary: `1k`, `1kb` and `1KiB` are all 1024
///   bytes (go-units' decimal reading, `FromHumanSize`, is not what Compose uses for memory).
/// - The result is the number times the unit in floating point, truncated to whole bytes as Go's
///   `int64(size)` does: `0.7k` is 716 bytes, `32.3` is 32.
///
/// Nothing else is accepted: no space before the number or after the unit, no second space, no
/// `ki` without `b`. Where Go's own conversion gives no meaningful number this rejects the input:
/// 2⁶³ bytes or more (`8192p`) is too large, and Go's hexadecimal floats (`0x1p10`), `Inf` and
/// `NaN` are not numbers here.
///
/// ```text
/// "512m" → 536870912    "1.5G" → 1610612736    "10 k" → 10240    "1ki" → error    " 1g" → error
/// ```
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let invalid = || format!("invalid size {s:?}: expected a number with an optional unit (b, k, m, g, t, p)");
    // go-units: split at the first space, else after the last digit or dot.
    let (number, unit) = match s.split_once(' ') {
        Some(split) => split,
        None => {
            let end = s.rfind(|c: char| c.is_ascii_digit() || c == '.').ok_or_else(invalid)?;
            s.split_at(end + 1)
        }
    };
    let value = go_float(number).ok_or_else(invalid)?;
    if value < 0.0 {
        return Err(format!("invalid size {s:?}: sizes cannot be negative"));
    }
    let lower = unit.to_ascii_lowercase();
    let multiplier: u64 = match lower.as_bytes() {
        [] | [b'b'] => 1,
        [prefix] | [prefix, b'b'] | [prefix, b'i', b'b'] => match prefix {
            b'k' => 1 << 10,
            b'm' => 1 << 20,
            b'g' => 1 << 30,
            b't' => 1 << 40,
            b'p' => 1 << 50,
            _ => return Err(bad_unit(s, unit)),
        },
        _ => return Err(bad_unit(s, unit)),
    };
    let bytes = value * multiplier as f64;
    if bytes >= INT64_END as f64 {
        return Err(format!("size {s:?} is too large"));
    }
    Ok(bytes as u64)
}

fn bad_unit(s: &str, unit: &str) -> String {
    format!("invalid size {s:?}: unknown unit {unit:?} (use b, k, m, g, t or p, optionally followed by b or ib)")
}

/// A decimal floating-point number as Go's `strconv.ParseFloat` accepts it (sign, digits with an
/// optional dot, optional exponent); `None` for anything else, and for numbers out of range.
fn go_float(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let digits_from = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_end = digits_from(i);
    let mut digits = int_end - i;
    i = int_end;
    if b.get(i) == Some(&b'.') {
        let frac_end = digits_from(i + 1);
        digits += frac_end - (i + 1);
        i = frac_end;
    }
    if digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_end = digits_from(i);
        if exp_end == i {
            return None;
        }
        i = exp_end;
    }
    if i != b.len() {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parse a duration as Go's `time.ParseDuration` does (Compose reads every duration with it:
/// `healthcheck.interval`, `stop_grace_period`, …) and return whole milliseconds.
///
/// - One or more numbers, each with a unit and no space between them: `1m30s`, `500ms`, `1.5h`,
///   `2h45m`, `.5s`. Units are case-sensitive: `ns`, `us` (or `µs`, `μs`), `ms`, `s`, `m`, `h`.
/// - A lone `0` needs no unit; any other number without one (`30`) is rejected, as Compose rejects it.
/// - An optional sign; negative durations are rejected (`-5s`), except zero (`-0s` is 0).
/// - Go's arithmetic is kept: whole nanoseconds, each fraction truncated to a nanosecond, and a
///   total of 2⁶³ ns (about 292 years) or more rejected.
/// - The result is then truncated to whole milliseconds, as Go's `Duration.Milliseconds()` does:
///   `1500us` is 1 ms, `999us` is 0 ms, `1.9999ms` is 1 ms. Sub-millisecond parts never round up.
///
/// ```text
/// "1m30s" → 90000    "1.5h" → 5400000    "1500us" → 1    "30" → error    "1d" → error
/// ```
pub fn parse_duration_ms(s: &str) -> Result<u64, String> {
    let invalid = |why: &str| format!("invalid duration {s:?}: {why}");
    let too_large = || invalid("too large");
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body == "0" {
        return Ok(0);
    }
    if body.is_empty() {
        return Err(invalid("empty"));
    }
    let mut total_ns: u64 = 0;
    let mut rest = body;
    while !rest.is_empty() {
        let b = rest.as_bytes();
        // [0-9]* before an optional dot: an integer that must fit Go's int64 nanoseconds.
        let int_end = b.iter().position(|c| !c.is_ascii_digit()).unwrap_or(b.len());
        let mut whole: u64 = 0;
        for &digit in &b[..int_end] {
            if whole > INT64_END / 10 {
                return Err(too_large());
            }
            whole = whole * 10 + u64::from(digit - b'0');
            if whole > INT64_END {
                return Err(too_large());
            }
        }
        let mut at = int_end;
        // (\.[0-9]*)?: digits past what a u64 holds are dropped, as Go drops them.
        let (mut fraction, mut scale, mut fraction_digits) = (0u64, 1f64, 0usize);
        if b.get(at) == Some(&b'.') {
            at += 1;
            let mut overflow = false;
            while let Some(&digit) = b.get(at).filter(|c| c.is_ascii_digit()) {
                at += 1;
                fraction_digits += 1;
                if overflow || fraction > (INT64_END - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let next = fraction * 10 + u64::from(digit - b'0');
                if next > INT64_END {
                    overflow = true;
                    continue;
                }
                fraction = next;
                scale *= 10.0;
            }
        }
        if int_end == 0 && fraction_digits == 0 {
            return Err(invalid("expected a number"));
        }
        let unit_len = b[at..].iter().position(|c| *c == b'.' || c.is_ascii_digit()).unwrap_or(b.len() - at);
        if unit_len == 0 {
            return Err(invalid("missing unit (use us, ms, s, m or h)"));
        }
        let unit = &rest[at..at + unit_len];
        rest = &rest[at + unit_len..];
        let unit_ns: u64 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(invalid(&format!("unknown unit {unit:?}"))),
        };
        if whole > INT64_END / unit_ns {
            return Err(too_large());
        }
        let mut ns = whole * unit_ns;
        if fraction > 0 {
            ns += (fraction as f64 * (unit_ns as f64 / scale)) as u64;
            if ns > INT64_END {
                return Err(too_large());
            }
        }
        total_ns = total_ns.checked_add(ns).filter(|t| *t <= INT64_END).ok_or_else(too_large)?;
    }
    if negative && total_ns > 0 {
        return Err(invalid("durations cannot be negative"));
    }
    if total_ns >= INT64_END {
        return Err(too_large());
    }
    Ok(total_ns / 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::{parse_bytes, parse_duration_ms};

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(
            parse_duration_ms("30"),
            Err("invalid duration \"30\": missing unit (use us, ms, s, m or h)".to_string())
        );
        assert_eq!(parse_duration_ms("-5s"), Err("invalid duration \"-5s\": durations cannot be negative".to_string()));
        assert_eq!(parse_duration_ms("1d"), Err("invalid duration \"1d\": unknown unit \"d\"".to_string()));
        assert!(parse_bytes("lots").unwrap_err().starts_with("invalid size \"lots\": expected a number"));
        assert!(parse_bytes("12 gigs").unwrap_err().contains("unknown unit \"gigs\""));
        assert_eq!(parse_bytes("8192p"), Err("size \"8192p\" is too large".to_string()));
    }
}
