//! The ids that cross layers, each a type of its own so a dashboard's id cannot be passed
//! where a report's is expected. An id is opaque text (a UUID for the ones Quire makes; a
//! report may also be found by name): it is checked by finding it, not by its shape.

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as stored.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id stored as `s` (any text: an id is checked by finding it).
            pub fn parse(s: &str) -> Option<$name> {
                Some($name(s.to_string()))
            }

            /// A new random id (a UUID v4).
            pub fn random() -> $name {
                $name(uuid::Uuid::new_v4().to_string())
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> $name {
                $name(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> $name {
                $name(s.to_string())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

id!(
    /// A report's id.
    ReportId
);
id!(
    /// A dashboard's id.
    DashboardId
);
id!(
    /// A widget's id, unique within its dashboard.
    WidgetId
);
id!(
    /// A schedule's id.
    ScheduleId
);
id!(
    /// An export's id: its record's and its file's name.
    ExportId
);
id!(
    /// A generation job's id.
    JobId
);
id!(
    /// A generated result's id.
    ResultId
);
id!(
    /// A user's id.
    UserId
);
id!(
    /// A group's id.
    GroupId
);
id!(
    /// A row policy's id.
    RowPolicyId
);
id!(
    /// A collection's id.
    CollectionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_their_text_in_json_and_random_ones_differ() {
        let id = ReportId::from("r-1");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"r-1\"");
        assert_eq!(
            serde_json::from_str::<ReportId>("\"r-1\"").unwrap(),
            id,
            "read back"
        );
        assert_eq!(id.as_str(), "r-1");
        assert_ne!(ExportId::random(), ExportId::random());
        assert_eq!(ExportId::random().len(), 36);
    }
}
