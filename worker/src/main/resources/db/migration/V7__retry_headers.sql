-- What a RETRYING command's retry record says besides its attempt, so that a replay after a crash writes the same
-- record: the 429s so far and the failures on codes' own ladders (neither uses up the default ladder), and the
-- earlier command of its invoice it waits for.
alter table command_outcome add column rate_limited int not null default 0;
alter table command_outcome add column code_retries text;
alter table command_outcome add column waiting_for text;
