# shellcheck shell=bash disable=SC2034
# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
#
# Shared set-up for bin/run and bin/test. Sourced, never executed.
# Every step is idempotent: a second run only checks what the first one did.
#
# Environment knobs (all optional):
#   ODOO_SRC      local Odoo source dir (has odoo-bin, used in place), a local git
#                 repository, or a git URL. Unset: the clone cached by an earlier
#                 run (whatever its origin), else https://github.com/odoo/odoo.git
#   ODOO_BRANCH   branch to clone (default 18.0)
#   PYTHON        interpreter for the virtualenv (default: python3.12/3.11/3.10)
#   XDG_CACHE_HOME  cache root (default ~/.cache); everything goes to .../subscription-suite
#   PGHOST PGPORT PGUSER PGPASSWORD   an existing PostgreSQL server to use
#   SUITE_ADDONS  comma list of addons (default: every addon under addons/)
#   SUITE_EXTRA_ADDONS_PATH  extra addons directories (comma list)
#   SUITE_PG_DIR  where the private PostgreSQL cluster lives
#   SUITE_PG_BINDIR  PostgreSQL server binaries (default: initdb on PATH, else
#                 the newest /usr/lib/postgresql/*/bin)
#   SUITE_PRIVATE_PG=1  always use the private cluster

SUITE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUITE_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/subscription-suite"
SUITE_HELPER="$SUITE_ROOT/bin/suite_helper.py"
SUITE_CONF="$SUITE_ROOT/odoo.conf"
ODOO_DEFAULT_URL="https://github.com/odoo/odoo.git"
ODOO_BRANCH="${ODOO_BRANCH:-18.0}"

# Filled by the functions below (read by bin/run and bin/test).
ODOO_DIR=""          # Odoo source tree (has odoo-bin)
ODOO_ADDONS_PATH=""  # comma list, without the suite's own addons
VENV=""              # virtualenv directory
VPY=""               # its python
VENV_ADDONS_DIR=""   # <site-packages>/odoo/addons: addons installed from PyPI
PG_PRIVATE=0         # 1 when we use our own throwaway cluster
PG_STARTED=0         # 1 when this process started that cluster
PG_LOCK_FD=""        # shared lock held while this process uses the private cluster
PG_RUNAS=""          # user running the private cluster (when we are root)
PG_BASE=""           # private cluster directory
PG_BINDIR=""
ODOO_DATA_DIR=""     # odoo data_dir (filestores): beside the cluster it belongs to

