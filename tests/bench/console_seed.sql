-- A synthetic city for the console benchmark (:n residents, 81.1% with a card).
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
INSERT INTO cards.cards (holder_atena_no, notice_no, state, issued_on, expires_on, notified_on, handed_over_at)
SELECT lpad(i::text, 10, '0'),
    chr(65 + i % 26) || chr(65 + (i / 26) % 26) || chr(65 + (i / 676) % 26) || '-' || lpad((i % 1000000)::text, 6, '0'),
    CASE WHEN i % 50 = 0 THEN 'notified' WHEN i % 50 = 1 THEN 'reserved' WHEN i % 50 = 2 THEN 'preset'
         ELSE 'issued' END,
    date '2016-01-15' + (i * 31) % 3650, date '2026-01-15' + (i * 31) % 3650,
    CASE WHEN i % 50 < 2 THEN current_date - (i % 200) END,
    CASE WHEN i % 50 > 2 THEN (date '2016-02-15' + (i * 31) % 3650)::timestamptz END
FROM generate_series(1, (:n * 0.811)::int) AS i;
INSERT INTO cards.certificates (card_id, kind, state, issued_on, expires_on)
SELECT id, 'user', 'valid', issued_on, issued_on + 1826 FROM cards.cards WHERE state = 'issued';
