#include "narformer/data/nas_table.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "narformer/cells/nb101.h"
#include "narformer/cells/nb201.h"
#include "narformer/config/config.h"
#include "narformer/config/datasets.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/data/csv.h"

namespace narformer {

namespace {

double read_label(const CsvTable& table, size_t row, int column, double scale) {
  const double value = table.number(row, column) * scale;
  const std::string where = "line " + std::to_string(table.line_of(row)) + ", column '" +
                            table.header()[static_cast<size_t>(column)] + "'";
  if (std::isnan(value)) throw DataError(with_file(table.source(), where + ": label is NaN"));
  if (std::isinf(value)) throw DataError(with_file(table.source(), where + ": label is infinite"));
  if (!(value > 0))
    throw DataError(
        with_file(table.source(), where + ": label must be positive (relative-error loss)"));
  return value;
}

}  // namespace

namespace {

/// NAR-Former's intermediate JSON (method.md §5.3): {"0": {"module_adjacency": [[...]],
/// "module_operations": [...], <label fields>...}, "1": ...}, in index order.
NasTable read_nas_json(const DataConfig& config) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(read_file(config.path));
  } catch (const nlohmann::json::parse_error& e) {
    throw DataError(with_file(config.path, std::string("malformed JSON: ") + e.what()));
  }
  if (!root.is_object() || root.empty())
    throw DataError(
        with_file(config.path, "expected a non-empty JSON object keyed by architecture index"));
  NasTable result;
  result.source = config.path;
  result.space = dataset_info(config.dataset).space;

  std::vector<std::pair<int64_t, const nlohmann::json*>> entries;
  for (auto it = root.begin(); it != root.end(); ++it) {
    char* end = nullptr;
    const long long index = std::strtoll(it.key().c_str(), &end, 10);
    if (it.key().empty() || *end != '\0')
      throw DataError(
          with_file(config.path, "key '" + it.key() + "' is not an architecture index"));
    entries.emplace_back(index, &it.value());
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  for (const auto& [index, entry] : entries) {
    const std::string where = "entry \"" + std::to_string(index) + "\"";
    auto field = [&](const std::string& name) -> const nlohmann::json& {
      if (!entry->contains(name))
        throw DataError(with_file(config.path, where + " has no field '" + name + "'"));
      return (*entry)[name];
    };
    auto label = [&](const std::string& name) {
      const nlohmann::json& value = field(name);
      if (!value.is_number())
        throw DataError(with_file(config.path, where + ": '" + name + "' is not a number"));
      const double v = value.get<double>() * config.label_scale;
      if (!std::isfinite(v))
        throw DataError(with_file(config.path, where + ": '" + name + "' is not finite"));
      if (!(v > 0))
        throw DataError(with_file(
            config.path, where + ": '" + name + "' must be positive (relative-error loss)"));
      return v;
    };
    NasRecord record;
    record.index = index;
    try {
      const auto ops = field("module_operations").get<std::vector<std::string>>();
      const auto adjacency = field("module_adjacency").get<std::vector<std::vector<int>>>();
      if (result.space == CellSpace::kNasBench101) {
        record.cell = make_nb101_cell(adjacency, ops);
        record.arch = nb101_arch_string(record.cell);
      } else {
        if (ops.size() != 8 || ops.front() != "input" || ops.back() != "output")
          throw DataError("module_operations must be 8 ops: input, the 6 edge ops, output");
        record.arch = "|" + ops[1] + "~0|+|" + ops[2] + "~0|" + ops[3] + "~1|+|" + ops[4] + "~0|" +
                      ops[5] + "~1|" + ops[6] + "~2|";
        record.cell = read_nb201_cell(record.arch, config);
        for (int i = 0; i < 8; ++i)
          for (int j = 0; j < 8; ++j)
            if (adjacency.size() != 8 || adjacency[i].size() != 8 ||
                (adjacency[i][j] != 0) != record.cell.edge(i, j))
              throw DataError("module_adjacency is not the fixed NAS-Bench-201 node-op adjacency");
      }
    } catch (const nlohmann::json::exception& e) {
      throw DataError(with_file(config.path, where + ": " + e.what()));
    } catch (const DataError& e) {
      const std::string what = e.what();
      if (what.rfind(config.path, 0) == 0) throw;
      throw DataError(with_file(config.path, where + ": " + what));
    }
    for (const std::string& name : config.labels) record.labels.push_back(label(name));
    record.train_label = record.labels.empty() ? label(config.train_label) : record.labels[0];
    record.eval_label = record.labels.empty() ? label(config.eval_label) : record.labels[0];
    result.records.push_back(std::move(record));
  }
  return result;
}

bool has_json_extension(const std::string& path) {
  return path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
}

}  // namespace

Cell read_nb201_cell(const std::string& arch, const DataConfig& config) {
  Cell cell = parse_nb201_arch(arch);
  return config.tokenizer.prune_dead ? nb201_prune_dead(cell) : cell;
}

NasTable read_dataset_cells(const DataConfig& config) {
  const DatasetInfo& format = dataset_info(config.dataset);
  return format.read_cells ? format.read_cells(config) : read_nas_table(config);
}

NasTable read_nas_table(const DataConfig& config) {
  if (has_json_extension(config.path)) return read_nas_json(config);
  const CsvTable table = CsvTable::read(config.path);
  NasTable result;
  result.source = config.path;
  result.space = dataset_info(config.dataset).space;

  std::vector<int> label_columns;
  for (const std::string& name : config.labels) label_columns.push_back(table.column(name));
  const bool single = label_columns.empty();
  const int train_column = single ? table.column(config.train_label) : label_columns[0];
  const int eval_column = single ? table.column(config.eval_label) : label_columns[0];
  int arch_column = -1, adjacency_column = -1, ops_column = -1;
  if (result.space == CellSpace::kNasBench201) {
    arch_column = table.column(config.arch_column);
  } else {
    adjacency_column = table.column(config.adjacency_column);
    ops_column = table.column(config.ops_column);
  }
  if (table.num_rows() == 0)
    throw DataError(with_file(config.path, "table has a header but no rows"));

  result.records.reserve(table.num_rows());
  for (size_t row = 0; row < table.num_rows(); ++row) {
    NasRecord record;
    record.index = static_cast<int64_t>(row);
    try {
      if (result.space == CellSpace::kNasBench201) {
        record.arch = table.cell(row, arch_column);
        record.cell = read_nb201_cell(record.arch, config);
      } else {
        const std::string& adjacency = table.cell(row, adjacency_column);
        const std::string& ops = table.cell(row, ops_column);
        record.arch = adjacency + " " + ops;
        record.cell = parse_nb101_cell(adjacency, ops);
      }
    } catch (const DataError& e) {
      throw DataError(
          with_file(config.path, "line " + std::to_string(table.line_of(row)) + ": " + e.what()));
    }
    for (const int column : label_columns)
      record.labels.push_back(read_label(table, row, column, config.label_scale));
    record.train_label = read_label(table, row, train_column, config.label_scale);
    record.eval_label = read_label(table, row, eval_column, config.label_scale);
    result.records.push_back(std::move(record));
  }
  return result;
}

}  // namespace narformer
