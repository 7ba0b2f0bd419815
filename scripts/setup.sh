#!/usr/bin/env bash
# Installs and starts what building and testing Embedded needs on Debian. Safe to run again.
#   - the .NET 10 SDK must be on PATH;
#   - as root: util-linux (setsid), a Docker engine (docker.io, started as dockerd when none
#     answers), busybox-static and docker-registry for the Docker tests' local images and registry,
#     openssl and socat for their TLS proxy in front of the engine;
#   - the test image embedded-test/busybox, imported from busybox-static (no registry is reachable);
#   - chromium, the browser the dashboard tests drive (tests/Embedded.Dashboard.Tests, through Playwright);
#   - nodejs and npm, and the npm client mesos-framework (tests/Embedded.Server.Tests/node, from its lock file).
# Without root or apt-get it checks and reports instead of installing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "setup: $*" >&2; }

if ! command -v dotnet >/dev/null 2>&1; then
  log "the .NET 10 SDK is required; 'dotnet' is not on PATH"
  exit 1
fi

can_install=false
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then can_install=true; fi

missing=()
command -v setsid >/dev/null 2>&1 || missing+=(util-linux)
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
[ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q "statically linked" || missing+=(busybox-static)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
command -v file >/dev/null 2>&1 || missing+=(file)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v socat >/dev/null 2>&1 || missing+=(socat)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if $can_install; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    log "missing ${missing[*]} (run as root on Debian to install them)"
  fi
fi

docker_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && ! docker_answers && $can_install && command -v dockerd >/dev/null 2>&1; then
  log "starting dockerd"
  mkdir -p /var/log
  nohup dockerd >/var/log/embedded-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker_answers && break; sleep 1; done
fi

if command -v docker >/dev/null 2>&1 && docker_answers; then
  if ! docker image inspect embedded-test/busybox:latest >/dev/null 2>&1; then
    log "importing embedded-test/busybox:latest from busybox-static"
    root="$(mktemp -d)"
    mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/www" "$root/data"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $("$root/bin/busybox" --list); do
      [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$root/etc/passwd"
    printf 'root:x:0:\nnobody:x:65534:\n' > "$root/etc/group"
    chmod 1777 "$root/tmp"
    tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' - embedded-test/busybox:latest >/dev/null
    rm -rf "$root"
  fi
else
  log "no Docker engine answers; Docker tests will skip locally and fail in CI"
fi

node_client=tests/Embedded.Server.Tests/node
if command -v npm >/dev/null 2>&1; then
  if [ ! -f "$node_client/node_modules/mesos-framework/package.json" ] || [ "$node_client/package-lock.json" -nt "$node_client/node_modules/.package-lock.json" ]; then
    log "installing the npm client in $node_client (npm ci)"
    (cd "$node_client" && npm ci --no-audit --no-fund --loglevel=error) || log "npm ci failed in $node_client; the npm client test will skip locally and fail in CI"
  fi
else
  log "no npm; the npm client test will skip locally and fail in CI"
fi

[ -x /usr/bin/chromium ] || log "no /usr/bin/chromium; the dashboard tests will skip locally and fail in CI"
