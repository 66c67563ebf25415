#pragma once
// A small, strict CSV reader (RFC 4180 quoting) for the benchmark tables we ship.

#include <string>
#include <vector>

namespace narformer {

class CsvTable {
 public:
  /// Reads a CSV file with a header row. Throws DataError naming the file when it is missing,
  /// empty, or a row has a different number of fields than the header (with the line number).
  static CsvTable read(const std::string& path);
  /// Same from text in memory; `source` names it in errors.
  static CsvTable parse(const std::string& text, const std::string& source);

  const std::string& source() const { return source_; }
  const std::vector<std::string>& header() const { return header_; }
  size_t num_rows() const { return rows_.size(); }

  /// Index of a column. Throws DataError naming the file, the column and the columns present.
  int column(const std::string& name) const;
  bool has_column(const std::string& name) const;

  const std::string& cell(size_t row, int column) const {
    return rows_[row][static_cast<size_t>(column)];
  }
  /// A cell as a number; NaN for "nan"/"NaN". Throws DataError (file, line, column) when the
  /// text is not a number.
  double number(size_t row, int column) const;
  /// 1-based line number of a data row in the file, for messages.
  size_t line_of(size_t row) const { return line_numbers_[row]; }

 private:
  std::string source_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<size_t> line_numbers_;
};

}  // namespace narformer
