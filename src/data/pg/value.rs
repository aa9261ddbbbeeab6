//! PostgreSQL values to Quire's cells and back, in the binary wire format, whatever the column
//! or parameter type the server says it is.
//!
//! Cells: integers stay integers; `numeric` with no decimals is an integer when it fits, else a
//! float (a value past ~15 significant digits loses its last digits, as every chart and KPI
//! works in `f64`; a currency total up to billions with cents is exact); dates are `YYYY-MM-DD`
//! text and timestamps `YYYY-MM-DD HH:MM:SS` as the embedded store keeps them (`timestamptz`
//! in UTC); booleans 1/0 as imports store them; uuid, json and enums as text.
//!
//! Parameters: Quire's values (text, integer, real) are converted to the type PostgreSQL
//! inferred for the placeholder, so `order_date >= :from` binds a date.

use crate::data::query::{Cell, ParamValue};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use postgres::types::{FromSql, IsNull, Kind, ToSql, Type};
use postgres_protocol::types as wire;
use std::error::Error;

type BoxError = Box<dyn Error + Sync + Send>;

/// PostgreSQL's epoch for dates and timestamps.
fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2000, 1, 1)
        .expect("a valid date")
        .and_time(NaiveTime::MIN)
}

/// A cell read from any column type.
pub struct PgCell(pub Cell);

impl<'a> FromSql<'a> for PgCell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        decode(ty, raw).map(PgCell)
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(PgCell(Cell::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

fn decode(ty: &Type, raw: &[u8]) -> Result<Cell, BoxError> {
    Ok(match *ty {
        Type::BOOL => Cell::Int(wire::bool_from_sql(raw)? as i64),
        Type::INT2 => Cell::Int(wire::int2_from_sql(raw)? as i64),
        Type::INT4 => Cell::Int(wire::int4_from_sql(raw)? as i64),
        Type::INT8 => Cell::Int(wire::int8_from_sql(raw)?),
        Type::OID => Cell::Int(wire::oid_from_sql(raw)? as i64),
        Type::FLOAT4 => Cell::Real(wire::float4_from_sql(raw)? as f64),
        Type::FLOAT8 => Cell::Real(wire::float8_from_sql(raw)?),
        Type::NUMERIC => numeric_cell(&numeric_text(raw)?),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN | Type::JSON => {
            Cell::Text(wire::text_from_sql(raw)?.to_string())
        }
        Type::JSONB => match raw.split_first() {
            Some((1, rest)) => Cell::Text(std::str::from_utf8(rest)?.to_string()),
            _ => return Err("unknown jsonb version".into()),
        },
        Type::CHAR => Cell::Text((wire::char_from_sql(raw)? as u8 as char).to_string()),
        Type::UUID => Cell::Text(uuid::Uuid::from_bytes(wire::uuid_from_sql(raw)?).to_string()),
        Type::DATE => Cell::Text(match wire::date_from_sql(raw)? {
            i32::MAX => "infinity".into(),
            i32::MIN => "-infinity".into(),
            days => (epoch() + chrono::Duration::days(days as i64))
                .format("%Y-%m-%d")
                .to_string(),
        }),
        Type::TIMESTAMP | Type::TIMESTAMPTZ => Cell::Text(match wire::timestamp_from_sql(raw)? {
            i64::MAX => "infinity".into(),
            i64::MIN => "-infinity".into(),
            us => {
                let t = epoch() + chrono::Duration::microseconds(us);
                match us % 1_000_000 {
                    0 => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                    _ => t.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
                }
            }
        }),
        Type::TIME => {
            let us = wire::time_from_sql(raw)?;
            let t = NaiveTime::MIN + chrono::Duration::microseconds(us);
            Cell::Text(t.format("%H:%M:%S").to_string())
        }
        Type::BYTEA => Cell::Text(format!("<{} bytes>", raw.len())),
        _ => match ty.kind() {
            Kind::Enum(_) => Cell::Text(wire::text_from_sql(raw)?.to_string()),
            Kind::Domain(base) => decode(base, raw)?,
            _ if ty.name() == "citext" => Cell::Text(wire::text_from_sql(raw)?.to_string()),
            _ => {
                return Err(format!(
                    "a `{}` column cannot be shown in a report: cast it (`column::text` or `column::numeric`)",
                    ty.name()
                )
                .into())
            }
        },
    })
}

/// A decimal text as a cell: an integer when it has no fraction and fits, else a float.
fn numeric_cell(text: &str) -> Cell {
    if !text.contains('.') {
        if let Ok(i) = text.parse::<i64>() {
            return Cell::Int(i);
        }
    }
    match text {
        "NaN" => Cell::Real(f64::NAN),
        _ => Cell::Real(text.parse().unwrap_or(f64::NAN)),
    }
}

/// A binary `numeric` as decimal text (`-12.50`, `NaN`, `Infinity`), its scale kept.
pub fn numeric_text(raw: &[u8]) -> Result<String, BoxError> {
    let word = |k: usize| -> Result<u16, BoxError> {
        raw.get(k..k + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "numeric value too short".into())
    };
    let ndigits = word(0)? as usize;
    let weight = word(2)? as i16 as i64;
    let sign = word(4)?;
    let dscale = word(6)? as usize;
    match sign {
        0xC000 => return Ok("NaN".into()),
        0xD000 => return Ok("Infinity".into()),
        0xF000 => return Ok("-Infinity".into()),
        _ => {}
    }
    let digits: Vec<u16> = (0..ndigits)
        .map(|k| word(8 + 2 * k))
        .collect::<Result<_, _>>()?;
    let digit = |pos: i64| -> u16 {
        // Base-10000 digit at power `pos`.
        let k = weight - pos;
        if k >= 0 && (k as usize) < digits.len() {
            digits[k as usize]
        } else {
            0
        }
    };
    let mut int = String::new();
    for pos in (0..=weight.max(0)).rev() {
        let d = digit(pos);
        if int.is_empty() {
            if d != 0 || pos == 0 {
                int.push_str(&d.to_string());
            }
        } else {
            int.push_str(&format!("{d:04}"));
        }
    }
    let mut frac = String::new();
    let mut pos = -1;
    while frac.len() < dscale {
        frac.push_str(&format!("{:04}", digit(pos)));
        pos -= 1;
    }
    frac.truncate(dscale);
    let neg = if sign == 0x4000 { "-" } else { "" };
    Ok(match frac.is_empty() {
        true => format!("{neg}{int}"),
        false => format!("{neg}{int}.{frac}"),
    })
}

/// A decimal text (`-12.5`, `3`) as a binary `numeric`.
pub fn numeric_bytes(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().chain(frac.bytes()).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let int = int.trim_start_matches('0');
    let dscale = frac.len();
    let pad_int = (4 - int.len() % 4) % 4;
    let pad_frac = (4 - frac.len() % 4) % 4;
    let all = format!("{}{int}{frac}{}", "0".repeat(pad_int), "0".repeat(pad_frac));
    let mut groups: Vec<u16> = all
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).ok()?.parse().ok())
        .collect::<Option<_>>()?;
    let mut weight = ((int.len() + pad_int) / 4) as i64 - 1;
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let mut out = Vec::with_capacity(8 + 2 * groups.len());
    out.extend_from_slice(&(groups.len() as u16).to_be_bytes());
    out.extend_from_slice(&(weight as i16).to_be_bytes());
    out.extend_from_slice(
        &(if neg && !groups.is_empty() {
            0x4000u16
        } else {
            0
        })
        .to_be_bytes(),
    );
    out.extend_from_slice(&(dscale as u16).to_be_bytes());
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
    Some(out)
}

