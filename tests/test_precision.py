"""`trainer.precision=auto`: bf16 mixed precision where the device computes bf16, else 32-bit."""

from __future__ import annotations

import pytest

from nnfw.run import precision
from nnfw.run.precision import cpu_has_bf16, resolved_precision

ZEN4 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni\n\nprocessor\t: 1\n"
SKYLAKE = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n"


@pytest.mark.parametrize("cpuinfo, bf16", [(ZEN4, True), (SKYLAKE, False), ("flags\t: amx_bf16 amx_tile\n", True)])
def test_bf16_instructions_are_read_from_the_cpu_flags(tmp_path, cpuinfo, bf16):
    (tmp_path / "cpuinfo").write_text(cpuinfo)
    assert cpu_has_bf16(tmp_path / "cpuinfo") is bf16


def test_a_machine_without_cpuinfo_has_no_bf16(tmp_path):
    assert cpu_has_bf16(tmp_path / "absent") is False


@pytest.mark.parametrize("bf16, chosen", [(True, "bf16-mixed"), (False, "32-true")])
def test_auto_precision_on_a_cpu_is_bf16_only_where_the_cpu_computes_it(monkeypatch, bf16, chosen):
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: bf16)
    monkeypatch.setattr(precision, "trains_on_cuda", lambda accelerator: False)
    assert resolved_precision("auto", "cpu") == chosen
    assert resolved_precision("auto", "auto") == chosen
    assert resolved_precision("auto", "mps") == "32-true"


def test_a_precision_given_is_kept_as_it_is():
    assert [resolved_precision(p, "cpu") for p in ("16-mixed", "32-true", 64, None)] == ["16-mixed", "32-true", 64, None]


@pytest.mark.slow
def test_a_run_with_auto_precision_trains_in_the_precision_chosen_and_its_checkpoint_records_it(tmp_path):
    from conftest import QUIET, run_cli

    from nnfw.artifacts.checkpoints import load_checkpoint

    result = run_cli("train", "data=xor", "trainer.max_epochs=2", "trainer.precision=auto", *QUIET,
                     f"hydra.run.dir={tmp_path}")
    assert result.returncode == 0, result.stderr
    stored = load_checkpoint(tmp_path / "checkpoints" / "last.ckpt")["nnfw"]["config"]
    assert stored["trainer"]["precision"] == resolved_precision("auto", "cpu")
