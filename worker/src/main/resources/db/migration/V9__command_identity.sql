-- Money safety at the edges of idempotency. Per requestId, what was asked of the API under it (the command's
-- fingerprint, and its canonical fields for a person to compare), and when its first ambiguous attempt happened (a
-- timeout, a connection lost after the request was written, a 5xx: the API may have applied it). A different command
-- under a requestId that may have taken effect is refused (REQUEST_ID_REUSED); a command is never sent again once its
-- first ambiguous attempt is older than the API's idempotency window (OUTCOME_UNKNOWN).
alter table command_outcome add column fingerprint text;
alter table command_outcome add column command text;
alter table command_outcome add column first_ambiguous_at timestamptz;
-- a redrive's dry run counts apart the dead letters it would not send for that reason
alter table redrive add column unknown_outcomes int not null default 0;
