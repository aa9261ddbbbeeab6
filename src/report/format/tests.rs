use super::*;
use crate::model::report::{Currency, DatePattern};

fn de<T>(f: impl FnOnce() -> T) -> T {
    in_locale(Locale::DeDe, f)
}

#[test]
fn money_and_counts() {
    assert_eq!(
        value(15202253.49, Some(ValueFormat::Currency)),
        "$15,202,253.49"
    );
    assert_eq!(value(-1952.3, Some(ValueFormat::Currency)), "-$1,952.30");
    assert_eq!(value(15967.0, Some(ValueFormat::Integer)), "15,967");
    assert_eq!(value(999.999, Some(ValueFormat::Currency)), "$1,000.00");
    assert_eq!(value(0.0, None), "0");
    assert_eq!(value(-0.001, Some(ValueFormat::Currency)), "$0.00");
}

#[test]
fn change_is_signed_with_one_decimal() {
    assert_eq!(change(15202253.49, 13170692.56), "+15.4%");
    assert_eq!(change(952.10, 964.25), "-1.3%");
    assert_eq!(change(1.0, 0.0), "n/a");
    assert_eq!(value(0.2, Some(ValueFormat::change())), "+20.0%");
    assert_eq!(value(0.2, Some(ValueFormat::Percent)), "20.0%");
}

#[test]
fn compact_axis_labels() {
    assert_eq!(compact(1_200_000.0, Some(ValueFormat::Currency)), "$1.2M");
    assert_eq!(compact(350_000.0, None), "350k");
    assert_eq!(compact(0.0, None), "0");
}

#[test]
fn german_money_percent_and_dates() {
    de(|| {
        assert_eq!(
            value(1234.56, Some(ValueFormat::Currency)),
            "1.234,56\u{a0}€"
        );
        assert_eq!(
            value(-1234.56, Some(ValueFormat::Currency)),
            "-1.234,56\u{a0}€"
        );
        assert_eq!(value(0.2, Some(ValueFormat::change())), "+20,0\u{a0}%");
        assert_eq!(text("2025-12-31", None), "31.12.2025");
        assert_eq!(
            compact(1_200_000.0, Some(ValueFormat::Currency)),
            "1,2M\u{a0}€"
        );
    });
    assert_eq!(locale(), Locale::EnUs, "the locale is put back");
}

#[test]
fn a_format_names_its_currency_decimals_and_placement() {
    let mut f = ValueFormat::Currency;
    f.currency = Some(Currency::parse("CHF").unwrap());
    assert_eq!(value(1234.5, Some(f)), "CHF\u{a0}1,234.50");
    f.currency = Some(Currency::EUR);
    f.decimals = Some(0);
    f.placement = Some(crate::model::report::Placement::After);
    assert_eq!(value(1234.5, Some(f)), "1,235\u{a0}€");
    let mut d = ValueFormat::Number;
    d.decimals = Some(3);
    assert_eq!(value(2.0, Some(d)), "2.000");
}

#[test]
fn dates_in_each_pattern() {
    let mut f = ValueFormat::Date;
    assert_eq!(text("2025-12-31", Some(f)), "12/31/2025");
    assert_eq!(
        text("2025-12-31", None),
        "2025-12-31",
        "en-US keeps ISO by default"
    );
    f.date = Some(DatePattern::Long);
    assert_eq!(text("2025-12-31", Some(f)), "Dec 31, 2025");
    in_locale(Locale::EnGb, || {
        assert_eq!(text("2025-12-31", Some(f)), "31 Dec 2025")
    });
    de(|| assert_eq!(text("2025-12-31", Some(f)), "31. Dez. 2025"));
    assert_eq!(text("not a date", Some(f)), "not a date");
    assert_eq!(
        de(|| text("2025-12-31 10:00:00", None)),
        "31.12.2025 10:00:00"
    );
}
