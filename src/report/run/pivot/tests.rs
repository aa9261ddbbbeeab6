use super::levels::added_up;
use super::*;
use crate::model::report::QuerySource;

fn t(s: &str) -> Cell {
    Cell::Text(s.into())
}

/// Sales by region, channel and year: North has two channels, South one; a year without
/// South's sales.
fn sales() -> Arc<ResultSet> {
    let row = |r: &str, c: &str, y: i64, v: f64, n: i64| {
        vec![t(r), t(c), Cell::Int(y), Cell::Real(v), Cell::Int(n)]
    };
    Arc::new(ResultSet {
        columns: ["region", "channel", "year", "revenue", "orders"]
            .map(String::from)
            .to_vec(),
        rows: vec![
            row("North", "Web", 2024, 10.0, 1),
            row("North", "Web", 2025, 20.0, 2),
            row("North", "Shop", 2024, 5.5, 3),
            row("South", "Web", 2025, 100.0, 4),
        ],
    })
}

fn viz(options: serde_json::Value) -> Visualization {
    serde_json::from_value(serde_json::json!({
        "id": "p", "type": "pivot", "title": "Pivot",
        "dataMapping": { "rows": ["region", "channel"], "columns": ["year"],
                         "values": ["revenue", "orders"] },
        "options": options,
    }))
    .unwrap()
}

fn built(v: &Visualization) -> PivotOut {
    let rs = sales();
    let levels = added_up(v, &rs).unwrap();
    grid::lay_out(QuerySource::Sql("SELECT"), v, &rs, &levels, 100).unwrap()
}

fn labels(p: &PivotOut) -> Vec<String> {
    (0..p.rows.len())
        .map(|i| format!("{}/{}", p.row_label(i, 0), p.row_label(i, 1)))
        .collect()
}

#[test]
fn groups_come_with_their_subtotal_above_and_the_grand_total_last() {
    let p = built(&viz(serde_json::json!({})));
    assert_eq!(
        labels(&p),
        [
            "North/Total",
            "North/Shop",
            "North/Web",
            "South/Total",
            "South/Web",
            "Total/"
        ]
    );
    // 2024, 2025 and the total, each with both values.
    let years: Vec<String> = p
        .columns
        .iter()
        .map(|c| format!("{:?}:{}", c.members, c.value))
        .collect();
    assert_eq!(
        years,
        [
            "[Int(2024)]:0",
            "[Int(2024)]:1",
            "[Int(2025)]:0",
            "[Int(2025)]:1",
            "[]:0",
            "[]:1"
        ]
    );
    let row = |i: usize| p.rows[i].cells.clone();
    assert_eq!(
        row(0),
        [
            Some(15.5),
            Some(4.0),
            Some(20.0),
            Some(2.0),
            Some(35.5),
            Some(6.0)
        ]
    );
    // South sold nothing in 2024: empty, not zero.
    assert_eq!(row(4)[0], None);
    assert_eq!(
        row(5),
        [
            Some(15.5),
            Some(4.0),
            Some(120.0),
            Some(6.0),
            Some(135.5),
            Some(10.0)
        ]
    );
    assert_eq!(p.cell_text(1, 0), "5.50");
    assert_eq!(p.cell_text(1, 1), "3", "a count stays whole");
    assert!(p.is_detail(1) && !p.is_detail(0) && !p.is_leaf(4));
}

#[test]
fn header_rows_span_each_group_and_name_the_fields() {
    let p = built(&viz(serde_json::json!({})));
    let rows = p.header_rows();
    let shown = |r: &Vec<HeaderCell>| {
        r.iter()
            .map(|h| format!("{}x{}", h.text, h.span))
            .collect::<Vec<_>>()
    };
    assert_eq!(shown(&rows[0]), ["Yearx2", "2024x2", "2025x2", "Totalx2"]);
    assert_eq!(
        shown(&rows[1]),
        [
            "Regionx1",
            "Channelx1",
            "Revenuex1",
            "Ordersx1",
            "Revenuex1",
            "Ordersx1",
            "Revenuex1",
            "Ordersx1"
        ]
    );
    assert_eq!(
        p.flat_headers(),
        [
            "Region",
            "Channel",
            "2024 · Revenue",
            "2024 · Orders",
            "2025 · Revenue",
            "2025 · Orders",
            "Total · Revenue",
            "Total · Orders"
        ]
    );
}

#[test]
fn without_subtotals_or_totals_only_the_cells_are_laid_out() {
    let p = built(&viz(
        serde_json::json!({ "subtotals": false, "grandTotals": false }),
    ));
    assert_eq!(labels(&p), ["North/Shop", "North/Web", "South/Web"]);
    assert_eq!(p.columns.len(), 4);
    assert!(!p.folds());
}

#[test]
fn groups_sort_by_a_values_total_at_every_level() {
    let p = built(&viz(
        serde_json::json!({ "sort": { "by": "revenue", "desc": true } }),
    ));
    assert_eq!(
        labels(&p),
        [
            "South/Total",
            "South/Web",
            "North/Total",
            "North/Web",
            "North/Shop",
            "Total/"
        ]
    );
    let asc = built(&viz(serde_json::json!({ "sort": { "by": "orders" } })));
    assert_eq!(
        labels(&asc)[..5],
        [
            "South/Total",
            "South/Web",
            "North/Total",
            "North/Shop",
            "North/Web"
        ],
        "ties (North's channels have 3 orders each) go by label"
    );
}

#[test]
fn the_row_limit_cuts_row_groups_and_says_so() {
    let v = viz(serde_json::json!({}));
    let rs = sales();
    let levels = added_up(&v, &rs).unwrap();
    let p = grid::lay_out(QuerySource::Sql("SELECT"), &v, &rs, &levels, 2).unwrap();
    assert_eq!((p.groups, p.shown_groups), (3, 2));
    assert_eq!(
        labels(&p),
        ["North/Total", "North/Shop", "North/Web", "Total/"]
    );
    assert!(p.cut_note().unwrap().contains("First 2 of 3"));
}

#[test]
fn a_page_row_knows_its_group_and_the_groups_it_is_inside() {
    let p = built(&viz(serde_json::json!({})));
    let rows = p.shown_rows();
    assert_eq!(rows[0].group.as_deref(), Some("g0"));
    assert_eq!(rows[0].labels[0], ("North".to_string(), true));
    assert_eq!(rows[1].inside, "g0");
    assert_eq!(
        rows[1].labels,
        [(String::new(), false), ("Shop".to_string(), false)]
    );
    assert_eq!(rows[4].inside, "g3");
    assert_eq!((rows[5].kind, rows[5].inside.as_str()), ("total", ""));
}
