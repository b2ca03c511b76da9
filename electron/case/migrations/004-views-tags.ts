// Migration 4: saved timeline views and tag colours, kept in the case so they travel with it.
export const version = 4;

export const sql = `
CREATE TABLE saved_views (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  query       TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE tag_colors (
  tag    TEXT PRIMARY KEY,
  color  TEXT NOT NULL
) STRICT;
`;
