#!/usr/bin/env python3
"""Generates the small ONNX models committed under tests/convert/data/.

One model per operator variant `seam convert` handles. Each NAME.onnx comes
with its inputs NAME.in<k>.npy and expected outputs NAME.out<k>.npy (float32,
in graph input/output order). Expected values come from PyTorch: either the
model is a torch module exported with torch.onnx.export (so the expected
output is torch's own), or it is built with the onnx helper API and the
expected output is computed with torch.nn.functional following the ONNX
operator definition (commented where the two differ, e.g. SAME padding or
the pre-13 Softmax). Also writes the malformed models the error tests need.

Run with Debian's python3 (python3-torch, python3-onnx):
  /usr/bin/python3 tests/convert/make_test_models.py [--out tests/convert/data]
Everything is seeded, so re-running gives identical files (except for the
producer version strings onnx writes). Every file is kept well under 200 KB.
"""

import argparse
import os
import shutil
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

OUT = None
rng = np.random.default_rng(1234)
torch.manual_seed(1234)


def rand(*shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def save_io(name, inputs, outputs):
    for k, a in enumerate(inputs):
        np.save(os.path.join(OUT, "%s.in%d.npy" % (name, k)), np.ascontiguousarray(a, np.float32))
    for k, a in enumerate(outputs):
        np.save(os.path.join(OUT, "%s.out%d.npy" % (name, k)), np.ascontiguousarray(a, np.float32))


def check_size(path):
    size = os.path.getsize(path)
    assert size < 200 * 1024, "%s is %d bytes" % (path, size)


def torch_model(name, module, inputs, opset, dynamic_axes=None, **kw):
    """Exports `module` and saves torch's outputs as the expected values."""
    module.eval()
    tin = tuple(torch.from_numpy(a) for a in inputs)
    with torch.no_grad():
        out = module(*tin)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    path = os.path.join(OUT, name + ".onnx")
    in_names = ["x%d" % k for k in range(len(inputs))]
    out_names = ["y%d" % k for k in range(len(outs))]
    torch.onnx.export(module, tin, path, opset_version=opset, input_names=in_names,
                      output_names=out_names, dynamic_axes=dynamic_axes,
                      training=torch.onnx.TrainingMode.PRESERVE, **kw)
    save_io(name, inputs, [o.numpy() for o in outs])
    check_size(path)


def onnx_model(name, nodes, inputs, outputs, initializers, opset, expected, feeds,
               save=True, value_info=None):
    """Builds a model with the helper API; `expected` are numpy arrays."""
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=initializers,
                              value_info=value_info or [])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="seam-tests")
    model.ir_version = 7 if opset < 15 else 8
    onnx.checker.check_model(model)
    path = os.path.join(OUT, name + ".onnx")
    if save:
        onnx.save(model, path)
        check_size(path)
    save_io(name, feeds, expected)
    return model


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def t(a):
    return torch.from_numpy(np.asarray(a))


def randomize_bn(bn):
    c = bn.num_features
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.3, 0.3)
        bn.running_mean.uniform_(-0.3, 0.3)
        bn.running_var.uniform_(0.5, 1.5)


# ---------------------------------------------------------------------------
# Conv variants


