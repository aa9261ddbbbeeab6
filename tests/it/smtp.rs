//! A real SMTP server on loopback for the tests: mailin's SMTP state machine over a TCP socket.
//! Every message received is kept whole (the raw MIME) for the test to parse.

use mailin::{Action, Handler, Response, SessionBuilder};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A received message: envelope recipients and the raw data.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

#[derive(Clone, Default)]
struct Collect {
    inbox: Arc<Mutex<Vec<Received>>>,
    to: Vec<String>,
    buf: Vec<u8>,
}

impl Handler for Collect {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.buf.clear();
        mailin::response::OK
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> Response {
        self.inbox.lock().unwrap().push(Received {
            to: std::mem::take(&mut self.to),
            data: std::mem::take(&mut self.buf),
        });
        mailin::response::OK
    }
}

/// The running server.
pub struct SmtpServer {
    pub port: u16,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl SmtpServer {
    /// Listens on a free loopback port, one thread per connection.
    pub fn start() -> SmtpServer {
        SmtpServer::start_on(0)
    }

    /// Listens on `port` (0 = a free one): a server that comes up where one was down.
    pub fn start_on(port: u16) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let handler = Collect {
            inbox: inbox.clone(),
            ..Default::default()
        };
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handler = handler.clone();
                std::thread::spawn(move || {
                    let peer = stream.peer_addr().unwrap().ip();
                    let mut session = SessionBuilder::new("test-smtp").build(peer, handler);
                    let mut writer = stream.try_clone().unwrap();
                    let mut reader = BufReader::new(stream);
                    session.greeting().write_to(&mut writer).unwrap();
                    let mut line = Vec::new();
                    loop {
                        line.clear();
                        if reader.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
                            break;
                        }
                        let res = session.process(&line);
                        match res.action {
                            Action::Reply => res.write_to(&mut writer).unwrap(),
                            Action::Close => {
                                let _ = res.write_to(&mut writer);
                                break;
                            }
                            Action::NoReply => {}
                            Action::UpgradeTls => break,
                        }
                        writer.flush().unwrap();
                    }
                });
            }
        });
        SmtpServer { port, inbox }
    }

    /// How many messages arrived so far.
    pub fn count(&self) -> usize {
        self.inbox.lock().unwrap().len()
    }

    /// Waits until `n` messages arrived (or panics after `timeout`). Async: the app's scheduler
    /// and outbox run on the test's runtime, which a blocking wait would starve.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.inbox.lock().unwrap().clone();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < timeout,
                "expected {n} message(s), got {}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Messages received so far.
    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }
}
