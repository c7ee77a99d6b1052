-- A secret per redrive chunk, written in a header of each record the chunk publishes: reconciling an interrupted
-- chunk counts only records that carry it, not any record a producer wrote with the redrive's (visible) id.
alter table redrive_chunk add column nonce text;