def conv_models():
    x = rand(1, 3, 9, 10)
    w = rand(4, 3, 3, 3)
    b = rand(4)
    # SAME_UPPER, stride 2: out = ceil(in/2); total pad = (out-1)*2 + 3 - in,
    # the odd pixel at the end.
    def same(n, k, s, upper):
        out = -(-n // s)
        total = max(0, (out - 1) * s + k - n)
        lo = total // 2 if upper else total - total // 2
        return lo, total - lo
    for mode, upper in (("SAME_UPPER", True), ("SAME_LOWER", False)):
        kh, kw = (3, 3) if upper else (4, 2)
        wk = w if upper else rand(4, 3, 4, 2)
        th, tw = same(9, kh, 2, upper), same(10, kw, 2, upper)
        ref = F.conv2d(F.pad(t(x), (tw[0], tw[1], th[0], th[1])), t(wk), t(b), stride=2)
        node = helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv_" + mode.lower(),
                                auto_pad=mode, strides=[2, 2], kernel_shape=[kh, kw])
        onnx_model("conv_" + mode.lower(), [node], [vi("x", x.shape)], [vi("y", ref.shape)],
                   [init("w", wk), init("b", b)], 11, [ref.numpy()], [x])
    # VALID, no bias, opset 9.
    ref = F.conv2d(t(x), t(w))
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv_valid", auto_pad="VALID")
    onnx_model("conv_valid_nobias", [node], [vi("x", x.shape)], [vi("y", ref.shape)],
               [init("w", w)], 9, [ref.numpy()], [x])
    # Explicit asymmetric pads [top, left, bottom, right] = [1, 0, 2, 1],
    # dilations [1, 2], group 3 (one input channel per group).
    x6 = rand(1, 6, 8, 9)
    wg = rand(6, 2, 3, 2)
    bg = rand(6)
    ref = F.conv2d(F.pad(t(x6), (0, 1, 1, 2)), t(wg), t(bg), dilation=(1, 2), groups=3)
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv_grouped",
                            pads=[1, 0, 2, 1], dilations=[1, 2], group=3)
    onnx_model("conv_pads_dilation_group", [node], [vi("x", x6.shape)], [vi("y", ref.shape)],
               [init("w", wg), init("b", bg)], 13, [ref.numpy()], [x6])
    # 1-D convolution (Keras Conv1D), stride 2, pads [1, 1].
    x1 = rand(1, 4, 20)
    w1 = rand(6, 4, 3)
    b1 = rand(6)
    ref = F.conv1d(t(x1), t(w1), t(b1), stride=2, padding=1)
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv1d", pads=[1, 1],
                            strides=[2])
    onnx_model("conv1d", [node], [vi("x", x1.shape)], [vi("y", ref.shape)],
               [init("w", w1), init("b", b1)], 13, [ref.numpy()], [x1])

    # Conv → BatchNorm → LeakyReLU from torch (the BN is folded, the
    # activation fused), grouped and dilated.
    class ConvBn(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 2), dilation=(2, 1),
                                  groups=2)
            self.bn = nn.BatchNorm2d(6)
            randomize_bn(self.bn)

        def forward(self, x):
            return F.leaky_relu(self.bn(self.conv(x)), 0.1)

    torch_model("conv_bn_leakyrelu", ConvBn(), [rand(1, 4, 11, 9)], 11)

    # Depthwise conv → BN → ReLU6 at opset 13: Clip's bounds are inputs.
    class Dw(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
            self.bn = nn.BatchNorm2d(8)
            randomize_bn(self.bn)

        def forward(self, x):
            return F.relu6(self.bn(self.conv(x)) * 4.0)

    torch_model("depthwise_bn_relu6_opset13", Dw(), [rand(1, 8, 7, 7)], 13)


# ---------------------------------------------------------------------------
# Gemm / MatMul


def gemm_models():
    a = rand(4, 3)  # transA: A is [K, M]
    bm = rand(5, 4)  # transB: B is [N, K]
    c = rand(5)
    ref = 0.5 * (t(a).T @ t(bm).T) + 2.0 * t(c)
    node = helper.make_node("Gemm", ["a", "b", "c"], ["y"], name="gemm", transA=1, transB=1,
                            alpha=0.5, beta=2.0)
    onnx_model("gemm_transa_transb_alpha_beta", [node], [vi("a", a.shape)], [vi("y", ref.shape)],
               [init("b", bm), init("c", c)], 13, [ref.numpy()], [a])
    # B is a second graph input: MatMul (+ Mul alpha) + Add(beta * C).
    a2 = rand(3, 4)
    b2 = rand(4, 5)
    c2 = rand(3, 5)
    ref = 1.5 * (t(a2) @ t(b2)) + 0.5 * t(c2)
    node = helper.make_node("Gemm", ["a", "b", "c"], ["y"], name="gemm_dyn", alpha=1.5, beta=0.5)
    onnx_model("gemm_runtime_b", [node], [vi("a", a2.shape), vi("b", b2.shape)],
               [vi("y", ref.shape)], [init("c", c2)], 11, [ref.numpy()], [a2, b2])
    # Constant B, C a full [M, N] matrix: FullyConnected + Add.
    a3 = rand(2, 4)
    b3 = rand(4, 3)
    c3 = rand(2, 3)
    ref = t(a3) @ t(b3) + t(c3)
    node = helper.make_node("Gemm", ["a", "b", "c"], ["y"], name="gemm_cmatrix")
    onnx_model("gemm_c_matrix", [node], [vi("a", a3.shape)], [vi("y", ref.shape)],
               [init("b", b3), init("c", c3)], 9, [ref.numpy()], [a3])

    # MatMul variants from torch: batched runtime×runtime, and x·W + b with
    # a constant W (Keras Dense), which becomes FullyConnected with a bias.
    class MM(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.from_numpy(rand(6, 4)))
            self.b = nn.Parameter(torch.from_numpy(rand(4)))

        def forward(self, x, y, z):
            batched = torch.matmul(x.transpose(1, 2), y)  # [2,4,3] x [2,3,5]
            dense = torch.sigmoid(torch.matmul(z, self.w) + self.b)
            return torch.tanh(batched), dense

    torch_model("matmul_variants", MM(), [rand(2, 3, 4), rand(2, 3, 5), rand(3, 6)], 13)

    # Gemm followed by BatchNorm1d (folded into the FullyConnected).
    class FcBn(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(10, 7)
            self.bn = nn.BatchNorm1d(7)
            randomize_bn(self.bn)

        def forward(self, x):
            return torch.relu(self.bn(self.fc(x)))

    torch_model("gemm_batchnorm", FcBn(), [rand(3, 10)], 15)


# ---------------------------------------------------------------------------
# Pools, LRN, normalisation


def pool_models():
    class Pools(nn.Module):
        def forward(self, x):
            a = F.max_pool2d(x, 3, 2, padding=1, ceil_mode=True)
            b = F.avg_pool2d(x, 3, 2, padding=1, ceil_mode=True, count_include_pad=True)
            c = F.avg_pool2d(x, 2, 2, padding=1, count_include_pad=False)
            d = F.adaptive_avg_pool2d(x, 1)
            return a, b, c, d

    torch_model("pools", Pools(), [rand(1, 3, 10, 11)], 11)
    x = rand(1, 2, 7, 8)
    # auto_pad SAME_UPPER max pool, kernel 2, stride 2 (odd input: pad at end).
    ref = F.max_pool2d(F.pad(t(x), (0, 0, 0, 1), value=-np.inf), 2, 2)
    node = helper.make_node("MaxPool", ["x"], ["y"], name="maxpool_same", kernel_shape=[2, 2],
                            strides=[2, 2], auto_pad="SAME_UPPER")
    node2 = helper.make_node("GlobalMaxPool", ["x"], ["g"], name="globalmax")
    onnx_model("maxpool_same_upper", [node, node2], [vi("x", x.shape)],
               [vi("y", ref.shape), vi("g", [1, 2, 1, 1])], [], 10,
               [ref.numpy(), F.adaptive_max_pool2d(t(x), 1).numpy()], [x])
    # torch exports LocalResponseNorm decomposed (through a 5-D AveragePool),
    # so the LRN node is built by hand; torch's LRN equals ONNX's for odd sizes.
    xl = rand(1, 7, 4, 5, lo=-2, hi=2)
    ref = F.local_response_norm(t(xl), 5, alpha=1e-2, beta=0.75, k=2.0)
    node = helper.make_node("LRN", ["x"], ["y"], name="lrn", size=5, alpha=1e-2, beta=0.75,
                            bias=2.0)
    onnx_model("lrn", [node], [vi("x", xl.shape)], [vi("y", xl.shape)], [], 9, [ref.numpy()],
               [xl])
    # A BatchNormalization that follows no convolution stays a BatchNorm.
    x = rand(2, 3, 4, 5)
    sc, bi, mu, var = rand(3, lo=0.5, hi=1.5), rand(3), rand(3), rand(3, lo=0.5, hi=1.5)
    ref = F.batch_norm(t(x), t(mu), t(var), t(sc), t(bi), eps=1e-3)
    node = helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], name="bn",
                            epsilon=1e-3)
    onnx_model("batchnorm_standalone", [node], [vi("x", x.shape)], [vi("y", ref.shape)],
               [init("s", sc), init("b", bi), init("m", mu), init("v", var)], 9, [ref.numpy()],
               [x])


