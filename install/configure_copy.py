"""Copy a file of the source tree for installation, replacing literal strings (meson install of
the job scripts and configurations: the installed copies name the installed program, plotting
tool and data files). Run by meson at build time (standard library only).

usage: configure_copy.py INPUT OUTPUT [--replace OLD NEW] [--replace-if-present OLD NEW]
                         [--prepend LINE] [--max-line N]
--replace fails when OLD does not occur (the source changed: the installed copy would silently
keep a source-tree path); --max-line N fails when a line of the result is longer than N
characters (libinih reads at most 198 characters a line).
"""
import sys


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    src, dst, rest = args[0], args[1], args[2:]
    with open(src, encoding="utf-8") as fh:
        text = fh.read()
    prepend, max_line, i = [], 0, 0
    while i < len(rest):
        opt = rest[i]
        if opt in ("--replace", "--replace-if-present") and i + 2 < len(rest):
            old, new = rest[i + 1], rest[i + 2]
            if old not in text and opt == "--replace":
                sys.exit(f"configure_copy.py: {src} no longer contains {old!r}: update "
                         f"install/meson.build")
            text = text.replace(old, new)
            i += 3
        elif opt == "--prepend" and i + 1 < len(rest):
            prepend.append(rest[i + 1])
            i += 2
        elif opt == "--max-line" and i + 1 < len(rest):
            max_line = int(rest[i + 1])
            i += 2
        else:
            sys.exit(f"configure_copy.py: bad arguments at {opt!r}\n{__doc__}")
    if prepend:
        lines = text.split("\n")
        at = 1 if lines and lines[0].startswith("#!") else 0
        text = "\n".join(lines[:at] + prepend + lines[at:])
    for n, line in enumerate(text.split("\n"), 1):
        if max_line and len(line) > max_line:
            sys.exit(f"configure_copy.py: line {n} of the installed {dst} has {len(line)} "
                     f"characters (at most {max_line}): choose a shorter prefix")
    with open(dst, "w", encoding="utf-8") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
