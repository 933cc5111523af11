//! Amounts of money as every output shows them.

use rust_decimal::Decimal;

use super::inert_line;

/// An amount with thousands separators and cents: "$12,345.67" (or "12,345.67 EUR"),
/// rounded by the one rule of [`crate::domain::money`].
pub fn money(amount: Decimal, unit: &str) -> String {
    let rounded = crate::domain::money::cents(amount);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.2}", rounded.abs());
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if negative { "-" } else { "" };
    match unit {
        "USD" | "" => format!("{sign}${grouped}.{cents}"),
        other => format!("{sign}{grouped}.{cents} {}", inert_line(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money_is_grouped_and_rounded() {
        assert_eq!(
            money(Decimal::from_str("12345.678").unwrap(), "USD"),
            "$12,345.68"
        );
        assert_eq!(money(Decimal::from_str("0.004").unwrap(), "USD"), "$0.00");
        // Half away from zero, never to even, never truncated.
        assert_eq!(money(Decimal::from_str("0.125").unwrap(), "USD"), "$0.13");
        assert_eq!(
            money(Decimal::from_str("4854.1998").unwrap(), "USD"),
            "$4,854.20"
        );
        assert_eq!(
            money(Decimal::from_str("-1234").unwrap(), "USD"),
            "-$1,234.00"
        );
        assert_eq!(
            money(Decimal::from_str("999").unwrap(), "EUR"),
            "999.00 EUR"
        );
    }
}
