#!/usr/bin/env python3
"""bgsim's reference app in Python (see reference/__init__.py):

    bgsim run --app-command "python3 clients/python/examples/reference_app.py" scenarios/

`--bug NAME` switches on one real bug, named as the Rust mutant it ports
(src/apps/mutants.rs, e.g. `--bug lc-01-force-quit-as-failure`); `bgsim mutants
--app-command ...` runs each, from the variants this program lists in its hello.
"""

import os
import sys
from typing import List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..")]

from bgsim_app import run_app  # noqa: E402
from reference.app import ReferenceApp  # noqa: E402
from reference.bugs import bug_named  # noqa: E402


def option(argv: List[str], flag: str) -> Optional[str]:
    """The value after `flag` ("" when it is last), or None without it."""
    if flag not in argv:
        return None
    at = argv.index(flag)
    return argv[at + 1] if at + 1 < len(argv) else ""


def main(argv: List[str]) -> int:
    listed = option(argv, "--variants")
    try:
        bug = bug_named(option(argv, "--bug"))
        variants = None if listed is None else [bug_named(n) for n in listed.split(",")]
    except ValueError as e:
        sys.stderr.write(f"{e}\n")
        return 2
    app = ReferenceApp(bug)
    if variants is not None:
        app.variants = [v for v in app.variants if v["name"] in variants]
    return run_app(app)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
