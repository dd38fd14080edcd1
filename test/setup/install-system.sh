#!/usr/bin/env bash
# System packages the build and the tests need (Debian). Safe to run again.
set -euo pipefail
need=()
# clang: the libFuzzer target over the image reader (test/fuzz)
for p in gcc clang make gdb bzip2 python3 zstd vim less; do
  command -v "$p" >/dev/null 2>&1 || need+=("$p")
done
# xxHash (header-only here): names the chunks of the program's files in a snapshot
[ -f /usr/include/xxhash.h ] || need+=(libxxhash-dev)
# zstd: the engine compresses the saved pages (its static library is linked in)
{ [ -f /usr/include/zstd.h ] && [ -f "$(gcc -print-file-name=libzstd.a 2>/dev/null)" ]; } || need+=(libzstd-dev)
# a JVM for the real-program tests (HotSpot's JIT and GC threads under the engine)
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
# Open MPI for the MPI jobs' tests (test/mpi): mpirun, and mpicc to build the job
command -v mpirun >/dev/null 2>&1 || need+=(openmpi-bin)
command -v mpicc >/dev/null 2>&1 || need+=(libopenmpi-dev)
/usr/bin/python3 -c 'import mpi4py' >/dev/null 2>&1 || need+=(python3-mpi4py)
# two hosts on one machine for MPI jobs across hosts (test/fixtures/twoHosts.ts):
# network namespaces (ip, unshare), sshd in one of them, ssh from the other
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || need+=(iproute2)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need[@]}"
fi
