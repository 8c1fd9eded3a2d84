"""Write the man page rwpo(1) from its hand-written template (install/rwpo.1.in) and README.md's
table of configuration keys (which tests/test_cli.sh keeps identical to `rwpo --keys`), so the
page's key list cannot drift from the program. Run by meson at build time (standard library only).

usage: make_man.py TEMPLATE README OUTPUT VERSION SHAREDIR DOCDIR
"""
import re
import sys


def roff_text(s):
    """Markdown cell text -> roff running text: escapes, bold for **x** and `x`, non-ASCII."""
    s = s.replace("\\|", "|").replace("\\", "\\e")
    s = re.sub(r"\*\*(.+?)\*\*", r"\\fB\1\\fR", s)
    s = re.sub(r"`(.+?)`", r"\\fB\1\\fR", s)
    s = "\\&" + s if s[:1] in (".", "'") else s
    return "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in s)


def key_rows(readme):
    """The rows (key, default, allowed, meaning) of README's key table."""
    rows, inside = [], False
    for line in readme.splitlines():
        if line.startswith("| key | default | allowed | meaning |"):
            inside = True
            continue
        if inside and line.startswith("|---"):
            continue
        if inside and not line.startswith("|"):
            break
        if inside:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if len(cells) != 4:
                sys.exit(f"make_man.py: README key table row has {len(cells)} cells: {line}")
            rows.append(cells)
    if not rows:
        sys.exit("make_man.py: README.md has no key table (| key | default | allowed | meaning |)")
    return rows


def keys_section(rows):
    out = []
    for key, default, allowed, meaning in rows:
        out += [".TP", ".B " + key,
                roff_text(meaning) + ".",
                "Default: " + roff_text(default) + "; allowed: " + roff_text(allowed) + "."]
    return "\n".join(out)


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    template, readme, output, version, sharedir, docdir = sys.argv[1:]
    with open(template, encoding="utf-8") as fh:
        page = fh.read()
    with open(readme, encoding="utf-8") as fh:
        rows = key_rows(fh.read())
    for name, value in (("@KEYS@", keys_section(rows)), ("@VERSION@", version),
                        ("@SHAREDIR@", sharedir), ("@DOCDIR@", docdir)):
        if name not in page:
            sys.exit(f"make_man.py: {template} has no {name}")
        page = page.replace(name, value.replace("-", "\\-") if name.endswith("DIR@") else value)
    with open(output, "w", encoding="ascii") as fh:
        fh.write(page)


if __name__ == "__main__":
    main()
