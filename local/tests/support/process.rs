//! A process a test starts (`loyalty-local serve` mostly): killed and reaped when dropped, so a failing test leaves
//! nothing running, and its stdout read line by line on a thread of its own, so it never blocks on a full pipe.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

pub struct Process {
    child: Child,
    lines: Receiver<String>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    /// Spawns `command` with its stdout piped to this handle.
    pub fn spawn(command: &mut Command) -> Self {
        let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        Self { child, lines }
    }

    /// The first stdout line from now on that starts with `prefix`, waiting up to `limit`; `None` when none came
    /// (the process may have exited).
    pub fn line_starting(&self, prefix: &str, limit: Duration) -> Option<String> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let line = self.lines.recv_timeout(left).ok()?;
            if line.starts_with(prefix) {
                return Some(line);
            }
        }
    }

    /// The address of a `serve` that printed `listening on http://ADDR` within `limit`.
    pub fn listening_address(&self, limit: Duration) -> Option<String> {
        self.line_starting("listening on http://", limit)
            .map(|line| line.trim_start_matches("listening on http://").to_owned())
    }

    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }
}
