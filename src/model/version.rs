//! Versions of the objects people edit (a report, a dashboard, a schedule) and the trash that
//! keeps a deleted report or dashboard for [`TRASH_DAYS`].

super::status! {
    /// What kind of object a version or a trashed object is.
    Kept {
        Report = "report",
        Dashboard = "dashboard",
        Schedule = "schedule",
    }
}

/// Days a deleted report or dashboard stays restorable.
pub const TRASH_DAYS: i64 = 30;
/// Longest version note or name.
pub const MAX_NOTE_CHARS: usize = 200;

/// One saved version of an object (without its definition).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    /// 1 for the first save, then one more for each save that changed something.
    pub version: i64,
    /// When it was saved (RFC 3339 UTC).
    pub at: String,
    /// Who saved it (an email), `reports.toml` for a version written from config, or none when
    /// it predates the history.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// What the person saving it said, or what made it ("Restored from version 2").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A name given to it afterwards ("Before the Q3 redesign").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A deleted report or dashboard.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Trashed {
    pub kind: Kept,
    pub id: String,
    pub name: String,
    pub deleted_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_by: Option<String>,
    /// When it is removed for good.
    pub purge_at: String,
}

/// A note or name as kept: trimmed, none when blank; too long is an error naming the limit.
pub fn note_of(text: Option<&str>) -> Result<Option<String>, String> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.chars().count() > MAX_NOTE_CHARS {
        return Err(format!("longer than {MAX_NOTE_CHARS} characters"));
    }
    if t.chars().any(char::is_control) {
        return Err("holds a control character".into());
    }
    Ok(Some(t.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_trimmed_bounded_and_printable() {
        assert_eq!(note_of(Some("  fix  ")).unwrap().as_deref(), Some("fix"));
        assert_eq!(note_of(Some("   ")).unwrap(), None);
        assert_eq!(note_of(None).unwrap(), None);
        assert!(note_of(Some(&"x".repeat(201))).is_err());
        assert!(note_of(Some("a\u{0}b")).is_err());
        assert_eq!(Kept::parse("dashboard"), Some(Kept::Dashboard));
        assert_eq!(Kept::parse("alert"), None);
    }
}
