//! A damaged database file is refused at open (or moved aside on request), never opened empty
//! or half-read without a word; an intact one left by a crash opens with all its data; a clean
//! stop leaves the data in the database file and an empty write-ahead log.

use std::path::{Path, PathBuf};

use local_guard::sqlite::damage::{
    PAGE_SIZE as PAGE, copy_as_crashed, file_len as len, flip_byte as flip, scramble_page,
    truncate, wal_frame_offset,
};
use local_guard::sqlite::{Damage, shm_path, wal_path};

use super::*;
use crate::error::ServiceError;

const FILE: &str = "durable.sqlite3";

fn options(accept_data_loss: bool) -> DurableLocalOptions {
    DurableLocalOptions {
        accept_data_loss,
        ..DurableLocalOptions::default()
    }
}

fn open(path: &Path, accept_data_loss: bool) -> Result<Service, ServiceError> {
    Service::open_with(
        path,
        OpenOptions {
            on_damage: OnDamage::accepting_data_loss(accept_data_loss),
            ..OpenOptions::default()
        },
    )
}

/// Starts `count` more executions with a 2 KB input each (so the file spans many pages).
fn start(service: &Service, count: usize) {
    let input = serde_json::to_string(&"x".repeat(2_000)).unwrap();
    let first = executions(service);
    for i in first..first + count {
        service
            .start_execution("f", Some(&format!("e{i}")), &input, 60, None)
            .unwrap();
    }
}

fn executions(service: &Service) -> usize {
    service.reader().load_all().unwrap().len()
}

/// A database as a crash (`kill -9`) leaves it: `count` committed executions, in the log only.
/// The files are copied while the service still holds them (closing it would checkpoint).
fn crashed(dir: &Path, count: usize) -> PathBuf {
    let live = dir.join("live");
    std::fs::create_dir_all(&live).unwrap();
    let service = open(&live.join(FILE), false).unwrap();
    start(&service, count);
    let copy = copy_as_crashed(&live.join(FILE), dir);
    assert!(len(&wal_path(&copy)).unwrap() > wal_frame_offset(6));
    drop(service);
    copy
}

/// A database closed cleanly after `count` executions.
fn closed(dir: &Path, count: usize) -> PathBuf {
    let path = dir.join(FILE);
    let service = open(&path, false).unwrap();
    start(&service, count);
    drop(service);
    path
}

/// The damage the open refused, after checking nothing was moved or emptied (the check may
/// leave an empty log behind).
fn refused(path: &Path) -> Damage {
    let before = (
        std::fs::read(path).unwrap(),
        len(&wal_path(path)).unwrap_or(0),
    );
    let error = match open(path, false) {
        Ok(service) => panic!(
            "a damaged database opened, with {} executions",
            executions(&service)
        ),
        Err(error) => error,
    };
    let ServiceError::Database(error) = &error else {
        panic!("not a damage refusal: {error}");
    };
    let damage = error
        .damage()
        .unwrap_or_else(|| panic!("not damage: {error}"))
        .clone();
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("--accept-data-loss"), "{message}");
    let after = (
        std::fs::read(path).unwrap(),
        len(&wal_path(path)).unwrap_or(0),
    );
    assert!(after == before, "left as it was");
    damage
}

#[test]
fn an_intact_database_left_by_a_crash_opens_with_all_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = crashed(dir.path(), 20);
    assert_eq!(executions(&open(&path, false).unwrap()), 20);
}

#[test]
fn a_damaged_frame_of_the_log_is_refused_naming_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = crashed(dir.path(), 20);
    flip(&wal_path(&path), wal_frame_offset(3) + 24 + 100);
    let damage = refused(&path);
    assert!(
        damage.problem().contains(&format!("{FILE}-wal")),
        "{damage}"
    );
    assert!(damage.problem().contains("frame 3 of"), "{damage}");
}

