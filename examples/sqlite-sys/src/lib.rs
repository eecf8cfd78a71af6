//! An on-disk SQLite database through the system SQLite (`libsqlite3-sys` without its bundled
//! copy). SQLite locks its files with `fcntl`, and its `sqlite3.pc` links zlib privately: with
//! `--static-deps` both Debian's `libsqlite3.a` and `libz.a` are linked in.

use std::ffi::{CStr, CString};
use std::path::Path;
use std::ptr;

use libsqlite3_sys as ffi;

/// Run `sql` on the database at `path` (created if missing); returns the first column of the
/// last row as an integer, if any.
pub fn query(path: &Path, sql: &str) -> Result<Option<i64>, String> {
    let path = CString::new(path.to_string_lossy().as_bytes()).map_err(|e| e.to_string())?;
    let mut db = ptr::null_mut();
    // SAFETY: pointers come from CStrings that outlive the calls; every handle is finalized
    // or closed before returning.
    unsafe {
        let rc = ffi::sqlite3_open(path.as_ptr(), &mut db);
        if rc != ffi::SQLITE_OK {
            return Err(format!("open: {rc}"));
        }
        let mut last = None;
        let mut rest = sql.trim();
        while !rest.is_empty() {
            let stmt_sql = CString::new(rest).map_err(|e| e.to_string())?;
            let mut stmt = ptr::null_mut();
            let mut tail = ptr::null();
            let rc = ffi::sqlite3_prepare_v2(db, stmt_sql.as_ptr(), -1, &mut stmt, &mut tail);
            if rc != ffi::SQLITE_OK {
                let msg = CStr::from_ptr(ffi::sqlite3_errmsg(db)).to_string_lossy().into_owned();
                ffi::sqlite3_close(db);
                return Err(msg);
            }
            loop {
                match ffi::sqlite3_step(stmt) {
                    ffi::SQLITE_ROW => last = Some(ffi::sqlite3_column_int64(stmt, 0)),
                    ffi::SQLITE_DONE => break,
                    rc => {
                        ffi::sqlite3_finalize(stmt);
                        ffi::sqlite3_close(db);
                        return Err(format!("step: {rc}"));
                    }
                }
            }
            ffi::sqlite3_finalize(stmt);
            let used = tail.offset_from(stmt_sql.as_ptr()) as usize;
            rest = rest[used..].trim();
        }
        ffi::sqlite3_close(db);
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("sqlite-sys-example-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_wal_database_on_disk_is_shared_by_two_connections() {
        let dir = scratch("wal");
        let db = dir.join("t.db");
        let mode = query(&db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2), (3);");
        assert!(mode.is_ok(), "{mode:?}");
        assert_eq!(query(&db, "SELECT sum(x) FROM t;"), Ok(Some(6)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_exclusive_transaction_locks_the_file() {
        let dir = scratch("lock");
        let db = dir.join("t.db");
        assert_eq!(query(&db, "CREATE TABLE t(x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (7); COMMIT; SELECT count(*) FROM t;"), Ok(Some(1)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
