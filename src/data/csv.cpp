#include "narformer/data/csv.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"

namespace narformer {

namespace {

/// Splits text into records of fields, honouring quotes; records end at unquoted newlines.
/// `lines` receives the 1-based line on which each record starts.
std::vector<std::vector<std::string>> parse_records(const std::string& text,
                                                    const std::string& source,
                                                    std::vector<size_t>& lines) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> fields;
  std::string field;
  bool in_quotes = false, field_started = false;
  size_t line = 1, record_line = 1;
  auto end_record = [&] {
    fields.push_back(field);
    field.clear();
    const bool blank = fields.size() == 1 && fields[0].empty();
    if (!blank) {
      records.push_back(std::move(fields));
      lines.push_back(record_line);
    }
    fields.clear();
    field_started = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty() && !field_started) {
      in_quotes = true;
      field_started = true;
    } else if (c == ',') {
      fields.push_back(field);
      field.clear();
      field_started = false;
    } else if (c == '\n') {
      if (!field.empty() && field.back() == '\r') field.pop_back();
      end_record();
      ++line;
      record_line = line;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (in_quotes)
    throw DataError(with_file(
        source, "unterminated quoted field starting on line " + std::to_string(record_line)));
  if (!field.empty() || !fields.empty()) {
    if (!field.empty() && field.back() == '\r') field.pop_back();
    end_record();
  }
  return records;
}

}  // namespace

CsvTable CsvTable::read(const std::string& path) {
  return parse(read_file(path), path);
}

CsvTable CsvTable::parse(const std::string& text, const std::string& source) {
  CsvTable table;
  table.source_ = source;
  std::vector<size_t> lines;
  auto records = parse_records(text, source, lines);
  if (records.empty()) throw DataError(with_file(source, "empty CSV file (no header row)"));
  table.header_ = std::move(records.front());
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != table.header_.size())
      throw DataError(with_file(
          source, "line " + std::to_string(lines[r]) + " has " + std::to_string(records[r].size()) +
                      " fields, the header has " + std::to_string(table.header_.size())));
    table.rows_.push_back(std::move(records[r]));
    table.line_numbers_.push_back(lines[r]);
  }
  return table;
}

bool CsvTable::has_column(const std::string& name) const {
  for (const auto& h : header_)
    if (h == name) return true;
  return false;
}

int CsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return static_cast<int>(i);
  std::string present;
  for (const auto& h : header_) present += (present.empty() ? "" : ", ") + h;
  throw DataError(with_file(source_, "no column '" + name + "' (columns: " + present + ")"));
}

double CsvTable::number(size_t row, int column) const {
  const std::string& text = cell(row, column);
  if (text == "nan" || text == "NaN" || text == "NAN") return std::nan("");
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE)
    throw DataError(with_file(source_, "line " + std::to_string(line_of(row)) + ", column '" +
                                           header_[static_cast<size_t>(column)] + "': '" + text +
                                           "' is not a number"));
  return v;
}

}  // namespace narformer
