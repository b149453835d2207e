#!/usr/bin/env bash
# Install the Debian packages MynaDesk needs for GROUP (base|test). As root on Debian it runs apt-get for what is
# missing; otherwise it names what is missing and goes on (a developer may have them from elsewhere).
set -euo pipefail

group="${1:-base}"
# tesseract: OCR of imported scans (docs import; `make demo` imports a demo batch), Japanese model
base=(python3 python3-venv python3-dev gcc make libpcsclite-dev swig tesseract-ocr tesseract-ocr-jpn)
test_extra=(
  chromium chromium-driver fonts-noto-cjk openssl
  pcscd vsmartcard-vpcd poppler-utils fonts-ipaexfont-gothic fonts-ipaexfont-mincho
  etcd-server  # Patroni's consensus store on loopback (`mynadesk db cluster`, tests/ops/test_patroni_failover.py)
)
case "$group" in
  base) wanted=("${base[@]}") ;;
  test) wanted=("${base[@]}" "${test_extra[@]}") ;;
  *) echo "usage: $0 base|test" >&2; exit 2 ;;
esac

command -v dpkg-query >/dev/null 2>&1 || { echo "Debian 以外: パッケージ確認を省略 / not Debian: skipping"; exit 0; }

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  echo "Debian パッケージを導入します / installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "警告: 次のパッケージがありません / warning, missing Debian packages: ${missing[*]}" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
fi
