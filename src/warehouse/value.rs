//! Any result row → JSON values, for `statehouse query` (both backends; PostgreSQL's values
//! are read in `pg_value`).

use serde_json::{Value, json};
use sqlx::{Row, TypeInfo, ValueRef};

/// A row whose columns can be read as JSON.
pub trait JsonRow {
    fn json(&self, i: usize) -> Value;
}

pub fn decode<R: JsonRow>(row: &R, i: usize) -> Value {
    row.json(i)
}

impl JsonRow for sqlx::sqlite::SqliteRow {
    fn json(&self, i: usize) -> Value {
        // SQLite is dynamically typed: read the value's own storage class.
        let kind = match self.try_get_raw(i) {
            Ok(raw) if raw.is_null() => return Value::Null,
            Ok(raw) => raw.type_info().name().to_string(),
            Err(e) => return json!(format!("<{e}>")),
        };
        match kind.as_str() {
            "INTEGER" | "BOOLEAN" => self.try_get::<i64, _>(i).map(Value::from).unwrap_or(Value::Null),
            "REAL" => self.try_get::<f64, _>(i).map(Value::from).unwrap_or(Value::Null),
            // As PostgreSQL writes a `bytea`.
            "BLOB" => self
                .try_get::<Vec<u8>, _>(i)
                .map(|b| Value::from(format!("\\x{}", hex::encode(b))))
                .unwrap_or(Value::Null),
            _ => self.try_get::<String, _>(i).map(Value::from).unwrap_or(Value::Null),
        }
    }
}

impl JsonRow for sqlx::postgres::PgRow {
    fn json(&self, i: usize) -> Value {
        match self.try_get_raw(i) {
            Ok(raw) => super::pg_value::to_json(raw),
            Err(e) => json!(format!("<{e}>")),
        }
    }
}
