use super::*;
use crossroot_hint::Hint as _;

#[test]
fn staged_dir_is_removed_unless_persisted() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = Cache::new(tmp.path());
    let parent = cache.bucket(SYSROOTS).join("t");
    let staged = cache.stage_dir(&parent).unwrap();
    let staged_path = staged.path().to_path_buf();
    fs_err::write(staged_path.join("f"), b"x").unwrap();
    drop(staged);
    assert!(!staged_path.exists());

    let staged = cache.stage_dir(&parent).unwrap();
    fs_err::write(staged.path().join("f"), b"new").unwrap();
    let dest = parent.join("final");
    fs_err::create_dir_all(&dest).unwrap();
    fs_err::write(dest.join("f"), b"old").unwrap();
    staged.persist(&dest).unwrap();
    assert_eq!(fs_err::read(dest.join("f")).unwrap(), b"new");
    // Nothing but the final directory is left behind.
    let names: Vec<_> = fs_err::read_dir(&parent)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("final")]);
}

#[test]
fn clean_staging_removes_leftovers_only() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = Cache::new(tmp.path());
    let dir = tmp.path().join("d");
    fs_err::create_dir_all(dir.join(".tmp-123-abc/usr")).unwrap();
    fs_err::create_dir_all(dir.join("keep")).unwrap();
    assert_eq!(cache.clean_staging(&dir).unwrap(), 1);
    assert!(dir.join("keep").exists());
    assert!(!dir.join(".tmp-123-abc").exists());
}

#[test]
fn second_lock_times_out_naming_the_variable() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("x.lock");
    let _held = lock_file(&path, false, Duration::from_secs(1), || {}).unwrap();
    let mut waited = false;
    let err = lock_file(&path, false, Duration::from_millis(50), || waited = true).unwrap_err();
    assert!(waited);
    assert!(matches!(err, StoreError::LockTimeout { .. }));
    assert!(err.hint().unwrap().contains(LOCK_TIMEOUT_VAR));
}

#[test]
fn builders_share_the_cache_and_clean_waits_for_them() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = Cache::new(tmp.path());
    let path = tmp.path().join(CACHE_LOCK);
    // Two builders at once: neither waits.
    let first = cache
        .lock_in_use(|| panic!("builders do not wait for each other"))
        .unwrap();
    let second = cache
        .lock_in_use(|| panic!("builders do not wait for each other"))
        .unwrap();
    // A clean (exclusive) waits while either is held.
    let mut waited = false;
    let err = lock_file(&path, false, Duration::from_millis(50), || waited = true).unwrap_err();
    assert!(waited && matches!(err, StoreError::LockTimeout { .. }));
    drop(first);
    assert!(lock_file(&path, false, Duration::from_millis(50), || {}).is_err());
    drop(second);
    let clean = lock_file(&path, false, Duration::from_millis(50), || {}).unwrap();
    // And a builder waits while a clean runs.
    let mut waited = false;
    let err = lock_file(&path, true, Duration::from_millis(50), || waited = true).unwrap_err();
    assert!(waited && matches!(err, StoreError::LockTimeout { .. }));
    drop(clean);
    cache.lock_in_use(|| {}).unwrap();
}

#[test]
fn persist_blob_checks_the_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = Cache::new(tmp.path());
    let good = sha256_hex(b"hello");
    let path = cache.persist_blob(&b"hello"[..], &good).unwrap().unwrap();
    assert_eq!(fs_err::read(path).unwrap(), b"hello");
    let bad = sha256_hex(b"other");
    assert!(cache.persist_blob(&b"hello"[..], &bad).unwrap().is_none());
    assert!(!cache.deb_path(&bad).exists());
}

#[test]
fn prune_keeps_what_is_used_and_drops_old_buckets() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = Cache::new(tmp.path());
    let a = sha256_hex(b"a");
    let b = sha256_hex(b"b");
    cache.persist_blob(&b"a"[..], &a).unwrap();
    cache.persist_blob(&b"b"[..], &b).unwrap();
    fs_err::create_dir_all(tmp.path().join("debs-v0")).unwrap();
    let freed = cache.prune_debs(|sha| sha == a).unwrap();
    assert!(freed >= 1);
    assert!(cache.deb_path(&a).exists());
    assert!(!cache.deb_path(&b).exists());
    assert!(!tmp.path().join("debs-v0").exists());
}

#[test]
fn dead_writers_temp_files_are_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = Cache::new(tmp.path());
    let dir = tmp.path().join("debs-v1");
    fs_err::create_dir_all(&dir).unwrap();
    // pid 0 is never a user process; our own pid is alive.
    fs_err::write(dir.join(".tmp-0-abc"), b"partial").unwrap();
    fs_err::write(dir.join(format!("{}x", temp_prefix())), b"mine").unwrap();
    fs_err::write(dir.join("0123.deb"), b"done").unwrap();
    assert_eq!(cache.clean_dead_temps(&dir).unwrap(), 1);
    assert!(!dir.join(".tmp-0-abc").exists());
    assert!(dir.join("0123.deb").exists());
    assert!(dir.join(format!("{}x", temp_prefix())).exists());
}
