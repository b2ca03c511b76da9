// Migration 7: the case file says what it is (SQLite's application_id, so a reading command can refuse any other
// database), and the manifest keeps the exact bytes of a file name that is not valid UTF-8 (rel_path then holds it
// with the bad bytes shown as \xHH; rel_path_bytes is what re-reading and `verify` open). NULL: rel_path is exact.
export const version = 7;

/** "LOUP" in ASCII: PRAGMA application_id of every Loupe case. */
export const LOUPE_APPLICATION_ID = 0x4c4f5550;

export const sql = `
ALTER TABLE files ADD COLUMN rel_path_bytes BLOB;
PRAGMA application_id = ${LOUPE_APPLICATION_ID};
`;