# ---------------------------------------------------------------------------
# Activations


def activation_models():
    x = rand(2, 3, 4, 5, lo=-3, hi=3)
    # Clip with min/max attributes (before opset 11).
    node = helper.make_node("Clip", ["x"], ["y"], name="clip_attrs", min=-0.5, max=1.25)
    onnx_model("clip_opset9_attrs", [node], [vi("x", x.shape)], [vi("y", x.shape)], [], 9,
               [np.clip(x, -0.5, 1.25)], [x])
    # Clip with min only as an input (opset 11; max absent = unbounded).
    node = helper.make_node("Clip", ["x", "lo"], ["y"], name="clip_min_only")
    onnx_model("clip_opset11_min_input", [node], [vi("x", x.shape)], [vi("y", x.shape)],
               [init("lo", np.array(0.25, np.float32))], 11, [np.maximum(x, 0.25)], [x])
    # Clip with both bounds as inputs, max given through the optional slot.
    node = helper.make_node("Clip", ["x", "", "hi"], ["y"], name="clip_max_only")
    onnx_model("clip_opset13_max_input", [node], [vi("x", x.shape)], [vi("y", x.shape)],
               [init("hi", np.array(-0.5, np.float32))], 13, [np.minimum(x, -0.5)], [x])
    # HardSigmoid alone (alpha 0.3, beta 0.4): Mul→Add→Clip.
    node = helper.make_node("HardSigmoid", ["x"], ["y"], name="hsig", alpha=0.3, beta=0.4)
    onnx_model("hardsigmoid", [node], [vi("x", x.shape)], [vi("y", x.shape)], [], 13,
               [np.clip(0.3 * x + 0.4, 0, 1)], [x])

    # ReLU6 spelled Min(Max(conv, 0), 6): the pair becomes one Clip, fused.
    xm = rand(1, 3, 5, 5, lo=-3, hi=3)
    wm = rand(4, 3, 1, 1, lo=-3, hi=3)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             helper.make_node("Max", ["c", "zero"], ["mx"], name="max0"),
             helper.make_node("Min", ["mx", "six"], ["y"], name="min6")]
    onnx_model("min_max_relu6", nodes, [vi("x", xm.shape)], [vi("y", [1, 4, 5, 5])],
               [init("w", wm), init("zero", np.array(0.0, np.float32)),
                init("six", np.array(6.0, np.float32))], 13,
               [F.relu6(F.conv2d(t(xm), t(wm))).numpy()], [xm])

    class Acts(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 1)

        def forward(self, x):
            y = F.hardswish(self.conv(x))
            return y, torch.sigmoid(x), torch.tanh(x), F.leaky_relu(x, 0.2), torch.relu(x)

    # Opset 13 spells hardswish HardSigmoid·x; opset 14 has HardSwish.
    torch_model("activations_opset13", Acts(), [x], 13)
    torch_model("activations_opset14", Acts(), [x], 14)


