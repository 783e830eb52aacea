"""One-line errors for a Pulumi program that could not be run to the end under mocks.

Each names the file and line to fix (or the option to pass) and never shows a secret config value.
"""

from __future__ import annotations

import signal
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from checks.errors import ClearanceError, InputError, ProgramError
from checks.sources.stack_config import StackConfig, display_path, short_key

INSTALL_HINT = "give an interpreter whose environment has pulumi and pulumi-aws installed"
TIMEOUT_OPTION = "--program-timeout SECONDS"
# import name -> pip package, where the rule "underscores become hyphens" does not give it
_PIP_NAMES = {"yaml": "PyYAML", "google": "protobuf", "grpc": "grpcio", "dateutil": "python-dateutil",
              "jwt": "PyJWT", "dotenv": "python-dotenv", "pkg_resources": "setuptools", "attr": "attrs",
              "OpenSSL": "pyOpenSSL", "Crypto": "pycryptodome", "bs4": "beautifulsoup4", "PIL": "Pillow",
              "sklearn": "scikit-learn", "cv2": "opencv-python"}


def timeout_error(timeout: float, main_file: Path) -> ProgramError:
    return ProgramError(f"the Pulumi program did not finish within {timeout:g} s", where=display_path(main_file),
                        hint=f"raise the limit with {TIMEOUT_OPTION}, or look for a loop or a network call that "
                             "never returns")


def scrub(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret config value (of 4 characters or more) replaced by `****`."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, "****")
    return text


def crash_error(main_file: Path, returncode: int, stderr: str, secrets: Sequence[str] = ()) -> ProgramError:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    last = scrub(lines[-1], secrets) if lines else "no error output"
    if returncode < 0:
        try:
            how = f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            how = f"was killed by signal {-returncode}"
    else:
        how = f"exited with code {returncode}"
    return ProgramError(f"the Pulumi program {how} without a result: {last}", where=display_path(main_file),
                        hint="this is the last line of its error output; `pulumi preview` shows all of it")


def unreadable_records_error(main_file: Path) -> ProgramError:
    """The child wrote a registration record that cannot be decoded (it has been ended)."""
    return ProgramError("the Pulumi program's child process wrote a resource record clearance cannot read",
                        where=display_path(main_file),
                        hint="this is a clearance bug: report it with the program, or check with --preview FILE")


def pip_name(module: str) -> str:
    """The pip package that most likely provides top-level module `module`."""
    top = module.split(".", 1)[0]
    return _PIP_NAMES.get(top, top.replace("_", "-"))


def program_error(error: Mapping[str, Any], invokes: Sequence[str], *, python: str, project: str,
                  main_file: Path, settings: StackConfig) -> ClearanceError:
    kind = error.get("kind")
    file, line = error.get("file"), error.get("line")
    where = display_path(Path(file)) if file else display_path(main_file)
    if file and line:
        where = f"{where}:{line}"
    stack_file = display_path(settings.stack_file)
    if kind == "no_pulumi":
        return ProgramError(f"Python interpreter {python} has no pulumi module: {error.get('message')}",
                            hint=f"install pulumi and pulumi-aws in that environment: "
                                 f"{python} -m pip install pulumi pulumi-aws")
    if kind == "syntax":
        return ProgramError(f"syntax error in the Pulumi program: {error.get('message')}", where=where,
                            hint=f"check it with `python -m py_compile {display_path(Path(file or '.'))}`")
    if kind == "config_missing":
        return _missing_config(error, where, project, stack_file, settings)
    if kind == "config_type":
        key = str(error.get("key"))
        secret = bool(error.get("secret")) or key in settings.secret_keys
        value = "(a secret, not shown)" if secret else repr(error.get("value"))
        return InputError(f"config {key} value {value} is not a valid {error.get('expect_type')}", where=where,
                          hint=f"set it in {stack_file} or pass --config {short_key(key, project)}=value")
    if kind == "exit":
        return ProgramError(f"the Pulumi program called sys.exit({error.get('message')})", where=where,
                            hint="a Pulumi program must not exit; raise an exception to fail it")
    secrets = [settings.values[k] for k in settings.secret_keys if k in settings.values]
    message = scrub(" ".join(str(error.get("message") or "").split()), secrets)
    raised = f"the Pulumi program raised {error.get('type')}" + (f": {message}" if message else "")
    hint = f"fix the program; it ran under Pulumi mocks as a preview of stack {settings.stack}"
    if error.get("type") == "ModuleNotFoundError":
        module = str(error.get("module") or "")
        install = f"install {pip_name(module)} for {python} ({python} -m pip install {pip_name(module)})" if module \
            else f"install the program's dependencies for {python}"
        hint = f"{install}, or pass the program's own interpreter with --python PATH"
    elif invokes:
        hint += f"; invokes return no data under mocks ({', '.join(invokes)}): guard against empty results"
    return ProgramError(raised, where=where, hint=hint)


def _missing_config(error: Mapping[str, Any], where: str, project: str, stack_file: str,
                    settings: StackConfig) -> InputError:
    missing = [m for m in error.get("missing") or () if isinstance(m, Mapping)]
    keys = [str(m.get("key")) for m in missing] or [str(error.get("key"))]
    lines = {str(m.get("key")): m.get("line") for m in missing}
    encrypted = [k for k in keys if k in settings.encrypted]
    to_pass = " ".join(f"--config {short_key(k, project)}=value" for k in keys)
    if len(keys) == 1:
        key = keys[0]
        if encrypted:
            return InputError(f"config {key} is encrypted (secure:) in {stack_file}:{settings.encrypted[key]} "
                              "and cannot be decrypted without the Pulumi CLI", where=where,
                              hint=f"pass its value with {to_pass}")
        return InputError(f"missing required config {key} for stack {settings.stack}", where=where,
                          hint=f"set it in {stack_file} or pass {to_pass}")

    def named(key: str) -> str:
        at = [f"line {lines[key]}"] if lines.get(key) else []
        if key in settings.encrypted:
            at.append(f"encrypted in {stack_file}:{settings.encrypted[key]}")
        return f"{key} ({', '.join(at)})" if at else key

    return InputError(f"missing required config for stack {settings.stack}: {', '.join(named(k) for k in keys)}",
                      where=where, hint=f"set them in {stack_file} or pass {to_pass}")
