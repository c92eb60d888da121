"""The Lambda packages `make package` builds: one `<binary>/bootstrap.zip` per function of names.json, each holding
exactly one executable `bootstrap` for the architecture names.json deploys (arm64: an ELF64 AArch64 program), within
Lambda's size limits; and, for the flavours that package them, proof that the deployable output carries those bytes.

The ELF header is read from the file format itself (e_ident: magic, class, data encoding; e_machine at offset 18).
"""

import hashlib
import json
import pathlib
import stat
import zipfile

# Lambda's limits for a function's code: the zip uploaded directly, and everything unzipped (layers included).
MAX_ZIPPED = 50 * 1024 * 1024
MAX_UNZIPPED = 250 * 1024 * 1024
# What the Datadog extension layer takes of the unzipped limit, with room (the arm64 extension unpacks to ~40 MB).
LAYER_ALLOWANCE = 60 * 1024 * 1024

# e_machine values (ELF specification) of the two Lambda architectures.
MACHINES = {"arm64": 183, "x86_64": 62}
MACHINE_NAMES = {value: name for name, value in MACHINES.items()}


class PackageError(Exception):
    pass


def elf_machine(head: bytes) -> str:
    """The architecture an ELF header is for, or a description of why `head` is not a 64-bit little-endian ELF."""
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return "not an ELF program"
    if head[4] != 2:
        return "a 32-bit ELF program"
    if head[5] != 1:
        return "a big-endian ELF program"
    machine = int.from_bytes(head[18:20], "little")
    return MACHINE_NAMES.get(machine, f"an ELF program for machine {machine}")


def inspect(path: pathlib.Path, architecture: str) -> tuple[dict, list[str]]:
    """The sizes of one package, and what is wrong with it."""
    if not path.is_file():
        return {}, [f"{path}: missing (run `make package`)"]
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            names = [entry.filename for entry in entries]
            if names != ["bootstrap"]:
                return {}, [f"{path}: holds {names}, expected exactly ['bootstrap']"]
            entry = entries[0]
            with archive.open(entry) as handle:
                head = handle.read(64)
    except zipfile.BadZipFile as error:
        return {}, [f"{path}: not a zip archive ({error})"]
    problems = []
    machine = elf_machine(head)
    if machine != architecture:
        problems.append(f"{path}: bootstrap is {machine}, not {architecture}")
    mode = entry.external_attr >> 16
    if not mode & stat.S_IXUSR:
        problems.append(f"{path}: bootstrap is not executable (mode {oct(mode & 0o777)})")
    sizes = {"zipped": path.stat().st_size, "unzipped": entry.file_size}
    if sizes["zipped"] > MAX_ZIPPED:
        problems.append(f"{path}: {mib(sizes['zipped'])} zipped, over Lambda's 50 MiB direct-upload limit")
    if sizes["unzipped"] + LAYER_ALLOWANCE > MAX_UNZIPPED:
        problems.append(
            f"{path}: bootstrap is {mib(sizes['unzipped'])}; with the Datadog layer it would pass Lambda's "
            "250 MiB unzipped limit"
        )
    return sizes, problems


def mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def package_path(directory: pathlib.Path, binary: str) -> pathlib.Path:
    return directory / binary / "bootstrap.zip"


def check_packages(directory: pathlib.Path, names: dict) -> tuple[list[tuple[str, dict]], list[str]]:
    """Every function's package in `directory`: (binary, sizes) rows and the problems found."""
    architecture = names["lambda"]["architecture"]
    rows, problems = [], []
    for fn in names["functions"].values():
        sizes, found = inspect(package_path(directory, fn["binary"]), architecture)
        rows.append((fn["binary"], sizes))
        problems += found
    return rows, problems


def sha256(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digests(directory: pathlib.Path, names: dict) -> dict[str, str]:
    """The SHA-256 of every function's package, by binary, read once for all the flavour checks."""
    return {fn["binary"]: sha256(package_path(directory, fn["binary"])) for fn in names["functions"].values()}


def binaries_by_function_name(names: dict, env: str) -> dict[str, str]:
    """The function name names.json gives each package in environment `env`."""
    return {fn["name"].replace("{env}", env): fn["binary"] for fn in names["functions"].values()}


def cdk_assets(functions: list[tuple[str, dict]], cdk_out: pathlib.Path, package_digests: dict[str, str],
               names: dict, env: str, flavour: str = "cdk") -> list[str]:
    """Problems unless every function of a synthesized CDK stack (its resolved name and Code) deploys its package's
    bytes: the asset its Code names (cdk.out/asset.<S3 key>) is identical to `<binary>/bootstrap.zip`. SST v2 writes
    the same cloud assembly (`sst build --to DIR`), checked the same way as `flavour` sst."""
    expected = binaries_by_function_name(names, env)
    problems, seen = [], set()
    for name, code in functions:
        binary = expected.get(name)
        if binary is None:
            continue
        seen.add(binary)
        key = code.get("S3Key")
        if not isinstance(key, str) or not key.endswith(".zip"):
            problems.append(f"{flavour}: {name}: its code is not a zip asset ({key!r})")
            continue
        asset = cdk_out / f"asset.{key}"
        if not asset.is_file():
            problems.append(f"{flavour}: {name}: asset {asset.name} is not in {cdk_out}")
        elif sha256(asset) != package_digests[binary]:
            problems.append(f"{flavour}: {name}: asset {asset.name} is not the package {binary}/bootstrap.zip")
    for binary in sorted(set(expected.values()) - seen):
        problems.append(f"{flavour}: no function deploys the package {binary}")
    return problems


def assembly_template(assembly: pathlib.Path, stack_name: str) -> pathlib.Path:
    """The template file of the stack named `stack_name` in a cloud assembly (its manifest.json), as `sst build`
    writes it: the artifact's id is SST's construct id, its stackName the deployed name."""
    manifest = json.loads((assembly / "manifest.json").read_text(encoding="utf-8"))
    for artifact in manifest.get("artifacts", {}).values():
        properties = artifact.get("properties", {})
        if artifact.get("type") == "aws:cloudformation:stack" and properties.get("stackName") == stack_name:
            return assembly / properties["templateFile"]
    raise ValueError(f"{assembly / 'manifest.json'} has no stack named {stack_name}")


def serverless_artifacts(package_dir: pathlib.Path, package_digests: dict[str, str], names: dict) -> list[str]:
    """Problems unless `serverless package` (its output directory) planned to upload every function's package:
    the artifact each function of the service state points at is one of the packages, byte for byte."""
    state_path = package_dir / "serverless-state.json"
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        return [f"serverless: cannot read {state_path}: {error}"]
    packages = {digest: binary for binary, digest in package_digests.items()}
    problems, seen = [], set()
    for name, function in state.get("service", {}).get("functions", {}).items():
        artifact = function.get("package", {}).get("artifact")
        if not artifact:
            problems.append(f"serverless: function {name} has no artifact")
            continue
        path = pathlib.Path(artifact)
        if not path.is_absolute():
            path = package_dir.parent / path
        binary = packages.get(sha256(path)) if path.is_file() else None
        if binary is None:
            problems.append(f"serverless: function {name}: its artifact {artifact} is not one of the packages")
        else:
            seen.add(binary)
    for fn in names["functions"].values():
        if fn["binary"] not in seen:
            problems.append(f"serverless: no function deploys the package {fn['binary']}")
    return problems
