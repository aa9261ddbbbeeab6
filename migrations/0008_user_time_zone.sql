-- Each user may choose the time zone pages show times in (an IANA name); NULL means the
-- browser's zone (sent by the page's script as the `tz` cookie), else the server's.
ALTER TABLE users ADD COLUMN time_zone TEXT;
