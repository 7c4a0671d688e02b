#!/usr/bin/env bash
# Fetch real Swagger 2.0 API descriptions, as published in packages on the
# npm registry, each pinned by version and sha512 integrity.
#
#   tests/swagger2/fetch.sh [DEST]      (default DEST: target/swagger2)
#
# Prints the folder holding the documents; specs.txt beside this script
# lists them, one per line, relative to that folder.
set -euo pipefail
DEST="${1:-target/swagger2}"
mkdir -p "$DEST"
DEST="$(cd "$DEST" && pwd)"
# package@version | integrity | path in the tarball | file name
PACKAGES=(
  "@netlify/open-api@2.60.0|sha512-zNwSsLoFF8G0EGXFsADg99a+e3zAObOFdm8/dTG2btfxmZ7vlqfbNgryie2vD6hTlUbt3kCZN66OE79PQWt/5w==|package/dist/swagger.json|netlify.json"
  "eve-swagger@0.3.3|sha512-Lx9rxnfKIUAEv7Egsct6svfZSSw0PxEsx1B9qkHsstMpmQtloLm0C3FWECm4xIwjDxiUQcSh0n1M6HuzyOokaw==|package/util/swagger.json|eve-esi.json"
  "@okta/openapi@2.15.0|sha512-twwPLKMJ5HlEZvdL6n0TiOIYqJVihM7g3UI1oSKBm9mPb0Fv9BIFKVOOrloJ3LiEnhTOzkR8w16BdCxbPTVcjg==|package/dist/spec.yaml|okta.yaml"
  "kubernetes-client@6.12.1|sha512-NA5e2zaL+BWJsboPDL/+Uv8AF60inOQjKvzHwRhQWJHlg2deaxguyMU3MKi9NEptltkv23Pm0871wuRcDMYrzA==|package/lib/specs/swagger-1.7.json.gz|kubernetes-1.7.json"
  "@readme/oas-examples@8.2.2|sha512-uytlvlylq3zpemG0h1R7ijlMBCajqXU0VpMI1Iw+j92s77Y/oT6pBf3BZN0lYl0WIGTh7POM4Jdu7L14eCzwXQ==|package/2.0/json/petstore.json|petstore.json"
)
for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r spec integrity inner name <<<"$entry"
  [ -f "$DEST/$name" ] && continue
  work="$(mktemp -d "$DEST/.fetch.XXXXXX")"
  tarball="$(cd "$work" && npm pack --silent "$spec" | tail -n 1)"
  actual="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" 2>/dev/null | base64 -w0 || python3 -c 'import base64,hashlib,sys;print(base64.b64encode(hashlib.sha512(open(sys.argv[1],"rb").read()).digest()).decode())' "$work/$tarball")"
  if [ "$actual" != "$integrity" ]; then
    echo "$spec: integrity $actual, expected $integrity" >&2
    exit 1
  fi
  tar xzf "$work/$tarball" -C "$work" "$inner"
  case "$inner" in
    *.gz) gunzip -c "$work/$inner" > "$work/$name.tmp" ;;
    *) mv "$work/$inner" "$work/$name.tmp" ;;
  esac
  mv "$work/$name.tmp" "$DEST/$name"
  rm -rf "$work"
done
echo "$DEST"
