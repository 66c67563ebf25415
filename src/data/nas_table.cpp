#include "narformer/data/nas_table.h"

#include <cmath>

#include "narformer/cells/nb101.h"
#include "narformer/cells/nb201.h"
#include "narformer/config/config.h"
#include "narformer/core/error.h"
#include "narformer/data/csv.h"

namespace narformer {

namespace {

double read_label(const CsvTable& table, size_t row, int column, double scale) {
  const double value = table.number(row, column) * scale;
  const std::string where = "line " + std::to_string(table.line_of(row)) + ", column '" +
                            table.header()[static_cast<size_t>(column)] + "'";
  if (std::isnan(value)) throw DataError(with_file(table.source(), where + ": label is NaN"));
  if (!(value > 0)) throw DataError(with_file(table.source(), where + ": label must be positive (relative-error loss)"));
  return value;
}

}  // namespace

NasTable read_nas_table(const DataConfig& config) {
  const CsvTable table = CsvTable::read(config.path);
  NasTable result;
  result.source = config.path;
  result.space = config.dataset == "nb101" ? CellSpace::kNasBench101 : CellSpace::kNasBench201;

  const int train_column = table.column(config.train_label);
  const int eval_column = table.column(config.eval_label);
  int arch_column = -1, adjacency_column = -1, ops_column = -1;
  if (result.space == CellSpace::kNasBench201) {
    arch_column = table.column(config.arch_column);
  } else {
    adjacency_column = table.column(config.adjacency_column);
    ops_column = table.column(config.ops_column);
  }
  if (table.num_rows() == 0) throw DataError(with_file(config.path, "table has a header but no rows"));

  result.records.reserve(table.num_rows());
  for (size_t row = 0; row < table.num_rows(); ++row) {
    NasRecord record;
    record.index = static_cast<int64_t>(row);
    try {
      if (result.space == CellSpace::kNasBench201) {
        record.arch = table.cell(row, arch_column);
        record.cell = parse_nb201_arch(record.arch);
      } else {
        const std::string& adjacency = table.cell(row, adjacency_column);
        const std::string& ops = table.cell(row, ops_column);
        record.arch = adjacency + " " + ops;
        record.cell = parse_nb101_cell(adjacency, ops);
      }
    } catch (const DataError& e) {
      throw DataError(with_file(config.path, "line " + std::to_string(table.line_of(row)) + ": " + e.what()));
    }
    record.train_label = read_label(table, row, train_column, config.label_scale);
    record.eval_label = read_label(table, row, eval_column, config.label_scale);
    result.records.push_back(std::move(record));
  }
  return result;
}

}  // namespace narformer
