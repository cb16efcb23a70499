"""CLI: compile the Babel catalogues (``make i18n-compile``).

Quiet by default: ``make install`` runs it before every content check, whose output must hold only
problems. ``--verbose`` lists each compiled file.
"""

import sys

from bot.i18n.catalogs import compile_catalogs

if __name__ == "__main__":
    compiled = compile_catalogs()
    if "--verbose" in sys.argv[1:]:
        for path in compiled:
            print(f"compiled {path}")
