#!/usr/bin/env bash
# Packaging tests, run by ctest from the build directory (label "package"):
#   package_test.sh install BUILD_DIR   cmake --install into a temporary prefix
#   package_test.sh deb BUILD_DIR       cpack -G DEB, then inspect and unpack the .deb
# Both end by running the installed binary's --demo through an MCP handshake and one tool call,
# and check that it read the schemas installed beside it (not the source tree's).
set -euo pipefail

mode=${1:?usage: package_test.sh install|deb BUILD_DIR}
build=$(cd "${2:?usage: package_test.sh install|deb BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/^project(halo_mcp VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
work=$(mktemp -d "${TMPDIR:-/tmp}/halo-mcp-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
expect_file() {
  [ -f "$1" ] || fail "missing $1"
}

# initialize, initialized, tools/list and one tools/call against `$1 --demo`; stdin closes after
# the last request and the server exits once it has answered everything.
handshake() {
  local bin=$1 root=$2
  local out="$work/handshake.out" err="$work/handshake.err"
  printf '%s\n' \
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"package-test","version":"1"}}}' \
    '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' \
    '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"halopsa_list_statuses","arguments":{}}}' |
    env -i PATH=/usr/bin:/bin HOME="$work" timeout 60 "$bin" --demo >"$out" 2>"$err" ||
    fail "$bin --demo exited with $?: $(cat "$err")"
  [ "$(wc -l <"$out")" -eq 3 ] || fail "expected 3 responses, got: $(cat "$out")"
  grep -q '^{"id":1,"jsonrpc":"2.0","result":{.*"protocolVersion":"2025-11-25"' "$out" ||
    fail "no initialize result: $(head -c 400 "$out")"
  grep -q '"serverInfo":{[^}]*"version":"'"$version"'"' "$out" || fail "serverInfo.version is not $version"
  grep -q '^{"id":2,"jsonrpc":"2.0","result":{"tools":\[.*"name":"halopsa_list_tickets"' "$out" ||
    fail "tools/list lacks halopsa_list_tickets"
  grep -q '^{"id":3,"jsonrpc":"2.0","result":{"content":\[{"text":"11 statuses' "$out" ||
    fail "halopsa_list_statuses did not answer from the demo tenant: $(sed -n 3p "$out" | head -c 400)"
  grep -qF "(schemas: $root/share/halo-mcp/schemas)" "$err" ||
    fail "the installed binary did not use its installed schemas: $(cat "$err")"
}

case "$mode" in
  install)
    prefix="$work/prefix"
    cmake --install "$build" --prefix "$prefix" >"$work/install.log" || fail "cmake --install: $(cat "$work/install.log")"
    expect_file "$prefix/bin/halo-mcp"
    [ -x "$prefix/bin/halo-mcp" ] || fail "bin/halo-mcp is not executable"
    expect_file "$prefix/share/halo-mcp/schemas/toolsets.json"
    expect_file "$prefix/share/halo-mcp/schemas/tickets/halopsa_list_tickets.json"
    expect_file "$prefix/share/man/man1/halo-mcp.1"
    expect_file "$prefix/share/doc/halo-mcp/copyright"
    [ ! -e "$prefix/bin/halo-sim" ] || fail "the simulator is installed only with --component sim"
    [ -x "$prefix/libexec/halo-mcp/halo-sim" ] || fail "libexec/halo-mcp/halo-sim (run by --demo) is missing"
    # Every schema file of the source tree is installed.
    want=$(cd "$src/schemas" && find . -type f | sort)
    got=$(cd "$prefix/share/halo-mcp/schemas" && find . -type f | sort)
    [ "$want" = "$got" ] || fail "installed schemas differ from schemas/: $(diff <(echo "$want") <(echo "$got"))"
    # The man page documents every flag --help lists, and renders without errors.
    man_text=$(sed 's/\\-/-/g' "$prefix/share/man/man1/halo-mcp.1")
    for flag in $("$prefix/bin/halo-mcp" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
      grep -qF -- "$flag" <<<"$man_text" || fail "the man page lacks $flag"
    done
    # ... and every command (the subcommands --help lists).
    for command in $("$prefix/bin/halo-mcp" --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF {print $1}'); do
      grep -qE "^\.B (halo-mcp )?$command( |$)" "$prefix/share/man/man1/halo-mcp.1" || fail "the man page lacks the $command command"
    done
    command -v groff >/dev/null || fail "groff is needed to check the man page (apt-get install groff-base)"
    warnings=$(groff -man -Tutf8 -ww -z "$prefix/share/man/man1/halo-mcp.1" 2>&1)
    [ -z "$warnings" ] || fail "the man page has troff warnings: $warnings"
    handshake "$prefix/bin/halo-mcp" "$prefix"
    # Moved elsewhere, the tree still works: the binary finds its schemas relative to itself.
    mv "$prefix" "$work/moved"
    handshake "$work/moved/bin/halo-mcp" "$work/moved"
    ;;
  deb)
    command -v dpkg-deb >/dev/null || fail "dpkg-deb is needed (apt-get install dpkg-dev)"
    cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
      fail "cpack: $(cat "$work/cpack.log")"
    arch=$(dpkg --print-architecture)
    deb="$work/out/halo-mcp_${version}_${arch}.deb"
    expect_file "$deb"
    dpkg-deb --info "$deb" >"$work/info" || fail "dpkg-deb --info failed"
    [ "$(dpkg-deb -f "$deb" Package)" = halo-mcp ] || fail "Package is not halo-mcp"
    [ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version is not $version"
    [ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || fail "Architecture is not $arch"
    # Dependencies come from dpkg-shlibdeps: the libraries the binary links, with versions.
    depends=$(dpkg-deb -f "$deb" Depends)
    names=$(tr ',' '\n' <<<"$depends" | awk '{print $1}')
    for lib in libc6 libstdc++6 libgcc-s1 libssl3 libspdlog1.10-fmt9 ca-certificates; do
      grep -qxF "$lib" <<<"$names" || fail "Depends lacks $lib: $depends"
    done
    grep -qE 'libc6 \(>= [0-9.]+\)' <<<"$depends" || fail "libc6 has no minimum version: $depends"
    # Only the files meant to be there, and the binary stripped.
    dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$' | sort >"$work/contents"
    for f in /usr/bin/halo-mcp /usr/libexec/halo-mcp/halo-sim /usr/share/halo-mcp/schemas/toolsets.json \
      /usr/share/man/man1/halo-mcp.1 /usr/share/doc/halo-mcp/copyright /usr/share/doc/halo-mcp/README.md; do
      grep -qxF "$f" "$work/contents" || fail "the package lacks $f"
    done
    unexpected=$(grep -vE '^/usr/(bin/halo-mcp|libexec/halo-mcp/halo-sim|share/halo-mcp/schemas/.+\.json|share/man/man1/halo-mcp\.1(\.gz)?|share/doc/halo-mcp/(copyright|README\.md))$' "$work/contents" || true)
    [ -z "$unexpected" ] || fail "unexpected files in the package: $unexpected"
    root="$work/root"
    dpkg-deb -x "$deb" "$root"
    if command -v file >/dev/null; then
      file "$root/usr/bin/halo-mcp" | grep -q 'not stripped' && fail "the packaged binary is not stripped"
    fi
    handshake "$root/usr/bin/halo-mcp" "$root/usr"
    echo "deb: $(basename "$deb") $(du -k "$deb" | cut -f1) KiB; Depends: $depends"
    ;;
  *) fail "unknown mode $mode" ;;
esac
echo "ok: $mode"
