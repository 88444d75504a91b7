//! Calendar formatting of virtual time, without a date library: ISO 8601 / RFC 3339 in UTC.

/// Days since 1970-01-01 → (year, month, day), Howard Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2026-11-24T17:30:00.000Z`.
pub fn iso8601(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, min, s, milli) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
}

/// Days since the epoch, (year, month, day) and (hour, minute, second) of `ms`.
fn parts(ms: i64) -> (i64, (i64, i64, i64), (i64, i64, i64)) {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    (days, (y, m as i64, d as i64), (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60))
}

/// `Monday, June 10, 2024 10:38:23 AM UTC`, as DynamoDB's limit messages write instants.
pub fn long_date(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"];
    const MONTHS: [&str; 12] = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    let (days, (y, m, d), (h, min, s)) = parts(ms);
    let (h12, half) = (if h % 12 == 0 { 12 } else { h % 12 }, if h < 12 { "AM" } else { "PM" });
    format!("{}, {} {d}, {y} {h12}:{min:02}:{s:02} {half} UTC", DAYS[days.rem_euclid(7) as usize], MONTHS[(m as usize).saturating_sub(1).min(11)])
}

/// Short day names from Thursday (1970-01-01 was one) and short month names.
const SHORT_DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const SHORT_MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Java's `Date.toString()` in UTC, as AWS's Java services print times in messages:
/// `Thu Jul 02 12:57:57 UTC 2015`.
pub fn java_date(ms: i64) -> String {
    let (days, (y, m, d), (h, min, s)) = parts(ms);
    format!("{} {} {d:02} {h:02}:{min:02}:{s:02} UTC {y}", SHORT_DAYS[days.rem_euclid(7) as usize], SHORT_MONTHS[(m as usize).saturating_sub(1).min(11)])
}

/// `Wed, 25 Nov 2026 03:02:23 +0000`, the date of an email header (RFC 5322).
pub fn rfc5322(ms: i64) -> String {
    let (days, (y, m, d), (h, min, s)) = parts(ms);
    format!("{}, {d:02} {} {y:04} {h:02}:{min:02}:{s:02} +0000", SHORT_DAYS[days.rem_euclid(7) as usize], SHORT_MONTHS[(m as usize).saturating_sub(1).min(11)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_dates() {
        assert_eq!(long_date(0), "Thursday, January 1, 1970 12:00:00 AM UTC");
        assert_eq!(long_date(1_795_541_400_123), "Tuesday, November 24, 2026 5:30:00 PM UTC");
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(1_795_541_400_123), "2026-11-24T17:30:00.123Z");
        assert_eq!(java_date(1_435_841_877_000), "Thu Jul 02 12:57:57 UTC 2015");
        assert_eq!(rfc5322(1_795_541_400_123), "Tue, 24 Nov 2026 17:30:00 +0000");
        assert_eq!(rfc5322(0), "Thu, 01 Jan 1970 00:00:00 +0000");
    }
}
