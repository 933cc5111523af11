//! `[cost]`: the monthly budget, the currency it is in, and the stages the bill is split
//! into (`[[cost.stage]]`).

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use toml::Spanned;

use super::environment::Misfit;
use super::raw::{Amount, Currency, Name};
use crate::domain::stages::{CostStage, CostStages, OTHER_STAGE};

/// The currency of the budget when `[cost]` names none.
pub const DEFAULT_CURRENCY: &str = "USD";

/// What the Cost tab measures spend against (`[cost]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostSettings {
    /// The monthly budget, in `currency`; an environment's own `budget` wins (see
    /// [`Config::budget_for`](super::Config::budget_for)).
    pub budget: Option<Decimal>,
    /// The currency code of the budget ("USD").
    pub currency: String,
    /// The stages of the bill: the file's `[[cost.stage]]` tables, or
    /// [`CostStages::defaults`] when it has none.
    pub stages: CostStages,
}

impl Default for CostSettings {
    fn default() -> Self {
        CostSettings {
            budget: None,
            currency: DEFAULT_CURRENCY.to_string(),
            stages: CostStages::defaults(),
        }
    }
}

/// `[cost]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [cost] table")]
pub(super) struct RawCostSettings {
    budget: Option<Amount>,
    currency: Option<Currency>,
    #[serde(default)]
    stage: Vec<Spanned<RawCostStage>>,
}

/// `[[cost.stage]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[cost.stage]] table")]
struct RawCostStage {
    name: Name,
    #[serde(default)]
    services: Vec<Name>,
    #[serde(default)]
    tags: BTreeMap<String, TagValues>,
}

/// The values of one tag key: `"migration"` or `["migration", "dms"]`.
#[derive(Debug)]
struct TagValues(Vec<Name>);

impl<'de> Deserialize<'de> for TagValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TagValuesVisitor;
        impl<'de> Visitor<'de> for TagValuesVisitor {
            type Value = TagValues;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a tag value or a list of tag values, like \"migration\" or [\"migration\", \"dms\"]",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TagValues, E> {
                Name::deserialize(de::value::StrDeserializer::<E>::new(v))
                    .map(|name| TagValues(vec![name]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TagValues, A::Error> {
                let mut values = Vec::new();
                while let Some(value) = seq.next_element::<Name>()? {
                    values.push(value);
                }
                Ok(TagValues(values))
            }
        }
        deserializer.deserialize_any(TagValuesVisitor)
    }
}

impl RawCostSettings {
    /// Checks the stages (named, claiming something, no service or tag claimed twice)
    /// and builds the settings.
    pub(super) fn build(self) -> Result<CostSettings, Misfit> {
        let stages = if self.stage.is_empty() {
            CostStages::defaults()
        } else {
            let mut stages: Vec<CostStage> = Vec::with_capacity(self.stage.len());
            for spanned in self.stage {
                let at = spanned.span().start;
                let stage = spanned
                    .into_inner()
                    .build(&stages)
                    .map_err(|message| Misfit { at, message })?;
                stages.push(stage);
            }
            CostStages { stages }
        };
        Ok(CostSettings {
            budget: self.budget.map(|amount| amount.0),
            currency: self
                .currency
                .map_or_else(|| DEFAULT_CURRENCY.to_string(), |c| c.0),
            stages,
        })
    }
}

impl RawCostStage {
    /// One stage, checked against the stages before it; the error is the message alone.
    fn build(self, before: &[CostStage]) -> Result<CostStage, String> {
        let name = self.name.0;
        if name == OTHER_STAGE {
            return Err(format!(
                "cost stage `{OTHER_STAGE}` is reserved for the costs no stage claims; choose another name"
            ));
        }
        if before.iter().any(|s| s.name == name) {
            return Err(format!("cost stage `{name}` is defined twice"));
        }
        let services: Vec<String> = self.services.into_iter().map(|s| s.0).collect();
        let mut tags: Vec<(String, String)> = Vec::new();
        for (key, values) in self.tags {
            if key.trim().is_empty() {
                return Err(format!("cost stage `{name}`: a tag key cannot be empty"));
            }
            for value in values.0 {
                tags.push((key.clone(), value.0));
            }
        }
        if services.is_empty() && tags.is_empty() {
            return Err(format!(
                "cost stage `{name}` claims no cost; give it `services`, `tags` or both"
            ));
        }
        for service in &services {
            if let Some(other) = before.iter().find(|s| s.has_service(service)) {
                return Err(format!(
                    "cost stage `{name}`: service `{service}` is already in stage `{}`",
                    other.name
                ));
            }
        }
        for (key, value) in &tags {
            if let Some(other) = before.iter().find(|s| s.has_tag(key, value)) {
                return Err(format!(
                    "cost stage `{name}`: tag `{key} = \"{value}\"` is already in stage `{}`",
                    other.name
                ));
            }
        }
        Ok(CostStage {
            name,
            services,
            tags,
        })
    }
}
