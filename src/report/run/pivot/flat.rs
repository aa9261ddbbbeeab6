//! A pivot table as a plain table (one header row): how a PDF lays it out and cuts it into
//! pages, its header and every row's labels repeated on each page.

use super::super::output::TableOut;
use super::PivotOut;
use std::sync::Arc;

impl PivotOut {
    /// Each column's header in one line: its members, "Total" for a subtotal, its value's
    /// label when there are several (`2025 · Q1 · Revenue`, `2025 total · Revenue`).
    pub fn flat_headers(&self) -> Vec<String> {
        let mut out: Vec<String> = match self.row_fields.is_empty() {
            true => vec![String::new()],
            false => self.row_fields.clone(),
        };
        let nr = self.row_fields.len();
        for c in &self.columns {
            let mut parts: Vec<String> = c
                .members
                .iter()
                .enumerate()
                .map(|(k, m)| self.member_text(nr + k, m))
                .collect();
            if c.members.len() < self.column_fields.len() {
                match parts.last_mut() {
                    Some(last) => last.push_str(" total"),
                    None => parts.push("Total".into()),
                }
            }
            if self.values.len() > 1 || self.column_fields.is_empty() {
                parts.push(self.values[c.value].clone());
            }
            out.push(parts.join(" · "));
        }
        out
    }

    /// The pivot as a table of texts: every row with all of its labels.
    pub fn as_table(&self) -> TableOut {
        let labels = self.row_fields.len().max(1);
        let rows: Vec<Vec<String>> = (0..self.rows.len())
            .map(|i| {
                (0..labels)
                    .map(|k| self.row_label(i, k))
                    .chain((0..self.columns.len()).map(|j| self.cell_text(i, j)))
                    .collect()
            })
            .collect();
        let numeric = (0..labels)
            .map(|_| false)
            .chain(self.columns.iter().map(|_| true))
            .collect();
        TableOut {
            id: self.id.clone(),
            title: self.title.clone(),
            headers: self.flat_headers(),
            numeric,
            total_rows: rows.len() as u64,
            available_rows: rows.len() as u64,
            rows,
            page: 1,
            page_count: 1,
            result: Arc::new(Default::default()),
            formats: Vec::new(),
            sortable: false,
            sort: None,
        }
    }
}
