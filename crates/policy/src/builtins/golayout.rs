//! Go reference-time layouts (`"2006-01-02T15:04:05Z07:00"`), the format
//! language of OPA's `time.format` and `time.parse_ns`.
//!
//! A layout is split into literal text and the standard chunks Go's
//! `time` package recognises (`nextStdChunk`), then rendered or parsed.
//! Only the UTC zone exists inside the sandbox: zone names render as `UTC`,
//! numeric zones as `+00:00` / `Z`; parsing honours numeric offsets.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};

/// One standard chunk of a Go layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PmUpper,
    PmLower,
    ZoneName,
    /// A numeric zone: `z` = `Z` for UTC, `colon`, `seconds`, `short` (hours only).
    NumZone {
        z: bool,
        colon: bool,
        seconds: bool,
        short: bool,
    },
    /// Fractional seconds: `digits`, `trim` for `9`s (trailing zeros removed).
    Frac {
        digits: usize,
        trim: bool,
    },
}

/// Named layouts accepted by `time.format` (Go's `time` constants).
pub(super) fn named_layout(name: &str) -> Option<&'static str> {
    Some(match name {
        "ANSIC" => "Mon Jan _2 15:04:05 2006",
        "UnixDate" => "Mon Jan _2 15:04:05 MST 2006",
        "RubyDate" => "Mon Jan 02 15:04:05 -0700 2006",
        "RFC822" => "02 Jan 06 15:04 MST",
        "RFC822Z" => "02 Jan 06 15:04 -0700",
        "RFC850" => "Monday, 02-Jan-06 15:04:05 MST",
        "RFC1123" => "Mon, 02 Jan 2006 15:04:05 MST",
        "RFC1123Z" => "Mon, 02 Jan 2006 15:04:05 -0700",
        "RFC3339" => "2006-01-02T15:04:05Z07:00",
        "RFC3339Nano" => "2006-01-02T15:04:05.999999999Z07:00",
        "Kitchen" => "3:04PM",
        "Stamp" => "Jan _2 15:04:05",
        "StampMilli" => "Jan _2 15:04:05.000",
        "StampMicro" => "Jan _2 15:04:05.000000",
        "StampNano" => "Jan _2 15:04:05.000000000",
        "DateTime" => "2006-01-02 15:04:05",
        "DateOnly" => "2006-01-02",
        "TimeOnly" => "15:04:05",
        _ => return None,
    })
}

const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Splits `layout` into (literal prefix, chunk, rest), as Go's `nextStdChunk`.
fn next_chunk(layout: &str) -> (&str, Option<(Chunk, &str)>) {
    let bytes = layout.as_bytes();
    for i in 0..bytes.len() {
        // Every chunk starts with an ASCII byte; a byte inside a multi-byte character is none.
        let Some(rest) = layout.get(i..) else {
            continue;
        };
        let found = |chunk: Chunk, len: usize| Some((chunk, &rest[len..]));
        let hit = match bytes[i] {
            b'J' if rest.starts_with("January") => found(Chunk::LongMonth, 7),
            b'J' if rest.starts_with("Jan") => found(Chunk::Month, 3),
            b'M' if rest.starts_with("Monday") => found(Chunk::LongWeekDay, 6),
            b'M' if rest.starts_with("Mon") => found(Chunk::WeekDay, 3),
            b'M' if rest.starts_with("MST") => found(Chunk::ZoneName, 3),
            b'0' if rest.starts_with("002") => found(Chunk::ZeroYearDay, 3),
            b'0' if rest.len() >= 2 && (b'1'..=b'6').contains(&bytes[i + 1]) => {
                let chunk = match bytes[i + 1] {
                    b'1' => Chunk::ZeroMonth,
                    b'2' => Chunk::ZeroDay,
                    b'3' => Chunk::ZeroHour12,
                    b'4' => Chunk::ZeroMinute,
                    b'5' => Chunk::ZeroSecond,
                    _ => Chunk::Year,
                };
                found(chunk, 2)
            }
            b'1' if rest.starts_with("15") => found(Chunk::Hour, 2),
            b'1' => found(Chunk::NumMonth, 1),
            b'2' if rest.starts_with("2006") => found(Chunk::LongYear, 4),
            b'2' => found(Chunk::Day, 1),
            b'_' if rest.starts_with("__2") => found(Chunk::UnderYearDay, 3),
            b'_' if rest.starts_with("_2") && !rest.starts_with("_2006") => {
                found(Chunk::UnderDay, 2)
            }
            b'3' => found(Chunk::Hour12, 1),
            b'4' => found(Chunk::Minute, 1),
            b'5' => found(Chunk::Second, 1),
            b'P' if rest.starts_with("PM") => found(Chunk::PmUpper, 2),
            b'p' if rest.starts_with("pm") => found(Chunk::PmLower, 2),
            b'-' | b'Z' => zone_chunk(rest),
            b'.' | b',' if rest.len() >= 2 && matches!(bytes[i + 1], b'0' | b'9') => {
                let digit = bytes[i + 1];
                let run = rest[1..].bytes().take_while(|b| *b == digit).count();
                let after = rest.as_bytes().get(1 + run);
                if after.is_some_and(u8::is_ascii_digit) {
                    None
                } else {
                    found(
                        Chunk::Frac {
                            digits: run,
                            trim: digit == b'9',
                        },
                        1 + run,
                    )
                }
            }
            _ => None,
        };
        if let Some(hit) = hit {
            return (&layout[..i], Some(hit));
        }
    }
    (layout, None)
}

