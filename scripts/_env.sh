# shellcheck shell=bash
# Shared by scripts/*: where the toolchain lives and how to run a command inside it.
# Home Assistant needs Python >= 3.14.2. We use one from PATH when there is one; otherwise a
# Debian testing root filesystem (built by scripts/setup) entered with unshare + chroot, so no
# mount outlives the command.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

default_cache() {
    # /var/cache/homelab for root (and wherever it is writable); a user's own cache otherwise
    # (a hosted CI runner or a developer without root).
    if [ -w /var/cache/homelab ] || { [ ! -e /var/cache/homelab ] && [ -w /var/cache ]; }; then
        printf '%s\n' /var/cache/homelab
    else
        printf '%s\n' "${XDG_CACHE_HOME:-$HOME/.cache}/homelab"
    fi
}
HOMELAB_CACHE="${HOMELAB_CACHE:-$(default_cache)}"
ROOTFS="${HOMELAB_ROOTFS:-$HOMELAB_CACHE/rootfs-testing}"
# Inside the root filesystem the repository is bound here.
CHROOT_REPO=/repo

find_host_python() {
    local candidate
    for candidate in python3.14 python3.15 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 14, 2) else 1)' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

if [ -z "${HOMELAB_FORCE_ROOTFS:-}" ] && HOST_PYTHON="$(find_host_python)"; then
    USE_ROOTFS=0
    VENV="${HOMELAB_VENV:-$REPO/.venv}"
    VENV_IN_ENV="$VENV"
    VENV_MIN="${HOMELAB_VENV_MIN:-$REPO/.venv-ha-min}"
    VENV_MIN_IN_ENV="$VENV_MIN"
    REPO_IN_ENV="$REPO"
else
    USE_ROOTFS=1
    VENV="$ROOTFS/opt/homelab-venv"
    VENV_IN_ENV=/opt/homelab-venv
    VENV_MIN="$ROOTFS/opt/homelab-venv-ha-min"
    VENV_MIN_IN_ENV=/opt/homelab-venv-ha-min
    REPO_IN_ENV="$CHROOT_REPO"
fi

# in_env CMD...: run CMD with the venv's bin first on PATH, in the repository.
in_env() {
    if [ "$USE_ROOTFS" = 0 ]; then
        (cd "$REPO" && PATH="$VENV/bin:$PATH" VIRTUAL_ENV="$VENV" "$@")
        return
    fi
    # Refresh what the network needs: DNS and the CA bundle this machine trusts.
    cp -L /etc/resolv.conf "$ROOTFS/etc/resolv.conf" 2>/dev/null || true
    if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
        cp -L /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
    fi
    mkdir -p "$ROOTFS$CHROOT_REPO" "$ROOTFS/tmp"
    local extra_binds=""
    # Extra directories the caller wants visible at the same path inside (e.g. a demo config).
    local dir
    for dir in ${HOMELAB_BIND_DIRS:-}; do
        mkdir -p "$dir" "$ROOTFS$dir"
        extra_binds="$extra_binds mount --bind '$dir' '$ROOTFS$dir';"
    done
    unshare --mount --fork -- /bin/bash -c '
        set -e
        root="$1"; repo="$2"; shift 2
        mount --make-rprivate /
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount --bind "$repo" "$root'"$CHROOT_REPO"'"
        '"$extra_binds"'
        exec chroot "$root" /usr/bin/env -i \
            HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" \
            PATH='"$VENV_IN_ENV"'/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            VIRTUAL_ENV='"$VENV_IN_ENV"' \
            SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
            PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
            PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180 \
            HOMELAB_EXTRA_ENV="${HOMELAB_EXTRA_ENV:-}" \
            /bin/bash -c "cd '"$CHROOT_REPO"' && exec \"\$@\"" bash "$@"
    ' bash "$ROOTFS" "$REPO" "$@"
}

# in_min_env CMD...: like in_env, with the venv of the oldest supported Home Assistant
# (requirements-ha-min.txt) instead of the development venv.
in_min_env() {
    local VENV="$VENV_MIN" VENV_IN_ENV="$VENV_MIN_IN_ENV"
    in_env "$@"
}
