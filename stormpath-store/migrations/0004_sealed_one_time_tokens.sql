-- A store that seals secrets (the REST server) also keeps each email-verification token sealed,
-- so that an unverified account can show its `emailVerificationToken` link (spec §5.5); the
-- digest stays what the token is looked up by.
ALTER TABLE one_time_tokens ADD COLUMN token_sealed TEXT;
