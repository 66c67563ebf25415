#include "narformer/onnx/probe_models.h"

#include <stdexcept>

#include <onnx/defs/parser.h>
#include <onnx/onnx_pb.h>

namespace narformer {

namespace {

// The main probe, opset 17. Graph inputs after `x` are weights: they become initializers
// (ONNX's text syntax wants their values, which nothing here reads). Integer and float
// tensors whose values matter (shapes, axes, scales) are initializers with values.
constexpr const char* kMainProbe = R"(
<ir_version: 8, opset_import: ["" : 17]>
probe (float[1,8,16,16] x,
       float[8,8,3,3] w_conv, float[8] b_conv, float[8,1,3,3] w_dw, float[16,8,1,1] w_pw,
       float[16] bn_s, float[16] bn_b, float[16] bn_m, float[16] bn_v, float[1,16,1,1] scale,
       float[16,8,2,2] w_ct, float[8] b_ct, float[8] in_s, float[8] in_b,
       float[10,512] w_fc, float[10] b_fc, float[10,10] w_mm, float[10] ln_s, float[10] ln_b)
   => (float[1,5] out)
<int64[2] split = {4, 4}, int64[1] axes0 = {0}, int64[1] axes1 = {1}, int64[1] minus_one = {-1},
 int64 idx0 = {0}, int64[1] starts = {0}, int64[1] ends = {5}, float[0] roi = {},
 float[4] scales = {1.0, 1.0, 2.0, 2.0}>
{
  c1 = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [1, 1], dilations = [1, 1],
             group = 1> (x, w_conv, b_conv)
  r1 = Relu (c1)
  dw = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1], group = 8> (r1, w_dw)
  pw = Conv <kernel_shape = [1, 1]> (dw, w_pw)
  bn = BatchNormalization (pw, bn_s, bn_b, bn_m, bn_v)
  sg = Sigmoid (bn)
  hs = HardSigmoid (bn)
  sw = HardSwish (bn)
  m1 = Mul (sg, hs)
  a1 = Add (m1, sw)
  d1 = Div (a1, scale)
  two = Constant <value = float {2.0}> ()
  p1 = Pow (d1, two)
  q1 = Sqrt (p1)
  s1 = Sub (q1, bn)
  t1 = Tanh (s1)
  lo = Constant <value = float {0.0}> ()
  hi = Constant <value = float {6.0}> ()
  cl = Clip (t1, lo, hi)
  er = Erf (cl)
  mp = MaxPool <kernel_shape = [2, 2], strides = [2, 2]> (er)
  ap = AveragePool <kernel_shape = [3, 3], pads = [1, 1, 1, 1]> (mp)
  lp = LpPool <kernel_shape = [2, 2], strides = [2, 2]> (ap)
  ct = ConvTranspose <kernel_shape = [2, 2], strides = [2, 2]> (lp, w_ct, b_ct)
  nm = InstanceNormalization (ct, in_s, in_b)
  sa, sb = Split <axis = 1> (nm, split)
  cc = Concat <axis = 1> (sb, sa)
  tr = Transpose <perm = [0, 2, 3, 1]> (cc)
  rl = Resize <mode = "linear"> (cc, roi, scales)
  rn = Resize <mode = "nearest"> (tr, roi, scales)
  gap = GlobalAveragePool (rl)
  gmp = GlobalMaxPool (cc)
  sm3 = Sum (gap, gmp, gap)
  mx = Max (gap, sm3)
  mn = Min (gap, mx)
  me = Mean (mn, gmp)
  fl = Flatten (me)
  sh = Shape (cc)
  b0 = Gather <axis = 0> (sh, idx0)
  bu = Unsqueeze (b0, axes0)
  tgt = Concat <axis = 0> (bu, minus_one)
  rp = Reshape (cc, tgt)
  ge = Gemm <transB = 1> (rp, w_fc, b_fc)
  mm = MatMul (ge, w_mm)
  ln = LayerNormalization <axis = -1> (mm, ln_s, ln_b)
  sx = Softmax <axis = -1> (ln)
  ls = LogSoftmax <axis = -1> (ln)
  rm = ReduceMean <axes = [1]> (sx)
  rs = ReduceSum (ls, axes1)
  cs = Cast <to = 1> (rm)
  sl = Slice (sx, starts, ends, axes1)
  dr, mask = Dropout (sl)
  out = Add (dr, cs)
}
)";

// Upsample left the standard at opset 10; NNLQP's older exports still use it.
constexpr const char* kUpsampleProbe = R"(
<ir_version: 4, opset_import: ["" : 9]>
upsample (float[1,4,8,8] x) => (float[1,4,16,16] y)
<float[4] scales = {1.0, 1.0, 2.0, 2.0}>
{
  y = Upsample <mode = "linear"> (x, scales)
  n = Upsample <mode = "nearest"> (x, scales)
}
)";

/// Moves every graph input after the first into a zero-filled initializer of its type.
void inputs_to_initializers(onnx::GraphProto& graph) {
  for (int i = 1; i < graph.input_size(); ++i) {
    const onnx::ValueInfoProto& input = graph.input(i);
    const auto& type = input.type().tensor_type();
    onnx::TensorProto& weight = *graph.add_initializer();
    weight.set_name(input.name());
    weight.set_data_type(type.elem_type());
    int64_t elements = 1;
    for (const auto& dim : type.shape().dim()) {
      weight.add_dims(dim.dim_value());
      elements *= dim.dim_value();
    }
    weight.set_raw_data(std::string(static_cast<size_t>(elements) * sizeof(float), '\0'));
  }
  while (graph.input_size() > 1) graph.mutable_input()->RemoveLast();
}

ProbeModel parse_probe(const char* name, const char* text) {
  onnx::ModelProto model;
  const auto status = onnx::OnnxParser::Parse(model, text);
  if (!status.IsOK())
    throw std::logic_error(std::string("probe model ") + name + ": " + status.ErrorMessage());
  inputs_to_initializers(*model.mutable_graph());
  return {name, model.SerializeAsString()};
}

}  // namespace

const std::vector<ProbeModel>& probe_models() {
  static const std::vector<ProbeModel> probes = {parse_probe("main", kMainProbe),
                                                 parse_probe("upsample", kUpsampleProbe)};
  return probes;
}

}  // namespace narformer
