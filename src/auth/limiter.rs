//! Brute-force brakes for logins. Failures are counted over a window per account *from one
//! address* and per address: past a threshold the next attempts of that pair, or of that
//! address, are refused (429 with Retry-After) until the window has moved on. An account is
//! never refused as a whole, so no one can lock its owner out by failing on purpose from
//! elsewhere; its failures from every address only make each failure answer later.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The window failures are counted over.
const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures of one account from one address within the window before that pair is refused.
pub const PER_ACCOUNT: usize = 5;
/// Failures from one address (any accounts) within the window before it is refused.
pub const PER_ADDRESS: usize = 20;
/// Keys remembered at most (oldest forgotten first): an attacker cannot grow it without bound.
const MAX_KEYS: usize = 10_000;

/// Failure counts by key: `pair:<email> <address>` and `ip:<address>` refuse;
/// `account:<email>` only slows.
#[derive(Default)]
pub struct Limiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

fn pair(account: &str, ip: &str) -> String {
    format!("pair:{account} {ip}")
}

impl Limiter {
    /// How long to wait before `account` may try again from `ip` (None: now).
    pub fn retry_after(&self, account: &str, ip: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut map = self.counts();
        [
            (pair(account, ip), PER_ACCOUNT),
            (format!("ip:{ip}"), PER_ADDRESS),
        ]
        .into_iter()
        .filter_map(|(key, limit)| {
            let times = map.get_mut(&key)?;
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) > WINDOW)
            {
                times.pop_front();
            }
            (times.len() >= limit).then(|| {
                let oldest = times[times.len() - limit];
                (oldest + WINDOW)
                    .saturating_duration_since(now)
                    .max(Duration::from_secs(1))
            })
        })
        .max()
    }

    /// Counts a failed attempt; returns how long to hold the answer back (up to 2 s), longer
    /// the more the pair, the address or the account (from anywhere) failed lately.
    pub fn failed(&self, account: &str, ip: &str) -> Duration {
        let now = Instant::now();
        let mut map = self.counts();
        // Room for the three keys below.
        while map.len() + 3 > MAX_KEYS {
            let oldest = map
                .iter()
                .min_by_key(|(_, v)| v.back().copied())
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => map.remove(&k),
                None => break,
            };
        }
        let mut worst = 0;
        for key in [
            pair(account, ip),
            format!("ip:{ip}"),
            format!("account:{account}"),
        ] {
            let times = map.entry(key).or_default();
            times.push_back(now);
            if times.len() > PER_ADDRESS {
                times.pop_front();
            }
            worst = worst.max(times.len());
        }
        Duration::from_millis((250 * worst as u64).min(2000))
    }

    /// A successful login clears the account's counts (not the address's, nor the account's
    /// from other addresses: someone else failing there stays refused).
    pub fn succeeded(&self, account: &str, ip: &str) {
        let mut map = self.counts();
        map.remove(&pair(account, ip));
        map.remove(&format!("account:{account}"));
    }

    /// The counts, even after a panic elsewhere poisoned the lock: they are plain numbers that
    /// no half-done update can leave unusable, and refusing every later login would be worse.
    fn counts(&self) -> MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_refused_after_five_failures_from_that_address_only() {
        let l = Limiter::default();
        for _ in 0..PER_ACCOUNT {
            assert!(l.retry_after("a@x.org", "1.2.3.4").is_none());
            l.failed("a@x.org", "1.2.3.4");
        }
        let wait = l.retry_after("a@x.org", "1.2.3.4").unwrap();
        assert!(wait > Duration::from_secs(60) && wait <= WINDOW, "{wait:?}");
        assert!(l.retry_after("b@x.org", "1.2.3.4").is_none());
        assert!(
            l.retry_after("a@x.org", "5.6.7.8").is_none(),
            "the owner elsewhere is not locked out"
        );
        l.succeeded("a@x.org", "5.6.7.8");
        assert!(l.retry_after("a@x.org", "1.2.3.4").is_some());
        l.succeeded("a@x.org", "1.2.3.4");
        assert!(l.retry_after("a@x.org", "1.2.3.4").is_none());
    }

    #[test]
    fn failures_of_an_account_from_many_addresses_slow_it_without_refusing_it() {
        let l = Limiter::default();
        let mut hold = Duration::ZERO;
        for i in 0..PER_ADDRESS {
            hold = l.failed("a@x.org", &format!("10.0.0.{i}"));
        }
        assert_eq!(hold, Duration::from_secs(2));
        assert!(l.retry_after("a@x.org", "5.6.7.8").is_none());
    }

    #[test]
    fn an_address_trying_many_accounts_is_refused() {
        let l = Limiter::default();
        for i in 0..PER_ADDRESS {
            l.failed(&format!("u{i}@x.org"), "9.9.9.9");
        }
        assert!(l.retry_after("new@x.org", "9.9.9.9").is_some());
        assert!(l.retry_after("new@x.org", "8.8.8.8").is_none());
    }

    #[test]
    fn a_panic_while_holding_the_lock_does_not_stop_later_logins() {
        let l = std::sync::Arc::new(Limiter::default());
        l.failed("a@x.org", "1.2.3.4");
        let held = l.clone();
        let panicked = std::thread::spawn(move || {
            let _guard = held.failures.lock().unwrap();
            panic!("poisons the lock");
        })
        .join();
        assert!(panicked.is_err() && l.failures.is_poisoned());
        assert!(l.retry_after("a@x.org", "1.2.3.4").is_none());
        for _ in 1..PER_ACCOUNT {
            l.failed("a@x.org", "1.2.3.4");
        }
        assert!(l.retry_after("a@x.org", "1.2.3.4").is_some());
        l.succeeded("a@x.org", "1.2.3.4");
        assert!(l.retry_after("a@x.org", "1.2.3.4").is_none());
    }
}
