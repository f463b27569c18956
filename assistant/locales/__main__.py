"""`python -m assistant.locales compile`: compile every catalog (.po to .mo)."""

import sys

from assistant.locales import compile_catalogs


def main(argv: list[str]) -> int:
    if argv != ["compile"]:
        print("usage: python -m assistant.locales compile", file=sys.stderr)
        return 2
    for path in compile_catalogs():
        print(f"compiled {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
