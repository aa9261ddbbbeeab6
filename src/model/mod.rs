//! The model: the definitions and values every layer shares (reports, schedules, dashboards,
//! datasets, export formats, cron, stored times). Pure data and its checks: no IO, and no
//! `crate::` module below it, so everything else may depend on it.

pub mod access;
pub mod alert;
pub mod bundle;
pub mod collection;
pub mod cron;
mod cron_field;
pub mod dashboard;
pub mod dataset;
pub mod export;
pub mod id;
pub mod job;
pub mod packed;
pub mod report;
pub mod schedule;
pub mod template;
pub mod text;
pub mod time;
pub mod user;
pub mod version;

/// A status: a closed set of words, stored and shown in the API as the same word.
macro_rules! status {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        // Every word is its variant's name in lowercase; `rename_all` tells the schema too.
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $word)] $variant),+
        }

        impl $name {
            /// Every status, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word stored and shown.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            /// The status named by `word`.
            pub fn parse(word: &str) -> Option<$name> {
                match word {
                    $($word => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use status;

#[cfg(test)]
mod tests {
    use super::export::ExportStatus;
    use super::job::JobStatus;
    use super::schedule::{DeliveryStatus, RunStatus};

    #[test]
    fn every_status_reads_back_from_its_word() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            word: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            for &s in all {
                assert_eq!(parse(word(s)), Some(s));
            }
            assert_eq!(parse("Completed "), None);
        }
        check(ExportStatus::ALL, ExportStatus::as_str, ExportStatus::parse);
        check(JobStatus::ALL, JobStatus::as_str, JobStatus::parse);
        check(RunStatus::ALL, RunStatus::as_str, RunStatus::parse);
        check(
            DeliveryStatus::ALL,
            DeliveryStatus::as_str,
            DeliveryStatus::parse,
        );
        assert_eq!(
            serde_json::to_string(&RunStatus::Succeeded).unwrap(),
            "\"succeeded\""
        );
    }
}
