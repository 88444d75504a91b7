//! A backup rule's ScheduleExpression, evaluated on the virtual clock in UTC.
//!
//! `cron(minutes hours day-of-month month day-of-week year)` as EventBridge writes it: `*`, `?`,
//! numbers, ranges `a-b`, lists `a,b`, steps `*/n` and `a/n`, month names JAN–DEC and weekday
//! names SUN–SAT (1 = Sunday); exactly one of day-of-month and day-of-week is `?`. `L`, `W` and
//! `#` are refused as not supported in the sandbox. AWS Backup runs a rule at most once an hour,
//! so the minutes field must be a single number. AWS Backup takes cron expressions only ("A cron
//! expression in UTC specifying when Backup initiates a backup job"), so `rate(...)` is refused;
//! a rule without one runs on AWS's default, [`DEFAULT_SCHEDULE`].

/// "When no CRON expression is provided, Backup will use the default expression cron(0 5 ? * * *)."
pub const DEFAULT_SCHEDULE: &str = "cron(0 5 ? * * *)";

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    Cron { minute: u32, hours: Vec<u32>, days: Option<Vec<u32>>, months: Vec<u32>, weekdays: Option<Vec<u32>>, years: Option<Vec<u32>> },
}

fn field(spec: &str, lo: u32, hi: u32, names: &[&str], what: &str) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    for part in spec.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, Some(s.parse::<u32>().ok().filter(|s| *s > 0).ok_or(format!("invalid step in the {what} field: {part}"))?)),
            None => (part, None),
        };
        let value = |s: &str| -> Result<u32, String> {
            if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
                return Ok(lo + i as u32);
            }
            s.parse::<u32>().ok().filter(|v| (lo..=hi).contains(v)).ok_or(format!("invalid value in the {what} field: {s}"))
        };
        let (a, b) = match range {
            "*" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                None => {
                    let v = value(r)?;
                    (v, if step.is_some() { hi } else { v })
                }
            },
        };
        if a > b {
            return Err(format!("invalid range in the {what} field: {range}"));
        }
        let mut v = a;
        while v <= b {
            out.push(v);
            v += step.unwrap_or(1);
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

const MONTHS: &[&str] = &["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl Schedule {
    pub fn parse(expr: &str) -> Result<Schedule, String> {
        let expr = expr.trim();
        if expr.starts_with("rate(") {
            return Err("AWS Backup takes a cron expression, not a rate expression".into());
        }
        let inner =
            expr.strip_prefix("cron(").and_then(|s| s.strip_suffix(')')).ok_or("a schedule is a cron expression: cron(minutes hours day-of-month month day-of-week year)")?;
        let f: Vec<&str> = inner.split_whitespace().collect();
        if f.len() != 6 {
            return Err("a cron expression has six fields: minutes hours day-of-month month day-of-week year".into());
        }
        for x in &f {
            let mut u = x.to_uppercase();
            for n in MONTHS.iter().chain(WEEKDAYS) {
                u = u.replace(n, "");
            }
            if u.contains('L') || u.contains('W') || u.contains('#') {
                return Err("L, W and # in cron expressions are not supported in the sandbox".into());
            }
        }
        let minute = f[0].parse::<u32>().ok().filter(|m| *m < 60).ok_or("AWS Backup runs a rule at most once an hour: the minutes field must be one number (0-59)")?;
        let hours = field(f[1], 0, 23, &[], "hours")?;
        let (days, weekdays) = match (f[2] == "?", f[4] == "?") {
            (true, true) => return Err("only one of day-of-month and day-of-week may be '?'".into()),
            (false, false) => return Err("one of day-of-month and day-of-week must be '?'".into()),
            (true, false) => (None, Some(field(f[4], 1, 7, WEEKDAYS, "day-of-week")?)),
            (false, true) => (Some(field(f[2], 1, 31, &[], "day-of-month")?), None),
        };
        let months = field(f[3], 1, 12, MONTHS, "month")?;
        let years = if f[5] == "*" { None } else { Some(field(f[5], 1970, 2199, &[], "year")?) };
        Ok(Schedule::Cron { minute, hours, days, months, weekdays, years })
    }

    /// The first run strictly after `after_ms`. None when the schedule never runs again.
    pub fn next(&self, after_ms: i64) -> Option<i64> {
        match self {
            Schedule::Cron { minute, hours, days, months, weekdays, years } => {
                let first = after_ms.div_euclid(DAY_MS);
                for day in first..first + 366 * 6 {
                    let (y, m, d) = civil(day);
                    let weekday = ((day + 4).rem_euclid(7) + 1) as u32; // 1970-01-01 was a Thursday (5)
                    let ok = months.contains(&m)
                        && years.as_ref().is_none_or(|ys| ys.contains(&(y as u32)))
                        && days.as_ref().is_none_or(|ds| ds.contains(&d))
                        && weekdays.as_ref().is_none_or(|ws| ws.contains(&weekday));
                    if ok {
                        for h in hours {
                            let t = day * DAY_MS + i64::from(*h) * HOUR_MS + i64::from(*minute) * 60_000;
                            if t > after_ms {
                                return Some(t);
                            }
                        }
                    }
                }
                None
            }
        }
    }
}

/// (year, month 1-12, day 1-31) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-25T10:00:00Z, a Wednesday.
    const T: i64 = 1_795_600_800_000;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(T / DAY_MS), (2026, 11, 25));
    }

    #[test]
    fn daily_at_five() {
        let s = Schedule::parse("cron(0 5 ? * * *)").unwrap();
        assert_eq!(s.next(T), Some(T - 10 * HOUR_MS + DAY_MS + 5 * HOUR_MS));
        let s = Schedule::parse("cron(30 10 * * ? *)").unwrap();
        assert_eq!(s.next(T), Some(T + 30 * 60_000));
    }

    #[test]
    fn hourly_weekdays_and_lists() {
        let s = Schedule::parse("cron(15 */6 ? * MON-FRI *)").unwrap();
        assert_eq!(s.next(T), Some(T + 2 * HOUR_MS + 15 * 60_000));
        // Sundays only: the next is 2026-11-29 (Sunday) at 00:15.
        let s = Schedule::parse("cron(15 0 ? * SUN *)").unwrap();
        assert_eq!(s.next(T), Some(T - 10 * HOUR_MS + 4 * DAY_MS + 15 * 60_000));
        let s = Schedule::parse("cron(0 12 1 JAN,JUL ? *)").unwrap();
        assert_eq!(s.next(T).map(|t| civil(t / DAY_MS)), Some((2027, 1, 1)));
    }

    #[test]
    fn refusals() {
        for bad in [
            "rate(12 hours)",
            "rate(1 day)",
            "cron(*/5 * ? * * *)",
            "rate(5 minutes)",
            "cron(0 5 * * * *)",
            "cron(0 5 L * ? *)",
            "cron(0 5 ? * 2#1 *)",
            "every day",
            "cron(0 25 ? * * *)",
        ] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }
}
