//! Arrow columns read back as the cells SQLite would have given: integers (and booleans, as 1
//! and 0) as integers, floating point as reals, dates and times as their `YYYY-MM-DD[ HH:MM:SS]`
//! text, everything else as text.

use crate::data::query::Cell;
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Date64Type, Float64Type, Int64Type, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};

/// A column's values, one cell per row.
pub fn column(array: &ArrayRef) -> Result<Vec<Cell>, String> {
    let n = array.len();
    let cell_at = |i: usize, f: &dyn Fn(usize) -> Cell| {
        if array.is_null(i) {
            Cell::Null
        } else {
            f(i)
        }
    };
    let as_type = |t: DataType| cast(array, &t).map_err(|e| e.to_string());
    Ok(match array.data_type() {
        DataType::Null => vec![Cell::Null; n],
        DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => {
            let a = as_type(DataType::Int64)?;
            let a = a.as_primitive::<Int64Type>();
            (0..n)
                .map(|i| cell_at(i, &|i| Cell::Int(a.value(i))))
                .collect()
        }
        DataType::UInt64
        | DataType::Float16
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => {
            let a = as_type(DataType::Float64)?;
            let a = a.as_primitive::<Float64Type>();
            (0..n)
                .map(|i| cell_at(i, &|i| Cell::Real(a.value(i))))
                .collect()
        }
        DataType::Date32 => {
            let a = array.as_primitive::<Date32Type>();
            (0..n)
                .map(|i| cell_at(i, &|i| date_text(i64::from(a.value(i)) * 86_400_000)))
                .collect()
        }
        DataType::Date64 => {
            let a = array.as_primitive::<Date64Type>();
            (0..n)
                .map(|i| cell_at(i, &|i| date_text(a.value(i))))
                .collect()
        }
        DataType::Timestamp(unit, _) => {
            let millis: Vec<Option<i64>> = match unit {
                TimeUnit::Second => values(array.as_primitive::<TimestampSecondType>(), 1000, 1),
                TimeUnit::Millisecond => {
                    values(array.as_primitive::<TimestampMillisecondType>(), 1, 1)
                }
                TimeUnit::Microsecond => {
                    values(array.as_primitive::<TimestampMicrosecondType>(), 1, 1000)
                }
                TimeUnit::Nanosecond => values(
                    array.as_primitive::<TimestampNanosecondType>(),
                    1,
                    1_000_000,
                ),
            };
            millis
                .into_iter()
                .map(|m| m.map_or(Cell::Null, time_text))
                .collect()
        }
        _ => {
            let a = as_type(DataType::Utf8)?;
            let a = a.as_string::<i32>();
            (0..n)
                .map(|i| cell_at(i, &|i| Cell::Text(a.value(i).to_string())))
                .collect()
        }
    })
}

fn values<T: datafusion::arrow::datatypes::ArrowPrimitiveType<Native = i64>>(
    a: &datafusion::arrow::array::PrimitiveArray<T>,
    times: i64,
    per: i64,
) -> Vec<Option<i64>> {
    a.iter()
        .map(|v| v.map(|v| v.saturating_mul(times).div_euclid(per)))
        .collect()
}

fn date_text(millis: i64) -> Cell {
    match chrono::DateTime::from_timestamp_millis(millis) {
        Some(t) => Cell::Text(t.format("%Y-%m-%d").to_string()),
        None => Cell::Null,
    }
}

fn time_text(millis: i64) -> Cell {
    match chrono::DateTime::from_timestamp_millis(millis) {
        Some(t) => Cell::Text(t.format("%Y-%m-%d %H:%M:%S").to_string()),
        None => Cell::Null,
    }
}
