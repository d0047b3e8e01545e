# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The environment every test runs in, whoever calls it: sourced by
# tests/run.sh, tests/lib.sh and tests/docs/lib.sh (so a test script run on
# its own gets it too). Results must not depend on the caller's terminal,
# locale, umask, PATH or leftover variables:
#  - PATH: root's usual one first (ip, sysctl, nft live in sbin, which a
#    user's or a minimal CI PATH may lack); the caller's stays after it.
#  - LC_ALL=C.UTF-8: messages, sort order, character classes and byte
#    handling (grep -P, sed on binary data) as the tests expect; C.UTF-8 is
#    part of libc on Debian, no locale package needed.
#  - TERM=xterm-256color: a real terminal (its terminfo is in the required
#    ncurses-base) for what runs under a pty (script(1), zsh's zpty); a
#    test that cares says so itself (show.test.sh checks TERM=dumb).
#  - umask 022: files a test writes get the modes a test expects; the ones
#    that must be private (keys, configs) are made so explicitly.
#  - MEMCHECK: valgrind as the memcheck suite (tests/run.sh) and
#    valgrind.test.sh both judge by it: every error, and the blocks
#    definitely lost (not those still reachable at exit).
#  - what wgbastion reads from the environment is unset: NO_COLOR (colour),
#    WGBASTION_CONFIG (default config path), WGBASTION_FAIL_AT (the test
#    builds' fault injection): a test sets them where it means to.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}
export LC_ALL=C.UTF-8
unset LANG LANGUAGE
export TERM=xterm-256color
umask 022
unset NO_COLOR WGBASTION_CONFIG WGBASTION_FAIL_AT
# shellcheck disable=SC2034 # used by the scripts that source this one
MEMCHECK=(valgrind --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite)
