//! A tiny HTTP/1.1 file server on 127.0.0.1 for tests, with fault injection and a request log.
//! Serves `GET /debian/<path>` from a directory; answers `If-None-Match` with 304.
//!
//! Faults a hostile or broken mirror could produce: errors, truncation, replaced bodies (a
//! replayed or older `InRelease`, a tampered file), bodies that trickle or stall, and bodies
//! longer than the file. Slow faults stop when the client goes away, and after a minute at most.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

/// A fault to inject for requests whose path ends with a given suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer 404.
    NotFound,
    /// Answer 500 this many times, then serve normally.
    ServerError(u32),
    /// Send the full `Content-Length` but only half the body, then close; this many times.
    Truncate(u32),
    /// Serve these bytes instead of the file (wrong hash, or another release's `InRelease`).
    Replace(Vec<u8>),
    /// Send the headers (with the real `Content-Length`), then the body one byte at a time
    /// with this pause before each.
    Trickle(Duration),
    /// Send the headers (with the real `Content-Length`), then nothing, holding the
    /// connection open.
    Stall,
    /// Send the file followed by `extra` more bytes; with `announce`, a `Content-Length` that
    /// counts them, else no length at all (the body ends when the connection closes).
    Append { extra: u64, announce: bool },
}

/// Longest a slow fault keeps a connection.
const SLOW_FAULT_LIMIT: Duration = Duration::from_secs(60);

#[derive(Default)]
struct State {
    faults: HashMap<String, Fault>,
    log: Vec<String>,
    authorizations: Vec<String>,
    /// More folders served: (`/name/` prefix, folder), tried in order after the main one.
    roots: Vec<(String, PathBuf)>,
}

