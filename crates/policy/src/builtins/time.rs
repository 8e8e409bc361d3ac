//! OPA's `time.*` builtins over the pinned evaluation time.
//!
//! regorus's own `time` feature reads the real clock (and would make the
//! component import `wasi:clocks`), so these are ours. Semantics follow OPA
//! (Go `time`): a failure makes the call undefined, as Buildx's non-strict
//! builtin errors do. The only zone is UTC: `"UTC"`, `""` and `"Local"` are
//! accepted, other IANA names are undefined (no zone database in the sandbox;
//! see KNOWN-DIFFERENCES.md).

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, Timelike, Utc};
use regorus::Value;

use super::golayout;

/// `time.now_ns()`: the pinned evaluation time.
pub(super) fn now_ns(now: i64) -> Value {
    Value::from(now)
}

/// Reads a time argument: a number of ns, or `[ns, zone]`, or `[ns, zone, layout]`.
fn time_arg(value: &Value) -> Option<(DateTime<Utc>, Option<String>)> {
    let (ns, zone, layout) = match value {
        Value::Number(_) => (value, None, None),
        Value::Array(items) => match items.as_slice() {
            [ns, zone] => (ns, Some(zone), None),
            [ns, zone, layout] => (ns, Some(zone), Some(layout)),
            _ => return None,
        },
        _ => return None,
    };
    let ns = ns.as_i64().ok()?;
    if let Some(zone) = zone {
        let zone = zone.as_string().ok()?;
        if !matches!(zone.as_ref(), "" | "UTC" | "Local") {
            return None;
        }
    }
    let layout = match layout {
        None => None,
        Some(l) => {
            let l = l.as_string().ok()?;
            Some(
                golayout::named_layout(l)
                    .map(str::to_owned)
                    .unwrap_or_else(|| l.as_ref().to_owned()),
            )
        }
    };
    Some((DateTime::from_timestamp_nanos(ns), layout))
}

fn ns_of(t: &DateTime<Utc>) -> Option<Value> {
    t.timestamp_nanos_opt().map(Value::from)
}

/// `time.parse_rfc3339_ns(value)`.
pub(super) fn parse_rfc3339_ns(value: &Value) -> Option<Value> {
    let text = value.as_string().ok()?;
    golayout::parse(golayout::named_layout("RFC3339")?, text).map(Value::from)
}

/// `time.parse_ns(layout, value)`.
pub(super) fn parse_ns(layout: &Value, value: &Value) -> Option<Value> {
    let layout = layout.as_string().ok()?;
    let text = value.as_string().ok()?;
    golayout::parse(layout, text).map(Value::from)
}

/// `time.format(x)`: RFC 3339 with nanoseconds, unless a layout is given.
pub(super) fn format(value: &Value) -> Option<Value> {
    let (t, layout) = time_arg(value)?;
    let layout = layout.unwrap_or_else(|| "2006-01-02T15:04:05.999999999Z07:00".to_owned());
    Some(Value::from(golayout::format(&t, &layout)))
}

/// `time.date(x)` → `[year, month, day]`.
pub(super) fn date(value: &Value) -> Option<Value> {
    let (t, _) = time_arg(value)?;
    Some(Value::from(vec![
        Value::from(i64::from(t.year())),
        Value::from(i64::from(t.month())),
        Value::from(i64::from(t.day())),
    ]))
}

/// `time.clock(x)` → `[hour, minute, second]`.
pub(super) fn clock(value: &Value) -> Option<Value> {
    let (t, _) = time_arg(value)?;
    Some(Value::from(vec![
        Value::from(i64::from(t.hour())),
        Value::from(i64::from(t.minute())),
        Value::from(i64::from(t.second())),
    ]))
}

/// `time.weekday(x)` → `"Monday"` etc.
pub(super) fn weekday(value: &Value) -> Option<Value> {
    let (t, _) = time_arg(value)?;
    Some(Value::from(golayout::format(&t, "Monday")))
}

/// `time.add_date(ns, years, months, days)`, normalised as Go's `AddDate`
/// (2024-01-31 plus one month is 2024-03-02).
pub(super) fn add_date(ns: &Value, years: &Value, months: &Value, days: &Value) -> Option<Value> {
    let t = DateTime::from_timestamp_nanos(ns.as_i64().ok()?);
    let (years, months, days) = (
        super::bounded::int_operand(years)?,
        super::bounded::int_operand(months)?,
        super::bounded::int_operand(days)?,
    );
    let total_months = i64::from(t.year())
        .checked_add(years)?
        .checked_mul(12)?
        .checked_add(i64::from(t.month0()))?
        .checked_add(months)?;
    let year = i32::try_from(total_months.div_euclid(12)).ok()?;
    let month = u32::try_from(total_months.rem_euclid(12)).ok()? + 1;
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let offset = i64::from(t.day()) - 1 + days;
    let date = if offset >= 0 {
        first.checked_add_days(Days::new(offset.unsigned_abs()))?
    } else {
        first.checked_sub_days(Days::new(offset.unsigned_abs()))?
    };
    let result = date.and_time(t.time()).and_utc();
    ns_of(&result)
}

