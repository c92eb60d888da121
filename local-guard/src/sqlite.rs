//! Checked SQLite files: refuse a damaged database instead of starting empty.
//!
//! SQLite is forgiving on purpose: it ignores a write-ahead log (`<db>-wal`) whose header is damaged, drops every
//! frame of the log from the first one whose checksum fails, and opens a file with damaged pages until a query
//! touches them. For a server that keeps its state in one file, each of these means starting with less data (often
//! none) without a word, or failing requests one by one later ("database disk image is malformed"). This module
//! checks a database before a server opens it:
//!
//! - [`check`] reads the files itself: the main file must be absent (a fresh start; then no non-empty `-wal` may
//!   exist without it) or start with a whole SQLite header (`SQLite format 3\0`, a valid page size) and be a whole
//!   number of pages, no fewer than its header counts. A non-empty `-wal` is verified frame by frame as the
//!   [SQLite file format](https://sqlite.org/fileformat2.html#the_write_ahead_log) defines it: a log with frames
//!   needs a valid header (magic number, version, page size, checksum); a frame carrying the log's salts must pass
//!   its cumulative checksum. Frames with other salts are leftovers of an earlier generation of the log (normal
//!   after a checkpoint restarted it); valid frames after the last commit are a transaction that never committed
//!   (normal after a crash). A bad frame after which the log commits nothing belongs to such a transaction, torn by
//!   a crash while it was written (a frame header without its page, or a page rewritten in place before the commit
//!   fixed the checksums): SQLite drops it, and the check lets it pass. The one frame of committed data whose damage
//!   looks the same is the commit frame of the log's last transaction; SQLite cannot tell the two apart either. A
//!   frame with one salt of the log and not the other is damage. Then the database is opened read-only and
//!   `PRAGMA quick_check` must answer `ok`. Whatever is wrong comes back as a [`Damage`] naming the file, the
//!   problem and the ways to recover.
//! - [`ensure_intact`] runs the check and, with [`OnDamage::MoveAside`] (the servers' `--accept-data-loss`), moves
//!   a damaged database aside with [`move_aside`] (the main file, `-wal` and `-shm` become
//!   `<name>.damaged-<UTC yyyymmddThhmmssZ>` and its `-wal` and `-shm`, still one openable database, never
//!   deleted) so that the server starts with an empty store.
//! - [`create`] builds a fresh database under a temporary name and renames it into place once `init` (journal mode,
//!   schema) has run, so an existing file always holds a schema and a 0-byte file is always damage.
//! - [`checkpoint`] runs `PRAGMA wal_checkpoint(TRUNCATE)`: on a clean stop the data is in the main file and the log
//!   is empty, so a copy of the main file alone is a complete backup.
//! - [`damage_in`] recognises SQLite's own "file is not a database" and "database disk image is malformed" errors.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, ErrorCode, OpenFlags};

/// The command-line flag of the servers that moves a damaged database aside instead of refusing to start.
pub const RECOVERY_FLAG: &str = "--accept-data-loss";

/// The first 16 bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// The length of the database header.
const HEADER_LEN: usize = 100;
/// The WAL header: magic, version, page size, checkpoint sequence, two salts, two checksum words.
const WAL_HEADER_LEN: usize = 32;
/// A frame header: page number, database size after a commit (0 otherwise), two salts, two checksum words.
const WAL_FRAME_HEADER_LEN: usize = 24;
/// The WAL magic number with little-endian checksums; `| 1`: big-endian checksums.
const WAL_MAGIC: u32 = 0x377f_0682;
/// The only WAL format version.
const WAL_VERSION: u32 = 3_007_000;
/// How many lines of `PRAGMA quick_check` a [`Damage`] quotes.
const QUICK_CHECK_LINES: usize = 5;
/// How long the check waits for a lock another connection holds.
const CHECK_BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// What is wrong with a database file, and how to recover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    path: PathBuf,
    problem: String,
}

impl Damage {
    fn new(path: &Path, problem: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            problem: problem.into(),
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What is wrong with it.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = file_name(&self.path);
        write!(
            f,
            "the database {} is damaged: {}. It was not opened, so that nothing is lost silently. To recover, \
             restore the data directory from a copy taken while the server was stopped, or start with \
             {RECOVERY_FLAG}: it moves the damaged files aside (to {name}.damaged-<UTC time>, with its -wal and \
             -shm; never deleted) and starts with an empty store",
            self.path.display(),
            self.problem
        )
    }
}

impl std::error::Error for Damage {}

/// Why a database could not be checked, moved or created.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database is damaged.
    #[error(transparent)]
    Damaged(#[from] Damage),
    /// The file system failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// SQLite failed for another reason than damage (e.g. the file is locked by another process).
    #[error("{}: {source}", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
}

impl Error {
    /// The damage, when that is what this is.
    pub fn damage(&self) -> Option<&Damage> {
        match self {
            Self::Damaged(damage) => Some(damage),
            _ => None,
        }
    }

    fn io(context: String, source: std::io::Error) -> Self {
        Self::Io { context, source }
    }

    /// A SQLite error of `path`; "not a database" and "malformed" become [`Error::Damaged`].
    pub fn sqlite(path: &Path, source: rusqlite::Error) -> Self {
        match damage_in(path, &source) {
            Some(damage) => Self::Damaged(damage),
            None => Self::Sqlite {
                path: path.to_owned(),
                source,
            },
        }
    }
}

