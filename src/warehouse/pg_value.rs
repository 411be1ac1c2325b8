//! A PostgreSQL value, as the server sent it, → JSON (`statehouse query` on PostgreSQL).
//!
//! sqlx asks for results in PostgreSQL's binary format; this reads that format itself
//! (`PgValueRef::as_bytes`), by the column's type, so that every common type prints as its
//! value, whatever the query computes (`AVG()` is `numeric`, `SUM(bigint)` too):
//!
//! | type | JSON |
//! |---|---|
//! | `int2`, `int4`, `int8`, `oid` | a number |
//! | `float4`, `float8` | a number; `"NaN"`, `"Infinity"`, `"-Infinity"` as strings |
//! | `numeric` | a string holding the exact decimal, with the value's own scale (`"1.50"`); `"NaN"`, `"Infinity"` |
//! | `bool` | `true` / `false` |
//! | `text`, `varchar`, `char(n)`, `name`, `"char"`, `xml`, an enum | a string |
//! | `bytea` | a string in PostgreSQL's hex form: `"\\x0a0b"` |
//! | `date` | `"2025-05-22"` |
//! | `time`, `timetz` | `"14:30:00"`, `"14:30:00.25"`, `"14:30:00+02"` |
//! | `timestamp` | ISO 8601 without a zone: `"2025-05-22T14:30:00"`, `"…T14:30:00.250"` |
//! | `timestamptz` | RFC 3339 in UTC, as SQLite stores instants: `"2025-05-22T14:30:00+00:00"` |
//! | `interval` | PostgreSQL's own text (the default `IntervalStyle`): `"1 day 02:00:00"`, `"1 year 2 mons"`, `"-00:00:01.5"` |
//! | `uuid` | `"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"` |
//! | `json`, `jsonb` | the JSON value itself |
//! | an array of any of these | a JSON array (nested for more dimensions), NULL elements as `null` |
//! | anything else (`point`, `inet`, ranges, records, `money`, …) | a placeholder naming the type: `"<point: cast it to text>"` |
//!
//! Dates and timestamps at `±infinity` are the strings `"infinity"` and `"-infinity"`.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::{Number, Value};
use sqlx::postgres::{PgTypeInfo, PgTypeKind, PgValueFormat, PgValueRef};
use sqlx::{TypeInfo, ValueRef};
use std::fmt::Write as _;

/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 00:00:00 UTC).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MINUTE;

/// One value of a result row as JSON (NULL is `null`).
pub fn to_json(value: PgValueRef<'_>) -> Value {
    if value.is_null() {
        return Value::Null;
    }
    let ty = value.type_info().into_owned();
    let bytes = match value.as_bytes() {
        Ok(b) => b,
        Err(e) => return Value::String(format!("<{}: {e}>", type_name(&ty))),
    };
    if value.format() == PgValueFormat::Text {
        // Only a simple-protocol query returns text; the text is PostgreSQL's own output.
        return Value::String(String::from_utf8_lossy(bytes).into_owned());
    }
    decode(&ty, bytes).unwrap_or_else(|e| Value::String(format!("<{}: {e}>", type_name(&ty))))
}

fn type_name(ty: &PgTypeInfo) -> String {
    ty.name().to_ascii_lowercase()
}

fn placeholder(ty: &PgTypeInfo) -> Value {
    Value::String(format!("<{}: cast it to text>", type_name(ty)))
}

/// A value of type `ty` from its binary form.
fn decode(ty: &PgTypeInfo, bytes: &[u8]) -> Result<Value, String> {
    match ty.kind() {
        PgTypeKind::Simple => match ty.oid() {
            Some(oid) => scalar(oid.0, bytes).map(|v| v.unwrap_or_else(|| placeholder(ty))),
            None => Ok(placeholder(ty)),
        },
        PgTypeKind::Array(element) => array(element, bytes),
        // An enum's binary form is its label; a domain's is its base type's.
        PgTypeKind::Enum(_) => text(bytes),
        PgTypeKind::Domain(base) => decode(base, bytes),
        _ => Ok(placeholder(ty)),
    }
}

