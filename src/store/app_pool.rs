//! The app database's pool, which never lets a thread wait for a second connection while it
//! holds one. Under load that wait is a deadlock: with every connection held by a request
//! asking for one more, all of them wait until the pool's timeout (issue 24: 200 clients on a
//! dashboard page stalled for 10 s, then answered 503). A thread asks again only by mistake
//! (a function taking its own connection called with one held): tests and debug builds stop
//! there with a panic naming it; a release build gives the thread a connection of its own
//! outside the pool, so a missed case is slower, never stuck.

use r2d2_sqlite::SqliteConnectionManager;
use std::cell::Cell;
use std::marker::PhantomData;

thread_local! {
    /// Connections of the app pool this thread holds.
    static HELD: Cell<u32> = const { Cell::new(0) };
}

/// The app database's connections.
#[derive(Clone)]
pub struct AppPool {
    pool: r2d2::Pool<SqliteConnectionManager>,
    /// Opens a connection outside the pool, set up as the pool's are.
    manager: std::sync::Arc<SqliteConnectionManager>,
}

/// A connection of the app database, held by this thread until dropped.
pub struct AppConn {
    conn: Conn,
    /// Counted on this thread: it must be dropped where it was taken.
    _here: PhantomData<*const ()>,
}

enum Conn {
    Pooled(r2d2::PooledConnection<SqliteConnectionManager>),
    Own(Box<rusqlite::Connection>),
}

impl AppPool {
    pub fn new(
        pool: r2d2::Pool<SqliteConnectionManager>,
        manager: SqliteConnectionManager,
    ) -> AppPool {
        AppPool {
            pool,
            manager: std::sync::Arc::new(manager),
        }
    }

    /// A connection: from the pool (waiting up to its timeout), or, for a thread that holds
    /// one already, one of its own (see the module's doc).
    #[track_caller]
    pub fn get(&self) -> Result<AppConn, r2d2::Error> {
        let conn = if HELD.with(Cell::get) == 0 {
            Conn::Pooled(self.pool.get()?)
        } else {
            nested();
            use r2d2::ManageConnection;
            match self.manager.connect() {
                Ok(c) => Conn::Own(Box::new(c)),
                // The pool's own error type carries only a message: take one from the pool.
                Err(e) => {
                    tracing::error!(error = %e, "opening an app connection outside the pool");
                    Conn::Pooled(self.pool.get()?)
                }
            }
        };
        HELD.with(|h| h.set(h.get() + 1));
        Ok(AppConn {
            conn,
            _here: PhantomData,
        })
    }

    /// Whether the database answers, on a connection of its own: a health check never waits
    /// for the pool, however busy.
    pub fn ping(&self) -> Result<(), String> {
        use r2d2::ManageConnection;
        let conn = self.manager.connect().map_err(|e| e.to_string())?;
        conn.query_row("SELECT 1", [], |_| Ok(()))
            .map_err(|e| e.to_string())
    }

    /// The pool's state (connections open and idle), for metrics.
    pub fn state(&self) -> r2d2::State {
        self.pool.state()
    }
}

#[cfg(debug_assertions)]
#[track_caller]
fn nested() {
    panic!(
        "a second app-database connection was asked for by a thread that holds one: \
         pass the first one down (store::app_pool)"
    );
}

#[cfg(not(debug_assertions))]
#[track_caller]
fn nested() {
    tracing::warn!(
        at = %std::panic::Location::caller(),
        "a second app-database connection asked for by a thread holding one"
    );
}

impl Drop for AppConn {
    fn drop(&mut self) {
        HELD.with(|h| h.set(h.get().saturating_sub(1)));
    }
}

impl std::ops::Deref for AppConn {
    type Target = rusqlite::Connection;
    fn deref(&self) -> &rusqlite::Connection {
        match &self.conn {
            Conn::Pooled(c) => c,
            Conn::Own(c) => c,
        }
    }
}

impl std::ops::DerefMut for AppConn {
    fn deref_mut(&mut self) -> &mut rusqlite::Connection {
        match &mut self.conn {
            Conn::Pooled(c) => c,
            Conn::Own(c) => c,
        }
    }
}