/// What a server does with a damaged database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDamage {
    /// Refuse to start (the default).
    #[default]
    Refuse,
    /// Move the damaged files aside and start with an empty store (`--accept-data-loss`).
    MoveAside,
}

impl OnDamage {
    /// [`OnDamage::MoveAside`] when the data loss is accepted, [`OnDamage::Refuse`] otherwise.
    pub fn accepting_data_loss(accept: bool) -> Self {
        if accept {
            Self::MoveAside
        } else {
            Self::Refuse
        }
    }
}

/// One file moved aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedFile {
    /// Where it was.
    pub from: PathBuf,
    /// Where it is now.
    pub to: PathBuf,
}

/// A damaged database that was moved aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedAside {
    /// What was wrong with it.
    pub damage: Damage,
    /// The files moved, the main file first.
    pub files: Vec<MovedFile>,
}

impl fmt::Display for MovedAside {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the database {} is damaged: {}. With {RECOVERY_FLAG} it was moved aside:",
            self.damage.path.display(),
            self.damage.problem
        )?;
        for (i, file) in self.files.iter().enumerate() {
            let separator = if i == 0 { " " } else { ", " };
            write!(
                f,
                "{separator}{} to {}",
                file.from.display(),
                file.to.display()
            )?;
        }
        write!(f, "; starting with an empty store")
    }
}

/// `<db>-wal`.
pub fn wal_path(path: &Path) -> PathBuf {
    with_suffix(path, "-wal")
}

/// `<db>-shm`.
pub fn shm_path(path: &Path) -> PathBuf {
    with_suffix(path, "-shm")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The length of a file, `None` if it does not exist.
fn file_len(path: &Path) -> Result<Option<u64>, Error> {
    match std::fs::metadata(path) {
        Ok(metadata) => Ok(Some(metadata.len())),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(Error::io(format!("cannot read {}", path.display()), error)),
    }
}

/// The damage SQLite's error `error` reveals about `path`: "file is not a database" or "database disk image is
/// malformed".
pub fn damage_in(path: &Path, error: &rusqlite::Error) -> Option<Damage> {
    let rusqlite::Error::SqliteFailure(failure, message) = error else {
        return None;
    };
    if !matches!(
        failure.code,
        ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt
    ) {
        return None;
    }
    let text = message.clone().unwrap_or_else(|| failure.to_string());
    Some(Damage::new(path, format!("SQLite cannot read it: {text}")))
}

/// Checks the database at `path` (see the module documentation): `Ok` for an intact database or none at all,
/// [`Error::Damaged`] for a damaged one. Read-only, except that SQLite may leave an empty `-wal` and a `-shm`.
pub fn check(path: &Path) -> Result<(), Error> {
    let wal = wal_path(path);
    let wal_len = file_len(&wal)?.unwrap_or(0);
    let Some(main_len) = file_len(path)? else {
        if wal_len > 0 {
            return Err(Damage::new(
                path,
                format!(
                    "the file is missing, but its write-ahead log {} holds {wal_len} bytes",
                    wal.display()
                ),
            )
            .into());
        }
        return Ok(());
    };
    let header = read_header(path, main_len)?;
    let current_frames = if wal_len > 0 {
        check_wal(path, &wal, wal_len, header.page_size)?
    } else {
        0
    };
    // With frames in the log, the main file may be shorter than the database (a checkpoint in progress); SQLite
    // then checks the sizes itself.
    if current_frames == 0 {
        header.check_size(path, main_len)?;
    }
    quick_check(path)
}

/// What the check needs from the database header.
struct Header {
    page_size: u32,
    /// The page count the header records, when it is valid.
    page_count: Option<u32>,
}

impl Header {
    fn check_size(&self, path: &Path, len: u64) -> Result<(), Damage> {
        let page_size = u64::from(self.page_size);
        if !len.is_multiple_of(page_size) {
            return Err(Damage::new(
                path,
                format!(
                    "the file is truncated: {len} bytes is not a whole number of {page_size}-byte pages"
                ),
            ));
        }
        match self.page_count {
            Some(count) if u64::from(count) * page_size > len => Err(Damage::new(
                path,
                format!(
                    "the file is truncated: its header counts {count} pages of {page_size} bytes, the file holds {}",
                    len / page_size
                ),
            )),
            _ => Ok(()),
        }
    }
}

fn be32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    if let Some(slice) = bytes.get(at..at + 4) {
        word.copy_from_slice(slice);
    }
    u32::from_be_bytes(word)
}

fn read_header(path: &Path, len: u64) -> Result<Header, Error> {
    if len == 0 {
        return Err(Damage::new(path, "the file is empty (0 bytes): truncated").into());
    }
    if len < HEADER_LEN as u64 {
        return Err(Damage::new(
            path,
            format!(
                "the file is truncated: {len} bytes, shorter than a SQLite header ({HEADER_LEN} bytes)"
            ),
        )
        .into());
    }
    let mut bytes = [0u8; HEADER_LEN];
    File::open(path)
        .and_then(|mut file| file.read_exact(&mut bytes))
        .map_err(|error| Error::io(format!("cannot read {}", path.display()), error))?;
    if bytes.get(..SQLITE_MAGIC.len()) != Some(SQLITE_MAGIC.as_slice()) {
        return Err(Damage::new(
            path,
            "not a SQLite database: the file does not start with the SQLite header (\"SQLite format 3\"); its \
             header is damaged or it is another file",
        )
        .into());
    }
    let raw_page_size = u32::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    let page_size = if raw_page_size == 1 {
        65_536
    } else {
        raw_page_size
    };
    if !valid_page_size(page_size) {
        return Err(Damage::new(
            path,
            format!("its SQLite header is damaged: page size {raw_page_size} is not a power of two from 512 to 65536"),
        )
        .into());
    }
    // The page count at offset 28 is valid when the change counter (24) equals the version-valid-for number (92).
    let page_count = be32(&bytes, 28);
    let valid = page_count > 0 && be32(&bytes, 24) == be32(&bytes, 92);
    Ok(Header {
        page_size,
        page_count: valid.then_some(page_count),
    })
}

