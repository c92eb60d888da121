//! The embedded service on a damaged data directory: a damaged `loyalty.sqlite3` is refused at open (or moved aside
//! with `accept_data_loss`), never opened empty or half-read without a word; an intact one left by a crash opens
//! with all its data; a clean stop leaves the data in the database file and an empty write-ahead log.

use std::path::{Path, PathBuf};

use local_guard::sqlite::damage::{
    PAGE_SIZE as PAGE, copy_as_crashed, file_len as len, flip_byte as flip, scramble_page,
    truncate, wal_frame_offset,
};
use local_guard::sqlite::{Damage, shm_path, wal_path};

use super::*;
use crate::embedded::EmbeddedError;
use crate::service::DATABASE_FILE;
use loyalty_service::http::JwtSecret;

fn open(data_dir: &Path, accept_data_loss: bool) -> Result<EmbeddedService, EmbeddedError> {
    let mut config = ServiceConfig::new(data_dir, "dev", JwtSecret::new("s"));
    config.accept_data_loss = accept_data_loss;
    EmbeddedService::open(config)
}

/// Adds `count` accounts, one transaction each, with 2 KB of legacy orders (so the file spans many pages).
fn add_accounts(service: &EmbeddedService, count: usize) {
    let first = accounts(service);
    let orders = serde_json::to_string(&vec!["o".repeat(40); 50]).unwrap();
    for i in first..first + count as i64 {
        service
            .db
            .write(|tx| {
                tx.execute(
                    "INSERT INTO accounts VALUES (?1, 100, 1, ?2, 0)",
                    rusqlite::params![format!("u{i}"), orders],
                )
            })
            .unwrap();
    }
}

fn accounts(service: &EmbeddedService) -> i64 {
    service
        .db
        .read(|c| c.query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0)))
        .map_err(|e: rusqlite::Error| e)
        .unwrap()
}

/// A data directory as a crash (`kill -9`) leaves it: `count` committed accounts, in the log only. The files are
/// copied while the service still holds them (closing it would checkpoint).
fn crashed(dir: &Path, count: usize) -> PathBuf {
    let live = dir.join("live");
    let service = open(&live, false).unwrap();
    add_accounts(&service, count);
    let data_dir = dir.join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    let copy = copy_as_crashed(&live.join(DATABASE_FILE), &data_dir);
    assert!(len(&wal_path(&copy)).unwrap() > wal_frame_offset(6));
    drop(service);
    data_dir
}

/// A data directory stopped cleanly after `count` accounts.
fn closed(dir: &Path, count: usize) -> PathBuf {
    let service = open(dir, false).unwrap();
    add_accounts(&service, count);
    drop(service);
    dir.to_owned()
}

/// The damage the open refused, after checking the files were left as they were (the check may leave an empty log
/// behind).
fn refused(data_dir: &Path) -> Damage {
    let path = data_dir.join(DATABASE_FILE);
    let files = || {
        (
            std::fs::read(&path).unwrap(),
            len(&wal_path(&path)).unwrap_or(0),
        )
    };
    let before = files();
    let error = match open(data_dir, false) {
        Ok(service) => panic!(
            "a damaged database opened, with {} accounts",
            accounts(&service)
        ),
        Err(error) => error,
    };
    let EmbeddedError::Database(error) = &error else {
        panic!("not a damage refusal: {error}");
    };
    let damage = error
        .damage()
        .unwrap_or_else(|| panic!("not damage: {error}"))
        .clone();
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("--accept-data-loss"), "{message}");
    assert!(files() == before, "left as it was");
    damage
}

#[test]
fn an_intact_data_directory_left_by_a_crash_opens_with_all_its_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = crashed(dir.path(), 20);
    assert_eq!(accounts(&open(&data_dir, false).unwrap()), 20);
}

#[test]
fn a_damaged_frame_of_the_log_is_refused_naming_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = crashed(dir.path(), 20);
    flip(
        &wal_path(&data_dir.join(DATABASE_FILE)),
        wal_frame_offset(3) + 24 + 100,
    );
    let damage = refused(&data_dir);
    assert!(
        damage.problem().contains(&format!("{DATABASE_FILE}-wal")),
        "{damage}"
    );
    assert!(damage.problem().contains("frame 3 of"), "{damage}");
}

#[test]
fn a_damaged_log_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = crashed(dir.path(), 20);
    flip(&wal_path(&data_dir.join(DATABASE_FILE)), 25);
    let damage = refused(&data_dir);
    assert!(damage.problem().contains("damaged header"), "{damage}");
}

