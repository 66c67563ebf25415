#include "narformer/data/csv.h"

#include <gtest/gtest.h>

#include <cmath>

#include "../test_util.h"
#include "narformer/core/error.h"

namespace narformer {
namespace {

using testing::error_message;

TEST(Csv, QuotesCrlfAndNumbers) {
  const CsvTable t = CsvTable::parse("a,b,c\r\n1,\"x, \"\"y\"\"\",2.5\r\n\n3,plain,nan\n", "mem");
  ASSERT_EQ(t.num_rows(), 2u);
  EXPECT_EQ(t.cell(0, 1), "x, \"y\"");
  EXPECT_DOUBLE_EQ(t.number(0, 2), 2.5);
  EXPECT_TRUE(std::isnan(t.number(1, t.column("c"))));
  EXPECT_EQ(t.line_of(1), 4u);
}

TEST(Csv, ErrorsNameFileLineAndColumns) {
  const std::string ragged =
      error_message<DataError>([] { CsvTable::parse("a,b\n1,2\n3\n", "t.csv"); });
  EXPECT_NE(ragged.find("t.csv: line 3 has 1 fields, the header has 2"), std::string::npos)
      << ragged;

  const CsvTable t = CsvTable::parse("alpha,beta\n1,zz\n", "t.csv");
  const std::string missing = error_message<DataError>([&] { t.column("gamma"); });
  EXPECT_NE(missing.find("no column 'gamma' (columns: alpha, beta)"), std::string::npos) << missing;
  const std::string not_number = error_message<DataError>([&] { t.number(0, 1); });
  EXPECT_NE(not_number.find("line 2, column 'beta': 'zz' is not a number"), std::string::npos)
      << not_number;

  EXPECT_NE(error_message<DataError>([] { CsvTable::parse("", "e.csv"); }).find("empty CSV"),
            std::string::npos);
  EXPECT_NE(
      error_message<DataError>([] { CsvTable::read("/nonexistent.csv"); }).find("file not found"),
      std::string::npos);
  EXPECT_NE(error_message<DataError>([] {
              CsvTable::parse("a\n\"open\n", "q.csv");
            }).find("unterminated"),
            std::string::npos);
}

}  // namespace
}  // namespace narformer
