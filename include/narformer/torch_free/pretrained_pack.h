#pragma once
// Packs a trained run into a pretrained predictor folder (runtime/pretrained.h): the files
// prediction reads, the weights in half precision when that changes no check prediction by
// more than a relative 1e-3 (else float32), and pretrained.json with where the data came from,
// which machine measured it and the figures to quote.
//
//   narformer::PackOptions options;
//   options.name = "latency_cpu";
//   options.metrics_summary = "MAPE 3.47 ± 0.11 % (in-domain, 3 seeds)";
//   narformer::pack_pretrained("runs/pretrained_latency_cpu", "pretrained/latency_cpu", options);

#include <cstdint>
#include <string>

#include "narformer/runtime/pretrained.h"

namespace narformer {

struct PackOptions {
  std::string name;             ///< required: what `predict --pretrained` calls it
  int64_t version = 0;          ///< 0: one more than the folder it replaces, else 1
  std::string description;      ///< one paragraph for `pretrained list`
  std::string metrics_summary;  ///< one line: the figure users should quote, and its protocol
  /// A JSON file of out-of-sample figures (e.g. a results_table.py row) copied into the
  /// manifest's metrics; "" = none. The run's own test_metrics.json goes in as well.
  std::string metrics_file;
  double half_tolerance = 1e-3;  ///< largest relative change half precision may make
  int64_t check_items = 200;     ///< predictions compared (from the run's predictions.csv)
  bool overwrite = false;        ///< replace an existing predictor folder
};

/// Writes `out_dir` (atomically: a temporary folder renamed into place) and returns what it
/// wrote. Throws RunError for a run that is not finished, ConfigError for a missing name or an
/// existing folder without `overwrite`, DataError when the check inputs cannot be read.
PretrainedInfo pack_pretrained(const std::string& run_dir, const std::string& out_dir,
                               const PackOptions& options);

}  // namespace narformer
