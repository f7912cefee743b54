#!/bin/sh
# The system programs the deployment proofs need (tests/deploy): nginx, the load balancer in front
# of two adapter replicas, and Chromium, the headless browser that renders /docs. Both are Debian
# packages, not Python ones, so `pip install -e '.[test]'` cannot bring them.
#
# - Both on PATH already: nothing to do.
# - Otherwise, as root with apt-get: install them, first from the package lists the machine has,
#   then after `apt-get update` if that failed (a fresh image often has no lists at all).
# - Otherwise (not root, no apt-get, or the install failed): say what to install and exit 0; the
#   tests that need a missing program then skip and name it, unless NAFTIKO_REQUIRE_SYSTEM_TESTS
#   is set (CI sets it), which makes them fail instead.
#
# POSIX sh, so it runs before anything else is installed: `sh tests/install-system-packages.sh`.

PACKAGES="nginx-light chromium"

# nginx lives in /usr/sbin, which a non-login root shell may lack on PATH.
PATH="$PATH:/usr/sbin:/sbin"
export PATH

missing() {
    for program in nginx chromium; do
        command -v "$program" >/dev/null 2>&1 || return 0
    done
    return 1
}

if ! missing; then
    echo "install-system-packages: nginx and chromium are installed"
    exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt_install() {
        apt-get install -y -q --no-install-recommends $PACKAGES
    }
    echo "install-system-packages: apt-get install $PACKAGES"
    if apt_install || { apt-get update -q && apt_install; }; then
        if ! missing; then
            exit 0
        fi
    fi
    echo "install-system-packages: apt-get could not install $PACKAGES" >&2
fi

echo "install-system-packages: nginx or chromium is missing; install the Debian packages" \
    "$PACKAGES (e.g. 'sudo apt-get install --no-install-recommends $PACKAGES')." \
    "Until then the tests in tests/deploy that need them skip" \
    "(or fail when NAFTIKO_REQUIRE_SYSTEM_TESTS is set)." >&2
exit 0
