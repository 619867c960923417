"""SQL of the synthetic data generator (set-based: generate_series, no row-by-row work)."""

AREAS = """
CREATE TEMP TABLE synth_areas AS
SELECT c.id AS consultation_id, c.voting_mode,
  coalesce((SELECT ST_Multi(ST_Union(q.geom)) FROM consultation_qpvs cq JOIN qpv q ON q.code = cq.qpv_code
            WHERE cq.consultation_id = c.id AND q.geom IS NOT NULL), c.geom) AS core,
  ST_Buffer(c.geom::geography, c.buffer_m)::geometry AS buf,
  coalesce((SELECT array_agg(ct.theme_slug ORDER BY ct.theme_slug) FROM consultation_themes ct
            WHERE ct.consultation_id = c.id),
           (SELECT array_agg(slug ORDER BY slug) FROM themes)) AS themes,
  (SELECT array_agg(cq.qpv_code ORDER BY cq.qpv_code) FROM consultation_qpvs cq
   WHERE cq.consultation_id = c.id) AS qpvs,
  least(c.opens_at, now() - interval '8 weeks') AS since
FROM consultations c WHERE c.id = ANY(:ids)
"""

HOTSPOTS = """
INSERT INTO synth_hotspots (consultation_id, idx, cx, cy, sigma_m, theme1, theme2)
SELECT a.consultation_id, d.path[1] - 1, ST_X(d.geom), ST_Y(d.geom), 50 + 200 * random(),
  a.themes[1 + floor(random() * cardinality(a.themes))::int],
  a.themes[1 + floor(random() * cardinality(a.themes))::int]
FROM synth_areas a, LATERAL ST_Dump(ST_GeneratePoints(a.core, CAST(:k AS int), CAST(:seed AS int))) d
WHERE a.consultation_id = :cid
"""

# Gaussian (Box-Muller) points around hotspots chosen with a skew (a few hotspots draw most ideas);
# a point falling outside perimeter + buffer is put back on its hotspot centre.
HOTSPOT_POINTS = """
INSERT INTO synth_points (consultation_id, geom, theme_slug)
SELECT :cid,
  CASE WHEN ST_Intersects(a.buf, p.geom) THEN p.geom ELSE ST_SetSRID(ST_MakePoint(p.cx, p.cy), 4326) END,
  CASE WHEN p.rt < 0.5 THEN p.theme1 WHEN p.rt < 0.7 THEN p.theme2
       ELSE a.themes[1 + floor(p.rt2 * cardinality(a.themes))::int] END
FROM synth_areas a,
  (SELECT h.cx, h.cy, h.theme1, h.theme2, g.rt, g.rt2,
     ST_SetSRID(ST_MakePoint(h.cx + g.rad * cos(g.ang) * h.sigma_m / (111320 * cos(radians(h.cy))),
                             h.cy + g.rad * sin(g.ang) * h.sigma_m / 110540), 4326) AS geom
   FROM (SELECT floor(CAST(:k AS int) * power(random(), 1.8))::int AS idx, sqrt(-2 * ln(1 - random())) AS rad,
           2 * pi() * random() AS ang, random() AS rt, random() AS rt2
         FROM generate_series(1, CAST(:n AS int))) g
   JOIN synth_hotspots h ON h.consultation_id = :cid AND h.idx = g.idx) p
WHERE a.consultation_id = :cid
"""

SPREAD_POINTS = """
INSERT INTO synth_points (consultation_id, geom, theme_slug)
SELECT :cid, d.geom, a.themes[1 + floor(random() * cardinality(a.themes))::int]
FROM synth_areas a, LATERAL ST_Dump(ST_GeneratePoints(a.buf, CAST(:n AS int), CAST(:seed AS int))) d
WHERE a.consultation_id = :cid
"""

