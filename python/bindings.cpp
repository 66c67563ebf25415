// narformer._narformer: the C++ side of the Python module (python/narformer/__init__.py is the
// face users read). It links only the LibTorch-free libraries, so importing it never loads
// LibTorch: an interpreter that already holds another torch is left alone. Every call that
// reads files or computes releases the GIL; narformer's errors become the module's exception
// classes with the message the CLI prints.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <string>
#include <vector>

#include "narformer/config/config.h"
#include "narformer/core/error.h"
#include "narformer/runtime/pretrained.h"
#include "narformer/tokenize/onnx_inspection.h"
#include "narformer/torch_free/lite_predictor.h"
#include "narformer/torch_free/run_predictor.h"

namespace py = pybind11;

namespace narformer::python {

namespace {

/// One ONNX model given from Python: a path (str or os.PathLike) or its serialized bytes.
struct OnnxInput {
  bool in_memory = false;
  std::string path_or_bytes;
  std::string name;  ///< names it in error messages
};

OnnxInput onnx_input(const py::handle& item, size_t index) {
  if (py::isinstance<py::bytes>(item) || py::isinstance<py::bytearray>(item) ||
      py::isinstance<py::memoryview>(item)) {
    const std::string bytes = py::bytes(py::reinterpret_borrow<py::object>(item));
    return {true, bytes, "<bytes #" + std::to_string(index) + ">"};
  }
  const std::string path = py::str(py::module_::import("os").attr("fspath")(item));
  return {false, path, path};
}

std::vector<OnnxInput> onnx_inputs(const py::iterable& items) {
  std::vector<OnnxInput> out;
  for (const py::handle item : items) out.push_back(onnx_input(item, out.size()));
  return out;
}

std::vector<std::string> strings(const py::iterable& items) {
  std::vector<std::string> out;
  for (const py::handle item : items) out.push_back(py::cast<std::string>(item));
  return out;
}

py::array_t<double> to_array(const std::vector<double>& values) {
  py::array_t<double> out(static_cast<py::ssize_t>(values.size()));
  if (!values.empty())
    std::memcpy(out.mutable_data(), values.data(), values.size() * sizeof(double));
  return out;
}

py::array_t<float> to_matrix(const std::vector<std::vector<float>>& rows, int64_t width) {
  py::array_t<float> out({static_cast<py::ssize_t>(rows.size()), static_cast<py::ssize_t>(width)});
  float* data = out.mutable_data();
  for (const auto& row : rows) data = std::copy(row.begin(), row.end(), data);
  return out;
}

/// A run folder's predictor, as Python holds it.
class Predictor {
 public:
  Predictor(const std::string& run_dir, const std::string& checkpoint)
      : impl_(run_dir, checkpoint) {}

  const TorchFreePredictor& impl() const { return impl_; }

  std::vector<TokenPtr> tokenize_onnx(const std::vector<OnnxInput>& inputs, int64_t batch) const {
    std::vector<TokenPtr> tokens;
    tokens.reserve(inputs.size());
    for (const OnnxInput& input : inputs)
      tokens.push_back(input.in_memory
                           ? impl_.tokenize_onnx_bytes(input.path_or_bytes, input.name, batch)
                           : impl_.tokenize_onnx(input.path_or_bytes, batch));
    return tokens;
  }

  std::vector<std::vector<float>> embed(const std::vector<TokenPtr>& tokens) const {
    std::vector<std::vector<float>> rows;
    rows.reserve(tokens.size());
    for (const TokenPtr& t : tokens) rows.push_back(impl_.embed(t));
    return rows;
  }