/// The server; stops when dropped.
pub struct TestServer {
    port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl TestServer {
    /// Serve `root` (the archive's base directory) as `http://127.0.0.1:PORT/debian`.
    pub fn start(root: impl Into<PathBuf>) -> TestServer {
        let root: PathBuf = root.into();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            // Bounded: stops when the server is dropped, or after an hour at most.
            let deadline = std::time::Instant::now() + Duration::from_secs(3600);
            while !sp.load(Ordering::Relaxed) && std::time::Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (root, st) = (root.clone(), st.clone());
                        std::thread::spawn(move || {
                            let _ = handle(stream, &root, &st);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        TestServer { port, state, stop }
    }

    /// The mirror URL to pass as `--mirror`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/debian", self.port)
    }

    /// Inject `fault` for every request whose path ends with `suffix`.
    pub fn fault(&self, suffix: &str, fault: Fault) {
        self.state
            .lock()
            .unwrap()
            .faults
            .insert(suffix.to_string(), fault);
    }

    /// Also serve `dir` under `http://127.0.0.1:PORT/<name>/` (`debian` overlays the main
    /// archive: a file missing there is looked up in `dir`). E.g. a second suite of the same
    /// archive, or a security archive at `/debian-security/`.
    pub fn serve(&self, name: &str, dir: impl Into<PathBuf>) {
        self.state
            .lock()
            .unwrap()
            .roots
            .push((format!("/{name}/"), dir.into()));
    }

    pub fn clear_faults(&self) {
        self.state.lock().unwrap().faults.clear();
    }

    /// Every request so far, as `"<status> <path>"`.
    pub fn log(&self) -> Vec<String> {
        self.state.lock().unwrap().log.clone()
    }

    /// The `Authorization` header of every request that had one, in order.
    pub fn authorizations(&self) -> Vec<String> {
        self.state.lock().unwrap().authorizations.clone()
    }

    /// Forget the request log.
    pub fn clear_log(&self) {
        self.state.lock().unwrap().log.clear();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn handle(
    mut stream: TcpStream,
    root: &std::path::Path,
    state: &Mutex<State>,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut if_none_match = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.trim().eq_ignore_ascii_case("if-none-match") {
                if_none_match = Some(v.trim().to_string());
            }
            if k.trim().eq_ignore_ascii_case("authorization") {
                let auth = v.trim().to_string();
                state.lock().unwrap().authorizations.push(auth);
            }
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let fault = {
        let mut st = state.lock().unwrap();
        let key = st
            .faults
            .keys()
            .find(|k| path.ends_with(k.as_str()))
            .cloned();
        match key {
            Some(k) => {
                let f = st.faults.get(&k).cloned();
                // Count down the faults that stop after a number of times.
                match st.faults.get_mut(&k) {
                    Some(Fault::ServerError(n)) | Some(Fault::Truncate(n)) => {
                        *n -= 1;
                        if *n == 0 {
                            st.faults.remove(&k);
                        }
                    }
                    _ => {}
                }
                f
            }
            None => None,
        }
    };
    let roots = {
        let mut roots = vec![("/debian/".to_string(), root.to_path_buf())];
        roots.extend(state.lock().unwrap().roots.iter().cloned());
        roots
    };
    let file = roots.iter().find_map(|(prefix, dir)| {
        let rel = path.strip_prefix(prefix.as_str())?;
        if rel.is_empty() || rel.split('/').any(|c| c == "..") {
            None
        } else {
            fs_err::read(dir.join(rel)).ok()
        }
    });
    let slow = matches!(
        fault,
        Some(Fault::Trickle(_) | Fault::Stall | Fault::Append { .. })
    );
    let (status, body, truncate) = match (fault.clone(), file) {
        (Some(Fault::NotFound), _) | (None, None) => (404, b"not found".to_vec(), false),
        (Some(Fault::ServerError(_)), _) => (500, b"injected error".to_vec(), false),
        (Some(Fault::Replace(bytes)), _) => (200, bytes, false),
        (Some(Fault::Truncate(_)), Some(body)) => (200, body, true),
        (_, None) => (404, b"not found".to_vec(), false),
        (_, Some(body)) => (200, body, false),
    };
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..16]);
    let status = if status == 200 && !slow && if_none_match.as_deref() == Some(etag.as_str()) {
        304
    } else {
        status
    };
    state.lock().unwrap().log.push(format!("{status} {path}"));
    let reason = match status {
        200 => "OK",
        304 => "Not Modified",
        404 => "Not Found",
        _ => "Internal Server Error",
    };
    let mut head = format!("HTTP/1.1 {status} {reason}\r\nConnection: close\r\nETag: {etag}\r\n");
    if status == 304 {
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        return Ok(());
    }
    if status == 200 {
        match fault {
            Some(Fault::Trickle(pause)) => {
                head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                stream.write_all(head.as_bytes())?;
                let until = std::time::Instant::now() + SLOW_FAULT_LIMIT;
                for byte in &body {
                    if std::time::Instant::now() > until {
                        break;
                    }
                    std::thread::sleep(pause);
                    stream.write_all(std::slice::from_ref(byte))?;
                    stream.flush()?;
                }
                return Ok(());
            }
            Some(Fault::Stall) => {
                head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                stream.write_all(head.as_bytes())?;
                stream.flush()?;
                wait_for_close(&mut stream);
                return Ok(());
            }
            Some(Fault::Append { extra, announce }) => {
                if announce {
                    head.push_str(&format!(
                        "Content-Length: {}\r\n",
                        body.len() as u64 + extra
                    ));
                }
                head.push_str("\r\n");
                stream.write_all(head.as_bytes())?;
                stream.write_all(&body)?;
                let chunk = vec![0u8; 64 * 1024];
                let mut left = extra;
                while left > 0 {
                    let n = left.min(chunk.len() as u64);
                    // Fails once the client stops reading and closes: that ends the fault.
                    stream.write_all(&chunk[..n as usize])?;
                    left -= n;
                }
                stream.flush()?;
                return Ok(());
            }
            _ => {}
        }
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes())?;
    if truncate {
        stream.write_all(&body[..body.len() / 2])?;
    } else {
        stream.write_all(&body)?;
    }
    stream.flush()?;
    Ok(())
}

/// Hold a connection open until the client closes it (or [`SLOW_FAULT_LIMIT`] passes).
fn wait_for_close(stream: &mut TcpStream) {
    let until = std::time::Instant::now() + SLOW_FAULT_LIMIT;
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let mut buf = [0u8; 256];
    while std::time::Instant::now() < until {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
    }
}
