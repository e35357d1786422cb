#!/usr/bin/env python3
"""A safetensors file written by the reference library (safetensors.torch), holding one
tensor of each element type GenRL reads, plus metadata. GenRL must read the same values.

Usage: python3 make_safetensors_fixture.py   (writes dtypes.safetensors beside this script)
"""
import os

import torch
from safetensors.torch import save_file

tensors = {
    "f32": torch.tensor([[0.0, 1.5, -2.25], [3.0e-8, 1.0e30, -0.0]], dtype=torch.float32),
    "f64": torch.tensor([0.1, -1e-300, 12345.678], dtype=torch.float64),
    "f16": torch.tensor([1.5, -2.25, 65504.0, 6e-8, float("inf")], dtype=torch.float16),
    "bf16": torch.tensor([0.5, -3.0, 1.0e38], dtype=torch.bfloat16),
    "i64": torch.tensor([[1, -2], [3, 2**31 - 1]], dtype=torch.int64),
    "i32": torch.tensor([7, -8], dtype=torch.int32),
    "u8": torch.tensor([0, 255], dtype=torch.uint8),
}
save_file(tensors, os.path.join(os.path.dirname(os.path.abspath(__file__)), "dtypes.safetensors"),
          metadata={"format": "pt", "note": "GenRL fixture"})
