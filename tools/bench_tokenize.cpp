// bench_tokenize: how fast narformer turns ONNX files into tokens.
//
//   build/bench_tokenize [PATH ...] [--repeat N] [--batch B] [--compat corrected|reference]
//   build/bench_tokenize [PATH ...] --digest [--batch B] [--compat corrected|reference]
//
// PATHs are .onnx files or folders searched recursively (default: tests/fixtures/onnx). Each
// file is read once; then N times the full pipeline runs from the bytes in memory: protobuf
// parse + batch + ONNX shape inference, graph building with costs, tokenizing. Prints per
// file the median time of each stage, ms/file and µs/node, and in total files/s.
//
// --digest times nothing: it prints one line per file, `file<TAB>digest`, a 64-bit FNV-1a hash of
// every part of its token sequence (or the import error), so that a refactor can show that it
// leaves the tokens of every file byte-identical (scripts/refactor_check.sh).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/core/progress.h"
#include "narformer/onnx/onnx_graph.h"
#include "narformer/onnx/onnx_model.h"
#include "narformer/tokenize/onnx_tokenizer.h"
#include "narformer/tokenize/token_format.h"

namespace fs = std::filesystem;
using namespace narformer;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int usage() {
  std::fprintf(stderr,
               "usage: bench_tokenize [PATH ...] [--repeat N | --digest] [--batch B] "
               "[--compat corrected|reference]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  std::vector<std::string> roots;
  int repeat = 50;
  bool digest_only = false;
  int64_t batch = 1;
  OnnxCompat compat = OnnxCompat::kCorrected;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--repeat" && i + 1 < argc)
        repeat = std::max(1, std::atoi(argv[++i]));
      else if (a == "--digest")
        digest_only = true;
      else if (a == "--batch" && i + 1 < argc)
        batch = std::atoll(argv[++i]);
      else if (a == "--compat" && i + 1 < argc)
        compat = parse_onnx_compat(argv[++i]);
      else if (a == "-h" || a == "--help")
        return usage();
      else if (!a.empty() && a[0] == '-')
        return usage();
      else
        roots.push_back(a);
    }
    if (roots.empty()) roots.push_back("tests/fixtures/onnx");

    std::vector<std::string> files;
    for (const std::string& root : roots) {
      if (fs::is_directory(root)) {
        for (const auto& entry : fs::recursive_directory_iterator(root))
          if (entry.is_regular_file() && entry.path().extension() == ".onnx")
            files.push_back(entry.path().string());
      } else {
        files.push_back(root);
      }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) throw DataError("no .onnx files found");

    OnnxTokenizerOptions token_options;
    token_options.compat = compat;
    const OnnxTokenizer tokenizer(token_options);
    if (digest_only) {
      spdlog::set_level(spdlog::level::err);  // warnings about a file are not part of its digest
      for (const std::string& file : files) {
        try {
          OnnxModel model = OnnxModel::load(file);
          model.prepare(batch);
          std::printf("%s\t%016llx\n", file.c_str(),
                      static_cast<unsigned long long>(
                          token_digest(tokenizer.tokenize(build_graph(model, compat)))));
        } catch (const Error& e) {
          std::printf("%s\terror: %s\n", file.c_str(), e.what());
        }
      }
      return 0;
    }

    // ONNX registers its operator schemas on first use (tens of ms): not per-file work.
    {
      OnnxModel warm = OnnxModel::load(files.front());
      warm.prepare(batch);
    }

    std::printf("%-44s %6s %6s %8s %8s %8s %8s %9s %8s\n", "file", "ops", "nodes", "parse", "infer",
                "graph", "tokens", "ms/file", "us/node");
    double total_seconds = 0;
    long long total_runs = 0, total_nodes = 0;
    std::vector<std::string> failed;
    for (const std::string& file : files) {
      const std::string bytes = read_file(file);
      try {  // files that cannot be imported (the cyclic test graph) are listed, not timed
        OnnxModel probe = OnnxModel::parse(bytes, file);
        probe.prepare(batch);
        build_graph(probe, compat);
      } catch (const Error& e) {
        failed.push_back(e.what());
        continue;
      }
      std::vector<double> parse, infer, build, tok, all;
      int nodes = 0, ops = 0;
      for (int r = 0; r < repeat; ++r) {
        Stopwatch clock;
        OnnxModel model = OnnxModel::parse(bytes, file);
        const double t0 = clock.seconds();
        model.prepare(batch);
        const double t1 = clock.seconds();
        const Graph graph = build_graph(model, compat);
        const double t2 = clock.seconds();
        const TokenSequence tokens = tokenizer.tokenize(graph);
        const double t3 = clock.seconds();
        parse.push_back(t0);
        infer.push_back(t1 - t0);
        build.push_back(t2 - t1);
        tok.push_back(t3 - t2);
        all.push_back(t3);
        total_seconds += t3;
        nodes = tokens.num_nodes;
        ops = graph.facts().num_operators;
      }
      total_runs += repeat;
      total_nodes += static_cast<long long>(nodes) * repeat;
      const double ms = 1e3 * median(all);
      std::string name = fs::path(file).filename().string();
      if (name.size() > 44) name = name.substr(0, 41) + "...";
      std::printf("%-44s %6d %6d %8.3f %8.3f %8.3f %8.3f %9.3f %8.2f\n", name.c_str(), ops, nodes,
                  1e3 * median(parse), 1e3 * median(infer), 1e3 * median(build), 1e3 * median(tok),
                  ms, nodes ? 1e3 * ms / nodes : 0.0);
    }
    for (const std::string& f : failed) std::printf("not timed: %s\n", f.c_str());
    const size_t timed = files.size() - failed.size();
    std::printf(
        "\n%zu files x %d repetitions: %.1f files/s, %.3f ms/file, %.2f us/node (mean over all "
        "runs)\n",
        timed, repeat, total_runs / total_seconds, 1e3 * total_seconds / total_runs,
        1e6 * total_seconds / static_cast<double>(total_nodes));
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
