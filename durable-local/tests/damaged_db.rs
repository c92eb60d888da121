//! `durable-local serve` on a damaged database: it exits 1 naming the file; with
//! `--accept-data-loss` it moves the files aside and starts empty; stopped with Ctrl-C (SIGINT)
//! it leaves the data in the database file and an empty write-ahead log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Kills and reaps the child when dropped, so a failing test leaves nothing running.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_durable-local"));
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .args(extra);
    command
}

/// Runs `serve` to its exit (killed after 30 s).
fn run_to_exit(mut command: Command) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve did not exit within 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Starts `serve`, waits for its "listening" line, stops it with SIGINT and waits for a clean exit;
/// returns its stderr.
fn serve_and_stop(command: &mut Command, stderr_file: &Path) -> String {
    let child = command
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(stderr_file).unwrap())
        .spawn()
        .unwrap();
    let mut child = Reaped(child);
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let stderr = || std::fs::read_to_string(stderr_file).unwrap();
    assert!(
        line.contains("listening on http://127.0.0.1:"),
        "{line:?}; stderr:\n{}",
        stderr()
    );
    let interrupted = Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "serve did not stop within 30 s");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}; stderr:\n{}", stderr());
    stderr()
}

fn wal(db: &Path) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    name.into()
}

#[test]
fn a_damaged_database_stops_serve_and_the_recovery_flag_moves_it_aside() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("durable.db");
    // A database whose header is gone.
    std::fs::write(&db, vec![0x42; 16 * 4096]).unwrap();

    let refused = run_to_exit(serve(&db, &[]));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(stderr.contains(&db.display().to_string()), "{stderr}");
    assert!(stderr.contains("not a SQLite database"), "{stderr}");
    assert!(stderr.contains("--accept-data-loss"), "{stderr}");
    assert_eq!(std::fs::read(&db).unwrap(), vec![0x42; 16 * 4096]);

    let stderr = serve_and_stop(
        &mut serve(&db, &["--accept-data-loss"]),
        &dir.path().join("stderr.txt"),
    );
    assert!(stderr.contains("moved"), "{stderr}");
    let moved: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("durable.db.damaged-"))
        .collect();
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert!(stderr.contains(&moved[0]), "{stderr}");
    assert_eq!(
        std::fs::read(dir.path().join(&moved[0])).unwrap(),
        vec![0x42; 16 * 4096]
    );
    // The fresh database was stopped cleanly: no log left to lose.
    assert!(std::fs::metadata(wal(&db)).map_or(0, |m| m.len()) == 0);
    assert!(std::fs::metadata(&db).unwrap().len() > 0);
    // And it opens again without the flag.
    serve_and_stop(&mut serve(&db, &[]), &dir.path().join("stderr2.txt"));
}
