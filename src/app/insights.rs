//! A report's insights for `GET /api/v1/reports/{id}/insights`: the report run with the
//! caller's parameters, then `report::run::insight` on its charts.

use super::pipeline::PipelineError;
use super::Ctx;
use crate::report::insight::narrative::Insights;
use crate::report::run::{self, TableRows};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The report's insights with these parameters, as of `today`: the report run once (as its
/// pages show it, labels and formats included), its insights asked on the same connection.
pub fn report_insights(
    ctx: &Ctx,
    report: &str,
    params: &BTreeMap<String, String>,
    today: NaiveDate,
) -> Result<Insights, PipelineError> {
    let stored = ctx.report(report)?;
    let def = &stored.definition;
    let resolved = crate::report::params::resolve(&def.parameters, params, today)
        .map_err(run::RunError::from)?;
    let conn = ctx
        .store
        .source(&def.data_source)
        .ok_or_else(|| PipelineError::NoSource(def.data_source.clone()))?
        .get(&ctx.sight)?;
    let req = run::Request {
        report_id: &stored.id,
        definition: def,
        params,
        rows: TableRows::Page {
            page: 1,
            page_size: 1,
        },
        only: None,
        sort: None,
        today,
        zone: chrono_tz::UTC,
        bounds: ctx.bounds(),
        cache: (ctx.config.limits.cache_mb > 0)
            .then(|| ctx.store.cache_scope(&def.data_source))
            .flatten(),
        progress: None,
        narrow: None,
        spare: None,
    };
    super::column_meta::shown(ctx, || {
        let out = run::run(&conn, &req)?;
        let at = run::insight::At {
            conn: conn.db(),
            def,
            resolved: &resolved.values,
            req: &req,
        };
        Ok(run::insight::insights(&at, &out.sections))
    })
}

/// The narrative reworded by the `[insights]` language model, when one is set: it is sent the
/// items (aggregates and their words, never rows) and may change the words, never the figures:
/// every number in its answer must be one of the items' numbers, else (or when it fails or is
/// slow) the narrative stays as Quire wrote it.
pub async fn retold(cfg: &crate::config::InsightsConfig, mut found: Insights) -> Insights {
    let Some(base) = cfg.llm_url.as_deref() else {
        return found;
    };
    if found.narrative.is_empty() {
        return found;
    }
    let facts = serde_json::json!({ "narrative": found.narrative, "items": found.items });
    let body = serde_json::json!({
        "model": cfg.llm_model,
        "temperature": 0,
        "messages": [
            { "role": "system", "content": "You reword a short business summary for a manager. Use only the figures given, written exactly as given; add no number of your own. Answer with the summary alone, at most three sentences." },
            { "role": "user", "content": facts.to_string() },
        ],
    });
    // The URL is the administrator's (a local model on loopback is the usual one), not a
    // person's, so the private-address guard of hooks does not apply; a redirect, which could
    // point anywhere, is not followed.
    let client = match reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(cfg.llm_timeout_secs))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(_) => return found,
    };
    let url = format!("{}/chat/completions", base.trim_end_matches('/'));
    let mut req = client.post(&url).json(&body);
    if let Some(key) = cfg.api_key() {
        req = req.bearer_auth(key);
    }
    let said = async {
        let reply: serde_json::Value = req
            .send()
            .await
            .ok()?
            .error_for_status()
            .ok()?
            .json()
            .await
            .ok()?;
        let text = reply["choices"][0]["message"]["content"]
            .as_str()?
            .trim()
            .to_string();
        (!text.is_empty() && text.len() <= 2_000).then_some(text)
    }
    .await;
    match said {
        Some(text) if only_known_numbers(&text, &found) => {
            found.narrative = text;
            found.by = "model";
        }
        Some(_) => tracing::warn!(
            "the insights model's wording held a number not in the facts: Quire's own is used"
        ),
        None => {
            tracing::warn!(url = %url, "the insights model did not answer: Quire's own wording is used")
        }
    }
    found
}

/// The numbers written in `text` (`3,732.66`, `−3`, `2025`), as values.
fn numbers(text: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut flush = |c: &mut String| {
        let t = c.trim_end_matches(['.', ',']).replace(',', "");
        if let Ok(v) = t.parse::<f64>() {
            out.push(v);
        }
        c.clear();
    };
    for ch in text.chars() {
        if ch.is_ascii_digit() || ((ch == '.' || ch == ',') && !current.is_empty()) {
            current.push(ch);
        } else {
            flush(&mut current);
        }
    }
    flush(&mut current);
    out
}

/// Whether every number in `text` is one the insights hold (in their words or their fields).
fn only_known_numbers(text: &str, found: &Insights) -> bool {
    let mut known: Vec<f64> = numbers(&found.narrative);
    for i in &found.items {
        known.extend(numbers(&i.text));
        known.extend([i.value, i.expected, i.low, i.high].into_iter().flatten());
        known.extend(i.share.map(|s| (s * 100.0).round()));
    }
    numbers(text)
        .iter()
        .all(|n| known.iter().any(|k| (k.abs() - n).abs() < 0.005))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_with_their_separators_and_without_trailing_stops() {
        assert_eq!(
            numbers("Sales −3 % (3,732.66 against 3,847.03). Up 12."),
            [3.0, 3732.66, 3847.03, 12.0]
        );
        assert_eq!(numbers("on 2025-04-11"), [2025.0, 4.0, 11.0]);
    }

    #[test]
    fn a_wording_with_a_number_of_its_own_is_refused() {
        let found = Insights {
            narrative: "Sales −3 % vs the previous week (3,732.66 against 3,847.03).".into(),
            by: "templates",
            items: Vec::new(),
        };
        assert!(only_known_numbers("Sales fell 3 %, to 3,732.66.", &found));
        assert!(!only_known_numbers("Sales fell 4 %, to 3,732.66.", &found));
        assert!(!only_known_numbers(
            "Sales fell 3 % and will fall 10 % more.",
            &found
        ));
    }
}
