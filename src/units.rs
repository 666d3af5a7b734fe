//! Human-readable quantities for messages and tables: bytes and durations.

/// Human-readable bytes (decimal units): `155.3 MB`. Sizes beyond the
/// exabytes are written in scientific notation (`6.6e31 B`) rather than as
/// an unreadable number of EB.
pub fn bytes(b: f64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if !b.is_finite() {
        return "? B".into();
    }
    if b >= 1e21 {
        return format!("{b:.1e} B");
    }
    let mut v = b;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Human-readable duration of `s` seconds: `4.6 ms`, `46 ms`, `0.42 s`,
/// `12.3 s`, `4.2 min`, `3.1 h`, `2.0 d`; `?` if not finite. Below 0.1 s
/// in milliseconds, so that short builds and plans of many processes keep
/// two significant digits.
pub fn duration(s: f64) -> String {
    if !s.is_finite() {
        "?".into()
    } else if s > 0.0 && s < 0.00995 {
        format!("{:.1} ms", s * 1000.0)
    } else if s > 0.0 && s < 0.0995 {
        format!("{:.0} ms", s * 1000.0)
    } else if s < 10.0 {
        format!("{s:.2} s")
    } else if s < 120.0 {
        format!("{s:.1} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else if s < 172_800.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} d", s / 86400.0)
    }
}

/// Human-readable simulated time of `ms` milliseconds: `1500 ms`, `12.5 s`,
/// `3.0 h`, `2.1e+7 h` for absurd values.
pub fn sim_time(ms: f64) -> String {
    let s = ms / 1000.0;
    if !ms.is_finite() {
        "?".into()
    } else if ms < 10_000.0 {
        format!("{ms:.0} ms")
    } else if s < 7200.0 {
        format!("{s:.1} s")
    } else if s < 3.6e9 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1e} h", s / 3600.0)
    }
}

/// A moment given in seconds since the Unix epoch as a UTC date and
/// minute: `2026-12-02 19:30 UTC` (proleptic Gregorian calendar).
pub fn utc_minute(unix_s: u64) -> String {
    let (days, rem) = (unix_s / 86_400, unix_s % 86_400);
    // days since 1970-01-01 to a civil date (H. Hinnant's algorithm)
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(bytes(155.3e6), "155.3 MB");
        assert_eq!(bytes(12.0), "12 B");
        assert_eq!(bytes(6.624e31), "6.6e31 B");
        assert_eq!(duration(0.5), "0.50 s");
        assert_eq!(duration(0.0046), "4.6 ms");
        assert_eq!(duration(0.046), "46 ms");
        assert_eq!(duration(0.00999), "10 ms");
        assert_eq!(duration(0.0996), "0.10 s");
        assert_eq!(duration(0.0), "0.00 s");
        assert_eq!(duration(3600.0), "60.0 min");
        assert_eq!(sim_time(1500.0), "1500 ms");
        assert_eq!(sim_time(3.6e6), "3600.0 s");
        assert_eq!(sim_time(3.6e7), "10.0 h");
    }

    #[test]
    fn utc_minutes() {
        assert_eq!(utc_minute(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_minute(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc_minute(1_796_239_863), "2026-12-02 19:31 UTC");
    }
}
