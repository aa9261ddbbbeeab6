//! Whether a request's client is still connected. actix-web does not drop a handler's future
//! when its client disconnects (actix-web #1313, #3462), so a render queued or running for a
//! client that has gone would run for nobody. The server notes each connection's socket
//! (`on_connect`), and `gone` watches it: a peer that closed its side reads as end of file.

use actix_web::dev::Extensions;
use actix_web::HttpRequest;
use std::any::Any;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

/// How often a waiting request looks at its socket.
const POLL: Duration = Duration::from_millis(200);

/// The socket of the connection a request came on.
#[derive(Debug, Clone, Copy)]
struct PeerSocket(RawFd);

/// Notes the connection's socket for `gone` (the server's `on_connect` hook).
pub fn on_connect(conn: &dyn Any, ext: &mut Extensions) {
    if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
        ext.insert(PeerSocket(tcp.as_raw_fd()));
    }
}

/// Resolves once the client of `req` has closed its connection (never, if its socket is not
/// known). Data waiting to be read (a pipelined request) counts as connected.
pub async fn gone(req: &HttpRequest) {
    let Some(PeerSocket(fd)) = req.conn_data::<PeerSocket>().copied() else {
        return std::future::pending().await;
    };
    while !closed(fd) {
        tokio::time::sleep(POLL).await;
    }
}

/// Whether the client of `req` has closed its connection, now.
pub fn is_gone(req: &HttpRequest) -> bool {
    req.conn_data::<PeerSocket>().is_some_and(|s| closed(s.0))
}

fn closed(fd: RawFd) -> bool {
    let mut byte = [0u8; 1];
    // SAFETY: a peek into a one-byte buffer we own. The socket stays open while its
    // connection, and so this request, lives; a bad descriptor is only an error.
    let n = unsafe {
        libc::recv(
            fd,
            byte.as_mut_ptr().cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    n == 0
        || (n < 0
            && !matches!(
                std::io::Error::last_os_error().kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
            ))
}
