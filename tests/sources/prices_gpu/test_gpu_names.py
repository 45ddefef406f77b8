"""Canonical GPU names across providers (veille.normalise.gpu)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veille.normalise.gpu import MODELS, canonical_gpu, gpu_memory_gb, parse_gpu_description

# (provider spelling, canonical) as the providers really write them.
REAL_NAMES = [
    # OVHcloud
    ("Tesla V100S", "NVIDIA V100S 32GB"),
    ("Tesla V100", "NVIDIA V100 16GB"),
    ("NVIDIA L40S", "NVIDIA L40S 48GB"),
    ("Quadro RTX 5000", "NVIDIA Quadro RTX 5000 16GB"),
    # Scaleway
    ("L4", "NVIDIA L4 24GB"),
    ("H100-SXM-80G", "NVIDIA H100 80GB"),
    ("H100", "NVIDIA H100 80GB"),
    ("P100", "NVIDIA P100 16GB"),
    ("3070", "NVIDIA RTX 3070 8GB"),
    ("RTX-3070", "NVIDIA RTX 3070 8GB"),
    # DigitalOcean
    ("nvidia_h100", "NVIDIA H100 80GB"),
    ("amd_mi300x", "AMD MI300X 192GB"),
    ("amd_mi325x", "AMD MI325X 256GB"),
    ("nvidia_rtx_4000_ada", "NVIDIA RTX 4000 Ada 20GB"),
    ("nvidia_rtx_6000_ada", "NVIDIA RTX 6000 Ada 48GB"),
    ("nvidia_h200", "NVIDIA H200 141GB"),
    # Lambda
    ("8x H100 (80 GB SXM5)", "NVIDIA H100 80GB"),
    ("gpu_8x_h100_sxm5", "NVIDIA H100 80GB"),
    ("gpu_1x_rtx6000", "NVIDIA Quadro RTX 6000 24GB"),
    ("1x A10 (24 GB PCIe)", "NVIDIA A10 24GB"),
    ("8x A100 (80 GB SXM4)", "NVIDIA A100 80GB"),
    ("1x GH200 (96 GB)", "NVIDIA GH200 96GB"),
    # RunPod
    ("NVIDIA GeForce RTX 4090", "NVIDIA RTX 4090 24GB"),
    ("NVIDIA A100 80GB PCIe", "NVIDIA A100 80GB"),
    ("NVIDIA A100-SXM4-80GB", "NVIDIA A100 80GB"),
    ("NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB"),
    ("NVIDIA H100 PCIe", "NVIDIA H100 80GB"),
    ("NVIDIA H100 NVL", "NVIDIA H100 NVL 94GB"),
    ("NVIDIA RTX 6000 Ada Generation", "NVIDIA RTX 6000 Ada 48GB"),
    ("NVIDIA RTX A6000", "NVIDIA RTX A6000 48GB"),
    ("AMD Instinct MI300X OAM", "AMD MI300X 192GB"),
    ("Tesla V100-SXM2-16GB", "NVIDIA V100 16GB"),
    ("NVIDIA RTX PRO 6000 Blackwell Server Edition", "NVIDIA RTX PRO 6000 96GB"),
    ("NVIDIA GeForce RTX 3080 Ti", "NVIDIA RTX 3080 Ti 12GB"),
    ("NVIDIA RTX PRO 6000 Blackwell Workstation Edition", "NVIDIA RTX PRO 6000 96GB"),
    ("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", "NVIDIA RTX PRO 6000 96GB"),
    ("NVIDIA GeForce RTX 5090", "NVIDIA RTX 5090 32GB"),
    ("NVIDIA RTX 2000 Ada Generation", "NVIDIA RTX 2000 Ada 16GB"),
    # Vast.ai
    ("RTX_4090", "NVIDIA RTX 4090 24GB"),
    ("RTX_6000Ada", "NVIDIA RTX 6000 Ada 48GB"),
    ("H100_SXM", "NVIDIA H100 80GB"),
    ("H100_NVL", "NVIDIA H100 NVL 94GB"),
    ("A100_PCIE", "NVIDIA A100 40GB"),
    ("Q_RTX_6000", "NVIDIA Quadro RTX 6000 24GB"),
    ("Tesla_V100", "NVIDIA V100 16GB"),
    ("GH200_SXM", "NVIDIA GH200 96GB"),
    # GCP accelerator types and SKU descriptions
    ("nvidia-tesla-t4", "NVIDIA T4 16GB"),
    ("nvidia-tesla-a100", "NVIDIA A100 40GB"),
    ("nvidia-a100-80gb", "NVIDIA A100 80GB"),
    ("nvidia-h100-80gb", "NVIDIA H100 80GB"),
    ("nvidia-h100-mega-80gb", "NVIDIA H100 80GB"),
    ("nvidia-l4", "NVIDIA L4 24GB"),
    ("nvidia-h200-141gb", "NVIDIA H200 141GB"),
    ("Nvidia Tesla P4", "NVIDIA P4 8GB"),
    # AWS / Azure
    ("A10G", "NVIDIA A10G 24GB"),
    ("T4g", "NVIDIA T4G 16GB"),
    ("Radeon Pro V520", "AMD Radeon Pro V520 8GB"),
    # SkyPilot
    ("A100-80GB", "NVIDIA A100 80GB"),
    ("A100-80GB-SXM", "NVIDIA A100 80GB"),
    ("A100", "NVIDIA A100 40GB"),
    ("A6000", "NVIDIA RTX A6000 48GB"),
    ("V100-32GB", "NVIDIA V100 32GB"),
    ("RTX4090", "NVIDIA RTX 4090 24GB"),
    ("RTX6000-Ada", "NVIDIA RTX 6000 Ada 48GB"),
    ("MI300X", "AMD MI300X 192GB"),
]


@pytest.mark.parametrize(("name", "expected"), REAL_NAMES)
def test_real_names_map_to_one_canonical_form(name: str, expected: str) -> None:
    assert canonical_gpu(name) == expected


@pytest.mark.parametrize(
    ("name", "memory", "expected"),
    [
        ("A100", Decimal(80), "NVIDIA A100 80GB"),
        ("A100", "79.6", "NVIDIA A100 80GB"),  # marketplace hosts report 81559 MB
        ("RTX_4090", 23.99, "NVIDIA RTX 4090 24GB"),
        ("T4", 15, "NVIDIA T4 16GB"),  # 15360 MiB as nvidia-smi reports it
        ("V100", 32, "NVIDIA V100 32GB"),
        ("A100-80GB", 40, "NVIDIA A100 80GB"),  # the name wins over a separate figure
        ("H100", 94, "NVIDIA H100 94GB"),  # far from every known size: kept as given
        ("Mystery X1", 12, "Mystery X1 12GB"),
        ("Mystery", "0", "Mystery"),
    ],
)
def test_memory_from_argument_is_snapped_to_known_sizes(name: str, memory: object, expected: str) -> None:
    assert canonical_gpu(name, memory) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("NVIDIA Foo 9000", "NVIDIA Foo 9000"),
        ("nvidia_bar_x", "NVIDIA bar x"),
        ("AMD Instinct MI999", "AMD MI999"),
        ("Habana gaudi9", "Intel GAUDI9"),
        ("", "Unknown GPU"),
        ("Titan Xp", "NVIDIA Titan Xp"),
        ("NVIDIA", "NVIDIA GPU"),
        ("weird 48 GB", "weird 48GB"),
    ],
)
def test_unknown_names_stay_readable(name: str, expected: str) -> None:
    assert canonical_gpu(name) == expected


def test_every_canonical_name_maps_to_itself() -> None:
    for model in MODELS:
        for size in model.memory_gb:
            name = f"{model.vendor} {model.name} {size}GB"
            assert canonical_gpu(name) == name


@settings(max_examples=400, deadline=None)
@given(
    st.text(max_size=40), st.none() | st.decimals(min_value=-10, max_value=2000, allow_nan=False, places=2)
)
def test_canonical_is_idempotent(name: str, memory: Decimal | None) -> None:
    once = canonical_gpu(name, memory)
    assert canonical_gpu(once) == once


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from([n for n, _ in REAL_NAMES] + ["_", "-", " ", "80GB", "x", "SXM5", "8x"]), max_size=5
    )
)
def test_idempotent_on_mixtures_of_real_tokens(parts: list[str]) -> None:
    once = canonical_gpu(" ".join(parts))
    assert canonical_gpu(once) == once


@pytest.mark.parametrize(
    ("text", "count", "model"),
    [
        ("8x H100 (80 GB SXM5)", "8", "NVIDIA H100 80GB"),
        ("1x A10 (24 GB PCIe)", "1", "NVIDIA A10 24GB"),
        ("gpu_8x_h100_sxm5", "8", "NVIDIA H100 80GB"),
        ("gpu_1x_a100_sxm4", "1", "NVIDIA A100 40GB"),
        ("2 x NVIDIA L4", "2", "NVIDIA L4 24GB"),
        ("1/8 A16", "0.125", "NVIDIA A16 16GB"),
        ("1/2 x A100", "0.5", "NVIDIA A100 40GB"),
        ("A100 x 2", "2", "NVIDIA A100 40GB"),
        ("NVIDIA L40S", "1", "NVIDIA L40S 48GB"),
        ("RTX 4090", "1", "NVIDIA RTX 4090 24GB"),
        ("4x RTX_4090", "4", "NVIDIA RTX 4090 24GB"),
    ],
)
def test_parse_gpu_description(text: str, count: str, model: str) -> None:
    assert parse_gpu_description(text) == (Decimal(count), model)


@pytest.mark.parametrize("text", ["", "   ", "8x", "0x H100", "1/0 A16", "8x (80 GB)"])
def test_parse_gpu_description_rejects_descriptions_without_a_gpu(text: str) -> None:
    with pytest.raises(ValueError):
        parse_gpu_description(text)


def test_gpu_memory_of_a_canonical_name() -> None:
    assert gpu_memory_gb("NVIDIA L4 24GB") == Decimal(24)
    assert gpu_memory_gb("NVIDIA H200 141GB") == Decimal(141)
    assert gpu_memory_gb("Mystery 7.5GB") == Decimal("7.5")
    assert gpu_memory_gb("NVIDIA GPU") is None
    assert gpu_memory_gb(None) is None
