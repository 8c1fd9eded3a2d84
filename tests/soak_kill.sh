#!/bin/sh
# Optional soak: many kill -9 trials (default 100); prints how many passed.
exec "$(dirname "$0")/test_kill.sh" "${1:-100}"
