//! Stopping a render whose requester has gone. The web layer runs a render inside `scoped`
//! with a flag it sets when the request is dropped; renders call `check` between stages (the
//! PDF between its parts), so an abandoned render stops at its next stage instead of running
//! to the end for nobody.

use super::RenderError;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

thread_local! {
    static FLAG: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Runs `f` on this thread with `flag` as the render's cancel flag.
pub fn scoped<T>(flag: Arc<AtomicBool>, f: impl FnOnce() -> T) -> T {
    struct Reset(Option<Arc<AtomicBool>>);
    impl Drop for Reset {
        fn drop(&mut self) {
            FLAG.with(|f| *f.borrow_mut() = self.0.take());
        }
    }
    let _reset = Reset(FLAG.with(|f| f.borrow_mut().replace(flag)));
    f()
}

/// An error once the render this thread runs was cancelled.
pub fn check() -> Result<(), RenderError> {
    let cancelled = FLAG.with(|f| {
        f.borrow()
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::SeqCst))
    });
    if cancelled {
        Err(RenderError::Cancelled)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
