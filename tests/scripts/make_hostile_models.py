#!/usr/bin/env python3
"""Writes the hostile ONNX models that tests/scripts/hostile_input.sh feeds
to the tools: each is built with the onnx package's helpers and breaks one
rule (sizes that overflow, attributes out of range, broken graph structure,
unsupported types). Usage: make_hostile_models.py OUTDIR"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def save(name, nodes, inputs, outputs, inits=(), opset=13, check=False):
    g = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    if check:
        onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, name + ".onnx"))


def vi(name, shape, t=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, t, shape)


X = vi("x", [1, 1, 28, 28])
Y = vi("y", None)


def const_of_shape(name, shape):
    s = numpy_helper.from_array(np.array(shape, dtype=np.int64), "shape")
    save(name, [helper.make_node("ConstantOfShape", ["shape"], ["c"]),
                helper.make_node("Add", ["x", "c"], ["y"])],
         [X], [Y], [s])


const_of_shape("constantofshape_negative", [-4, 2])
const_of_shape("constantofshape_huge", [2**31, 2**31])


def pad(name, p):
    pads = numpy_helper.from_array(np.array([0, 0, p, p, 0, 0, p, p],
                                            dtype=np.int64), "pads")
    save(name, [helper.make_node("Pad", ["x", "pads"], ["y"])], [X], [Y],
         [pads])


pad("pad_2pow62", 2**62)
pad("pad_100000", 100000)

w = numpy_helper.from_array(np.ones((4, 1, 3, 3), np.float32), "w")
save("conv_pads_2pow62",
     [helper.make_node("Conv", ["x", "w"], ["y"], pads=[2**62] * 4)],
     [X], [Y], [w])
save("conv_pads_100000",
     [helper.make_node("Conv", ["x", "w"], ["y"], pads=[100000] * 4)],
     [X], [Y], [w])

# An initializer that claims [2^31, 1] floats but carries 12 bytes.
big = TensorProto()
big.name = "big"
big.data_type = TensorProto.FLOAT
big.dims.extend([2**31, 1])
big.raw_data = b"\0" * 12
save("initializer_short_data", [helper.make_node("Identity", ["big"], ["y"])],
     [X], [Y], [big])

shape = numpy_helper.from_array(np.array([2**40], dtype=np.int64), "shape")
one = numpy_helper.from_array(np.ones((1,), np.float32), "one")
save("expand_2pow40", [helper.make_node("Expand", ["one", "shape"], ["y"])],
     [X], [Y], [one, shape])

save("maxpool_pads_ge_kernel",
     [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2],
                       pads=[2, 2, 2, 2])], [X], [Y])

save("two_nodes_one_output",
     [helper.make_node("Relu", ["x"], ["y"]),
      helper.make_node("Neg", ["x"], ["y"])], [X], [Y])

starts = numpy_helper.from_array(np.array([0, 1], np.int64), "starts")
ends = numpy_helper.from_array(np.array([10, 5], np.int64), "ends")
axes = numpy_helper.from_array(np.array([2, 2], np.int64), "axes")
save("slice_repeated_axes",
     [helper.make_node("Slice", ["x", "starts", "ends", "axes"], ["y"])],
     [X], [Y], [starts, ends, axes])

save("relu_extra_input", [helper.make_node("Relu", ["x", "x"], ["y"])],
     [X], [Y])

save("empty_graph", [], [X], [])

# Sequence-typed input and output, as the ONNX sequence node tests have.
seq_in = helper.make_tensor_sequence_value_info("s", TensorProto.FLOAT, None)
save("sequence_input",
     [helper.make_node("SequenceAt", ["s", "i"], ["y"])],
     [seq_in, vi("i", [], TensorProto.INT64)], [Y], opset=13)
opt_in = helper.make_value_info(
    "o", helper.make_optional_type_proto(
        helper.make_tensor_type_proto(TensorProto.FLOAT, [2])))
save("optional_input",
     [helper.make_node("OptionalGetElement", ["o"], ["y"])],
     [opt_in], [Y], opset=15)

# A chain of N Relu for compile-time scaling (not hostile, just long).
n = int(os.environ.get("GLOW_CHAIN_NODES", "100000"))
nodes = [helper.make_node("Relu", ["x" if i == 0 else "r%d" % (i - 1)],
                          ["y" if i == n - 1 else "r%d" % i], name="relu%d" % i)
         for i in range(n)]
save("relu_chain", nodes, [vi("x", [1, 16])], [Y])
