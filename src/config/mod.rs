//! Configuration: defaults in code → `reports.toml` → `QUIRE_<SECTION>__<KEY>` env → CLI flags.
//! Unknown keys and wrong types are errors that name the key.

mod branding;
mod env;
mod insights;
mod oidc;
mod s3;
mod secret;
mod server;
mod types;

pub use branding::{BrandingConfig, MAX_LOGO_BYTES};
pub use insights::InsightsConfig;
pub use oidc::{provider_url, OidcConfig};
pub use s3::S3Config;
pub use secret::Secret;
pub use server::*;
pub use types::*;

use std::path::{Path, PathBuf};

/// Why the configuration could not be used. Every variant means exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("{origin}: {key}: {message}")]
    Invalid {
        origin: String,
        key: String,
        message: String,
    },
}

/// Settings given on the command line; they win over file and environment.
#[derive(Debug, Default, Clone)]
pub struct CliOverrides {
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub bind: Option<String>,
    pub log_json: bool,
}

/// Where the config file is: `--config`, then `$QUIRE_CONFIG`, then `./reports.toml` if it exists.
fn locate(cli: &CliOverrides) -> Option<PathBuf> {
    if let Some(p) = &cli.config {
        return Some(p.clone());
    }
    if let Ok(p) = std::env::var("QUIRE_CONFIG") {
        if !p.is_empty() {
            return Some(PathBuf::from(p));
        }
    }
    let local = Path::new("reports.toml");
    local.exists().then(|| local.to_path_buf())
}

/// Loads and validates the configuration.
pub fn load(cli: &CliOverrides) -> Result<Config, ConfigError> {
    let path = locate(cli);
    let (text, origin) = match &path {
        Some(p) => (
            std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                path: p.clone(),
                source,
            })?,
            p.display().to_string(),
        ),
        None => (String::new(), "defaults".to_string()),
    };
    let mut config = parse_with_env(&text, &origin, std::env::vars())?;
    if let Some(d) = &cli.data_dir {
        config.storage.data_dir = d.clone();
    }
    if let Some(b) = &cli.bind {
        config.server.bind = b.clone();
    }
    if cli.log_json {
        config.server.log_format = LogFormat::Json;
    }
    config
        .validate()
        .map_err(|(key, message)| ConfigError::Invalid {
            origin: origin.clone(),
            key,
            message,
        })?;
    Ok(config)
}

/// Parses TOML text, then applies `QUIRE_*__*` variables from `vars`.
pub fn parse_with_env(
    text: &str,
    origin: &str,
    vars: impl Iterator<Item = (String, String)>,
) -> Result<Config, ConfigError> {
    let mut value: toml::Table = toml::from_str(text).map_err(|e| ConfigError::Parse {
        origin: origin.to_string(),
        message: e.to_string(),
    })?;
    // Parse the file alone first, so its errors point at the file.
    let _: Config =
        Config::deserialize_table(value.clone()).map_err(|message| ConfigError::Parse {
            origin: origin.to_string(),
            message,
        })?;
    let applied = env::apply(&mut value, vars)?;
    Config::deserialize_table(value).map_err(|message| ConfigError::Parse {
        origin: format!("environment ({})", applied.join(", ")),
        message,
    })
}

impl Config {
    fn deserialize_table(table: toml::Table) -> Result<Config, String> {
        toml::Value::Table(table)
            .try_into::<Config>()
            .map_err(|e| e.to_string().trim().to_string())
    }

    /// Path of the application database.
    pub fn app_db_path(&self) -> PathBuf {
        self.storage.data_dir.join("quire.db")
    }

    /// Path of the dataset store.
    pub fn data_db_path(&self) -> PathBuf {
        self.storage.data_dir.join("datasets.db")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        let c = parse_with_env(text, "test.toml", std::iter::empty())?;
        c.validate()
            .map_err(|(key, message)| ConfigError::Invalid {
                origin: "test.toml".into(),
                key,
                message,
            })?;
        Ok(c)
    }

    #[test]
    fn an_insights_model_url_must_be_http_and_its_timeout_sane() {
        for (text, key) in [
            ("[insights]\nllm_url = \"ftp://model\"", "insights.llm_url"),
            ("[insights]\nllm_url = \"not a url\"", "insights.llm_url"),
            (
                "[insights]\nllm_timeout_secs = 0",
                "insights.llm_timeout_secs",
            ),
            ("[insights]\nllm_model = \"\"", "insights.llm_model"),
        ] {
            match parse(text) {
                Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        let c = parse("[insights]\nllm_url = \"http://127.0.0.1:11434/v1\"").unwrap();
        assert_eq!(c.insights.llm_model, "gpt-4o-mini");
        assert!(
            parse("").unwrap().insights.llm_url.is_none(),
            "off by default"
        );
    }

    #[test]
    fn empty_config_has_working_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c.server.bind, "127.0.0.1:8080");
        assert_eq!(c.storage.data_dir, PathBuf::from("./quire-data"));
    }

    #[test]
    fn unknown_key_is_named() {
        let e = parse("[server]\nbindd = \"x\"\n").unwrap_err().to_string();
        assert!(e.contains("bindd"), "{e}");
        let e = parse("[colours]\n").unwrap_err().to_string();
        assert!(e.contains("colours"), "{e}");
    }

