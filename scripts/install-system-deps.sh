#!/usr/bin/env bash
# System packages the test suite needs beside Python: a PostgreSQL server (the second engine, started per test
# session on 127.0.0.1), a Java 17 runtime (Spark, the third engine, runs in local mode inside dbt) and headless
# Chromium with its driver (dashboard screenshots). Installs only what is
# missing, with apt when run as root; otherwise prints the command to run.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
java -version 2>&1 | grep 'version "\(1[7-9]\|2[0-9]\)' >/dev/null || missing+=(openjdk-17-jre-headless)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
[ -d /usr/share/fonts/truetype/liberation ] || missing+=(fonts-liberation)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages: ${missing[*]} - run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# the Debian package starts a cluster of its own; the tests start their own throwaway server instead
if command -v pg_ctlcluster >/dev/null 2>&1; then
    for cluster in $(pg_lsclusters -h 2>/dev/null | awk '{print $1"/"$2}'); do pg_ctlcluster ${cluster%/*} ${cluster#*/} stop || true; done
fi
