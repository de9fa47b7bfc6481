-- SQLite moves the chain head with a trigger on audit_log (same version there). PostgreSQL keeps
-- the explicit UPDATE in store::audit::append: writers queue on the head's row lock taken by
-- lock_head, and the UPDATE in place is what the waiting writer reads when the lock is released.
COMMENT ON TABLE audit_heads IS 'Head of each audit chain; moved by store::audit::append (on SQLite by the trigger audit_log_moves_head).';
