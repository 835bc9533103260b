//! The tables, and the migrations that make them: `PRAGMA user_version` is the number of
//! migrations applied. An empty file is version 0. A migration is only ever appended.
//!
//! * `sessions`: id, title (`renamed` once the user set it), times, model, provider, system
//!   prompt; `deleted` keeps the ids of deleted sessions, so that a late write does not bring
//!   one back.
//! * `turns` and `variants`: keyed by session, `lane` (0: the conversation; `n`: compare
//!   column `n - 1`) and id. A variant's row holds the whole [`Variant`](crate::session::Variant)
//!   as JSON (without request headers), and beside it what lists and queries need.
//! * `columns`: a compare column's target and the number of shared turns it began with.
//! * `texts` and `texts_fts`: every prompt, answer and reasoning once, and their full-text
//!   index (FTS5, kept in step by triggers).

use rusqlite::Connection;

use super::StoreError;

const V1: &str = "
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    renamed INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    provider TEXT NOT NULL DEFAULT '',
    system TEXT
);
CREATE INDEX sessions_updated ON sessions (updated_ms);
CREATE TABLE deleted (
    id TEXT PRIMARY KEY,
    deleted_ms INTEGER NOT NULL
);
CREATE TABLE columns (
    session TEXT NOT NULL,
    col INTEGER NOT NULL,
    target TEXT NOT NULL,
    base INTEGER NOT NULL,
    PRIMARY KEY (session, col)
);
CREATE TABLE turns (
    session TEXT NOT NULL,
    lane INTEGER NOT NULL,
    id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    prompt TEXT NOT NULL,
    active INTEGER NOT NULL,
    PRIMARY KEY (session, lane, id)
);
CREATE TABLE variants (
    session TEXT NOT NULL,
    lane INTEGER NOT NULL,
    turn INTEGER NOT NULL,
    id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    status TEXT NOT NULL,
    cost_usd REAL,
    data TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (session, lane, id)
);
CREATE INDEX variants_turn ON variants (session, lane, turn, position);
CREATE TABLE texts (
    id INTEGER PRIMARY KEY,
    session TEXT NOT NULL,
    lane INTEGER NOT NULL,
    turn INTEGER NOT NULL,
    owner INTEGER NOT NULL,
    which TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (session, lane, owner, which)
);
CREATE VIRTUAL TABLE texts_fts USING fts5(
    body, content = 'texts', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER texts_insert AFTER INSERT ON texts BEGIN
    INSERT INTO texts_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER texts_delete AFTER DELETE ON texts BEGIN
    INSERT INTO texts_fts (texts_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER texts_update AFTER UPDATE OF body ON texts BEGIN
    INSERT INTO texts_fts (texts_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO texts_fts (rowid, body) VALUES (new.id, new.body);
END;
";

/// Every migration, in order; the database's version is how many have been applied.
pub const MIGRATIONS: &[&str] = &[V1];

pub fn version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Apply the migrations the database lacks, up to `target`, each in its own transaction
/// (several processes may open the file at once: the write lock decides who migrates).
pub fn migrate_to(conn: &mut Connection, target: usize) -> Result<(), StoreError> {
    // Reading the schema is where a file that is not a database shows.
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    })?;
    let known = MIGRATIONS.len() as i64;
    loop {
        let found = version(conn)?;
        if found > known {
            return Err(StoreError::TooNew { found, known });
        }
        if found as usize >= target {
            return Ok(());
        }
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated while this one waited for the lock.
        let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now == found {
            tx.execute_batch(MIGRATIONS[found as usize])?;
            tx.pragma_update(None, "user_version", found + 1)?;
        }
        tx.commit()?;
    }
}

/// [`migrate_to`] the latest version.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrate_to(conn, MIGRATIONS.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(conn: &Connection) -> Vec<String> {
        let mut st = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn migrates_an_empty_file_step_by_step() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        std::fs::write(&path, b"").unwrap();
        let mut conn = Connection::open(&path).unwrap();
        assert_eq!(version(&conn).unwrap(), 0);
        for n in 1..=MIGRATIONS.len() {
            migrate_to(&mut conn, n).unwrap();
            assert_eq!(version(&conn).unwrap(), n as i64);
        }
        // Again: nothing to do.
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), MIGRATIONS.len() as i64);
        let t = tables(&conn);
        for name in [
            "sessions",
            "turns",
            "variants",
            "columns",
            "texts",
            "texts_fts",
        ] {
            assert!(t.iter().any(|x| x == name), "{name} in {t:?}");
        }
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }
}
