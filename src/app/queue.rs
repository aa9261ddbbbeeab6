//! The one queue every render goes through: downloads, generation jobs and schedule runs
//! share `[limits] render_workers` slots. A download that finds `[limits] render_queue`
//! others already waiting is refused at once (the web layer answers 503 with Retry-After)
//! rather than piling up; jobs and schedule runs always wait their turn, so they are delayed,
//! never dropped. A download whose client went away leaves the queue before it starts, and
//! the render it started stops at its next stage (`render::cancel`).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Upper bounds (seconds) of the render duration histogram's buckets.
pub const DURATION_BUCKETS: [f64; 9] = [0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0];

/// The render queue; clones share it.
#[derive(Clone)]
pub struct RenderQueue(Arc<Inner>);

struct Inner {
    slots: Arc<Semaphore>,
    workers: usize,
    max_waiting: usize,
    waiting: AtomicUsize,
    running: AtomicUsize,
    refused: AtomicU64,
    abandoned: AtomicU64,
    cancelled: AtomicU64,
    /// Cumulative counts per bucket of `DURATION_BUCKETS`, then the count of all.
    buckets: [AtomicU64; DURATION_BUCKETS.len() + 1],
    micros: AtomicU64,
}

/// The queue was full: the caller should come back later.
#[derive(Debug, thiserror::Error)]
#[error("{waiting} renders are already waiting for one of {workers} workers")]
pub struct QueueFull {
    pub waiting: usize,
    pub workers: usize,
    /// Seconds until a place is likely free: the queue's length at the mean render time.
    pub retry_after: u64,
}

/// A figure of the queue for `/metrics`.
#[derive(Debug, Clone)]
pub struct QueueStats {
    pub workers: usize,
    pub waiting: usize,
    pub running: usize,
    pub refused: u64,
    pub abandoned: u64,
    pub cancelled: u64,
    pub buckets: Vec<u64>,
    pub count: u64,
    pub seconds: f64,
}

/// A render slot, held while the render runs; its time goes into the histogram when it is
/// dropped.
pub struct Ticket {
    _permit: OwnedSemaphorePermit,
    queue: RenderQueue,
    started: Instant,
    cancel: Arc<AtomicBool>,
}

impl RenderQueue {
    pub fn new(workers: usize, max_waiting: usize) -> RenderQueue {
        RenderQueue(Arc::new(Inner {
            slots: Arc::new(Semaphore::new(workers)),
            workers,
            max_waiting,
            waiting: AtomicUsize::new(0),
            running: AtomicUsize::new(0),
            refused: AtomicU64::new(0),
            abandoned: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            buckets: Default::default(),
            micros: AtomicU64::new(0),
        }))
    }

    /// Waits for a slot however long the queue (jobs, schedule runs).
    pub async fn wait(&self) -> Ticket {
        self.enter().await
    }

    /// A slot for someone waiting on the other end (a download): refused when the queue is
    /// full. Dropping the future leaves the queue.
    pub async fn try_wait(&self) -> Result<Ticket, QueueFull> {
        let q = &self.0;
        let free_now = q.slots.available_permits() > 0;
        if !free_now && q.waiting.load(Ordering::SeqCst) >= q.max_waiting {
            q.refused.fetch_add(1, Ordering::Relaxed);
            let s = self.stats();
            let mean = if s.count == 0 {
                2.0
            } else {
                s.seconds / s.count as f64
            };
            let turns = (s.waiting as f64 / s.workers as f64).ceil().max(1.0);
            return Err(QueueFull {
                waiting: s.waiting,
                workers: s.workers,
                retry_after: (turns * mean).ceil().clamp(1.0, 120.0) as u64,
            });
        }
        Ok(self.enter().await)
    }

