//! Virtual time: the engine never reads the wall clock, so runs are reproducible to the byte.

/// Where every world's clock starts: 2026-01-01T00:00:00Z.
pub const EPOCH_START: u64 = 1_767_225_600;

/// The last second the clock can show, 9999-12-29T23:59:59Z: a day short of jiff's range so
/// that no time zone arithmetic can step past it. The virtual clock stops here.
pub const MAX_SECS: u64 = 253_402_127_999;

/// `2026-01-01T00:00:00Z`. Times past [`MAX_SECS`] show as `MAX_SECS` (the clock never gets
/// there; see [`advance`]).
pub fn iso8601(secs: u64) -> String {
    let secs = secs.min(MAX_SECS) as i64;
    match jiff::Timestamp::from_second(secs) {
        Ok(t) => {
            // Signature checks format a date per request: plain integer formatting, not strftime.
            let d = jiff::tz::Offset::UTC.to_datetime(t);
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                d.year(),
                d.month(),
                d.day(),
                d.hour(),
                d.minute(),
                d.second()
            )
        }
        // Unreachable within MAX_SECS; a fixed string keeps this total without a panic.
        Err(_) => "9999-12-29T23:59:59Z".into(),
    }
}

/// `now + seconds`, stopping at [`MAX_SECS`].
pub fn advance(now: u64, seconds: u64) -> u64 {
    now.saturating_add(seconds).min(MAX_SECS)
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDThh:mm:ssZ` and `YYYY-MM-DDThh:mm:ss.fffZ` (fraction
/// dropped), in UTC. The shape is checked here; whether the date exists (`2026-02-31` does
/// not) is jiff's to say, so no calendar arithmetic is written by hand.
pub fn parse_iso8601(s: &str) -> Option<u64> {
    parse_checked(s).ok()
}

/// As [`parse_iso8601`], with what is wrong: for error messages that name the problem.
pub fn parse_checked(s: &str) -> Result<u64, String> {
    let b = s.as_bytes();
    let shape = || format!("`{s}` is not a date (YYYY-MM-DD) or a UTC time (YYYY-MM-DDThh:mm:ssZ)");
    let num = |r: std::ops::Range<usize>| -> Result<i16, String> {
        let part = s.get(r).ok_or_else(shape)?;
        if part.bytes().all(|c| c.is_ascii_digit()) { part.parse().map_err(|_| shape()) } else { Err(shape()) }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(shape());
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let date = jiff::civil::Date::new(y, mo as i8, d as i8)
        .map_err(|_| format!("`{s}`: {y:04}-{mo:02}-{d:02} is not a date in the calendar"))?;
    let mut time = jiff::civil::Time::midnight();
    if b.len() > 10 {
        if b.len() < 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[b.len() - 1] != b'Z' {
            return Err(shape());
        }
        let frac = s.get(19..s.len() - 1).ok_or_else(shape)?;
        let frac_ok = frac.is_empty()
            || (frac.len() > 1 && frac.starts_with('.') && frac[1..].bytes().all(|c| c.is_ascii_digit()));
        if !frac_ok {
            return Err(shape());
        }
        let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
        time = jiff::civil::Time::new(h as i8, mi as i8, se as i8, 0)
            .map_err(|_| format!("`{s}`: {h:02}:{mi:02}:{se:02} is not a time of day"))?;
    }
    let stamp = date
        .to_datetime(time)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map_err(|e| format!("`{s}`: {e}"))?
        .timestamp()
        .as_second();
    u64::try_from(stamp)
        .ok()
        .filter(|&t| t <= MAX_SECS)
        .ok_or_else(|| format!("`{s}` is before 1970-01-01 or after the clock's last day"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_start_of_the_world() {
        assert_eq!(iso8601(EPOCH_START), "2026-01-01T00:00:00Z");
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn parses_what_it_formats() {
        for t in [0, EPOCH_START, EPOCH_START + 86_399, 4_102_444_800] {
            assert_eq!(parse_iso8601(&iso8601(t)), Some(t));
        }
        assert_eq!(parse_iso8601("2030-10-01T16:00:00.000Z"), parse_iso8601("2030-10-01T16:00:00Z"));
        assert_eq!(parse_iso8601("2026-01-01"), Some(EPOCH_START));
    }

    #[test]
    fn leap_days_exist_only_in_leap_years() {
        assert_eq!(parse_iso8601("2028-02-29"), Some(parse_iso8601("2028-02-28").unwrap() + 86_400));
        assert!(parse_checked("2026-02-29").unwrap_err().contains("not a date in the calendar"));
    }

    #[test]
    fn the_clock_stops_at_its_last_second() {
        assert_eq!(advance(EPOCH_START, u64::MAX), MAX_SECS);
        assert_eq!(iso8601(MAX_SECS), "9999-12-29T23:59:59Z");
        assert_eq!(iso8601(u64::MAX), iso8601(MAX_SECS));
        assert_eq!(parse_iso8601(&iso8601(MAX_SECS)), Some(MAX_SECS));
    }

    #[test]
    fn refuses_garbage() {
        for s in [
            "",
            "2026",
            "2026-13-01",
            "2026-01-01T25:00:00Z",
            "2026-01-01T00:00:00",
            "20260101",
            "2026-01-01T00:00:00.Z",
            "2026-02-31",
            "2026-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-00-10",
            "2026-01-01T23:60:00Z",
        ] {
            assert_eq!(parse_iso8601(s), None, "{s}");
        }
    }
}
