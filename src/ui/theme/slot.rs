//! One slot of a theme file as written: a colour (`"green"`) or a table of colours and
//! modifiers (`{ fg = "white", bg = "red", bold = true }`).

use std::fmt;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, Visitor};

/// One slot as written: a colour (`"green"`) or a table of colours and modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SlotStyle(pub Style);

/// The table form of a slot.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotTable {
    fg: Option<Colour>,
    bg: Option<Colour>,
    bold: Option<bool>,
    reversed: Option<bool>,
    italic: Option<bool>,
    underlined: Option<bool>,
    dim: Option<bool>,
}

impl SlotTable {
    fn style(&self) -> Style {
        let mut style = Style::new();
        style.fg = self.fg.map(|c| c.0);
        style.bg = self.bg.map(|c| c.0);
        let modifiers = [
            (self.bold, Modifier::BOLD),
            (self.reversed, Modifier::REVERSED),
            (self.italic, Modifier::ITALIC),
            (self.underlined, Modifier::UNDERLINED),
            (self.dim, Modifier::DIM),
        ];
        for (set, modifier) in modifiers {
            style = match set {
                Some(true) => style.add_modifier(modifier),
                Some(false) => style.remove_modifier(modifier),
                None => style,
            };
        }
        style
    }
}

impl<'de> Deserialize<'de> for SlotStyle {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SlotVisitor;
        impl<'de> Visitor<'de> for SlotVisitor {
            type Value = SlotStyle;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a colour or a table like { fg = \"green\", bold = true }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SlotStyle, E> {
                Ok(SlotStyle(
                    Style::new().fg(parse_colour(v).map_err(E::custom)?),
                ))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SlotStyle, A::Error> {
                let table = SlotTable::deserialize(MapAccessDeserializer::new(map))?;
                Ok(SlotStyle(table.style()))
            }
        }
        deserializer.deserialize_any(SlotVisitor)
    }
}

/// A colour as written in a theme file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Colour(Color);

impl<'de> Deserialize<'de> for Colour {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ColourVisitor;
        impl Visitor<'_> for ColourVisitor {
            type Value = Colour;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a colour like \"green\" or \"#3fb950\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Colour, E> {
                parse_colour(v).map(Colour).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(ColourVisitor)
    }
}

/// A colour name (`green`, `light-red`, `dark-gray`, `reset`), `#rrggbb`, `indexed(N)` or
/// a bare 256-colour index.
pub(super) fn parse_colour(text: &str) -> Result<Color, String> {
    let indexed = text
        .trim()
        .strip_prefix("indexed(")
        .and_then(|rest| rest.strip_suffix(')'))
        .map(|n| n.trim().parse::<u8>());
    match indexed {
        Some(Ok(n)) => Ok(Color::Indexed(n)),
        Some(Err(_)) => Err(unknown_colour(text)),
        None => text
            .trim()
            .parse::<Color>()
            .map_err(|_| unknown_colour(text)),
    }
}

fn unknown_colour(text: &str) -> String {
    format!("unknown colour `{text}` (examples: green, light-red, #3fb950, indexed(244))")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours() {
        assert_eq!(parse_colour("green"), Ok(Color::Green));
        assert_eq!(parse_colour("light-red"), Ok(Color::LightRed));
        assert_eq!(parse_colour("#3fb950"), Ok(Color::Rgb(0x3f, 0xb9, 0x50)));
        assert_eq!(parse_colour("indexed(244)"), Ok(Color::Indexed(244)));
        assert_eq!(parse_colour("244"), Ok(Color::Indexed(244)));
        assert!(parse_colour("indexed(300)").is_err());
        assert!(parse_colour("grean").is_err());
    }

    #[derive(Deserialize)]
    struct One {
        slot: SlotStyle,
    }

    fn slot(text: &str) -> Style {
        match toml::from_str::<One>(text) {
            Ok(one) => one.slot.0,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    #[test]
    fn a_string_is_a_foreground_colour() {
        assert_eq!(slot("slot = \"cyan\""), Style::new().fg(Color::Cyan));
    }

    #[test]
    fn tables_set_colours_and_modifiers() {
        let expected = Style::new()
            .fg(Color::Green)
            .bg(Color::Black)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED)
            .remove_modifier(Modifier::DIM);
        assert_eq!(
            slot(
                "slot = { fg = \"green\", bg = \"black\", bold = true, reversed = true, dim = false }"
            ),
            expected
        );
    }
}
