//! One `sharesim serve` process for a test: started on free ports, its start-up line read,
//! stopped with SIGTERM (and required to exit 0 on its own), or killed when dropped. Shared by
//! the test binaries that drive the real server; each wraps it with what it needs.

#![allow(dead_code)]

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Served {
    pub child: Child,
    /// The start-up line, parsed.
    pub banner: Value,
    /// The start-up line as printed.
    pub line: String,
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sharesim")
}

impl Served {
    /// `sharesim serve --port 0 ARGS…`, once its start-up line is out.
    pub fn start(args: &[&str]) -> Served {
        Served::spawn(Command::new(bin()).args(["serve", "--port", "0"]).args(args))
    }

    /// `cmd` (a `sharesim serve`, perhaps under a shell), once its start-up line is out. The line
    /// is read a byte at a time, so nothing after it is taken from the pipe.
    pub fn spawn(cmd: &mut Command) -> Served {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("sharesim serve starts");
        let mut out = child.stdout.take().expect("stdout is piped");
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while out.read(&mut byte).map(|n| n == 1).unwrap_or(false) && byte[0] != b'\n' {
            line.push(byte[0]);
        }
        let line = String::from_utf8_lossy(&line).into_owned();
        let banner: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
            let _ = child.kill();
            panic!("no start-up line ({e}): {line}")
        });
        Served { child, banner, line }
    }

    /// `127.0.0.1:PORT` of a listener (a provider, or `huawei-swr-registry`).
    pub fn addr(&self, listener: &str) -> String {
        let url = self.banner["endpoints"][listener].as_str().unwrap_or_else(|| panic!("no {listener} endpoint"));
        let port = url.strip_prefix("http://127.0.0.1:").unwrap_or_else(|| panic!("{listener} is not loopback: {url}"));
        format!("127.0.0.1:{port}")
    }

    /// Sends `signal` and waits up to `within` for the process to exit; its status if it did.
    pub fn signal_and_wait(&mut self, signal: &str, within: Duration) -> Option<ExitStatus> {
        Command::new("kill").arg(format!("-{signal}")).arg(self.child.id().to_string()).status().expect("kill runs");
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// SIGTERM, then the server must exit 0 on its own within 10 s (graceful shutdown).
    pub fn stop(mut self) {
        match self.signal_and_wait("TERM", Duration::from_secs(10)) {
            Some(status) => assert!(status.success(), "sharesim serve exits 0 on SIGTERM, not {status}"),
            None => panic!("sharesim serve did not stop within 10 s of SIGTERM"),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
