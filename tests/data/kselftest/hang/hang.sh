#!/bin/sh
# An out-of-tree "selftest" that never ends: the per-test deadline must kill it.
echo "# hanging on purpose"
while :; do sleep 1; done
