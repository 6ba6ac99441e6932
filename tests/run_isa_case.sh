#!/usr/bin/env bash
# run_isa_case.sh ISA RUN_CASE ARGS... — runs a model case with the cpu provider's kernels forced
# to ISA; exits 77 (ctest: skipped) when this CPU cannot run ISA, saying so.
isa=$1
shift
if [ "$isa" = avx512 ] && ! grep -qw avx512f /proc/cpuinfo; then
  echo "not run: this CPU has no AVX-512 (flags: $(grep -m1 -o 'avx[0-9a-z_]*' /proc/cpuinfo | sort -u | tr '\n' ' '))"
  exit 77
fi
if [ "$isa" = avx2 ] && ! grep -qw avx2 /proc/cpuinfo; then
  echo "not run: this CPU has no AVX2"
  exit 77
fi
exec "$@"
