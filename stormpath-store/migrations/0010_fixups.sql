-- One-time rewrites of stored data that SQL cannot compute, done by the store after the
-- migrations (`fixups.rs`): a row names each rewrite once it is complete.
CREATE TABLE store_fixups (
    name TEXT PRIMARY KEY
);
