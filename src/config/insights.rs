//! `[insights]`: an optional language model that may reword the narrative (off by default).

use super::secret::Secret;
use serde::{Deserialize, Serialize};

/// `[insights]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InsightsConfig {
    /// An OpenAI-compatible API's base URL (`http://127.0.0.1:11434/v1`, `https://api.openai.com/v1`):
    /// its `/chat/completions` may reword the narrative. Unset: the narrative is Quire's own.
    pub llm_url: Option<String>,
    pub llm_model: String,
    /// The API key, or the variable that holds it.
    pub llm_api_key: Option<Secret>,
    pub llm_api_key_env: Option<String>,
    /// How long to wait for the model before saying the narrative as written.
    pub llm_timeout_secs: u64,
}

impl Default for InsightsConfig {
    fn default() -> Self {
        InsightsConfig {
            llm_url: None,
            llm_model: "gpt-4o-mini".into(),
            llm_api_key: None,
            llm_api_key_env: None,
            llm_timeout_secs: 15,
        }
    }
}

impl InsightsConfig {
    /// Checks the URL and the timeout; the error is (key, message).
    pub fn check(&self) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((format!("insights.{k}"), m));
        if let Some(u) = &self.llm_url {
            let ok = reqwest::Url::parse(u).is_ok_and(|p| {
                matches!(p.scheme(), "http" | "https") && p.host().is_some() && p.query().is_none()
            });
            if !ok {
                return err(
                    "llm_url",
                    format!(
                        "`{}` is not an http(s) URL like http://127.0.0.1:11434/v1",
                        crate::model::text::truncate(u, 80)
                    ),
                );
            }
        }
        if self.llm_model.trim().is_empty() || self.llm_model.len() > 200 {
            return err("llm_model", "a model name of 1 to 200 characters".into());
        }
        if !(1..=120).contains(&self.llm_timeout_secs) {
            return err("llm_timeout_secs", "from 1 to 120 seconds".into());
        }
        Ok(())
    }

    /// The API key: given, or read from its variable.
    pub fn api_key(&self) -> Option<String> {
        self.llm_api_key
            .as_ref()
            .map(|s| s.expose().to_string())
            .or_else(|| std::env::var(self.llm_api_key_env.as_deref()?).ok())
    }
}