# ---------------------------------------------------------------------------
# Arithmetic with constants


def arithmetic_models():
    class Arith(nn.Module):
        def forward(self, x, y):
            norm = (x - 0.5) / 0.25
            rev = 1.5 - x
            diff = x - y
            scaled = x / torch.tensor([1.0, 2.0, 4.0, 8.0, 3.0])
            total = x + y * 2.0
            return norm, rev, diff, scaled, total

    torch_model("sub_div_const", Arith(), [rand(2, 3, 5), rand(2, 3, 5)], 13)
    x = rand(2, 3)
    c1 = helper.make_node("Constant", [], ["c1"], name="const_tensor",
                          value=numpy_helper.from_array(rand(2, 3), "v"))
    c2 = helper.make_node("Constant", [], ["c2"], name="const_float", value_float=3.0)
    n1 = helper.make_node("Identity", ["x"], ["i1"], name="identity_in")
    n2 = helper.make_node("Add", ["i1", "c1"], ["s"], name="add_const")
    n3 = helper.make_node("Identity", ["s"], ["i2"], name="identity_mid")
    n4 = helper.make_node("Mul", ["i2", "c2"], ["y"], name="mul_scalar")
    c1v = numpy_helper.to_array(c1.attribute[0].t)
    onnx_model("constant_identity", [c1, c2, n1, n2, n3, n4], [vi("x", x.shape)],
               [vi("y", x.shape)], [], 13, [(x + c1v) * 3.0], [x])
    # Sum of three inputs.
    a, b, c = rand(2, 4), rand(2, 4), rand(4)
    node = helper.make_node("Sum", ["a", "b", "c"], ["y"], name="sum3")
    onnx_model("sum", [node], [vi("a", a.shape), vi("b", b.shape)], [vi("y", a.shape)],
               [init("c", c)], 13, [a + b + c], [a, b])


# ---------------------------------------------------------------------------
# Shape manipulation


