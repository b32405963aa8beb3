"""The package as users get it: `pip install` builds a wheel with the generated code, the stubs and
py.typed; the committed generated code matches proto/; the google.rpc types live in a private
descriptor pool, so googleapis-common-protos in the same process registers its own files freely."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest

PACKAGE_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
REQUIRED = os.environ.get("BATON_REQUIRE_PYTHON") == "1"


def _tools_or_skip(*modules: str) -> None:
    missing = [m for m in modules if subprocess.run([sys.executable, "-c", f"import {m}"], capture_output=True).returncode != 0]
    if missing:
        if REQUIRED:
            pytest.fail(f"BATON_REQUIRE_PYTHON=1 but {', '.join(missing)} cannot be imported")
        pytest.skip(f"needs {', '.join(missing)}")


def test_generated_code_matches_the_proto() -> None:
    if shutil.which("protoc") is None or shutil.which("grpc_python_plugin") is None:
        if REQUIRED:
            pytest.fail("BATON_REQUIRE_PYTHON=1 but protoc or grpc_python_plugin is missing")
        pytest.skip("needs protoc and grpc_python_plugin")
    result = subprocess.run(["bash", os.path.join(PACKAGE_ROOT, "generate.sh"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pip_builds_a_wheel_that_imports(tmp_path: "os.PathLike[str]") -> None:
    _tools_or_skip("pip", "setuptools", "wheel")
    source = os.path.join(tmp_path, "src")
    shutil.copytree(PACKAGE_ROOT, source, ignore=shutil.ignore_patterns("tests", "__pycache__", ".*cache", "build", "*.egg-info"))
    wheels = os.path.join(tmp_path, "wheels")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", wheels, source], capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr
    [wheel] = os.listdir(wheels)
    names = set(zipfile.ZipFile(os.path.join(wheels, wheel)).namelist())
    for expected in ["baton/py.typed", "baton/lock/v1/lock_pb2.py", "baton/lock/v1/lock_pb2.pyi", "baton/lock/v1/lock_service_pb2_grpc.py", "baton/aio/client.py", "baton/_rpc/descriptors.py"]:
        assert expected in names
    assert not any(n.startswith("tests/") for n in names)
    site = os.path.join(tmp_path, "site")
    zipfile.ZipFile(os.path.join(wheels, wheel)).extractall(site)
    check = "import baton, baton.aio; from baton.lock.v1 import lock_pb2; print(baton.__file__)"
    run = subprocess.run([sys.executable, "-c", check], cwd=str(tmp_path), env=dict(os.environ, PYTHONPATH=site), capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().startswith(site)


FAKE_GOOGLEAPIS = textwrap.dedent(
    """
    from google.protobuf import descriptor_pb2, descriptor_pool

    def register_googleapis_error_details():
        # What googleapis-common-protos' google/rpc/error_details_pb2 registers: the same file name,
        # with more messages than Baton's copy declares.
        f = descriptor_pb2.FileDescriptorProto(name="google/rpc/error_details.proto", package="google.rpc", syntax="proto3")
        for message in ("ErrorInfo", "RetryInfo", "DebugInfo", "QuotaFailure"):
            m = f.message_type.add(name=message)
            m.field.add(name="reason", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING, label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
        descriptor_pool.Default().Add(f)
    """
)


@pytest.mark.parametrize("order", ["googleapis first", "baton first"])
def test_coexists_with_googleapis_common_protos(order: str) -> None:
    body = {
        "googleapis first": "register_googleapis_error_details()\nimport baton",
        "baton first": "import baton\nregister_googleapis_error_details()",
    }[order]
    check = FAKE_GOOGLEAPIS + body + textwrap.dedent(
        """
        import grpc
        from baton._rpc import status
        info = status.ErrorInfo(reason="LOCK_HELD", domain="baton")
        e = baton.exceptions.error_from_status(grpc.StatusCode.ABORTED, "held", [("type.googleapis.com/google.rpc.ErrorInfo", info.SerializeToString())])
        assert isinstance(e, baton.LockHeld), e
        print("ok")
        """
    )
    run = subprocess.run([sys.executable, "-c", check], env=dict(os.environ, PYTHONPATH=PACKAGE_ROOT), capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr
