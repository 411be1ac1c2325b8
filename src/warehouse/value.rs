//! Any result row → JSON values, for `statehouse query` (both backends).

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
            "BLOB" => self
                .try_get::<Vec<u8>, _>(i)
                .map(|b| Value::from(format!("<{} bytes>", b.len())))
                .unwrap_or(Value::Null),
            _ => self.try_get::<String, _>(i).map(Value::from).unwrap_or(Value::Null),
        }
    }
}

impl JsonRow for sqlx::postgres::PgRow {
    fn json(&self, i: usize) -> Value {
        let kind = match self.try_get_raw(i) {
            Ok(raw) if raw.is_null() => return Value::Null,
            Ok(raw) => raw.type_info().name().to_string(),
            Err(e) => return json!(format!("<{e}>")),
        };
        let r: Result<Value, sqlx::Error> = match kind.as_str() {
            "INT2" => self.try_get::<i16, _>(i).map(Value::from),
            "INT4" => self.try_get::<i32, _>(i).map(Value::from),
            "INT8" => self.try_get::<i64, _>(i).map(Value::from),
            "FLOAT4" => self.try_get::<f32, _>(i).map(Value::from),
            "FLOAT8" => self.try_get::<f64, _>(i).map(Value::from),
            "BOOL" => self.try_get::<bool, _>(i).map(Value::from),
            "DATE" => self.try_get::<chrono::NaiveDate, _>(i).map(|d| Value::from(d.to_string())),
            "TIMESTAMPTZ" => self.try_get::<chrono::DateTime<chrono::Utc>, _>(i).map(|d| Value::from(d.to_rfc3339())),
            "TIMESTAMP" => self.try_get::<chrono::NaiveDateTime, _>(i).map(|d| Value::from(d.to_string())),
            "JSON" | "JSONB" => self.try_get::<Value, _>(i),
            "NUMERIC" => return json!("<numeric: cast to float8 or text>"),
            _ => self.try_get::<String, _>(i).map(Value::from),
        };
        r.unwrap_or_else(|e| json!(format!("<{kind}: {e}>")))
    }
}
