-- Public-holiday years added or corrected by an administrator (`yunwei calendar import`, the
-- admin page); laid over the shipped State Council data. Keep in step with
-- ../sqlite/20261122000002_holidays.sql.
CREATE TABLE holiday_years (
    year        BIGINT PRIMARY KEY,
    holidays    TEXT NOT NULL,
    workdays    TEXT NOT NULL,
    source      TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    updated_by  TEXT NOT NULL
);