fn zone_chunk(rest: &str) -> Option<(Chunk, &str)> {
    let z = rest.starts_with('Z');
    let body = &rest[1..];
    let forms: [(&str, bool, bool, bool); 5] = [
        ("070000", false, true, false),
        ("07:00:00", true, true, false),
        ("0700", false, false, false),
        ("07:00", true, false, false),
        ("07", false, false, true),
    ];
    forms.iter().find_map(|(form, colon, seconds, short)| {
        body.starts_with(form).then(|| {
            (
                Chunk::NumZone {
                    z,
                    colon: *colon,
                    seconds: *seconds,
                    short: *short,
                },
                &body[form.len()..],
            )
        })
    })
}

/// Renders a UTC time with a Go layout.
pub(super) fn format(t: &DateTime<Utc>, layout: &str) -> String {
    let mut out = String::new();
    let mut rest = layout;
    loop {
        let (prefix, chunk) = next_chunk(rest);
        out.push_str(prefix);
        let Some((chunk, tail)) = chunk else { break };
        rest = tail;
        let hour12 = match t.hour() % 12 {
            0 => 12,
            h => h,
        };
        let month = t.month0() as usize;
        let weekday = t.weekday().num_days_from_sunday() as usize;
        let piece = match chunk {
            Chunk::LongMonth => LONG_MONTHS[month].to_owned(),
            Chunk::Month => LONG_MONTHS[month][..3].to_owned(),
            Chunk::NumMonth => t.month().to_string(),
            Chunk::ZeroMonth => format!("{:02}", t.month()),
            Chunk::LongWeekDay => LONG_DAYS[weekday].to_owned(),
            Chunk::WeekDay => LONG_DAYS[weekday][..3].to_owned(),
            Chunk::Day => t.day().to_string(),
            Chunk::UnderDay => format!("{:>2}", t.day()),
            Chunk::ZeroDay => format!("{:02}", t.day()),
            Chunk::UnderYearDay => format!("{:>3}", t.ordinal()),
            Chunk::ZeroYearDay => format!("{:03}", t.ordinal()),
            Chunk::Hour => format!("{:02}", t.hour()),
            Chunk::Hour12 => hour12.to_string(),
            Chunk::ZeroHour12 => format!("{hour12:02}"),
            Chunk::Minute => t.minute().to_string(),
            Chunk::ZeroMinute => format!("{:02}", t.minute()),
            Chunk::Second => t.second().to_string(),
            Chunk::ZeroSecond => format!("{:02}", t.second()),
            Chunk::LongYear => format!("{:04}", t.year()),
            Chunk::Year => format!("{:02}", t.year().rem_euclid(100)),
            Chunk::PmUpper => if t.hour() >= 12 { "PM" } else { "AM" }.to_owned(),
            Chunk::PmLower => if t.hour() >= 12 { "pm" } else { "am" }.to_owned(),
            Chunk::ZoneName => "UTC".to_owned(),
            Chunk::NumZone {
                z,
                colon,
                seconds,
                short,
            } => match (z, short, colon, seconds) {
                (true, ..) => "Z".to_owned(),
                (false, true, ..) => "+00".to_owned(),
                (false, false, true, true) => "+00:00:00".to_owned(),
                (false, false, true, false) => "+00:00".to_owned(),
                (false, false, false, true) => "+000000".to_owned(),
                (false, false, false, false) => "+0000".to_owned(),
            },
            Chunk::Frac { digits, trim } => {
                let nanos = format!("{:09}", t.nanosecond() % 1_000_000_000);
                let mut frac = nanos[..digits.min(9)].to_owned();
                while frac.len() < digits {
                    frac.push('0');
                }
                if trim {
                    let trimmed = frac.trim_end_matches('0');
                    if trimmed.is_empty() {
                        String::new()
                    } else {
                        format!(".{trimmed}")
                    }
                } else {
                    format!(".{frac}")
                }
            }
        };
        out.push_str(&piece);
    }
    out
}

