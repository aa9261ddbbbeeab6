//! Stopping a render whose requester has gone. The web layer runs a render inside `scoped`
//! with a flag it sets when the request is dropped; renders call `check` between stages (the
//! PDF between its parts), so an abandoned render stops at its next stage instead of running
//! to the end for nobody.

use super::RenderError;
use crate::data::watch::{self, Watch};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Runs `f` on this thread with `flag` as the render's cancel flag; the queries it runs stop
/// when it is set too (`data::watch`).
pub fn scoped<T>(flag: Arc<AtomicBool>, f: impl FnOnce() -> T) -> T {
    watch::scoped(Arc::new(Watch::new(flag)), f)
}

/// An error once the render this thread runs was cancelled.
pub fn check() -> Result<(), RenderError> {
    if watch::gone() {
        Err(RenderError::Cancelled)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    #[test]
    fn only_a_set_flag_in_scope_cancels() {
        assert!(check().is_ok(), "no flag, no cancel");
        let flag = Arc::new(AtomicBool::new(false));
        scoped(flag.clone(), || {
            assert!(check().is_ok());
            flag.store(true, Ordering::SeqCst);
            assert!(check().is_err());
        });
        assert!(check().is_ok(), "the flag ends with its scope");
    }
}
