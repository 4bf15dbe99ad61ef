"""`python -m loadtest`. Exit codes: 0 every threshold held, 1 one did not, 2 the run could not be made
(bad options or scenario file, seed or set-up refused, workers failed)."""

import sys

from loadtest.cli import main

if __name__ == "__main__":
    try:
        code = main()
    except SystemExit as stop:
        if isinstance(stop.code, str):  # raise SystemExit("why"): say why, exit 2 (1 means "thresholds failed")
            print(stop.code, file=sys.stderr)
            code = 2
        else:
            code = stop.code
    sys.exit(code)