/// The fields a parse collects.
#[derive(Debug, Default)]
struct Fields {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    yday: Option<u32>,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    pm: Option<bool>,
    offset_secs: i64,
}

/// Parses `value` with a Go layout; returns nanoseconds since the epoch.
pub(super) fn parse(layout: &str, value: &str) -> Option<i64> {
    let mut f = Fields::default();
    let mut layout = layout;
    let mut value = value;
    loop {
        let (prefix, chunk) = next_chunk(layout);
        value = value.strip_prefix(prefix)?;
        let Some((chunk, tail)) = chunk else { break };
        layout = tail;
        value = parse_chunk(chunk, value, &mut f)?;
        // Go accepts fractional seconds after a seconds field even when the
        // layout has none.
        if matches!(chunk, Chunk::Second | Chunk::ZeroSecond)
            && value.starts_with('.')
            && !matches!(next_chunk(layout).1, Some((Chunk::Frac { .. }, _)))
            && next_chunk(layout).0.is_empty()
        {
            let digits = value[1..].bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 {
                f.nanos = frac_nanos(&value[1..=digits])?;
                value = &value[1 + digits..];
            }
        }
    }
    if !value.is_empty() {
        return None;
    }
    let mut hour = f.hour;
    if let Some(pm) = f.pm {
        if hour > 12 {
            return None;
        }
        hour = match (pm, hour) {
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, 12) => 0,
            (false, h) => h,
        };
    }
    let year = f.year.unwrap_or(0);
    let date = match (f.yday, f.month, f.day) {
        (Some(yday), None, None) => NaiveDate::from_yo_opt(year, yday)?,
        (_, month, day) => NaiveDate::from_ymd_opt(year, month.unwrap_or(1), day.unwrap_or(1))?,
    };
    let naive = NaiveDateTime::new(
        date,
        chrono::NaiveTime::from_hms_nano_opt(hour, f.minute, f.second, f.nanos)?,
    );
    let secs = naive.and_utc().timestamp().checked_sub(f.offset_secs)?;
    secs.checked_mul(1_000_000_000)?
        .checked_add(i64::from(naive.and_utc().timestamp_subsec_nanos()))
}

fn frac_nanos(digits: &str) -> Option<u32> {
    let mut padded: String = digits.chars().take(9).collect();
    while padded.len() < 9 {
        padded.push('0');
    }
    padded.parse().ok()
}

/// Reads 1..=max ASCII digits (exactly `max` when `fixed`).
fn digits(value: &str, max: usize, fixed: bool) -> Option<(u32, &str)> {
    let n = value
        .bytes()
        .take(max)
        .take_while(u8::is_ascii_digit)
        .count();
    if n == 0 || (fixed && n != max) {
        return None;
    }
    Some((value[..n].parse().ok()?, &value[n..]))
}

fn names<'a>(value: &'a str, list: &[&str], short: bool) -> Option<(usize, &'a str)> {
    list.iter().enumerate().find_map(|(i, name)| {
        let name = if short { &name[..3] } else { name };
        let head = value.get(..name.len())?;
        head.eq_ignore_ascii_case(name)
            .then(|| (i, &value[name.len()..]))
    })
}

