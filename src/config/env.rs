//! `QUIRE_<SECTION>__<KEY>` environment overrides, typed like the key they replace.

use super::{Config, ConfigError};

/// Applies the overrides to `table`; returns the names of the variables used.
pub fn apply(
    table: &mut toml::Table,
    vars: impl Iterator<Item = (String, String)>,
) -> Result<Vec<String>, ConfigError> {
    let defaults = toml::Table::try_from(Config::default()).expect("defaults serialize");
    let mut applied = Vec::new();
    for (name, raw) in vars {
        let Some(rest) = name.strip_prefix("QUIRE_") else {
            continue;
        };
        let Some((section, key)) = rest.split_once("__") else {
            continue; // QUIRE_CONFIG and friends are not overrides.
        };
        let (section, key) = (section.to_ascii_lowercase(), key.to_ascii_lowercase());
        let invalid = |message: String| ConfigError::Invalid {
            origin: "environment".into(),
            key: name.clone(),
            message,
        };
        let Some(toml::Value::Table(section_defaults)) = defaults.get(&section) else {
            return Err(invalid(format!("unknown section `{section}`")));
        };
        let value = match section_defaults.get(&key) {
            Some(toml::Value::Integer(_)) => toml::Value::Integer(
                raw.trim()
                    .parse()
                    .map_err(|_| invalid(format!("`{raw}` is not an integer")))?,
            ),
            Some(toml::Value::Boolean(_)) => toml::Value::Boolean(
                raw.trim()
                    .parse()
                    .map_err(|_| invalid(format!("`{raw}` is not true or false")))?,
            ),
            Some(toml::Value::Float(_)) => toml::Value::Float(
                raw.trim()
                    .parse()
                    .map_err(|_| invalid(format!("`{raw}` is not a number")))?,
            ),
            // Strings, and optional keys that have no default.
            _ => toml::Value::String(raw),
        };
        let entry = table
            .entry(section)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        match entry {
            toml::Value::Table(t) => {
                t.insert(key, value);
            }
            _ => return Err(invalid("the section is not a table in the file".into())),
        }
        applied.push(name);
    }
    Ok(applied)
}
