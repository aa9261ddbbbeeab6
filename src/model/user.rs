//! Users: who they are (an email address) and what they may do (a role).

use serde::{Deserialize, Serialize};

super::status! {
    /// What a user (or an API token) may do; each role can do everything the one before can.
    Role {
        /// Sees dashboards, reports and exports; generates and downloads.
        Viewer = "viewer",
        /// Also creates, edits and deletes reports, dashboards, schedules and datasets.
        Editor = "editor",
        /// Also manages users, everyone's tokens and reads the audit log.
        Admin = "admin",
    }
}

impl Role {
    /// How much the role may do: viewer < editor < admin.
    pub fn rank(self) -> u8 {
        match self {
            Role::Viewer => 1,
            Role::Editor => 2,
            Role::Admin => 3,
        }
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self.rank() >= needed.rank()
    }
}

/// Longest email address (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;

/// A user's email address, trimmed and lowercased; parsed once at the edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Checks and normalises an address.
    pub fn parse(raw: &str) -> Result<Email, String> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err("must not be empty".into());
        }
        if s.chars().count() > MAX_EMAIL {
            return Err(format!("is longer than {MAX_EMAIL} characters"));
        }
        let shown = super::text::truncate(&s, 80);
        match s.parse::<lettre::Address>() {
            Ok(_) if !s.contains(['<', '>', ' ', ',']) => Ok(Email(s)),
            _ => Err(format!("`{shown}` is not an email address")),
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(s: String) -> Result<Email, String> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Shortest and longest password.
pub const PASSWORD_LEN: (usize, usize) = (10, 1024);

/// Checks a new password's length (the only rule: length is what makes a password strong).
pub fn check_password(p: &str) -> Result<(), String> {
    let n = p.chars().count();
    if n < PASSWORD_LEN.0 {
        return Err(format!("must be at least {} characters", PASSWORD_LEN.0));
    }
    if n > PASSWORD_LEN.1 {
        return Err(format!("must be at most {} characters", PASSWORD_LEN.1));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_hostile_ones_refused() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.org",
            "a b@x.org",
            "Ann <ann@x.org>",
            "a@x.org, b@y.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(300));
        assert!(Email::parse(&long).unwrap_err().contains("254"));
    }

    #[test]
    fn roles_rank_viewer_editor_admin() {
        assert!(Role::Admin.allows(Role::Editor));
        assert!(Role::Editor.allows(Role::Editor));
        assert!(!Role::Viewer.allows(Role::Editor));
        assert!(!Role::Editor.allows(Role::Admin));
    }

    #[test]
    fn passwords_need_ten_characters_at_least() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough pass").is_ok());
        assert!(check_password(&"x".repeat(2000)).is_err());
    }
}
