#!/bin/sh
# Installs RustChat as a systemd service. Run as root from a checkout (after `npm run build`) or
# from a directory holding the binary, rustchat.example.toml and systemd/rustchat.service:
#
#   sudo sh scripts/install.sh [--behind-proxy | --public] [path/to/rustchat]
#
# Network: behind a reverse proxy on the same machine the app port must not be public, so when
# nginx is installed here (or with --behind-proxy) a new rustchat.toml gets host = "127.0.0.1" and
# trust_proxy = true; --public keeps host = "0.0.0.0" (no proxy, or one on another machine: then
# firewall the port, docs/admin.md "Network"). --trusted-proxies "10.0.0.5, 10.1.0.0/16" writes
# server.trusted_proxies for proxies or load balancers on other machines, whose X-Forwarded-For
# the server then believes (the client is the rightmost address that is not one of them). An
# existing rustchat.toml is never changed.
#
# Installs /usr/local/bin/rustchat, the system user "rustchat", /etc/rustchat/rustchat.toml (from
# the example, data_dir set to /var/lib/rustchat; an existing file is kept), an empty
# /etc/rustchat/rustchat.env for secrets (mode 0600), the data directory /var/lib/rustchat and
# /etc/systemd/system/rustchat.service. It does not start the service. Running it again upgrades
# the binary and the unit and keeps the configuration.
#
# ROOT=/some/dir installs under that directory instead of / and skips the user and systemctl steps
# (packaging and tests).
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
proxy=auto
trusted=""
while [ $# -gt 0 ]; do
  case "$1" in
    --behind-proxy) proxy=yes ;;
    --public) proxy=no ;;
    --trusted-proxies)
      [ $# -ge 2 ] || { echo "install.sh: --trusted-proxies needs a list of addresses or CIDR ranges" >&2; exit 2; }
      trusted=$2
      shift
      ;;
    --trusted-proxies=*) trusted=${1#--trusted-proxies=} ;;
    -*) echo "install.sh: unknown option $1 (use --behind-proxy, --public or --trusted-proxies LIST)" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
# Addresses, CIDR ranges, commas and spaces only (the server checks each entry at start).
case "$trusted" in
  *[!0-9A-Fa-f.:/,\ ]*) echo "install.sh: --trusted-proxies takes IP addresses and CIDR ranges, got \"$trusted\"" >&2; exit 2 ;;
esac
if [ "$proxy" = auto ]; then
  if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then proxy=yes; else proxy=no; fi
fi
bin=${1:-$here/dist/rustchat}
root=${ROOT:-}
user=rustchat
data=/var/lib/rustchat

fail() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }

[ -f "$bin" ] || fail "no binary at $bin (build it with: npm ci && npm run build)"
[ -x "$bin" ] || fail "$bin is not executable"
example=$here/rustchat.example.toml
unit=$here/systemd/rustchat.service
[ -f "$example" ] || fail "missing $example"
[ -f "$unit" ] || fail "missing $unit"
if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then fail "run as root (sudo sh $0 $*)"; fi

# The binary must run here before anything is changed.
"$bin" version >/dev/null 2>&1 || fail "$bin does not run on this machine (Linux x86-64 required)"

if [ -z "$root" ]; then
  if ! getent passwd "$user" >/dev/null; then
    useradd --system --user-group --home-dir "$data" --no-create-home --shell /usr/sbin/nologin "$user"
    say "created system user $user"
  fi
  owner="$user:$user"
else
  owner=""
fi

install -d -m 0755 "$root/usr/local/bin" "$root/etc/rustchat" "$root/etc/systemd/system"
# Replace the binary atomically: a running server keeps its old file until restarted.
install -m 0755 "$bin" "$root/usr/local/bin/rustchat.new"
mv -f "$root/usr/local/bin/rustchat.new" "$root/usr/local/bin/rustchat"
say "installed $root/usr/local/bin/rustchat ($("$root/usr/local/bin/rustchat" version))"

install -d -m 0700 "$root$data"
[ -n "$owner" ] && chown "$owner" "$root$data"

if [ -e "$root/etc/rustchat/rustchat.toml" ]; then
  say "kept existing $root/etc/rustchat/rustchat.toml"
  [ -n "$trusted" ] && say "not changed: set trusted_proxies = \"$trusted\" under [server] there yourself"

else
  if [ "$proxy" = yes ]; then
    # Only the local proxy reaches the app port; client addresses come from its X-Forwarded-For.
    sed -e "s|^data_dir = .*|data_dir = \"$data\"|" -e '/^\[server\]/,/^\[/ s|^host = .*|host = "127.0.0.1"|' -e '/^\[server\]/,/^\[/ s|^trust_proxy = .*|trust_proxy = true|' "$example" >"$root/etc/rustchat/rustchat.toml"
  else
    sed "s|^data_dir = .*|data_dir = \"$data\"|" "$example" >"$root/etc/rustchat/rustchat.toml"
  fi
  if [ -n "$trusted" ]; then
    sed -i -e "/^\[server\]/,/^\[/ s|^trusted_proxies = .*|trusted_proxies = \"$trusted\"|" "$root/etc/rustchat/rustchat.toml"
  fi
  chmod 0640 "$root/etc/rustchat/rustchat.toml"
  [ -n "$owner" ] && chown "root:$user" "$root/etc/rustchat/rustchat.toml"
  say "wrote $root/etc/rustchat/rustchat.toml (edit site_url and anything else to change)"
  if [ "$proxy" = yes ]; then
    say "listening on 127.0.0.1:8080 for a reverse proxy on this machine: see deploy/nginx/rustchat.conf (--public to listen on all addresses)"
  else
    say "listening on all addresses, port 8080: put a TLS proxy in front and firewall the port (docs/admin.md, Network)"
  fi
fi

if [ ! -e "$root/etc/rustchat/rustchat.env" ]; then
  umask 077
  cat >"$root/etc/rustchat/rustchat.env" <<'ENV'
# Secrets and environment overrides for rustchat.service (KEY=value lines; mode 0600).
# RUSTCHAT_DATABASE_URL=postgres://rustchat:PASSWORD@127.0.0.1:5432/rustchat
# RUSTCHAT_JWT_SECRET=at-least-32-random-characters-shared-by-every-server
# RUSTCHAT_REDIS_URL=redis://127.0.0.1:6379
# RUSTCHAT_S3_BUCKET=rustchat-files
# RUSTCHAT_S3_ACCESS_KEY=
# RUSTCHAT_S3_SECRET_KEY=
# RUSTCHAT_SMTP_HOST=
ENV
  chmod 0600 "$root/etc/rustchat/rustchat.env"
  say "wrote $root/etc/rustchat/rustchat.env (mode 0600) for secrets"
fi

install -m 0644 "$unit" "$root/etc/systemd/system/rustchat.service"
say "installed $root/etc/systemd/system/rustchat.service"

if [ -z "$root" ]; then
  "$root/usr/local/bin/rustchat" config check --config /etc/rustchat/rustchat.toml >/dev/null || fail "the configuration does not validate: rustchat config check --config /etc/rustchat/rustchat.toml"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    say "done. Start it with: systemctl enable --now rustchat"
  else
    say "done (systemd is not running here: start /usr/local/bin/rustchat serve --config /etc/rustchat/rustchat.toml yourself)"
  fi
else
  say "done (installed under $root)"
fi
