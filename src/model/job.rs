//! Report generation jobs.

super::status! {
    /// Where a generation job is.
    JobStatus {
        Queued = "queued",
        Processing = "processing",
        Completed = "completed",
        Failed = "failed",
    }
}
