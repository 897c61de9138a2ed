-- title: Records one overlapping export has and the other lacks
-- severity: info
-- params: min_events = 1
-- Two files of one line covering the same stretch of time should hold the same records; usage
-- in one of them with no copy in the other (the view unmatched_overlap) is counted in both
-- totals, so the line's use may be overstated, or one export is missing rows. One finding per
-- pair of files.
SELECT u.line,
       CAST(min(u.started_at) AS DATE) AS period_start,
       CAST(max(u.started_at) AS DATE) AS period_end,
       count(*) || ' records without a copy' AS observed,
       'the same records in both files' AS expected,
       CAST(NULL AS DECIMAL(18,4)) AS amount_at_stake,
       CAST(NULL AS VARCHAR) AS currency,
       format('Line {}: {} records of {} between {} and {} have no copy in {}, which covers the same time.',
              line_text(u.line), count(*), CASE WHEN NOT contains(a.path, '/') AND regexp_matches(a.path, '^([A-Za-z]:\\|\\\\)')
                   THEN regexp_extract(a.path, '[^\\]+$') ELSE regexp_extract(a.path, '[^/]+$') END,
              strftime(min(u.started_at), '%Y-%m-%d %H:%M'),
              strftime(max(u.started_at), '%Y-%m-%d %H:%M'),
              CASE WHEN NOT contains(b.path, '/') AND regexp_matches(b.path, '^([A-Za-z]:\\|\\\\)')
                   THEN regexp_extract(b.path, '[^\\]+$') ELSE regexp_extract(b.path, '[^/]+$') END) AS detail,
       list(u.event_id ORDER BY u.started_at, u.event_id)[1:5] AS event_ids
FROM unmatched_overlap u
JOIN sources a ON a.source_id = u.source_id
JOIN sources b ON b.source_id = u.other_source_id
GROUP BY u.line, u.source_id, u.other_source_id, a.path, b.path
HAVING count(*) >= $min_events