/// A built-in scalar type by its OID (stable: `pg_type.dat`); None for one not read here.
fn scalar(oid: u32, bytes: &[u8]) -> Result<Option<Value>, String> {
    let mut w = Wire(bytes);
    let v = match oid {
        16 => Value::Bool(w.fixed::<1>()?[0] != 0),
        17 => Value::String(format!("\\x{}", hex::encode(w.rest()))),
        // name, text, bpchar, varchar, xml, unknown, "char" (one byte; PostgreSQL's own text
        // for a byte above 127 is an octal escape, rare enough to show as the byte's char).
        19 | 25 | 1042 | 1043 | 142 | 705 | 18 => text(w.rest())?,
        20 => Value::from(i64::from_be_bytes(w.fixed()?)),
        21 => Value::from(i16::from_be_bytes(w.fixed()?)),
        23 => Value::from(i32::from_be_bytes(w.fixed()?)),
        26 => Value::from(u32::from_be_bytes(w.fixed()?)),
        700 => float4(f32::from_be_bytes(w.fixed()?)),
        701 => float8(f64::from_be_bytes(w.fixed()?)),
        1700 => Value::String(numeric(w.rest())?),
        1082 => Value::String(date(i32::from_be_bytes(w.fixed()?))?),
        1083 => Value::String(time_of_day(i64::from_be_bytes(w.fixed()?))),
        1266 => {
            let micros = i64::from_be_bytes(w.fixed()?);
            let west = i32::from_be_bytes(w.fixed()?);
            Value::String(format!("{}{}", time_of_day(micros), utc_offset(-west)))
        }
        1114 => Value::String(timestamp(i64::from_be_bytes(w.fixed()?), false)?),
        1184 => Value::String(timestamp(i64::from_be_bytes(w.fixed()?), true)?),
        1186 => {
            let micros = i64::from_be_bytes(w.fixed()?);
            let days = i32::from_be_bytes(w.fixed()?);
            let months = i32::from_be_bytes(w.fixed()?);
            Value::String(interval(months, days, micros))
        }
        2950 => Value::String(uuid(&w.fixed::<16>()?)),
        114 => serde_json::from_slice(w.rest()).map_err(|e| format!("not JSON: {e}"))?,
        3802 => match w.rest().split_first() {
            Some((1, json)) => serde_json::from_slice(json).map_err(|e| format!("not JSON: {e}"))?,
            _ => return Err("unknown jsonb version".into()),
        },
        _ => return Ok(None),
    };
    if !w.0.is_empty() {
        return Err(format!("{} bytes too many", w.0.len()));
    }
    Ok(Some(v))
}

fn text(bytes: &[u8]) -> Result<Value, String> {
    std::str::from_utf8(bytes).map(|s| Value::String(s.to_string())).map_err(|e| e.to_string())
}

/// A `float4` through its own shortest form, so 0.1 stays 0.1, not 0.10000000149011612.
fn float4(v: f32) -> Value {
    float8(if v.is_finite() { v.to_string().parse::<f64>().unwrap_or(f64::from(v)) } else { f64::from(v) })
}

/// A float as a JSON number; NaN and the infinities (no JSON number) as PostgreSQL writes them.
fn float8(v: f64) -> Value {
    match Number::from_f64(v) {
        Some(n) => Value::Number(n),
        None if v.is_nan() => Value::String("NaN".into()),
        None if v > 0.0 => Value::String("Infinity".into()),
        None => Value::String("-Infinity".into()),
    }
}

/// Big-endian fields read one after the other.
struct Wire<'a>(&'a [u8]);

impl Wire<'_> {
    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let v: [u8; N] = self
            .0
            .get(..N)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("{} bytes where {N} were expected", self.0.len()))?;
        self.0 = &self.0[N..];
        Ok(v)
    }

    /// All that is left.
    fn rest(&mut self) -> &[u8] {
        std::mem::take(&mut self.0)
    }

    fn i32(&mut self) -> Result<i32, String> {
        self.fixed().map(i32::from_be_bytes)
    }
}

