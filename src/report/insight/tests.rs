use super::series::*;
use chrono::NaiveDate;

/// A repeatable noise: a linear congruential generator's numbers turned normal (Box–Muller).
struct Noise(u64);

impl Noise {
    fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// `n` days of sales: a rising trend, a weekly pattern (quiet weekends), noise.
fn daily(n: usize, seed: u64) -> Vec<f64> {
    let week = [1.0, 1.1, 1.15, 1.2, 1.3, 0.6, 0.5];
    let mut noise = Noise(seed);
    (0..n)
        .map(|t| (200.0 + 0.8 * t as f64) * week[t % 7] + 6.0 * noise.normal())
        .collect()
}

fn days(n: usize) -> Vec<NaiveDate> {
    let start = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
    (0..n as i64)
        .map(|i| start + chrono::Duration::days(i))
        .collect()
}

#[test]
fn the_season_follows_the_spacing_of_the_dates() {
    assert_eq!(season_for(&days(30)), Some(7));
    assert_eq!(season_for(&days(10)), None, "not two weeks and a day");
    let months: Vec<NaiveDate> = (0..30)
        .map(|i| NaiveDate::from_ymd_opt(2023 + i / 12, (i % 12 + 1) as u32, 1).unwrap())
        .collect();
    assert_eq!(season_for(&months), Some(12));
    assert_eq!(season_for(&months[..20]), None);
}

#[test]
fn injected_spikes_are_found_and_nothing_else() {
    let (mut found, mut right, mut injected) = (0usize, 0usize, 0usize);
    for seed in 1..=5u64 {
        let mut y = daily(140, seed);
        let spikes: Vec<usize> = (0..4).map(|k| 20 + k * 29 + seed as usize).collect();
        for (k, &at) in spikes.iter().enumerate() {
            // Up and down, 25 % to 40 % of the level.
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            y[at] += sign * y[at] * (0.25 + 0.05 * k as f64);
        }
        let marked = anomalies(&y, season_for(&days(y.len()))).unwrap();
        found += marked.len();
        right += marked.iter().filter(|a| spikes.contains(&a.at)).count();
        injected += spikes.len();
        for a in &marked {
            assert!(a.value < a.low || a.value > a.high, "{a:?}");
        }
    }
    let precision = right as f64 / found.max(1) as f64;
    let recall = right as f64 / injected as f64;
    eprintln!("anomalies: precision {precision:.2}, recall {recall:.2} ({right} of {injected} spikes, {found} marked)");
    assert!(recall >= 0.9, "recall {recall}");
    assert!(precision >= 0.9, "precision {precision}");
}

#[test]
fn a_forecast_beats_the_seasonal_naive_one_on_a_held_out_tail() {
    let mut ratios = Vec::new();
    for seed in 1..=5u64 {
        let y = daily(126, seed);
        let (train, tail) = y.split_at(112);
        let f = forecast(train, season_for(&days(train.len())), tail.len()).unwrap();
        let mae = |p: &[f64]| {
            p.iter().zip(tail).map(|(a, b)| (a - b).abs()).sum::<f64>() / tail.len() as f64
        };
        // The seasonal naive forecast: each day as the same weekday last week.
        let naive: Vec<f64> = (0..tail.len())
            .map(|h| train[train.len() - 7 + h % 7])
            .collect();
        ratios.push(mae(&f.point) / mae(&naive));
        for i in 0..tail.len() {
            assert!(f.low95[i] <= f.low80[i] && f.low80[i] <= f.point[i]);
            assert!(f.point[i] <= f.high80[i] && f.high80[i] <= f.high95[i]);
        }
    }
    let mase = ratios.iter().sum::<f64>() / ratios.len() as f64;
    eprintln!("forecast: MAE / seasonal-naive MAE over a 14-day tail = {mase:.2} ({ratios:.2?})");
    assert!(mase < 1.0, "{ratios:?}");
}

#[test]
fn too_few_or_broken_values_are_refused_with_words() {
    assert!(forecast(&[1.0, 2.0], None, 3)
        .unwrap_err()
        .contains("at least 8"));
    let mut y = daily(20, 1);
    y[3] = f64::NAN;
    assert!(anomalies(&y, None).is_err());
    // A flat series has nothing unexpected in it.
    assert_eq!(anomalies(&[5.0; 20], None).unwrap(), Vec::new());
}

mod told {
    use super::super::narrative::*;

    fn weeks(values: &[f64]) -> Series {
        let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
        Series {
            metric: "Revenue".into(),
            dates: (0..values.len())
                .map(|i| start + chrono::Duration::days(7 * i as i64))
                .collect(),
            values: values.to_vec(),
            format: None,
        }
    }

    #[test]
    fn the_change_its_drivers_a_trend_and_a_record_are_said_in_that_order() {
        let s = weeks(&[
            100.0, 101.0, 99.0, 100.0, 102.0, 101.0, 103.0, 104.0, 106.0, 80.0,
        ]);
        let by_region = Breakdown {
            field: "Region".into(),
            members: vec![
                ("East".into(), 40.0, 42.0),
                ("West".into(), 20.0, 44.0),
                ("North".into(), 20.0, 20.0),
            ],
            inner: Some(Box::new(Breakdown {
                field: "Product".into(),
                members: vec![("P1".into(), 10.0, 30.0), ("P2".into(), 10.0, 14.0)],
                inner: None,
            })),
        };
        let items = items(&s, &[by_region]);
        let kinds: Vec<&str> = items.iter().map(|i| i.kind).collect();
        assert_eq!(&kinds[..2], ["change", "driver"]);
        assert!(
            items[0]
                .text
                .starts_with("Revenue −25 % vs the previous week (80 against 106)"),
            "{}",
            items[0].text
        );
        assert!(
            items[0].text.contains("outside the usual range"),
            "{}",
            items[0].text
        );
        assert_eq!(items[1].member.as_deref(), Some("West"));
        assert!((items[1].share.unwrap() - 24.0 / 26.0).abs() < 1e-9);
        assert_eq!(
            items[1].text,
            "92 % of the drop came from West (region), mostly P1"
        );
        assert!(kinds.contains(&"record") && kinds.contains(&"forecast"));
        let told = narrative(&items);
        assert!(
            told.starts_with("Revenue −25 %") && told.contains("West (region)"),
            "{told}"
        );
        assert!(told.contains("The lowest week of the 10 shown"), "{told}");
    }

    #[test]
    fn three_rises_in_a_row_are_a_trend_and_two_points_say_only_the_change() {
        let s = weeks(&[10.0, 9.0, 11.0, 12.0, 13.0, 14.0]);
        let items = items(&s, &[]);
        let trend = items.iter().find(|i| i.kind == "trend").unwrap();
        assert_eq!(trend.text, "Revenue has risen 4 weeks in a row");
        let short = items_of_two();
        assert_eq!(short.len(), 1);
        assert_eq!(short[0].kind, "change");
    }

    fn items_of_two() -> Vec<Item> {
        items(&weeks(&[10.0, 12.0]), &[])
    }
}
