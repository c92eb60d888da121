"""Terraform files read with python-hcl2 (module `hcl2`), normalised into blocks whose attributes are expression text.

python-hcl2 gives a file as a dict: a block type maps to a list of blocks, each label is one more level of nesting
(quoted as written), and an attribute's value is `${expression}` for an expression, the literal with its quotes for
a string, and a Python number, boolean or None for the other literals. This module turns that into `Block`s:
labels without quotes, attributes as the library's text of the expression (without `${...}`; `true`, `null`, `1`,
`"text"`, `[a, b]`, `{a = 1}`), so that the wiring check compares the text of an attribute with the text of the
expected expression read the same way (`normalise`). Nothing is evaluated here (Terraform itself evaluates the names
module).

python-hcl2 and checkov's bc-python-hcl2 both install a module named `hcl2`; check.sh installs python-hcl2 apart,
into infra/.venv/checker-lib (requirements-checker.txt), which goes first on the path of the checker's process.
"""

import functools
import pathlib
import sys

_LIB = pathlib.Path(__file__).resolve().parent.parent / ".venv" / "checker-lib"
_IS_BLOCK = "__is_block__"


@functools.lru_cache(maxsize=None)
def _library():
    """python-hcl2, its serialisation options and lark's exceptions, imported on first use (only the Terraform
    check needs them)."""
    if _LIB.is_dir() and str(_LIB) not in sys.path:
        sys.path.insert(0, str(_LIB))
    import hcl2
    import lark.exceptions

    if not hasattr(hcl2, "parses_to_tree"):  # bc-python-hcl2's hcl2 has no such function
        raise ImportError(f"{hcl2.__file__} is not python-hcl2 (infra/requirements-checker.txt): bash infra/check.sh "
                          f"installs it into {_LIB}")
    from hcl2.utils import SerializationOptions

    # Every tuple and object as one text (so that a list in the dict is always a list of blocks), no comments.
    options = SerializationOptions(with_comments=False, wrap_objects=True, wrap_tuples=True, explicit_blocks=True)
    return hcl2, options, lark.exceptions


class HclError(Exception):
    """The file cannot be read as HCL (its path and the reason in the message)."""


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


def _text(value):
    """An attribute value from python-hcl2 as the text of its expression."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        # An expression is wrapped in one `${...}`; a string literal (quoted) or a heredoc is kept as it is.
        return value[2:-1] if value.startswith("${") and value.endswith("}") else value
    raise HclError(f"unexpected value from python-hcl2: {value!r}")


def _label(label):
    return label[1:-1] if len(label) >= 2 and label[0] == label[-1] == '"' else label


def _block(kind, value):
    """One block of python-hcl2's dict: {label: {label: {..., "__is_block__": True}}}."""
    labels = []
    while _IS_BLOCK not in value:
        if len(value) != 1:
            raise HclError(f"unexpected block shape from python-hcl2 for {kind}: {sorted(value)}")
        (label, value), = value.items()
        labels.append(_label(label))
    return _fill(Block(kind, labels), value)


def _fill(block, body):
    for key, value in body.items():
        if key == _IS_BLOCK:
            continue
        if isinstance(value, list):  # tuples are wrapped into text (_library): a list is a list of blocks
            block.blocks.extend(_block(key, item) for item in value)
        else:
            block.attributes[key] = _text(value)
    return block


def _reason(error, errors):
    if isinstance(error, errors.UnexpectedToken):
        found = "end of file" if error.token.type == "$END" else repr(str(error.token))
        expected = sorted("end of file" if name == "$END" else name for name in error.expected)
        # A short list of what could come instead helps (RBRACE: a block is not closed); a long one does not.
        return f"unexpected {found}" + (f", expected {' or '.join(expected)}" if len(expected) <= 3 else "")
    if isinstance(error, errors.UnexpectedCharacters):
        return f"unexpected character {error.char!r}"
    return str(error).splitlines()[0]


def _duplicates(tree, path):
    """python-hcl2 keeps the last of two attributes with the same name in a body; Terraform rejects the file."""
    for body in tree.iter_subtrees():
        if body.data != "body":
            continue
        seen = set()
        for child in body.children:
            if getattr(child, "data", None) == "attribute":
                name = str(child.children[0].children[0])
                if name in seen:
                    raise HclError(f"{path}:{child.meta.line}: attribute {name} set twice")
                seen.add(name)


def parse(text, path="<hcl>"):
    """The top-level block (kind 'file') of an HCL text."""
    hcl2, options, errors = _library()
    try:
        tree = hcl2.parses_to_tree(text)
    except errors.UnexpectedInput as error:
        line = error.line if error.line > 0 else text.count("\n") + 1
        raise HclError(f"{path}:{line}:{max(error.column, 1)}: {_reason(error, errors)}") from None
    except errors.LarkError as error:
        raise HclError(f"{path}: {_reason(error, errors)}") from None
    _duplicates(tree, path)
    try:
        data = hcl2.serialize(hcl2.transform(tree), serialization_options=options)
    except (errors.LarkError, RuntimeError, ValueError) as error:
        raise HclError(f"{path}: {str(error).splitlines()[0]}") from None
    return _fill(Block("file", []), data)


def parse_files(paths):
    """One top-level block holding the blocks of every file."""
    root = Block("file", [])
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            parsed = parse(handle.read(), str(path))
        root.blocks.extend(parsed.blocks)
        root.attributes.update(parsed.attributes)
    return root