/// `numeric`'s binary form: digit count, weight (of the first base-10000 digit), sign, display
/// scale, then the base-10000 digits. Written as PostgreSQL writes it: all the display scale's
/// decimals, no exponent.
fn numeric(bytes: &[u8]) -> Result<String, String> {
    let mut w = Wire(bytes);
    let ndigits = i16::from_be_bytes(w.fixed()?);
    let weight = i16::from_be_bytes(w.fixed()?);
    let sign = u16::from_be_bytes(w.fixed()?);
    let dscale = u16::from_be_bytes(w.fixed()?);
    let digits: Vec<i16> = (0..ndigits.max(0)).map(|_| w.fixed().map(i16::from_be_bytes)).collect::<Result<_, _>>()?;
    if !w.0.is_empty() {
        return Err("numeric: bytes after its digits".into());
    }
    let mut s = String::new();
    match sign {
        0x0000 => {}
        0x4000 => s.push('-'),
        0xC000 => return Ok("NaN".into()),
        0xD000 => return Ok("Infinity".into()),
        0xF000 => return Ok("-Infinity".into()),
        other => return Err(format!("numeric: unknown sign {other:#06x}")),
    }
    let digit = |i: i32| usize::try_from(i).ok().and_then(|i| digits.get(i)).copied().unwrap_or(0);
    let weight = i32::from(weight);
    if weight < 0 {
        s.push('0');
    } else {
        for i in 0..=weight {
            let _ = if i == 0 { write!(s, "{}", digit(i)) } else { write!(s, "{:04}", digit(i)) };
        }
    }
    if dscale > 0 {
        let mut fraction = String::new();
        let mut i = weight + 1;
        while fraction.len() < usize::from(dscale) {
            let _ = write!(fraction, "{:04}", digit(i));
            i += 1;
        }
        fraction.truncate(usize::from(dscale));
        s.push('.');
        s.push_str(&fraction);
    }
    Ok(s)
}

/// `date`: days since 2000-01-01.
fn date(days: i32) -> Result<String, String> {
    match days {
        i32::MAX => Ok("infinity".into()),
        i32::MIN => Ok("-infinity".into()),
        _ => NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|d| d.checked_add_signed(chrono::Duration::days(days.into())))
            .map(|d| d.format("%Y-%m-%d").to_string())
            .ok_or_else(|| "date out of range".into()),
    }
}

/// `timestamp` / `timestamptz`: microseconds since 2000-01-01 00:00:00 (UTC for `timestamptz`).
fn timestamp(micros: i64, zoned: bool) -> Result<String, String> {
    match micros {
        i64::MAX => return Ok("infinity".into()),
        i64::MIN => return Ok("-infinity".into()),
        _ => {}
    }
    let t = micros
        .checked_add(PG_EPOCH_MICROS)
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(|| "timestamp out of range".to_string())?;
    Ok(if zoned { t.to_rfc3339() } else { NaiveDateTime::format(&t.naive_utc(), "%Y-%m-%dT%H:%M:%S%.f").to_string() })
}

/// `time`: microseconds since midnight, as `HH:MM:SS` and the fraction's significant digits.
fn time_of_day(micros: i64) -> String {
    let (h, rest) = (micros / MICROS_PER_HOUR, micros % MICROS_PER_HOUR);
    let (m, rest) = (rest / MICROS_PER_MINUTE, rest % MICROS_PER_MINUTE);
    format!("{h:02}:{m:02}:{}", seconds(rest / MICROS_PER_SECOND, rest % MICROS_PER_SECOND))
}

/// Seconds as two digits, then the fraction without its trailing zeros (PostgreSQL's
/// `AppendSeconds`); both taken as absolute values.
fn seconds(sec: i64, micros: i64) -> String {
    let mut s = format!("{:02}", sec.unsigned_abs());
    if micros != 0 {
        let fraction = format!("{:06}", micros.unsigned_abs());
        s.push('.');
        s.push_str(fraction.trim_end_matches('0'));
    }
    s
}