/// `time.diff(ns1, ns2)` → `[years, months, days, hours, minutes, seconds]`
/// between the two instants, earlier first, with borrowing as OPA does.
pub(super) fn diff(a: &Value, b: &Value) -> Option<Value> {
    let (a, _) = time_arg(a)?;
    let (b, _) = time_arg(b)?;
    let (t1, t2) = if a > b { (b, a) } else { (a, b) };
    let mut year = i64::from(t2.year()) - i64::from(t1.year());
    let mut month = i64::from(t2.month()) - i64::from(t1.month());
    let mut day = i64::from(t2.day()) - i64::from(t1.day());
    let mut hour = i64::from(t2.hour()) - i64::from(t1.hour());
    let mut minute = i64::from(t2.minute()) - i64::from(t1.minute());
    let mut second = i64::from(t2.second()) - i64::from(t1.second());
    if second < 0 {
        second += 60;
        minute -= 1;
    }
    if minute < 0 {
        minute += 60;
        hour -= 1;
    }
    if hour < 0 {
        hour += 24;
        day -= 1;
    }
    if day < 0 {
        // Days in t1's month: day 32 of that month normalises into the next.
        let first = NaiveDate::from_ymd_opt(t1.year(), t1.month(), 1)?;
        let day32 = first.checked_add_days(Days::new(31))?;
        day += 32 - i64::from(day32.day());
        month -= 1;
    }
    if month < 0 {
        month += 12;
        year -= 1;
    }
    Some(Value::from(
        [year, month, day, hour, minute, second]
            .into_iter()
            .map(Value::from)
            .collect::<Vec<_>>(),
    ))
}

/// `time.parse_duration_ns("1h30m")`, Go's `time.ParseDuration`.
pub(super) fn parse_duration_ns(value: &Value) -> Option<Value> {
    let text = value.as_string().ok()?;
    parse_duration(text).map(Value::from)
}

fn parse_duration(text: &str) -> Option<i64> {
    let (negative, mut rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = TimeDelta::zero();
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &rest[..int_len];
        rest = &rest[int_len..];
        let mut frac_part = "";
        if let Some(after_dot) = rest.strip_prefix('.') {
            let n = after_dot.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &after_dot[..n];
            rest = &after_dot[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(rest.len(), |(i, _)| i);
        let unit: i128 = match &rest[..unit_len] {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        rest = &rest[unit_len..];
        let whole: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().ok()?
        };
        let mut nanos = whole.checked_mul(unit)?;
        if !frac_part.is_empty() {
            let digits: i128 = frac_part.get(..frac_part.len().min(18))?.parse().ok()?;
            let scale = 10i128.checked_pow(u32::try_from(frac_part.len().min(18)).ok()?)?;
            nanos = nanos.checked_add(digits.checked_mul(unit)? / scale)?;
        }
        total = total.checked_add(&TimeDelta::nanoseconds(i64::try_from(nanos).ok()?))?;
    }
    let ns = total.num_nanoseconds()?;
    Some(if negative { -ns } else { ns })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: i64) -> Value {
        Value::from(v)
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h30m"), Some(5_400_000_000_000));
        assert_eq!(parse_duration("1.5s"), Some(1_500_000_000));
        assert_eq!(parse_duration("-2ms"), Some(-2_000_000));
        assert_eq!(parse_duration("0"), Some(0));
        assert_eq!(parse_duration("1"), None);
        assert_eq!(parse_duration("1d"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn add_date_normalises_like_go() {
        // 2024-01-31T00:00:00Z + 1 month = 2024-03-02 (Feb 31 → Mar 2).
        let jan31 = 1_706_659_200_000_000_000;
        let mar2 = 1_709_337_600_000_000_000;
        assert_eq!(add_date(&n(jan31), &n(0), &n(1), &n(0)), Some(n(mar2)));
    }

    #[test]
    fn diff_borrows_days_from_the_earlier_month() {
        // 2024-01-31 → 2024-03-01: 1 month 1 day (Go/OPA borrowing).
        let jan31 = 1_706_659_200_000_000_000;
        let mar1 = 1_709_251_200_000_000_000;
        let want: Vec<Value> = [0, 1, 1, 0, 0, 0].into_iter().map(n).collect();
        assert_eq!(diff(&n(jan31), &n(mar1)), Some(Value::from(want.clone())));
        assert_eq!(diff(&n(mar1), &n(jan31)), Some(Value::from(want)));
    }
}