fn valid_page_size(size: u32) -> bool {
    size.is_power_of_two() && (512..=65_536).contains(&size)
}

/// The WAL checksum (sqlite.org/fileformat2.html, "Checksum Algorithm") of `data` (a multiple of 8 bytes),
/// continuing from `sum`, reading 32-bit words big-endian or little-endian as the log's magic number says.
fn wal_checksum(big_endian: bool, data: &[u8], mut sum: (u32, u32)) -> (u32, u32) {
    let word = |bytes: &[u8]| {
        let mut w = [0u8; 4];
        w.copy_from_slice(bytes);
        if big_endian {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        }
    };
    for pair in data.chunks_exact(8) {
        sum.0 = sum.0.wrapping_add(word(&pair[..4])).wrapping_add(sum.1);
        sum.1 = sum.1.wrapping_add(word(&pair[4..])).wrapping_add(sum.0);
    }
    sum
}

/// How a frame relates to the current generation of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Salts {
    /// Both salts are the log header's: a frame of the current log.
    Current,
    /// Neither is: a leftover of an earlier generation.
    Stale,
    /// One is and the other is not: damaged (a checkpoint changes both).
    Mangled,
}

/// The first bad frame of the log.
struct BadFrame {
    /// 1-based.
    number: u64,
    why: &'static str,
    /// Whether a salt is damaged (never a torn write: a frame header is written at once).
    mangled: bool,
    /// Frames of the current log after it, and how many of them end a transaction.
    current_after: u64,
    commits_after: u64,
}

/// Verifies the write-ahead log `wal` (`len` bytes) of `db`; the number of frames of its current generation.
fn check_wal(db: &Path, wal: &Path, len: u64, main_page_size: u32) -> Result<u64, Error> {
    let read_error = |error| Error::io(format!("cannot read {}", wal.display()), error);
    let mut reader = BufReader::with_capacity(1 << 16, File::open(wal).map_err(read_error)?);
    if len < WAL_HEADER_LEN as u64 {
        // Not even a header: SQLite ignores it, and nothing can have been committed to it.
        return Ok(0);
    }
    let mut header = [0u8; WAL_HEADER_LEN];
    reader.read_exact(&mut header).map_err(read_error)?;
    let magic = be32(&header, 0);
    let page_size = be32(&header, 8);
    // Whether the log holds at least one whole frame, by its own page size if that is valid, else the database's.
    let frame_size = WAL_FRAME_HEADER_LEN as u64
        + u64::from(if valid_page_size(page_size) {
            page_size
        } else {
            main_page_size
        });
    let has_frames = len >= WAL_HEADER_LEN as u64 + frame_size;
    let header_problem = if magic & !1 != WAL_MAGIC {
        Some(format!("a bad magic number ({magic:#010x})"))
    } else if be32(&header, 4) != WAL_VERSION {
        Some(format!("an unknown format version ({})", be32(&header, 4)))
    } else if !valid_page_size(page_size) {
        Some(format!("an invalid page size ({page_size})"))
    } else {
        let big_endian = magic & 1 == 1;
        let sum = wal_checksum(big_endian, &header[..24], (0, 0));
        (sum != (be32(&header, 24), be32(&header, 28))).then(|| "a bad checksum".to_owned())
    };
    if let Some(problem) = header_problem {
        if has_frames {
            return Err(Damage::new(
                db,
                format!(
                    "its write-ahead log {} has a damaged header ({problem}) but holds {} bytes of frames: SQLite \
                     would ignore every transaction in it",
                    wal.display(),
                    len - WAL_HEADER_LEN as u64
                ),
            )
            .into());
        }
        return Ok(0);
    }
    if !has_frames {
        return Ok(0);
    }
    if page_size != main_page_size {
        return Err(Damage::new(
            db,
            format!(
                "its write-ahead log {} has {page_size}-byte pages, the database {main_page_size}-byte pages",
                wal.display()
            ),
        )
        .into());
    }
    let big_endian = magic & 1 == 1;
    let salts = (be32(&header, 16), be32(&header, 20));
    let mut sum = (be32(&header, 24), be32(&header, 28));
    let mut frame = vec![0u8; frame_size as usize];
    let frames = (len - WAL_HEADER_LEN as u64) / frame_size;
    let mut current = 0u64;
    let mut bad: Option<BadFrame> = None;
    for number in 1..=frames {
        reader.read_exact(&mut frame).map_err(read_error)?;
        sum = wal_checksum(big_endian, &frame[..8], sum);
        sum = wal_checksum(big_endian, &frame[WAL_FRAME_HEADER_LEN..], sum);
        let kind = match (be32(&frame, 8) == salts.0, be32(&frame, 12) == salts.1) {
            (true, true) => Salts::Current,
            (false, false) => Salts::Stale,
            _ => Salts::Mangled,
        };
        let commit = be32(&frame, 4) != 0;
        if let Some(bad) = bad.as_mut() {
            if kind == Salts::Current {
                bad.current_after += 1;
                bad.commits_after += u64::from(commit);
            }
            continue;
        }
        let why = match kind {
            Salts::Stale => continue,
            Salts::Mangled => Some("its salts are damaged"),
            Salts::Current if be32(&frame, 0) == 0 => Some("its page number is 0"),
            Salts::Current if sum != (be32(&frame, 16), be32(&frame, 20)) => {
                Some("its checksum does not match")
            }
            Salts::Current => None,
        };
        match why {
            Some(why) => {
                bad = Some(BadFrame {
                    number,
                    why,
                    mangled: kind == Salts::Mangled,
                    current_after: 0,
                    commits_after: 0,
                });
            }
            None => current += 1,
        }
    }
    match bad {
        // Nothing committed after it: a transaction that never committed, torn by a crash (a frame header written
        // without its page, or a page rewritten in place before the commit fixed the checksums). SQLite rightly
        // drops it.
        Some(bad) if bad.commits_after == 0 && !bad.mangled => Ok(current),
        Some(bad) => Err(Damage::new(
            db,
            format!(
                "frame {} of {frames} of its write-ahead log {} is damaged ({}): SQLite would silently drop it \
                 and the {} frames of the log after it, {} committed transaction(s)",
                bad.number,
                wal.display(),
                bad.why,
                bad.current_after,
                bad.commits_after
            ),
        )
        .into()),
        None => Ok(current),
    }
}

