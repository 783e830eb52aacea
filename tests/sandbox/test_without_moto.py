"""Without moto (the `sandbox` extra, `pip install 'clearance[sandbox]'`), the sandbox says how to install it.

moto is hidden by a None entry in `sys.modules`, which makes every `import moto...` fail as if it were not
installed; in a subprocess for the command line, through `monkeypatch` for the library API.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from checks.sandbox import SandboxError, running_sandbox, start_sandbox
from checks.sandbox import server as sandbox_server
from tests.sandbox.conftest import clean_env, server_pids

HINT = "pip install 'clearance[sandbox]'"

# the `clearance` console script, run with moto hidden
WITHOUT_MOTO = """\
import sys
from importlib.metadata import entry_points

for name in [m for m in sys.modules if m == "moto" or m.startswith("moto.")] + ["moto"]:
    sys.modules[name] = None
sys.argv[0] = "clearance"
(main,) = [ep.load() for ep in entry_points(group="console_scripts", name="clearance")]
sys.exit(main())
"""


@pytest.fixture
def no_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "moto" or m.startswith("moto.")] + ["moto"]:
        monkeypatch.setitem(sys.modules, name, None)


def test_sandbox_up_without_moto_prints_the_install_command_and_exits_2(out: Path, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", WITHOUT_MOTO, "sandbox", "up", "--out", str(out)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, env=clean_env(), check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: the sandbox needs moto") and HINT in lines[0], lines[0]
    assert not (out / "sandbox.json").exists()
    assert not server_pids(tmp_path)


def test_library_api_without_moto_raises_one_line_sandbox_error(no_moto: None, out: Path) -> None:
    with pytest.raises(SandboxError) as started:
        start_sandbox(out)
    with pytest.raises(SandboxError) as in_process, running_sandbox():
        pass
    for err in (started.value, in_process.value):
        assert HINT in str(err) and "\n" not in str(err), str(err)
    assert not out.exists()


def test_detached_server_without_moto_exits_2_with_the_hint(tmp_path: Path) -> None:
    """`python -m checks.sandbox.server`, as `start_sandbox` runs it; its last line is what `up` would relay."""
    state = tmp_path / "sandbox.json"
    code = ("import runpy, sys; sys.modules['moto'] = None; "
            f"sys.argv = ['server', '--state', {str(state)!r}]; "
            f"runpy.run_module({sandbox_server.__name__!r}, run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env=clean_env(), check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    err = proc.stderr.strip()
    assert err.startswith("error: the sandbox needs moto") and HINT in err and "\n" not in err, err
    assert not state.exists()