#[test]
fn a_damaged_log_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = crashed(dir.path(), 20);
    flip(&wal_path(&path), 20);
    let damage = refused(&path);
    assert!(damage.problem().contains("damaged header"), "{damage}");
}

#[test]
fn a_damaged_main_file_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed(dir.path(), 20);
    flip(&path, 4);
    let damage = refused(&path);
    assert!(
        damage.problem().contains("not a SQLite database"),
        "{damage}"
    );
}

#[test]
fn damaged_pages_in_the_middle_are_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed(dir.path(), 60);
    let pages = len(&path).unwrap() / PAGE;
    assert!(pages >= 20, "{pages} pages");
    scramble_page(&path, pages / 2);
    let damage = refused(&path);
    assert!(
        damage.problem().contains("quick_check") || damage.problem().contains("malformed"),
        "{damage}"
    );
}

#[test]
fn a_truncated_main_file_is_refused() {
    for keep in [0.0, 0.5] {
        let dir = tempfile::tempdir().unwrap();
        let path = closed(dir.path(), 30);
        let size = len(&path).unwrap();
        let kept = (size as f64 * keep) as u64 / PAGE * PAGE;
        truncate(&path, kept);
        let damage = refused(&path);
        assert!(damage.problem().contains("truncated"), "{damage}");
    }
}

#[test]
fn accepting_data_loss_moves_the_damaged_files_aside_and_starts_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = crashed(dir.path(), 20);
    flip(&wal_path(&path), wal_frame_offset(2) + 24 + 7);
    let damaged = (
        std::fs::read(&path).unwrap(),
        std::fs::read(wal_path(&path)).unwrap(),
    );

    let service = open(&path, true).unwrap();

    assert_eq!(executions(&service), 0);
    let moved = service.moved_aside().unwrap();
    assert_eq!(moved.damage.path(), path);
    assert_eq!(moved.files.len(), 2, "{moved}");
    let target = &moved.files[0].to;
    assert!(
        target
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(&format!("{FILE}.damaged-")),
        "{moved}"
    );
    assert_eq!(std::fs::read(target).unwrap(), damaged.0);
    assert_eq!(moved.files[1].to, wal_path(target));
    assert_eq!(std::fs::read(wal_path(target)).unwrap(), damaged.1);
    assert!(!shm_path(target).exists());
    // The new store takes writes.
    start(&service, 1);
    assert_eq!(executions(&service), 1);
}

#[test]
fn accepting_data_loss_changes_nothing_for_an_intact_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = crashed(dir.path(), 20);
    let service = open(&path, true).unwrap();
    assert!(service.moved_aside().is_none());
    assert_eq!(executions(&service), 20);
}

#[test]
fn a_fresh_database_is_never_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE);
    let service = open(&path, false).unwrap();
    assert!(len(&path).unwrap() >= PAGE);
    assert!(!dir.path().join(format!("{FILE}.new")).exists());
    drop(service);
    assert_eq!(executions(&open(&path, false).unwrap()), 0);
}

#[tokio::test]
async fn a_clean_stop_checkpoints_the_log_into_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE);
    let local = DurableLocal::open(&path, options(false)).unwrap();
    start(&local.core.service, 20);
    assert!(len(&wal_path(&path)).unwrap() > 0);

    local.shutdown().unwrap();

    assert_eq!(len(&wal_path(&path)), Some(0));
    // The database file alone holds every execution.
    let alone = tempfile::tempdir().unwrap();
    std::fs::copy(&path, alone.path().join(FILE)).unwrap();
    assert_eq!(
        executions(&open(&alone.path().join(FILE), false).unwrap()),
        20
    );
    // Dropped after more writes: checkpointed again.
    start(&local.core.service, 1);
    drop(local);
    assert!(len(&wal_path(&path)).unwrap_or(0) == 0);
    std::fs::copy(&path, alone.path().join("again.sqlite3")).unwrap();
    assert_eq!(
        executions(&open(&alone.path().join("again.sqlite3"), false).unwrap()),
        21
    );
}
