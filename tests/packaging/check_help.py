#!/usr/bin/env python3
"""The man pages and the bash completion against the executables' own --help.

  check_help.py man BIN_DIR MAN_DIR PROGRAM...
      Every option, positional and choice ({a,b}) that `PROGRAM [COMMAND...] --help` lists
      appears in the man page's section of that command (OPTIONS for the program itself, the
      .SS whose heading names the command otherwise), every command has a section, and every
      option a section tags (.TP) exists.
  check_help.py completion BIN_DIR COMPLETION_FILE BASH_COMPLETION
      For every raintree-lab command: the completion offers exactly its subcommands, exactly its
      options, and exactly the choices of every option that has some.

The command tree is read from the help itself (CLI11's "Subcommands:" sections), so a new
command or option fails here until it is documented. Exit 0 when all agree, 1 otherwise.
"""

import os
import re
import subprocess
import sys
import tempfile

# A positional that comes before a command's subcommand (raintree-lab attach FILE status).
POSITIONAL_PLACEHOLDER = "cluster.json"


class Help:
    """One `--help` page of a CLI11 program."""

    def __init__(self, text):
        self.options = []  # [(names, choices)], names like ["-h", "--help"]
        self.positionals = []
        self.subcommands = []
        self.positionals_before_subcommand = 0
        section = None
        for line in text.splitlines():
            if line.startswith("Usage:"):
                words = line.split()[2:]
                if "SUBCOMMAND" in words:
                    before = words[: words.index("SUBCOMMAND")]
                    self.positionals_before_subcommand = sum(
                        1 for w in before if not w.startswith("["))
                continue
            if re.fullmatch(r"(Options|Positionals|Subcommands):", line):
                section = line[:-1]
                continue
            if not line.strip():
                section = None
                continue
            # Entries are indented by two; their wrapped descriptions by much more.
            if section is None or not line.startswith("  ") or line.startswith("   "):
                continue
            first = line.split()[0]
            if section == "Options":
                rest = line.split()[1] if len(line.split()) > 1 else ""
                match = re.match(r"\S*:\{([^}]*)\}", rest)
                choices = match.group(1).split(",") if match else []
                self.options.append((first.split(","), choices))
            elif section == "Positionals":
                self.positionals.append(first)
            else:
                self.subcommands.append(first)

    def option_names(self):
        return {name for names, _ in self.options for name in names}


