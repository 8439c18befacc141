//! Feed dates: RFC 822 as written in the wild, RFC 3339 / ISO 8601, `dc:date`.
//!
//! RFC 822 dates in real feeds drop the weekday, use one-digit days, two-digit
//! years, full month names, named zones, `+08:00`, or no zone at all, so they
//! are tokenised leniently instead of handed to a strict parser. A date
//! written without an offset, or with `CST` (US Central in RFC 822, China
//! Standard Time in Chinese feeds), takes the source's configured zone.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// Parse a feed date; `None` when nothing sensible can be read from it.
pub fn parse(input: &str, zone: Option<Tz>) -> Option<DateTime<Utc>> {
    let s = input.trim();
    if s.is_empty() {
        return None;
    }
    // `2023年1月31日 16:34`: Chinese, Japanese and Korean sites write the
    // year-first date with unit characters.
    if s.contains(['年', '월']) {
        let ascii: String = s
            .chars()
            .map(|c| match c {
                '年' | '月' | '년' | '월' => '-',
                '日' | '일' => ' ',
                c => c,
            })
            .collect();
        return parse(ascii.trim().trim_end_matches('-'), zone);
    }
    if let Some(d) = reduced_precision(s, zone) {
        return Some(d);
    }
    if let [y1, y2, y3, y4, sep, ..] = s.as_bytes()
        && [y1, y2, y3, y4].iter().all(|b| b.is_ascii_digit())
        && matches!(sep, b'-' | b'/' | b'.')
    {
        return if *sep == b'-' && s.len() >= 10 { parse_iso(s, zone) } else { None }
            .or_else(|| parse_year_first(s, zone));
    }
    parse_rfc822(s, zone)
}

/// ISO 8601's reduced precision in `dc:date`: `2003` and `2003-12` mean
/// the start of that year or month.
fn reduced_precision(s: &str, zone: Option<Tz>) -> Option<DateTime<Utc>> {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let (year, month) = match s.split_once('-') {
        None if s.len() == 4 && digits(s) => (s, "1"),
        Some((y, m)) if y.len() == 4 && digits(y) && m.len() == 2 && digits(m) => (y, m),
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)?;
    Some(localize(date.and_time(NaiveTime::MIN), zone))
}

/// `2020/1/10 14:33:00`, `2020-1-10 8:05 +0800`, `2020.01.10`: year first
/// with one- or two-digit fields, as Chinese forum software and some CMSs
/// write dates; a zone may follow the time.
fn parse_year_first(s: &str, zone: Option<Tz>) -> Option<DateTime<Utc>> {
    let (day, rest) = s.split_once([' ', 'T']).unwrap_or((s, ""));
    let mut fields = day.split(['-', '/', '.']);
    let (y, m, d) = (fields.next()?.parse().ok()?, fields.next()?.parse().ok()?, fields.next()?.parse().ok()?);
    if fields.next().is_some() {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(y, m, d)?;
    let rest: Vec<&str> = rest.split_whitespace().collect();
    let (time, zone_tokens) = match rest.as_slice() {
        [t, z @ ..] if t.contains(':') => (parse_time(t)?, z),
        _ => (NaiveTime::MIN, rest.as_slice()),
    };
    let (time, zone_tokens) = with_meridiem(time, rest.first().copied(), zone_tokens);
    at_zone(date.and_time(time), zone_tokens.first().copied(), zone)
}

fn parse_iso(s: &str, zone: Option<Tz>) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    let s = s.replace(' ', "T");
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M%z"] {
        if let Ok(d) = DateTime::parse_from_str(&s, fmt) {
            return Some(d.with_timezone(&Utc));
        }
    }
    // An offset written short (`+00:0`, `+8`): the time, then any zone.
    if let Some(t) = s.find('T')
        && let Some(z) = s[t..].rfind(['+', '-']).map(|z| t + z)
        && let Ok(n) = NaiveDateTime::parse_from_str(&s[..z], "%Y-%m-%dT%H:%M:%S%.f")
        && let Offset::Fixed(off) = offset(&s[z..], zone)
    {
        return off.from_local_datetime(&n).single().map(|d| d.with_timezone(&Utc));
    }
    let naive_part = s.trim_end_matches('Z');
    let utc = naive_part.len() != s.len();
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(naive_part, fmt) {
            return Some(if utc { Utc.from_utc_datetime(&n) } else { localize(n, zone) });
        }
    }
    let date = NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()?;
    (s.len() == 10).then(|| localize(date.and_time(NaiveTime::MIN), zone))
}

