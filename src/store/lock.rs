//! One run per site at a time: an advisory lock on `.newsmirror/lock`.
//!
//! The OS releases the lock when the process dies, however it dies, so a
//! killed run never leaves a site locked.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use super::StoreError;

pub(super) struct SiteLock {
    _file: File,
}

impl SiteLock {
    pub(super) fn acquire(site: &Path, state_dir: &Path, wait: Duration) -> Result<SiteLock, StoreError> {
        let path = state_dir.join("lock");
        let io = |source| StoreError::Io { path: path.clone(), source };
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        let started = Instant::now();
        let mut told = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let pid = holder(&mut file);
                    if started.elapsed() >= wait {
                        return Err(StoreError::Locked { site: site.to_path_buf(), pid, waited: wait });
                    }
                    if !told {
                        eprintln!(
                            "another newsmirror run (pid {pid}) is working on {}; waiting up to {wait:?}",
                            site.display()
                        );
                        told = true;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        Ok(SiteLock { _file: file })
    }
}

fn holder(file: &mut File) -> String {
    let mut pid = String::new();
    let _ = file.seek(SeekFrom::Start(0)).and_then(|_| file.read_to_string(&mut pid));
    if pid.trim().is_empty() { "unknown".into() } else { pid.trim().to_string() }
}