    #[test]
    fn wrong_type_is_named() {
        let e = parse("[smtp]\nport = \"twenty-five\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("port"), "{e}");
    }

    #[test]
    fn bad_cron_and_bad_zone_are_named() {
        let base = "[[reports]]\nname = \"R\"\nquery = \"select 1\"\n[[schedules]]\nname = \"S\"\nreportId = \"R\"\n";
        let e = parse(&format!("{base}schedule = \"61 * * * *\"\n"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("schedules[0].schedule") && e.contains("minute"),
            "{e}"
        );
        let e = parse(&format!(
            "{base}schedule = \"@daily\"\ntimezone = \"Mars/Base\"\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("schedules[0].timezone") && e.contains("Mars/Base"),
            "{e}"
        );
    }

    #[test]
    fn links_start_with_base_url_or_else_the_address_bound() {
        let mut s = ServerConfig::default();
        assert_eq!(s.public_url(), "http://127.0.0.1:8080");
        assert!(s.binds_loopback());
        s.bind = "0.0.0.0:18731".into();
        assert_eq!(s.public_url(), "http://127.0.0.1:18731");
        assert!(!s.binds_loopback());
        s.bind = "[::1]:9000".into();
        assert_eq!(s.public_url(), "http://[::1]:9000");
        assert!(s.binds_loopback());
        s.base_url = "https://reports.example.com/".into();
        assert_eq!(s.public_url(), "https://reports.example.com");
    }

    #[test]
    fn render_workers_and_queue_out_of_range_are_named() {
        for (toml, field) in [
            ("render_workers = 0", "limits.render_workers"),
            ("render_workers = 65", "limits.render_workers"),
            ("render_queue = 10001", "limits.render_queue"),
            ("render_queue = -1", "render_queue"),
        ] {
            let e = parse(&format!("[limits]\n{toml}\n"))
                .unwrap_err()
                .to_string();
            assert!(e.contains(field), "{toml}: {e}");
        }
        let ok = parse("[limits]\nrender_queue = 0\n").unwrap();
        assert_eq!(ok.limits.render_queue, 0, "no waiting at all is allowed");
    }

    #[test]
    fn the_engines_memory_is_off_or_in_range_and_named_otherwise() {
        for toml in [
            "engine_memory_mb = 5",
            "engine_memory_mb = 65537",
            "engine_memory_mb = -1",
            "engine_memory_mb = \"lots\"",
        ] {
            let e = parse(&format!("[limits]\n{toml}\n"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("engine_memory_mb"), "{toml}: {e}");
        }
        for (toml, mb) in [("engine_memory_mb = 0", 0), ("engine_memory_mb = 32", 32)] {
            let ok = parse(&format!("[limits]\n{toml}\n")).unwrap();
            assert_eq!(ok.limits.engine_memory_mb, mb);
        }
        assert_eq!(parse("").unwrap().limits.engine_memory_mb, 256);
    }

    #[test]
    fn env_overrides_keep_types_and_name_bad_values() {
        let vars = vec![
            ("QUIRE_SERVER__BIND".to_string(), "0.0.0.0:9000".to_string()),
            ("QUIRE_SMTP__PORT".to_string(), "2525".to_string()),
            ("QUIRE_SMTP__PASSWORD".to_string(), "12345".to_string()),
        ];
        let c = parse_with_env("", "t", vars.into_iter()).unwrap();
        assert_eq!(c.server.bind, "0.0.0.0:9000");
        assert_eq!(c.smtp.port, 2525);
        assert_eq!(c.smtp.password.as_ref().unwrap().expose(), "12345");

        let bad = vec![("QUIRE_SMTP__PORT".to_string(), "abc".to_string())];
        let e = parse_with_env("", "t", bad.into_iter())
            .unwrap_err()
            .to_string();
        assert!(e.contains("QUIRE_SMTP__PORT"), "{e}");
        let unknown = vec![("QUIRE_SERVR__BIND".to_string(), "x".to_string())];
        let e = parse_with_env("", "t", unknown.into_iter())
            .unwrap_err()
            .to_string();
        assert!(e.contains("QUIRE_SERVR__BIND"), "{e}");
    }

    #[test]
    fn a_pptx_template_must_be_a_powerpoint_file_of_at_most_20_mb() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("brand.pptx");
        std::fs::write(&text, "not a deck").unwrap();
        for path in [text, dir.path().join("missing.potx")] {
            let toml = format!(
                "[branding]\npptx_template = {:?}",
                path.display().to_string()
            );
            let e = parse(&toml).unwrap_err().to_string();
            assert!(e.contains("branding.pptx_template"), "{e}");
        }
        let deck = dir.path().join("ok.pptx");
        std::fs::write(&deck, b"PK\x03\x04rest").unwrap();
        let toml = format!(
            "[branding]\npptx_template = {:?}",
            deck.display().to_string()
        );
        parse(&toml).unwrap();
    }

    #[test]
    fn the_example_config_is_valid() {
        let text = include_str!("../../reports.toml.example");
        parse(text).unwrap();
    }
}
