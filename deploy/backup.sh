#!/usr/bin/env bash
# Nightly backup of the chat-server SQLite database, run by deploy/chat-backup.cron.
#
# `chat-server backup` takes a consistent copy while the server keeps serving; the copy
# is encrypted before it reaches the disk (piped straight into gpg, or sealed in memory
# by chat-server's own --encrypt); backups older than KEEP_DAYS are then deleted.
# Restoring is described in docs/BACKUP.md.
#
# Settings, from the environment (the cron file sets them):
#   GPG_RECIPIENT    encrypt with gpg to this key; its public key must be in the keyring
#                    of the user running the script (GNUPGHOME picks the keyring)
#   PASSPHRASE_FILE  or: encrypt with chat-server's AES-256-GCM and the passphrase on the
#                    first line of this file (mode 0600, kept away from the backups)
#   CHAT_SERVER      the chat-server command, or its .js entry point (default
#                    /usr/local/bin/chat-server, the wrapper docs/DEPLOYMENT.md installs)
#   CHAT_CONFIG      the server's configuration (default /opt/chat-server/config.toml)
#   BACKUP_DIR       where backups go (default /var/backups/chat-server)
#   KEEP_DAYS        how many days of backups to keep (default 7)
set -euo pipefail
umask 077

CHAT_SERVER="${CHAT_SERVER:-/usr/local/bin/chat-server}"
CHAT_CONFIG="${CHAT_CONFIG:-/opt/chat-server/config.toml}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/chat-server}"
KEEP_DAYS="${KEEP_DAYS:-7}"
GPG_RECIPIENT="${GPG_RECIPIENT:-}"
PASSPHRASE_FILE="${PASSPHRASE_FILE:-}"

fail() {
  echo "backup.sh: $*" >&2
  exit 1
}

chat_server() {
  # An entry point given by hand (a checkout without the installed wrapper) runs with node.
  case "$CHAT_SERVER" in
    *.js) node "$CHAT_SERVER" "$@" ;;
    *) "$CHAT_SERVER" "$@" ;;
  esac
}

if [[ -n "$GPG_RECIPIENT" && -n "$PASSPHRASE_FILE" ]]; then
  fail "set GPG_RECIPIENT or PASSPHRASE_FILE, not both"
fi
if [[ -z "$GPG_RECIPIENT" && -z "$PASSPHRASE_FILE" ]]; then
  fail "set GPG_RECIPIENT (gpg) or PASSPHRASE_FILE (built-in encryption): backups are never kept in clear"
fi
[[ "$KEEP_DAYS" =~ ^[1-9][0-9]*$ ]] || fail "KEEP_DAYS must be a whole number of days (at least 1), got '$KEEP_DAYS'"

mkdir -p "$BACKUP_DIR"
stamp="$(date -u +%Y%m%d_%H%M%S)"
partial=""
# A backup that failed half-way must not look like a good one.
trap '[[ -z "$partial" ]] || rm -f "$partial"' EXIT

if [[ -n "$GPG_RECIPIENT" ]]; then
  final="$BACKUP_DIR/chat_$stamp.db.gpg"
  partial="$final.partial"
  # The operator chose this recipient and put its key in this keyring on purpose, so the
  # web of trust is not consulted (batch mode would otherwise refuse an unsigned key).
  chat_server backup --config "$CHAT_CONFIG" --out - |
    gpg --batch --yes --quiet --trust-model always \
      --encrypt --recipient "$GPG_RECIPIENT" --output "$partial"
  mv "$partial" "$final"
  partial=""
else
  final="$BACKUP_DIR/chat_$stamp.db.enc"
  chat_server backup --config "$CHAT_CONFIG" --out "$final" \
    --encrypt --passphrase-file "$PASSPHRASE_FILE"
fi

# Rotation runs only after a good backup, so a string of failures never empties the folder.
find "$BACKUP_DIR" -maxdepth 1 -type f \( -name 'chat_*.db.gpg' -o -name 'chat_*.db.enc' \) \
  -mmin "+$((KEEP_DAYS * 24 * 60))" -delete
echo "backup.sh: wrote $final; backups older than $KEEP_DAYS days removed"
