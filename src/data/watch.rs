//! What a running query watches besides its own deadline: whether the person who asked is still
//! there, and, for a stream, how long since it last gave a row. The web layer puts a watch on
//! the thread that serves a request (`scoped`) with a flag it sets when the client goes away;
//! every SQLite query on that thread checks it from its progress handler and stops
//! (`QueryError::Cancelled`), so a client that leaves frees its slot and its connection at once.
//! Renders check the same flag between their stages (`render::cancel`).

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

thread_local! {
    static WATCH: RefCell<Option<Arc<Watch>>> = const { RefCell::new(None) };
}

/// A request's watch.
#[derive(Debug)]
pub struct Watch {
    gone: Arc<AtomicBool>,
    /// A stream's limit on the time between two rows (its whole run may be longer: a slow
    /// client takes its time to read).
    idle: Option<Duration>,
    since: Instant,
    /// Milliseconds after `since` when the last row was given.
    last_row: AtomicU64,
}

impl Watch {
    /// A watch on `gone`, set when the person who asked went away.
    pub fn new(gone: Arc<AtomicBool>) -> Watch {
        Watch {
            gone,
            idle: None,
            since: Instant::now(),
            last_row: AtomicU64::new(0),
        }
    }

    /// The same, for a stream that must give a row at least every `idle`.
    pub fn streaming(gone: Arc<AtomicBool>, idle: Duration) -> Watch {
        Watch {
            idle: Some(idle),
            ..Watch::new(gone)
        }
    }

    /// Whether the person who asked went away.
    pub fn is_gone(&self) -> bool {
        self.gone.load(Ordering::SeqCst)
    }

    /// Whether a stream went longer than its idle limit without a row.
    pub fn is_stalled(&self) -> bool {
        self.idle.is_some_and(|idle| {
            let last = Duration::from_millis(self.last_row.load(Ordering::Relaxed));
            self.since.elapsed().saturating_sub(last) > idle
        })
    }

    /// The idle limit, if it is a stream's.
    pub fn idle(&self) -> Option<Duration> {
        self.idle
    }

    fn touch(&self) {
        let now = self.since.elapsed().as_millis() as u64;
        self.last_row.store(now, Ordering::Relaxed);
    }
}

/// Runs `f` on this thread under `watch`.
pub fn scoped<T>(watch: Arc<Watch>, f: impl FnOnce() -> T) -> T {
    struct Reset(Option<Arc<Watch>>);
    impl Drop for Reset {
        fn drop(&mut self) {
            WATCH.with(|w| *w.borrow_mut() = self.0.take());
        }
    }
    let _reset = Reset(WATCH.with(|w| w.borrow_mut().replace(watch)));
    f()
}

/// This thread's watch, if it has one.
pub fn current() -> Option<Arc<Watch>> {
    WATCH.with(|w| w.borrow().clone())
}

/// Whether the person this thread works for went away.
pub fn gone() -> bool {
    WATCH.with(|w| w.borrow().as_ref().is_some_and(|w| w.is_gone()))
}

/// A row was given (a stream's idle clock starts again).
pub fn touch() {
    WATCH.with(|w| {
        if let Some(w) = w.borrow().as_ref() {
            w.touch();
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watch_holds_in_its_scope_only_and_a_stream_stalls_without_rows() {
        assert!(!gone() && current().is_none());
        let flag = Arc::new(AtomicBool::new(false));
        let watch = Arc::new(Watch::streaming(flag.clone(), Duration::from_millis(30)));
        scoped(watch.clone(), || {
            assert!(!gone());
            flag.store(true, Ordering::SeqCst);
            assert!(gone());
        });
        assert!(!gone(), "the watch ends with its scope");
        assert!(!watch.is_stalled());
        std::thread::sleep(Duration::from_millis(60));
        assert!(watch.is_stalled());
        scoped(watch.clone(), touch);
        assert!(!watch.is_stalled(), "a row starts the clock again");
        assert!(!Watch::new(flag).is_stalled(), "only a stream stalls");
    }
}