/// A parameter value already in the wire format of its placeholder's type.
#[derive(Debug)]
pub struct Encoded(Option<Vec<u8>>);

impl ToSql for Encoded {
    fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        match &self.0 {
            None => Ok(IsNull::Yes),
            Some(b) => {
                out.extend_from_slice(b);
                Ok(IsNull::No)
            }
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// `v` as a value of type `ty`, or why it is not one.
pub fn encode(v: &ParamValue, ty: &Type) -> Result<Encoded, String> {
    let text = match v {
        ParamValue::Null => return Ok(Encoded(None)),
        ParamValue::Int(i) => i.to_string(),
        ParamValue::Real(f) => f.to_string(),
        ParamValue::Text(s) => s.clone(),
    };
    let shown = crate::model::text::truncate(&text, 40);
    let not = |what: &str| format!("`{shown}` is not {what}");
    let mut buf = bytes::BytesMut::new();
    match *ty {
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN | Type::JSON => {
            wire::text_to_sql(&text, &mut buf)
        }
        Type::JSONB => {
            buf.extend_from_slice(&[1]);
            wire::text_to_sql(&text, &mut buf)
        }
        Type::INT2 | Type::INT4 | Type::INT8 => {
            let i = match v {
                ParamValue::Real(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => *f as i64,
                _ => text.trim().parse::<i64>().map_err(|_| not("a whole number"))?,
            };
            match *ty {
                Type::INT2 => wire::int2_to_sql(
                    i16::try_from(i).map_err(|_| not("a small integer"))?,
                    &mut buf,
                ),
                Type::INT4 => wire::int4_to_sql(
                    i32::try_from(i).map_err(|_| not("a 32-bit integer"))?,
                    &mut buf,
                ),
                _ => wire::int8_to_sql(i, &mut buf),
            }
        }
        Type::FLOAT4 | Type::FLOAT8 => {
            let f = text.trim().parse::<f64>().map_err(|_| not("a number"))?;
            match *ty {
                Type::FLOAT4 => wire::float4_to_sql(f as f32, &mut buf),
                _ => wire::float8_to_sql(f, &mut buf),
            }
        }
        Type::NUMERIC => {
            return numeric_bytes(&text)
                .map(|b| Encoded(Some(b)))
                .ok_or_else(|| not("a decimal number"))
        }
        Type::BOOL => wire::bool_to_sql(
            match text.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "t" | "yes" => true,
                "0" | "false" | "f" | "no" => false,
                _ => return Err(not("true or false")),
            },
            &mut buf,
        ),
        Type::DATE => {
            let d = text
                .get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .ok_or_else(|| not("a date (YYYY-MM-DD)"))?;
            let days = (d.and_time(NaiveTime::MIN) - epoch()).num_days();
            wire::date_to_sql(days as i32, &mut buf)
        }
        Type::TIMESTAMP | Type::TIMESTAMPTZ => {
            let t = timestamp(&text).ok_or_else(|| not("a date or a timestamp"))?;
            let us = (t - epoch())
                .num_microseconds()
                .ok_or_else(|| not("a timestamp in range"))?;
            wire::timestamp_to_sql(us, &mut buf)
        }
        Type::UUID => wire::uuid_to_sql(
            *uuid::Uuid::parse_str(text.trim())
                .map_err(|_| not("a UUID"))?
                .as_bytes(),
            &mut buf,
        ),
        _ => match ty.kind() {
            Kind::Enum(_) => wire::text_to_sql(&text, &mut buf),
            Kind::Domain(base) => return encode(v, base),
            _ => {
                return Err(format!(
                    "PostgreSQL expects a `{}` here, which Quire cannot bind: cast the parameter (`:name::text`)",
                    ty.name()
                ))
            }
        },
    }
    Ok(Encoded(Some(buf.to_vec())))
}

/// A date, a date and time, or an RFC 3339 instant (in UTC).
fn timestamp(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.naive_utc());
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, f) {
            return Some(dt);
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerics_go_both_ways_without_losing_digits() {
        for t in [
            "0",
            "1",
            "-1",
            "10000",
            "12.50",
            "-0.0001",
            "123456789012345678901234567890.123456789",
            "0.10",
            "99999999.99",
        ] {
            let b = numeric_bytes(t).unwrap();
            assert_eq!(numeric_text(&b).unwrap(), t, "{t}");
        }
        assert_eq!(
            numeric_text(&numeric_bytes("007.5").unwrap()).unwrap(),
            "7.5"
        );
        assert!(numeric_bytes("1e5").is_none() && numeric_bytes("x").is_none());
        assert_eq!(numeric_cell("12"), Cell::Int(12));
        assert_eq!(numeric_cell("12.50"), Cell::Real(12.5));
        assert_eq!(
            numeric_cell("123456789012345678901234567890"),
            Cell::Real(1.2345678901234568e29)
        );
    }

    #[test]
    fn parameters_take_the_type_postgres_inferred() {
        let bytes = |v: ParamValue, ty: Type| encode(&v, &ty).unwrap().0.unwrap();
        assert_eq!(
            bytes(ParamValue::Text("2000-01-02".into()), Type::DATE),
            vec![0, 0, 0, 1]
        );
        assert_eq!(
            bytes(
                ParamValue::Text("2000-01-01 00:00:01".into()),
                Type::TIMESTAMP
            ),
            1_000_000i64.to_be_bytes()
        );
        assert_eq!(bytes(ParamValue::Int(1), Type::BOOL), vec![1]);
        assert_eq!(
            bytes(ParamValue::Text("7".into()), Type::INT4),
            vec![0, 0, 0, 7]
        );
        assert!(encode(&ParamValue::Text("soon".into()), &Type::DATE)
            .unwrap_err()
            .contains("not a date"));
        assert!(encode(&ParamValue::Int(1), &Type::POINT)
            .unwrap_err()
            .contains("::text"));
    }
}