#[test]
fn a_damaged_main_file_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = closed(dir.path(), 20);
    flip(&data_dir.join(DATABASE_FILE), 2);
    let damage = refused(&data_dir);
    assert!(
        damage.problem().contains("not a SQLite database"),
        "{damage}"
    );
}

#[test]
fn damaged_pages_in_the_middle_are_refused_at_open_not_by_a_later_request() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = closed(dir.path(), 60);
    let path = data_dir.join(DATABASE_FILE);
    let pages = len(&path).unwrap() / PAGE;
    assert!(pages >= 20, "{pages} pages");
    scramble_page(&path, pages / 2);
    let damage = refused(&data_dir);
    assert!(
        damage.problem().contains("quick_check") || damage.problem().contains("malformed"),
        "{damage}"
    );
}

#[test]
fn a_truncated_main_file_is_refused() {
    for keep in [0.0, 0.5] {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = closed(dir.path(), 30);
        let path = data_dir.join(DATABASE_FILE);
        let kept = (len(&path).unwrap() as f64 * keep) as u64 / PAGE * PAGE;
        truncate(&path, kept);
        let damage = refused(&data_dir);
        assert!(damage.problem().contains("truncated"), "{damage}");
    }
}

#[test]
fn accepting_data_loss_moves_the_damaged_files_aside_and_starts_empty() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = crashed(dir.path(), 20);
    let path = data_dir.join(DATABASE_FILE);
    flip(&wal_path(&path), wal_frame_offset(2) + 24 + 7);
    std::fs::write(shm_path(&path), vec![0u8; 32_768]).unwrap();
    let damaged = (
        std::fs::read(&path).unwrap(),
        std::fs::read(wal_path(&path)).unwrap(),
    );

    let service = open(&data_dir, true).unwrap();

    assert_eq!(accounts(&service), 0);
    let moved = service.db.moved_aside().unwrap();
    assert_eq!(moved.damage.path(), path);
    let targets: Vec<&Path> = moved.files.iter().map(|f| f.to.as_path()).collect();
    let main = targets[0];
    let name = main.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("{DATABASE_FILE}.damaged-")),
        "{moved}"
    );
    assert_eq!(
        targets,
        [main.to_owned(), wal_path(main), shm_path(main)]
            .iter()
            .map(PathBuf::as_path)
            .collect::<Vec<_>>()
    );
    assert_eq!(std::fs::read(main).unwrap(), damaged.0);
    assert_eq!(std::fs::read(wal_path(main)).unwrap(), damaged.1);
    assert!(shm_path(main).exists());
    assert!(moved.to_string().contains(&name), "{moved}");
    // The new store takes writes.
    add_accounts(&service, 1);
    assert_eq!(accounts(&service), 1);
}

#[test]
fn accepting_data_loss_changes_nothing_for_an_intact_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = crashed(dir.path(), 20);
    let service = open(&data_dir, true).unwrap();
    assert!(service.db.moved_aside().is_none());
    assert_eq!(accounts(&service), 20);
}

#[test]
fn a_fresh_database_is_never_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let service = open(dir.path(), false).unwrap();
    assert!(len(&dir.path().join(DATABASE_FILE)).unwrap() >= PAGE);
    assert!(!dir.path().join(format!("{DATABASE_FILE}.new")).exists());
    drop(service);
    assert_eq!(accounts(&open(dir.path(), false).unwrap()), 0);
}

/// Whether the database file alone (copied without its log) holds `expected` accounts.
fn file_alone_holds(path: &Path, expected: i64) {
    let alone = tempfile::tempdir().unwrap();
    std::fs::copy(path, alone.path().join(DATABASE_FILE)).unwrap();
    assert_eq!(accounts(&open(alone.path(), false).unwrap()), expected);
}

#[test]
fn a_clean_stop_checkpoints_the_log_into_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    let service = open(dir.path(), false).unwrap();
    add_accounts(&service, 20);
    assert!(len(&wal_path(&path)).unwrap() > 0);

    service.checkpoint().unwrap();

    assert_eq!(len(&wal_path(&path)), Some(0));
    file_alone_holds(&path, 20);
}

#[test]
fn dropping_the_service_checkpoints_the_log_even_after_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    let service = open(dir.path(), false).unwrap();
    add_accounts(&service, 20);
    // A reader connection is open in the pool.
    assert_eq!(accounts(&service), 20);

    drop(service);

    assert_eq!(len(&wal_path(&path)).unwrap_or(0), 0);
    file_alone_holds(&path, 20);
}
