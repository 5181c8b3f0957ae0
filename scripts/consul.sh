#!/usr/bin/env bash
# Builds HashiCorp Consul v1.14.11 (the last release whose modules are all MPL-licensed) from
# the Go module proxy and caches the binary outside the repo. Prints the binary's path.
#
# `go install` refuses Consul for its replace directives, so the module is copied out of the
# module cache, its three replace lines for the api, sdk and proto-public submodules are
# deleted (the published versions it requires are used instead) and it is built with
# -mod=mod. Never a later release; never github.com/hashicorp/consul/envoyextensions.
#
# Idempotent: a cached binary that reports v1.14.11 is reused. Cold, this takes a few minutes.
set -euo pipefail

version=v1.14.11
cache="${TERN_CONSUL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tern/consul-${version#v}}"
bin="$cache/consul"

if [ -x "$bin" ] && [ "$("$bin" version 2>/dev/null | sed -n 1p)" = "Consul ${version}" ]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$cache"
work="$(mktemp -d "$cache/build.XXXXXX")"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

# Download into the module cache (read-only there) and find its directory.
dir="$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/hashicorp/consul@${version}" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [ -z "$dir" ] || [ ! -f "$dir/go.mod" ]; then
  echo "scripts/consul.sh: module github.com/hashicorp/consul@${version} not in the module cache" >&2
  exit 1
fi

cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
cd "$work/src"
# Delete exactly the three replace directives that point at the in-tree submodules.
sed -i -E '/^replace github\.com\/hashicorp\/consul\/(api|sdk|proto-public) =>/d' go.mod
if grep -Eq '^replace github\.com/hashicorp/consul/(api|sdk|proto-public)' go.mod; then
  echo "scripts/consul.sh: replace directives still present in go.mod" >&2
  exit 1
fi
if grep -q 'hashicorp/consul/envoyextensions' go.mod; then
  echo "scripts/consul.sh: refusing a Consul that requires envoyextensions" >&2
  exit 1
fi

GOFLAGS=-mod=mod go build -trimpath -o "$work/consul" \
  -ldflags "-X github.com/hashicorp/consul/version.GitCommit=${version} -X github.com/hashicorp/consul/version.Version=${version#v} -X github.com/hashicorp/consul/version.VersionPrerelease=" \
  .
mv "$work/consul" "$bin.tmp"
mv "$bin.tmp" "$bin"
"$bin" version | head -1 >&2
echo "$bin"
