//! One child process of an app in another language: started, fed one JSON line at a time,
//! read with a wall-clock guard, killed with SIGKILL. Its standard error is kept for the
//! run's report, never for the history (its timing is the operating system's, not the
//! simulation's).

use super::json::clip;
use super::AppCommand;
use serde_json::Value;
use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};

/// A line longer than this (16 MiB) is refused: no message of the protocol needs it, and
/// reading it whole would let a broken app exhaust bgsim's memory.
const MAX_LINE_BYTES: usize = 16 << 20;

/// At most this much of a process's standard error is kept (64 KiB).
const MAX_STDERR_BYTES: usize = 64 << 10;

thread_local! {
    /// The standard error of every process a run on this thread started, in the order they
    /// ended (the simulation of a run stays on one thread).
    static RUN_STDERR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// The standard error the processes of this thread's runs wrote since the last call.
pub fn take_stderr() -> String {
    RUN_STDERR.with(|s| std::mem::take(&mut *s.borrow_mut()))
}

/// What the reader thread saw on the process's standard output.
enum Line {
    Text(String),
    TooLong,
    End,
}

/// A running app process.
pub(crate) struct Conn {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Line>,
    stderr: Arc<Mutex<Vec<u8>>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
    command: AppCommand,
    killed: bool,
}

impl Conn {
    /// Starts `command` in its folder, with pipes on its three streams.
    pub fn spawn(command: &AppCommand) -> Result<Conn, String> {
        let (program, args) = command
            .argv
            .split_first()
            .ok_or_else(|| "the app command is empty".to_string())?;
        let mut child = Command::new(program)
            .args(args)
            .current_dir(&command.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start `{}`: {e}", command.display()))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut line = Vec::new();
                let read = (&mut reader)
                    .take(MAX_LINE_BYTES as u64 + 1)
                    .read_until(b'\n', &mut line);
                let message = match read {
                    Ok(0) | Err(_) => Line::End,
                    Ok(_) if line.len() > MAX_LINE_BYTES => Line::TooLong,
                    Ok(_) => Line::Text(String::from_utf8_lossy(&line).into_owned()),
                };
                let end = !matches!(message, Line::Text(_));
                if sender.send(message).is_err() || end {
                    return;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&stderr);
        let stderr_reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n @ 1..) = stderr_pipe.read(&mut buf) {
                let mut kept = kept.lock().unwrap_or_else(|p| p.into_inner());
                let room = MAX_STDERR_BYTES.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        });
        Ok(Conn {
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
            stderr_reader: Some(stderr_reader),
            command: command.clone(),
            killed: false,
        })
    }

    /// Writes one message as one line.
    pub fn send(&mut self, message: &Value) -> Result<(), String> {
        let mut line = message.to_string();
        line.push('\n');
        let written = match self.stdin.as_mut() {
            Some(stdin) => stdin.write_all(line.as_bytes()).and_then(|()| stdin.flush()),
            None => return Err("its standard input is closed".into()),
        };
        written.map_err(|_| self.ended())
    }

    /// Reads the next message: a JSON object on one line, within the guard.
    pub fn receive(&mut self) -> Result<Value, String> {
        let guard = self.command.timeout;
        let deadline = std::time::Instant::now() + guard;
        // Waited for in slices, so a signal to bgsim is not held up by a slow app.
        let slice = std::time::Duration::from_millis(50);
        let received = loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left.min(slice)) {
                Err(RecvTimeoutError::Timeout) if !left.is_zero() => {
                    if let Some(signal) = crate::interrupt::caught() {
                        let name = crate::interrupt::name(signal);
                        return Err(format!("bgsim was stopped by {name} while it waited"));
                    }
                }
                other => break other,
            }
        };
        let line = match received {
            Ok(Line::Text(line)) => line,
            Ok(Line::TooLong) => {
                return Err(format!("it wrote a line longer than {MAX_LINE_BYTES} bytes"))
            }
            Ok(Line::End) | Err(RecvTimeoutError::Disconnected) => return Err(self.ended()),
            Err(RecvTimeoutError::Timeout) => {
                return Err(format!(
                    "it did not answer within {} (the wall-clock guard)",
                    bgsim_simulator::time::fmt_duration(guard)
                ))
            }
        };
        let text = line.trim_end_matches(['\n', '\r']);
        match serde_json::from_str::<Value>(text) {
            Ok(value @ Value::Object(_)) => Ok(value),
            Ok(_) => Err(format!("it wrote a line that is not a JSON object: {}", clip(text))),
            Err(e) => Err(format!("it wrote a line that is not JSON ({e}): {}", clip(text))),
        }
    }

    /// Closes the process's standard input: a probed process reads end of file and exits.
    pub fn close_input(&mut self) {
        self.stdin = None;
    }

    /// Why the process stopped talking: it exited (with its status) or closed its output.
    fn ended(&mut self) -> String {
        self.stdin = None;
        // The exit may lag the end of the output by a moment; wait for it, within the guard.
        let deadline = std::time::Instant::now() + self.command.timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return format!("it exited on its own ({status})"),
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(1))
                }
                _ => return "it closed its standard output".into(),
            }
        }
    }

    /// SIGKILL, as iOS ends a process: no chance to save anything. Its standard error goes
    /// to this thread's run report.
    pub fn kill(&mut self) {
        if self.killed {
            return;
        }
        self.killed = true;
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The last bytes it wrote may still be in the pipe: let the reader reach its end,
        // unless something the app started keeps the pipe open.
        if let Some(reader) = self.stderr_reader.take() {
            for _ in 0..100 {
                if reader.is_finished() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
        let stderr = std::mem::take(&mut *self.stderr.lock().unwrap_or_else(|p| p.into_inner()));
        if !stderr.is_empty() {
            RUN_STDERR.with(|s| {
                let mut s = s.borrow_mut();
                s.push_str(&String::from_utf8_lossy(&stderr));
                if !s.ends_with('\n') {
                    s.push('\n');
                }
            });
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.kill();
    }
}