/// A UTC offset in seconds east as PostgreSQL writes it: `+02`, `-03:30`, `+05:30:15`.
fn utc_offset(east: i32) -> String {
    let sign = if east < 0 { '-' } else { '+' };
    let a = east.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    match (m, s) {
        (0, 0) => format!("{sign}{h:02}"),
        (_, 0) => format!("{sign}{h:02}:{m:02}"),
        _ => format!("{sign}{h:02}:{m:02}:{s:02}"),
    }
}

/// `interval` as PostgreSQL writes it with `IntervalStyle = postgres` (its default, and what
/// psql shows): `1 year 2 mons 3 days 04:05:06.5`, `-1 days +02:00:00`, `00:00:00` (the
/// rules of `EncodeInterval` and `AddPostgresIntPart` in PostgreSQL's `datetime.c`).
fn interval(months: i32, days: i32, micros: i64) -> String {
    if (months, days, micros) == (i32::MAX, i32::MAX, i64::MAX) {
        return "infinity".into();
    }
    if (months, days, micros) == (i32::MIN, i32::MIN, i64::MIN) {
        return "-infinity".into();
    }
    let mut s = String::new();
    let (mut is_zero, mut is_before) = (true, false);
    for (value, unit) in [(i64::from(months / 12), "year"), (i64::from(months % 12), "mon"), (i64::from(days), "day")] {
        if value == 0 {
            continue;
        }
        let _ = write!(
            s,
            "{}{}{value} {unit}{}",
            if is_zero { "" } else { " " },
            if is_before && value > 0 { "+" } else { "" },
            if value != 1 { "s" } else { "" }
        );
        // Each nonzero part decides the sign shown on the next one only.
        is_before = value < 0;
        is_zero = false;
    }
    let (hour, rest) = (micros / MICROS_PER_HOUR, micros % MICROS_PER_HOUR);
    let (min, rest) = (rest / MICROS_PER_MINUTE, rest % MICROS_PER_MINUTE);
    let (sec, fsec) = (rest / MICROS_PER_SECOND, rest % MICROS_PER_SECOND);
    if is_zero || micros != 0 {
        let minus = hour < 0 || min < 0 || sec < 0 || fsec < 0;
        let _ = write!(
            s,
            "{}{}{:02}:{:02}:{}",
            if is_zero { "" } else { " " },
            if minus {
                "-"
            } else if is_before {
                "+"
            } else {
                ""
            },
            hour.unsigned_abs(),
            min.unsigned_abs(),
            seconds(sec, fsec)
        );
    }
    s
}

