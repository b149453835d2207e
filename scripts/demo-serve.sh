#!/usr/bin/env bash
# make demo, last step: demo staff for each role, then the reservation site, its worker and the console in the
# foreground (Ctrl-C stops them all). DEMO_SERVE=0 only prints how to start them; auto serves on a terminal.
set -euo pipefail
bin=.venv/bin
run_dir="${MYNADESK_DATA_DIR:?}/run"
mkdir -p "$run_dir"
password_file="$run_dir/demo-password"
[ -s "$password_file" ] || (umask 077 && "$bin/python" -c "import secrets; print(secrets.token_urlsafe(12))" > "$password_file")

existing=$("$bin/mynadesk" staff list 2>/dev/null || true)
for entry in "D-ADMIN:管理 太郎:admin" "D-MANAGER:管理職 次郎:manager" "D-COUNTER:窓口 花子:counter" \
             "D-ANALYST:統計 三郎:analyst" "D-BOOKING:予約 四郎:booking" "D-DOCS:文書 五郎:documents"; do
  IFS=: read -r code name role <<< "$entry"
  grep -q "$code" <<< "$existing" || "$bin/mynadesk" staff add "$code" --name "$name" --role "$role" \
    --password-file "$password_file" > /dev/null
done

cat <<EOT
デモ職員 / demo staff: D-ADMIN D-MANAGER D-COUNTER D-ANALYST D-BOOKING D-DOCS
  初期パスワード / first password: $(cat "$password_file")  (初回ログインで変更 / change it at first login)
予約サイト / reservation site:  $bin/mynadesk site serve      → http://127.0.0.1:8080/
メール送信 / mail worker:       $bin/mynadesk site worker
業務コンソール / console:       $bin/mynadesk console         → http://127.0.0.1:8050/
EOT

mode="${DEMO_SERVE:-auto}"
if [ "$mode" = 0 ] || { [ "$mode" = auto ] && [ ! -t 1 ]; }; then
  exit 0
fi
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT INT TERM
"$bin/mynadesk" site serve --bind 127.0.0.1:8080 --workers 1 &
"$bin/mynadesk" site worker &
"$bin/mynadesk" console --port 8050 --workers 1 &
echo "起動しました。Ctrl-C で停止 / running; Ctrl-C stops everything"
wait