/// Opens `path` read-only and runs `PRAGMA quick_check`.
fn quick_check(path: &Path) -> Result<(), Error> {
    let sqlite = |error| Error::sqlite(path, error);
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite)?;
    // Closing must not checkpoint a log into a file that may be moved aside as it is.
    connection
        .set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .map_err(sqlite)?;
    connection
        .busy_timeout(CHECK_BUSY_TIMEOUT)
        .map_err(sqlite)?;
    let mut statement = connection.prepare("PRAGMA quick_check").map_err(sqlite)?;
    let lines = statement
        .query_map([], |row| row.get::<_, String>(0))
        .map_err(sqlite)?
        .take(QUICK_CHECK_LINES + 1)
        .collect::<Result<Vec<_>, _>>()
        .map_err(sqlite)?;
    if lines.len() == 1 && lines[0] == "ok" {
        return Ok(());
    }
    let mut report = lines
        .iter()
        .take(QUICK_CHECK_LINES)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("; ");
    if lines.len() > QUICK_CHECK_LINES {
        report.push_str("; ...");
    }
    Err(Damage::new(
        path,
        format!("SQLite's integrity check (PRAGMA quick_check) reports: {report}"),
    )
    .into())
}

/// Checks `path` and, when it is damaged and `on_damage` is [`OnDamage::MoveAside`], moves it aside: `Ok(None)`
/// for an intact database or none, `Ok(Some(_))` for one moved aside (the caller then creates a fresh one).
pub fn ensure_intact(path: &Path, on_damage: OnDamage) -> Result<Option<MovedAside>, Error> {
    match check(path) {
        Ok(()) => Ok(None),
        Err(Error::Damaged(damage)) if on_damage == OnDamage::MoveAside => {
            let files = move_aside(path)?;
            Ok(Some(MovedAside { damage, files }))
        }
        Err(error) => Err(error),
    }
}

/// Moves the database at `path` and its `-wal` and `-shm` (those that exist) aside, to
/// `<name>.damaged-<UTC yyyymmddThhmmssZ>` and its `-wal` and `-shm` (with `-2`, `-3`... after the time when
/// those names are taken). The main file moves first: were the move interrupted, the log left without it is still
/// refused. Returns what moved.
pub fn move_aside(path: &Path) -> Result<Vec<MovedFile>, Error> {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    move_aside_as(path, &utc_stamp(seconds))
}

fn move_aside_as(path: &Path, stamp: &str) -> Result<Vec<MovedFile>, Error> {
    let mut sources = Vec::new();
    for (from, suffix) in [
        (path.to_owned(), ""),
        (wal_path(path), "-wal"),
        (shm_path(path), "-shm"),
    ] {
        if file_len(&from)?.is_some() {
            sources.push((from, suffix));
        }
    }
    let mut target = with_suffix(path, &format!(".damaged-{stamp}"));
    let mut attempt = 1;
    while [target.clone(), wal_path(&target), shm_path(&target)]
        .iter()
        .any(|candidate| candidate.exists())
    {
        attempt += 1;
        target = with_suffix(path, &format!(".damaged-{stamp}-{attempt}"));
    }
    let mut moved = Vec::new();
    for (from, suffix) in sources {
        let to = with_suffix(&target, suffix);
        std::fs::rename(&from, &to).map_err(|error| {
            Error::io(
                format!("cannot move {} to {}", from.display(), to.display()),
                error,
            )
        })?;
        moved.push(MovedFile { from, to });
    }
    sync_directory(path);
    Ok(moved)
}

