#!/usr/bin/env bash
# Installs the Debian packages that `make test` needs and that pip cannot
# provide: a PostgreSQL server (the suite runs on a throwaway cluster),
# Chromium (Playwright drives Debian's build; it cannot download its own
# here), the libraries and fonts WeasyPrint renders PDFs with, and poppler's
# pdfinfo/pdftotext, with which the tests read the PDFs back.
#
# Does nothing when everything is there. Installs through apt-get when run as
# root; otherwise says what is missing and fails.
set -euo pipefail

packages=(postgresql chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils)

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

if ! command -v dpkg-query >/dev/null; then
    echo "system-deps: this is not a Debian-like system; install by hand: ${packages[*]}" >&2
    echo "system-deps: (PostgreSQL's initdb under /usr/lib/postgresql/*/bin and /usr/bin/chromium are expected)" >&2
    exit 1
fi

missing=()
for package in "${packages[@]}"; do
    is_installed "$package" || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
    echo "system-deps: all present (${packages[*]})"
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "system-deps: missing Debian packages: ${missing[*]}" >&2
    echo "system-deps: run as root, or install them yourself:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Another apt-get may hold the dpkg lock for a while (unattended upgrades, a
# colleague's install): wait for it instead of failing at once.
apt_get=(apt-get -o DPkg::Lock::Timeout=600 -q)
"${apt_get[@]}" update
"${apt_get[@]}" install -y --no-install-recommends "${missing[@]}"

for package in "${missing[@]}"; do
    if ! is_installed "$package"; then
        echo "system-deps: $package is still not installed" >&2
        exit 1
    fi
done
echo "system-deps: installed ${missing[*]}"
