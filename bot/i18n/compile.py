"""CLI: compile the Babel catalogues (``make i18n-compile``)."""

from bot.i18n.catalogs import compile_catalogs

if __name__ == "__main__":
    for path in compile_catalogs():
        print(f"compiled {path}")
