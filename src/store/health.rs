//! Read-only queries for `newsmirror status`: what the state knows about
//! each source, without taking the run lock (a status check must not wait
//! for, or block, a run in progress).

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::{STATE_DIR, StoreError};

/// One row of the `sources` table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceRow {
    pub name: String,
    pub url: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_success: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    /// `http`, `network`, `refused`, `parse`, `store`, `internal`
    /// ([`crate::pipeline::Failure::kind`]); none in states from before it.
    pub last_error_kind: Option<String>,
    pub failures: u32,
}

pub struct HealthReader {
    conn: Option<Connection>,
}

impl HealthReader {
    /// A site that has never run has no state: every source is unknown.
    pub fn open(site: &Path) -> Result<HealthReader, StoreError> {
        let path = site.join(STATE_DIR).join("state.db");
        if !path.is_file() {
            return Ok(HealthReader { conn: None });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(|source| StoreError::Db { path, source })?;
        Ok(HealthReader { conn: Some(conn) })
    }

    pub fn source(&self, name: &str) -> Option<SourceRow> {
        let conn = self.conn.as_ref()?;
        conn.query_row(
            "SELECT name, url, etag, last_modified, last_success, last_error, last_error_at, failures
             FROM sources WHERE name = ?1",
            [name],
            |r| {
                Ok(SourceRow {
                    name: r.get(0)?,
                    url: r.get(1)?,
                    etag: r.get(2)?,
                    last_modified: r.get(3)?,
                    last_success: r.get(4)?,
                    last_error: r.get(5)?,
                    last_error_at: r.get(6)?,
                    last_error_kind: None,
                    failures: r.get(7)?,
                })
            },
        )
        .ok()
        .map(|mut row| {
            // A separate query: a state written before the column existed
            // (and opened read-only here) simply has no kind.
            row.last_error_kind = conn
                .query_row("SELECT last_error_kind FROM sources WHERE name = ?1", [name], |r| r.get(0))
                .ok()
                .flatten();
            row
        })
    }

    /// When each of the source's posts was written, oldest first.
    pub fn written_times(&self, name: &str) -> Vec<i64> {
        let Some(conn) = self.conn.as_ref() else { return Vec::new() };
        let Ok(mut stmt) = conn.prepare("SELECT written_at FROM posts WHERE source = ?1 ORDER BY written_at") else {
            return Vec::new();
        };
        stmt.query_map([name], |r| r.get(0)).map(|rows| rows.flatten().collect()).unwrap_or_default()
    }
}
