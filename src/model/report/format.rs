//! How a value is shown (`ValueFormat`) and the installation's conventions for showing it
//! (`Locale`). The formatting itself is `report::format`; this is what a definition says.

use serde::{Deserialize, Serialize};

/// How a value is shown: its kind and, optionally, decimals, currency and its placement, a
/// date pattern, a sign on positive numbers. Written as the kind's word alone (`"currency"`,
/// as before) or as an object (`{kind: "currency", currency: "EUR", decimals: 0}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "FormatShape", into = "FormatShape")]
pub struct ValueFormat {
    pub kind: FormatKind,
    /// Places after the decimal separator (0 to `MAX_DECIMALS`); by default 2 for numbers
    /// and money (0 for whole numbers), 1 for percentages.
    pub decimals: Option<u8>,
    /// The currency, an ISO 4217 code (`EUR`); by default the locale's.
    pub currency: Option<Currency>,
    /// The currency's symbol before or after the number; by default the locale's.
    pub placement: Option<Placement>,
    /// A date's pattern; by default the locale's.
    pub date: Option<DatePattern>,
    /// `+` before positive numbers (a change: `+20.0%`).
    pub signed: bool,
}

/// Most decimals a format may ask for.
pub const MAX_DECIMALS: u8 = 10;

#[allow(non_upper_case_globals)]
impl ValueFormat {
    /// A number: whole numbers without decimals, others with two.
    pub const Number: ValueFormat = ValueFormat::of(FormatKind::Number);
    /// A whole number.
    pub const Integer: ValueFormat = ValueFormat::of(FormatKind::Integer);
    /// Money in the locale's currency.
    pub const Currency: ValueFormat = ValueFormat::of(FormatKind::Currency);
    /// A fraction shown as a percentage (0.2 → 20.0%).
    pub const Percent: ValueFormat = ValueFormat::of(FormatKind::Percent);
    /// A date in the locale's pattern.
    pub const Date: ValueFormat = ValueFormat::of(FormatKind::Date);

    /// A format of `kind` with every option at its default.
    pub const fn of(kind: FormatKind) -> ValueFormat {
        ValueFormat {
            kind,
            decimals: None,
            currency: None,
            placement: None,
            date: None,
            signed: false,
        }
    }

    /// A change: a percentage with its sign (`+20.0%`).
    pub const fn change() -> ValueFormat {
        let mut f = ValueFormat::of(FormatKind::Percent);
        f.signed = true;
        f
    }

    /// Only the kind's word would say it all.
    fn is_plain(&self) -> bool {
        *self == ValueFormat::of(self.kind)
    }
}

/// What kind of value a format shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FormatKind {
    Number,
    Integer,
    Currency,
    Percent,
    Date,
}

/// A currency by its ISO 4217 code: three capital letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");
    pub const EUR: Currency = Currency(*b"EUR");
    pub const GBP: Currency = Currency(*b"GBP");

    /// `EUR`, or why it is not a currency code.
    pub fn parse(code: &str) -> Result<Currency, String> {
        match code.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => {
                Ok(Currency([*a, *b, *c]))
            }
            _ => Err(format!(
                "currency: `{}` is not an ISO 4217 code (three capital letters, e.g. EUR)",
                crate::model::text::truncate(code, 40)
            )),
        }
    }

    /// The code (`EUR`).
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// The symbol people know it by (`€`), or the code itself (`CHF`).
    pub fn symbol(&self) -> &str {
        match &self.0 {
            b"USD" | b"CAD" | b"AUD" | b"NZD" | b"MXN" => "$",
            b"EUR" => "€",
            b"GBP" => "£",
            b"JPY" | b"CNY" => "¥",
            b"INR" => "₹",
            b"KRW" => "₩",
            _ => self.code(),
        }
    }

    /// Decimals its amounts usually have.
    pub fn decimals(&self) -> u8 {
        match &self.0 {
            b"JPY" | b"KRW" => 0,
            _ => 2,
        }
    }
}

/// Where a currency's symbol goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    /// `$1,234.56`
    Before,
    /// `1.234,56 €`
    After,
}

