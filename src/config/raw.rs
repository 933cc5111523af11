//! The config file as written: serde structs that refuse unknown keys, with value types
//! whose "expected …" wording ends up in the error messages.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use toml::Spanned;

use crate::keymap::{Action, Key};

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawConfig {
    pub theme: Option<Name>,
    pub read_only: Option<bool>,
    #[serde(default)]
    pub polling: RawPolling,
    #[serde(default)]
    pub keys: RawKeys,
    #[serde(default)]
    pub pipeline: Vec<Spanned<RawPipeline>>,
    #[serde(default)]
    pub environment: Vec<Spanned<super::environment::RawEnvironment>>,
    #[serde(default)]
    pub cost: super::cost::RawCostSettings,
}

/// `[polling]`, in seconds.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table of intervals in seconds")]
pub(super) struct RawPolling {
    pub replication: Option<Seconds>,
    pub workflow: Option<Seconds>,
    pub warehouse: Option<Seconds>,
    pub cost: Option<Seconds>,
    pub visible: Option<Seconds>,
    pub max_backoff: Option<Seconds>,
}

/// `[[pipeline]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[pipeline]] table")]
pub(super) struct RawPipeline {
    pub name: Name,
    #[serde(default)]
    pub stage: Vec<Spanned<RawStage>>,
}

/// `[[pipeline.stage]]`; exactly one selector is checked after parsing, with its line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[pipeline.stage]] table")]
pub(super) struct RawStage {
    pub name: Name,
    pub replication: Option<Name>,
    pub dag: Option<Name>,
    /// The `[[cost.stage]]` whose cost the chain shows beside this stage.
    pub cost: Option<Name>,
}

/// A non-empty string: a name, a pattern or an identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Name(pub String);

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl Visitor<'_> for NameVisitor {
            type Value = Name;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a non-empty string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Name, E> {
                if v.trim().is_empty() {
                    return Err(E::invalid_value(Unexpected::Str(v), &self));
                }
                Ok(Name(v.to_string()))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// A polling interval: a whole number of seconds, at least one and at most
/// [`MAX_SECONDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Seconds(pub u64);

/// The longest interval the file may give: a week. Intervals are added to the clock, and
/// a poll a week apart is already no poll at all.
pub(super) const MAX_SECONDS: u64 = 7 * 24 * 60 * 60;

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecondsVisitor;
        impl Visitor<'_> for SecondsVisitor {
            type Value = Seconds;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(
                    f,
                    "a whole number of seconds from 1 to {MAX_SECONDS} (a week)"
                )
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Seconds, E> {
                if !(1..=MAX_SECONDS).contains(&v) {
                    return Err(E::invalid_value(Unexpected::Unsigned(v), &self));
                }
                Ok(Seconds(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Seconds, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::invalid_value(Unexpected::Signed(v), &self)),
                }
            }
        }
        deserializer.deserialize_u64(SecondsVisitor)
    }
}

/// An amount of money above zero: a TOML number (`30000`, `1250.5`) or a decimal in a
/// string (`"30000.00"`), kept exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Amount(pub Decimal);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AmountVisitor;
        impl AmountVisitor {
            fn positive<E: de::Error>(
                &self,
                amount: Option<Decimal>,
                found: Unexpected<'_>,
            ) -> Result<Amount, E> {
                match amount {
                    Some(amount) if amount > Decimal::ZERO => Ok(Amount(amount)),
                    _ => Err(E::invalid_value(found, self)),
                }
            }
        }
        impl Visitor<'_> for AmountVisitor {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an amount above zero, like 30000 or \"30000.00\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                self.positive(Some(Decimal::from(v)), Unexpected::Signed(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                self.positive(Some(Decimal::from(v)), Unexpected::Unsigned(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                // The shortest text that reads back as the same float is what was written
                // (1250.1, not 1250.09999999999990905052982270717620849609375).
                let amount = Decimal::from_str(&v.to_string()).ok();
                self.positive(amount, Unexpected::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
                self.positive(Decimal::from_str(v).ok(), Unexpected::Str(v))
            }
        }
        deserializer.deserialize_any(AmountVisitor)
    }
}

/// A currency code: three capital letters (`USD`, `EUR`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Currency(pub String);

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CurrencyVisitor;
        impl Visitor<'_> for CurrencyVisitor {
            type Value = Currency;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a currency code of three capital letters, like \"USD\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Currency, E> {
                if v.len() != 3 || !v.bytes().all(|b| b.is_ascii_uppercase()) {
                    return Err(E::invalid_value(Unexpected::Str(v), &self));
                }
                Ok(Currency(v.to_string()))
            }
        }
        deserializer.deserialize_str(CurrencyVisitor)
    }
}

/// One key name as written in `[keys]`, with the key it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct KeyName {
    pub text: String,
    pub key: Key,
}

impl<'de> Deserialize<'de> for KeyName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyNameVisitor)
    }
}

struct KeyNameVisitor;

impl Visitor<'_> for KeyNameVisitor {
    type Value = KeyName;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key name like \"q\" or \"ctrl-r\"")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyName, E> {
        let key = v.parse::<Key>().map_err(E::custom)?;
        Ok(KeyName {
            text: v.to_string(),
            key,
        })
    }
}

/// The keys of one action: `quit = "q"` or `refresh = ["ctrl-r", "f5"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct KeyList(pub Vec<KeyName>);

struct KeysVisitor;

impl<'de> Visitor<'de> for KeysVisitor {
    type Value = KeyList;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key name or a list of key names, like \"q\" or [\"ctrl-r\", \"f5\"]")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyList, E> {
        KeyNameVisitor.visit_str(v).map(|name| KeyList(vec![name]))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeyList, A::Error> {
        let mut names = Vec::new();
        while let Some(name) = seq.next_element::<KeyName>()? {
            names.push(name);
        }
        Ok(KeyList(names))
    }
}

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeysVisitor)
    }
}

/// An action named as a key of `[keys]`. Read as a string first so that the key path of
/// an error names it.
struct ActionName(Action);

impl<'de> Deserialize<'de> for ActionName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ActionVisitor;
        impl Visitor<'_> for ActionVisitor {
            type Value = ActionName;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an action name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ActionName, E> {
                Action::deserialize(de::value::StrDeserializer::<E>::new(v)).map(ActionName)
            }
        }
        deserializer.deserialize_str(ActionVisitor)
    }
}

/// `[keys]`, in file order, each list with its span for messages about it.
#[derive(Debug, Default)]
pub(super) struct RawKeys(pub Vec<(Action, Spanned<KeyList>)>);

impl<'de> Deserialize<'de> for RawKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeysTableVisitor;
        impl<'de> Visitor<'de> for KeysTableVisitor {
            type Value = RawKeys;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of action = key names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawKeys, A::Error> {
                let mut bindings = Vec::new();
                while let Some(ActionName(action)) = map.next_key()? {
                    bindings.push((action, map.next_value::<Spanned<KeyList>>()?));
                }
                // TOML tables come back sorted by key; restore the file's order so that a
                // key bound twice is reported at its second binding.
                bindings.sort_by_key(|(_, keys)| keys.span().start);
                Ok(RawKeys(bindings))
            }
        }
        deserializer.deserialize_map(KeysTableVisitor)
    }
}