    async fn enter(&self) -> Ticket {
        let q = &self.0;
        q.waiting.fetch_add(1, Ordering::SeqCst);
        // Counts the wait as abandoned if the future is dropped before a slot came.
        struct Waiting<'a>(&'a Inner, bool);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.waiting.fetch_sub(1, Ordering::SeqCst);
                if !self.1 {
                    self.0.abandoned.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        let mut w = Waiting(q, false);
        let permit = q
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("the render semaphore is never closed");
        w.1 = true;
        drop(w);
        q.running.fetch_add(1, Ordering::SeqCst);
        Ticket {
            _permit: permit,
            queue: self.clone(),
            started: Instant::now(),
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Waits until every slot is free (the server stopping), up to `grace`; false if it
    /// had to stop waiting.
    pub async fn drain(&self, grace: Duration) -> bool {
        let all = self.0.slots.acquire_many(self.0.workers as u32);
        tokio::time::timeout(grace, all).await.is_ok()
    }

    pub fn stats(&self) -> QueueStats {
        let q = &self.0;
        let n = DURATION_BUCKETS.len();
        QueueStats {
            workers: q.workers,
            waiting: q.waiting.load(Ordering::SeqCst),
            running: q.running.load(Ordering::SeqCst),
            refused: q.refused.load(Ordering::Relaxed),
            abandoned: q.abandoned.load(Ordering::Relaxed),
            cancelled: q.cancelled.load(Ordering::Relaxed),
            buckets: q.buckets[..n]
                .iter()
                .map(|b| b.load(Ordering::Relaxed))
                .collect(),
            count: q.buckets[n].load(Ordering::Relaxed),
            seconds: q.micros.load(Ordering::Relaxed) as f64 / 1e6,
        }
    }
}

impl Ticket {
    /// The flag a render checks between its stages; `CancelOnDrop` sets it.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    /// Gives the slot back unused: its requester left before the render started.
    pub fn abandon(self) {
        self.queue.0.abandoned.fetch_add(1, Ordering::Relaxed);
        self.cancel.store(true, Ordering::SeqCst);
    }

    /// Counts the render as cancelled if its flag was set before it ended.
    pub fn note_if_cancelled(&self) {
        if self.cancel.load(Ordering::SeqCst) {
            self.queue.0.cancelled.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A guard for the request's future: if the future is dropped (the client went away)
    /// the render stops at its next stage. Dropped after the render, it does nothing.
    pub fn cancel_on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.cancel.clone())
    }
}

/// Sets a render's cancel flag when dropped.
pub struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let q = &self.queue.0;
        q.running.fetch_sub(1, Ordering::SeqCst);
        let took = self.started.elapsed();
        q.micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        for (bound, bucket) in DURATION_BUCKETS.iter().zip(&q.buckets) {
            if secs <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        q.buckets[DURATION_BUCKETS.len()].fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_refuses_downloads_but_not_jobs() {
        let q = RenderQueue::new(1, 1);
        let running = q.try_wait().await.unwrap();
        // One waits (the queue's one place)…
        let q2 = q.clone();
        let waiting = tokio::spawn(async move { q2.try_wait().await.map(|_| ()) });
        while q.stats().waiting == 0 {
            tokio::task::yield_now().await;
        }
        // …the next download is refused, a job still queues.
        let full = q.try_wait().await.err().expect("refused");
        assert_eq!((full.waiting, full.workers), (1, 1));
        let q3 = q.clone();
        let job = tokio::spawn(async move { drop(q3.wait().await) });
        while q.stats().waiting < 2 {
            tokio::task::yield_now().await;
        }
        drop(running);
        waiting.await.unwrap().unwrap();
        job.await.unwrap();
        let s = q.stats();
        assert_eq!((s.waiting, s.running, s.refused, s.count), (0, 0, 1, 3));
    }

    #[tokio::test]
    async fn a_wait_dropped_before_its_turn_leaves_the_queue() {
        let q = RenderQueue::new(1, 8);
        let running = q.wait().await;
        let gone = tokio::time::timeout(Duration::from_millis(20), q.try_wait()).await;
        assert!(gone.is_err(), "still waiting when dropped");
        let s = q.stats();
        assert_eq!((s.waiting, s.abandoned), (0, 1));
        let flag = running.cancel_flag();
        drop(running.cancel_on_drop());
        assert!(flag.load(Ordering::SeqCst));
    }
}