/// How a date is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DatePattern {
    /// The locale's numeric date: `12/31/2025`, `31/12/2025`, `31.12.2025`.
    Short,
    /// The locale's date with the month's name: `Dec 31, 2025`, `31 Dec 2025`.
    Long,
    /// The month and year: `Dec 2025`.
    Month,
    /// `2025-12-31`
    Iso,
}

/// The JSON and TOML shape of a format, and so its OpenAPI schema: the kind's word or the object.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[schema(as = ValueFormat)]
enum FormatShape {
    Word(FormatKind),
    Full(FullShape),
}

impl<'de> Deserialize<'de> for FormatShape {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Shape;
        impl<'de> serde::de::Visitor<'de> for Shape {
            type Value = FormatShape;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("number, integer, currency, percent, date or {kind, decimals, currency, placement, date, signed}")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<FormatShape, E> {
                FormatKind::deserialize(serde::de::value::StrDeserializer::<E>::new(v))
                    .map(FormatShape::Word)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<FormatShape, A::Error> {
                FullShape::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(FormatShape::Full)
            }
        }
        d.deserialize_any(Shape)
    }
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = ValueFormatFull)]
struct FullShape {
    kind: FormatKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    decimals: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    placement: Option<Placement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    date: Option<DatePattern>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    signed: bool,
}

impl utoipa::PartialSchema for ValueFormat {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <FormatShape as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for ValueFormat {
    fn name() -> std::borrow::Cow<'static, str> {
        <FormatShape as utoipa::ToSchema>::name()
    }
    fn schemas(
        out: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <FormatShape as utoipa::ToSchema>::schemas(out)
    }
}

impl TryFrom<FormatShape> for ValueFormat {
    type Error = String;
    fn try_from(shape: FormatShape) -> Result<ValueFormat, String> {
        let s = match shape {
            FormatShape::Word(kind) => return Ok(ValueFormat::of(kind)),
            FormatShape::Full(s) => s,
        };
        let decimals = match s.decimals {
            Some(d) if d > MAX_DECIMALS as u32 => {
                return Err(format!("decimals: {d} is more than {MAX_DECIMALS}"))
            }
            d => d.map(|d| d as u8),
        };
        let currency = s.currency.as_deref().map(Currency::parse).transpose()?;
        if currency.is_some() && s.kind != FormatKind::Currency {
            return Err("currency: only a `currency` format has one".into());
        }
        if s.date.is_some() && s.kind != FormatKind::Date {
            return Err("date: only a `date` format has a date pattern".into());
        }
        Ok(ValueFormat {
            kind: s.kind,
            decimals,
            currency,
            placement: s.placement,
            date: s.date,
            signed: s.signed,
        })
    }
}

impl From<ValueFormat> for FormatShape {
    fn from(f: ValueFormat) -> FormatShape {
        if f.is_plain() {
            return FormatShape::Word(f.kind);
        }
        FormatShape::Full(FullShape {
            kind: f.kind,
            decimals: f.decimals.map(u32::from),
            currency: f.currency.map(|c| c.code().to_string()),
            placement: f.placement,
            date: f.date,
            signed: f.signed,
        })
    }
}

/// The conventions numbers, money and dates are shown in: `[branding] locale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    EnUs,
    EnGb,
    DeDe,
    FrFr,
}

impl Locale {
    /// Every locale, by tag.
    pub const ALL: [Locale; 4] = [Locale::EnUs, Locale::EnGb, Locale::DeDe, Locale::FrFr];

