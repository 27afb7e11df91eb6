#!/usr/bin/env bash
# Nightly backup of chat-server (SQLite), run by deploy/chat-backup.cron.
#
# `chat-server backup` takes a consistent copy while the server keeps serving, encrypted
# before it reaches the disk. With chat-server's own encryption (age) the backup holds the
# uploaded files too, each stored once in BACKUP_DIR/blobs however many backups name it;
# with gpg it holds the database only (piped straight into gpg), and the uploads directory
# needs its own copy. Backups older than KEEP_DAYS are then deleted (and, with the built-in
# encryption, the stored files no remaining backup names). Restoring: docs/BACKUP.md.
#
# Settings, from the environment (the cron file sets them):
#   RECIPIENT_FILE   encrypt with age to the recipients (age1...) in this file; the
#                    identity that opens them stays off the server (recommended)
#   PASSPHRASE_FILE  or: encrypt with age and the passphrase on the first line of this
#                    file (mode 0600, kept away from the backups)
#   GPG_RECIPIENT    or: encrypt the database only with gpg to this key; its public key
#                    must be in the keyring of the user running the script (GNUPGHOME)
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
RECIPIENT_FILE="${RECIPIENT_FILE:-}"

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

keys=0
for setting in "$GPG_RECIPIENT" "$PASSPHRASE_FILE" "$RECIPIENT_FILE"; do
  [[ -z "$setting" ]] || keys=$((keys + 1))
done
if ((keys > 1)); then
  fail "set one of RECIPIENT_FILE, PASSPHRASE_FILE and GPG_RECIPIENT, not both"
fi
if ((keys == 0)); then
  fail "set RECIPIENT_FILE or PASSPHRASE_FILE (built-in encryption) or GPG_RECIPIENT (gpg): backups are never kept in clear"
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
  # The database and the uploaded files; files an earlier backup stored are not copied again.
  final="$BACKUP_DIR/chat_$stamp.backup"
  if [[ -n "$RECIPIENT_FILE" ]]; then
    key=(--recipient-file "$RECIPIENT_FILE")
  else
    key=(--passphrase-file "$PASSPHRASE_FILE")
  fi
  chat_server backup --config "$CHAT_CONFIG" --out "$final" --encrypt "${key[@]}"
fi

# Rotation runs only after a good backup, so a string of failures never empties the folder.
find "$BACKUP_DIR" -maxdepth 1 -type f \
  \( -name 'chat_*.db.gpg' -o -name 'chat_*.db.enc' -o -name 'chat_*.backup' \) \
  -mmin "+$((KEEP_DAYS * 24 * 60))" -delete
if [[ -z "$GPG_RECIPIENT" ]]; then
  # The stored files that only deleted backups named (prune needs no key).
  chat_server backup prune "$BACKUP_DIR" >/dev/null
fi
echo "backup.sh: wrote $final; backups older than $KEEP_DAYS days removed"
