//! Running a helper program — `git`, a Docker credential helper — under the fetch deadline: in a
//! process group of its own, killed whole when the deadline passes (git's `ssh` and remote
//! helpers with it), its standard output capped and the first KiB of its standard error kept.

use std::io::{Read as _, Write as _};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::{FetchCode, FetchError};

/// What a finished program left.
#[derive(Debug)]
pub(crate) struct Finished {
    /// Its exit status.
    pub(crate) status: ExitStatus,
    /// Standard output, at most the cap plus one byte (more means over the cap).
    pub(crate) stdout: Vec<u8>,
    /// The first KiB of standard error, trimmed.
    pub(crate) stderr: String,
}

/// Runs `command` with `stdin` on its standard input, for at most `timeout`; `what` names it in
/// errors, and `cannot_run` is the code when it cannot be started.
pub(crate) fn run(
    mut command: Command,
    stdin: Option<&[u8]>,
    cap: u64,
    timeout: Duration,
    what: &str,
    cannot_run: FetchCode,
) -> Result<Finished, FetchError> {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| FetchError::new(cannot_run, format!("{what}: cannot run it: {e}")))?;
    let input = stdin.map(<[u8]>::to_vec);
    let writer = child.stdin.take().map(|mut pipe| {
        std::thread::spawn(move || {
            if let Some(bytes) = input {
                let _ = pipe.write_all(&bytes);
            }
        })
    });
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stdout {
            let _ = s.take(cap + 1).read_to_end(&mut buf);
        }
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stderr {
            let _ = s.take(1024).read_to_end(&mut buf);
        }
        buf
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                kill_group(&mut child);
                return Err(FetchError::new(
                    FetchCode::Timeout,
                    format!("{what}: no answer within {timeout:?}"),
                ));
            }
        }
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    Ok(Finished {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: String::from_utf8_lossy(&err.join().unwrap_or_default())
            .trim()
            .to_owned(),
    })
}

/// Kills the child and everything it started (its process group), without `unsafe`: `kill -KILL
/// -<pgid>`.
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_and_its_children_end_at_the_deadline() {
        let mut command = Command::new("sh");
        command.args(["-c", "sleep 31.25 & sleep 31.25"]);
        let started = Instant::now();
        let e = run(
            command,
            None,
            16,
            Duration::from_millis(200),
            "sh",
            FetchCode::Unsupported,
        )
        .unwrap_err();
        assert_eq!(e.code(), FetchCode::Timeout);
        assert!(started.elapsed() < Duration::from_secs(5));
        // The background child went with its group.
        std::thread::sleep(Duration::from_millis(100));
        let left = Command::new("pgrep")
            .args(["-f", "sleep 31.25"])
            .output()
            .unwrap();
        assert!(
            left.stdout.is_empty(),
            "{:?}",
            String::from_utf8_lossy(&left.stdout)
        );
    }

    #[test]
    fn input_output_and_the_cap() {
        let mut command = Command::new("cat");
        command.arg("-");
        let done = run(
            command,
            Some(b"hello"),
            3,
            Duration::from_secs(5),
            "cat",
            FetchCode::Unsupported,
        )
        .unwrap();
        assert!(done.status.success());
        assert_eq!(done.stdout, b"hell", "the cap plus one byte");
        let e = run(
            Command::new("/nonexistent/program"),
            None,
            1,
            Duration::from_secs(1),
            "x",
            FetchCode::CredentialHelper,
        )
        .unwrap_err();
        assert_eq!(e.code(), FetchCode::CredentialHelper);
    }
}
