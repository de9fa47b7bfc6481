-- The chain head follows each appended audit entry inside the INSERT itself, so appending costs
-- one statement on SQLite's single writer instead of two (store::audit::append). PostgreSQL keeps
-- the explicit UPDATE: its writers wait on the head's row lock taken by lock_head.
CREATE TRIGGER audit_log_moves_head AFTER INSERT ON audit_log
BEGIN
    UPDATE audit_heads SET last_seq = NEW.seq, last_hash = NEW.hash WHERE chain = NEW.chain;
    INSERT OR IGNORE INTO audit_heads (chain, last_seq, last_hash) VALUES (NEW.chain, NEW.seq, NEW.hash);
END;
