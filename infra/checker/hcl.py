"""A reader for the subset of HCL the Terraform flavour uses: blocks with labels, attributes, comments, strings
with interpolation, heredocs. Attribute values are kept as text (whitespace outside strings removed), which is what
the wiring check compares; nothing is evaluated here (Terraform itself evaluates the names module).
"""

import re


class HclError(Exception):
    """The file is not in the HCL subset this reader understands."""


IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class Block:
    """A block: type, labels, attributes (name -> normalised expression text) and nested blocks."""

    def __init__(self, kind, labels):
        self.kind = kind
        self.labels = labels
        self.attributes = {}
        self.blocks = []

    def children(self, kind, *labels):
        """Nested blocks of `kind` whose labels start with `labels`."""
        return [b for b in self.blocks if b.kind == kind and tuple(b.labels[:len(labels)]) == labels]


class _Scanner:
    def __init__(self, text, path):
        self.text, self.i, self.path = text, 0, path

    def error(self, message):
        line = self.text.count("\n", 0, self.i) + 1
        return HclError(f"{self.path}:{line}: {message}")

    def skip_space(self, newlines=True):
        while self.i < len(self.text):
            c = self.text[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.i += 1
            elif c == "#" or self.text.startswith("//", self.i):
                end = self.text.find("\n", self.i)
                self.i = len(self.text) if end < 0 else end
            elif self.text.startswith("/*", self.i):
                end = self.text.find("*/", self.i)
                if end < 0:
                    raise self.error("unclosed /* comment")
                self.i = end + 2
            else:
                return

    def string(self):
        """Skips a quoted string starting at self.i (with ${...} interpolations); returns its text."""
        start, self.i = self.i, self.i + 1
        while self.i < len(self.text):
            c = self.text[self.i]
            if c == "\\":
                self.i += 2
            elif c == '"':
                self.i += 1
                return self.text[start:self.i]
            elif self.text.startswith("${", self.i):
                self.i += 2
                self.expression(stop="}")
                self.i += 1
            elif c == "\n":
                raise self.error("newline in a string")
            else:
                self.i += 1
        raise self.error("unclosed string")

    def heredoc(self):
        match = re.compile(r"<<-?([A-Za-z_]+)\n").match(self.text, self.i)
        if not match:
            raise self.error("bad heredoc")
        end = re.compile(r"^\s*" + match.group(1) + r"\s*$", re.M).search(self.text, match.end())
        if not end:
            raise self.error(f"unclosed heredoc {match.group(1)}")
        text, self.i = self.text[self.i:end.end()], end.end()
        return text

    def expression(self, stop=None):
        """The text of an expression up to a newline at depth 0 (or up to `stop` at depth 0)."""
        parts, depth = [], 0
        while self.i < len(self.text):
            c = self.text[self.i]
            if depth == 0 and (c == "\n" or c == stop or (stop is None and c == "}")):
                break
            if c == '"':
                parts.append(self.string())
                continue
            if self.text.startswith("<<", self.i):
                parts.append(self.heredoc())
                continue
            if c == "#" or self.text.startswith("//", self.i) or self.text.startswith("/*", self.i):
                self.skip_space(newlines=False)
                continue
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
            if not c.isspace():
                parts.append(c)
            self.i += 1
        if depth != 0:
            raise self.error("unbalanced brackets")
        return "".join(parts)

    def body(self, block, closing):
        while True:
            self.skip_space()
            if self.i >= len(self.text):
                if closing:
                    raise self.error("unclosed block")
                return
            if self.text[self.i] == "}":
                if not closing:
                    raise self.error("unexpected }")
                self.i += 1
                return
            match = IDENT.match(self.text, self.i)
            if not match:
                raise self.error(f"expected a name, found {self.text[self.i:self.i + 20]!r}")
            name, self.i = match.group(0), match.end()
            self.skip_space(newlines=False)
            if self.text.startswith("=", self.i) and not self.text.startswith("==", self.i):
                self.i += 1
                self.skip_space(newlines=False)
                if name in block.attributes:
                    raise self.error(f"attribute {name} set twice")
                block.attributes[name] = self.expression()
                continue
            labels = []
            while self.text[self.i] != "{":
                if self.text[self.i] == '"':
                    labels.append(self.string()[1:-1])
                else:
                    label = IDENT.match(self.text, self.i)
                    if not label:
                        raise self.error(f"bad block header for {name}")
                    labels.append(label.group(0))
                    self.i = label.end()
                self.skip_space(newlines=False)
            self.i += 1
            child = Block(name, labels)
            self.body(child, closing=True)
            block.blocks.append(child)


def parse(text, path="<hcl>"):
    """The top-level block (kind 'file') of an HCL text."""
    root = Block("file", [])
    _Scanner(text, path).body(root, closing=False)
    return root


def parse_files(paths):
    """One top-level block holding the blocks of every file."""
    root = Block("file", [])
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            parsed = parse(handle.read(), str(path))
        root.blocks.extend(parsed.blocks)
        root.attributes.update(parsed.attributes)
    return root
