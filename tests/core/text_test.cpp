#include "hourglass/core/text.h"

#include "hourglass/core/error.h"

#include <gtest/gtest.h>

namespace hg {
namespace {

TEST(Printable, EscapesControlCharactersAndKeepsTheRest) {
  EXPECT_EQ(printable("plain text, ünïcödé"), "plain text, ünïcödé");
  EXPECT_EQ(printable("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("tab\there\r\nnext\x7f"), "tab\\there\\r\\nnext\\x7f");
  EXPECT_EQ(printable("line one\nline two", /*keep_newlines=*/true), "line one\nline two");
  EXPECT_EQ(printable("csi \xc2\x9b" "31m"), "csi \\u009b31m");  // C1 control as UTF-8
  EXPECT_EQ(printable("\xc2\xa9 stays"), "\xc2\xa9 stays");     // U+00A9 is printable
  const std::string once = printable("\x1b\x00z");
  EXPECT_EQ(printable(once), once);  // idempotent
}

TEST(Printable, DiagnosticsArePrintableAndNoNulCutsThemShort) {
  Diagnostic d;
  d.where = SourceLocation{"f.yaml", 3, 4};
  d.message = std::string("bad \x1b name 'a\0b' and the rest\n", 30);
  EXPECT_EQ(d.str(), "f.yaml:3:4: error: bad \\x1b name 'a\\x00b' and the rest\\n");
  const InputError located({"f\x07.yaml", 1, 2}, "x");
  EXPECT_STREQ(located.what(), "f\\x07.yaml:1:2: error: x");
}

}  // namespace
}  // namespace hg