fn parse_chunk<'a>(chunk: Chunk, value: &'a str, f: &mut Fields) -> Option<&'a str> {
    let value = match chunk {
        Chunk::LongMonth | Chunk::Month => {
            let (i, rest) = names(value, &LONG_MONTHS, chunk == Chunk::Month)?;
            f.month = Some(u32::try_from(i).ok()? + 1);
            rest
        }
        Chunk::LongWeekDay | Chunk::WeekDay => names(value, &LONG_DAYS, chunk == Chunk::WeekDay)?.1,
        Chunk::NumMonth | Chunk::ZeroMonth => {
            let (m, rest) = digits(value, 2, chunk == Chunk::ZeroMonth)?;
            f.month = Some(m);
            rest
        }
        Chunk::Day | Chunk::ZeroDay | Chunk::UnderDay => {
            let value = if chunk == Chunk::UnderDay {
                value.strip_prefix(' ').unwrap_or(value)
            } else {
                value
            };
            let (d, rest) = digits(value, 2, chunk == Chunk::ZeroDay)?;
            f.day = Some(d);
            rest
        }
        Chunk::UnderYearDay | Chunk::ZeroYearDay => {
            let value = value.trim_start_matches(' ');
            let (d, rest) = digits(value, 3, chunk == Chunk::ZeroYearDay)?;
            f.yday = Some(d);
            rest
        }
        Chunk::Hour => {
            let (h, rest) = digits(value, 2, false)?;
            f.hour = h;
            rest
        }
        Chunk::Hour12 | Chunk::ZeroHour12 => {
            let (h, rest) = digits(value, 2, chunk == Chunk::ZeroHour12)?;
            f.hour = h;
            rest
        }
        Chunk::Minute | Chunk::ZeroMinute => {
            let (m, rest) = digits(value, 2, chunk == Chunk::ZeroMinute)?;
            f.minute = m;
            rest
        }
        Chunk::Second | Chunk::ZeroSecond => {
            let (s, rest) = digits(value, 2, chunk == Chunk::ZeroSecond)?;
            f.second = s;
            rest
        }
        Chunk::LongYear => {
            let (y, rest) = digits(value, 4, true)?;
            f.year = Some(i32::try_from(y).ok()?);
            rest
        }
        Chunk::Year => {
            let (y, rest) = digits(value, 2, true)?;
            let y = i32::try_from(y).ok()?;
            f.year = Some(if y >= 69 { 1900 + y } else { 2000 + y });
            rest
        }
        Chunk::PmUpper | Chunk::PmLower => {
            let head = value.get(..2)?;
            f.pm = Some(match head.to_ascii_uppercase().as_str() {
                "PM" => true,
                "AM" => false,
                _ => return None,
            });
            &value[2..]
        }
        Chunk::ZoneName => {
            let n = value.bytes().take_while(u8::is_ascii_uppercase).count();
            if n < 3 || &value[..n] != "UTC" && &value[..n] != "GMT" {
                return None;
            }
            &value[n..]
        }
        Chunk::NumZone {
            z,
            colon,
            seconds,
            short,
        } => {
            if z && let Some(rest) = value.strip_prefix('Z') {
                f.offset_secs = 0;
                return Some(rest);
            }
            let sign: i64 = match value.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let mut rest = &value[1..];
            let (h, r) = digits(rest, 2, true)?;
            rest = r;
            let mut total = i64::from(h) * 3600;
            if !short {
                if colon {
                    rest = rest.strip_prefix(':')?;
                }
                let (m, r) = digits(rest, 2, true)?;
                rest = r;
                total += i64::from(m) * 60;
                if seconds {
                    if colon {
                        rest = rest.strip_prefix(':')?;
                    }
                    let (s, r) = digits(rest, 2, true)?;
                    rest = r;
                    total += i64::from(s);
                }
            }
            f.offset_secs = sign * total;
            rest
        }
        Chunk::Frac { digits: n, .. } => {
            let sep = value.as_bytes().first()?;
            if *sep != b'.' && *sep != b',' {
                // `.999` accepts no fraction at all.
                return matches!(chunk, Chunk::Frac { trim: true, .. }).then_some(value);
            }
            let count = value[1..].bytes().take_while(u8::is_ascii_digit).count();
            if count == 0 || (matches!(chunk, Chunk::Frac { trim: false, .. }) && count != n) {
                return None;
            }
            f.nanos = frac_nanos(&value[1..=count])?;
            &value[1 + count..]
        }
    };
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ns: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_nanos(ns)
    }

    #[test]
    fn formats_named_layouts() {
        // 2009-11-10T23:00:00.123Z, Go's playground time.
        let t = at(1_257_894_000_123_000_000);
        let cases = [
            ("RFC3339", "2009-11-10T23:00:00Z"),
            ("RFC3339Nano", "2009-11-10T23:00:00.123Z"),
            ("ANSIC", "Tue Nov 10 23:00:00 2009"),
            ("RFC1123Z", "Tue, 10 Nov 2009 23:00:00 +0000"),
            ("Kitchen", "11:00PM"),
            ("StampMilli", "Nov 10 23:00:00.123"),
            ("DateOnly", "2009-11-10"),
        ];
        for (name, want) in cases {
            assert_eq!(format(&t, named_layout(name).unwrap()), want, "{name}");
        }
    }

    #[test]
    fn parses_what_it_formats() {
        let ns = 1_257_894_000_123_456_789;
        for (name, want) in [
            ("RFC3339Nano", ns),
            ("RFC1123Z", ns - ns % 1_000_000_000),
            ("DateTime", ns - ns % 1_000_000_000),
        ] {
            let layout = named_layout(name).unwrap();
            let text = format(&at(ns), layout);
            assert_eq!(parse(layout, &text), Some(want), "{name}: {text}");
        }
    }

    #[test]
    fn parses_offsets_and_rejects_garbage() {
        let layout = named_layout("RFC3339").unwrap();
        assert_eq!(
            parse(layout, "2009-11-11T01:00:00+02:00"),
            parse(layout, "2009-11-10T23:00:00Z")
        );
        assert_eq!(parse(layout, "2009-11-10T23:00:00"), None);
        assert_eq!(parse(layout, "2009-13-10T23:00:00Z"), None);
        assert_eq!(parse("2006-01-02", "2024-02-30"), None);
    }
}
