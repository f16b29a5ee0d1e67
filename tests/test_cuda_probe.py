"""Without a CUDA device, torch asks the CUDA runtime whether one is there, not NVML at every step."""

from __future__ import annotations

import os

import pytest
import torch

from nnfw.run import cuda_probe


def test_without_a_device_the_runtime_answers_and_the_answer_is_the_same(monkeypatch):
    monkeypatch.setenv(cuda_probe.NVML_CHECK, "1")  # as importing Lightning sets it
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    available = torch.cuda.is_available()
    assert cuda_probe.ask_runtime_without_devices()
    assert os.environ[cuda_probe.NVML_CHECK] == "0"
    assert torch.cuda.is_available() == available


@pytest.mark.parametrize("setting, devices", [("1", 2), (None, 0), ("0", 0)])
def test_a_machine_with_a_device_or_a_choice_of_its_own_is_left_alone(monkeypatch, setting, devices):
    if setting is None:
        monkeypatch.delenv(cuda_probe.NVML_CHECK, raising=False)
    else:
        monkeypatch.setenv(cuda_probe.NVML_CHECK, setting)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: devices)
    assert not cuda_probe.ask_runtime_without_devices()
    assert os.environ.get(cuda_probe.NVML_CHECK) == setting


def test_a_run_asks_the_runtime_on_a_machine_without_a_device(train, monkeypatch):
    monkeypatch.setenv(cuda_probe.NVML_CHECK, "1")
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    assert train("experiment=and", "trainer.accelerator=cpu").code == 0
    assert os.environ[cuda_probe.NVML_CHECK] == "0"