 private:
  TorchFreePredictor impl_;
};

// What Python calls: arguments read with the GIL, files read and numbers computed without it,
// arrays made with it again.

py::array_t<double> predict_onnx(const Predictor& p, const py::iterable& items, int64_t batch,
                                 const std::string& platform) {
  const std::vector<OnnxInput> inputs = onnx_inputs(items);
  std::vector<double> values;
  {
    py::gil_scoped_release release;
    values = p.impl().predict(p.tokenize_onnx(inputs, batch), platform);
  }
  return to_array(values);
}

py::array_t<double> predict_cells(const Predictor& p, const py::iterable& items,
                                  const std::string& platform) {
  const std::vector<std::string> archs = strings(items);
  std::vector<double> values;
  {
    py::gil_scoped_release release;
    values = p.impl().predict(p.impl().tokenize_cells(archs), platform);
  }
  return to_array(values);
}

py::array_t<float> embed_onnx(const Predictor& p, const py::iterable& items, int64_t batch) {
  const std::vector<OnnxInput> inputs = onnx_inputs(items);
  std::vector<std::vector<float>> rows;
  {
    py::gil_scoped_release release;
    rows = p.embed(p.tokenize_onnx(inputs, batch));
  }
  return to_matrix(rows, p.impl().embedding_dim());
}

py::array_t<float> embed_cells(const Predictor& p, const py::iterable& items) {
  const std::vector<std::string> archs = strings(items);
  std::vector<std::vector<float>> rows;
  {
    py::gil_scoped_release release;
    rows = p.embed(p.impl().tokenize_cells(archs));
  }
  return to_matrix(rows, p.impl().embedding_dim());
}

/// inspect(): the JSON text of OnnxInspection and, when asked, the token matrix.
py::tuple inspect(const py::handle& source, int64_t batch, const std::string& compat,
                  const std::string& embed, int dp, bool with_tokens) {
  const OnnxInput input = onnx_input(source, 0);
  OnnxTokenizerOptions options;
  options.embed = parse_embed_type(embed, "embed");
  options.position_frequencies = dp;
  options.compat = parse_onnx_compat(compat);
  OnnxInspection seen;
  {
    py::gil_scoped_release release;
    seen = input.in_memory ? inspect_onnx_bytes(input.path_or_bytes, input.name, options, batch)
                           : inspect_onnx(input.path_or_bytes, options, batch);
  }
  py::object tokens = py::none();
  if (with_tokens) {
    const TokenSequence& t = seen.tokens;
    py::array_t<float> matrix(
        {static_cast<py::ssize_t>(t.num_nodes), static_cast<py::ssize_t>(t.feature_dim)});
    std::copy(t.features.begin(), t.features.end(), matrix.mutable_data());
    tokens = std::move(matrix);
  }
  return py::make_tuple(seen.to_json().dump(), tokens);
}

}  // namespace

}  // namespace narformer::python

PYBIND11_MODULE(_narformer, m) {
  using narformer::python::Predictor;
  m.doc() = "narformer's C++ core (LibTorch-free); use the narformer package";

  // Base first: pybind11 tries translators newest first, so each class catches its own.
  static py::exception<narformer::Error> error(m, "Error");
  py::register_exception<narformer::ConfigError>(m, "ConfigError", error.ptr());
  py::register_exception<narformer::DataError>(m, "DataError", error.ptr());
  py::register_exception<narformer::RunError>(m, "RunError", error.ptr());

  namespace nfp = narformer::python;
  py::class_<Predictor>(m, "Predictor")
      .def(py::init<const std::string&, const std::string&>(), py::arg("run_dir"),
           py::arg("checkpoint") = "best", py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("run_dir",
                             [](const Predictor& p) { return p.impl().inputs().run_dir(); })
      .def_property_readonly("kind", [](const Predictor& p) { return p.impl().kind(); })
      .def_property_readonly("takes_onnx", [](const Predictor& p) { return p.impl().takes_onnx(); })
      .def_property_readonly("predicts_latency",
                             [](const Predictor& p) { return p.impl().predicts_latency(); })
      .def_property_readonly("platforms", [](const Predictor& p) { return p.impl().platforms(); })
      .def_property_readonly("embedding_dim",
                             [](const Predictor& p) { return p.impl().embedding_dim(); })
      .def("predict_onnx", &nfp::predict_onnx, py::arg("items"), py::arg("batch") = 1,
           py::arg("platform") = "")
      .def("predict_cells", &nfp::predict_cells, py::arg("archs"), py::arg("platform") = "")
      .def("embed_onnx", &nfp::embed_onnx, py::arg("items"), py::arg("batch") = 1)
      .def("embed_cells", &nfp::embed_cells, py::arg("archs"));

  m.def(
      "run_or_pretrained",
      [](const std::string& name) { return narformer::run_or_pretrained(name); },
      py::arg("run_or_name"),
      "A run folder as given, or the folder of the shipped predictor of that name.");
  m.def(
      "pretrained_manifests",
      [] {
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& info : narformer::list_pretrained())
          out.emplace_back(info.dir, info.manifest_json);
        return out;
      },
      "(folder, pretrained.json text) of every shipped predictor, sorted by name.");
  m.def("set_threads", &narformer::LitePredictor::set_threads, py::arg("threads"),
        "Threads of the BLAS calls for the whole process (0: leave the setting alone).");
  m.def("inspect", &narformer::python::inspect, py::arg("source"), py::arg("batch") = 1,
        py::arg("compat") = "corrected", py::arg("embed") = "trans", py::arg("dp") = 0,
        py::arg("tokens") = false);
  m.def(
      "check_config",
      [](const std::string& path, const std::vector<std::string>& overrides) {
        py::gil_scoped_release release;
        narformer::load_config(path, overrides);
      },
      py::arg("path"), py::arg("overrides") = std::vector<std::string>{},
      "Reads a config as `narformer train` does; raises ConfigError or DataError as it would.");
}
