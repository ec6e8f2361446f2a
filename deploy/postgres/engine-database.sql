-- The engine's own database, beside Temporal's on the same server. The official postgres image
-- runs this once, when it initialises an empty data volume; the engine migrates its schema at
-- start-up (src/activities/records/migrations/postgres).
CREATE DATABASE engine;
