//! The fingerprint that binds a key to its request: SHA-256 of the command name and its arguments in
//! canonical JSON, so that neither field order nor formatting makes two requests differ.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// SHA-256 (lower-case hex) of the command name and its arguments in canonical JSON: object keys sorted,
/// no whitespace, so neither field order nor formatting changes it.
pub fn fingerprint(command: &str, arguments: &impl Serialize) -> Result<String> {
    let value = serde_json::to_value(arguments)
        .map_err(|e| Error::Storage { backend: "core", detail: format!("cannot encode the arguments: {e}") })?;
    let mut canonical = String::new();
    write_canonical(&value, &mut canonical);
    let digest = Sha256::new().chain_update(command.as_bytes()).chain_update([0]).chain_update(canonical).finalize();
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// Canonical JSON, written out by hand so that no serde_json feature (`preserve_order`) can change it.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (name, field)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(name.clone()).to_string());
                out.push(':');
                write_canonical(field, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_field_order_but_not_values() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"y":[1,2],"x":"s"}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"x":"s","y":[1,2]},"b":1}"#).unwrap();
        let c: Value = serde_json::from_str(r#"{"a":{"x":"s","y":[2,1]},"b":1}"#).unwrap();
        assert_eq!(fingerprint("cmd", &a).unwrap(), fingerprint("cmd", &b).unwrap());
        assert_ne!(fingerprint("cmd", &a).unwrap(), fingerprint("cmd", &c).unwrap());
        assert_ne!(fingerprint("cmd", &a).unwrap(), fingerprint("other", &a).unwrap());
        assert_eq!(fingerprint("cmd", &a).unwrap().len(), 64);
    }

    /// Found by the `idempotency_fingerprint` fuzz target: a number too large for an integer became a
    /// float whose text, read back, was another float (serde_json's fast float reading is not exact), so
    /// the same arguments written twice fingerprinted apart. The workspace reads floats exactly now
    /// (serde_json's `float_roundtrip`).
    #[test]
    fn a_large_number_fingerprints_alike_however_often_it_is_written() {
        let text = "66666666666666666666666666666662666666666666666666";
        let value: Value = serde_json::from_str(text).unwrap();
        let again: Value = serde_json::from_str(&serde_json::to_string_pretty(&value).unwrap()).unwrap();
        assert_eq!(fingerprint("cmd", &value).unwrap(), fingerprint("cmd", &again).unwrap());
    }
}
