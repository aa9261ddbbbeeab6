//! The door: at most `[limits] requests` requests are worked on at once; up to
//! `[limits] request_queue` more wait their turn, each for at most [`WAIT`]; one more, or one
//! that waited too long, is answered 503 with Retry-After at once. A crowd then gets fast,
//! honest answers instead of every request stuck behind the database pools. `/healthz`,
//! `/metrics` and `/static/` pass without a turn: they are cheap and say whether the server
//! lives.

use super::error::Problem;
use super::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Longest a request waits for its turn.
pub const WAIT: Duration = Duration::from_secs(3);

/// Turns to be worked on, and who waits for one.
pub struct Door {
    turns: Arc<Semaphore>,
    max_waiting: usize,
    waiting: AtomicUsize,
    /// Requests answered 503 at the door.
    shed: AtomicU64,
}

impl Door {
    pub fn new(turns: usize, max_waiting: usize) -> Door {
        Door {
            turns: Arc::new(Semaphore::new(turns)),
            max_waiting,
            waiting: AtomicUsize::new(0),
            shed: AtomicU64::new(0),
        }
    }

    /// Requests waiting for a turn now, and answered 503 so far.
    pub fn stats(&self) -> (usize, u64) {
        (
            self.waiting.load(Ordering::Relaxed),
            self.shed.load(Ordering::Relaxed),
        )
    }

    fn refuse(&self, why: &str) -> Problem {
        self.shed.fetch_add(1, Ordering::Relaxed);
        let mut p = Problem::new(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("the server is busy ({why}); try again in a second"),
        );
        p.retry_after = Some(1);
        p
    }
}

/// Whether a path passes the door without a turn.
fn exempt(path: &str) -> bool {
    path == "/healthz" || path == "/metrics" || path.starts_with("/static/")
}

/// The middleware: a turn for the request, or 503 now.
pub async fn admit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let door = match req.app_data::<web::Data<AppState>>() {
        Some(state) if !exempt(req.path()) => state.door.clone(),
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let permit = match door.turns.clone().try_acquire_owned() {
        Ok(p) => p,
        Err(_) => {
            if door.waiting.fetch_add(1, Ordering::SeqCst) >= door.max_waiting {
                door.waiting.fetch_sub(1, Ordering::SeqCst);
                let p = door.refuse("too many requests are waiting");
                return Ok(req.into_response(p.error_response()));
            }
            let turn = tokio::time::timeout(WAIT, door.turns.clone().acquire_owned()).await;
            door.waiting.fetch_sub(1, Ordering::SeqCst);
            match turn {
                Ok(Ok(p)) => p,
                _ => {
                    let p = door.refuse("no turn came in time");
                    return Ok(req.into_response(p.error_response()));
                }
            }
        }
    };
    let res = next.call(req).await?;
    drop(permit);
    Ok(res.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_metrics_and_assets_pass_without_a_turn() {
        assert!(exempt("/healthz") && exempt("/metrics") && exempt("/static/app.css"));
        assert!(!exempt("/") && !exempt("/dashboards/x") && !exempt("/healthz/x"));
    }
}
