#!/bin/sh
# merge_config.sh -m -O OUT OUT/.config FRAGMENT...: the fragments appended, nothing checked
# (tests/data/hostile-output-tree/Makefile).
config=$4
shift 4
[ -L "$config" ] || cat "$@" >>"$config"
