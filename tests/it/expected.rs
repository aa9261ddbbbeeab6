//! The demo report's figures computed independently from examples/sales.csv, in integer cents.

use chrono::NaiveDate;
use std::collections::HashSet;

/// One row of the example CSV.
#[derive(Debug, Clone)]
pub struct Order {
    pub id: i64,
    pub date: NaiveDate,
    pub region: String,
    pub product: String,
    pub customer: i64,
    pub units: i64,
    pub revenue_cents: i64,
}

/// Parses examples/sales.csv with no help from Quire.
pub fn orders() -> Vec<Order> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sales.csv"))
        .unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let (whole, cents) = f[8].split_once('.').unwrap();
            Order {
                id: f[0].parse().unwrap(),
                date: NaiveDate::parse_from_str(f[1], "%Y-%m-%d").unwrap(),
                region: f[2].to_string(),
                product: f[4].to_string(),
                customer: f[5].parse().unwrap(),
                units: f[6].parse().unwrap(),
                revenue_cents: whole.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap(),
            }
        })
        .collect()
}

/// The KPI texts as a person would expect them.
#[derive(Debug)]
pub struct Kpis {
    pub revenue: String,
    pub revenue_change: String,
    pub orders: String,
    pub orders_change: String,
    pub aov: String,
    pub aov_change: String,
    pub customers: String,
    pub customers_change: String,
    /// The current window's orders, newest first (date, then id, descending).
    pub window: Vec<Order>,
    /// The window's first and last days, and the previous window's, as `6 Oct 2025`.
    pub period: [String; 4],
}

struct Period {
    cents: i64,
    orders: i64,
    aov_cents: i64,
    customers: i64,
}

fn period(rows: &[&Order]) -> Period {
    let cents: i64 = rows.iter().map(|o| o.revenue_cents).sum();
    let orders = rows.len() as i64;
    // Half-up rounding to cents of cents / orders.
    let aov_cents = if orders == 0 {
        0
    } else {
        (2 * cents + orders) / (2 * orders)
    };
    let customers = rows
        .iter()
        .map(|o| o.customer)
        .collect::<HashSet<_>>()
        .len() as i64;
    Period {
        cents,
        orders,
        aov_cents,
        customers,
    }
}

pub fn group(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `$1,234.56` from cents.
pub fn money(cents: i64) -> String {
    format!("${}.{:02}", group(cents / 100), cents % 100)
}

fn change(c: i64, p: i64) -> String {
    format!("{:+.1}%", (c - p) as f64 / p as f64 * 100.0)
}

/// The KPIs for windows of `days` days ending at the last date in the data.
pub fn kpis(days: i64) -> Kpis {
    let all = orders();
    let dmax = all.iter().map(|o| o.date).max().unwrap();
    let c0 = dmax - chrono::Duration::days(days - 1);
    let p0 = dmax - chrono::Duration::days(2 * days - 1);
    let cur: Vec<&Order> = all.iter().filter(|o| o.date >= c0).collect();
    let prev: Vec<&Order> = all.iter().filter(|o| o.date >= p0 && o.date < c0).collect();
    let (c, p) = (period(&cur), period(&prev));
    let mut window: Vec<Order> = cur.into_iter().cloned().collect();
    // The demo's table starts with the newest orders.
    window.sort_by_key(|o| std::cmp::Reverse((o.date, o.id)));
    Kpis {
        revenue: money(c.cents),
        revenue_change: change(c.cents, p.cents),
        orders: group(c.orders),
        orders_change: change(c.orders, p.orders),
        aov: money(c.aov_cents),
        aov_change: change(c.aov_cents, p.aov_cents),
        customers: group(c.customers),
        customers_change: change(c.customers, p.customers),
        window,
        period: [c0, dmax, p0, c0 - chrono::Duration::days(1)]
            .map(|d| d.format("%-d %b %Y").to_string()),
    }
}