def shape_models():
    x = rand(2, 3, 4, 5)
    shape = init("shape", np.array([0, -1, 5], np.int64))
    node = helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape_0_m1")
    onnx_model("reshape_zero_minus1", [node], [vi("x", x.shape)], [vi("y", [2, 12, 5])], [shape],
               13, [x.reshape(2, 12, 5)], [x])
    nodes = [helper.make_node("Flatten", ["x"], ["y0"], name="flatten_axis2", axis=2),
             helper.make_node("Flatten", ["x"], ["y1"], name="flatten_axis_m1", axis=-1),
             helper.make_node("Flatten", ["x"], ["y2"], name="flatten_axis0", axis=0)]
    onnx_model("flatten_axes", nodes, [vi("x", x.shape)],
               [vi("y0", [6, 20]), vi("y1", [24, 5]), vi("y2", [1, 120])], [], 13,
               [x.reshape(6, 20), x.reshape(24, 5), x.reshape(1, 120)], [x])
    # Softmax before opset 13 normalises over all of dims [axis, rank).
    s = rand(2, 3, 4, lo=-3, hi=3)
    coerced = F.softmax(t(s).reshape(2, 12), dim=1).reshape(2, 3, 4)
    node = helper.make_node("Softmax", ["x"], ["y"], name="softmax_axis1", axis=1)
    onnx_model("softmax_opset11_axis1", [node], [vi("x", s.shape)], [vi("y", s.shape)], [], 11,
               [coerced.numpy()], [s])
    node = helper.make_node("Softmax", ["x"], ["y"], name="softmax_last", axis=2)
    onnx_model("softmax_opset11_lastaxis", [node], [vi("x", s.shape)], [vi("y", s.shape)], [], 11,
               [F.softmax(t(s), dim=2).numpy()], [s])
    node = helper.make_node("Softmax", ["x"], ["y"], name="softmax_axis1", axis=1)
    onnx_model("softmax_opset13_axis1", [node], [vi("x", s.shape)], [vi("y", s.shape)], [], 13,
               [F.softmax(t(s), dim=1).numpy()], [s])
    # Transpose, Concat, Unsqueeze/Squeeze, Slice and Gather of run-time tensors.

    class Shapes(nn.Module):
        def forward(self, x, y):
            a = torch.cat([x.permute(0, 2, 1, 3), y], dim=1)  # Transpose + Concat
            b = x.unsqueeze(2).squeeze(0)  # Unsqueeze + Squeeze
            c = x[:, 1:3, :, 2:]  # Slice (crop)
            d = x[:, 0]  # Gather of a scalar index
            return a, b, c, d

    torch_model("shape_ops", Shapes(), [rand(2, 3, 4, 5), rand(2, 2, 3, 5)], 13)

    # Split of a run-time tensor: sizes as an attribute (< 13), equal parts (13).
    xs = rand(2, 4, 3)
    node = helper.make_node("Split", ["x"], ["a", "b"], name="split_attr", axis=1, split=[1, 3])
    onnx_model("split_opset11", [node], [vi("x", xs.shape)], [vi("a", [2, 1, 3]), vi("b", [2, 3, 3])],
               [], 11, [xs[:, :1], xs[:, 1:]], [xs])
    node = helper.make_node("Split", ["x"], ["a", "b"], name="split_equal", axis=-2)
    onnx_model("split_opset13_equal", [node], [vi("x", xs.shape)],
               [vi("a", [2, 2, 3]), vi("b", [2, 2, 3])], [], 13, [xs[:, :2], xs[:, 2:]], [xs])

    # x.view(x.size(0), -1) with a dynamic batch: Shape→Gather→Unsqueeze→
    # Concat→Reshape, convertible only with --input-shape.
    class ShapeChain(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 3, 3)
            self.fc = nn.Linear(3 * 4 * 4, 5)

        def forward(self, x):
            x = torch.relu(self.conv(x))
            return self.fc(x.view(x.size(0), -1))

    torch_model("shape_chain_dynamic", ShapeChain(), [rand(1, 2, 6, 6)], 11,
                dynamic_axes={"x0": {0: "batch"}, "y0": {0: "batch"}})
    # int64 value propagation beyond torch's chain: Shape→Slice→Concat
    # →Reshape, ConstantOfShape and Cast.
    x3 = rand(2, 3, 4)
    nodes = [
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        helper.make_node("Slice", ["s", "st", "en"], ["s0"], name="slice_shape"),
        helper.make_node("Concat", ["s0", "m1"], ["target"], name="concat_shape", axis=0),
        helper.make_node("Reshape", ["x", "target"], ["r"], name="reshape"),
        helper.make_node("Shape", ["r"], ["rs"], name="shape_r"),
        helper.make_node("ConstantOfShape", ["rs"], ["ones"], name="ones",
                         value=numpy_helper.from_array(np.array([1.0], np.float32))),
        helper.make_node("Cast", ["s0"], ["s0f"], name="cast", to=TensorProto.FLOAT),
        helper.make_node("Add", ["r", "ones"], ["r1"], name="add_ones"),
        helper.make_node("Mul", ["r1", "s0f"], ["y"], name="mul_batch"),
    ]
    onnx_model("int_shape_ops", nodes, [vi("x", x3.shape)], [vi("y", [2, 12])],
               [init("st", np.array([0], np.int64)), init("en", np.array([1], np.int64)),
                init("m1", np.array([-1], np.int64))], 13,
               [(x3.reshape(2, 12) + 1.0) * 2.0], [x3])