log() { printf '[suite] %s\n' "$*" >&2; }
die() {
    printf '[suite] FATAL: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------- Odoo source

_suite_norm_src() {
    # Print a comparable form of a git source: absolute path or URL.
    local src="$1"
    src="${src#file://}"
    if [[ -e "$src" ]]; then
        (cd "$src" && pwd -P)
    else
        src="${src%/}"
        printf '%s\n' "${src%.git}"
    fi
}

_suite_clone() {
    # _suite_clone SOURCE DEST : shallow clone of ODOO_BRANCH (or the default
    # branch of a local repository that has no such branch).
    local src="$1" dest="$2" url="$1" tmp
    if [[ -e "$src" ]]; then
        url="file://$(cd "$src" && pwd -P)"
    fi
    tmp="$dest.tmp.$$"
    rm -rf "$tmp"
    local branch=(--branch "$ODOO_BRANCH")
    if ! git ls-remote --exit-code --heads "$url" "$ODOO_BRANCH" >/dev/null 2>&1; then
        if [[ -e "$src" ]]; then
            log "$src has no branch $ODOO_BRANCH: using its default branch"
            branch=()
        else
            die "cannot find branch $ODOO_BRANCH at $src (network? set ODOO_SRC to a local copy)"
        fi
    fi
    log "cloning Odoo ${branch[1]:-(default branch)} from $src (shallow) into $dest"
    git clone -q --depth 1 "${branch[@]}" "$url" "$tmp" || {
        rm -rf "$tmp"
        die "cannot clone Odoo from $src"
    }
    rm -rf "$dest"
    mv "$tmp" "$dest"
}

suite_prepare_odoo_src() {
    mkdir -p "$SUITE_CACHE"
    local src="${ODOO_SRC:-}"
    if [[ -n "$src" && -f "$src/odoo-bin" ]]; then
        ODOO_DIR="$(cd "$src" && pwd -P)"
        log "Odoo source: $ODOO_DIR (used in place)"
    else
        ODOO_DIR="$SUITE_CACHE/odoo-src"
        local want="${src:-$ODOO_DEFAULT_URL}"
        if [[ -n "$src" && -e "$src" ]] && ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
            die "ODOO_SRC=$src is neither an Odoo source directory (no odoo-bin) nor a git repository"
        fi
        if [[ -f "$ODOO_DIR/odoo-bin" ]]; then
            local have
            have="$(git -C "$ODOO_DIR" remote get-url origin 2>/dev/null || true)"
            if [[ -n "$src" && -n "$have" && "$(_suite_norm_src "$have")" != "$(_suite_norm_src "$want")" ]]; then
                log "cached Odoo source comes from $have, ODOO_SRC asks for $want: re-cloning"
                _suite_clone "$want" "$ODOO_DIR"
            else
                # ODOO_SRC unset: reuse the cached clone, whatever its origin.
                log "Odoo source: $ODOO_DIR (cached, from ${have:-unknown origin})"
            fi
        else
            _suite_clone "$want" "$ODOO_DIR"
        fi
    fi
    [[ -f "$ODOO_DIR/odoo-bin" ]] || die "no odoo-bin in $ODOO_DIR"
    [[ -d "$ODOO_DIR/odoo/addons/base" ]] || die "$ODOO_DIR/odoo/addons/base is missing: not an Odoo source tree"
    # All addons live in <src>/odoo/addons in some copies; a standard checkout
    # keeps most of them in <src>/addons. Never put a stale duplicate first.
    ODOO_ADDONS_PATH="$ODOO_DIR/odoo/addons"
    if [[ ! -d "$ODOO_DIR/odoo/addons/web" && -d "$ODOO_DIR/addons" ]]; then
        ODOO_ADDONS_PATH="$ODOO_DIR/addons,$ODOO_ADDONS_PATH"
    fi
    local version
    version="$(sed -n 's/^version_info = (\([0-9]*\), *\([0-9]*\),.*/\1.\2/p' "$ODOO_DIR/odoo/release.py")"
    [[ "$version" == "18.0" ]] || die "Odoo in $ODOO_DIR is version '${version:-?}', the suite needs 18.0"
}

suite_odoo_revision() {
    # Identifies the Odoo code for the template database hash.
    local rev
    rev="$(git -C "$ODOO_DIR" rev-parse HEAD 2>/dev/null || true)"
    if [[ -z "$rev" ]]; then
        rev="nogit:$ODOO_DIR:$(stat -c %Y "$ODOO_DIR/odoo/release.py")"
    fi
    printf '%s\n' "$rev"
}

# ---------------------------------------------------------------- virtualenv

_suite_py_ok() {
    "$1" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 12) else 1)' >/dev/null 2>&1
}

_suite_pick_python() {
    # Prints the interpreter used to create the virtualenv.
    if [[ -n "${PYTHON:-}" ]]; then
        _suite_py_ok "$PYTHON" || die "PYTHON=$PYTHON is not a working Python 3.10-3.12"
        command -v "$PYTHON"
        return
    fi
    local cand
    for cand in python3.12 python3.11 python3.10 python3; do
        if command -v "$cand" >/dev/null 2>&1 && _suite_py_ok "$cand"; then
            command -v "$cand"
            return
        fi
    done
    die "no Python 3.10, 3.11 or 3.12 found on PATH (set PYTHON=/path/to/python3.x)"
}

