-- When the link a queued mail carries expires (milliseconds; NULL for notices): a mail still
-- waiting then (the mail server down for longer than the link lives) is never sent — state
-- `void`, body wiped — so a link that can no longer work does not go out and its raw token
-- leaves the database.
ALTER TABLE mail_outbox ADD COLUMN link_expires_at BIGINT;