def host_eval_model():
    """Conversion-time evaluators on constants: negative-step Slice, Gather
    with 2-D indices, Transpose, Greater/Where/Neg, Expand, Range, Cast,
    Sqrt, Unsqueeze; everything folds into one constant added to x."""
    c = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x = rand(2, 2, 2, 2)
    i64 = lambda v: np.array(v, np.int64)
    nodes = [
        helper.make_node("Constant", [], ["c"], name="c", value=numpy_helper.from_array(c)),
        helper.make_node("Slice", ["c", "st", "en", "ax", "sp"], ["a"], name="slice_rev"),
        helper.make_node("Gather", ["a", "idx"], ["b"], name="gather2d", axis=1),
        helper.make_node("Transpose", ["b"], ["t"], name="transpose", perm=[1, 0, 3, 2]),
        helper.make_node("Greater", ["t", "ten"], ["gt"], name="greater"),
        helper.make_node("Neg", ["t"], ["nt"], name="neg"),
        helper.make_node("Where", ["gt", "t", "nt"], ["w"], name="where"),
        helper.make_node("Expand", ["w", "eshape"], ["e"], name="expand"),
        helper.make_node("Range", ["r0", "r8", "r1"], ["r"], name="range"),
        helper.make_node("Cast", ["r"], ["rf"], name="cast", to=TensorProto.FLOAT),
        helper.make_node("Sqrt", ["rf"], ["sq"], name="sqrt"),
        helper.make_node("Unsqueeze", ["sq", "uax"], ["u"], name="unsqueeze"),
        helper.make_node("Reshape", ["u", "rshape"], ["ur"], name="reshape"),
        helper.make_node("Mul", ["e", "ur"], ["k"], name="mul_const"),
        helper.make_node("Add", ["x", "k"], ["y"], name="add"),
    ]
    a = c[:, :, 3::-2]
    b = a[:, [[2, 0]], :]
    tt = b.transpose(1, 0, 3, 2)
    w = np.where(tt > 10, tt, -tt)
    e = np.broadcast_to(w, (2, 2, 2, 2))
    k = e * np.sqrt(np.arange(8, dtype=np.float32)).reshape(2, 1, 2, 2)
    onnx_model("host_eval_ops", nodes, [vi("x", x.shape)], [vi("y", x.shape)],
               [init("st", i64([3])), init("en", i64([-100])), init("ax", i64([2])),
                init("sp", i64([-2])), init("idx", i64([[2, 0]])),
                init("ten", np.array(10.0, np.float32)), init("eshape", i64([2, 1, 1, 1])),
                init("r0", i64(0)), init("r8", i64(8)), init("r1", i64(1)),
                init("uax", i64([0])), init("rshape", i64([2, 1, 2, 2]))], 13, [x + k], [x])

    # Ops seam has kernels for, on constants, are folded by running those
    # kernels: Relu, Softmax and Conv of constants become one constant.
    cc = rand(1, 2, 3, 3)
    wc = rand(2, 2, 1, 1)
    nodes = [
        helper.make_node("Relu", ["cc"], ["r"], name="relu_const"),
        helper.make_node("Softmax", ["r"], ["s"], name="softmax_const", axis=-1),
        helper.make_node("Conv", ["s", "wc"], ["k"], name="conv_const"),
        helper.make_node("Add", ["x", "k"], ["y"], name="add"),
    ]
    ref = F.conv2d(F.softmax(torch.relu(t(cc)), dim=-1), t(wc))
    x2 = rand(1, 2, 3, 3)
    onnx_model("fold_with_kernels", nodes, [vi("x", x2.shape)], [vi("y", x2.shape)],
               [init("cc", cc), init("wc", wc)], 13, [x2 + ref.numpy()], [x2])


# ---------------------------------------------------------------------------
# Pad


def pad_models():
    x = rand(1, 2, 4, 5)
    node = helper.make_node("Pad", ["x"], ["y"], name="pad_reflect", mode="reflect",
                            pads=[0, 0, 1, 2, 0, 0, 2, 1])
    ref = F.pad(t(x), (2, 1, 1, 2), mode="reflect")
    onnx_model("pad_opset2_reflect", [node], [vi("x", x.shape)], [vi("y", ref.shape)], [], 9,
               [ref.numpy()], [x])
    node = helper.make_node("Pad", ["x"], ["y"], name="pad_const_attr", pads=[0, 1, 1, 0, 0, 0, 0, 2],
                            value=-1.5)
    ref = F.pad(t(x), (0, 2, 1, 0, 1, 0), value=-1.5)
    onnx_model("pad_opset9_constant_value", [node], [vi("x", x.shape)], [vi("y", ref.shape)], [],
               9, [ref.numpy()], [x])
    node = helper.make_node("Pad", ["x", "pads"], ["y"], name="pad_edge", mode="edge")
    ref = F.pad(t(x), (1, 3, 2, 0), mode="replicate")
    onnx_model("pad_opset11_edge", [node], [vi("x", x.shape)], [vi("y", ref.shape)],
               [init("pads", np.array([0, 0, 2, 1, 0, 0, 0, 3], np.int64))], 11, [ref.numpy()], [x])
    # Constant value as an input; negative pads crop.
    node = helper.make_node("Pad", ["x", "pads", "v"], ["y"], name="pad_crop")
    ref = F.pad(t(x), (-1, 2, 1, -2), value=0.75)
    onnx_model("pad_opset13_value_input_negative", [node], [vi("x", x.shape)],
               [vi("y", ref.shape)],
               [init("pads", np.array([0, 0, 1, -1, 0, 0, -2, 2], np.int64)),
                init("v", np.array(0.75, np.float32))], 13, [ref.numpy()], [x])

    # Pad then Conv (Keras ZeroPadding2D): the pad is folded into the conv.
    class PadConv(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 3, 3)

        def forward(self, x):
            return self.conv(F.pad(x, (1, 2, 0, 1)))

    torch_model("pad_conv", PadConv(), [x], 11)


# ---------------------------------------------------------------------------
# Dropout, Resize, LSTM