def read_help(program, argv):
    result = subprocess.run([program, *argv, "--help"], capture_output=True, text=True,
                            timeout=30, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    if result.returncode != 0:
        raise SystemExit(f"{os.path.basename(program)} {' '.join(argv)} --help exited "
                         f"{result.returncode}: {result.stderr.strip()}")
    return Help(result.stdout)


def command_tree(program):
    """[(path, argv, help)]: path is the command names, argv what reaches that command."""
    found = []
    pending = [((), ())]
    while pending:
        path, argv = pending.pop(0)
        page = read_help(program, list(argv))
        found.append((path, argv, page))
        filler = (POSITIONAL_PLACEHOLDER,) * page.positionals_before_subcommand
        for sub in page.subcommands:
            pending.append((path + (sub,), argv + filler + (sub,)))
    return found


# --- man pages ---------------------------------------------------------------------------------

def plain(troff):
    """troff source to text: font changes and quotes gone, \\- as -."""
    text = re.sub(r"\\f(\(..|\[[^]]*\]|.)", "", troff)
    text = text.replace("\\-", "-").replace("\\e", "\\").replace("\\(dq", '"')
    return text


def man_sections(path):
    """{key: (text, tagged options)}: key "OPTIONS" for .SH OPTIONS, the command path (a tuple,
    program name first, placeholders in capitals left out) for every .SS."""
    sections = {}
    key, lines, tags = None, [], []
    after_tp = False
    with open(path, encoding="utf-8") as f:
        source = f.read().splitlines()

    def close():
        if key is not None:
            sections[key] = ("\n".join(lines), tags)

    for raw in source:
        if raw.startswith('.\\"'):
            continue
        line = plain(raw)
        if line.startswith((".SH", ".SS")):
            close()
            heading = line[3:].strip().strip('"')
            lines, tags = [], []
            if line.startswith(".SH"):
                key = heading
            else:
                words = [w for w in heading.split()
                         if not (w.isupper() or w.startswith("[") or w.endswith("]"))]
                key = tuple(words)
            continue
        if after_tp:
            tags.extend(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", line))
        after_tp = line.startswith(".TP")
        lines.append(line)
    close()
    return sections


def mentions(text, word, ignore_case=False):
    flags = re.IGNORECASE if ignore_case else 0
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text, flags) is not None


def check_man(bin_dir, man_dir, programs):
    problems = []
    for name in programs:
        program = os.path.join(bin_dir, name)
        page_path = os.path.join(man_dir, name + ".1")
        sections = man_sections(page_path)
        tree = command_tree(program)
        commands = set()
        checked = 0
        for path, _, page in tree:
            where = name + (" " + " ".join(path) if path else "")
            key = "OPTIONS" if not path else (name, *path)
            if path:
                commands.add(key)
            if key not in sections:
                problems.append(f"{page_path}: no section for `{where}` "
                                f"({'.SH OPTIONS' if not path else '.SS ' + where})")
                continue
            text, tags = sections[key]
            for names, choices in page.options:
                for option in names:
                    checked += 1
                    if not mentions(text, option):
                        problems.append(f"{page_path}: `{where}` option {option} is not documented")
                for choice in choices:
                    if not mentions(text, choice):
                        problems.append(f"{page_path}: `{where}` {names[-1]} value {choice} "
                                        "is not documented")
            for positional in page.positionals:
                checked += 1
                if not mentions(text, positional, ignore_case=True):
                    problems.append(f"{page_path}: `{where}` argument {positional} is not "
                                    "documented")
            for tag in set(tags) - page.option_names():
                problems.append(f"{page_path}: `{where}` documents {tag}, which --help does not "
                                "list")
        for key in sections:
            if isinstance(key, tuple) and key[0] == name and key not in commands:
                problems.append(f"{page_path}: section `{' '.join(key)}` names no command")
        print(f"{name}: {len(tree)} command(s), {checked} options and arguments checked "
              f"against {os.path.basename(page_path)}")
    return problems


# --- bash completion ---------------------------------------------------------------------------

def check_completion(bin_dir, completion_file, bash_completion):
    tree = command_tree(os.path.join(bin_dir, "raintree-lab"))
    queries = []  # (description, words before the cursor, word at the cursor, expected)
    for path, argv, page in tree:
        where = "raintree-lab" + (" " + " ".join(path) if path else "")
        queries.append((f"`{where} -<TAB>`", argv, "-", page.option_names()))
        if page.subcommands:
            filler = (POSITIONAL_PLACEHOLDER,) * page.positionals_before_subcommand
            queries.append((f"`{where} <TAB>`", argv + filler, "", set(page.subcommands)))
        for names, choices in page.options:
            if choices:
                queries.append((f"`{where} {names[-1]} <TAB>`", argv + (names[-1],), "",
                                set(choices)))

    def quote(word):
        return "'" + word.replace("'", "'\\''") + "'"

    script = [f"source {quote(os.path.abspath(bash_completion))}",
              f"source {quote(os.path.abspath(completion_file))}",
              "compopt() { :; }  # only valid inside a real completion"]
    for i, (_, before, cursor, _) in enumerate(queries):
        words = " ".join(quote(w) for w in ("raintree-lab", *before, cursor))
        script.append(f"COMP_WORDS=({words}); COMP_CWORD={len(before) + 1}; "
                      f'COMP_LINE="${{COMP_WORDS[*]}}"; COMP_POINT=${{#COMP_LINE}}; '
                      f'COMPREPLY=(); _raintree_lab; echo "{i}|${{COMPREPLY[*]}}"')
    with tempfile.TemporaryDirectory() as empty:  # no files to complete into
        result = subprocess.run(["bash", "--norc", "--noprofile"], input="\n".join(script),
                                capture_output=True, text=True, cwd=empty, timeout=60)
    if result.returncode != 0 or result.stderr.strip():
        return [f"bash failed ({result.returncode}): {result.stderr.strip()}"]
    answers = {}
    for line in result.stdout.splitlines():
        index, _, words = line.partition("|")
        answers[int(index)] = set(words.split())
    problems = []
    for i, (description, _, _, expected) in enumerate(queries):
        got = answers.get(i, set())
        if got != expected:
            missing = " ".join(sorted(expected - got)) or "-"
            extra = " ".join(sorted(got - expected)) or "-"
            problems.append(f"{completion_file}: {description} misses {missing}; "
                            f"offers unknown {extra}")
    print(f"raintree-lab: {len(tree)} commands, {len(queries)} completions checked")
    return problems


def main(argv):
    if len(argv) >= 4 and argv[1] == "man":
        problems = check_man(argv[2], argv[3], argv[4:])
    elif len(argv) == 5 and argv[1] == "completion":
        problems = check_completion(argv[2], argv[3], argv[4])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for problem in problems:
        print("FAIL " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