_suite_check_headers() {
    local missing=()
    command -v pg_config >/dev/null 2>&1 || missing+=("pg_config (libpq-dev)")
    [[ -f /usr/include/ldap.h ]] || missing+=("/usr/include/ldap.h (libldap2-dev)")
    [[ -f /usr/include/sasl/sasl.h ]] || missing+=("/usr/include/sasl/sasl.h (libsasl2-dev)")
    command -v gcc >/dev/null 2>&1 || missing+=("gcc (build-essential)")
    if ((${#missing[@]})); then
        die "missing build dependencies of Odoo's Python requirements: ${missing[*]}.
        Install them with:  apt-get install libpq-dev libldap2-dev libsasl2-dev build-essential"
    fi
}

suite_prepare_venv() {
    VENV="$SUITE_CACHE/venv"
    VPY="$VENV/bin/python"
    local base=""
    if [[ -x "$VPY" ]] && _suite_py_ok "$VPY"; then
        if [[ -n "${PYTHON:-}" ]]; then
            base="$(_suite_pick_python)"
            local a b
            a="$("$base" -c 'import sys; print(sys.version_info[:2])')"
            b="$("$VPY" -c 'import sys; print(sys.version_info[:2])')"
            if [[ "$a" != "$b" ]]; then
                log "virtualenv uses Python $b, PYTHON=$PYTHON is $a: recreating it"
                rm -rf "$VENV"
            fi
        fi
    elif [[ -e "$VENV" ]]; then
        log "virtualenv $VENV is broken or uses an unsupported Python: recreating it"
        rm -rf "$VENV"
    fi

    export PIP_CONSTRAINT="$SUITE_ROOT/constraints.txt"
    export PIP_BUILD_CONSTRAINT="$SUITE_ROOT/constraints.txt"
    export PIP_DISABLE_PIP_VERSION_CHECK=1

    if [[ ! -x "$VPY" ]]; then
        [[ -n "$base" ]] || base="$(_suite_pick_python)"
        log "creating virtualenv $VENV with $base ($("$base" -V 2>&1))"
        "$base" -m venv "$VENV" ||
            die "cannot create a virtualenv with $base (Debian: apt-get install python3-venv)"
    fi

    local stamp want
    stamp="$VENV/.suite-stamp"
    want="$(
        {
            "$VPY" -c 'import sys; print(sys.version)'
            printf '%s\n' "$ODOO_DIR"
            cat "$ODOO_DIR/requirements.txt" "$SUITE_ROOT/requirements.txt" \
                "$SUITE_ROOT/requirements-dev.txt" "$SUITE_ROOT/requirements-odoo-addons.txt" \
                "$SUITE_ROOT/constraints.txt"
        } | sha256sum | cut -d' ' -f1
    )"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        log "virtualenv: $VENV (up to date)"
    else
        _suite_check_headers
        log "installing Python requirements into $VENV (first time: a few minutes)"
        "$VPY" -m pip install -q --upgrade pip wheel "setuptools<70" || die "pip upgrade failed"
        "$VPY" -m pip install -q -r "$ODOO_DIR/requirements.txt" ||
            die "installing Odoo's requirements.txt failed (see pip's message above)"
        "$VPY" -m pip install -q -r "$SUITE_ROOT/requirements.txt" -r "$SUITE_ROOT/requirements-dev.txt" ||
            die "installing the suite's requirements failed"
        # OCA addons from PyPI: their `odoo` requirement is the source tree
        # above (not a pip distribution), their other ones are in requirements.txt.
        "$VPY" -m pip install -q --no-deps -r "$SUITE_ROOT/requirements-odoo-addons.txt" ||
            die "installing the Odoo addons of requirements-odoo-addons.txt failed"
        printf '%s\n' "$want" >"$stamp"
    fi
    # Make `import odoo` work in the virtualenv.
    local site pth
    site="$("$VPY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    pth="$site/odoo-src.pth"
    if [[ "$(cat "$pth" 2>/dev/null)" != "$ODOO_DIR" ]]; then
        printf '%s\n' "$ODOO_DIR" >"$pth"
    fi
    "$VPY" -c 'import odoo.release as r; assert r.version_info[:2] == (18, 0)' ||
        die "odoo is not importable from $VPY"
    # Where pip puts the addons of requirements-odoo-addons.txt (queue_job).
    VENV_ADDONS_DIR="$site/odoo/addons"
    export PATH="$VENV/bin:$PATH"
}

# ---------------------------------------------------------------- addons

suite_addons() {
    # Prints the comma list of addons to install (SUITE_ADDONS or every addon).
    if [[ -n "${SUITE_ADDONS:-}" ]]; then
        printf '%s\n' "${SUITE_ADDONS// /}"
    else
        "$VPY" "$SUITE_HELPER" addons "$SUITE_ROOT/addons"
    fi
}

suite_full_addons_path() {
    local path="$ODOO_ADDONS_PATH,$SUITE_ROOT/addons"
    # OCA addons installed from PyPI (requirements-odoo-addons.txt).
    if [[ -n "$VENV_ADDONS_DIR" && -d "$VENV_ADDONS_DIR" ]]; then
        path="$path,$VENV_ADDONS_DIR"
    fi
    if [[ -n "${SUITE_EXTRA_ADDONS_PATH:-}" ]]; then
        local extra
        IFS=',' read -r -a extra <<<"$SUITE_EXTRA_ADDONS_PATH"
        for d in "${extra[@]}"; do
            [[ -n "$d" ]] || continue
            [[ -d "$d" ]] || die "SUITE_EXTRA_ADDONS_PATH entry $d is not a directory"
            path="$path,$(cd "$d" && pwd -P)"
        done
    fi
    printf '%s\n' "$path"
}

# ---------------------------------------------------------------- PostgreSQL

_suite_conf_get() { "$VPY" "$SUITE_HELPER" conf-get "$SUITE_CONF" "$1"; }

_suite_pg_bindir() {
    if [[ -n "${SUITE_PG_BINDIR:-}" ]]; then
        [[ -x "$SUITE_PG_BINDIR/initdb" && -x "$SUITE_PG_BINDIR/pg_ctl" ]] ||
            die "SUITE_PG_BINDIR=$SUITE_PG_BINDIR has no initdb/pg_ctl"
        printf '%s\n' "$SUITE_PG_BINDIR"
    elif command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    else
        local d
        d="$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n1)"
        [[ -n "$d" && -x "$d/initdb" ]] ||
            die "PostgreSQL server binaries not found (apt-get install postgresql) and no server reachable"
        printf '%s\n' "$d"
    fi
}

_as_pg() {
    if [[ -n "$PG_RUNAS" ]]; then
        (cd "$PG_BASE" && runuser -u "$PG_RUNAS" -- "$@")
    else
        (cd "$PG_BASE" && "$@")
    fi
}

_suite_try_server() {
    # 0 when the current PG* environment reaches a usable server.
    local out
    out="$(PGCONNECT_TIMEOUT=3 psql -X -A -t -q -d "${PGDATABASE:-postgres}" -c \
        "select current_user || ' ' || (rolcreatedb or rolsuper)::text from pg_roles where rolname = current_user" \
        2>/dev/null)" || return 1
    local user="${out% *}" can="${out##* }"
    if [[ "$user" == "postgres" ]]; then
        log "PostgreSQL reachable but as user 'postgres', which Odoo refuses; ignoring it"
        return 1
    fi
    if [[ "$can" != "true" ]]; then
        log "PostgreSQL reachable but role '$user' may not create databases; ignoring it"
        return 1
    fi
    log "PostgreSQL: using the server at ${PGHOST:-<default socket>}:${PGPORT:-5432} as '$user'"
    return 0
}

suite_stop_pg() {
    # Stop the private cluster when no other bin/run or bin/test uses it:
    # every user holds a shared lock; whoever gets the exclusive lock is last.
    [[ -n "$PG_LOCK_FD" ]] || return 0
    flock -u "$PG_LOCK_FD"
    if flock -x -n "$PG_LOCK_FD"; then
        if _as_pg "$PG_BINDIR/pg_ctl" -D "$PG_BASE/data" status >/dev/null 2>&1; then
            log "stopping the private PostgreSQL cluster ($PG_BASE)"
            _as_pg "$PG_BINDIR/pg_ctl" -D "$PG_BASE/data" -m fast -w stop >/dev/null 2>&1 || true
        fi
    else
        log "private PostgreSQL cluster still used by another run: leaving it running"
    fi
    exec {PG_LOCK_FD}>&-
    PG_LOCK_FD=""
    PG_STARTED=0
}

suite_prepare_pg() {
    # Use a reachable server (environment first, then odoo.conf), else a
    # private cluster. Exports PGHOST/PGPORT/PGUSER/PGPASSWORD for psql and odoo.
    local key var val
    for key in host port user password; do
        var="PG${key^^}"
        if [[ -z "${!var:-}" ]]; then
            val="$(_suite_conf_get "db_$key")"
            [[ -z "$val" ]] || export "$var=$val"
        fi
    done
    if [[ "${SUITE_PRIVATE_PG:-0}" != 1 ]] && command -v psql >/dev/null 2>&1 && _suite_try_server; then
        PG_PRIVATE=0
        ODOO_DATA_DIR="$SUITE_CACHE/data"
        return
    fi

    PG_PRIVATE=1
    PG_BINDIR="$(_suite_pg_bindir)"
    if [[ "$(id -u)" == 0 ]]; then
        # PostgreSQL refuses to run as root, and its user cannot enter /root:
        # keep the cluster in /tmp, owned by that user.
        if id postgres >/dev/null 2>&1; then PG_RUNAS=postgres; else PG_RUNAS=nobody; fi
        PG_BASE="${SUITE_PG_DIR:-/tmp/subscription-suite-pg-$(id -u)}"
        mkdir -p "$PG_BASE"
        chown "$PG_RUNAS" "$PG_BASE"
        chmod 700 "$PG_BASE"
    else
        PG_RUNAS=""
        PG_BASE="${SUITE_PG_DIR:-$SUITE_CACHE/pg}"
        mkdir -p "$PG_BASE"
        chmod 700 "$PG_BASE"
    fi
    local data="$PG_BASE/data" sock="$PG_BASE/run"
    local bin_version
    bin_version="$("$PG_BINDIR/initdb" --version | sed 's/[^0-9]*\([0-9]*\).*/\1/')"
    if [[ -f "$data/PG_VERSION" && "$(cat "$data/PG_VERSION")" != "$bin_version" ]]; then
        log "private cluster was made by PostgreSQL $(cat "$data/PG_VERSION"), binaries are $bin_version: re-creating it"
        _as_pg "$PG_BINDIR/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$data"
    fi
    if [[ ! -f "$data/PG_VERSION" ]]; then
        log "creating a private PostgreSQL $bin_version cluster in $data${PG_RUNAS:+ (run as $PG_RUNAS)}"
        rm -rf "$data"
        local locale=(--no-locale)
        if locale -a 2>/dev/null | grep -qix 'c.utf-\?8'; then locale=(--locale=C.UTF-8); fi
        _as_pg "$PG_BINDIR/initdb" -D "$data" -U odoo --auth=trust -E UTF8 "${locale[@]}" \
            >"$PG_BASE/initdb.log" 2>&1 || {
            cat "$PG_BASE/initdb.log" >&2
            die "initdb failed"
        }
        _as_pg mkdir -p "$sock"
        cat >>"$data/postgresql.conf" <<EOF

# subscription-suite private cluster: unix socket only, no durability.
listen_addresses = ''
unix_socket_directories = '$sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
EOF
    fi
    export PGHOST="$sock" PGPORT=5432 PGUSER=odoo
    ODOO_DATA_DIR="$PG_BASE/odoo-data"
    unset PGPASSWORD
    # Shared lock for as long as we use the cluster (see suite_stop_pg); the
    # start itself is serialised by an exclusive lock on another file.
    exec {PG_LOCK_FD}>>"$PG_BASE/users.lock"
    flock -s "$PG_LOCK_FD"
    local ctl_fd
    exec {ctl_fd}>>"$PG_BASE/ctl.lock"
    flock -x "$ctl_fd"
    if _as_pg "$PG_BINDIR/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        log "PostgreSQL: private cluster already running ($PG_BASE), reusing it"
    else
        log "PostgreSQL: starting the private cluster ($PG_BASE)"
        # The cluster must not inherit our lock descriptors.
        _as_pg "$PG_BINDIR/pg_ctl" -D "$data" -l "$PG_BASE/postgres.log" -w -t 60 start \
            >/dev/null {PG_LOCK_FD}>&- {ctl_fd}>&- ||
            {
                tail -n 20 "$PG_BASE/postgres.log" >&2 || true
                die "cannot start the private PostgreSQL cluster"
            }
        PG_STARTED=1
    fi
    exec {ctl_fd}>&-
    psql -X -q -d postgres -c 'select 1' >/dev/null || die "private PostgreSQL cluster does not answer"
}

suite_db_exists() {
    [[ "$(psql -X -A -t -d postgres -c "select 1 from pg_database where datname = '$1'")" == 1 ]]
}

# ---------------------------------------------------------------- odoo.conf

suite_random_password() {
    "$VPY" -c 'import secrets; print(secrets.token_urlsafe(18))'
}

suite_write_conf() {
    # suite_write_conf OUT [KEY=VALUE...] : runtime config = odoo.conf + paths + db.
    # odoo.conf has no admin_passwd (Odoo would default to "admin"): a random
    # one unless the caller passes admin_passwd=... (bin/run keeps its own).
    local out="$1"
    shift
    mkdir -p "$(dirname "$out")"
    (umask 077 && : >>"$out")
    "$VPY" "$SUITE_HELPER" write-conf "$SUITE_CONF" "$out" \
        "admin_passwd=$(suite_random_password)" \
        "addons_path=$(suite_full_addons_path)" \
        "data_dir=$ODOO_DATA_DIR" \
        "db_host=${PGHOST:-}" "db_port=${PGPORT:-}" \
        "db_user=${PGUSER:-}" "db_password=${PGPASSWORD:-}" \
        "$@"
}

suite_odoo() {
    # Runs odoo-bin from the virtualenv.
    "$VPY" "$ODOO_DIR/odoo-bin" "$@"
}

# ---------------------------------------------------------------- wkhtmltopdf

suite_prepare_wkhtmltopdf() {
    # Odoo prints reports (invoice PDFs, the "send invoices" job) with
    # wkhtmltopdf. Root on Debian/Ubuntu: install the distribution's package
    # when it is missing; otherwise say how (Odoo runs without it, but an
    # invoice download then answers HTTP 400).
    command -v wkhtmltopdf >/dev/null 2>&1 && return 0
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "installing Debian's wkhtmltopdf (prints invoice PDFs)"
        mkdir -p "$SUITE_CACHE"
        export DEBIAN_FRONTEND=noninteractive
        if { apt-get install -y -q --no-install-recommends wkhtmltopdf ||
            { apt-get update -q && apt-get install -y -q --no-install-recommends wkhtmltopdf; }; } \
            </dev/null >"$SUITE_CACHE/apt-wkhtmltopdf.log" 2>&1 && command -v wkhtmltopdf >/dev/null 2>&1; then
            return 0
        fi
        log "WARNING: apt-get could not install wkhtmltopdf (see $SUITE_CACHE/apt-wkhtmltopdf.log)"
    fi
    log "WARNING: wkhtmltopdf is missing: Odoo cannot print invoice PDFs.
        Install it with:  apt-get install wkhtmltopdf"
}

suite_prepare_all() {
    suite_prepare_wkhtmltopdf
    suite_prepare_odoo_src
    suite_prepare_venv
    suite_prepare_pg
}