/// `yyyymmddThhmmssZ` of `seconds` after the Unix epoch (UTC, proleptic Gregorian calendar).
fn utc_stamp(seconds: u64) -> String {
    let days = seconds / 86_400;
    let in_day = seconds % 86_400;
    // Days to a civil date: the year starts on 1 March so the leap day is the last of its year.
    let shifted = days + 719_468;
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        in_day / 3_600,
        in_day % 3_600 / 60,
        in_day % 60
    )
}

/// Makes a rename in the directory of `path` durable (best effort: not every platform can sync a directory).
fn sync_directory(path: &Path) {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if let Ok(handle) = File::open(directory) {
        let _ = handle.sync_all();
    }
}

/// Creates the database at `path` when there is none: `init` runs on a connection to `<name>.new` (set the
/// journal mode, create the schema), whose log is then checkpointed, and the finished file is renamed into place.
/// A crash before the rename leaves only `<name>.new` (replaced by the next attempt), never a `path` without its
/// schema. `Ok(false)` when `path` already exists.
pub fn create<E>(
    path: &Path,
    init: impl FnOnce(&mut Connection) -> Result<(), E>,
) -> Result<bool, E>
where
    E: From<Error>,
{
    if file_len(path)?.is_some() {
        return Ok(false);
    }
    let building = with_suffix(path, ".new");
    for leftover in [
        building.clone(),
        wal_path(&building),
        shm_path(&building),
        with_suffix(&building, "-journal"),
    ] {
        match std::fs::remove_file(&leftover) {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::NotFound => {}
            Err(error) => {
                return Err(
                    Error::io(format!("cannot remove {}", leftover.display()), error).into(),
                );
            }
        }
    }
    let mut connection = Connection::open(&building).map_err(|e| Error::sqlite(&building, e))?;
    init(&mut connection)?;
    checkpoint(&connection).map_err(|e| Error::sqlite(&building, e))?;
    connection
        .close()
        .map_err(|(_, e)| Error::sqlite(&building, e))?;
    File::open(&building)
        .and_then(|file| file.sync_all())
        .map_err(|error| Error::io(format!("cannot sync {}", building.display()), error))?;
    std::fs::rename(&building, path).map_err(|error| {
        Error::io(
            format!("cannot move {} to {}", building.display(), path.display()),
            error,
        )
    })?;
    sync_directory(path);
    Ok(true)
}

/// `PRAGMA wal_checkpoint(TRUNCATE)`: copies every frame of the write-ahead log into the database file and
/// truncates the log to 0 bytes. Fails with `SQLITE_BUSY` when another connection's read kept it from finishing.
/// Outside WAL mode it does nothing.
pub fn checkpoint(connection: &Connection) -> Result<(), rusqlite::Error> {
    let (busy, log, checkpointed): (i64, i64, i64) =
        connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
    if busy != 0 {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some(format!(
                "the checkpoint of the write-ahead log could not finish ({checkpointed} of {log} frames copied): \
                 another connection is reading"
            )),
        ));
    }
    Ok(())
}

/// Ways to damage a database file as a disk, a crash or a careless hand would, for the tests of every store built on
/// this module (behind the `testing` feature).
#[cfg(any(test, feature = "testing"))]
// Test support: a file that cannot be damaged as asked is a broken test, said with its path.
#[allow(clippy::panic)]
pub mod damage {
    use std::path::{Path, PathBuf};

    use super::{WAL_FRAME_HEADER_LEN, WAL_HEADER_LEN, wal_path};

    /// SQLite's default page size, which every store here uses.
    pub const PAGE_SIZE: u64 = 4096;

    /// The offset in the write-ahead log of frame `number` (from 1): its 24-byte header, then its page.
    pub fn wal_frame_offset(number: u64) -> u64 {
        WAL_HEADER_LEN as u64 + (number - 1) * (WAL_FRAME_HEADER_LEN as u64 + PAGE_SIZE)
    }

    /// How many whole frames the write-ahead log of `path` holds.
    pub fn wal_frames(path: &Path) -> u64 {
        let len = file_len(&wal_path(path)).unwrap_or(0);
        len.saturating_sub(WAL_HEADER_LEN as u64) / (WAL_FRAME_HEADER_LEN as u64 + PAGE_SIZE)
    }

    /// The length of a file, `None` when it does not exist.
    pub fn file_len(path: &Path) -> Option<u64> {
        std::fs::metadata(path).ok().map(|m| m.len())
    }

