#!/bin/sh
# Creates user $1 with its reserved uid $2 (home $3, mode $5, group $6) and writes its authorized keys $4.
set -e
name="$1"; uid="$2"; home="$3"; keys="$4"; mode="$5"; group="$6"
if getent passwd "$name" >/dev/null; then
  have=$(id -u "$name")
  [ "$have" = "$uid" ] || { echo "user $name exists with uid $have, but its reserved uid is $uid" >&2; exit 3; }
else
  other=$(getent passwd "$uid" | cut -d: -f1 || true)
  [ -z "$other" ] || { echo "uid $uid is reserved for $name but belongs to $other on this node" >&2; exit 3; }
  othergroup=$(getent group "$uid" | cut -d: -f1 || true)
  [ -z "$othergroup" ] || [ "$othergroup" = "$name" ] || { echo "gid $uid is reserved for $name but belongs to group $othergroup" >&2; exit 3; }
  getent group "$name" >/dev/null || groupadd -g "$uid" "$name"
  useradd -u "$uid" -g "$uid" -d "$home" -m -s /bin/bash "$name"
  chmod "$mode" "$home"
fi
# Every run, so homes made before (0750, or o+x for a static site) converge on the plan's mode and
# group. A generation rendered before homeGroup existed (a rollback) leaves existing homes alone.
if [ -n "$group" ]; then chown "$name:$group" "$home"; chmod "$mode" "$home"; fi
usermod -U "$name" 2>/dev/null || true
install -d -m 0700 -o "$name" -g "$name" "$home/.ssh"
printf '%s\n' "$keys" > "$home/.ssh/authorized_keys.new"
chown "$name:$name" "$home/.ssh/authorized_keys.new"; chmod 0600 "$home/.ssh/authorized_keys.new"
mv "$home/.ssh/authorized_keys.new" "$home/.ssh/authorized_keys"
