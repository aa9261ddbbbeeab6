//! A report's parameters: typed values a page, a schedule or a link gives.

use serde::{Deserialize, Serialize};

/// A report parameter, typed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParameterDef {
    pub name: String,
    #[serde(default)]
    pub label: String,
    #[serde(rename = "type")]
    pub kind: ParamType,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// A number parameter's least value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// A number parameter's greatest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl ParameterDef {
    /// Checks the bounds: only on numbers, finite, the least not above the greatest.
    pub fn check_bounds(&self) -> Result<(), String> {
        let at = format!("parameters.{}", self.name);
        if (self.min.is_some() || self.max.is_some()) && self.kind != ParamType::Number {
            return Err(format!("{at}.min: only a number parameter has bounds"));
        }
        if self.min.is_some_and(|m| !m.is_finite()) || self.max.is_some_and(|m| !m.is_finite()) {
            return Err(format!("{at}.min: bounds are finite numbers"));
        }
        if let (Some(a), Some(b)) = (self.min, self.max) {
            if a > b {
                return Err(format!("{at}.max: {b} is below the least value {a}"));
            }
        }
        Ok(())
    }
}

/// The type of a parameter.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    String,
    Number,
    Date,
    Boolean,
    Enum,
}
