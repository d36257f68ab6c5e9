#!/usr/bin/env bash
# Makes sure what the test suite needs is running on this machine: PostgreSQL on
# 127.0.0.1:5432, Redis on 127.0.0.1:6379 and Debian's Chromium for the browser tests.
# Starts what is stopped and installs what is missing (Debian, as root); does nothing
# when everything is there already.
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

postgres_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! command -v pg_isready >/dev/null; then apt_install postgresql; fi
if ! postgres_up; then
  echo "starting PostgreSQL"
  for version in $(ls /etc/postgresql); do
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do postgres_up && break; sleep 1; done
  postgres_up || { echo "PostgreSQL did not start" >&2; exit 1; }
fi

if ! command -v redis-server >/dev/null; then apt_install redis-server; fi
if ! redis_up; then
  echo "starting Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || { echo "Redis did not start" >&2; exit 1; }
fi

if [ ! -x /usr/bin/chromium ]; then apt_install chromium; fi