fn uuid(b: &[u8; 16]) -> String {
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// An array's binary form: dimensions, a has-NULLs flag, the element type's OID, each
/// dimension's length and lower bound, then each element (length, -1 for NULL, and bytes).
/// One dimension is a JSON array; more are arrays of arrays; an empty array is `[]`.
fn array(element: &PgTypeInfo, bytes: &[u8]) -> Result<Value, String> {
    let mut w = Wire(bytes);
    let ndim = w.i32()?;
    let _has_nulls = w.i32()?;
    let _element_oid = w.i32()?;
    let mut lengths = Vec::new();
    for _ in 0..ndim.max(0) {
        lengths.push(usize::try_from(w.i32()?).map_err(|_| "array: negative length")?);
        let _lower_bound = w.i32()?;
    }
    if lengths.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    let total: usize = lengths.iter().product();
    let mut flat = Vec::with_capacity(total.min(1 << 16));
    for _ in 0..total {
        let len = w.i32()?;
        if len < 0 {
            flat.push(Value::Null);
            continue;
        }
        let len = len as usize;
        let item = w.0.get(..len).ok_or("array: element cut short")?;
        w.0 = &w.0[len..];
        flat.push(decode(element, item)?);
    }
    // Fold the innermost dimension first: [2][3] → two arrays of three.
    for &n in lengths[1..].iter().rev() {
        let mut items = flat.into_iter();
        let mut outer = Vec::new();
        loop {
            let chunk: Vec<Value> = items.by_ref().take(n).collect();
            if chunk.is_empty() {
                break;
            }
            outer.push(Value::Array(chunk));
        }
        flat = outer;
    }
    Ok(Value::Array(flat))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// numeric's binary form from its parts.
    fn numeric_bytes(weight: i16, sign: u16, dscale: u16, digits: &[i16]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend((digits.len() as i16).to_be_bytes());
        b.extend(weight.to_be_bytes());
        b.extend(sign.to_be_bytes());
        b.extend(dscale.to_be_bytes());
        for d in digits {
            b.extend(d.to_be_bytes());
        }
        b
    }

    #[test]
    fn numerics_are_written_exactly_with_their_scale() {
        let cases: &[(i16, u16, u16, &[i16], &str)] = &[
            (0, 0, 2, &[1, 5000], "1.50"),
            (0, 0, 0, &[], "0"),
            (0, 0, 3, &[], "0.000"),
            (4, 0, 0, &[1234, 5678, 9012, 3456, 7890], "12345678901234567890"),
            (-1, 0x4000, 5, &[123, 4500], "-0.01234"),
            (2, 0, 0, &[7], "700000000"),
            (-2, 0, 8, &[5], "0.00000005"),
            (0, 0xC000, 0, &[], "NaN"),
            (0, 0xD000, 0, &[], "Infinity"),
            (0, 0xF000, 0, &[], "-Infinity"),
        ];
        for &(weight, sign, dscale, digits, want) in cases {
            assert_eq!(numeric(&numeric_bytes(weight, sign, dscale, digits)).unwrap(), want);
        }
    }

    #[test]
    fn intervals_are_written_as_postgres_writes_them() {
        let h = MICROS_PER_HOUR;
        let cases = [
            (0, 0, 0, "00:00:00"),
            (0, 1, 2 * h, "1 day 02:00:00"),
            (0, 1, 2 * h + 3 * MICROS_PER_MINUTE + 4 * MICROS_PER_SECOND, "1 day 02:03:04"),
            (14, 3, 0, "1 year 2 mons 3 days"),
            (1, 0, 0, "1 mon"),
            (0, -1, 2 * h, "-1 days +02:00:00"),
            (-13, 0, 0, "-1 years -1 mons"),
            (0, 0, -1_500_000, "-00:00:01.5"),
            (0, 0, 36 * h + 250_000, "36:00:00.25"),
            (0, 2, -h, "2 days -01:00:00"),
        ];
        for (months, days, micros, want) in cases {
            assert_eq!(interval(months, days, micros), want, "{months} {days} {micros}");
        }
    }

    #[test]
    fn times_offsets_and_uuids() {
        assert_eq!(time_of_day(14 * MICROS_PER_HOUR + 30 * MICROS_PER_MINUTE), "14:30:00");
        assert_eq!(time_of_day(MICROS_PER_SECOND + 250_000), "00:00:01.25");
        assert_eq!(utc_offset(7200), "+02");
        assert_eq!(utc_offset(-(3 * 3600 + 1800)), "-03:30");
        assert_eq!(timestamp(0, true).unwrap(), "2000-01-01T00:00:00+00:00");
        assert_eq!(timestamp(1_500, false).unwrap(), "2000-01-01T00:00:00.001500");
        assert_eq!(date(-1).unwrap(), "1999-12-31");
        assert_eq!(date(i32::MAX).unwrap(), "infinity");
        let id = hex::decode("a0eebc999c0b4ef8bb6d6bb9bd380a11").unwrap();
        assert_eq!(uuid(&id.try_into().unwrap()), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assert_eq!(float4(0.1), serde_json::json!(0.1));
        assert_eq!(float8(f64::NAN), serde_json::json!("NaN"));
        assert_eq!(float8(f64::NEG_INFINITY), serde_json::json!("-Infinity"));
    }
}
