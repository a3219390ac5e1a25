#!/usr/bin/env bash
# Installs the system packages Archon's tests need on Debian 12: PostgreSQL 15
# with server headers, pgvector built from Debian's source package, Chromium, and
# the documentation packages whose PDFs the converter's tests read.
# Idempotent: every step checks before it acts.
set -euo pipefail

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export DEBIAN_FRONTEND=noninteractive
need_update=1
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $need_update -eq 1 ]; then apt-get update -qq; need_update=0; fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

apt_install postgresql-15 postgresql-server-dev-15 build-essential chromium ca-certificates
# Real PDFs for the converter's golden tests and bench:pdf (test/fixtures/pdf-corpus.ts):
# texinfo, DocBook (PassiveTeX, dblatex, FOP) and LaTeX manuals from documentation packages.
apt_install libtasn1-doc nettle-dev bzip2-doc fontconfig shared-mime-info zlib1g-dev valgrind

if [ ! -f "$($PG_CONFIG --sharedir)/extension/vector.control" ]; then
  echo "building pgvector from Debian source"
  if [ ! -f /etc/apt/sources.list.d/trixie-src.sources ]; then
    cat > /etc/apt/sources.list.d/trixie-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  apt-get update -qq
  build=$(mktemp -d)
  (cd "$build" && apt-get source --download-only pgvector >/dev/null 2>&1 \
    && tar xf pgvector_*.orig.tar.* && cd pgvector-*/ \
    && make -s PG_CONFIG="$PG_CONFIG" >/dev/null && make -s install PG_CONFIG="$PG_CONFIG" >/dev/null)
  rm -rf "$build"
fi
echo "system ready: $($PG_CONFIG --version), pgvector $(grep default_version "$($PG_CONFIG --sharedir)/extension/vector.control" | cut -d"'" -f2)"
