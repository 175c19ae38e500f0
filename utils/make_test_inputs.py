#!/usr/bin/python3
"""Writes the small hand-made files that the bad-input tests use.

  tests/models/unsupported_op.onnx   a valid model with a NonZero node, an
                                     operator the importer does not support
                                     (its result's shape depends on data)
  tests/images/bad/gray_32x32_3.png  a 32x32 gray image (the reference model
                                     takes 28x28)
  tests/images/bad/rgb_2x2.png,      2x2 colour images with known pixels for
  tests/images/bad/rgba_2x2.png      the PNG reader's tests
Uses Debian's python3-onnx and python3-pil. Run from the repository root.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper
from PIL import Image

x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
y = helper.make_tensor_value_info("y", TensorProto.INT64, [2, None])
node = helper.make_node("NonZero", ["x"], ["y"], name="find_nonzero")
graph = helper.make_graph([node], "unsupported_op", [x], [y])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 7
onnx.checker.check_model(model)
onnx.save(model, "tests/models/unsupported_op.onnx")

pixels = (np.arange(32 * 32) % 256).astype(np.uint8).reshape(32, 32)
Image.fromarray(pixels, mode="L").save("tests/images/bad/gray_32x32_3.png")

# 2x2 colour images with known pixels (row-major): the RGBA one has the same
# colours with varying alpha, which the reader must drop.
rgb = np.array([[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [10, 20, 30]]],
               dtype=np.uint8)
Image.fromarray(rgb, mode="RGB").save("tests/images/bad/rgb_2x2.png")
alpha = np.array([[[255], [128]], [[0], [64]]], dtype=np.uint8)
Image.fromarray(np.concatenate([rgb, alpha], axis=2), mode="RGBA").save(
    "tests/images/bad/rgba_2x2.png")