# Random attributes per point, then ids in creation order (as real rows would have).
CONTRIB = """
CREATE TEMP TABLE synth_contrib AS
SELECT nextval('contributions_id_seq')::int AS id, q.* FROM (
  SELECT r.consultation_id, r.geom, r.theme_slug, r.status, r.source, r.created_at,
    CASE WHEN r.source = 'web' THEN floor(CAST(:users AS int) * power(r.r3, 1.6))::int END AS author_rn,
    CASE WHEN r.status IN ('published', 'hidden') THEN r.created_at + r.r5 * interval '8 hours' END
      AS published_at,
    CASE WHEN r.status = 'published' AND r.r6 < 0.1 THEN (CAST(:outcomes AS text[]))[1 + floor(r.r7 * 5)::int] END AS outcome,
    least(now(), r.created_at + (2 + r.r8 * 20) * interval '1 day') AS answered_at,
    CASE WHEN r.status IN ('published', 'hidden') THEN exp(1.5 * sqrt(-2 * ln(1 - r.r9)) * cos(2 * pi() * r.r10))
      ELSE 0 END AS weight,
    CASE WHEN r.r11 < 0.15 THEN 0.35 + 0.3 * r.r12 ELSE 0.65 + 0.33 * r.r12 END AS agree_p,
    left(t.titles[1 + floor(r.r13 * cardinality(t.titles))::int] || ' '
      || (CAST(:places AS text[]))[1 + floor(r.r14 * cardinality(CAST(:places AS text[])))::int], 140) AS title,
    t.bodies[1 + floor(r.r15 * cardinality(t.bodies))::int] || ' ' || t.bodies[1 + (floor(r.r15
      * cardinality(t.bodies))::int + 1 + floor(r.r16 * (cardinality(t.bodies) - 1))::int) % cardinality(t.bodies)]
      AS body
  FROM (SELECT p.*, random() AS r3, random() AS r5, random() AS r6, random() AS r7, random() AS r8,
          random() AS r9, random() AS r10, random() AS r11, random() AS r12, random() AS r13,
          random() AS r14, random() AS r15, random() AS r16,
          CASE WHEN r1 < 0.86 THEN 'published' WHEN r1 < 0.92 THEN 'pending'
               WHEN r1 < 0.96 THEN 'rejected' ELSE 'hidden' END AS status,
          CASE WHEN r2 < 0.8 THEN 'web' WHEN r2 < 0.95 THEN 'workshop' ELSE 'kiosk' END AS source,
          now() - power(r4, 1.4) * (now() - a.since) AS created_at
        FROM (SELECT s.*, random() AS r1, random() AS r2, random() AS r4 FROM synth_points s) p
        JOIN synth_areas a ON a.consultation_id = p.consultation_id) r
  JOIN synth_texts t ON t.theme_slug = r.theme_slug
  ORDER BY r.created_at) q
"""

# Votes and comments per contribution: shares of the totals by cumulative weight (sums exactly).
PLAN = """
CREATE TEMP TABLE synth_plan AS
SELECT id, nv, CASE WHEN voting_mode = 'support' THEN nv ELSE round(nv * agree_p)::int END AS na,
  CASE WHEN status = 'published' THEN nc ELSE 0 END AS nc, floor(random() * CAST(:users AS int))::int AS ustart
FROM (SELECT s.id, s.status, s.agree_p, a.voting_mode,
        least(CAST(:users AS int), round(CAST(:votes AS float8) * cw / tw) - round(CAST(:votes AS float8) * (cw - s.weight) / tw))::int AS nv,
        (round(CAST(:comments AS float8) * ccw / ctw) - round(CAST(:comments AS float8) * (ccw - sqrt(s.weight)) / ctw))::int AS nc
      FROM (SELECT id, weight, status, agree_p, consultation_id,
              sum(weight) OVER (ORDER BY id) AS cw, greatest(sum(weight) OVER (), 1e-9) AS tw,
              sum(sqrt(weight)) OVER (ORDER BY id) AS ccw, greatest(sum(sqrt(weight)) OVER (), 1e-9) AS ctw
            FROM synth_contrib) s
      JOIN synth_areas a ON a.consultation_id = s.consultation_id) x
"""

COMMUNES = """
CREATE TEMP TABLE synth_place AS
SELECT DISTINCT ON (s.id) s.id, c.insee FROM communes c JOIN synth_contrib s ON ST_Intersects(c.geom, s.geom)
ORDER BY s.id, c.insee
"""

OFFICIAL_QPV = """
CREATE TEMP TABLE synth_qpv AS
SELECT DISTINCT ON (s.id) s.id, q.code FROM qpv q JOIN synth_contrib s
  ON q.geom IS NOT NULL AND ST_Intersects(q.geom, s.geom)
ORDER BY s.id, q.code
"""

QPV_BY_COMMUNE = """
CREATE TEMP TABLE synth_cq AS
SELECT cq.consultation_id, qc.commune_insee, min(cq.qpv_code) AS code
FROM consultation_qpvs cq JOIN qpv_communes qc ON qc.qpv_code = cq.qpv_code
WHERE cq.consultation_id = ANY(:ids) GROUP BY 1, 2
"""

