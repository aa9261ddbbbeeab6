//! The demo: the example sales data set, the Sales overview report, its dashboard and the
//! weekly schedule, all embedded from `examples/` so the binary needs no files beside it.

use crate::config::Config;
use crate::data::import::{DatasetName, Input};
use crate::provision::{self, Provisioned};
use crate::store::{meta, Store};
use anyhow::Context;

const DEMO_TOML: &str = include_str!("../../examples/demo.toml");

/// The demo's definitions, parsed like a config file.
pub fn definitions() -> anyhow::Result<Config> {
    let config =
        crate::config::parse_with_env(DEMO_TOML, "examples/demo.toml", std::iter::empty())?;
    config
        .validate()
        .map_err(|(k, m)| anyhow::anyhow!("examples/demo.toml: {k}: {m}"))?;
    Ok(config)
}

/// Loads the demo on first start; later starts leave it (and any edits to it) alone.
pub fn load(store: &Store) -> anyhow::Result<()> {
    if meta::get(&*store.app.get()?, "demo_loaded")?.is_some() {
        return Ok(());
    }
    let demo = definitions()?;
    crate::app::dataset::import(
        store,
        &DatasetName::parse("sales")?,
        "sales.csv",
        &Input::Bytes(std::sync::Arc::from(crate::packed!("examples/sales.csv"))),
        &Default::default(),
        true,
        &|_| {},
    )
    .context("importing the demo data")?;
    provision::apply(store, &Provisioned::from(&demo)).context("provisioning the demo")?;
    meta::set(
        &*store.app.get()?,
        "demo_loaded",
        &crate::model::time::now_text(),
    )?;
    tracing::info!("demo data, report, dashboard and schedule loaded");
    Ok(())
}