def misc_models():
    x = rand(2, 3, 4)
    # Dropout (opset 12) with ratio input and an unused mask output.
    n1 = helper.make_node("Dropout", ["x", "ratio"], ["d", "mask"], name="dropout")
    n2 = helper.make_node("Relu", ["d"], ["y"], name="relu")
    onnx_model("dropout_mask_opset12", [n1, n2], [vi("x", x.shape)], [vi("y", x.shape)],
               [init("ratio", np.array(0.3, np.float32))], 12, [np.maximum(x, 0)], [x])
    n1 = helper.make_node("Dropout", ["x"], ["d", "mask"], name="dropout", ratio=0.4)
    n2 = helper.make_node("Sigmoid", ["d"], ["y"], name="sigmoid")
    onnx_model("dropout_mask_opset10", [n1, n2], [vi("x", x.shape)], [vi("y", x.shape)], [], 10,
               [torch.sigmoid(t(x)).numpy()], [x])

    class Up(nn.Module):
        def forward(self, x):
            return F.interpolate(x, scale_factor=2, mode="nearest")

    class UpSize(nn.Module):
        def forward(self, x):
            return F.interpolate(x, size=(7, 9), mode="nearest")

    xi = rand(1, 2, 3, 4)
    torch_model("upsample_opset9", Up(), [xi], 9)
    torch_model("resize_scales_opset13", Up(), [xi], 13)
    torch_model("resize_sizes_opset11", UpSize(), [xi], 11)
    # ONNX default modes (half_pixel, round_prefer_floor) from sizes:
    # in = round_prefer_floor((out + 0.5) / scale - 0.5), clamped.
    out_h, out_w = 5, 7
    def src(o, n_in, n_out):
        v = (o + 0.5) * n_in / n_out - 0.5
        r = np.floor(v) if v - np.floor(v) == 0.5 else np.round(v)
        return int(min(max(r, 0), n_in - 1))
    rows = [src(o, 3, out_h) for o in range(out_h)]
    cols = [src(o, 4, out_w) for o in range(out_w)]
    ref = xi[:, :, rows, :][:, :, :, cols]
    node = helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], name="resize_half_pixel",
                            mode="nearest")
    onnx_model("resize_half_pixel_sizes", [node], [vi("x", xi.shape)], [vi("y", ref.shape)],
               [init("sizes", np.array([1, 2, out_h, out_w], np.int64))], 13, [ref], [xi])

    class Lstm(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(8, 16)

        def forward(self, x):
            y, (h, c) = self.lstm(x)
            return y, h, c

    torch_model("lstm", Lstm(), [rand(5, 2, 8)], 13)

    class BiLstm(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(6, 10, bidirectional=True)

        def forward(self, x, h, c):
            y, _ = self.lstm(x, (h, c))
            return y

    torch_model("lstm_bidirectional", BiLstm(), [rand(4, 3, 6), rand(2, 3, 10), rand(2, 3, 10)], 11)


def keras_like_model():
    """What tf2onnx makes of a small Keras CNN: NHWC input transposed to
    NCHW, ZeroPadding2D as Pad, Conv (bias as a separate Add), BatchNorm,
    ReLU, GlobalAveragePooling2D as ReduceMean, Dense as MatMul + Add,
    softmax over the last axis."""
    x = rand(1, 8, 8, 3)
    w = rand(4, 3, 3, 3)
    cb = rand(1, 4, 1, 1)
    sc, bi, mu, var = rand(4, lo=0.5, hi=1.5), rand(4), rand(4), rand(4, lo=0.5, hi=1.5)
    dw = rand(4, 5)
    db = rand(5)
    nodes = [
        helper.make_node("Transpose", ["x"], ["nchw"], name="transpose", perm=[0, 3, 1, 2]),
        helper.make_node("Pad", ["nchw", "pads"], ["padded"], name="zero_padding2d"),
        helper.make_node("Conv", ["padded", "w"], ["conv"], name="conv2d", kernel_shape=[3, 3]),
        helper.make_node("Add", ["conv", "cb"], ["biased"], name="conv2d_bias"),
        helper.make_node("BatchNormalization", ["biased", "sc", "bi", "mu", "var"], ["bn"],
                         name="batch_normalization", epsilon=1e-3),
        helper.make_node("Relu", ["bn"], ["relu"], name="re_lu"),
        helper.make_node("ReduceMean", ["relu"], ["gap"], name="global_average_pooling2d",
                         axes=[2, 3], keepdims=0),
        helper.make_node("MatMul", ["gap", "dw"], ["dense"], name="dense"),
        helper.make_node("Add", ["dense", "db"], ["logits"], name="dense_bias"),
        helper.make_node("Softmax", ["logits"], ["y"], name="softmax", axis=-1),
    ]
    h = t(x).permute(0, 3, 1, 2)
    h = F.conv2d(F.pad(h, (1, 1, 1, 1)), t(w)) + t(cb)
    h = F.batch_norm(h, t(mu), t(var), t(sc), t(bi), eps=1e-3)
    h = torch.relu(h).mean(dim=(2, 3))
    ref = F.softmax(h @ t(dw) + t(db), dim=-1)
    onnx_model("keras_like_cnn", nodes, [vi("x", x.shape)], [vi("y", ref.shape)],
               [init("pads", np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64)), init("w", w),
                init("cb", cb), init("sc", sc), init("bi", bi), init("mu", mu), init("var", var),
                init("dw", dw), init("db", db)], 13, [ref.numpy()], [x])


# ---------------------------------------------------------------------------
# External data and the error cases


def external_and_error_models():
    x = rand(1, 3, 6, 6)
    w = rand(4, 3, 3, 3)
    b = rand(4)
    ref = F.relu(F.conv2d(t(x), t(w), t(b), padding=1))
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["y"], name="relu")]
    ext_dir = os.path.join(OUT, "external")
    if os.path.isdir(ext_dir):
        shutil.rmtree(ext_dir)
    os.makedirs(ext_dir)
    model = onnx_model("external", nodes, [vi("x", x.shape)], [vi("y", ref.shape)],
                       [init("w", w), init("b", b)], 13, [ref.numpy()], [x], save=False)
    onnx.save_model(model, os.path.join(ext_dir, "model.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
    # The same model pointing outside its directory, and at an absolute path.
    for name, location in (("escape", "../external/weights.bin"), ("absolute", "/etc/hostname")):
        m = onnx.load(os.path.join(ext_dir, "model.onnx"), load_external_data=False)
        for init_t in m.graph.initializer:
            for kv in init_t.external_data:
                if kv.key == "location":
                    kv.value = location
        d = os.path.join(OUT, "external_" + name)
        os.makedirs(d, exist_ok=True)
        onnx.save(m, os.path.join(d, "model.onnx"))

    # Every unsupported node must be listed: an unknown op, a foreign domain,
    # a known op in an unsupported variant, and one downstream of those.
    nodes = [
        helper.make_node("Erf", ["x"], ["e"], name="erf_node"),
        helper.make_node("Gelu", ["x"], ["g"], name="gelu_node", domain="com.microsoft"),
        helper.make_node("Resize", ["x", "", "scales"], ["r"], name="resize_linear", mode="linear"),
        helper.make_node("ConvTranspose", ["e", "w"], ["ct"], name="deconv"),
        helper.make_node("Relu", ["x"], ["y"], name="fine_relu"),
    ]
    graph = helper.make_graph(nodes, "unsupported", [vi("x", [1, 2, 4, 4])],
                              [vi("y", [1, 2, 4, 4]), vi("g", None), vi("r", None),
                               vi("ct", None)],
                              initializer=[init("scales", np.array([1, 1, 2, 2], np.float32)),
                                           init("w", rand(2, 2, 3, 3))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 7
    onnx.save(model, os.path.join(OUT, "unsupported_ops.onnx"))
    # Node names: duplicates get a suffix, empty ones come from the output.
    xn = rand(2, 3)
    nodes = [helper.make_node("Relu", ["x"], ["a"], name="same"),
             helper.make_node("Sigmoid", ["a"], ["b"], name="same"),
             helper.make_node("Tanh", ["b"], ["tanh_out"], name=""),
             helper.make_node("Add", ["tanh_out", "x"], ["y"], name="")]
    onnx_model("node_names", nodes, [vi("x", xn.shape)], [vi("y", xn.shape)], [], 13,
               [np.tanh(1 / (1 + np.exp(-np.maximum(xn, 0)))) + xn], [xn])
    # An unsupported node nothing depends on does not block the conversion.
    nodes = [helper.make_node("Erf", ["x"], ["unused"], name="dead_erf"),
             helper.make_node("Relu", ["x"], ["y"], name="relu")]
    onnx_model("dead_branch", nodes, [vi("x", xn.shape)], [vi("y", xn.shape)], [], 13,
               [np.maximum(xn, 0)], [xn])
    # A dynamic batch dimension.
    node = helper.make_node("Relu", ["x"], ["y"], name="relu")
    graph = helper.make_graph([node], "dynamic", [vi("x", ["N", 3, 4])], [vi("y", ["N", 3, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.save(model, os.path.join(OUT, "dynamic_input.onnx"))
    xd = rand(2, 3, 4)
    save_io("dynamic_input", [xd], [np.maximum(xd, 0)])
    folded_conv_model()


def folded_conv_model():
    # A Conv of two initializers, folded at conversion time on seam's kernels
    # (294,912 FLOPs): the FLOP limit on folding refuses it when set lower.
    xc = rand(1, 8, 16, 16)
    w = rand(8, 8, 3, 3)
    xi = rand(1, 8, 16, 16)
    ref = F.conv2d(t(xc), t(w), padding=1) + t(xi)
    nodes = [helper.make_node("Conv", ["xc", "w"], ["c"], name="const_conv", pads=[1, 1, 1, 1]),
             helper.make_node("Add", ["c", "x"], ["y"], name="add")]
    onnx_model("folded_conv", nodes, [vi("x", xi.shape)], [vi("y", ref.shape)],
               [init("xc", xc), init("w", w)], 13, [ref.numpy()], [xi])


def main():
    global OUT
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                      "data"))
    OUT = parser.parse_args().out
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    conv_models()
    gemm_models()
    pool_models()
    activation_models()
    arithmetic_models()
    shape_models()
    host_eval_model()
    pad_models()
    misc_models()
    keras_like_model()
    external_and_error_models()
    return 0


if __name__ == "__main__":
    sys.exit(main())
