-- A synthetic city for the console benchmark (:n residents, 81.1% with a card; 1 in 5 cards a renewal),
-- 3 venues × 3 procedures with slots every 15 minutes on weekdays from two years back to 90 days ahead
-- (capacity 2 per slot per 443,283 residents) and about 80% of the seats reserved.
INSERT INTO register.households (household_no)
SELECT 'H' || lpad(i::text, 12, '0') FROM generate_series(1, :n / 2 + 1) AS i;
INSERT INTO register.residents (atena_no, juminhyo_code, household_no, relation, resident_kind, resident_status,
    name, name_kana, birth_year, birth_month, birth_day, birth_date, sex, postal_code, address, area_code,
    move_reason, move_date, card_status, updated_at)
SELECT lpad(i::text, 10, '0'), lpad((10000000000 + i)::text, 11, '0'), 'H' || lpad((i / 2 + 1)::text, 12, '0'),
    '世帯主', 1, CASE WHEN i % 97 = 0 THEN 2 ELSE 1 END,
    (ARRAY['藤沢','鈴木','佐藤','高橋','田中','渡辺','伊藤','山本'])[i % 8 + 1] || '　' ||
      (ARRAY['太郎','花子','一郎','美咲','健太','陽子','翔','由美','大輔'])[i % 9 + 1] || (i % 1000)::text,
    (ARRAY['フジサワ','スズキ','サトウ','タカハシ','タナカ','ワタナベ','イトウ','ヤマモト'])[i % 8 + 1] || '　' ||
      (ARRAY['タロウ','ハナコ','イチロウ','ミサキ','ケンタ','ヨウコ','ショウ','ユミ','ダイスケ'])[i % 9 + 1],
    extract(year FROM d)::int, extract(month FROM d)::int, extract(day FROM d)::int, d, i % 2 + 1, '2510001',
    '神奈川県藤沢市' || (ARRAY['片瀬海岸','鵠沼海岸','辻堂元町','村岡東','藤沢','大庭','善行','湘南台','六会',
      '長後','遠藤','御所見','明治'])[i % 13 + 1] || (i % 30 + 1)::text || '番地', lpad((i % 13 + 1)::text, 2, '0') || '0100', 'A01',
    date '2010-04-01', 1, now()
FROM (SELECT i, date '1930-01-01' + ((i::bigint * 7919) % 33000)::int AS d FROM generate_series(1, :n) AS i) AS s;
INSERT INTO cards.cards (holder_atena_no, notice_no, state, issued_on, expires_on, notified_on, handed_over_at,
    application_kind)
SELECT lpad(i::text, 10, '0'),
    chr(65 + i % 26) || chr(65 + (i / 26) % 26) || chr(65 + (i / 676) % 26) || '-' || lpad((i % 1000000)::text, 6, '0'),
    CASE WHEN i % 50 = 0 THEN 'notified' WHEN i % 50 = 1 THEN 'reserved' WHEN i % 50 = 2 THEN 'preset'
         ELSE 'issued' END,
    date '2016-01-15' + (i * 31) % 3650, date '2026-01-15' + (i * 31) % 3650,
    CASE WHEN i % 50 < 2 THEN current_date - (i % 200) END,
    CASE WHEN i % 50 > 2 THEN (date '2016-02-15' + (i * 31) % 3650)::timestamptz END,
    CASE WHEN i % 5 = 0 THEN '更新' ELSE '新規' END
FROM generate_series(1, (:n * 0.811)::int) AS i;
INSERT INTO cards.certificates (card_id, kind, state, issued_on, expires_on)
SELECT id, 'user', 'valid', issued_on, issued_on + 1826 FROM cards.cards WHERE state = 'issued';
INSERT INTO booking.venues (code, name_ja, name_en) VALUES
    ('B-HQ', '本庁舎', 'City Hall'), ('B-SNT', '湘南台市民センター', 'Shonandai'), ('B-TSJ', '辻堂市民センター', 'Tsujido');
INSERT INTO booking.procedures (code, name_ja, name_en, duration_minutes) VALUES
    ('B-PICKUP', 'カード受取', 'Card pickup', 15), ('B-RENEW', 'カード更新', 'Renewal', 15),
    ('B-APPLY', '申請サポート', 'Application help', 15);
INSERT INTO booking.slot_templates (venue_id, procedure_id, weekday, starts_at, ends_at, slot_minutes, capacity)
SELECT v.id, p.id, w, time '09:00', time '17:00', 15, greatest(1, round(:n / 221641.0))
FROM booking.venues v CROSS JOIN booking.procedures p CROSS JOIN generate_series(0, 4) AS w
WHERE v.code LIKE 'B-%' AND p.code LIKE 'B-%';
INSERT INTO booking.slots (venue_id, procedure_id, starts_at, ends_at, capacity)
SELECT v.id, p.id, (d + t) AT TIME ZONE 'Asia/Tokyo', (d + t + interval '15 minutes') AT TIME ZONE 'Asia/Tokyo',
    greatest(1, round(:n / 221641.0))
FROM booking.venues v CROSS JOIN booking.procedures p
CROSS JOIN generate_series((current_date - 730)::timestamp, (current_date + 90)::timestamp, interval '1 day') AS d
CROSS JOIN (SELECT interval '9 hours' + q * interval '15 minutes' AS t FROM generate_series(0, 31) AS q) AS times
WHERE v.code LIKE 'B-%' AND p.code LIKE 'B-%' AND extract(isodow FROM d) < 6;
INSERT INTO booking.reservations (booking_no, secret_hash, slot_id, procedure_id, status, channel)
SELECT 'B' || s.id || '-' || k, md5(s.id || '-' || k) || md5(k || '/' || s.id), s.id, s.procedure_id,
    CASE WHEN s.starts_at < date_trunc('day', now()) THEN
             CASE WHEN (s.id + k) % 20 = 0 THEN 'no_show' WHEN (s.id + k) % 10 = 1 THEN 'cancelled'
                  ELSE 'completed' END
         WHEN s.starts_at < now() THEN CASE WHEN (s.id + k) % 20 = 0 THEN 'no_show' ELSE 'checked_in' END
         ELSE CASE WHEN (s.id + k) % 10 = 1 THEN 'cancelled' ELSE 'booked' END END,
    (ARRAY['web', 'web', 'counter', 'phone'])[(s.id + k) % 4 + 1]
FROM booking.slots s CROSS JOIN LATERAL generate_series(1, greatest(1, (s.capacity * 0.8)::int)) AS k;
UPDATE booking.slots s SET booked = r.n
FROM (SELECT slot_id, count(*) AS n FROM booking.reservations WHERE status <> 'cancelled' GROUP BY slot_id) AS r
WHERE r.slot_id = s.id;