    fn read(path: &Path) -> Vec<u8> {
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    fn write(path: &Path, bytes: &[u8]) {
        std::fs::write(path, bytes)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// Inverts every bit of the byte at `offset`.
    pub fn flip_byte(path: &Path, offset: u64) {
        let mut bytes = read(path);
        bytes[offset as usize] ^= 0xff;
        write(path, &bytes);
    }

    /// Overwrites page `page` (from 0) with a pattern no page has, as a bad sector or a stray write would.
    pub fn scramble_page(path: &Path, page: u64) {
        let mut bytes = read(path);
        let start = (page * PAGE_SIZE) as usize;
        for (i, byte) in bytes[start..start + PAGE_SIZE as usize]
            .iter_mut()
            .enumerate()
        {
            *byte = (i * 31 + 7) as u8;
        }
        write(path, &bytes);
    }

    /// Cuts the file to `len` bytes.
    pub fn truncate(path: &Path, len: u64) {
        std::fs::File::options()
            .write(true)
            .open(path)
            .and_then(|file| file.set_len(len))
            .unwrap_or_else(|e| panic!("cannot truncate {}: {e}", path.display()));
    }

    /// Copies the database `db` and its write-ahead log into the folder `to`, as a crash (`kill -9`) leaves them
    /// while a connection still holds them (closing it would checkpoint); returns the copy's path.
    pub fn copy_as_crashed(db: &Path, to: &Path) -> PathBuf {
        let name = db
            .file_name()
            .unwrap_or_else(|| panic!("{} names no file", db.display()));
        let copy = to.join(name);
        std::fs::copy(db, &copy).unwrap_or_else(|e| panic!("cannot copy {}: {e}", db.display()));
        if wal_path(db).exists() {
            std::fs::copy(wal_path(db), wal_path(&copy))
                .unwrap_or_else(|e| panic!("cannot copy the log of {}: {e}", db.display()));
        }
        copy
    }
}

#[cfg(test)]
mod tests {
    use super::damage::{
        copy_as_crashed, flip_byte, scramble_page, truncate, wal_frame_offset, wal_frames,
    };
    use super::*;

    const PAGE: usize = damage::PAGE_SIZE as usize;

    /// A database in WAL mode whose writer connection stays open (no checkpoint: `wal_autocheckpoint=0`) after
    /// `transactions` committed transactions of 20 rows each.
    fn writer(path: &Path, transactions: usize) -> Connection {
        let connection = Connection::open(path).unwrap();
        connection
            .execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
                 CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
            )
            .unwrap();
        insert(&connection, transactions);
        connection
    }

    fn insert(connection: &Connection, transactions: usize) {
        for _ in 0..transactions {
            connection
                .execute_batch(
                    "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20)
                     INSERT INTO t (body) SELECT hex(randomblob(200)) FROM s;",
                )
                .unwrap();
        }
    }

    /// A crashed database: its log holds `transactions` committed transactions the main file does not.
    fn crashed(dir: &tempfile::TempDir, transactions: usize) -> PathBuf {
        std::fs::create_dir_all(dir.path().join("live")).unwrap();
        let live = dir.path().join("live/db.sqlite3");
        let connection = writer(&live, transactions);
        let copy = copy_as_crashed(&live, dir.path());
        drop(connection);
        copy
    }

    fn rows(path: &Path) -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    fn damage(path: &Path) -> Damage {
        match check(path) {
            Err(Error::Damaged(damage)) => damage,
            other => panic!("expected damage, got {other:?}"),
        }
    }

    #[test]
    fn no_database_is_a_fresh_start_and_an_empty_log_without_it_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        check(&path).unwrap();
        std::fs::write(wal_path(&path), b"").unwrap();
        check(&path).unwrap();
    }