# QPV: official perimeter containing it, else the consultation's QPV of its commune, else the
# nearest of the consultation's QPV with a perimeter, else the consultation's first QPV.
INSERT_CONTRIBUTIONS = """
INSERT INTO contributions (id, consultation_id, author_id, geom, anchor, qpv_code, commune_insee, theme_slug,
  title, body, status, source, agree_count, disagree_count, comment_count, workshop_agree_count,
  workshop_disagree_count, flag_count, outcome, official_answer, answered_at, created_at, updated_at,
  published_at)
SELECT s.id, s.consultation_id, u.id, s.geom, s.geom,
  coalesce(o.code, cq.code,
    (SELECT q.code FROM consultation_qpvs x JOIN qpv q ON q.code = x.qpv_code
     WHERE x.consultation_id = s.consultation_id AND q.geom IS NOT NULL ORDER BY q.geom <-> s.geom LIMIT 1),
    a.qpvs[1]),
  p.insee, s.theme_slug, s.title, s.body, s.status, s.source, pl.na, pl.nv - pl.na, pl.nc, 0, 0, 0,
  s.outcome, CASE WHEN s.outcome IS NOT NULL THEN (:answers)::json ->> s.outcome END,
  CASE WHEN s.outcome IS NOT NULL THEN s.answered_at END,
  s.created_at, CASE WHEN s.outcome IS NOT NULL THEN s.answered_at ELSE s.created_at END, s.published_at
FROM synth_contrib s
JOIN synth_plan pl ON pl.id = s.id
JOIN synth_areas a ON a.consultation_id = s.consultation_id
LEFT JOIN synth_users u ON u.rn = s.author_rn
LEFT JOIN synth_place p ON p.id = s.id
LEFT JOIN synth_qpv o ON o.id = s.id
LEFT JOIN synth_cq cq ON cq.consultation_id = s.consultation_id AND cq.commune_insee = p.insee
ORDER BY s.id
"""

# One vote per (contribution, user): consecutive users from a random start, never twice the same.
INSERT_VOTES = """
INSERT INTO votes (contribution_id, user_id, value, created_at, updated_at)
SELECT v.id, u.id, CASE WHEN v.j < v.na THEN 1 ELSE -1 END, v.t, v.t
FROM (SELECT pl.id, pl.na, j, (pl.ustart + j) % CAST(:users AS int) AS rn,
        s.created_at + random() * (now() - s.created_at) AS t
      FROM synth_plan pl JOIN synth_contrib s ON s.id = pl.id, generate_series(0, pl.nv - 1) j
      WHERE pl.nv > 0) v
JOIN synth_users u ON u.rn = v.rn
ORDER BY v.id, v.j
"""

INSERT_COMMENTS = """
INSERT INTO comments (contribution_id, author_id, body, status, flag_count, created_at)
SELECT c.id, u.id, (CAST(:texts AS text[]))[1 + floor(c.r * cardinality(CAST(:texts AS text[])))::int], 'published', 0, c.t
FROM (SELECT pl.id, random() AS r, floor(random() * CAST(:users AS int))::int AS rn,
        s.created_at + random() * (now() - s.created_at) AS t
      FROM synth_plan pl JOIN synth_contrib s ON s.id = pl.id, generate_series(1, pl.nc) j
      WHERE pl.nc > 0) c
JOIN synth_users u ON u.rn = c.rn
ORDER BY c.id, c.t
"""

INSERT_USERS = """
INSERT INTO users (email, pseudonym, role, confirmed_at, created_at, session_version)
SELECT 'habitant-' || g || '@synth.invalid', (CAST(:names AS text[]))[1 + g % cardinality(CAST(:names AS text[]))] || '-' || g, 'resident',
  now(), now() - random() * interval '90 days', 1
FROM generate_series(CAST(:first AS int), CAST(:last AS int)) g
ON CONFLICT DO NOTHING
"""

SYNTH_USERS = """
CREATE TEMP TABLE synth_users AS
SELECT (row_number() OVER (ORDER BY id) - 1)::int AS rn, id FROM users
WHERE email LIKE '%@synth.invalid' ORDER BY id LIMIT CAST(:users AS int)
"""

STAGING_TABLES = (
    "synth_areas",
    "synth_hotspots",
    "synth_points",
    "synth_contrib",
    "synth_plan",
    "synth_place",
    "synth_qpv",
    "synth_cq",
    "synth_texts",
    "synth_users",
)