    /// `de-DE` (also `de_DE`, any case), or None when Quire does not know it.
    pub fn parse(tag: &str) -> Option<Locale> {
        let tag = tag.replace('_', "-");
        Locale::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(&tag))
    }

    /// Its BCP 47 tag (`de-DE`).
    pub fn tag(self) -> &'static str {
        match self {
            Locale::EnUs => "en-US",
            Locale::EnGb => "en-GB",
            Locale::DeDe => "de-DE",
            Locale::FrFr => "fr-FR",
        }
    }

    /// The decimal separator.
    pub fn decimal(self) -> char {
        match self {
            Locale::EnUs | Locale::EnGb => '.',
            Locale::DeDe | Locale::FrFr => ',',
        }
    }

    /// The thousands separator (French: a narrow no-break space).
    pub fn group(self) -> char {
        match self {
            Locale::EnUs | Locale::EnGb => ',',
            Locale::DeDe => '.',
            Locale::FrFr => '\u{202f}',
        }
    }

    /// The currency money is in unless a format names one.
    pub fn currency(self) -> Currency {
        match self {
            Locale::EnUs => Currency::USD,
            Locale::EnGb => Currency::GBP,
            Locale::DeDe | Locale::FrFr => Currency::EUR,
        }
    }

    /// Where the currency's symbol goes unless a format says.
    pub fn placement(self) -> Placement {
        match self {
            Locale::EnUs | Locale::EnGb => Placement::Before,
            Locale::DeDe | Locale::FrFr => Placement::After,
        }
    }

    /// A space between a number and `%` (`20,0 %`).
    pub fn percent_space(self) -> bool {
        matches!(self, Locale::DeDe | Locale::FrFr)
    }

    /// The order of a numeric date's parts and their separator.
    pub fn date_order(self) -> (DateOrder, char) {
        match self {
            Locale::EnUs => (DateOrder::Mdy, '/'),
            Locale::EnGb | Locale::FrFr => (DateOrder::Dmy, '/'),
            Locale::DeDe => (DateOrder::Dmy, '.'),
        }
    }

    /// The pattern of a date column shown without a format of its own: ISO in `en-US` (what
    /// Quire always showed), the locale's short date elsewhere.
    pub fn default_date(self) -> DatePattern {
        match self {
            Locale::EnUs => DatePattern::Iso,
            _ => DatePattern::Short,
        }
    }

    /// The Windows language id spreadsheets use to show a currency symbol (`[$€-407]`).
    pub fn lcid(self) -> &'static str {
        match self {
            Locale::EnUs => "409",
            Locale::EnGb => "809",
            Locale::DeDe => "407",
            Locale::FrFr => "40C",
        }
    }

    /// Short month names, January first.
    pub fn months(self) -> [&'static str; 12] {
        match self {
            Locale::EnUs | Locale::EnGb => [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ],
            Locale::DeDe => [
                "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.",
                "Nov.", "Dez.",
            ],
            Locale::FrFr => [
                "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
                "nov.", "déc.",
            ],
        }
    }
}

/// The order of day, month and year in a numeric date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    Mdy,
    Dmy,
}

impl Serialize for Locale {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.tag())
    }
}

impl<'de> Deserialize<'de> for Locale {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let tag = String::deserialize(d)?;
        Locale::parse(&tag).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{}` is not a locale Quire knows ({})",
                crate::model::text::truncate(&tag, 40),
                Locale::ALL.map(|l| l.tag()).join(", ")
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_word_still_parses_and_is_written_back_as_a_word() {
        let f: ValueFormat = serde_json::from_value(json!("currency")).unwrap();
        assert_eq!(f, ValueFormat::Currency);
        assert_eq!(serde_json::to_value(f).unwrap(), json!("currency"));
        let f: ValueFormat = serde_json::from_value(
            json!({"kind": "currency", "currency": "EUR", "decimals": 0, "placement": "after"}),
        )
        .unwrap();
        assert_eq!(f.currency, Some(Currency::EUR));
        assert_eq!(
            serde_json::to_value(f).unwrap(),
            json!({"kind": "currency", "currency": "EUR", "decimals": 0, "placement": "after"})
        );
    }

    #[test]
    fn hostile_formats_are_refused_naming_the_option() {
        let e = |v| {
            serde_json::from_value::<ValueFormat>(v)
                .unwrap_err()
                .to_string()
        };
        assert!(e(json!({"kind": "currency", "decimals": 99})).contains("decimals: 99"));
        assert!(e(json!({"kind": "percent", "currency": "EUR"})).contains("currency"));
        assert!(e(json!({"kind": "currency", "currency": "euro"})).contains("ISO 4217"));
        assert!(!e(json!("fancy")).is_empty());
    }

    #[test]
    fn locales_parse_by_tag() {
        assert_eq!(Locale::parse("de-DE"), Some(Locale::DeDe));
        assert_eq!(Locale::parse("fr_fr"), Some(Locale::FrFr));
        assert_eq!(Locale::parse("xx-YY"), None);
    }
}
