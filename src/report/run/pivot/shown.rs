//! A pivot table as a page shows it: a group's subtotal row carries its label and the button
//! that folds the group's rows under it (`static/pivot.js`); a row inside a group leaves its
//! outer labels to the group's row above it.

use super::PivotOut;

/// A row of a pivot on a page.
pub struct ShownRow {
    /// `cell`, `subtotal` or `total`.
    pub kind: &'static str,
    /// The group this row heads (`g<row>`), if it is a group's subtotal row.
    pub group: Option<String>,
    /// The groups it is inside, outermost first, space-separated (`g0 g3`).
    pub inside: String,
    /// Its label columns: the text, and whether it carries the group's fold button.
    pub labels: Vec<(String, bool)>,
    /// Its numbers as shown, whether each is a total column's, and whether it starts a
    /// column group (a line on its left).
    pub cells: Vec<(String, bool, bool)>,
}

impl PivotOut {
    /// Whether column `j` starts a column group's values (a line on its left).
    pub fn edge(&self, j: usize) -> bool {
        self.values.len() > 1 && self.columns[j].value == 0
    }

    /// Whether it has groups of rows to fold: a subtotal row of a group.
    pub fn folds(&self) -> bool {
        self.rows
            .iter()
            .any(|r| !r.members.is_empty() && r.members.len() < self.row_fields.len())
    }

    /// Its rows as a page shows them.
    pub fn shown_rows(&self) -> Vec<ShownRow> {
        let labels = self.row_fields.len().max(1);
        let folds = self.folds();
        let mut open: Vec<(usize, String)> = Vec::new();
        let mut out = Vec::with_capacity(self.rows.len());
        for (i, row) in self.rows.iter().enumerate() {
            let level = row.members.len();
            while open.last().is_some_and(|(l, _)| *l >= level) {
                open.pop();
            }
            let detail = self.is_detail(i);
            let heads = !detail && level > 0;
            let kind = match (detail, level) {
                (true, _) => "cell",
                (false, 0) => "total",
                (false, _) => "subtotal",
            };
            let inside = open
                .iter()
                .map(|(_, g)| g.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let label_of = |k: usize| -> (String, bool) {
                match (kind, level) {
                    ("total", _) if k == 0 => ("Total".into(), false),
                    ("total", _) => (String::new(), false),
                    // Inside folded groups a row shows its innermost label only.
                    (_, l) if folds && k + 1 != l => (String::new(), false),
                    _ => (self.row_label(i, k), heads && k + 1 == level),
                }
            };
            let cells = (0..self.columns.len())
                .map(|j| (self.cell_text(i, j), !self.is_leaf(j), self.edge(j)))
                .collect();
            let group = heads.then(|| format!("g{i}"));
            out.push(ShownRow {
                kind,
                group: group.clone(),
                inside,
                labels: (0..labels).map(label_of).collect(),
                cells,
            });
            if let Some(g) = group {
                open.push((level, g));
            }
        }
        out
    }

    /// "First 200 of 1,204 rows" when the report's row limit cut it short.
    pub fn cut_note(&self) -> Option<String> {
        let n = |x: u64| crate::report::format::thousands(x as f64, 0);
        (self.shown_groups < self.groups).then(|| {
            format!(
                "First {} of {} row groups (the report's row limit)",
                n(self.shown_groups),
                n(self.groups)
            )
        })
    }
}