fn localize(n: NaiveDateTime, zone: Option<Tz>) -> DateTime<Utc> {
    match zone {
        Some(tz) => tz
            .from_local_datetime(&n)
            .earliest()
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&n)),
        None => Utc.from_utc_datetime(&n),
    }
}

fn parse_rfc822(s: &str, zone: Option<Tz>) -> Option<DateTime<Utc>> {
    let cleaned: String = s.chars().map(|c| if c == ',' { ' ' } else { c }).collect();
    // `Mo., 24. Sep. 2018`: abbreviation and ordinal dots carry nothing.
    let mut tokens: Vec<&str> = cleaned.split_whitespace().map(|t| t.trim_end_matches('.')).collect();
    // Weekday, if any (often wrong or abbreviated oddly: it carries no
    // information). Spanish `mar` (martes) reads as March, so a word before
    // a day number and a month is a weekday too.
    let is_word = |t: &str| !t.is_empty() && t.chars().all(char::is_alphabetic);
    let weekday = match tokens.as_slice() {
        [w, d, m, ..] if is_word(w) && d.parse::<u32>().is_ok() && month(m).is_some() => true,
        [w, ..] => is_word(w) && month(w).is_none(),
        [] => false,
    };
    if weekday {
        tokens.remove(0);
    }
    let asctime;
    let (day, mon, year, rest) = match tokens.as_slice() {
        // `Sun Jul 15 01:16:00 +0000 2012` (asctime, and Twitter with a zone)
        [m, d, t, rest @ ..] if month(m).is_some() && d.parse::<u32>().is_ok() && t.contains(':') => {
            let (years, others): (Vec<&str>, Vec<&str>) =
                rest.iter().partition(|t| t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()));
            asctime = std::iter::once(*t).chain(others).collect::<Vec<&str>>();
            (d, *m, *years.first()?, asctime.as_slice())
        }
        // 31 Jan 2023 …
        [d, m, y, rest @ ..] if d.parse::<u32>().is_ok() && month(m).is_some() => (d, *m, *y, rest),
        // Jan 31 2023 … (seen in some generators)
        [m, d, y, rest @ ..] if month(m).is_some() && d.parse::<u32>().is_ok() => (d, *m, *y, rest),
        _ => return None,
    };
    let day: u32 = day.parse().ok()?;
    let mut year: i32 = year.parse().ok()?;
    if year < 100 {
        year += if year < 50 { 2000 } else { 1900 };
    }
    let date = NaiveDate::from_ymd_opt(year, month(mon)?, day)?;
    let (time, zone_tokens) = match rest {
        [t, z @ ..] if t.contains(':') => (parse_time(t)?, z),
        _ => (NaiveTime::MIN, rest),
    };
    let (time, zone_tokens) = with_meridiem(time, rest.first().copied(), zone_tokens);
    at_zone(date.and_time(time), zone_tokens.first().copied(), zone)
}

