-- The API's JSON answer to a command that succeeded: it travels in the command's outcome event, and is
-- produced again from here when the record is redelivered before its outcome event was committed.
alter table command_outcome add column response text;