    #[test]
    fn a_log_without_its_database_is_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = crashed(&dir, 3);
        std::fs::remove_file(&path).unwrap();
        let damage = damage(&path);
        assert!(damage.problem().contains("the file is missing"), "{damage}");
        assert!(damage.to_string().contains("db.sqlite3-wal"), "{damage}");
    }

    #[test]
    fn an_empty_a_short_and_a_foreign_file_are_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        std::fs::write(&path, b"").unwrap();
        assert!(damage(&path).problem().contains("empty (0 bytes)"));
        std::fs::write(&path, b"SQLite format 3\0abc").unwrap();
        assert!(
            damage(&path)
                .problem()
                .contains("shorter than a SQLite header")
        );
        std::fs::write(&path, [b'x'; 8192]).unwrap();
        assert!(damage(&path).problem().contains("not a SQLite database"));
    }

    #[test]
    fn a_crashed_database_with_committed_frames_in_its_log_is_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = crashed(&dir, 5);
        assert!(wal_frames(&path) > 5);
        check(&path).unwrap();
        assert_eq!(rows(&path), 100);
    }

    #[test]
    fn the_check_changes_neither_the_database_nor_its_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = crashed(&dir, 5);
        let before = (
            std::fs::read(&path).unwrap(),
            std::fs::read(wal_path(&path)).unwrap(),
        );
        check(&path).unwrap();
        flip_byte(&wal_path(&path), wal_frame_offset(2) + 100);
        let damaged = std::fs::read(wal_path(&path)).unwrap();
        damage(&path);
        assert_eq!(std::fs::read(&path).unwrap(), before.0);
        assert_eq!(std::fs::read(wal_path(&path)).unwrap(), damaged);
    }

    #[test]
    fn a_damaged_frame_of_committed_data_is_damage_naming_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = crashed(&dir, 5);
        // Inside the page of the second frame.
        flip_byte(
            &wal_path(&path),
            wal_frame_offset(2) + WAL_FRAME_HEADER_LEN as u64 + 1000,
        );
        let damage = damage(&path);
        assert!(damage.problem().contains("frame 2 of"), "{damage}");
        assert!(damage.problem().contains("checksum"), "{damage}");
        assert!(damage.to_string().contains("db.sqlite3-wal"), "{damage}");
        assert!(damage.to_string().contains(RECOVERY_FLAG), "{damage}");
        // SQLite itself opens it without a word, with every transaction from that frame on dropped: here the
        // schema too.
        let tables: i64 = Connection::open(&path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0);
    }

    #[test]
    fn a_damaged_salt_or_frame_header_is_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = crashed(&dir, 5);
        flip_byte(&wal_path(&path), wal_frame_offset(3) + 12);
        assert!(damage(&path).problem().contains("salts are damaged"));
        let dir = tempfile::tempdir().unwrap();
        let path = crashed(&dir, 5);
        flip_byte(&wal_path(&path), wal_frame_offset(1) + 2);
        assert!(damage(&path).problem().contains("frame 1 of"));
    }

    #[test]
    fn a_damaged_log_header_is_damage() {
        for offset in [0, 5, 10, 17, 26] {
            let dir = tempfile::tempdir().unwrap();
            let path = crashed(&dir, 3);
            flip_byte(&wal_path(&path), offset);
            let damage = damage(&path);
            assert!(damage.problem().contains("damaged header"), "{damage}");
        }
    }

    #[test]
    fn a_damaged_header_of_a_log_without_frames_is_ignored_as_sqlite_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = crashed(&dir, 3);
        let header = std::fs::read(wal_path(&path)).unwrap()[..WAL_HEADER_LEN].to_vec();
        std::fs::write(wal_path(&path), &header).unwrap();
        flip_byte(&wal_path(&path), 0);
        check(&path).unwrap();
    }

    #[test]
    fn leftover_frames_of_an_earlier_log_generation_are_no_alarm() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("live")).unwrap();
        let live = dir.path().join("live/db.sqlite3");
        let connection = writer(&live, 10);
        let before = wal_frames(&live);
        // The log restarts from its beginning with new salts; the older frames stay behind it.
        connection
            .query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))
            .unwrap();
        insert(&connection, 1);
        assert_eq!(
            wal_frames(&live),
            before,
            "the log was reused, not truncated"
        );
        let path = copy_as_crashed(&live, dir.path());
        check(&path).unwrap();
        assert_eq!(rows(&path), 220);
    }

    #[test]
    fn a_torn_last_frame_of_a_transaction_that_never_committed_is_no_alarm() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("live")).unwrap();
        let live = dir.path().join("live/db.sqlite3");
        let connection = writer(&live, 10);
        connection
            .query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))
            .unwrap();
        insert(&connection, 1);
        let path = copy_as_crashed(&live, dir.path());
        // The frames of the current log: those with the header's salts.
        let wal = std::fs::read(wal_path(&path)).unwrap();
        let current = (1..=wal_frames(&path))
            .take_while(|n| wal[wal_frame_offset(*n) as usize + 8..][..8] == wal[16..24])
            .count() as u64;
        assert!(current >= 1 && current < wal_frames(&path));
        // Its last frame as a crash between writing a frame header and its page leaves it: the page is the
        // leftover's. SQLite drops that transaction; so does the check, without an alarm.
        let leftover =
            wal[wal_frame_offset(current + 1) as usize + WAL_FRAME_HEADER_LEN..][..PAGE].to_vec();
        let mut torn = wal.clone();
        let page_at = wal_frame_offset(current) as usize + WAL_FRAME_HEADER_LEN;
        torn[page_at..page_at + PAGE].copy_from_slice(&leftover);
        std::fs::write(wal_path(&path), torn).unwrap();
        check(&path).unwrap();
    }

    #[test]
    fn a_bad_frame_of_a_transaction_that_never_committed_is_no_alarm_but_one_before_a_commit_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = crashed(&dir, 5);
        let wal = std::fs::read(wal_path(&path)).unwrap();
        let commits: Vec<u64> = (1..=wal_frames(&path))
            .filter(|n| be32(&wal, wal_frame_offset(*n) as usize + 4) != 0)
            .collect();
        let (last, before_last) = (commits[commits.len() - 1], commits[commits.len() - 2]);
        assert!(
            last - before_last >= 2,
            "the last transaction has several frames"
        );
        // The log as a crash before the last commit frame was written leaves it, with the first frame of that
        // transaction rewritten in place (its checksum not yet fixed).
        let cut = wal_frame_offset(last) as usize;
        std::fs::write(wal_path(&path), &wal[..cut]).unwrap();
        flip_byte(&wal_path(&path), wal_frame_offset(before_last + 1) + 500);
        check(&path).unwrap();
        assert_eq!(rows(&path), 80);
        // The same frame damaged with the commit after it: damage.
        let dir = tempfile::tempdir().unwrap();
        let path = crashed(&dir, 5);
        flip_byte(&wal_path(&path), wal_frame_offset(before_last + 1) + 500);
        let damage = damage(&path);
        assert!(
            damage.problem().contains("1 committed transaction"),
            "{damage}"
        );
    }

    /// A checkpointed database of several hundred pages, closed.
    fn closed(dir: &tempfile::TempDir) -> PathBuf {
        let path = dir.path().join("db.sqlite3");
        let connection = writer(&path, 30);
        checkpoint(&connection).unwrap();
        connection.close().unwrap();
        assert!(!wal_path(&path).exists());
        path
    }

    #[test]
    fn a_damaged_page_in_the_middle_is_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = closed(&dir);
        let pages = std::fs::metadata(&path).unwrap().len() / PAGE as u64;
        assert!(pages > 20, "{pages} pages");
        scramble_page(&path, pages / 2);
        let damage = damage(&path);
        assert!(
            damage.problem().contains("quick_check") || damage.problem().contains("malformed"),
            "{damage}"
        );
    }

    #[test]
    fn a_database_truncated_to_half_or_to_a_partial_page_is_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = closed(&dir);
        let len = std::fs::metadata(&path).unwrap().len();
        let half = len / 2 / PAGE as u64 * PAGE as u64;
        truncate(&path, half);
        assert!(damage(&path).problem().contains("truncated"));
        truncate(&path, half - 100);
        assert!(damage(&path).problem().contains("whole number"));
    }

    #[test]
    fn a_damaged_main_header_is_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = closed(&dir);
        flip_byte(&path, 3);
        assert!(damage(&path).problem().contains("not a SQLite database"));
        flip_byte(&path, 3);
        flip_byte(&path, 16);
        assert!(damage(&path).problem().contains("page size"));
    }

    #[test]
    fn an_intact_closed_database_passes() {
        let dir = tempfile::tempdir().unwrap();
        let path = closed(&dir);
        check(&path).unwrap();
        assert_eq!(rows(&path), 600);
    }

    #[test]
    fn checkpoint_empties_the_log_into_the_main_file() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("db.sqlite3");
        let connection = writer(&live, 3);
        assert!(std::fs::metadata(wal_path(&live)).unwrap().len() > 0);
        checkpoint(&connection).unwrap();
        assert_eq!(std::fs::metadata(wal_path(&live)).unwrap().len(), 0);
        // The main file alone holds the data.
        let alone = tempfile::tempdir().unwrap();
        let copy = alone.path().join("db.sqlite3");
        std::fs::copy(&live, &copy).unwrap();
        assert_eq!(rows(&copy), 60);
    }

    #[test]
    fn a_damaged_database_is_moved_aside_whole_or_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = crashed(&dir, 3);
        flip_byte(&wal_path(&path), wal_frame_offset(2) + 100);
        std::fs::write(shm_path(&path), b"shm").unwrap();
        let refused = ensure_intact(&path, OnDamage::Refuse).unwrap_err();
        assert!(refused.damage().is_some());
        assert!(path.exists());

        let moved = ensure_intact(&path, OnDamage::MoveAside).unwrap().unwrap();
        assert_eq!(moved.files.len(), 3);
        assert!(!path.exists() && !wal_path(&path).exists() && !shm_path(&path).exists());
        let target = &moved.files[0].to;
        let name = target.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("db.sqlite3.damaged-"), "{name}");
        assert_eq!(name.len(), "db.sqlite3.damaged-".len() + 16, "{name}");
        assert_eq!(moved.files[1].to, wal_path(target));
        assert_eq!(moved.files[2].to, shm_path(target));
        for file in &moved.files {
            assert!(file.to.exists());
        }
        let text = moved.to_string();
        assert!(
            text.contains(&name) && text.contains("empty store"),
            "{text}"
        );
        // Nothing left to refuse.
        assert_eq!(ensure_intact(&path, OnDamage::Refuse).unwrap(), None);
    }

    #[test]
    fn moving_aside_never_replaces_an_earlier_copy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        std::fs::write(&path, b"first").unwrap();
        let first = move_aside_as(&path, "20250102T030405Z").unwrap();
        std::fs::write(&path, b"second").unwrap();
        let second = move_aside_as(&path, "20250102T030405Z").unwrap();
        assert_eq!(
            first[0].to,
            dir.path().join("db.sqlite3.damaged-20250102T030405Z")
        );
        assert_eq!(
            second[0].to,
            dir.path().join("db.sqlite3.damaged-20250102T030405Z-2")
        );
        assert_eq!(std::fs::read(&first[0].to).unwrap(), b"first");
        assert_eq!(std::fs::read(&second[0].to).unwrap(), b"second");
    }

    #[test]
    fn the_stamp_is_the_utc_date_and_time() {
        assert_eq!(utc_stamp(0), "19700101T000000Z");
        assert_eq!(utc_stamp(951_782_400), "20000229T000000Z");
        assert_eq!(utc_stamp(1_700_000_000), "20231114T221320Z");
        assert_eq!(utc_stamp(4_102_444_799), "20991231T235959Z");
    }

    #[test]
    fn create_builds_the_file_under_another_name_and_renames_it_with_its_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        // A leftover of an interrupted creation is replaced.
        std::fs::write(with_suffix(&path, ".new"), b"").unwrap();
        let created = create(&path, |connection| -> Result<(), Error> {
            assert!(
                !path.exists(),
                "nothing at the final name before the schema is in"
            );
            connection
                .execute_batch(
                    "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT);",
                )
                .map_err(|e| Error::sqlite(&path, e))
        })
        .unwrap();
        assert!(created);
        assert!(!with_suffix(&path, ".new").exists());
        check(&path).unwrap();
        assert_eq!(rows(&path), 0);
        let mode: String = Connection::open(&path)
            .unwrap()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert!(!create(&path, |_| -> Result<(), Error> { unreachable!() }).unwrap());
    }

    #[test]
    fn a_failed_creation_leaves_nothing_at_the_final_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let failed = create(&path, |connection| -> Result<(), Error> {
            connection
                .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY); NOT SQL")
                .map_err(|e| Error::sqlite(&path, e))
        });
        assert!(failed.is_err());
        assert!(!path.exists());
        check(&path).unwrap();
    }

    #[test]
    fn sqlite_errors_of_damage_are_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        std::fs::write(&path, [b'x'; 4096]).unwrap();
        let error = Connection::open(&path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap_err();
        assert!(damage_in(&path, &error).is_some());
        assert!(matches!(Error::sqlite(&path, error), Error::Damaged(_)));
        assert!(damage_in(&path, &rusqlite::Error::QueryReturnedNoRows).is_none());
    }
}