/// `02:02:33 PM` (as a token after the time, or glued to it): a 12-hour
/// clock; the zone, if any, follows.
fn with_meridiem<'t>(time: NaiveTime, time_token: Option<&str>, after: &'t [&'t str]) -> (NaiveTime, &'t [&'t str]) {
    let glued = time_token.map(|t| t.trim_start_matches(|c: char| c.is_ascii_digit() || c == ':' || c == '.'));
    let (marker, rest) = match after {
        [m, rest @ ..] if is_meridiem(m) => (Some(*m), rest),
        _ => (glued.filter(|g| is_meridiem(g)), after),
    };
    let Some(marker) = marker else { return (time, after) };
    let hour = time.hour() % 12 + if marker.eq_ignore_ascii_case("pm") { 12 } else { 0 };
    (time.with_hour(hour).unwrap_or(time), rest)
}

fn is_meridiem(t: &str) -> bool {
    t.eq_ignore_ascii_case("am") || t.eq_ignore_ascii_case("pm")
}

/// `naive` in the zone `token` names, else in the source's zone.
fn at_zone(naive: NaiveDateTime, token: Option<&str>, zone: Option<Tz>) -> Option<DateTime<Utc>> {
    match token.map(|z| offset(z, zone)) {
        None | Some(Offset::Unknown) => Some(localize(naive, zone)),
        Some(Offset::Fixed(off)) => off.from_local_datetime(&naive).single().map(|d| d.with_timezone(&Utc)),
        Some(Offset::Zone(tz)) => Some(localize(naive, Some(tz))),
    }
}

fn parse_time(t: &str) -> Option<NaiveTime> {
    let t = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    NaiveTime::parse_from_str(t, "%H:%M:%S%.f").or_else(|_| NaiveTime::parse_from_str(t, "%H:%M")).ok()
}

/// A month name or abbreviation in English, or in the languages whose feeds
/// most often localise RFC 822 dates (Portuguese, Spanish, French, German,
/// Italian: `Set`, `Dez`, `févr`, `Mär`, `ago`).
fn month(name: &str) -> Option<u32> {
    let lower = name.to_lowercase();
    // French juin/juillet share their first three letters.
    if lower.starts_with("juil") {
        return Some(7);
    }
    let prefix: String = lower.chars().take(3).collect();
    let m = match prefix.as_str() {
        "jan" | "ene" | "gen" => 1,
        "feb" | "fev" | "fév" => 2,
        "mar" | "mär" | "mrz" => 3,
        "apr" | "abr" | "avr" => 4,
        "may" | "mai" | "mag" => 5,
        "jun" | "jui" | "giu" => 6,
        "jul" | "lug" => 7,
        "aug" | "ago" | "aoû" | "aou" => 8,
        "sep" | "set" => 9,
        "oct" | "out" | "okt" | "ott" => 10,
        "nov" => 11,
        "dec" | "dez" | "dic" | "déc" => 12,
        _ => return None,
    };
    Some(m)
}

enum Offset {
    Fixed(FixedOffset),
    Zone(Tz),
    Unknown,
}

fn offset(z: &str, zone: Option<Tz>) -> Offset {
    let hours = |h: i32| FixedOffset::east_opt(h * 3600).map_or(Offset::Unknown, Offset::Fixed);
    // `GMT+8`, `UTC+08:00`, `GMT-0500`: common in Chinese feeds.
    let upper = z.to_ascii_uppercase();
    let z = ["GMT", "UTC", "UT"]
        .iter()
        .find_map(|p| upper.strip_prefix(p).filter(|r| r.starts_with(['+', '-'])))
        .unwrap_or(z);
    if let Some(sign) = z.chars().next().filter(|c| *c == '+' || *c == '-') {
        let digits: String = z[1..].chars().filter(char::is_ascii_digit).collect();
        let (h, m) = match digits.len() {
            3 | 4 => {
                let split = digits.len() - 2;
                (digits[..split].parse().unwrap_or(0), digits[split..].parse().unwrap_or(0))
            }
            1 | 2 => (digits.parse().unwrap_or(0), 0),
            _ => return Offset::Unknown,
        };
        let secs = (h * 3600 + m * 60) * if sign == '-' { -1 } else { 1 };
        return FixedOffset::east_opt(secs).map_or(Offset::Unknown, Offset::Fixed);
    }
    match z.to_ascii_uppercase().as_str() {
        "GMT" | "UT" | "UTC" | "Z" => hours(0),
        // Ambiguous abbreviation: the source's zone decides when one is set.
        "CST" => zone.map_or_else(|| hours(-6), Offset::Zone),
        "EST" => hours(-5),
        "EDT" => hours(-4),
        "CDT" => hours(-5),
        "MST" => hours(-7),
        "MDT" => hours(-6),
        "PST" => hours(-8),
        "PDT" => hours(-7),
        "BST" => hours(1),
        "CET" | "MET" | "WAT" => hours(1),
        "CEST" | "MEST" | "CAT" | "SAST" => hours(2),
        "WET" => hours(0),
        "WEST" => hours(1),
        "EAT" => hours(3),
        "AKST" => hours(-9),
        "AKDT" => hours(-8),
        "HST" => hours(-10),
        "NZST" => hours(12),
        "NZDT" => hours(13),
        "ICT" | "WIB" => hours(7),
        "PHT" => hours(8),
        "EET" => hours(2),
        "EEST" => hours(3),
        "MSK" => hours(3),
        "IST" => FixedOffset::east_opt(5 * 3600 + 1800).map_or(Offset::Unknown, Offset::Fixed),
        "HKT" | "SGT" | "AWST" => hours(8),
        "JST" | "KST" => hours(9),
        "AEST" => hours(10),
        "AEDT" => hours(11),
        _ => Offset::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn rfc822_variants() {
        let want = utc("2023-01-31T08:34:06Z");
        for s in [
            "Tue, 31 Jan 2023 08:34:06 GMT",
            "31 Jan 2023 08:34:06 GMT",
            "Tue, 31 Jan 2023 16:34:06 +0800",
            "Tue, 31 Jan 2023 16:34:06 +08:00",
            "Tuesday, 31 January 2023 08:34:06 UT",
            "Tue, 31 Jan 23 03:34:06 EST",
            "Wed, 31 Jan 2023 08:34:06 Z",
        ] {
            assert_eq!(parse(s, None), Some(want), "{s}");
        }
        assert_eq!(parse("Wed, 1 Feb 2023 8:05:00 GMT", None), Some(utc("2023-02-01T08:05:00Z")));
        assert_eq!(parse("1 Feb 2023 08:05 GMT", None), Some(utc("2023-02-01T08:05:00Z")));
    }

    #[test]
    fn cst_is_us_central_unless_the_source_says_otherwise() {
        assert_eq!(parse("Tue, 31 Jan 2023 02:34:06 CST", None), Some(utc("2023-01-31T08:34:06Z")));
        let shanghai: Tz = "Asia/Shanghai".parse().unwrap();
        assert_eq!(parse("Tue, 31 Jan 2023 16:34:06 CST", Some(shanghai)), Some(utc("2023-01-31T08:34:06Z")));
    }

    #[test]
    fn no_offset_takes_the_source_zone() {
        let taipei: Tz = "Asia/Taipei".parse().unwrap();
        assert_eq!(parse("2023-01-31 16:34:06", Some(taipei)), Some(utc("2023-01-31T08:34:06Z")));
        assert_eq!(parse("2023-01-31 08:34:06", None), Some(utc("2023-01-31T08:34:06Z")));
        assert_eq!(parse("Tue, 31 Jan 2023 16:34:06", Some(taipei)), Some(utc("2023-01-31T08:34:06Z")));
    }

    #[test]
    fn rfc3339_and_dc_date() {
        assert_eq!(parse("2023-01-31T16:34:06+08:00", None), Some(utc("2023-01-31T08:34:06Z")));
        assert_eq!(parse("2023-01-31T08:34:06.250Z", None), Some(utc("2023-01-31T08:34:06.250Z")));
        assert_eq!(parse("2023-01-31T16:34:06+0800", None), Some(utc("2023-01-31T08:34:06Z")));
        assert_eq!(parse("2023-01-31", None), Some(utc("2023-01-31T00:00:00Z")));
    }

    #[test]
    fn year_first_numeric_dates() {
        let shanghai: Tz = "Asia/Shanghai".parse().unwrap();
        assert_eq!(parse("2020/1/10 14:33:00", Some(shanghai)), Some(utc("2020-01-10T06:33:00Z")));
        assert_eq!(parse("2020/1/10 14:33", None), Some(utc("2020-01-10T14:33:00Z")));
        assert_eq!(parse("2020-1-10 8:05:00 +0800", None), Some(utc("2020-01-10T00:05:00Z")));
        assert_eq!(parse("2020/1/10 14:33:00 GMT", Some(shanghai)), Some(utc("2020-01-10T14:33:00Z")));
        assert_eq!(parse("2020-1-10T14:33", None), Some(utc("2020-01-10T14:33:00Z")));
        assert_eq!(parse("2020.01.10", None), Some(utc("2020-01-10T00:00:00Z")));
        assert_eq!(parse("2020/13/10", None), None);
    }

    #[test]
    fn localised_months_and_weekdays() {
        let want = utc("2018-09-24T22:42:40Z");
        for s in [
            "Seg, 24 Set 2018 19:42:40 -0300",
            "Mar, 24 Sep 2018 19:42:40 -0300",
            "Mo., 24. Sep. 2018 19:42:40 -0300",
            "lun., 24 sept. 2018 19:42:40 -0300",
        ] {
            assert_eq!(parse(s, None), Some(want), "{s}");
        }
        assert_eq!(parse("Ven, 05 Déc 2014 10:00:00 +0100", None), Some(utc("2014-12-05T09:00:00Z")));
        assert_eq!(parse("3 juil. 2020 10:00 GMT", None), Some(utc("2020-07-03T10:00:00Z")));
        assert_eq!(parse("3 juin 2020 10:00 GMT", None), Some(utc("2020-06-03T10:00:00Z")));
        assert_eq!(parse("Di, 10 Mär 2020 10:00:00 +0100", None), Some(utc("2020-03-10T09:00:00Z")));
    }

    #[test]
    fn forms_other_readers_read() {
        let shanghai: Tz = "Asia/Shanghai".parse().unwrap();
        let cases = [
            ("Sat, 16 Dec 2023 02:02:33 PM -0500", "2023-12-16T19:02:33Z"),
            ("Sat, 16 Dec 2023 12:02:33 AM -0500", "2023-12-16T05:02:33Z"),
            ("Sat, 16 Dec 2023 2:02PM GMT", "2023-12-16T14:02:00Z"),
            ("Tue, 31 Jan 2023 16:34:06 GMT+8", "2023-01-31T08:34:06Z"),
            ("Tue, 31 Jan 2023 16:34:06 GMT+08:00", "2023-01-31T08:34:06Z"),
            ("Tue, 31 Jan 2023 16:34:06 UTC+8", "2023-01-31T08:34:06Z"),
            ("Tue, 31 Jan 2023 14:04:06 GMT+5:30", "2023-01-31T08:34:06Z"),
            ("Tue, 31 Jan 2023 09:34:06 MET", "2023-01-31T08:34:06Z"),
            ("Tue, 31 Jul 2023 10:34:06 MEST", "2023-07-31T08:34:06Z"),
            ("Tue, 31 Jan 2023 09:34:06 CET", "2023-01-31T08:34:06Z"),
            ("Tue, 31 Jul 2023 10:34:06 CEST", "2023-07-31T08:34:06Z"),
            ("Tue, 31 Jul 2023 09:34:06 BST", "2023-07-31T08:34:06Z"),
            ("Tue, 31 Jan 2023 17:34:06 JST", "2023-01-31T08:34:06Z"),
            ("Tue, 31 Jan 2023 16:34:06 HKT", "2023-01-31T08:34:06Z"),
            ("Tue, 31 Jan 2023 17:34:06 KST", "2023-01-31T08:34:06Z"),
            ("Tue, 31 Jan 2023 16:34:06 SGT", "2023-01-31T08:34:06Z"),
            ("Tue, 31 Jan 2023 18:34:06 AEST", "2023-01-31T08:34:06Z"),
            ("Sun Jul 15 01:16:00 +0000 2012", "2012-07-15T01:16:00Z"),
            ("Sun Jul 15 01:16:00 2012", "2012-07-15T01:16:00Z"),
            ("2003-12", "2003-12-01T00:00:00Z"),
            ("2003", "2003-01-01T00:00:00Z"),
            ("2017-06-13T03:18:00+00:0", "2017-06-13T03:18:00Z"),
            ("2023年1月31日 16:34 +0800", "2023-01-31T08:34:00Z"),
            ("2023/1/31 16:34 +0800", "2023-01-31T08:34:00Z"),
        ];
        for (s, want) in cases {
            assert_eq!(parse(s, None), Some(utc(want)), "{s}");
        }
        // Without a zone, Chinese forms take the source's, as every date does.
        assert_eq!(parse("2023年1月31日 16:34", Some(shanghai)), Some(utc("2023-01-31T08:34:00Z")));
        assert_eq!(parse("2023/1/31 16:34", Some(shanghai)), Some(utc("2023-01-31T08:34:00Z")));
        assert_eq!(parse("2023年1月31日", Some(shanghai)), Some(utc("2023-01-30T16:00:00Z")));
        // CST is still the source's zone when it has one.
        assert_eq!(parse("Tue, 31 Jan 2023 16:34:06 CST", Some(shanghai)), Some(utc("2023-01-31T08:34:06Z")));
    }

    #[test]
    fn garbage_is_none() {
        for s in ["", "yesterday", "32 Jan 2023 00:00:00 GMT", "Tue, 31 Foo 2023", "2023-13-45"] {
            assert_eq!(parse(s, None), None, "{s}");
        }
    }
}
